import * as aws from "@pulumi/aws";
import { backupFor } from "../../capabilities/schedules";
import { backupsConfig, backupSpec } from "../lib/backups";
import { finding, inputsOf, label, provenance, resourceRule } from "../lib/policy";
import { num } from "../lib/values";

const RDS_MAX_RETENTION_DAYS = 35;

/** RDS keeps automated backups (and point-in-time recovery) for the runbook's PostgreSQL retention, up to RDS's 35-day ceiling. */
export const awsRdsInstanceBackupRetention = resourceRule({
    name: "aws-rds-instance-backup-retention",
    description: "RDS primary instances keep automated backups for the runbook's PostgreSQL backup retention (capped at RDS's 35-day maximum; AWS Backup keeps the rest).",
    tier: "runbook",
    target: "aws",
    types: ["aws:rds/instance:Instance"],
    configSchema: {
        properties: {
            backups: backupsConfig,
            maxRetentionDays: { type: "integer", default: RDS_MAX_RETENTION_DAYS, description: "RDS's ceiling for automated backup retention." },
        },
    },
    remediationSteps: "Set backupRetentionPeriod to the postgres backup's retentionDays (at most 35).",
    check: (s, ctx) => {
        const p = inputsOf(s, aws.rds.Instance);
        const b = backupFor(ctx.runbook, "postgres");
        if (!p || !b || p.replicateSourceDb) return [];
        const need = Math.min(backupSpec(ctx, b).retentionDays, Number(ctx.config.maxRetentionDays));
        const have = num(p.backupRetentionPeriod);
        const from = provenance(b, "retentionDays");
        if (have !== undefined && have >= need) return [];
        return [
            finding(
                `${label(s)}: backupRetentionPeriod is ${have ?? "not set (RDS defaults to 1 day)"}; ${from.who} keeps postgres backups ${backupSpec(ctx, b).retentionDays} days ${from.cite}, so RDS must keep at least ${need}`,
                { key: "backups.postgres.retentionDays" },
            ),
        ];
    },
});
