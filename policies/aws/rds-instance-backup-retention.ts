import * as aws from "@pulumi/aws";
import { backupFor } from "../../capabilities/schedules";
import { backupsConfig, backupSpec } from "../lib/backups";
import { cite, finding, inputsOf, label, resourceRule } from "../lib/policy";
import { num } from "../lib/values";

const RDS_MAX_RETENTION_DAYS = 35;

/** RDS keeps automated backups (and point-in-time recovery) for the runbook's PostgreSQL retention, up to RDS's 35-day ceiling. */
export const awsRdsInstanceBackupRetention = resourceRule({
    name: "aws-rds-instance-backup-retention",
    description: "RDS primary instances keep automated backups for the runbook's PostgreSQL backup retention (capped at RDS's 35-day maximum; AWS Backup keeps the rest) and keep them when the instance is deleted.",
    tier: "runbook",
    target: "aws",
    types: ["aws:rds/instance:Instance"],
    configSchema: {
        properties: {
            backups: backupsConfig,
            maxRetentionDays: { type: "integer", default: RDS_MAX_RETENTION_DAYS, description: "RDS's ceiling for automated backup retention." },
        },
    },
    remediationSteps: "Set backupRetentionPeriod to the postgres backup's retentionDays (at most 35) and deleteAutomatedBackups: false.",
    check: (s, ctx) => {
        const p = inputsOf(s, aws.rds.Instance);
        const b = backupFor(ctx.runbook, "postgres");
        if (!p || !b || p.replicateSourceDb) return [];
        const need = Math.min(backupSpec(ctx, b).retentionDays, Number(ctx.config.maxRetentionDays));
        const have = num(p.backupRetentionPeriod);
        const out = [];
        if (have === undefined || have < need) {
            out.push(
                finding(
                    `${label(s)}: backupRetentionPeriod is ${have ?? "not set (RDS defaults to 1 day)"}; the runbook keeps postgres backups ${backupSpec(ctx, b).retentionDays} days ${cite(b.source)}, so RDS must keep at least ${need}`,
                    { key: "backups.postgres.retentionDays" },
                ),
            );
        }
        // RDS deletes the automated backups with the instance unless told otherwise (the provider's default is true).
        if (p.deleteAutomatedBackups !== false) {
            out.push(
                finding(
                    `${label(s)}: deleteAutomatedBackups is ${p.deleteAutomatedBackups ?? "not set (true: RDS deletes them with the instance)"}; deleting the instance would drop the ${need} days of point-in-time recovery the runbook's postgres retention needs ${cite(b.source)}; allowed: false`,
                    { key: "backups.postgres.retentionDays" },
                ),
            );
        }
        return out;
    },
});
