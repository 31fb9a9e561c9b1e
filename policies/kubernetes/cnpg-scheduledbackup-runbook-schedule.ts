import { backupsConfig, checkBackups } from "../lib/backups";
import { stackRule } from "../lib/policy";
import { absentTarget } from "../lib/targets";
import { cnpgBackups, cronJobBackups } from "../lib/kubernetes-backups";

/** PostgreSQL on CloudNativePG is backed up on the runbook's schedule and kept for its retention. */
export const k8sCnpgScheduledBackupRunbookSchedule = stackRule({
    name: "k8s-cnpg-scheduledbackup-runbook-schedule",
    description: "The runbook's PostgreSQL backup runs as a CloudNativePG ScheduledBackup (or backup CronJob) at least as often as the runbook's schedule, and the cluster's retentionPolicy keeps it at least as long.",
    tier: "runbook",
    target: "kubernetes",
    configSchema: { properties: { backups: backupsConfig } },
    remediationSteps: "Create a postgresql.cnpg.io/v1 ScheduledBackup with the runbook cron (seconds field first) and set the Cluster's spec.backup.retentionPolicy to `${retentionDays}d`.",
    notApplicable: (resources, ctx) => absentTarget(resources, "kubernetes") ?? (ctx.runbook.backups.some((b) => b.dataset === "postgres") ? undefined : `the ${ctx.app} runbook backs up no PostgreSQL`),
    check: (resources, ctx) =>
        checkBackups(ctx, [...cnpgBackups(resources), ...cronJobBackups(resources)], ["postgres"], "the Kubernetes stack", "Add a CloudNativePG ScheduledBackup for the cluster."),
});
