import type { Dataset } from "../../runbooks";
import { runbookBackups } from "../../capabilities/backups/plan";
import { backupsConfig, checkBackups, datasetIn, tierIn, type BackupEvidence } from "../lib/backups";
import { appValue, label, perApp, stackRule, type Subject } from "../lib/policy";
import { selectsNothing } from "../lib/tags";
import { longestGapSeconds } from "../lib/schedules";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord, num } from "../lib/values";

const PLAN = "aws:backup/plan:Plan";
const SELECTION = "aws:backup/selection:Selection";
const SCHEDULE = "aws:scheduler/schedule:Schedule";
const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";

/**
 * Backups a scheduled ECS task takes (what AWS Backup cannot: Amazon MQ's definitions): an
 * EventBridge Scheduler schedule whose name names a backup and a dataset, starting an ECS task;
 * its retention is the RETENTION_DAYS of the task definition of the same family (the operations
 * scripts' interface); switched off when the schedule is DISABLED or starts no task.
 */
function scheduledTaskEvidence(resources: readonly Subject[]): BackupEvidence[] {
    const families = new Map(ofType(resources, TASK_DEFINITION).map((t) => [String(t.props.family ?? ""), t]));
    return ofType(resources, SCHEDULE).flatMap((s): BackupEvidence[] => {
        const name = String(s.props.name ?? s.name);
        const dataset = datasetIn(name);
        if (!dataset || !/backup/i.test(name) || /restore|verify/i.test(name)) return [];
        const expression = String(s.props.scheduleExpression ?? "");
        const schedule = /^cron\((.+)\)$/.exec(expression)?.[1] ?? expression;
        const task = families.get(name);
        let retentionDays: number | undefined;
        try {
            const containers = asArray<Record<string, any>>(typeof task?.props.containerDefinitions === "string" ? JSON.parse(task.props.containerDefinitions) : task?.props.containerDefinitions);
            retentionDays = num(containers.flatMap((c) => asArray<Record<string, any>>(c.environment)).find((e) => e?.name === "RETENTION_DAYS")?.value);
        } catch {
            retentionDays = undefined;
        }
        const startsTask = isRecord(s.props.target) && isRecord(s.props.target.ecsParameters);
        const off = s.props.state === "DISABLED" ? "state DISABLED" : !startsTask ? "its target starts no ECS task" : undefined;
        const tier = tierIn(name, dataset);
        return [{ subject: s, dataset, ...(tier ? { tier } : {}), schedule, intervalSeconds: schedule ? longestGapSeconds(schedule) : undefined, retentionDays, where: `schedule "${name}"`, ...(off ? { off } : {}) }];
    });
}

/** The datasets a selection protects: `backup:<dataset>` tags, or a dataset word in its name. */
function selectionDatasets(sel: Subject): Dataset[] {
    const out = new Set<Dataset>();
    for (const t of asArray(sel.props.selectionTags)) {
        if (!isRecord(t)) continue;
        const d = datasetIn(`${t.key ?? ""} ${t.value ?? ""}`);
        if (d) out.add(d);
    }
    const byName = datasetIn(String(sel.props.name ?? sel.name));
    if (out.size === 0 && byName) out.add(byName);
    return [...out];
}

/** Why a selection assigns no resource to its plan: tags no resource carries (ARN lists and conditions are taken as selecting). */
function selectionOff(resources: readonly Subject[], sel: Subject): string | undefined {
    if (asArray(sel.props.resources).length > 0 || isRecord(sel.props.conditions)) return undefined;
    const tags = asArray(sel.props.selectionTags)
        .filter(isRecord)
        .map((t) => ({ key: String(t.key ?? ""), value: String(t.value ?? "") }));
    if (tags.length === 0) return `${label(sel)} names no resources and no tags`;
    const why = selectsNothing(resources, tags);
    return why ? `${label(sel)}: ${why}` : undefined;
}

/**
 * Each AWS Backup plan rule, with the dataset it backs up: named in the rule, the plan, or the
 * plan's only selection; switched off when a selection of the plan for that dataset selects no resource.
 */
function backupPlanEvidence(resources: readonly Subject[]): BackupEvidence[] {
    const byPlan = new Map<string, { datasets: Dataset[]; off?: string }[]>();
    for (const sel of ofType(resources, SELECTION)) {
        const entry = { datasets: selectionDatasets(sel), off: selectionOff(resources, sel) };
        const planId = typeof sel.props.planId === "string" ? sel.props.planId : "";
        for (const dep of sel.dependencies ?? []) byPlan.set(dep, [...(byPlan.get(dep) ?? []), entry]);
        if (planId) byPlan.set(`id:${planId}`, [...(byPlan.get(`id:${planId}`) ?? []), entry]);
    }
    return ofType(resources, PLAN).flatMap((plan) => {
        const planName = String(plan.props.name ?? plan.name);
        const ids = [...byPlan.keys()].filter((k) => k.startsWith("id:") && k.includes(planName));
        const selections = [...new Set([...(byPlan.get(plan.urn) ?? []), ...ids.flatMap((k) => byPlan.get(k) ?? [])])];
        const unique = [...new Set(selections.flatMap((x) => x.datasets))];
        return asArray<Record<string, any>>(plan.props.rules).flatMap((rule, i) => {
            const ruleName = String(rule?.ruleName ?? `rules[${i}]`);
            const datasets = datasetIn(ruleName) ? [datasetIn(ruleName)!] : datasetIn(planName) ? [datasetIn(planName)!] : unique;
            const schedule = String(rule?.schedule ?? "");
            return datasets.map((dataset) => {
                const mine = selections.filter((x) => x.datasets.includes(dataset) || x.datasets.length === 0);
                const off = mine.length === 0 ? "no selection assigns resources to its plan" : mine.some((x) => x.off) ? mine.filter((x) => x.off).map((x) => x.off).join("; ") : undefined;
                return {
                    subject: plan,
                    dataset,
                    ...((rule?.recoveryPointTags?.tier ?? tierIn(ruleName, dataset)) ? { tier: String(rule?.recoveryPointTags?.tier ?? tierIn(ruleName, dataset)) } : {}),
                    schedule,
                    intervalSeconds: schedule ? longestGapSeconds(schedule) : undefined,
                    retentionDays: num(rule?.lifecycle?.deleteAfter),
                    where: `rule "${ruleName}"`,
                    ...(off ? { off } : {}),
                };
            });
        });
    });
}

/** AWS Backup plans run each dataset's backup on the runbook's schedule and keep it for the runbook's retention. */
export const awsBackupPlanRunbookSchedule = stackRule({
    name: "aws-backup-plan-runbook-schedule",
    description: "Every runbook dataset AWS Backup protects has a backup plan rule (a dataset AWS Backup cannot take, an enabled schedule of its backup task) that runs at least as often as the runbook's schedule and keeps recovery points at least as long as its retention.",
    tier: "runbook",
    target: "aws",
    configSchema: {
        properties: {
            backups: backupsConfig,
            datasets: perApp(
                "Datasets AWS Backup must protect (ElastiCache Redis is not an AWS Backup resource: its snapshots are checked by aws-elasticache-replicationgroup-snapshot-retention).",
                (rb) => runbookBackups(rb).map((b) => b.dataset).filter((d) => d !== "redis"),
                { type: "array", items: { type: "string" } },
            ),
        },
    },
    remediationSteps: "Add one plan rule per runbook backup: schedule awsCron(cron), lifecycle.deleteAfter = retentionDays, selected by the `backup:<dataset>` tag.",
    notApplicable: (resources) => absentTarget(resources, "aws"),
    check: (resources, ctx) => {
        const datasets = appValue(ctx, "datasets", (rb) => runbookBackups(rb).map((b) => b.dataset).filter((d) => d !== "redis")) as Dataset[];
        return checkBackups(ctx, [...backupPlanEvidence(resources), ...scheduledTaskEvidence(resources)], datasets, "the AWS stack's backup plans and scheduled backup tasks", "Add an aws.backup.Plan rule for it (an EventBridge Scheduler schedule of its backup task where AWS Backup cannot take it).");
    },
});
