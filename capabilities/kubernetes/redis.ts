import type { Runbook } from "../../runbooks";
import { redisConf } from "../datastores";
import { serviceHost, type Names } from "./names";

/**
 * Redis as a StatefulSet the platform writes itself: the runbook's redis.conf (maxmemory,
 * eviction policy, save points, AOF), the password from a Secret, and the runbook's mode:
 * standalone (one pod), replicated (a primary and a replica that follows it), cluster (three
 * shards of a primary and a replica each).
 */

type Redis = NonNullable<Runbook["data"]["redis"]>;

export const REDIS_PORT = 6379;
export const REDIS_EXPORTER_PORT = 9121;
/** Where the Secret with `requirepass`/`masterauth` is mounted; redis.conf includes it. */
export const REDIS_AUTH_DIR = "/etc/redis-auth";
export const REDIS_AUTH_FILE = "auth.conf";
/** A Redis cluster needs three primaries to keep a majority when one fails. */
export const CLUSTER_SHARDS = 3;

export interface RedisTopology {
    readonly mode: Redis["mode"];
    /** Pods of the StatefulSet. */
    readonly replicas: number;
    /** Pods whose data is a distinct dataset to back up: pod 0, or one pod per cluster shard. */
    readonly shards: number;
}

export function redisTopology(rb: Runbook): RedisTopology {
    const redis = rb.data.redis;
    if (!redis) throw new Error(`${rb.app}: \`data.redis\` is required for Redis`);
    switch (redis.mode) {
        case "standalone":
            return { mode: redis.mode, replicas: 1, shards: 1 };
        case "replicated":
            return { mode: redis.mode, replicas: 2, shards: 1 };
        case "cluster":
            return { mode: redis.mode, replicas: 2 * CLUSTER_SHARDS, shards: CLUSTER_SHARDS };
    }
}

export function redisHeadless(n: Names): string {
    return `${n.redis}-headless`;
}

/** Stable DNS name of the StatefulSet's pod `ordinal`. */
export function redisPodHost(n: Names, ordinal: number): string {
    return `${n.redis}-${ordinal}.${serviceHost(redisHeadless(n), n.namespace)}`;
}

/** redis.conf: the shared rendering plus the password include and, in cluster mode, the cluster settings. */
export function redisConfig(rb: Runbook): string {
    const redis = rb.data.redis;
    if (!redis) throw new Error(`${rb.app}: \`data.redis\` is required for Redis`);
    const cluster = redis.mode === "cluster" ? ["cluster-enabled yes", "cluster-config-file /data/nodes.conf", "cluster-node-timeout 5000"] : [];
    return [redisConf(redis).trimEnd(), ...cluster, `include ${REDIS_AUTH_DIR}/${REDIS_AUTH_FILE}`, ""].join("\n");
}

/** The Secret file redis.conf includes: the server's password and the one replicas use to follow. */
export function redisAuthConf(password: string): string {
    return `requirepass ${password}\nmasterauth ${password}\n`;
}

/** `redis://:<password>@host:6379` for the app (cluster clients discover the other shards from it). */
export function redisUrl(n: Names, password: string): string {
    return `redis://:${encodeURIComponent(password)}@${serviceHost(n.redis, n.namespace)}:${REDIS_PORT}`;
}
