import * as aws from "@pulumi/aws";
import { backupFor } from "../../capabilities/schedules";
import { backupsConfig, backupSpec } from "../lib/backups";
import { cite, finding, inputsOf, label, resourceRule } from "../lib/policy";
import { num } from "../lib/values";

/** DocumentDB keeps continuous backups for the runbook's MongoDB retention, up to its 35-day ceiling. */
export const awsDocdbClusterBackupRetention = resourceRule({
    name: "aws-docdb-cluster-backup-retention",
    description: "DocumentDB clusters keep backups for the runbook's MongoDB backup retention (capped at DocumentDB's 35-day maximum; AWS Backup keeps the rest).",
    tier: "runbook",
    target: "aws",
    types: ["aws:docdb/cluster:Cluster"],
    configSchema: { properties: { backups: backupsConfig, maxRetentionDays: { type: "integer", default: 35, description: "DocumentDB's ceiling for backup retention." } } },
    remediationSteps: "Set backupRetentionPeriod to the mongodb backup's retentionDays (at most 35).",
    check: (s, ctx) => {
        const p = inputsOf(s, aws.docdb.Cluster);
        const b = backupFor(ctx.runbook, "mongodb");
        if (!p || !b) return [];
        const need = Math.min(backupSpec(ctx, b).retentionDays, Number(ctx.config.maxRetentionDays));
        const have = num(p.backupRetentionPeriod);
        if (have !== undefined && have >= need) return [];
        return [
            finding(`${label(s)}: backupRetentionPeriod is ${have ?? "not set (1 day)"}; the runbook keeps mongodb backups ${backupSpec(ctx, b).retentionDays} days ${cite(b.source)}, so DocumentDB must keep at least ${need}`, {
                key: "backups.mongodb.retentionDays",
            }),
        ];
    },
});
