import type { AppId, Runbook } from "../../runbooks";
import { DEFAULTS } from "../../runbooks/defaults";

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
/**
 * Rates and ratios an alert reads: the last two samples (`irate`), looked up over this range so one
 * missed scrape still leaves two. A runbook's "above 5% for 2 minutes" then means every evaluation of
 * those 2 minutes saw the last scrape interval above 5%: the alert fires within `for` plus one
 * evaluation and one scrape interval of a sustained breach, and a shorter breach never fires (a
 * 5-minute average would fire 4 minutes late, or on a 1-minute burst).
 */
export const ALERT_RATE_RANGE = "1m";
/**
 * Counts the runbooks give "per minute" (auth failures > 10/minute) are counted over one minute,
 * four scrapes: a burst of 40 in one minute fires, where a 5-minute average would read 8.
 */
export const PER_MINUTE_WINDOW = "1m";
/** Scrape and probe interval the contract assumes; the promtool tests sample at this step. */
export const SCRAPE_INTERVAL = "15s";

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
    /** Requests per second below which the app's HTTP ratios (error rate, latency) do not alert. Defaults to `DEFAULTS.minRequestsPerSecond`. */
    readonly minRequestsPerSecond?: number;
}

/** The app's minimum traffic for HTTP ratio alerts: its contract's, else the platform default. */
export function minRequestsPerSecond(app: AppId): number {
    return APP_METRIC_NAMING[app].minRequestsPerSecond ?? DEFAULTS.minRequestsPerSecond.value;
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
