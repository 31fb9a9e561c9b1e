import type { Runbook } from "../../runbooks";

/**
 * Sizes the runbooks do not state: volumes, data-service pods, exporters, jobs. Where a runbook
 * number bears on one (Redis maxmemory, the MongoDB oplog) the size is derived from it; the rest
 * are platform choices for a staging cluster, each with its reason, changed here once.
 */

export interface PodResources {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu: string; readonly memory: string };
}

const res = (cpuReq: string, memReq: string, cpuLim: string, memLim: string): PodResources => ({
    requests: { cpu: cpuReq, memory: memReq },
    limits: { cpu: cpuLim, memory: memLim },
});

/** Volume sizes, staging: enough for the runbooks' datasets plus a month of backups and logs. */
export const VOLUMES = {
    /** PostgreSQL data per instance. */
    postgres: "10Gi",
    /** RabbitMQ's message store per node: queues that back up hold messages here. */
    rabbitmq: "10Gi",
    /** Kafka log per broker. */
    kafka: "20Gi",
    /** MinIO: the app's buckets and every backup kept for the retention. */
    minio: "50Gi",
    /** Loki's chunks and index for the log retention. */
    loki: "20Gi",
} as const;

/** Sidecars and small helpers: exporters, backup and restore jobs. */
export const SIDECAR = res("50m", "64Mi", "200m", "128Mi");
export const JOB = res("100m", "256Mi", "1000m", "1Gi");
export const POSTGRES = res("250m", "512Mi", "1000m", "2Gi");
export const KAFKA = res("250m", "1Gi", "1000m", "2Gi");
/** RabbitMQ blocks publishers at 40 % of the limit (vm_memory_high_watermark). */
export const RABBITMQ = res("250m", "1Gi", "1000m", "2Gi");
export const MINIO = res("100m", "512Mi", "1000m", "1Gi");

/** Redis holds at most maxmemory; a fork for RDB/AOF rewrites can touch as much again: limit = 2 × maxmemory. */
export function redisResources(rb: Runbook): PodResources {
    const redis = rb.data.redis;
    if (!redis) throw new Error(`${rb.app}: \`data.redis\` is required to size Redis`);
    return res("100m", `${redis.maxmemoryMB}Mi`, "1000m", `${2 * redis.maxmemoryMB}Mi`);
}

/** Redis's volume keeps the RDB snapshot and the AOF: four times maxmemory, at least 1 GiB. */
export function redisVolume(rb: Runbook): string {
    const redis = rb.data.redis;
    if (!redis) throw new Error(`${rb.app}: \`data.redis\` is required to size Redis`);
    return `${Math.max(1024, 4 * redis.maxmemoryMB)}Mi`;
}

/** MongoDB's volume keeps the oplog the runbook sizes plus the data: oplog × 5, at least 10 GiB. */
export function mongoVolume(rb: Runbook): string {
    const mongo = rb.data.mongodb;
    if (!mongo) throw new Error(`${rb.app}: \`data.mongodb\` is required to size MongoDB`);
    return `${Math.max(10240, 5 * mongo.oplogSizeMB)}Mi`;
}

export const MONGODB = res("250m", "1Gi", "1000m", "2Gi");
