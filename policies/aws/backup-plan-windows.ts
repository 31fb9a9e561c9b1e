import { backupRules, type BackupRuleSpec } from "../../capabilities/aws/backups";
import { isUnknown } from "../lib/inputs";
import { finding, label, provenance, stackRule, type Finding, type Subject } from "../lib/policy";
import { longestGapSeconds } from "../lib/schedules";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord, num } from "../lib/values";
import { runbookBackups } from "../../capabilities/backups/plan";
import type { Runbook } from "../../runbooks";

const PLAN = "aws:backup/plan:Plan";
/** AWS Backup reads a rule's cron in this zone when scheduleExpressionTimezone is unset. */
const UTC_ZONES = new Set(["Etc/UTC", "UTC"]);

/**
 * An AWS Backup rule on the runbook's cron still misses its runs when its windows are loosened:
 * a start window longer than the platform's lets the job begin hours after the scheduled time (up
 * to AWS's 8-hour default when unset), a shorter completion window cancels a backup that has not
 * finished (no recovery point), and a schedule read in another time zone than UTC moves every run
 * away from the runbook's UTC time (into the maintenance window or business hours). Each rule of
 * the platform's plans (capabilities/aws/backups.ts backupRules) is held to what it generates:
 * startWindow at most, completionWindow at least, and the schedule in UTC.
 */
export const awsBackupPlanWindows = stackRule({
    name: "aws-backup-plan-windows",
    description: "AWS Backup plan rules keep the platform's start window (or shorter), its completion window (or longer), and read the runbook's cron in UTC.",
    tier: "runbook",
    target: "aws",
    remediationSteps: "Build the rule from backupRules (capabilities/aws/backups.ts): startWindow = startWindowMinutes, completionWindow = completionWindowMinutes, scheduleExpressionTimezone Etc/UTC.",
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, PLAN).length ? undefined : "the stack has no AWS Backup plan"),
    check: (resources, ctx) => {
        let specs: BackupRuleSpec[];
        try {
            specs = backupRules(ctx.runbook);
        } catch (e) {
            return [finding(`the backup rules for ${ctx.app} cannot be worked out from the runbook: ${(e as Error).message}`)];
        }
        const byName = new Map(specs.map((r) => [r.name, r]));
        const out: Finding[] = [];
        for (const plan of ofType(resources, PLAN)) {
            asArray<Record<string, any>>(plan.props.rules).forEach((rule, i) => {
                if (!isRecord(rule)) return;
                const spec = byName.get(String(rule.ruleName ?? ""));
                if (spec) out.push(...checkRule(plan, rule, i, spec, ctx.runbook));
            });
        }
        return out;
    },
});

/** AWS Backup's own rule: the completion window ends at least this long after the start window. */
const AWS_MIN_RUN_MINUTES = 60;

/**
 * The shortest completion window allowed: the generated one; where the planned schedule runs more
 * often than the runbook's (a tighter schedule), the generator's own bound for that interval
 * (a job ends before the next starts), never below AWS's minimum.
 */
function completionFloor(spec: BackupRuleSpec, schedule: unknown): number {
    const gap = typeof schedule === "string" ? longestGapSeconds(schedule) : undefined;
    if (gap === undefined || gap >= spec.everySeconds) return spec.completionWindowMinutes;
    return Math.max(spec.startWindowMinutes + AWS_MIN_RUN_MINUTES, Math.min(spec.completionWindowMinutes, gap / 60 - spec.startWindowMinutes));
}

function checkRule(plan: Subject, rule: Record<string, any>, i: number, spec: BackupRuleSpec, rb: Runbook): Finding[] {
    const b = runbookBackups(rb).find((x) => (x.tier ? `${x.dataset}-${x.tier}` : x.dataset) === spec.name);
    const from = provenance(b, "cron", "every");
    const cron = `${from.who} backs up ${spec.name} on "${b?.cron ?? spec.schedule}" UTC ${from.cite}`;
    const where = `${label(plan)} rules[${i}] ("${spec.name}")`;
    const at = { urn: plan.urn, key: `backups.${spec.name}.cron` };
    const out: Finding[] = [];
    const start = rule.startWindow;
    if (!isUnknown(start) && (num(start) === undefined || num(start)! > spec.startWindowMinutes)) {
        out.push(finding(`${where}: startWindow is ${start === undefined ? "unset (AWS waits up to 8 hours)" : JSON.stringify(start)}; allowed: at most ${spec.startWindowMinutes} minutes, as generated, so the job starts within an hour of the runbook's time; ${cron}`, at));
    }
    const done = rule.completionWindow;
    const floor = completionFloor(spec, rule.schedule);
    if (!isUnknown(done) && done !== undefined && (num(done) === undefined || num(done)! < floor)) {
        out.push(finding(`${where}: completionWindow is ${JSON.stringify(done)}; allowed: at least ${floor} minutes, as generated (AWS Backup cancels a job still running at the end of the window: no recovery point); ${cron}`, at));
    }
    const zone = rule.scheduleExpressionTimezone;
    if (!isUnknown(zone) && zone !== undefined && zone !== null && !UTC_ZONES.has(String(zone))) {
        out.push(finding(`${where}: scheduleExpressionTimezone is ${JSON.stringify(zone)}; allowed: "Etc/UTC" or unset (UTC), as generated, because the schedule "${spec.schedule}" is the runbook's cron in UTC; ${cron}`, at));
    }
    return out;
}
