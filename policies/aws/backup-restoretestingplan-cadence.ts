import { checkRestoreTests, restoreCadence } from "../lib/backups";
import { stackRule } from "../lib/policy";
import { longestGapSeconds } from "../lib/schedules";
import { absentTarget, ofType } from "../lib/targets";

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
            ofType(resources, "aws:backup/restoreTestingPlan:RestoreTestingPlan").map((p) => {
                const schedule = String(p.props.scheduleExpression ?? "");
                return { subject: p, schedule, intervalSeconds: schedule ? longestGapSeconds(schedule) : undefined };
            }),
            "the AWS stack",
            "Add an aws.backup.RestoreTestingPlan.",
        ),
});
