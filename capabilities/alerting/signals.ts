import { SIGNALS, durationSeconds, type Alert, type AppId, type Env, type Runbook, type Signal, type Unit } from "../../runbooks";

/**
 * The metrics contract: for every runbook signal, which standard exporter provides which metric,
 * and the PromQL that turns those metrics into the signal's value in the signal's unit. Rules,
 * promtool tests, dashboards, the exporter list and the docs table are all read from here.
 */

export const TARGETS = ["docker", "kubernetes", "aws"] as const;
export type Target = (typeof TARGETS)[number];

/** The target each environment runs on unless its stack says otherwise. */
export const DEFAULT_TARGET: Readonly<Record<Env, Target>> = { local: "docker", staging: "kubernetes", production: "aws" };

/**
 * Target labels on every series the rules read. The scrape config (or, for pushed backup
 * metrics, the pusher) sets them, so one rule file scopes correctly on every target:
 * `app` is the app id, `component` the service, data service or dependency the target watches.
 */
export const SCOPE_LABELS = ["app", "component"] as const;

/** Rates and ratios are taken over this window: five scrapes at the slowest interval we run. */
export const RATE_WINDOW = "5m";
/**
 * Counts the runbooks give "per minute" (auth failures > 10/minute) are counted over one minute,
 * four scrapes: a burst of 40 in one minute fires, where a 5-minute average would read 8.
 */
export const PER_MINUTE_WINDOW = "1m";
/** Scrape and probe interval the contract assumes; the promtool tests sample at this step. */
export const SCRAPE_INTERVAL = "15s";

export type ExporterId = "blackbox" | "app" | "postgres" | "redis" | "kafka" | "mongodb" | "cadvisor" | "node" | "pushgateway";

export interface ExporterInfo {
    readonly name: string;
    readonly image: string;
    /** Flags the exporter needs for the metrics below (collectors that are off by default). */
    readonly flags: readonly string[];
    /** How its series get the `app` and `component` labels. */
    readonly labelling: string;
}

export const EXPORTERS: Readonly<Record<ExporterId, ExporterInfo>> = {
    blackbox: {
        name: "blackbox_exporter",
        image: "prom/blackbox-exporter",
        flags: [],
        labelling: "one scrape target per probe; the probe's `app`, `component` and `probe` (health, tls, external) are static target labels",
    },
    app: {
        name: "the app's own /metrics (prom-client)",
        image: "the app's image",
        flags: [],
        labelling: "static target labels per service",
    },
    postgres: {
        name: "postgres_exporter",
        image: "quay.io/prometheuscommunity/postgres-exporter",
        flags: ["--collector.stat_statements"],
        labelling: "static target labels, component=postgres",
    },
    redis: { name: "redis_exporter", image: "oliver006/redis_exporter", flags: [], labelling: "static target labels, component=redis" },
    kafka: { name: "kafka_exporter", image: "danielqsj/kafka-exporter", flags: [], labelling: "static target labels, component=kafka" },
    mongodb: {
        name: "mongodb_exporter (Percona)",
        image: "percona/mongodb_exporter",
        flags: ["--collector.diagnosticdata", "--collector.replicasetstatus"],
        labelling: "static target labels, component=mongodb",
    },
    cadvisor: {
        name: "cAdvisor",
        image: "gcr.io/cadvisor/cadvisor",
        flags: [],
        labelling: "metric relabelling: Docker copies the container labels `app`/`component`, Kubernetes the pod labels, onto each container's series",
    },
    node: { name: "node_exporter", image: "prom/node-exporter", flags: [], labelling: "static target label `app` on the hosts that run the app" },
    pushgateway: {
        name: "Pushgateway (backup jobs push)",
        image: "prom/pushgateway",
        flags: [],
        labelling: "each backup job pushes with grouping labels `app` and `dataset`; scraped with honor_labels",
    },
};

export const METRICS = {
    probeSuccess: "probe_success",
    probeDuration: "probe_duration_seconds",
    certExpiry: "probe_ssl_earliest_cert_expiry",
    pgUp: "pg_up",
    pgConnections: "pg_stat_activity_count",
    pgMaxConnections: "pg_settings_max_connections",
    pgCalls: "pg_stat_statements_calls_total",
    pgSeconds: "pg_stat_statements_seconds_total",
    mongoUp: "mongodb_up",
    mongoConnections: "mongodb_ss_connections",
    mongoLatencyMicros: "mongodb_ss_opLatencies_latency",
    mongoOps: "mongodb_ss_opLatencies_ops",
    mongoOptimeMillis: "mongodb_rs_members_optimeDate",
    redisUp: "redis_up",
    redisHits: "redis_keyspace_hits_total",
    redisMisses: "redis_keyspace_misses_total",
    redisUsed: "redis_memory_used_bytes",
    redisMax: "redis_memory_max_bytes",
    kafkaLag: "kafka_consumergroup_lag",
    kafkaTopicOffset: "kafka_topic_partition_current_offset",
    kafkaGroupOffset: "kafka_consumergroup_current_offset",
    containerMemory: "container_memory_working_set_bytes",
    containerMemoryLimit: "container_spec_memory_limit_bytes",
    containerCpu: "container_cpu_usage_seconds_total",
    containerCpuQuota: "container_spec_cpu_quota",
    containerCpuPeriod: "container_spec_cpu_period",
    fsAvail: "node_filesystem_avail_bytes",
    fsSize: "node_filesystem_size_bytes",
    backupLastSuccess: "backup_last_success_timestamp_seconds",
} as const;

/** Lock modes on the Global resource; Percona's exporter flattens serverStatus.locks into one metric per mode. */
export const MONGO_LOCK_MODES = ["r", "w", "R", "W"] as const;
export const MONGO_LOCK_WAIT_MICROS = MONGO_LOCK_MODES.map((m) => `mongodb_ss_locks_Global_timeAcquiringMicros_${m}`);
export const MONGO_LOCK_WAITS = MONGO_LOCK_MODES.map((m) => `mongodb_ss_locks_Global_acquireWaitCount_${m}`);

/** Filesystems that are not the host's disk: their fill level says nothing about running out of space. */
export const IGNORED_FSTYPES = ["tmpfs", "overlay", "squashfs"] as const;

/**
 * How each app names its HTTP metrics. pfm-community's runbook names its own (`pfm_http_*`, with a
 * separate error counter); the others follow prom-client conventions with no prefix and the status
 * code as a `status` label on the request counter. Every app also counts failed logins in
 * `<prefix>auth_failures_total`: that counter is part of the app contract.
 */
export interface AppMetricNaming {
    readonly prefix: string;
    /** `error-counter`: 5xx answers are counted again in `<prefix>http_errors_total{status}`. */
    readonly errors: "status-label" | "error-counter";
    readonly why: string;
}

export const APP_METRIC_NAMING: Readonly<Record<AppId, AppMetricNaming>> = {
    "pfm-community": { prefix: "pfm_", errors: "error-counter", why: "the runbook lists pfm_http_requests_total, pfm_http_request_duration_seconds, pfm_http_errors_total" },
    "formula-pm": { prefix: "", errors: "status-label", why: "the runbook names no metrics; prom-client conventions" },
    "personal-finance-hub": { prefix: "", errors: "status-label", why: "the runbook greps http_request_duration from /api/metrics; prom-client conventions" },
    bunty: { prefix: "", errors: "status-label", why: "the runbook names no metrics; prom-client conventions" },
    gravitypm: { prefix: "", errors: "status-label", why: "the runbook names no metrics; prom-client conventions" },
};

export interface HttpMetricNames {
    readonly requests: string;
    /** The counter whose `status=~"5.."` series are the failed requests. */
    readonly errors: string;
    /** Histogram base name; the series read are `<duration>_bucket`. */
    readonly duration: string;
    readonly authFailures: string;
}

export function httpMetricNames(naming: AppMetricNaming): HttpMetricNames {
    const p = naming.prefix;
    return {
        requests: `${p}http_requests_total`,
        errors: naming.errors === "error-counter" ? `${p}http_errors_total` : `${p}http_requests_total`,
        duration: `${p}http_request_duration_seconds`,
        authFailures: `${p}auth_failures_total`,
    };
}

/** prom-client's default histogram buckets, seconds. */
export const DEFAULT_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/**
 * The app's latency histogram buckets: prom-client's defaults plus every p95 threshold the runbook
 * alerts on, so the quantile estimate changes bucket exactly at the threshold.
 */
export function latencyBuckets(runbook: Runbook): number[] {
    const thresholds = runbook.alerts.filter((a) => a.signal === "http_latency_p95").flatMap((a) => a.levels.map((l) => l.threshold));
    return [...new Set([...DEFAULT_LATENCY_BUCKETS, ...thresholds])].sort((a, b) => a - b);
}

export type Family = "api" | "database" | "cache" | "kafka" | "infrastructure" | "business";

/**
 * Which components a signal's series are scoped to:
 * `services`: the app services (or the alert's subject service); `metrics-services`: those with a
 * metrics endpoint; `tls-services`: those with a public host; `data`: the data service;
 * `external`: the alert's external dependency; `hosts`: the app's hosts; `backups`: the app's datasets.
 */
export type Scope = "services" | "metrics-services" | "tls-services" | "data" | "external" | "hosts" | "backups";

export interface QueryContext {
    /** Label matchers scoping the series to the alert, without braces: `app="x", component=~"a|b"`. */
    readonly sel: string;
    readonly http: HttpMetricNames;
    /** The runbook's slow-query threshold, in seconds, as a PromQL number. */
    readonly slowQuerySeconds: string;
    /** The runbook's backup datasets grouped by interval, in seconds. */
    readonly backupGroups: readonly { readonly datasets: readonly string[]; readonly seconds: string }[];
}

export interface SignalSpec {
    readonly unit: Unit;
    readonly exporter: ExporterId;
    readonly family: Family;
    readonly scope: Scope;
    /** The data service a `data` signal watches when the alert names no subject. */
    readonly dataService?: "postgres" | "redis" | "kafka" | "mongodb";
    /** Labels that tell one alert instance from another; the value expression keeps exactly these. */
    readonly identity: readonly string[];
    /** The window a rate or average is taken over; absent for gauges read as they are. */
    readonly window?: string;
    readonly metrics: (http: HttpMetricNames) => readonly string[];
    /** How the value is measured, one line for the docs. */
    readonly how: string;
    readonly value: (c: QueryContext) => string;
}

const SVC = ["app", "component"] as const;
const INSTANCE = ["app", "component", "instance"] as const;
const W = RATE_WINDOW;
const by = (labels: readonly string[]) => labels.join(", ");
const notFs = `fstype!~"${IGNORED_FSTYPES.join("|")}"`;

/**
 * What a signal's own entry says: its unit, the window (for rates and averages), the metrics it
 * reads, how it is measured, and the PromQL. Everything else in a SignalSpec follows from where its
 * series come from, which the builders below state once per exporter, so an entry is only its facts.
 */
type SignalFacts = Pick<SignalSpec, "unit" | "window" | "metrics" | "how" | "value">;

type DataService = NonNullable<SignalSpec["dataService"]>;

/** The family each data service's signals are charted under. */
const DATA_FAMILY: Readonly<Record<DataService, Family>> = { postgres: "database", mongodb: "database", redis: "cache", kafka: "kafka" };

/** Read from blackbox probes: one series per probed service, public host or dependency (`component`), whichever the scope names. */
function probed(scope: "services" | "tls-services" | "external", family: Family, facts: SignalFacts): SignalSpec {
    return { ...facts, exporter: "blackbox", family, scope, identity: SVC };
}

/** Read from the app's own /metrics: per service that has a metrics endpoint. */
function appMetric(facts: SignalFacts): SignalSpec {
    return { ...facts, exporter: "app", family: "api", scope: "metrics-services", identity: SVC };
}

/**
 * Read from a data service's exporter, scoped to the alert's subject or else that service. Per
 * instance (one alert per server or node) unless the signal keeps other labels: a ratio over the
 * whole service, or one series per replica-set member or consumer group.
 */
function dataMetric(service: DataService, facts: SignalFacts & { readonly identity?: readonly string[] }): SignalSpec {
    return { identity: INSTANCE, ...facts, exporter: service, family: DATA_FAMILY[service], scope: "data", dataService: service };
}

/** Read from cAdvisor: each service container against its own limit. */
function containerMetric(facts: SignalFacts): SignalSpec {
    return { ...facts, exporter: "cadvisor", family: "infrastructure", scope: "services", identity: SVC };
}

/** `1` while a data service's exporter cannot reach one of its instances (the exporter's `up` gauge is 0). */
function unreachable(up: string, how: string): SignalFacts {
    return { unit: "bool", metrics: () => [up], how, value: (c) => `1 - max by (${by(INSTANCE)}) (${up}{${c.sel}})` };
}

/** `1` while a blackbox probe of the component fails; for a service's /health, the probe of any one replica. */
function probeFails(probe: "health" | "external", how: string): SignalFacts {
    return { unit: "bool", metrics: () => [METRICS.probeSuccess], how, value: (c) => `1 - min by (${by(SVC)}) (${METRICS.probeSuccess}{${c.sel}, probe="${probe}"})` };
}

export const SIGNAL_SPECS: Readonly<Record<Signal, SignalSpec>> = {
    service_down: probed("services", "infrastructure", probeFails("health", "1 while the /health probe of any replica fails")),
    availability: probed("services", "api", {
        unit: "percent",
        window: "1h",
        metrics: () => [METRICS.probeSuccess],
        how: "share of successful /health probes over the last hour",
        value: (c) => `100 * avg by (${by(SVC)}) (avg_over_time(${METRICS.probeSuccess}{${c.sel}, probe="health"}[1h]))`,
    }),
    http_error_rate: appMetric({
        unit: "percent",
        window: W,
        metrics: (h) => [...new Set([h.requests, h.errors])],
        how: "5xx answers as a share of all requests",
        value: (c) =>
            `100 * sum by (${by(SVC)}) (rate(${c.http.errors}{${c.sel}, status=~"5.."}[${W}])) / sum by (${by(SVC)}) (rate(${c.http.requests}{${c.sel}}[${W}]))`,
    }),
    http_latency_p95: appMetric({
        unit: "seconds",
        window: W,
        metrics: (h) => [`${h.duration}_bucket`],
        how: "95th percentile estimated from the request-duration histogram",
        value: (c) => `histogram_quantile(0.95, sum by (${by(SVC)}, le) (rate(${c.http.duration}_bucket{${c.sel}}[${W}])))`,
    }),
    auth_failures: appMetric({
        unit: "per_minute",
        window: PER_MINUTE_WINDOW,
        metrics: (h) => [h.authFailures],
        how: "failed logins counted by the app in the last minute",
        value: (c) => `sum by (${by(SVC)}) (increase(${c.http.authFailures}{${c.sel}}[${PER_MINUTE_WINDOW}]))`,
    }),
    postgres_down: dataMetric("postgres", unreachable(METRICS.pgUp, "1 while the exporter cannot query the server")),
    postgres_pool_usage: dataMetric("postgres", {
        unit: "percent",
        metrics: () => [METRICS.pgConnections, METRICS.pgMaxConnections],
        how: "backends of every state as a share of max_connections",
        value: (c) => `100 * sum by (${by(INSTANCE)}) (${METRICS.pgConnections}{${c.sel}}) / max by (${by(INSTANCE)}) (${METRICS.pgMaxConnections}{${c.sel}})`,
    }),
    postgres_slow_queries: dataMetric("postgres", {
        unit: "per_minute",
        window: PER_MINUTE_WINDOW,
        metrics: () => [METRICS.pgCalls, METRICS.pgSeconds],
        how: "calls in the last minute of statements (pg_stat_statements queryid) whose mean time over that minute exceeds the runbook's slow-query threshold",
        value: (c) => {
            const m = PER_MINUTE_WINDOW;
            return `sum by (${by(INSTANCE)}) (increase(${METRICS.pgCalls}{${c.sel}}[${m}]) and (rate(${METRICS.pgSeconds}{${c.sel}}[${m}]) / rate(${METRICS.pgCalls}{${c.sel}}[${m}]) > ${c.slowQuerySeconds}))`;
        },
    }),
    mongodb_down: dataMetric("mongodb", unreachable(METRICS.mongoUp, "1 while the exporter cannot reach the member")),
    mongodb_connections_usage: dataMetric("mongodb", {
        unit: "percent",
        metrics: () => [METRICS.mongoConnections],
        how: "current connections as a share of current + available",
        value: (c) => {
            const conn = (type: string) => `max by (${by(INSTANCE)}) (${METRICS.mongoConnections}{${c.sel}, conn_type="${type}"})`;
            return `100 * ${conn("current")} / (${conn("current")} + ${conn("available")})`;
        },
    }),
    mongodb_query_time: dataMetric("mongodb", {
        unit: "seconds",
        window: W,
        metrics: () => [METRICS.mongoLatencyMicros, METRICS.mongoOps],
        how: "mean latency of reads and writes (serverStatus.opLatencies, microseconds) per operation",
        value: (c) => {
            const rw = `${c.sel}, op_type=~"reads|writes"`;
            return `sum by (${by(INSTANCE)}) (rate(${METRICS.mongoLatencyMicros}{${rw}}[${W}])) / sum by (${by(INSTANCE)}) (rate(${METRICS.mongoOps}{${rw}}[${W}])) / 1e6`;
        },
    }),
    mongodb_replication_lag: dataMetric("mongodb", {
        unit: "seconds",
        identity: ["app", "component", "member_idx"],
        metrics: () => [METRICS.mongoOptimeMillis],
        how: "primary's optime minus each secondary's (replSetGetStatus, milliseconds)",
        value: (c) =>
            `(max by (${by(SVC)}) (${METRICS.mongoOptimeMillis}{${c.sel}, member_state="PRIMARY"}) - on (${by(SVC)}) group_right min by (${by(SVC)}, member_idx) (${METRICS.mongoOptimeMillis}{${c.sel}, member_state="SECONDARY"})) / 1000`,
    }),
    mongodb_lock_wait: dataMetric("mongodb", {
        unit: "seconds",
        window: W,
        metrics: () => [...MONGO_LOCK_WAIT_MICROS, ...MONGO_LOCK_WAITS],
        how: "mean wait per acquisition that had to wait, in the worst mode of the Global lock (serverStatus.locks, microseconds)",
        // One ratio per mode, tagged with the mode so `or` keeps them all: rate() drops the metric
        // name, and the modes' series would otherwise collide.
        value: (c) =>
            `max by (${by(INSTANCE)}) (${MONGO_LOCK_MODES.map(
                (m, i) => `label_replace(rate(${MONGO_LOCK_WAIT_MICROS[i]}{${c.sel}}[${W}]) / rate(${MONGO_LOCK_WAITS[i]}{${c.sel}}[${W}]), "mode", "${m}", "", "")`,
            ).join(" or ")}) / 1e6`,
    }),
    redis_down: dataMetric("redis", unreachable(METRICS.redisUp, "1 while the exporter cannot reach the node")),
    redis_hit_rate: dataMetric("redis", {
        unit: "percent",
        identity: SVC,
        window: W,
        metrics: () => [METRICS.redisHits, METRICS.redisMisses],
        how: "keyspace hits as a share of hits + misses",
        value: (c) => {
            const r = (m: string) => `sum by (${by(SVC)}) (rate(${m}{${c.sel}}[${W}]))`;
            return `100 * ${r(METRICS.redisHits)} / (${r(METRICS.redisHits)} + ${r(METRICS.redisMisses)})`;
        },
    }),
    redis_memory_usage: dataMetric("redis", {
        unit: "percent",
        metrics: () => [METRICS.redisUsed, METRICS.redisMax],
        how: "used memory as a share of maxmemory, per node",
        value: (c) => `100 * max by (${by(INSTANCE)}) (${METRICS.redisUsed}{${c.sel}}) / max by (${by(INSTANCE)}) (${METRICS.redisMax}{${c.sel}} > 0)`,
    }),
    kafka_consumer_lag: dataMetric("kafka", {
        unit: "messages",
        identity: ["app", "component", "consumergroup", "topic"],
        metrics: () => [METRICS.kafkaLag],
        how: "messages behind, summed over the topic's partitions, for the runbook's groups and topics",
        value: (c) => `sum by (app, component, consumergroup, topic) (${METRICS.kafkaLag}{${c.sel}})`,
    }),
    memory_usage: containerMetric({
        unit: "percent",
        metrics: () => [METRICS.containerMemory, METRICS.containerMemoryLimit],
        how: "working set of the fullest replica as a share of its memory limit",
        value: (c) => `100 * max by (${by(SVC)}) (${METRICS.containerMemory}{${c.sel}} / (${METRICS.containerMemoryLimit}{${c.sel}} > 0))`,
    }),
    cpu_usage: containerMetric({
        unit: "percent",
        window: W,
        metrics: () => [METRICS.containerCpu, METRICS.containerCpuQuota, METRICS.containerCpuPeriod],
        how: "CPU seconds per second of the busiest replica as a share of its CPU limit (quota / period)",
        value: (c) =>
            `100 * max by (${by(SVC)}) (rate(${METRICS.containerCpu}{${c.sel}}[${W}]) / ignoring (cpu) ((${METRICS.containerCpuQuota}{${c.sel}} > 0) / ${METRICS.containerCpuPeriod}{${c.sel}}))`,
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
    external_latency: probed("external", "api", {
        unit: "seconds",
        metrics: () => [METRICS.probeDuration],
        how: "duration of the dependency's probe",
        value: (c) => `max by (${by(SVC)}) (${METRICS.probeDuration}{${c.sel}, probe="external"})`,
    }),
    certificate_expiry: probed("tls-services", "infrastructure", {
        unit: "days",
        metrics: () => [METRICS.certExpiry],
        how: "days until the earliest certificate served on the public host expires",
        value: (c) => `min by (${by(SVC)}) (${METRICS.certExpiry}{${c.sel}, probe="tls"} - time()) / 86400`,
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

/** Charts without an alert: request volume everywhere, and the transaction stream where the app has Kafka. */
export interface ChartSpec {
    readonly title: string;
    readonly exporter: ExporterId;
    readonly family: Family;
    /** Grafana unit id. */
    readonly unit: string;
    readonly legend: string;
    readonly metrics: (http: HttpMetricNames) => readonly string[];
    readonly value: (runbook: Runbook, http: HttpMetricNames) => string;
    readonly applies: (runbook: Runbook) => boolean;
    /** When `applies` holds, in words, for the docs. */
    readonly when: string;
}

export const CHART_SPECS = {
    request_rate: {
        title: "Requests per second",
        exporter: "app",
        family: "api",
        unit: "reqps",
        legend: "{{component}}",
        metrics: (h) => [h.requests],
        value: (rb, h) => `sum by (${by(SVC)}) (rate(${h.requests}{${metricsServicesSelector(rb)}}[${W}]))`,
        applies: (rb) => rb.services.some((s) => s.metricsPath),
        when: "a service has a metricsPath",
    },
    transactions_produced: {
        title: "Transactions produced per second",
        exporter: "kafka",
        family: "business",
        unit: "short",
        legend: "{{topic}}",
        metrics: () => [METRICS.kafkaTopicOffset],
        value: (rb) => `sum by (app, topic) (rate(${METRICS.kafkaTopicOffset}{${kafkaSelector(rb, false)}}[${W}]))`,
        applies: (rb) => rb.data.kafka !== undefined,
        when: "the runbook has Kafka: its topics (personal-finance-hub: personal_finance.transactions.v1) carry the transactions",
    },
    transactions_consumed: {
        title: "Transactions processed per second",
        exporter: "kafka",
        family: "business",
        unit: "short",
        legend: "{{consumergroup}} / {{topic}}",
        metrics: () => [METRICS.kafkaGroupOffset],
        value: (rb) => `sum by (app, consumergroup, topic) (rate(${METRICS.kafkaGroupOffset}{${kafkaSelector(rb, true)}}[${W}]))`,
        applies: (rb) => rb.data.kafka !== undefined,
        when: "the runbook has Kafka: its consumer groups (pfh-dashboard-consumer) process the transactions",
    },
} satisfies Record<string, ChartSpec>;
export type ChartId = keyof typeof CHART_SPECS;

export function chartsFor(runbook: Runbook): ChartId[] {
    return (Object.keys(CHART_SPECS) as ChartId[]).filter((id) => CHART_SPECS[id].applies(runbook));
}

/** Signals whose CloudWatch alarm replaces the Prometheus rule on AWS: ECS Fargate has no cAdvisor or node_exporter. */
export const CLOUDWATCH_SIGNALS = ["cpu_usage", "memory_usage", "disk_usage", "backup_age"] as const satisfies readonly Signal[];
export type CloudWatchSignal = (typeof CLOUDWATCH_SIGNALS)[number];

/** The CloudWatch metric (percent of the task's reservation) each of those alarms should read. */
export const CLOUDWATCH_METRICS: Readonly<Record<CloudWatchSignal, { namespace: string; metric: string; note: string }>> = {
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
};

export function isCloudWatchSignal(signal: Signal): signal is CloudWatchSignal {
    return (CLOUDWATCH_SIGNALS as readonly Signal[]).includes(signal);
}

/** The runbook's alerts split by who evaluates them on a target. */
export function alertsOn(runbook: Runbook, target: Target): { prometheus: Alert[]; cloudwatch: Alert[] } {
    const cloudwatch = target === "aws" ? runbook.alerts.filter((a) => isCloudWatchSignal(a.signal)) : [];
    return { prometheus: runbook.alerts.filter((a) => !cloudwatch.includes(a)), cloudwatch };
}

/** `label="v"` for one value, `label=~"a|b"` (regex-escaped) for several. */
export function oneOf(label: string, values: readonly string[]): string {
    if (values.length === 0) throw new Error(`no values for label ${label}`);
    if (values.length === 1) return `${label}="${values[0]}"`;
    return `${label}=~"${values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\\\$&")).join("|")}"`;
}

function kafkaSelector(runbook: Runbook, withGroups: boolean): string {
    const kafka = runbook.data.kafka;
    if (!kafka) throw new Error(`${runbook.app}: data.kafka is required for Kafka series`);
    const parts = [`app="${runbook.app}"`, `component="kafka"`];
    if (withGroups) parts.push(oneOf("consumergroup", kafka.consumerGroups));
    parts.push(oneOf("topic", kafka.topics.map((t) => t.name)));
    return parts.join(", ");
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
            if (!service || !(service in runbook.data)) throw new Error(`${where}: data service ${service} is not in \`data\``);
            return [service];
        }
        case "external": {
            if (!subject || !runbook.externalDependencies.some((d) => d.name === subject)) {
                throw new Error(`${where}: \`subject\` must name an external dependency`);
            }
            return [subject];
        }
        case "hosts":
        case "backups":
            return [];
    }
}

function metricsServicesSelector(runbook: Runbook): string {
    const names = runbook.services.filter((s) => s.metricsPath).map((s) => s.name);
    return [`app="${runbook.app}"`, oneOf("component", names)].join(", ");
}

/** Label matchers for an alert's series. */
export function alertSelector(runbook: Runbook, alert: Alert): string {
    const components = scopeComponents(runbook, alert);
    if (SIGNAL_SPECS[alert.signal].scope === "data" && components[0] === "kafka") return kafkaSelector(runbook, true);
    return [`app="${runbook.app}"`, ...(components.length ? [oneOf("component", components)] : [])].join(", ");
}

export function queryContext(runbook: Runbook, sel: string): QueryContext {
    const byInterval = new Map<number, string[]>();
    for (const b of runbook.backups) {
        const s = durationSeconds(b.every);
        byInterval.set(s, [...(byInterval.get(s) ?? []), b.dataset]);
    }
    return {
        sel,
        http: httpMetricNames(APP_METRIC_NAMING[runbook.app]),
        slowQuerySeconds: String((runbook.data.postgres?.slowQueryMs ?? NaN) / 1000),
        backupGroups: [...byInterval.entries()].sort(([a], [b]) => a - b).map(([seconds, datasets]) => ({ datasets, seconds: String(seconds) })),
    };
}

/** The PromQL whose value is the alert's signal in its unit, one series per alert instance. */
export function signalQuery(runbook: Runbook, alert: Alert): string {
    const spec = SIGNAL_SPECS[alert.signal];
    if (alert.unit !== spec.unit) {
        throw new Error(`${runbook.app} alert ${alert.id}: \`unit\` is ${alert.unit}, but signal ${alert.signal} is measured in ${spec.unit}`);
    }
    if (alert.signal === "postgres_slow_queries" && !runbook.data.postgres) {
        throw new Error(`${runbook.app} alert ${alert.id}: slow queries need \`data.postgres.slowQueryMs\``);
    }
    return spec.value(queryContext(runbook, alertSelector(runbook, alert)));
}

export interface ProbeTarget {
    readonly probe: "health" | "tls" | "external";
    readonly component: string;
    /** blackbox module, see BLACKBOX_MODULES. */
    readonly module: keyof typeof BLACKBOX_MODULES;
    /** Absolute URL for tls and external probes; health probes go to the service's own port and path. */
    readonly url?: string;
    readonly port?: number;
    readonly path?: string;
}

/** blackbox_exporter modules the probes use; `http_jsonrpc` asks a Solana-style RPC for its health. */
export const BLACKBOX_MODULES = {
    http_2xx: { prober: "http", timeout: "10s", http: { preferred_ip_protocol: "ip4" } },
    http_jsonrpc: {
        prober: "http",
        timeout: "10s",
        http: {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: '{"jsonrpc":"2.0","id":1,"method":"getHealth"}',
            fail_if_body_not_matches_regexp: ['"result"\\s*:\\s*"ok"'],
            preferred_ip_protocol: "ip4",
        },
    },
} as const;

export interface ExporterRequirement {
    readonly exporter: ExporterId;
    readonly name: string;
    readonly image: string;
    readonly flags: readonly string[];
    readonly labelling: string;
    /** Every metric the rules and dashboards read from it. */
    readonly metrics: readonly string[];
    /** `component` values its targets must carry (empty: scoped by `app` only). */
    readonly components: readonly string[];
    readonly signals: readonly Signal[];
    /** blackbox only: the probes to run. */
    readonly probes?: readonly ProbeTarget[];
    /** app only: histogram buckets the latency histogram must have. */
    readonly latencyBuckets?: readonly number[];
}

/**
 * The exporters an app's alerts and dashboards need, with the metrics each must provide and the
 * components to label, so a target runs and scrapes exactly these. With `target: "aws"`, the
 * signals CloudWatch covers are left out.
 */
export function requiredExporters(runbook: Runbook, target?: Target): ExporterRequirement[] {
    const http = queryContext(runbook, "").http;
    const acc = new Map<ExporterId, { metrics: Set<string>; components: Set<string>; signals: Set<Signal>; probes: ProbeTarget[] }>();
    const entry = (id: ExporterId) => {
        let e = acc.get(id);
        if (!e) {
            e = { metrics: new Set(), components: new Set(), signals: new Set(), probes: [] };
            acc.set(id, e);
        }
        return e;
    };
    const alerts = target ? alertsOn(runbook, target).prometheus : runbook.alerts;
    for (const alert of alerts) {
        const spec = SIGNAL_SPECS[alert.signal];
        const e = entry(spec.exporter);
        spec.metrics(http).forEach((m) => e.metrics.add(m));
        e.signals.add(alert.signal);
        const components = scopeComponents(runbook, alert);
        components.forEach((c) => e.components.add(c));
        if (spec.exporter === "blackbox") e.probes.push(...probesFor(runbook, alert, components));
    }
    for (const id of chartsFor(runbook)) {
        const chart = CHART_SPECS[id];
        const e = entry(chart.exporter);
        chart.metrics(http).forEach((m) => e.metrics.add(m));
        if (chart.exporter === "app") runbook.services.filter((s) => s.metricsPath).forEach((s) => e.components.add(s.name));
        if (chart.exporter === "kafka") e.components.add("kafka");
    }
    return [...acc.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([id, e]) => {
            const info = EXPORTERS[id];
            const probes = uniqueProbes(e.probes);
            return {
                exporter: id,
                name: info.name,
                image: info.image,
                flags: info.flags,
                labelling: info.labelling,
                metrics: [...e.metrics].sort(),
                components: [...e.components].sort(),
                signals: [...e.signals].sort(),
                ...(id === "blackbox" ? { probes } : {}),
                ...(id === "app" && e.signals.has("http_latency_p95") ? { latencyBuckets: latencyBuckets(runbook) } : {}),
            };
        });
}

function probesFor(runbook: Runbook, alert: Alert, components: string[]): ProbeTarget[] {
    const spec = SIGNAL_SPECS[alert.signal];
    if (spec.scope === "external") {
        const dep = runbook.externalDependencies.find((d) => d.name === alert.subject);
        if (!dep) return [];
        return [{ probe: "external", component: dep.name, module: dep.probe === "jsonrpc" ? "http_jsonrpc" : "http_2xx", url: dep.url }];
    }
    return components.map((name) => {
        const service = runbook.services.find((s) => s.name === name);
        if (!service) throw new Error(`${runbook.app} alert ${alert.id}: no service ${name}`);
        return spec.scope === "tls-services"
            ? { probe: "tls" as const, component: name, module: "http_2xx" as const, url: `https://${service.host}${service.healthPath}` }
            : { probe: "health" as const, component: name, module: "http_2xx" as const, port: service.port, path: service.healthPath };
    });
}

function uniqueProbes(probes: ProbeTarget[]): ProbeTarget[] {
    const seen = new Map<string, ProbeTarget>();
    for (const p of probes) seen.set(`${p.probe}/${p.component}`, p);
    return [...seen.values()].sort((a, b) => `${a.probe}/${a.component}`.localeCompare(`${b.probe}/${b.component}`));
}

/** Every metric name an app's rules and charts may read: the contract's vocabulary for that app. */
export function contractMetrics(app: AppId): Set<string> {
    const http = httpMetricNames(APP_METRIC_NAMING[app]);
    const names = new Set<string>();
    for (const spec of Object.values(SIGNAL_SPECS)) spec.metrics(http).forEach((m) => names.add(m));
    for (const chart of Object.values(CHART_SPECS) as ChartSpec[]) chart.metrics(http).forEach((m) => names.add(m));
    return names;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/**
 * The contract as Markdown tables (docs/alerting.md embeds this verbatim; a test keeps them equal).
 * PromQL is shown with `<scope>` for the alert's label matchers and `<prefix>` for the app's
 * HTTP metric prefix.
 */
export function contractMarkdown(): string {
    const generic: QueryContext = {
        sel: "<scope>",
        http: httpMetricNames({ prefix: "<prefix>", errors: "status-label", why: "" }),
        slowQuerySeconds: "<slowQueryMs/1000>",
        backupGroups: [{ datasets: ["<dataset>"], seconds: "<every, seconds>" }],
    };
    const rows = (Object.keys(SIGNAL_SPECS) as Signal[]).map((signal) => {
        const s = SIGNAL_SPECS[signal];
        const aws = isCloudWatchSignal(signal) ? `CloudWatch ${CLOUDWATCH_METRICS[signal].namespace} ${CLOUDWATCH_METRICS[signal].metric}` : "AMP rule";
        return `| \`${signal}\` | ${cell(SIGNALS[signal])} | ${s.unit} | ${cell(EXPORTERS[s.exporter].name)} | ${s.metrics(generic.http).map((m) => `\`${m}\``).join(", ")} | ${cell(s.how)} | \`${cell(s.value(generic))}\` | ${s.identity.join(", ")} | ${aws} |`;
    });
    const naming = (Object.keys(APP_METRIC_NAMING) as AppId[]).map((app) => {
        const h = httpMetricNames(APP_METRIC_NAMING[app]);
        return `| ${app} | \`${h.requests}\` | \`${h.errors}{status=~"5.."}\` | \`${h.duration}\` | \`${h.authFailures}\` | ${cell(APP_METRIC_NAMING[app].why)} |`;
    });
    const charts = (Object.keys(CHART_SPECS) as ChartId[]).map((id) => {
        const c: ChartSpec = CHART_SPECS[id];
        return `| \`${id}\` | ${cell(c.title)} | ${c.family} | ${cell(EXPORTERS[c.exporter].name)} | ${c.metrics(generic.http).map((m) => `\`${m}\``).join(", ")} | ${cell(c.when)} |`;
    });
    const exporters = (Object.keys(EXPORTERS) as ExporterId[]).map((id) => {
        const e = EXPORTERS[id];
        return `| ${cell(e.name)} | \`${e.image}\` | ${e.flags.map((f) => `\`${f}\``).join(" ") || "—"} | ${cell(e.labelling)} |`;
    });
    return [
        "| signal | meaning | unit | exporter | metrics | how | PromQL | alert labels | on AWS |",
        "|---|---|---|---|---|---|---|---|---|",
        ...rows,
        "",
        "| chart (no alert) | title | family | exporter | metrics | shown when |",
        "|---|---|---|---|---|---|",
        ...charts,
        "",
        "| app | requests | 5xx answers | latency histogram | auth failures | why |",
        "|---|---|---|---|---|---|",
        ...naming,
        "",
        "| exporter | image | flags | how series get `app` / `component` |",
        "|---|---|---|---|",
        ...exporters,
    ].join("\n");
}
