import { checkRestoreTests, restoreCadence, scheduledVerifications } from "../lib/backups";
import { CRONJOB } from "../lib/kubernetes";
import { stackRule } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { suspended, cronJobCommand } from "../lib/kubernetes-backups";

/** Where the runbook schedules restore tests or DR drills, a CronJob restores the latest backup at least that often. */
export const k8sCronJobRestoreCheckCadence = stackRule({
    name: "k8s-cronjob-restore-check-cadence",
    description: "Where the runbook schedules restore tests or DR drills, a CronJob runs verify-latest.sh (a restore into a scratch instance) at least as often.",
    tier: "runbook",
    target: "kubernetes",
    remediationSteps: "Create a CronJob on restoreTestPlan(runbook).cron running operations/backup/verify-latest.sh.",
    notApplicable: (resources, ctx) => absentTarget(resources, "kubernetes") ?? (restoreCadence(ctx.runbook) ? undefined : `the ${ctx.app} runbook schedules no restore test or DR drill`),
    check: (resources, ctx) =>
        checkRestoreTests(
            ctx,
            ofType(resources, CRONJOB).flatMap((cj) => scheduledVerifications(cj, String(cj.props.spec?.schedule ?? ""), `${cj.props.metadata?.name ?? cj.name} ${cronJobCommand(cj)}`).map((v) => ({ ...v, ...suspended(cj) }))),
            "the Kubernetes stack",
            "Add a CronJob running verify-latest.sh.",
        ),
});
