import { z } from "zod";
import { KIND_SIGNALS, rabbitmqSchema } from "./kinds";
import { appendOnlySchema, lifecycleProblems, lifecycleSchema, maintenanceWindowSchema, scaleInSchema, silenceProblems } from "./language";
import { CronExpressionParser } from "cron-parser";
import { metricsContractSchemaOf } from "./language/metrics-contract";

/**
 * The shape of a runbook's numbers. Every number carries where it came from: the seed file and
 * the section heading, plus the line it was read from (`quote`), which the tests look up in the
 * seed itself. A value the seed does not state is filled from platform defaults and says so in
 * `defaulted`, with the reason, so nothing is passed off as the runbook's.
 */

export const APP_IDS = ["pfm-community", "formula-pm", "personal-finance-hub", "bunty", "gravitypm"] as const;
export type AppId = (typeof APP_IDS)[number];

export const ENVS = ["local", "staging", "production"] as const;
export type Env = (typeof ENVS)[number];

export { DURATION_RE, DURATION_UNITS, durationSeconds, largestIntervalSeconds, nextIntervalsSeconds, type DurationUnit } from "./units";
import { conversionProblems, DURATION_ALLOWED, DURATION_RE, durationSeconds, largestIntervalSeconds, nextIntervalsSeconds } from "./units";

export const durationSchema = z.string().regex(DURATION_RE, `a duration like 30s, 5m, 1h30m, 7d or 12w (allowed: ${DURATION_ALLOWED})`);
export type Duration = z.infer<typeof durationSchema>;

/** A five-field cron expression evaluated in UTC. */
export const cronSchema = z.string().refine(
    (expr) => {
        if (expr.trim().split(/\s+/).length !== 5) return false;
        try {
            CronExpressionParser.parse(expr, { tz: "UTC" });
            return true;
        } catch {
            return false;
        }
    },
    { message: "an unparsable schedule (allowed: a five-field cron expression, e.g. `0 */6 * * *`)" },
);

export const sourceSchema = z
    .object({
        /** Seed file name, e.g. `000_ec4a227eb36bc2f0.txt`. */
        seed: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.txt$/, "a seed file name in runbooks/seeds/ ending in .txt"),
        /** The Markdown heading (without `#`) of the section the number is in. */
        section: z.string().min(1),
        /** The seed's own words for the number, verbatim, so a test can find it. */
        quote: z.string().min(1),
    })
    .strict();
export type Source = z.infer<typeof sourceSchema>;

/** Fields of the enclosing object that the seed does not state, mapped to why the default was chosen. */
const defaultedSchema = z.record(z.string(), z.string().min(10)).optional();

/**
 * Fields of the enclosing object the seed states in another unit, mapped to the seed's own words
 * for the number (`{ retentionDays: "12 weeks" }` for 84): the runbook's number, not a default.
 * The words must stand in the cited quote, and the value must be exactly them in the field's unit
 * (runbooks/units.ts; checked when the runbook is parsed).
 */
const convertedSchema = z.record(z.string(), z.string().min(2)).optional();

export const ALERT_SEVERITIES = ["critical", "warning", "info"] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** What an alert threshold measures (a kind's own in its module); capabilities/alerting/signals.ts maps each to the PromQL, exporter and CloudWatch metric that read it. */
export const SIGNALS = {
    service_down: "no replica of an app service answers its /health probe (value: 1 = down)",
    service_replica_down: "one replica of an app service fails its /health probe while others may answer (value: 1 = down)",
    http_error_rate: "percent of HTTP requests answered with 5xx",
    http_latency_p95: "95th percentile HTTP response time, seconds",
    http_latency_p99: "99th percentile HTTP response time, seconds",
    postgres_down: "PostgreSQL not answering (value: 1 = down)",
    postgres_slow_queries: "PostgreSQL statements slower than the slow-query threshold, per minute",
    postgres_pool_usage: "percent of PostgreSQL max_connections in use",
    postgres_replication_lag: "PostgreSQL read replica replay lag behind the primary, seconds",
    mongodb_down: "MongoDB not answering (value: 1 = down)",
    mongodb_connections_usage: "percent of MongoDB available connections in use",
    mongodb_query_time: "MongoDB average operation latency, seconds",
    mongodb_replication_lag: "MongoDB secondary replication lag, seconds",
    mongodb_lock_wait: "MongoDB time operations wait for locks, seconds per operation",
    redis_down: "Redis not answering (value: 1 = down)",
    redis_hit_rate: "percent of Redis keyspace lookups that hit",
    redis_memory_usage: "percent of Redis maxmemory in use",
    kafka_consumer_lag: "messages a consumer group is behind on a topic",
    kafka_down: "Kafka not answering its exporter (value: 1 = down)",
    ...KIND_SIGNALS,
    memory_usage: "percent of a container's memory limit in use",
    cpu_usage: "percent of a container's CPU limit in use",
    disk_usage: "percent of a filesystem in use",
    auth_failures: "failed authentications per minute",
    external_latency: "an external dependency's probe duration, seconds",
    external_down: "an external dependency's probe fails (value: 1 = down)",
    certificate_expiry: "days until a served TLS certificate expires",
    tls_probe_down: "a public host's TLS probe fails: expired or invalid certificate, or no TLS answer (value: 1 = down)",
    backup_age: "time since the last successful backup of a dataset, in multiples of its backup interval",
    availability: "percent of successful health probes over one hour",
    kafka_broker_missing: "fewer Kafka brokers in the cluster's metadata than the runbook runs (value: 1 = one or more missing)",
    kafka_under_replicated: "a Kafka partition has fewer in-sync replicas than replicas (value: 1 = any partition)",
    external_error_rate: "percent of an app's calls to an external dependency that fail: a 5xx answer or none (timeout, refused, TLS), read from the app's own HTTP client metric",
    kafka_under_min_isr: "a partition of the runbook's Kafka topics has fewer in-sync replicas than min.insync.replicas: acks=all writes are refused (value: 1 = any partition)",
} as const;
export type Signal = keyof typeof SIGNALS;
const signalSchema = z.enum(Object.keys(SIGNALS) as [Signal, ...Signal[]]);

export const UNITS = ["percent", "seconds", "per_minute", "messages", "days", "intervals", "bool"] as const;
export type Unit = (typeof UNITS)[number];

export const levelSchema = z
    .object({
        severity: z.enum(ALERT_SEVERITIES),
        /** The threshold, in the alert's unit. */
        threshold: z.number().finite(),
        /** How long the condition must hold before the alert fires. */
        for: durationSchema,
        source: sourceSchema,
        defaulted: defaultedSchema,
        converted: convertedSchema,
        /**
         * Set only on a stack's copy (runbooks/overrides.ts): which fields the stack's overrides
         * changed, each with the override key and the runbook's own value, so nothing generated
         * from the level passes a stack's number off as the runbook's.
         */
        overridden: z.record(z.string(), z.string()).optional(),
    })
    .strict();
export type Level = z.infer<typeof levelSchema>;

export const alertSchema = z
    .object({
        /** Stable id, kebab-case, unique within the app; becomes part of the alert name. */
        id: z.string().regex(/^[a-z][a-z0-9-]*$/),
        /** One line a human reads on the page. */
        title: z.string().min(3),
        signal: signalSchema,
        /** `above`: fires when the value exceeds the threshold; `below`: when it drops under it. */
        direction: z.enum(["above", "below"]),
        unit: z.enum(UNITS),
        /** Which service, data service or external dependency the alert is about; absent = every app service. */
        subject: z.string().optional(),
        levels: z.array(levelSchema).min(1),
    })
    .strict()
    .superRefine((alert, ctx) => {
        const seen = new Set<string>();
        for (const [i, level] of alert.levels.entries()) {
            if (seen.has(level.severity)) {
                ctx.addIssue({ code: "custom", path: ["levels", i, "severity"], message: `severity ${level.severity} appears twice` });
            }
            seen.add(level.severity);
            if (alert.unit === "percent" && (level.threshold < 0 || level.threshold > 100)) {
                ctx.addIssue({ code: "custom", path: ["levels", i, "threshold"], message: `${level.threshold} is not a percentage (allowed: 0 to 100)` });
            }
            if (level.threshold < 0) {
                ctx.addIssue({ code: "custom", path: ["levels", i, "threshold"], message: `${level.threshold} is negative` });
            }
        }
        // A more severe level must be reached later than a less severe one: for an `above`
        // alert, critical >= warning >= info; for a `below` alert the reverse.
        const rank: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };
        const sorted = [...alert.levels].sort((a, b) => rank[a.severity] - rank[b.severity]);
        for (let i = 1; i < sorted.length; i++) {
            const milder = sorted[i - 1];
            const severer = sorted[i];
            const ok = alert.direction === "above" ? severer.threshold >= milder.threshold : severer.threshold <= milder.threshold;
            if (!ok) {
                ctx.addIssue({
                    code: "custom",
                    path: ["levels"],
                    message: `${milder.severity} level ${milder.threshold} is beyond its ${severer.severity} level ${severer.threshold} for an alert that fires ${alert.direction} the threshold`,
                });
            }
        }
    });
export type Alert = z.infer<typeof alertSchema>;

export const severityLevelSchema = z
    .object({
        /** The runbook's own name, e.g. `Severity 1 (Critical)` or `P0 - Critical`. */
        name: z.string(),
        /** The alert severity label that pages at this level. */
        alertSeverity: z.enum(ALERT_SEVERITIES),
        /** Minutes within which someone must respond; 0 = immediately. Absent when the runbook gives none. */
        responseMinutes: z.number().int().nonnegative().optional(),
        /** Minutes within which the incident must be resolved, where the runbook says. */
        resolutionMinutes: z.number().int().positive().optional(),
        source: sourceSchema,
        defaulted: defaultedSchema,
        converted: convertedSchema,
    })
    .strict();

export const escalationStepSchema = z
    .object({
        level: z.number().int().positive(),
        /** Minutes after the page at which this level is brought in. */
        afterMinutes: z.number().int().nonnegative(),
        who: z.string(),
        /** Only for these incident severities (by runbook name), where the runbook restricts it. */
        onlyFor: z.array(z.string()).optional(),
        source: sourceSchema,
        defaulted: defaultedSchema,
        converted: convertedSchema,
    })
    .strict();

const responseSchema = z
    .object({ minutes: z.number().int().nonnegative(), source: sourceSchema.optional(), defaulted: defaultedSchema, converted: convertedSchema })
    .strict()
    .refine((r) => r.source !== undefined || r.defaulted !== undefined, { message: "needs a source or a defaulted reason" });

export const DATASETS = ["postgres", "redis", "mongodb", "files", "config", "rabbitmq"] as const;
export type Dataset = (typeof DATASETS)[number];

export const backupSchema = z
    .object({
        dataset: z.enum(DATASETS),
        /**
         * A second (third…) backup of the same dataset on its own schedule and retention, e.g. a
         * `weekly` copy kept 12 weeks beside the nightly one. Absent: the dataset's one backup, under
         * the names every target has always used. Lower-case letters, digits and dashes: it becomes
         * part of job, vault, rule and alarm names and of the destination prefix.
         */
        tier: z
            .string()
            .regex(/^[a-z][a-z0-9]{0,11}$/, { message: "tier must be 1-12 lower-case letters or digits starting with a letter (allowed: e.g. weekly, monthly)" })
            .optional(),
        /** When the backup runs (UTC). */
        cron: cronSchema,
        /** The interval the runbook states, for humans and for checking the cron: `6h`, `1d`. */
        every: durationSchema,
        retentionDays: z.number().int().positive(),
        /**
         * How old the newest copy may get before a restore check fails, where the runbook says
         * (`26h`); absent = two intervals, so one missed backup is caught too.
         */
        maxAge: durationSchema.optional(),
        source: sourceSchema,
        defaulted: defaultedSchema,
        converted: convertedSchema,
    })
    .strict()
    .superRefine((b, ctx) => {
        if (b.maxAge && DURATION_RE.test(b.maxAge) && DURATION_RE.test(b.every) && durationSeconds(b.maxAge) < durationSeconds(b.every)) {
            ctx.addIssue({ code: "custom", path: ["maxAge"], message: `maxAge ${b.maxAge} is shorter than the interval ${b.every}, so every check between two backups would fail (allowed: a duration of at least ${b.every})` });
        }
    });
export type Backup = z.infer<typeof backupSchema>;

export const CADENCES = ["daily", "weekly", "monthly", "quarterly"] as const;
export type Cadence = (typeof CADENCES)[number];

export const verificationSchema = z
    .object({
        kind: z.enum(["integrity-check", "backup-validation", "restore-test", "dr-drill", "failover-test"]),
        cadence: z.enum(CADENCES),
        source: sourceSchema,
    })
    .strict();

export const resourcesSchema = z
    .object({
        limits: z.object({ memoryMiB: z.number().int().positive(), cpu: z.number().positive() }).strict(),
        reservations: z.object({ memoryMiB: z.number().int().positive(), cpu: z.number().positive() }).strict(),
        source: sourceSchema,
        defaulted: defaultedSchema,
        converted: convertedSchema,
    })
    .strict()
    .superRefine((r, ctx) => {
        if (r.reservations.memoryMiB > r.limits.memoryMiB) {
            ctx.addIssue({ code: "custom", path: ["reservations", "memoryMiB"], message: `reservation ${r.reservations.memoryMiB} MiB exceeds the limit ${r.limits.memoryMiB} MiB` });
        }
        if (r.reservations.cpu > r.limits.cpu) {
            ctx.addIssue({ code: "custom", path: ["reservations", "cpu"], message: `reservation ${r.reservations.cpu} CPU exceeds the limit ${r.limits.cpu} CPU` });
        }
    });
export type Resources = z.infer<typeof resourcesSchema>;

export const scalingSchema = z
    .object({
        min: z.number().int().positive(),
        /** The count the runbook scales to (or runs by default). */
        desired: z.number().int().positive(),
        max: z.number().int().positive(),
        /** Autoscaling target for average CPU, percent of the limit. */
        cpuTargetPercent: z.number().positive().max(100),
        /** Autoscaling target for average memory, percent of the limit. */
        memoryTargetPercent: z.number().positive().max(100),
        /** How replicas are given back when load drops (runbooks/language/scale-in.ts); absent = the platform default. */
        scaleIn: scaleInSchema(sourceSchema, defaultedSchema, convertedSchema).optional(),
        source: sourceSchema,
        defaulted: defaultedSchema,
        converted: convertedSchema,
    })
    .strict()
    .superRefine((s, ctx) => {
        if (!(s.min <= s.desired && s.desired <= s.max)) {
            ctx.addIssue({ code: "custom", path: ["desired"], message: `min ${s.min} <= desired ${s.desired} <= max ${s.max} does not hold` });
        }
    });
export type Scaling = z.infer<typeof scalingSchema>;

export const serviceSchema = z
    .object({
        /** Service name; also the key of its image in stack config (`images.<name>`). */
        name: z.string().regex(/^[a-z][a-z0-9-]*$/),
        role: z.enum(["api", "frontend", "portal", "worker"]),
        port: z.number().int().min(1).max(65535),
        healthPath: z.string().startsWith("/"),
        /**
         * Where the service answers whether it can take traffic, where the runbook separates that
         * from health (`/ready`); absent = `healthPath`. Kubernetes readiness probes and the AWS
         * target group's health check ask it; liveness probes and container health checks keep
         * asking `healthPath`.
         */
        readinessPath: z.string().startsWith("/").optional(),
        /** The public host name the runbook names for it, if any. */
        host: z.string().optional(),
        resources: resourcesSchema,
        scaling: scalingSchema,
        /** Whether the service exposes Prometheus metrics on `metricsPath`. */
        metricsPath: z.string().startsWith("/").optional(),
        source: sourceSchema,
        defaulted: defaultedSchema,
        converted: convertedSchema,
    })
    .strict();
export type Service = z.infer<typeof serviceSchema>;

export const postgresSchema = z
    .object({
        version: z.string().regex(/^\d+$/),
        database: z.string(),
        user: z.string(),
        readReplicas: z.number().int().nonnegative(),
        /** postgresql.conf settings, with units as PostgreSQL writes them (`256MB`). */
        parameters: z.record(z.string(), z.string()),
        /** Extensions loaded through shared_preload_libraries. */
        preloadLibraries: z.array(z.string()),
        /** Statements slower than this are logged and counted as slow queries. */
        slowQueryMs: z.number().int().positive(),
        /** The RDS instance class the runbook asks for (`db.m7g.large`); absent = the smallest class its tuning fits. A floor the pack enforces. */
        instanceSize: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "an RDS instance class like db.m7g.large").optional(),
        source: sourceSchema,
        defaulted: defaultedSchema,
        converted: convertedSchema,
    })
    .strict();

export const redisSchema = z
    .object({
        version: z.string(),
        maxmemoryMB: z.number().int().positive(),
        maxmemoryPolicy: z.enum(["noeviction", "allkeys-lru", "allkeys-lfu", "volatile-lru", "volatile-lfu", "allkeys-random", "volatile-random", "volatile-ttl"]),
        /** RDB snapshot points: [seconds, changes]. */
        save: z.array(z.tuple([z.number().int().positive(), z.number().int().positive()])),
        /** `cluster` where the runbook runs a Redis cluster. */
        mode: z.enum(["standalone", "replicated", "cluster"]),
        /** The ElastiCache node type the runbook asks for (`cache.m7g.large`); absent = the smallest node its maxmemory fits. A floor the pack enforces. */
        instanceSize: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, "an ElastiCache node type like cache.m7g.large").optional(),
        /** Append-only persistence the runbook requires (runbooks/language/redis-persistence.ts); absent = the platform's `appendonly yes`. */
        appendOnly: appendOnlySchema(sourceSchema).optional(),
        source: sourceSchema,
        defaulted: defaultedSchema,
        converted: convertedSchema,
    })
    .strict();

export const kafkaSchema = z
    .object({
        version: z.string(),
        brokers: z.number().int().positive(),
        topics: z.array(z.object({ name: z.string(), partitions: z.number().int().positive(), replicationFactor: z.number().int().positive() }).strict()),
        consumerGroups: z.array(z.string()),
        minInsyncReplicas: z.number().int().positive(),
        /** The MSK broker instance type the runbook asks for (`kafka.m7g.xlarge`); absent = the platform's production baseline. A floor the pack enforces. */
        instanceSize: z.string().regex(/^kafka\.[a-z0-9]+\.[a-z0-9]+$/, "an MSK broker type like kafka.m7g.large").optional(),
        source: sourceSchema,
        defaulted: defaultedSchema,
        converted: convertedSchema,
    })
    .strict();

export const mongodbSchema = z
    .object({
        version: z.string(),
        database: z.string(),
        replicaSetMembers: z.number().int().positive(),
        oplogSizeMB: z.number().int().positive(),
        /** The DocumentDB instance class the runbook asks for (`db.r6g.xlarge`); absent = the platform's production baseline. A floor the pack enforces. */
        instanceSize: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "a DocumentDB instance class like db.r6g.large").optional(),
        source: sourceSchema,
        defaulted: defaultedSchema,
        converted: convertedSchema,
    })
    .strict();

export const objectStorageSchema = z
    .object({
        buckets: z.array(z.string().regex(/^[a-z0-9][a-z0-9.-]{2,62}$/)).min(1),
        /** A copy of the file bucket into a backup bucket under a dated prefix, where the runbook has one. */
        backupSync: z.object({ from: z.string(), to: z.string(), prefix: z.string(), source: sourceSchema }).strict().optional(),
        /** Storage tiers: S3 lifecycle transitions per bucket (runbooks/language/lifecycle.ts); absent = objects stay in S3 Standard. */
        lifecycle: lifecycleSchema(sourceSchema, convertedSchema).optional(),
        source: sourceSchema,
    })
    .strict();

/** How the app names its HTTP metrics, the metrics contract the HTTP alerts read: runbooks/language/metrics-contract.ts. */
export const metricsContractSchema = metricsContractSchemaOf(sourceSchema, defaultedSchema);
export type MetricsContract = z.infer<typeof metricsContractSchema>;

export const externalDependencySchema = z
    .object({
        name: z.string().regex(/^[a-z][a-z0-9-]*$/),
        url: z.string().url(),
        /** `jsonrpc` probes POST a JSON-RPC call (Solana `getHealth`); `http` probes GET the URL. */
        probe: z.enum(["http", "jsonrpc"]),
        fallbackUrl: z.string().url().optional(),
        source: sourceSchema,
    })
    .strict();

/**
 * Something the seed states that the platform has no way to express (no field, signal or job
 * for it), kept with the seed's words and the reason, so `npm run coverage` lists it instead of
 * it disappearing silently.
 */
export const notExpressibleSchema = z
    .object({
        /** What the runbook asks for, in a few words. */
        what: z.string().min(3),
        source: sourceSchema,
        /** What the platform lacks to express it. */
        reason: z.string().min(10),
    })
    .strict();
export type NotExpressible = z.infer<typeof notExpressibleSchema>;

/** The data services a runbook can run, by kind: the names an alert's `subject` and a backup's `dataset` refer to. */
const runbookDataShape = {
    postgres: postgresSchema.optional(),
    redis: redisSchema.optional(),
    kafka: kafkaSchema.optional(),
    mongodb: mongodbSchema.optional(),
    objectStorage: objectStorageSchema.optional(),
    rabbitmq: rabbitmqSchema(sourceSchema, defaultedSchema).optional(),
};

/** The subject of alerts about the TLS certificates the app serves. */
const TLS_SUBJECT = "tls";

export const runbookSchema = z
    .object({
        app: z.enum(APP_IDS),
        seed: z.string(),
        title: z.string(),
        services: z.array(serviceSchema).min(1),
        data: z.object(runbookDataShape).strict(),
        metrics: metricsContractSchema.optional(),
        externalDependencies: z.array(externalDependencySchema),
        alerts: z.array(alertSchema).min(1),
        incident: z
            .object({
                severities: z.array(severityLevelSchema).min(1),
                /** Response time per alert severity as the alert tables state it, in minutes (0 = immediately). */
                alertResponse: z.object({ critical: responseSchema, warning: responseSchema, info: responseSchema }).strict(),
                escalation: z.array(escalationStepSchema).min(1),
                channels: z
                    .object({
                        /** Chat channel for warnings, e.g. `#formula-pm-alerts`. */
                        chat: z.string().regex(/^#[a-z0-9-]+$/),
                        email: z.string().email().optional(),
                        source: sourceSchema.optional(),
                        defaulted: defaultedSchema,
                        converted: convertedSchema,
                    })
                    .strict(),
            })
            .strict(),
        backups: z.array(backupSchema).min(1),
        verification: z.array(verificationSchema),
        maintenanceWindow: maintenanceWindowSchema(sourceSchema, defaultedSchema, convertedSchema),
        logs: z
            .object({
                retentionDays: z.number().int().positive(),
                rotation: z.enum(["daily", "size"]),
                rotateMaxSizeMB: z.number().int().positive().optional(),
                compressAfterDays: z.number().int().nonnegative().optional(),
                source: sourceSchema,
                defaulted: defaultedSchema,
                converted: convertedSchema,
            })
            .strict(),
        monitoring: z
            .object({
                ports: z.object({ grafana: z.number().int(), prometheus: z.number().int(), alertmanager: z.number().int(), loki: z.number().int(), jaeger: z.number().int().optional() }).strict(),
                dashboards: z.array(z.string().regex(/^[a-z0-9-]+$/)).min(1),
                /** Where logs are shipped and searched: Loki everywhere; gravitypm's runbook names ELK. */
                logStack: z.enum(["loki", "elk"]),
                source: sourceSchema,
                defaulted: defaultedSchema,
                converted: convertedSchema,
            })
            .strict(),
        aws: z
            .object({
                region: z.string().regex(/^[a-z]{2}-[a-z]+-\d$/),
                availabilityZones: z.number().int().min(2).max(6),
                waf: z.boolean(),
                /**
                 * Blue/green releases: false for rolling updates; otherwise how long the old colour
                 * stays ready to take traffic back after the switch (the runbook's watch period).
                 */
                blueGreen: z.union([z.literal(false), z.object({ bakeMinutes: z.number().int().positive().max(1440), source: sourceSchema }).strict()]),
                source: sourceSchema.optional(),
                defaulted: defaultedSchema,
                converted: convertedSchema,
            })
            .strict(),
        /** What the seed states that the platform cannot express, each with the seed's words and the reason; empty when nothing. */
        notExpressible: z.array(notExpressibleSchema),
        /** Routine checks the runbook has a person run, by cadence. */
        checks: z.array(z.object({ id: z.string().regex(/^[a-z][a-z0-9-]*$/), cadence: z.enum(CADENCES), what: z.string(), automation: z.enum(["alert", "job", "manual"]), source: sourceSchema }).strict()),
    })
    .strict()
    .superRefine((rb, ctx) => {
        for (const p of [...conversionProblems(rb), ...silenceProblems(rb), ...lifecycleProblems(rb)]) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
        const ids = new Set<string>();
        for (const [i, a] of rb.alerts.entries()) {
            if (ids.has(a.id)) ctx.addIssue({ code: "custom", path: ["alerts", i, "id"], message: `alert id ${a.id} appears twice` });
            ids.add(a.id);
        }
        const tiers = new Map<string, number>();
        for (const [i, b] of rb.backups.entries()) {
            const key = `${b.dataset}/${b.tier ?? ""}`;
            const first = tiers.get(key);
            if (first !== undefined) {
                ctx.addIssue({
                    code: "custom",
                    path: ["backups", i, "tier"],
                    message: `${rb.app}: backups[${first}] and backups[${i}] both back up ${b.dataset}${b.tier ? ` as tier "${b.tier}"` : " without a tier"}; allowed: one entry per dataset and tier (give each further backup of ${b.dataset} its own \`tier\`, e.g. "weekly")`,
                });
            }
            tiers.set(key, first ?? i);
        }
        for (const [i, b] of rb.backups.entries()) {
            if (!cronSchema.safeParse(b.cron).success) continue;
            // Every gap of the schedule, not only the shortest: "every 1d" must hold between any two runs.
            const interval = nextIntervalsSeconds(b.cron);
            const largest = largestIntervalSeconds(b.cron);
            if (largest !== interval) {
                ctx.addIssue({ code: "custom", path: ["backups", i, "cron"], message: `cron "${b.cron}" runs unevenly (gaps from ${interval}s to ${largest}s); allowed: a schedule with one interval, equal to every (${b.every})` });
            } else if (interval !== durationSeconds(b.every)) {
                ctx.addIssue({ code: "custom", path: ["backups", i, "cron"], message: `cron "${b.cron}" fires every ${interval}s, not every ${b.every}` });
            }
        }
        const names = new Set(rb.services.map((s) => s.name));
        const dataRun = Object.entries(rb.data).filter(([, v]) => v !== undefined).map(([k]) => k);
        const dataKinds = Object.keys(runbookDataShape);
        for (const [i, a] of rb.alerts.entries()) {
            if (!a.subject || names.has(a.subject) || dataRun.includes(a.subject) || a.subject === TLS_SUBJECT || rb.externalDependencies.some((d) => d.name === a.subject)) continue;
            const allowed = `allowed: a service (${[...names].join(", ")}), a data service ${rb.app} runs (${dataRun.join(", ") || "none"}), an external dependency (${rb.externalDependencies.map((d) => d.name).join(", ") || "none"}) or ${TLS_SUBJECT}`;
            const message = dataKinds.includes(a.subject)
                ? `${rb.app}: alert ${a.id} has subject "${a.subject}", a data service ${rb.app} does not run, so the alert could never fire; ${allowed}`
                : `${rb.app}: alert ${a.id} has subject "${a.subject}", which is neither a service, a data service nor an external dependency; ${allowed}`;
            ctx.addIssue({ code: "custom", path: ["alerts", i, "subject"], message });
        }
    });
export type Runbook = z.infer<typeof runbookSchema>;

/** Validates raw runbook data; throws one message listing every problem with its path. */
export function parseRunbook(raw: unknown): Runbook {
    const result = runbookSchema.safeParse(raw);
    if (!result.success) {
        const app = (raw as { app?: string })?.app ?? "unknown app";
        const lines = result.error.issues.map((i) => `  - ${i.path.join(".")}: ${i.message}`);
        throw new Error(`runbook data for ${app} is invalid:\n${lines.join("\n")}`);
    }
    return result.data;
}
