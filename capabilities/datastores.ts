import type { Runbook } from "../runbooks";

/**
 * Data-service configuration rendered from the runbook, the same on every target that runs the
 * server itself (Docker, Kubernetes) and mapped onto managed-service parameters on AWS.
 */

/**
 * Whether a service talks to the data services. A `frontend` (Nginx serving the built single-page
 * app in every runbook that has one) calls its API over HTTP and never a database: it gets no data
 * credentials, connection settings or network access to them, on any target.
 */
export function usesDataServices(service: Pick<Runbook["services"][number], "role">): boolean {
    return service.role !== "frontend";
}

/**
 * The app's own object-storage login (MinIO on Docker and Kubernetes): read, write and list in the
 * runbook's buckets and nothing else. The root user stays with the platform (bucket creation,
 * backups); the app never holds it.
 */
export function objectStorageAppUser(app: string): string {
    return `${app}-app`;
}

const APP_OBJECT_ACTIONS = ["s3:GetBucketLocation", "s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"] as const;

/** The app user's policy (S3 policy language, as MinIO reads it): its buckets and their objects. */
export function objectStorageAppPolicy(buckets: readonly string[]): { Version: string; Statement: { Effect: "Allow"; Action: string[]; Resource: string[] }[] } {
    if (buckets.length === 0) throw new Error("objectStorageAppPolicy: no buckets; allowed: the runbook's data.objectStorage.buckets");
    return { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: [...APP_OBJECT_ACTIONS], Resource: buckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]) }] };
}

type Postgres = NonNullable<Runbook["data"]["postgres"]>;
type Redis = NonNullable<Runbook["data"]["redis"]>;
type Mongo = NonNullable<Runbook["data"]["mongodb"]>;
type Kafka = NonNullable<Runbook["data"]["kafka"]>;

/** postgresql.conf settings: the runbook's tuning, pg_stat_statements and the slow-query log. */
export function postgresSettings(pg: Postgres): Record<string, string> {
    return {
        ...pg.parameters,
        shared_preload_libraries: pg.preloadLibraries.join(","),
        ...(pg.preloadLibraries.includes("pg_stat_statements") ? { "pg_stat_statements.track": "all", "pg_stat_statements.max": "10000" } : {}),
        // The slow-query alert counts what this logs; the runbook's "slow" is this threshold.
        log_min_duration_statement: `${pg.slowQueryMs}`,
        log_lock_waits: "on",
    };
}

/** postgresql.conf text for a server the platform runs itself. */
export function postgresConf(pg: Postgres): string {
    const quote = (v: string) => (/^[0-9.]+$/.test(v) ? v : `'${v}'`);
    const lines = Object.entries(postgresSettings(pg)).map(([k, v]) => `${k} = ${quote(v)}`);
    return ["# Rendered from the runbook by capabilities/datastores.ts; edit the runbook data, not this file.", "listen_addresses = '*'", ...lines, ""].join("\n");
}

/** `save 900 1` lines and memory policy, as redis.conf directives. */
export function redisDirectives(redis: Redis): [string, string][] {
    return [
        ["maxmemory", `${redis.maxmemoryMB}mb`],
        ["maxmemory-policy", redis.maxmemoryPolicy],
        ...redis.save.map(([seconds, changes]): [string, string] => ["save", `${seconds} ${changes}`]),
        ["appendonly", "yes"],
        // Written out only where the runbook states it, so a silent runbook's redis.conf stays as it was.
        ...(redis.appendOnly ? [["appendfsync", redis.appendOnly.fsync] as [string, string]] : []),
        ["dir", "/data"],
    ];
}

/** redis.conf text. The password is not in it: the server reads it from the environment at start. */
export function redisConf(redis: Redis): string {
    return ["# Rendered from the runbook by capabilities/datastores.ts.", "bind 0.0.0.0", "protected-mode yes", "port 6379", ...redisDirectives(redis).map(([k, v]) => `${k} ${v}`), ""].join("\n");
}

/** `mongod` flags for the runbook's replica set. */
export function mongodArgs(mongo: Mongo, replicaSet: string): string[] {
    return ["--replSet", replicaSet, "--oplogSize", `${mongo.oplogSizeMB}`, "--bind_ip_all", "--auth", "--keyFile", "/etc/mongo/keyfile"];
}

/** Broker settings that make the runbook's replication guarantees hold. */
export function kafkaBrokerConfig(kafka: Kafka): Record<string, string> {
    return {
        "default.replication.factor": `${Math.max(...kafka.topics.map((t) => t.replicationFactor))}`,
        "min.insync.replicas": `${kafka.minInsyncReplicas}`,
        "offsets.topic.replication.factor": `${Math.min(kafka.brokers, 3)}`,
        "transaction.state.log.replication.factor": `${Math.min(kafka.brokers, 3)}`,
        "transaction.state.log.min.isr": `${Math.min(kafka.minInsyncReplicas, kafka.brokers)}`,
        "auto.create.topics.enable": "false",
    };
}
