import { checkRestoreTests, restoreCadence, type VerificationEvidence } from "../lib/backups";
import { label, stackRule, type Subject } from "../lib/policy";
import { selectsNothing } from "../lib/tags";
import { asArray, isRecord } from "../lib/values";
import { longestGapSeconds } from "../lib/schedules";
import { absentTarget, ofType } from "../lib/targets";

const PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan";
const SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection";

/** Why a restore testing selection picks no recovery point: its tag conditions match no resource (ARN lists are taken as selecting). */
function selectionOff(resources: readonly Subject[], sel: Subject): string | undefined {
    const arns = asArray(sel.props.protectedResourceArns);
    if (arns.length > 0) return undefined;
    const conditions = sel.props.protectedResourceConditions;
    const tags = asArray(isRecord(conditions) ? conditions.stringEquals : undefined)
        .filter(isRecord)
        .map((c) => ({ key: String(c.key ?? "").replace(/^aws:ResourceTag\//, ""), value: String(c.value ?? "") }));
    if (tags.length === 0) return `${label(sel)} names no protected resources and no conditions`;
    const why = selectsNothing(resources, tags);
    return why ? `${label(sel)}: ${why}` : undefined;
}

/** Each restore testing plan's schedule, switched off (for the dataset it no longer tests) when one of its selections selects no protected resource. */
function restoreTestingEvidence(resources: readonly Subject[]): VerificationEvidence[] {
    const byPlan = new Map<string, (string | undefined)[]>();
    for (const sel of ofType(resources, SELECTION)) {
        const keys = [String(sel.props.restoreTestingPlanName ?? ""), ...(sel.dependencies ?? [])];
        const off = selectionOff(resources, sel);
        for (const k of keys) if (k) byPlan.set(k, [...(byPlan.get(k) ?? []), off]);
    }
    return ofType(resources, PLAN).map((p) => {
        const schedule = String(p.props.scheduleExpression ?? "");
        const sels = [...(byPlan.get(String(p.props.name ?? "")) ?? []), ...(byPlan.get(p.urn) ?? [])];
        // Each selection is a dataset's restore test: one that selects nothing switches that test off.
        const off = sels.length === 0 ? "no restore testing selection names it" : sels.some((x) => x) ? [...new Set(sels.filter((x) => x))].join("; ") : undefined;
        return { subject: p, schedule, intervalSeconds: schedule ? longestGapSeconds(schedule) : undefined, ...(off ? { off } : {}) };
    });
}

/** Where the runbook schedules restore tests or DR drills, AWS Backup restore testing runs at least that often. */
export const awsBackupRestoreTestingPlanCadence = stackRule({
    name: "aws-backup-restoretestingplan-cadence",
    description: "Where the runbook schedules restore tests or DR drills, an AWS Backup restore testing plan runs at least as often.",
    tier: "runbook",
    target: "aws",
    remediationSteps: "Create an aws.backup.RestoreTestingPlan (and selection) on restoreTestPlan(runbook).cron.",
    notApplicable: (resources, ctx) => absentTarget(resources, "aws") ?? (restoreCadence(ctx.runbook) ? undefined : `the ${ctx.app} runbook schedules no restore test or DR drill`),
    check: (resources, ctx) =>
        checkRestoreTests(
            ctx,
            restoreTestingEvidence(resources),
            "the AWS stack",
            "Add an aws.backup.RestoreTestingPlan.",
        ),
});
