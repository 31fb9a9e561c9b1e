import type { Runbook } from "../../runbooks";
import { cacheTopology } from "./elasticache";

/** Where AWS says ElastiCache has no AOF and what to use instead. */
export const ELASTICACHE_AOF_DOC = "https://docs.aws.amazon.com/AmazonElastiCache/latest/red-ug/RedisAOF.html";

/**
 * What the runbook's append-only requirement becomes on ElastiCache, which has no AOF on Redis
 * 2.8.22 and later (ELASTICACHE_AOF_DOC): `everysec` is met by a replica in another Availability
 * Zone with Multi-AZ automatic failover (a crashed primary loses only the writes not yet
 * replicated, typically under a second) plus the daily snapshots; `always` (no acknowledged write
 * ever lost) has no equivalent, and is refused before any resource is declared. Undefined when the
 * runbook requires no AOF.
 */
export function elastiCacheAppendOnly(rb: Runbook, stack: string): string | undefined {
    const redis = rb.data.redis;
    const aof = redis?.appendOnly;
    if (!redis || !aof) return undefined;
    if (aof.fsync === "always") {
        throw new Error(
            `${stack}: data.redis.appendOnly.fsync = "always", but ElastiCache for Redis ${redis.version} has no append-only file (${ELASTICACHE_AOF_DOC}) and its replicas are asynchronous, so an acknowledged write can be lost on failover; allowed on AWS: "everysec" (met by Multi-AZ replicas with automatic failover and daily snapshots), or run Redis on a target that runs it itself`,
        );
    }
    const topo = cacheTopology(redis, rb.aws.availabilityZones);
    const replicas = topo.clusterMode ? (topo.replicasPerNodeGroup ?? 0) : (topo.numCacheClusters ?? 1) - 1;
    const key = "data.redis.appendOnly";
    if (replicas < 1) throw new Error(`${stack}: ${key} needs a replica in another Availability Zone on ElastiCache (it has no AOF), but the topology has none; allowed: mode "replicated" or "cluster"`);
    return `no AOF on ElastiCache (${ELASTICACHE_AOF_DOC}): ${replicas} replica${replicas > 1 ? "s" : ""} per shard in other Availability Zones with Multi-AZ automatic failover, plus daily snapshots`;
}
