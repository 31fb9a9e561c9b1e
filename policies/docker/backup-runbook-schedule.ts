import type { Dataset } from "../../runbooks";
import { runbookBackups } from "../../capabilities/backups/plan";
import { backupsConfig, checkBackups, scheduledCommands } from "../lib/backups";
import { appValue, perApp, stackRule } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray } from "../lib/values";
import { CONTAINER, containerName } from "../lib/docker";

/** The local stack's backup runner runs each runbook backup on schedule with the runbook's retention. */
export const dockerBackupRunbookSchedule = stackRule({
    name: "docker-backup-runbook-schedule",
    description: "Every runbook dataset has a scheduled backup job in the Docker stack (cron runner container) at least as frequent as the runbook's, keeping backups at least as long.",
    tier: "runbook",
    target: "docker",
    configSchema: {
        properties: {
            backups: backupsConfig,
            datasets: perApp("Datasets the local stack must back up.", (rb) => runbookBackups(rb).map((b) => b.dataset), { type: "array", items: { type: "string" } }),
        },
    },
    remediationSteps: "Run operations/backup/backup-<dataset>.sh from a pinned cron runner on the runbook's cron, with RETENTION_DAYS = retentionDays.",
    notApplicable: (resources) => absentTarget(resources, "docker"),
    check: (resources, ctx) => {
        const evidence = ofType(resources, CONTAINER).flatMap((c) => scheduledCommands(c, c.props.envs, containerName(c), [...asArray(c.props.entrypoints), ...asArray(c.props.command)].join(" ")));
        const datasets = appValue(ctx, "datasets", (rb) => runbookBackups(rb).map((b) => b.dataset)) as Dataset[];
        return checkBackups(ctx, evidence, datasets, "the Docker stack", "Schedule operations/backup/backup-<dataset>.sh in the backup runner container.");
    },
});
