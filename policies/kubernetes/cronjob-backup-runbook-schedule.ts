import type { Dataset, Runbook } from "../../runbooks";
import { runbookBackups } from "../../capabilities/backups/plan";
import { backupsConfig, checkBackups } from "../lib/backups";
import { appValue, perApp, stackRule } from "../lib/policy";
import { absentTarget } from "../lib/targets";
import { cronJobBackups } from "../lib/kubernetes-backups";

const datasetsOf = (rb: Runbook) => runbookBackups(rb).map((b) => b.dataset).filter((d) => d !== "postgres");

/** Every other runbook dataset (Redis, MongoDB, files, config) is dumped by a CronJob on schedule and pruned no sooner than the runbook says. */
export const k8sCronJobBackupRunbookSchedule = stackRule({
    name: "k8s-cronjob-backup-runbook-schedule",
    description: "Every runbook dataset other than PostgreSQL has a backup CronJob at least as frequent as the runbook's schedule, passing RETENTION_DAYS at least the runbook's retention.",
    tier: "runbook",
    target: "kubernetes",
    configSchema: {
        properties: {
            backups: backupsConfig,
            datasets: perApp("Datasets backed up by CronJobs (PostgreSQL is CloudNativePG's).", datasetsOf, { type: "array", items: { type: "string" } }),
        },
    },
    remediationSteps: "Create a batch/v1 CronJob per dataset running operations/backup/backup-<dataset>.sh on the runbook cron with RETENTION_DAYS.",
    notApplicable: (resources, ctx) => absentTarget(resources, "kubernetes") ?? (datasetsOf(ctx.runbook).length ? undefined : `the ${ctx.app} runbook backs up only PostgreSQL`),
    check: (resources, ctx) =>
        checkBackups(ctx, cronJobBackups(resources), appValue(ctx, "datasets", datasetsOf) as Dataset[], "the Kubernetes stack", "Add a CronJob running its backup script."),
});
