import type { Runbook, Signal } from "../../runbooks";
import { DEFAULTS } from "../../runbooks/defaults";
import { durationSeconds } from "../../runbooks/schema";

/**
 * The metrics the contract reads: names, windows, labels and the apps' HTTP metric naming. Which
 * signal reads which of them is in signals.ts; which exporter provides them in exporters.ts.
 */

/**
 * Target labels on every series the rules read. The scrape config (or, for pushed backup
 * metrics, the pusher) sets them, so one rule file scopes correctly on every target:
 * `app` is the app id, `component` the service, data service or dependency the target watches.
 */
export const SCOPE_LABELS = ["app", "component"] as const;

/** Rates and ratios charted on dashboards are smoothed over this window: five scrapes at the slowest interval we run. */
export const RATE_WINDOW = "5m";
/** Scrape and probe interval the contract assumes; the promtool tests sample at this step. */
export const SCRAPE_INTERVAL = "15s";
const SCRAPE_SECONDS = durationSeconds(SCRAPE_INTERVAL);
/**
 * The range of the rates alerts read, `irate(…[ALERT_RATE_RANGE])`: irate reads the last two samples
 * in it, so the range only tolerates missed scrapes (max(1m, 4 scrape intervals)). The minimum-traffic
 * guard (selectors.ts `trafficRate`) averages over it: whether a ratio has volume enough to mean
 * something is a question of the last minute, not of the last scrape (docs/alerting.md "Timing").
 */
export const ALERT_RATE_RANGE = ((s: number) => (s % 60 === 0 ? `${s / 60}m` : `${s}s`))(Math.max(60, 4 * SCRAPE_SECONDS));
/**
 * What a rate, ratio, percentile or per-minute count an alert reads covers: the last scrape interval
 * (the per-scrape rate over the last two samples, signals.ts `lastRate`), the `window` of those
 * signals. Their rules bridge one clean reading (rules.ts `conditionExpr`): the condition holds at an
 * evaluation when the reading then or one evaluation interval (= SCRAPE_INTERVAL) earlier is beyond
 * the threshold. With `for` = the runbook's duration D and S = E = SCRAPE_INTERVAL
 * (docs/alerting.md "Timing", proven per level by promtool-tests.ts):
 * - a sustained breach fires at most D + S + E after it starts;
 * - a breach of n scrape intervals fires iff n·S >= D, at any intensity: one shorter than D never does;
 * - one clean interval inside a breach does not reset `for`, two do.
 */
export const ALERT_READING = SCRAPE_INTERVAL;
export const PER_MINUTE_WINDOW = "1m";
/**
 * Names checked against the exporters' sources (2026-12-07): blackbox_exporter prober/handler.go,
 * prober/prober.go @e39d7d41; postgres_exporter exporter/postgres_exporter.go (`pg_up`),
 * collector/pg_stat_activity.go, pg_setting.go (`pg_settings_<name>`), pg_stat_statements.go
 * (off by default: `--collector.stat_statements`), pg_replication.go (`pg_replication_lag_seconds`,
 * on by default) @dbb1987e; redis_exporter exporter/exporter.go @cd5941f1; mongodb_exporter
 * (Percona) exporter/general_collector.go (`mongodb_up`), exporter/metrics.go (serverStatus →
 * `mongodb_ss_*`, `conn_type`/`op_type` labels, opLatencies special conversions) @12667a15:
 * `mongodb_rs_members_optimeDate` (milliseconds, labels member_idx/member_state) comes from
 * `--collector.diagnosticdata` (getDiagnosticData's replSetGetStatus section, prefix `rs`); the
 * replicasetstatus collector alone names it `mongodb_members_optimeDate`. kafka_exporter below.
 */
export const METRICS = {
    probeSuccess: "probe_success",
    probeDuration: "probe_duration_seconds",
    certExpiry: "probe_ssl_earliest_cert_expiry",
    pgUp: "pg_up",
    pgConnections: "pg_stat_activity_count",
    pgMaxConnections: "pg_settings_max_connections",
    pgCalls: "pg_stat_statements_calls_total",
    pgSeconds: "pg_stat_statements_seconds_total",
    pgReplicationLag: "pg_replication_lag_seconds",
    /** The scrape's own health: 0 when the target does not answer, on every target Prometheus scrapes. */
    up: "up",
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
    // kafka_exporter v1.8+ (danielqsj/kafka_exporter kafka_exporter.go @953e2f17, where `kafka_consumergroup_lag` and the offsets are checked too): `kafka_brokers` is the
    // broker count of the cluster metadata; the per-partition gauges carry `topic` and `partition`.
    kafkaBrokers: "kafka_brokers",
    kafkaUnderReplicated: "kafka_topic_partition_under_replicated_partition",
    kafkaInSyncReplicas: "kafka_topic_partition_in_sync_replica",
    containerMemory: "container_memory_working_set_bytes",
    containerMemoryLimit: "container_spec_memory_limit_bytes",
    containerCpu: "container_cpu_usage_seconds_total",
    containerCpuQuota: "container_spec_cpu_quota",
    containerCpuPeriod: "container_spec_cpu_period",
    fsAvail: "node_filesystem_avail_bytes",
    fsSize: "node_filesystem_size_bytes",
    backupLastSuccess: "backup_last_success_timestamp_seconds",
    /**
     * The app's outgoing HTTP calls: OpenTelemetry's HTTP client semantic convention
     * (`http.client.request.duration`, seconds), as the OpenTelemetry Prometheus exporter writes it
     * (dots to underscores, the unit suffixed, the histogram's `_count` counting calls). The same
     * name for every app (the convention's, not the app's prefix); labels in CLIENT_LABELS.
     */
    httpClientCalls: "http_client_request_duration_seconds_count",
} as const;

/**
 * The HTTP client metric's labels (OpenTelemetry attributes `server.address`,
 * `http.response.status_code`, `error.type`): which dependency was called, what it answered, and
 * why the call failed (the status code as text for an error status, else the exception's type:
 * `timeout`, `ECONNREFUSED`; no status code at all when nothing answered).
 */
export const CLIENT_LABELS = { server: "server_address", status: "http_response_status_code", error: "error_type" } as const;

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
    /**
     * The label the request counter puts the HTTP status code in: prom-client examples use
     * `status`, express-prom-bundle `status_code`. A 5xx rule on the wrong label never fires.
     * Defaults to `status`.
     */
    readonly statusLabel?: string;
    /**
     * The latency histogram's bucket boundaries, seconds, where the app fixes its own. Every
     * latency threshold of the runbook must be one of them, or the quantile estimate interpolates
     * across the threshold. Absent: the platform asks for prom-client's defaults plus each threshold.
     */
    readonly latencyBuckets?: readonly number[];
    /** Requests per second below which the app's HTTP ratios do not alert (latency never; the error rate unless its failures reach `minErrorsPerMinute`). Defaults to `DEFAULTS.minRequestsPerSecond`. */
    readonly minRequestsPerSecond?: number;
    /**
     * 5xx answers per minute at which the app's error rate is read even below its minimum traffic,
     * so a service failing every request pages however few it serves. Latency keeps the traffic
     * guard alone: a percentile of few requests is noise whatever they took. Defaults to `DEFAULTS.minErrorsPerMinute`.
     */
    readonly minErrorsPerMinute?: number;
}

/** The app's minimum traffic for HTTP ratio alerts: its contract's, else the platform default. */
export function minRequestsPerSecond(runbook: Runbook): number {
    return metricNaming(runbook).minRequestsPerSecond ?? DEFAULTS.minRequestsPerSecond.value;
}

/** The failures per minute at which the app's error ratios are read below its minimum traffic: its contract's, else the platform default. */
export function minErrorsPerMinute(runbook: Runbook): number {
    return metricNaming(runbook).minErrorsPerMinute ?? DEFAULTS.minErrorsPerMinute.value;
}

/**
 * The app's metrics contract: the runbook's `metrics` where it names its own, else prom-client
 * conventions (a platform default, said in `why`), so a new app needs no entry anywhere else.
 */
export function metricNaming(runbook: Runbook): AppMetricNaming {
    const m = runbook.metrics;
    if (!m) return { prefix: "", errors: "status-label", why: DEFAULTS.metricNaming.reason };
    return {
        prefix: m.prefix,
        errors: m.errors,
        why: `the runbook's own (${m.source.section}: "${m.source.quote.split("\n")[0]}")`,
        ...(m.statusLabel ? { statusLabel: m.statusLabel } : {}),
        ...(m.latencyBuckets ? { latencyBuckets: m.latencyBuckets } : {}),
        ...(m.minRequestsPerSecond !== undefined ? { minRequestsPerSecond: m.minRequestsPerSecond } : {}),
        ...(m.minErrorsPerMinute !== undefined ? { minErrorsPerMinute: m.minErrorsPerMinute } : {}),
    };
}

export interface HttpMetricNames {
    readonly requests: string;
    /** The counter whose `status=~"5.."` series are the failed requests. */
    readonly errors: string;
    /** Histogram base name; the series read are `<duration>_bucket`. */
    readonly duration: string;
    readonly authFailures: string;
    /** The label holding the status code on the counter of failed requests. */
    readonly statusLabel: string;
}

export function httpMetricNames(naming: AppMetricNaming): HttpMetricNames {
    const p = naming.prefix;
    return {
        requests: `${p}http_requests_total`,
        errors: naming.errors === "error-counter" ? `${p}http_errors_total` : `${p}http_requests_total`,
        duration: `${p}http_request_duration_seconds`,
        authFailures: `${p}auth_failures_total`,
        statusLabel: naming.statusLabel ?? "status",
    };
}

/** prom-client's default histogram buckets, seconds. */
export const DEFAULT_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** The latency signals and the quantile each reads from the request-duration histogram. */
export const LATENCY_QUANTILES: Readonly<Partial<Record<Signal, number>>> = { http_latency_p95: 0.95, http_latency_p99: 0.99 };
export const isLatencySignal = (signal: Signal) => LATENCY_QUANTILES[signal] !== undefined;

/**
 * The app's latency histogram buckets: the ones its metrics contract declares, else prom-client's
 * defaults plus every latency threshold the runbook alerts on, so the quantile estimate changes
 * bucket exactly at the threshold. Throws when a threshold is not a declared boundary.
 */
export function latencyBuckets(runbook: Runbook, naming: AppMetricNaming = metricNaming(runbook)): number[] {
    const levels = runbook.alerts.filter((a) => isLatencySignal(a.signal)).flatMap((a) => a.levels.map((l) => ({ alert: a.id, severity: l.severity, threshold: l.threshold })));
    const declared = naming.latencyBuckets;
    if (!declared) return [...new Set([...DEFAULT_LATENCY_BUCKETS, ...levels.map((l) => l.threshold)])].sort((a, b) => a - b);
    const missing = levels.filter((l) => !declared.includes(l.threshold));
    if (missing.length) {
        throw new Error(
            `${runbook.app}: the latency histogram has no bucket boundary at ${missing.map((l) => `${l.threshold} s (alert ${l.alert}, ${l.severity})`).join(", ")}; ` +
                `the metrics contract (runbooks/${runbook.app}.ts, metrics.latencyBuckets) declares ${declared.join(", ")}. ` +
                `Allowed: every latency threshold is a boundary; add it to the app's histogram buckets and the contract, or drop the declaration to let the platform configure them`,
        );
    }
    return [...declared].sort((a, b) => a - b);
}

export type Family = "api" | "database" | "cache" | "kafka" | "queue" | "infrastructure" | "business";
