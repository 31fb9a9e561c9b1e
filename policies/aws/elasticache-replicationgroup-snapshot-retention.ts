import * as aws from "@pulumi/aws";
import { durationSeconds } from "../../runbooks";
import { backupFor } from "../../capabilities/schedules";
import { backupsConfig, backupSpec } from "../lib/backups";
import { cite, finding, inputsOf, label, resourceRule } from "../lib/policy";
import { num } from "../lib/values";

const DAY = 86400;
const ELASTICACHE_MAX_RETENTION_DAYS = 35;

/** ElastiCache's daily automatic snapshots are the Redis backup: often enough for the runbook, kept as long as it says. */
export const awsElastiCacheReplicationGroupSnapshotRetention = resourceRule({
    name: "aws-elasticache-replicationgroup-snapshot-retention",
    description: "ElastiCache replication groups keep daily snapshots for the runbook's Redis backup retention (capped at ElastiCache's 35 days), take a final snapshot on deletion, and the runbook asks for no more than daily.",
    tier: "runbook",
    target: "aws",
    types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
    configSchema: { properties: { backups: backupsConfig, maxRetentionDays: { type: "integer", default: ELASTICACHE_MAX_RETENTION_DAYS, description: "ElastiCache's ceiling for snapshot retention." } } },
    remediationSteps: "Set snapshotRetentionLimit to the redis backup's retentionDays (at most 35), a snapshotWindow and a finalSnapshotIdentifier.",
    check: (s, ctx) => {
        const p = inputsOf(s, aws.elasticache.ReplicationGroup);
        const b = backupFor(ctx.runbook, "redis");
        if (!p || !b) return [];
        const spec = backupSpec(ctx, b);
        const wants = `the runbook backs up redis every ${spec.every} and keeps ${spec.retentionDays} days ${cite(b.source)}`;
        const out = [];
        const need = Math.min(spec.retentionDays, Number(ctx.config.maxRetentionDays));
        const have = num(p.snapshotRetentionLimit);
        if (have === undefined || have < need) {
            out.push(finding(`${label(s)}: snapshotRetentionLimit is ${have ?? "not set (no snapshots)"}, ElastiCache must keep at least ${need}; ${wants}`, { key: "backups.redis.retentionDays" }));
        }
        if (!p.finalSnapshotIdentifier) {
            out.push(finding(`${label(s)}: finalSnapshotIdentifier is not set; deleting the group would drop the cache with no final snapshot (its automatic snapshots go with it); ${wants}`, { key: "protect" }));
        }
        if (durationSeconds(spec.every) < DAY) {
            out.push(finding(`${label(s)}: ElastiCache snapshots once a day; ${wants} — schedule extra snapshots (e.g. an AWS Backup or Lambda job)`, { key: "backups.redis.cron" }));
        }
        return out;
    },
});
