import { durationSeconds, requireField, type Alert, type Runbook, type Signal, type Unit } from "../../runbooks";
import type { Target } from "../targets";
import { alertTargets, allAlerts, isBackupStoreAlert } from "./baseline";
import type { ExporterId } from "./exporters";
import { ALERT_READING, CLIENT_LABELS, metricNaming, IGNORED_FSTYPES, METRICS, MONGO_LOCK_MODES, MONGO_LOCK_WAIT_MICROS, MONGO_LOCK_WAITS, SCOPE_LABELS, httpMetricNames, isLatencySignal, latencyBuckets, LATENCY_QUANTILES, minErrorsPerMinute, minRequestsPerSecond, type Family, type HttpMetricNames } from "./metrics";
import { INSTANCE_LABELS, by, enoughTrafficOrErrors, kafkaSelector, lastRate, oneOf, trafficRate } from "./selectors";
import { OBJECT_STORAGE_CLOUDWATCH_METRICS, OBJECT_STORAGE_CLOUDWATCH_PANELS, OBJECT_STORAGE_CLOUDWATCH_SIGNALS, OBJECT_STORAGE_COMPONENT, OBJECT_STORAGE_SIGNAL_SPECS } from "./minio";
import { RABBITMQ_CLOUDWATCH_METRICS, RABBITMQ_CLOUDWATCH_PANELS, RABBITMQ_CLOUDWATCH_SIGNALS, RABBITMQ_SIGNAL_SPECS } from "./rabbitmq";
import { runbookBackups, tierName } from "../backups/plan";

/**
 * The metrics contract: for every runbook signal, which standard exporter provides which metric,
 * and the PromQL that turns those metrics into the signal's value in the signal's unit. Rules,
 * promtool tests, dashboards, the exporter list and the docs table are all read from here; one entry of
 * SIGNAL_SPECS is one signal's whole declaration.
 */

/**
 * Which components a signal's series are scoped to:
 * `services`: the app services (or the alert's subject service); `metrics-services`: those with a
 * metrics endpoint; `tls-services`: those with a public host; `data`: the data service;
 * `external`: the alert's external dependency; `external-calls`: the services with a metrics endpoint,
 * as they call the alert's external dependency (the series carry the caller's `component`); `hosts`: the app's hosts; `backups`: the app's datasets.
 */
export type Scope = "services" | "metrics-services" | "tls-services" | "data" | "external" | "external-calls" | "hosts" | "backups";

export interface QueryContext {
    /** Label matchers scoping the series to the alert, without braces: `app="x", component=~"a|b"`. */
    readonly sel: string;
    readonly http: HttpMetricNames;
    /** Requests per second below which HTTP ratios are not read (the app's minimum traffic), as a PromQL number. */
    readonly minRequestsPerSecond: string;
    /** Failures per minute at which an error ratio is read below the minimum traffic (the app's floor of errors), as a PromQL number. */
    readonly minErrorsPerMinute: string;
    /** The runbook's slow-query threshold, in seconds, as a PromQL number. */
    readonly slowQuerySeconds: string;
    /** The runbook's backup datasets grouped by interval, in seconds. */
    readonly backupGroups: readonly { readonly datasets: readonly string[]; readonly seconds: string }[];
    /** Kafka: the brokers the runbook runs, its min.insync.replicas, and a matcher for its topics (`topic=~"a|b"`). */
    readonly kafka?: { readonly brokers: string; readonly minInsync: string; readonly topics: string };
    /** The external dependency an `external-calls` alert is about: its name (the alert's `component`). */
    readonly dependency?: string;
}

export interface SignalSpec {
    readonly unit: Unit;
    readonly exporter: ExporterId;
    readonly family: Family;
    readonly scope: Scope;
    /** The data service a `data` signal watches when the alert names no subject. */
    readonly dataService?: "postgres" | "redis" | "kafka" | "mongodb" | "rabbitmq" | "objectStorage";
    /** Labels that tell one alert instance from another; the value expression keeps exactly these. */
    readonly identity: readonly string[];
    /**
     * How far back the value looks: ALERT_READING (the last scrape interval) for rates, ratios and
     * per-minute counts, whose rules bridge one clean reading (rules.ts `conditionExpr`); the unit's
     * own window for availability; absent for gauges, read as they are (a gauge already has scrape resolution).
     */
    readonly window?: string;
    readonly metrics: (http: HttpMetricNames) => readonly string[];
    /** How the value is measured, one line for the docs. */
    readonly how: string;
    readonly value: (c: QueryContext) => string;
    /**
     * The targets whose series tell this signal apart from others; elsewhere its alerts are left out.
     * Only Docker probes every replica of a service; elsewhere a service is probed once, through its load balancer.
     */
    readonly onlyOn?: readonly Target[];
    /** Label matchers for the alert's series where they are narrower than app and component (a RabbitMQ queue signal: the runbook's vhost and queues). */
    readonly selector?: (runbook: Runbook) => string;
}

/** A per-minute count read as the per-scrape rate times 60: the same timing as every other rate (selectors.ts `lastRate`). */
const perMinute = (series: string) => `${lastRate(series)} * 60`;

/** The Kafka facts of the context; a Kafka signal read for an app without `data.kafka` is refused by name. */
const kafkaOf = (c: QueryContext): NonNullable<QueryContext["kafka"]> => requireField(c.kafka, c.sel, "data.kafka");

/** Keeps a service's HTTP ratio only while it serves at least the app's minimum traffic: latency percentiles, where a few requests' times are noise however slow. */
const enoughTraffic = (c: QueryContext) => `and on (${by(SCOPE_LABELS)}) sum by (${by(SCOPE_LABELS)}) (${trafficRate(`${c.http.requests}{${c.sel}}`)}) >= ${c.minRequestsPerSecond}`;

/** A percentile of the request-duration histogram: one declaration per quantile in LATENCY_QUANTILES. */
function latencyPercentile(signal: Signal): SignalSpec {
    const q = LATENCY_QUANTILES[signal];
    if (q === undefined) throw new Error(`${signal} has no quantile in LATENCY_QUANTILES`);
    return appMetric({
        unit: "seconds",
        window: ALERT_READING,
        metrics: (h) => [`${h.duration}_bucket`, h.requests],
        how: `${Math.round(q * 100)}th percentile estimated from the request-duration histogram`,
        value: (c) => `histogram_quantile(${q}, sum by (${by(SCOPE_LABELS)}, le) (${lastRate(`${c.http.duration}_bucket{${c.sel}}`)})) ${enoughTraffic(c)}`,
    });
}

const notFs = `fstype!~"${IGNORED_FSTYPES.join("|")}"`;

/**
 * What a signal's own entry says: its unit, the window (for rates and averages), the metrics it
 * reads, how it is measured, and the PromQL. Everything else in a SignalSpec follows from where its
 * series come from, which the builders below state once per exporter, so an entry is only its facts.
 */
type SignalFacts = Pick<SignalSpec, "unit" | "window" | "metrics" | "how" | "value">;

type DataService = NonNullable<SignalSpec["dataService"]>;

/** The family each data service's signals are charted under. */
const DATA_FAMILY: Readonly<Record<DataService, Family>> = { postgres: "database", mongodb: "database", redis: "cache", kafka: "kafka", rabbitmq: "queue", objectStorage: "infrastructure" };

/** Read from blackbox probes: one series per probed service, public host or dependency (`component`), whichever the scope names. */
function probed(scope: "services" | "tls-services" | "external", family: Family, facts: SignalFacts): SignalSpec {
    return { ...facts, exporter: "blackbox", family, scope, identity: SCOPE_LABELS };
}

/** Read from the app's own /metrics: per service that has a metrics endpoint. */
function appMetric(facts: SignalFacts): SignalSpec {
    return { ...facts, exporter: "app", family: "api", scope: "metrics-services", identity: SCOPE_LABELS };
}

/**
 * Read from a data service's exporter, scoped to the alert's subject or else that service. Per
 * instance (one alert per server or node) unless the signal keeps other labels: a ratio over the
 * whole service, or one series per replica-set member or consumer group.
 */
function dataMetric(service: Exclude<DataService, "objectStorage">, facts: SignalFacts & { readonly identity?: readonly string[] }): SignalSpec {
    return { identity: INSTANCE_LABELS, ...facts, exporter: service, family: DATA_FAMILY[service], scope: "data", dataService: service };
}

/** Read from cAdvisor: each service container against its own limit. */
function containerMetric(facts: SignalFacts): SignalSpec {
    return { ...facts, exporter: "cadvisor", family: "infrastructure", scope: "services", identity: SCOPE_LABELS };
}

/** `1` while a data service's exporter cannot reach one of its instances (the exporter's `up` gauge is 0). */
function unreachable(up: string, how: string): SignalFacts {
    return { unit: "bool", metrics: () => [up], how, value: (c) => `1 - max by (${by(INSTANCE_LABELS)}) (${up}{${c.sel}})` };
}

/** `1` while a blackbox probe of the component fails; for a service's /health, the probe of any one replica. */
function probeFails(probe: "health" | "external", how: string): SignalFacts {
    return { unit: "bool", metrics: () => [METRICS.probeSuccess], how, value: (c) => `1 - min by (${by(SCOPE_LABELS)}) (${METRICS.probeSuccess}{${c.sel}, probe="${probe}"})` };
}

export const SIGNAL_SPECS: Readonly<Record<Signal, SignalSpec>> = {
    // No replica answering is the outage the runbooks page for; one dead replica of several is service_replica_down.
    service_down: probed("services", "infrastructure", {
        unit: "bool",
        metrics: () => [METRICS.probeSuccess],
        how: "1 while no replica's /health probe succeeds",
        value: (c) => `1 - max by (${by(SCOPE_LABELS)}) (${METRICS.probeSuccess}{${c.sel}, probe="health"})`,
    }),
    service_replica_down: {
        ...probed("services", "infrastructure", probeFails("health", "1 while the /health probe of any one replica fails")),
        onlyOn: ["docker"],
    },
    availability: probed("services", "api", {
        unit: "percent",
        window: "1h",
        metrics: () => [METRICS.probeSuccess],
        how: "share of successful /health probes over the last hour",
        value: (c) => `100 * avg by (${by(SCOPE_LABELS)}) (avg_over_time(${METRICS.probeSuccess}{${c.sel}, probe="health"}[1h]))`,
    }),
    http_error_rate: appMetric({
        unit: "percent",
        window: ALERT_READING,
        metrics: (h) => [...new Set([h.requests, h.errors])],
        how: "5xx answers as a share of all requests, while the service serves at least the app's minimum traffic or answers at least its floor of 5xx a minute",
        value: (c) => {
            const failed = `${c.http.errors}{${c.sel}, ${c.http.statusLabel}=~"5.."}`;
            const total = `${c.http.requests}{${c.sel}}`;
            const sum = (series: string) => `sum by (${by(SCOPE_LABELS)}) (${lastRate(series)})`;
            return `100 * ${sum(failed)} / ${sum(total)} ${enoughTrafficOrErrors(c, SCOPE_LABELS, total, failed)}`;
        },
    }),
    http_latency_p95: latencyPercentile("http_latency_p95"),
    http_latency_p99: latencyPercentile("http_latency_p99"),
    auth_failures: appMetric({
        unit: "per_minute",
        window: ALERT_READING,
        metrics: (h) => [h.authFailures],
        how: "failed logins per minute at the per-scrape rate (the last scrape interval)",
        value: (c) => `sum by (${by(SCOPE_LABELS)}) (${perMinute(`${c.http.authFailures}{${c.sel}}`)})`,
    }),
    postgres_down: dataMetric("postgres", unreachable(METRICS.pgUp, "1 while the exporter cannot query the server")),
    postgres_pool_usage: dataMetric("postgres", {
        unit: "percent",
        metrics: () => [METRICS.pgConnections, METRICS.pgMaxConnections],
        how: "backends of every state as a share of max_connections",
        value: (c) => `100 * sum by (${by(INSTANCE_LABELS)}) (${METRICS.pgConnections}{${c.sel}}) / max by (${by(INSTANCE_LABELS)}) (${METRICS.pgMaxConnections}{${c.sel}})`,
    }),
    postgres_slow_queries: dataMetric("postgres", {
        unit: "per_minute",
        window: ALERT_READING,
        metrics: () => [METRICS.pgCalls, METRICS.pgSeconds],
        how: "calls per minute, at the per-scrape rate (the last scrape interval), of statements (pg_stat_statements queryid) whose mean time over that interval exceeds the runbook's slow-query threshold",
        value: (c) =>
            `sum by (${by(INSTANCE_LABELS)}) (${perMinute(`${METRICS.pgCalls}{${c.sel}}`)} and (${lastRate(`${METRICS.pgSeconds}{${c.sel}}`)} / ${lastRate(`${METRICS.pgCalls}{${c.sel}}`)} > ${c.slowQuerySeconds}))`,
    }),
    postgres_replication_lag: dataMetric("postgres", {
        unit: "seconds",
        metrics: () => [METRICS.pgReplicationLag],
        how: "replay lag of each read replica (postgres_exporter's replication collector; 0 on the primary)",
        value: (c) => `max by (${by(INSTANCE_LABELS)}) (${METRICS.pgReplicationLag}{${c.sel}})`,
    }),
    mongodb_down: dataMetric("mongodb", unreachable(METRICS.mongoUp, "1 while the exporter cannot reach the member")),
    mongodb_connections_usage: dataMetric("mongodb", {
        unit: "percent",
        metrics: () => [METRICS.mongoConnections],
        how: "current connections as a share of current + available",
        value: (c) => {
            const conn = (type: string) => `max by (${by(INSTANCE_LABELS)}) (${METRICS.mongoConnections}{${c.sel}, conn_type="${type}"})`;
            return `100 * ${conn("current")} / (${conn("current")} + ${conn("available")})`;
        },
    }),
    mongodb_query_time: dataMetric("mongodb", {
        unit: "seconds",
        window: ALERT_READING,
        metrics: () => [METRICS.mongoLatencyMicros, METRICS.mongoOps],
        how: "mean latency of reads and writes (serverStatus.opLatencies, microseconds) per operation",
        value: (c) => {
            const rw = `${c.sel}, op_type=~"reads|writes"`;
            return `sum by (${by(INSTANCE_LABELS)}) (${lastRate(`${METRICS.mongoLatencyMicros}{${rw}}`)}) / sum by (${by(INSTANCE_LABELS)}) (${lastRate(`${METRICS.mongoOps}{${rw}}`)}) / 1e6`;
        },
    }),
    mongodb_replication_lag: dataMetric("mongodb", {
        unit: "seconds",
        identity: ["app", "component", "member_idx"],
        metrics: () => [METRICS.mongoOptimeMillis],
        // Against the most advanced member in any state, not the PRIMARY: during an election there is
        // none, and a secondary that falls far enough behind turns RECOVERING; neither may resolve the alert.
        how: "the most advanced member's optime minus each member's, whatever their state (replSetGetStatus, milliseconds; arbiters hold no data)",
        value: (c) =>
            `(max by (${by(SCOPE_LABELS)}) (${METRICS.mongoOptimeMillis}{${c.sel}}) - on (${by(SCOPE_LABELS)}) group_right min by (${by(SCOPE_LABELS)}, member_idx) (${METRICS.mongoOptimeMillis}{${c.sel}, member_state!="ARBITER"})) / 1000`,
    }),
    mongodb_lock_wait: dataMetric("mongodb", {
        unit: "seconds",
        window: ALERT_READING,
        metrics: () => [...MONGO_LOCK_WAIT_MICROS, ...MONGO_LOCK_WAITS],
        how: "mean wait per acquisition that had to wait, in the worst mode of the Global lock (serverStatus.locks, microseconds)",
        // One ratio per mode, tagged with the mode so `or` keeps them all: rate() drops the metric
        // name, and the modes' series would otherwise collide.
        value: (c) =>
            `max by (${by(INSTANCE_LABELS)}) (${MONGO_LOCK_MODES.map(
                (m, i) => `label_replace(${lastRate(`${MONGO_LOCK_WAIT_MICROS[i]}{${c.sel}}`)} / ${lastRate(`${MONGO_LOCK_WAITS[i]}{${c.sel}}`)}, "mode", "${m}", "", "")`,
            ).join(" or ")}) / 1e6`,
    }),
    redis_down: dataMetric("redis", unreachable(METRICS.redisUp, "1 while the exporter cannot reach the node")),
    redis_hit_rate: dataMetric("redis", {
        unit: "percent",
        identity: SCOPE_LABELS,
        window: ALERT_READING,
        metrics: () => [METRICS.redisHits, METRICS.redisMisses],
        how: "keyspace hits as a share of hits + misses",
        value: (c) => {
            const r = (m: string) => `sum by (${by(SCOPE_LABELS)}) (${lastRate(`${m}{${c.sel}}`)})`;
            return `100 * ${r(METRICS.redisHits)} / (${r(METRICS.redisHits)} + ${r(METRICS.redisMisses)})`;
        },
    }),
    redis_memory_usage: dataMetric("redis", {
        unit: "percent",
        metrics: () => [METRICS.redisUsed, METRICS.redisMax],
        how: "used memory as a share of maxmemory, per node",
        value: (c) => `100 * max by (${by(INSTANCE_LABELS)}) (${METRICS.redisUsed}{${c.sel}}) / max by (${by(INSTANCE_LABELS)}) (${METRICS.redisMax}{${c.sel}} > 0)`,
    }),
    kafka_consumer_lag: dataMetric("kafka", {
        unit: "messages",
        identity: ["app", "component", "consumergroup", "topic"],
        metrics: () => [METRICS.kafkaLag],
        how: "messages behind, summed over the topic's partitions, for the runbook's groups and topics",
        value: (c) => `sum by (app, component, consumergroup, topic) (${METRICS.kafkaLag}{${c.sel}})`,
    }),
    // kafka_exporter answers no scrape while it cannot reach the brokers: the scrape's `up` is the signal.
    kafka_down: dataMetric("kafka", unreachable(METRICS.up, "1 while the exporter's scrape fails (it cannot reach the brokers)")),
    kafka_broker_missing: dataMetric("kafka", {
        unit: "bool",
        metrics: () => [METRICS.kafkaBrokers],
        how: "1 while the cluster's metadata lists fewer brokers than `data.kafka.brokers`: one broker down, while the exporter still reaches the others",
        value: (c) => `${kafkaOf(c).brokers} > bool max by (${by(INSTANCE_LABELS)}) (${METRICS.kafkaBrokers}{${c.sel}})`,
    }),
    kafka_under_replicated: dataMetric("kafka", {
        unit: "bool",
        metrics: () => [METRICS.kafkaUnderReplicated],
        how: "1 while any partition, of any topic, has fewer in-sync replicas than replicas (a broker down, or one falling behind)",
        value: (c) => `max by (${by(INSTANCE_LABELS)}) (${METRICS.kafkaUnderReplicated}{${c.sel}})`,
    }),
    kafka_under_min_isr: dataMetric("kafka", {
        unit: "bool",
        metrics: () => [METRICS.kafkaInSyncReplicas],
        how: "1 while any partition of the runbook's topics has fewer in-sync replicas than `data.kafka.minInsyncReplicas`: acks=all producers are refused",
        value: (c) => `max by (${by(INSTANCE_LABELS)}) (${METRICS.kafkaInSyncReplicas}{${c.sel}, ${kafkaOf(c).topics}} < bool ${kafkaOf(c).minInsync})`,
    }),
    ...RABBITMQ_SIGNAL_SPECS,
    ...OBJECT_STORAGE_SIGNAL_SPECS,
    memory_usage: containerMetric({
        unit: "percent",
        metrics: () => [METRICS.containerMemory, METRICS.containerMemoryLimit],
        how: "working set of the fullest replica as a share of its memory limit",
        value: (c) => `100 * max by (${by(SCOPE_LABELS)}) (${METRICS.containerMemory}{${c.sel}} / (${METRICS.containerMemoryLimit}{${c.sel}} > 0))`,
    }),
    cpu_usage: containerMetric({
        unit: "percent",
        window: ALERT_READING,
        metrics: () => [METRICS.containerCpu, METRICS.containerCpuQuota, METRICS.containerCpuPeriod],
        how: "CPU seconds per second of the busiest replica as a share of its CPU limit (quota / period)",
        value: (c) =>
            `100 * max by (${by(SCOPE_LABELS)}) (${lastRate(`${METRICS.containerCpu}{${c.sel}}`)} / ignoring (cpu) ((${METRICS.containerCpuQuota}{${c.sel}} > 0) / ${METRICS.containerCpuPeriod}{${c.sel}}))`,
    }),
    disk_usage: {
        unit: "percent",
        exporter: "node",
        family: "infrastructure",
        scope: "hosts",
        identity: ["app", "instance", "mountpoint"],
        metrics: () => [METRICS.fsAvail, METRICS.fsSize],
        how: `used share of each filesystem (not ${IGNORED_FSTYPES.join(", ")})`,
        value: (c) => `100 * max by (app, instance, mountpoint) (1 - ${METRICS.fsAvail}{${c.sel}, ${notFs}} / ${METRICS.fsSize}{${c.sel}, ${notFs}})`,
    },
    external_down: probed("external", "api", probeFails("external", "1 while the dependency's probe fails")),
    external_error_rate: {
        unit: "percent",
        exporter: "app",
        family: "api",
        scope: "external-calls",
        identity: SCOPE_LABELS,
        window: ALERT_READING,
        metrics: () => [METRICS.httpClientCalls],
        how: `the app's calls to the dependency's host (\`${CLIENT_LABELS.server}\`) that got a 5xx or no answer (\`${CLIENT_LABELS.error}\` set, not a 4xx), as a share of its calls, while it calls at least the app's minimum traffic or fails at least its floor of errors a minute; \`component\` is the dependency`,
        value: (c) => {
            const calls = (failed: boolean) => `${METRICS.httpClientCalls}{${c.sel}${failed ? `, ${CLIENT_LABELS.error}!="", ${CLIENT_LABELS.status}!~"4.."` : ""}}`;
            const sum = (series: string) => `sum by (app) (${lastRate(series)})`;
            return `label_replace(100 * ${sum(calls(true))} / ${sum(calls(false))} ${enoughTrafficOrErrors(c, ["app"], calls(false), calls(true))}, "component", "${c.dependency ?? "<dependency>"}", "", "")`;
        },
    },
    external_latency: probed("external", "api", {
        unit: "seconds",
        metrics: () => [METRICS.probeDuration],
        how: "duration of the dependency's probe",
        value: (c) => `max by (${by(SCOPE_LABELS)}) (${METRICS.probeDuration}{${c.sel}, probe="external"})`,
    }),
    certificate_expiry: probed("tls-services", "infrastructure", {
        unit: "days",
        metrics: () => [METRICS.certExpiry],
        how: "days until the earliest certificate served on the public host expires",
        value: (c) => `min by (${by(SCOPE_LABELS)}) (${METRICS.certExpiry}{${c.sel}, probe="tls"} - time()) / 86400`,
    }),
    tls_probe_down: probed("tls-services", "infrastructure", {
        unit: "bool",
        metrics: () => [METRICS.probeSuccess],
        how: "1 while the TLS probe of the public host fails; an expired or invalid certificate fails the handshake, so no `probe_ssl_*` series is left to read",
        value: (c) => `1 - min by (${by(SCOPE_LABELS)}) (${METRICS.probeSuccess}{${c.sel}, probe="tls"})`,
    }),
    backup_age: {
        unit: "intervals",
        exporter: "pushgateway",
        family: "infrastructure",
        scope: "backups",
        identity: ["app", "dataset"],
        metrics: () => [METRICS.backupLastSuccess],
        how: "time since the dataset's last successful backup divided by its interval from `backups[].every`",
        value: (c) =>
            c.backupGroups
                .map((g) => `(time() - max by (app, dataset) (${METRICS.backupLastSuccess}{${c.sel}, ${oneOf("dataset", g.datasets)}})) / ${g.seconds}`)
                .join(" or "),
    },
};

/**
 * Signals only CloudWatch evaluates on AWS: their alarm replaces the Prometheus rule (ECS Fargate
 * has no cAdvisor or node_exporter; AWS Backup pushes no backup metric). Other signals may get a
 * CloudWatch alarm beside their rule: capabilities/aws/alarms.ts `CLOUDWATCH_ALARM_SIGNALS`.
 */
export const CLOUDWATCH_ONLY_SIGNALS = [
    "cpu_usage",
    "memory_usage",
    "disk_usage",
    "backup_age",
    // The collector's one postgres_exporter logs in to the primary: RDS's ReplicaLag per read replica is the lag.
    "postgres_replication_lag",
    // Amazon MQ exposes no Prometheus endpoint to scrape: its per-broker and per-queue CloudWatch metrics are its signals.
    ...RABBITMQ_CLOUDWATCH_SIGNALS,
    // The buckets are S3, which serves no Prometheus metrics: its request metrics are the 5xx share.
    ...OBJECT_STORAGE_CLOUDWATCH_SIGNALS,
] as const satisfies readonly Signal[];
export type CloudWatchOnlySignal = (typeof CLOUDWATCH_ONLY_SIGNALS)[number];

/** The CloudWatch metric (percent of the task's reservation) each of those alarms should read. */
export const CLOUDWATCH_METRICS: Readonly<Record<CloudWatchOnlySignal, { namespace: string; metric: string; note: string }>> = {
    cpu_usage: { namespace: "AWS/ECS", metric: "CPUUtilization", note: "per service, percent of the task CPU" },
    memory_usage: { namespace: "AWS/ECS", metric: "MemoryUtilization", note: "per service, percent of the task memory" },
    disk_usage: {
        namespace: "ECS/ContainerInsights",
        metric: "EphemeralStorageUtilized",
        note: "divide by EphemeralStorageReserved (metric math) for a percentage; needs Container Insights",
    },
    // AWS Backup runs the production backups and publishes no Prometheus metric; a backup is
    // overdue when no job completed for the dataset's resources within the threshold's intervals.
    backup_age: { namespace: "AWS/Backup", metric: "NumberOfBackupJobsCompleted", note: "per backup vault; alarm when the sum over (interval × threshold) is below 1, missing data breaching" },
    ...RABBITMQ_CLOUDWATCH_METRICS,
    ...OBJECT_STORAGE_CLOUDWATCH_METRICS,
    // The collector's one postgres_exporter logs in to the primary, which replays nothing (its lag is
    // always 0): RDS reports each read replica's own lag behind the primary.
    postgres_replication_lag: { namespace: "AWS/RDS", metric: "ReplicaLag", note: "per read replica (DBInstanceIdentifier), seconds behind the primary" },
};

/** A dashboard panel's CloudWatch metric math, where a signal's series on AWS are CloudWatch's and no resource name is needed to find them. */
export interface CloudWatchPanel {
    readonly expression: string;
    readonly label: string;
    readonly period: number;
}
/** The panels AWS dashboards read from CloudWatch; the other CloudWatch-only signals keep the contract's PromQL panel. */
export const CLOUDWATCH_PANELS: Readonly<Partial<Record<CloudWatchOnlySignal, CloudWatchPanel>>> = { ...RABBITMQ_CLOUDWATCH_PANELS, ...OBJECT_STORAGE_CLOUDWATCH_PANELS };

/** Whether the signal is a per-scrape rate (its window is ALERT_READING): its rules bridge one clean reading (rules.ts `conditionExpr`). */
export function readsPerScrape(signal: Signal): boolean {
    return SIGNAL_SPECS[signal].window === ALERT_READING;
}

export function isCloudWatchOnlySignal(signal: Signal): signal is CloudWatchOnlySignal {
    return (CLOUDWATCH_ONLY_SIGNALS as readonly Signal[]).includes(signal);
}

/** The runbook's alerts and the platform's defaults (baseline.ts), split by who evaluates them on a target. */
export function alertsOn(runbook: Runbook, target: Target): { prometheus: Alert[]; cloudwatch: Alert[] } {
    const alerts = allAlerts(runbook).filter((a) => (SIGNAL_SPECS[a.signal].onlyOn?.includes(target) ?? true) && (alertTargets(a)?.includes(target) ?? true));
    const cloudwatch = target === "aws" ? alerts.filter((a) => isCloudWatchOnlySignal(a.signal)) : [];
    return { prometheus: alerts.filter((a) => !cloudwatch.includes(a)), cloudwatch };
}

/** The `component` values an alert's series carry; empty for host- and backup-scoped signals. */
export function scopeComponents(runbook: Runbook, alert: Pick<Alert, "id" | "signal" | "subject">): string[] {
    const spec = SIGNAL_SPECS[alert.signal];
    const where = `${runbook.app} alert ${alert.id}`;
    // `tls` names the certificate check, not a service: it covers every public host.
    const subject = alert.subject === "tls" ? undefined : alert.subject;
    const services = (keep: (s: Runbook["services"][number]) => boolean, what: string) => {
        const names = runbook.services.filter((s) => (subject ? s.name === subject : true) && keep(s)).map((s) => s.name);
        if (names.length === 0) throw new Error(`${where}: \`subject\` ${subject ?? "(every service)"} leaves no service ${what}`);
        return names;
    };
    switch (spec.scope) {
        case "services":
            return services(() => true, "to watch");
        case "metrics-services":
            return services((s) => s.metricsPath !== undefined, "with a `metricsPath`");
        case "tls-services":
            return services((s) => s.host !== undefined, "with a `host` to check a certificate on");
        case "data": {
            const service = subject ?? spec.dataService;
            // The backup store is a MinIO the target runs whatever the runbook's `data` (baseline.ts).
            const runs = service !== undefined && (service in runbook.data || (service === spec.dataService && service === OBJECT_STORAGE_COMPONENT && isBackupStoreAlert(alert)));
            if (!runs) throw new Error(`${where}: data service ${service} is not in \`data\``);
            return [service];
        }
        case "external": {
            if (!subject || !runbook.externalDependencies.some((d) => d.name === subject)) {
                throw new Error(`${where}: \`subject\` must name an external dependency`);
            }
            return [subject];
        }
        case "external-calls": {
            if (!subject || !runbook.externalDependencies.some((d) => d.name === subject)) {
                throw new Error(`${where}: \`subject\` must name an external dependency`);
            }
            const callers = runbook.services.filter((s) => s.metricsPath !== undefined).map((s) => s.name);
            if (callers.length === 0) throw new Error(`${where}: no service has a \`metricsPath\` to count its calls to ${subject}`);
            return callers;
        }
        case "hosts":
        case "backups":
            return [];
    }
}

/** Label matchers for an alert's series. */
export function alertSelector(runbook: Runbook, alert: Alert): string {
    const components = scopeComponents(runbook, alert);
    if (alert.signal === "kafka_consumer_lag") return kafkaSelector(runbook, true);
    if (SIGNAL_SPECS[alert.signal].scope === "external-calls") {
        const dep = runbook.externalDependencies.find((d) => d.name === alert.subject);
        return [`app="${runbook.app}"`, oneOf("component", components), `${CLIENT_LABELS.server}="${new URL(dep!.url).hostname}"`].join(", ");
    }
    const narrower = SIGNAL_SPECS[alert.signal].selector;
    if (narrower) return narrower(runbook);
    return [`app="${runbook.app}"`, ...(components.length ? [oneOf("component", components)] : [])].join(", ");
}

export function queryContext(runbook: Runbook, sel: string): QueryContext {
    const byInterval = new Map<number, string[]>();
    for (const b of runbookBackups(runbook)) {
        const s = durationSeconds(b.every);
        // A tier is its own series (`dataset` = `<dataset>-<tier>`, as the backup jobs push it), with its own interval.
        byInterval.set(s, [...(byInterval.get(s) ?? []), tierName(b.dataset, b.tier)]);
    }
    return {
        sel,
        http: httpMetricNames(metricNaming(runbook)),
        minRequestsPerSecond: String(minRequestsPerSecond(runbook)),
        minErrorsPerMinute: String(minErrorsPerMinute(runbook)),
        slowQuerySeconds: String((runbook.data.postgres?.slowQueryMs ?? NaN) / 1000),
        backupGroups: [...byInterval.entries()].sort(([a], [b]) => a - b).map(([seconds, datasets]) => ({ datasets, seconds: String(seconds) })),
        ...(runbook.data.kafka
            ? { kafka: { brokers: String(runbook.data.kafka.brokers), minInsync: String(runbook.data.kafka.minInsyncReplicas), topics: oneOf("topic", runbook.data.kafka.topics.map((t) => t.name)) } }
            : {}),
    };
}

/** The PromQL whose value is the alert's signal in its unit, one series per alert instance. */
export function signalQuery(runbook: Runbook, alert: Alert): string {
    const spec = SIGNAL_SPECS[alert.signal];
    if (alert.unit !== spec.unit) {
        throw new Error(`${runbook.app} alert ${alert.id}: \`unit\` is ${alert.unit}, but signal ${alert.signal} is measured in ${spec.unit}`);
    }
    if (isLatencySignal(alert.signal)) latencyBuckets(runbook);
    if (alert.signal === "postgres_slow_queries" && !runbook.data.postgres) {
        throw new Error(`${runbook.app} alert ${alert.id}: slow queries need \`data.postgres.slowQueryMs\``);
    }
    const context = queryContext(runbook, alertSelector(runbook, alert));
    return spec.value(spec.scope === "external-calls" ? { ...context, dependency: alert.subject } : context);
}
