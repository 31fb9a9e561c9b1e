import test from "ava";
import { planStack, type PlannedResource, type StackPlan } from "../../cli/harness/runtime";
import { backupPlan } from "../../capabilities/backups/plan";
import { queryContext } from "../../capabilities/alerting/signals";
import { awsCron } from "../../capabilities/schedules";
import { durationSeconds, parseRunbook } from "../../runbooks";
import { runPolicies } from "../../policies/offline";
import { policies } from "../../policies/pack";
import { violations } from "../providers/aws-constraints";
import { evaluate, type Subject } from "../../policies/lib/policy";
import { awsBackupPlanRunbookSchedule } from "../../policies/aws/backup-plan-runbook-schedule";
import { awsAmpCloudwatchRunbookAlerts } from "../../policies/aws/amp-cloudwatch-runbook-alerts";
import { dockerBackupRunbookSchedule } from "../../policies/docker/backup-runbook-schedule";
import { k8sCronJobBackupRunbookSchedule } from "../../policies/kubernetes/cronjob-backup-runbook-schedule";
import { k8sCnpgScheduledBackupRunbookSchedule } from "../../policies/kubernetes/cnpg-scheduledbackup-runbook-schedule";
import { BASE_APP, NIGHTLY_ENTRY, RB, TIER, WEEKLY_ENTRY, withTiers } from "./tiered-runbook";

/**
 * Two backup tiers of one dataset (capabilities/backups/plan.ts `tier`), planned on every target
 * from the synthetic runbook of ./tiered-runbook.ts: unique URNs, one rule/job/alarm per tier, each
 * on its own schedule and retention, and each tier's archives under its own prefix so one tier's
 * prune never sees another's. Expected values come from the runbook's entries.
 */

const plans = new Map<string, StackPlan>();
test.before(async () => {
    for (const env of ["local", "staging", "production"]) plans.set(env, await planStack(`${BASE_APP}-${env}`, { mutate: withTiers }));
});
const props = (r: PlannedResource) => r.props as Record<string, any>;
const ofType = (env: string, type: string) => plans.get(env)!.resources.filter((r) => r.type === type);
const envOf = (list: { name: string; value?: string }[] | string[]) =>
    Object.fromEntries(list.map((e) => (typeof e === "string" ? [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)] : [e.name, e.value])));
const TIERED = `${WEEKLY_ENTRY.dataset}-${TIER}`;

test("the language: a second backup of a dataset needs its own tier, and two without are refused naming both", (t) => {
    t.is(backupPlan(RB).filter((p) => p.dataset === WEEKLY_ENTRY.dataset).length, 2);
    const nightlyIndex = RB.backups.indexOf(NIGHTLY_ENTRY);
    const { tier: _tier, ...untiered } = WEEKLY_ENTRY;
    const twice = [...RB.backups.filter((b) => b !== WEEKLY_ENTRY), untiered];
    t.throws(() => parseRunbook({ ...RB, backups: twice }), { message: new RegExp(`backups\\[${nightlyIndex}\\] and backups\\[${twice.length - 1}\\] both back up postgres without a tier; allowed: one entry per dataset and tier`) });
    t.throws(() => backupPlan({ ...RB, backups: twice }), { message: new RegExp(`backups\\[${nightlyIndex}\\] and backups\\[${twice.length - 1}\\] both back up postgres`) });
    const sameTier = [...RB.backups, { ...WEEKLY_ENTRY, cron: "0 4 * * 0" }];
    t.throws(() => parseRunbook({ ...RB, backups: sameTier }), { message: /both back up postgres as tier "weekly"/ });
    t.throws(() => parseRunbook({ ...RB, backups: [...RB.backups.filter((b) => b !== WEEKLY_ENTRY), { ...WEEKLY_ENTRY, tier: "Weekly Copy" }] }), { message: /tier must be/ });
});

test("every target: unique URNs, as the engine requires", (t) => {
    for (const [env, plan] of plans) {
        const urns = plan.resources.map((r) => r.urn);
        t.deepEqual(
            urns.filter((u, i) => urns.indexOf(u) !== i),
            [],
            env,
        );
    }
});

test("AWS: one vault, plan and rule per tier on the tier's schedule and retention, its own lock and overdue alarm, one restore selection per dataset", (t) => {
    const rules = ofType("production", "aws:backup/plan:Plan").flatMap((r) => props(r).rules as Record<string, any>[]);
    for (const entry of [NIGHTLY_ENTRY, WEEKLY_ENTRY]) {
        const mine = rules.filter((r) => r.recoveryPointTags.dataset === entry.dataset && r.recoveryPointTags.tier === entry.tier);
        t.is(mine.length, 1, `${entry.dataset}/${entry.tier}`);
        t.is(mine[0].schedule, awsCron(entry.cron));
        t.is(mine[0].lifecycle.deleteAfter, entry.retentionDays);
        const locks = ofType("production", "aws:backup/vaultLockConfiguration:VaultLockConfiguration").filter((l) => props(l).backupVaultName === mine[0].targetVaultName);
        t.deepEqual(locks.map((l) => props(l).minRetentionDays), [entry.retentionDays]);
    }
    const vaults = rules.map((r) => r.targetVaultName);
    t.is(new Set(vaults).size, vaults.length, "a vault per tier");
    const overdue = ofType("production", "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => props(a).namespace === "AWS/Backup");
    const alert = RB.alerts.find((a) => a.signal === "backup_age")!;
    for (const vault of vaults) t.is(overdue.filter((a) => props(a).dimensions.BackupVaultName === vault).length, alert.levels.length, vault);
    const weeklyVault = rules.find((r) => r.recoveryPointTags.tier === TIER)!.targetVaultName;
    for (const a of overdue.filter((x) => props(x).dimensions.BackupVaultName === weeklyVault)) {
        // 1.5 weeks is beyond CloudWatch's 7 days: the alarm evaluates the longest window it can, never a longer one.
        t.true(props(a).period * props(a).evaluationPeriods <= 7 * 86400);
    }
    t.is(ofType("production", "aws:backup/restoreTestingSelection:RestoreTestingSelection").length, new Set(rules.map((r) => r.recoveryPointTags.dataset)).size);
    t.deepEqual(violations(plans.get("production")!.resources), [], "AWS accepts every resource");
});

test("Kubernetes: one CronJob per tier, each archiving under its own prefix, one restore check per dataset", (t) => {
    const jobs = ofType("staging", "kubernetes:batch/v1:CronJob");
    const backupOf = (name: string) => {
        const found = jobs.filter((j) => envOf(props(j).spec.jobTemplate.spec.template.spec.containers[0].env).JOB_DATASET === name && props(j).metadata.labels["app.kubernetes.io/component"] === "backup");
        t.is(found.length, 1, name);
        return { schedule: props(found[0]).spec.schedule as string, env: envOf(props(found[0]).spec.jobTemplate.spec.template.spec.containers[0].env) };
    };
    const nightly = backupOf(NIGHTLY_ENTRY.dataset);
    const weekly = backupOf(TIERED);
    t.is(nightly.schedule, NIGHTLY_ENTRY.cron);
    t.is(weekly.schedule, WEEKLY_ENTRY.cron);
    t.is(weekly.env.RETENTION_DAYS, `${WEEKLY_ENTRY.retentionDays}`);
    t.is(nightly.env.RETENTION_DAYS, `${NIGHTLY_ENTRY.retentionDays}`);
    t.is(weekly.env.BACKUP_DEST, `${nightly.env.BACKUP_DEST}/${TIER}`);
    t.is(jobs.filter((j) => props(j).metadata.labels["app.kubernetes.io/component"] === "restore-check" && /postgres/.test(props(j).metadata.name)).length, 1);
});

test("Docker: one container per tier, each archiving under its own directory of the backups volume", (t) => {
    const containers = ofType("local", "docker:index/container:Container").map((c) => envOf(props(c).envs as string[]));
    const nightly = containers.filter((e) => e.JOB_DATASET === NIGHTLY_ENTRY.dataset);
    const weekly = containers.filter((e) => e.JOB_DATASET === TIERED);
    t.is(nightly.length, 1);
    t.is(weekly.length, 1);
    t.is(weekly[0].CRON_SCHEDULE, WEEKLY_ENTRY.cron);
    t.is(weekly[0].RETENTION_DAYS, `${WEEKLY_ENTRY.retentionDays}`);
    t.is(weekly[0].BACKUP_DEST, `${nightly[0].BACKUP_DEST}/${TIER}`);
});

test("alerts: each tier is its own backup_age series over its own interval", (t) => {
    const groups = queryContext(RB, `app="${RB.app}"`).backupGroups;
    const of = (name: string) => groups.filter((g) => g.datasets.includes(name)).map((g) => g.seconds);
    t.deepEqual(of(TIERED), [String(durationSeconds(WEEKLY_ENTRY.every))]);
    t.deepEqual(of(NIGHTLY_ENTRY.dataset), [String(durationSeconds(NIGHTLY_ENTRY.every))]);
    const rules = ofType("staging", "kubernetes:monitoring.coreos.com/v1:PrometheusRule").map((r) => JSON.stringify(props(r)));
    t.true(rules.some((r) => r.includes(TIERED) && r.includes(`/ ${durationSeconds(WEEKLY_ENTRY.every)}`)), "the staging rule reads the weekly series");
});

/** The pack's backup-schedule rules (and on AWS the alarm check, which reads each vault's interval), run against the tiered runbook (the pack itself reads the committed runbook of the app). */
const SCHEDULE_RULES = { local: [dockerBackupRunbookSchedule], staging: [k8sCronJobBackupRunbookSchedule, k8sCnpgScheduledBackupRunbookSchedule], production: [awsBackupPlanRunbookSchedule, awsAmpCloudwatchRunbookAlerts] } as const;
const subjects = (resources: readonly PlannedResource[]): Subject[] =>
    resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: r.props as Record<string, any>, opts: { protect: false, ...(r.parent ? { parent: r.parent } : {}) }, dependencies: [...r.options.dependsOn] }));
const scheduleFindings = (env: keyof typeof SCHEDULE_RULES, resources: readonly PlannedResource[]) =>
    SCHEDULE_RULES[env].flatMap((rule) =>
        evaluate(rule, subjects(resources), { stack: `${BASE_APP}-${env}`, app: BASE_APP, env, runbook: RB, exceptions: [], plaintextCredentials: [], config: {} }).map((f) => f.message),
    );

test("policies: every tier is held to its own schedule and retention; a stack without the weekly tier, or with it loosened, is a finding", (t) => {
    for (const env of ["local", "staging", "production"] as const) {
        const resources = plans.get(env)!.resources;
        t.deepEqual(scheduleFindings(env, resources), [], env);
        // The weekly job or plan removed: the weekly tier has no schedule.
        const withoutWeekly = resources.filter((r) => !r.name.includes(TIERED));
        t.true(
            scheduleFindings(env, withoutWeekly).some((m) => m.includes(`has no backup schedule for ${TIERED}`)),
            `${env} without the weekly tier`,
        );
    }
    // The weekly plan rule kept 30 days instead of 84: its own retention is checked, not the nightly one.
    const prod = structuredClone(plans.get("production")!.resources) as PlannedResource[];
    const plan = prod.find((r) => r.type === "aws:backup/plan:Plan" && r.name.includes(TIERED))!;
    (props(plan).rules as Record<string, any>[])[0].lifecycle.deleteAfter = NIGHTLY_ENTRY.retentionDays;
    t.true(scheduleFindings("production", prod).some((m) => m.includes(`keeps ${TIERED} backups ${NIGHTLY_ENTRY.retentionDays} days, less than ${WEEKLY_ENTRY.retentionDays}`)));
    // The weekly overdue alarm stretched to 2.5 weekly intervals is looser than the runbook (its own interval, not the nightly one).
    const alarm = prod.find((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.name.includes(`backup-${TIERED}`))!;
    const stretched = Math.ceil((2.5 * durationSeconds(WEEKLY_ENTRY.every)) / props(alarm).period);
    Object.assign(props(alarm), { evaluationPeriods: stretched, datapointsToAlarm: stretched });
    t.true(scheduleFindings("production", prod).some((m) => m.includes(alarm.name) || m.includes(String(props(alarm).name))), "a loosened weekly alarm is a finding");
});

test("the pack's other mandatory policies pass on every tiered stack", async (t) => {
    const scheduleRules = new Set<string>(Object.values(SCHEDULE_RULES).flatMap((rules) => rules.map((r) => r.name)));
    for (const [env, plan] of plans) {
        const report = await runPolicies(plan, { policies: policies.filter((p) => !scheduleRules.has(p.name)), exceptions: [], runbook: RB });
        const mandatory = report.outcomes.filter((o) => o.level === "mandatory").flatMap((o) => o.violations.map((v) => `${o.name}: ${v.message}`));
        t.deepEqual(mandatory, [], env);
    }
});
