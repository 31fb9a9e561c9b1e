import type { Runbook } from "../../runbooks";

/**
 * ElastiCache for Redis OSS from the runbook's `data.redis`. ElastiCache does not let a parameter
 * group set `maxmemory`: the node type fixes it. So the node is the smallest whose memory, less
 * the reserved share, holds the runbook's maxmemory, and the eviction policy is set as the runbook says.
 */

type Redis = NonNullable<Runbook["data"]["redis"]>;

/** Share of node memory kept for replication buffers and snapshot forks (ElastiCache's recommended 25). */
export const RESERVED_MEMORY_PERCENT = 25;
/** Shards of a cluster-mode group: three masters, Redis Cluster's smallest layout that keeps a majority when one fails. */
export const CLUSTER_SHARDS = 3;
/** Replicas per shard in cluster mode: one, so each shard fails over to another AZ. */
export const CLUSTER_REPLICAS_PER_SHARD = 1;
/** ElastiCache keeps automatic snapshots at most this many days. */
export const ELASTICACHE_MAX_SNAPSHOT_DAYS = 35;

/** Redis OSS versions ElastiCache offers (newest first); Valkey carries the line on from 7.2. */
export const ELASTICACHE_REDIS_VERSIONS = ["7.1", "7.0", "6.2"] as const;

/** Node types in size order with ElastiCache's maxmemory (MiB), Graviton. */
export const CACHE_NODE_TYPES: readonly (readonly [string, number])[] = [
    ["cache.t4g.micro", 512],
    ["cache.t4g.small", 1403],
    ["cache.t4g.medium", 3164],
    ["cache.m7g.large", 6533],
    ["cache.m7g.xlarge", 13240],
    ["cache.r7g.large", 13383],
    ["cache.r7g.xlarge", 26952],
];

/** The newest Redis OSS ElastiCache offers within the runbook's major version, not above its minor. */
export function elastiCacheEngineVersion(redis: Redis): string {
    const [major, minor = "0"] = redis.version.split(".");
    const fit = ELASTICACHE_REDIS_VERSIONS.find((v) => {
        const [M, m] = v.split(".");
        return M === major && Number(m) <= Number(minor);
    });
    if (!fit) throw new Error(`data.redis.version = "${redis.version}": ElastiCache offers Redis OSS ${ELASTICACHE_REDIS_VERSIONS.join(", ")}`);
    return fit;
}

/** `redis7` for 7.x. */
export function elastiCacheFamily(engineVersion: string): string {
    return `redis${engineVersion.split(".")[0]}`;
}

/**
 * The runbook's node type (`data.redis.instanceSize`), else the smallest node whose usable memory
 * (maxmemory less the reserved share) holds the runbook's maxmemory. A stated node too small for
 * the maxmemory is an error.
 */
export function cacheNodeType(redis: Redis): { nodeType: string; maxmemoryMiB: number } {
    const holds = (mem: number) => (mem * (100 - RESERVED_MEMORY_PERCENT)) / 100 >= redis.maxmemoryMB;
    if (redis.instanceSize) {
        const stated = CACHE_NODE_TYPES.find(([t]) => t === redis.instanceSize);
        if (!stated) throw new Error(`data.redis.instanceSize = "${redis.instanceSize}" is not a node type the platform sizes; allowed: ${CACHE_NODE_TYPES.map(([t]) => t).join(", ")}`);
        if (!holds(stated[1])) {
            throw new Error(`data.redis.instanceSize = "${redis.instanceSize}" holds ${stated[1]} MiB, less the ${RESERVED_MEMORY_PERCENT}% reserve too little for maxmemoryMB ${redis.maxmemoryMB}; allowed: ${CACHE_NODE_TYPES.filter(([, m]) => holds(m)).map(([t]) => t).join(", ")}`);
        }
        return { nodeType: stated[0], maxmemoryMiB: stated[1] };
    }
    const fit = CACHE_NODE_TYPES.find(([, mem]) => holds(mem));
    if (!fit) throw new Error(`data.redis.maxmemoryMB = ${redis.maxmemoryMB}: larger than the biggest node type offered`);
    return { nodeType: fit[0], maxmemoryMiB: fit[1] };
}

export interface CacheTopology {
    readonly clusterMode: boolean;
    /** Non-cluster: primary plus replicas, one per AZ. */
    readonly numCacheClusters?: number;
    readonly numNodeGroups?: number;
    readonly replicasPerNodeGroup?: number;
    /** Member cluster ids relative to the replication group id (`001`, or `0001-001` in cluster mode). */
    readonly memberSuffixes: string[];
}

/** One node per AZ for a primary with replicas; three shards with a replica each for a Redis cluster. */
export function cacheTopology(redis: Redis, azCount: number): CacheTopology {
    const pad = (n: number, w: number) => String(n).padStart(w, "0");
    if (redis.mode === "cluster") {
        const suffixes: string[] = [];
        for (let shard = 1; shard <= CLUSTER_SHARDS; shard++) {
            for (let node = 1; node <= CLUSTER_REPLICAS_PER_SHARD + 1; node++) suffixes.push(`${pad(shard, 4)}-${pad(node, 3)}`);
        }
        return { clusterMode: true, numNodeGroups: CLUSTER_SHARDS, replicasPerNodeGroup: CLUSTER_REPLICAS_PER_SHARD, memberSuffixes: suffixes };
    }
    // Automatic failover and Multi-AZ need a replica even where the runbook runs one server.
    const nodes = Math.max(2, azCount);
    return { clusterMode: false, numCacheClusters: nodes, memberSuffixes: Array.from({ length: nodes }, (_, i) => pad(i + 1, 3)) };
}

export interface CacheParameter {
    readonly name: string;
    readonly value: string;
}

/** The runbook's eviction policy, the reserved share, and cluster mode where the runbook runs a cluster. */
export function cacheParameters(redis: Redis): CacheParameter[] {
    return [
        { name: "maxmemory-policy", value: redis.maxmemoryPolicy },
        { name: "reserved-memory-percent", value: String(RESERVED_MEMORY_PERCENT) },
        ...(redis.mode === "cluster" ? [{ name: "cluster-enabled", value: "yes" }] : []),
    ];
}
