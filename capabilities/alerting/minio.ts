import type { Runbook, Signal } from "../../runbooks";
import { ALERT_READING, METRICS, minErrorsPerMinute, minRequestsPerSecond } from "./metrics";
import { counter, fmt, gauge, ratio, type Scenario, type Setup } from "./scenario-kit";
import { INSTANCE_LABELS, by, enoughTrafficOrErrors, lastRate } from "./selectors";
import type { SignalSpec } from "./signals";

/**
 * Object storage in the metrics contract: MinIO serves its own Prometheus metrics (no exporter
 * container), the cluster view on `/minio/v2/metrics/cluster`, with MINIO_PROMETHEUS_AUTH_TYPE=public
 * (docs/alerting.md says why). Metric names as MinIO's source declares them (cmd/metrics-v2.go:
 * `minio_cluster_nodes_offline_total`, `minio_cluster_capacity_usable_{free,total}_bytes`).
 * Series carry `app` and `component="objectStorage"` (the runbook's `data` key), stamped by the
 * scrape (Docker's static labels, the Kubernetes ServiceMonitor's relabelling).
 *
 * Down and capacity only where the platform runs MinIO (Docker, Kubernetes): on AWS the buckets are
 * S3, whose availability is AWS's to keep and whose capacity has no limit (docs/alerting.md,
 * "Object storage"). The 5xx share holds on every target: on AWS CloudWatch evaluates it from the
 * buckets' S3 request metrics (S3_REQUEST_METRICS), with the same baseline level.
 */

export type ObjectStorageSignal = Extract<Signal, `minio_${string}`>;

/** Where Prometheus reads MinIO's cluster metrics, on its S3 port. */
export const MINIO_METRICS_PATH = "/minio/v2/metrics/cluster";
/** MinIO's answer to who may read its metrics: `public` (no token), see docs/alerting.md. */
export const MINIO_PROMETHEUS_AUTH = { MINIO_PROMETHEUS_AUTH_TYPE: "public" } as const;
/** The `component` label of object storage series: the runbook's `data` key, as baseline alerts name their subject. */
export const OBJECT_STORAGE_COMPONENT = "objectStorage";

export const MINIO_METRICS = {
    nodesOffline: "minio_cluster_nodes_offline_total",
    capacityFree: "minio_cluster_capacity_usable_free_bytes",
    capacityTotal: "minio_cluster_capacity_usable_total_bytes",
    requests: "minio_s3_requests_total",
    errors5xx: "minio_s3_requests_5xx_errors_total",
    /** Not read by any rule: the scenarios show it to prove a 4xx does not count. */
    errors4xx: "minio_s3_requests_4xx_errors_total",
} as const;

/** MinIO's gauges whose names end in `_total` like a counter's (a count of nodes offline now): promtool scenarios splice them as gauges. */
export const GAUGES_NAMED_TOTAL = [MINIO_METRICS.nodesOffline] as const;

const NODES_THE_PLATFORM_RUNS = ["docker", "kubernetes"] as const;

/**
 * Where MinIO runs as the backup store even without `data.objectStorage` in the runbook: every
 * Kubernetes stack has one (components/targets/kubernetes ObjectStorage); Docker runs MinIO only for
 * the runbook's object storage, AWS backs up with AWS Backup.
 */
export const BACKUP_STORE_TARGETS = ["kubernetes"] as const;

/** Whether the runbook's MinIO, where a target runs one, holds only its backups (no `data.objectStorage`): the backup store's baseline applies. */
export function backupStoreOnly(rb: Runbook): boolean {
    return rb.data.objectStorage === undefined && rb.backups.length > 0;
}

/**
 * S3's request metrics (namespace AWS/S3, dimensions BucketName and FilterId), published per minute
 * for a bucket with a request-metrics configuration: `filter` is the id of the platform's one
 * configuration per bucket, without a filter, so it counts every request to the bucket (Amazon S3
 * user guide, "Metrics and dimensions", request metrics; `aws.s3.BucketMetric`).
 */
export const S3_REQUEST_METRICS = { namespace: "AWS/S3", errors5xx: "5xxErrors", requests: "AllRequests", filter: "EntireBucket" } as const;

/**
 * The buckets whose S3 request metrics the AWS alarms read, the requests a minute under which their
 * 5xx share is not read (the app's minimum traffic) unless its 5xx a minute reach the app's floor of
 * errors, as MinIO's rule; none without object storage.
 */
export function s3AlarmBuckets(rb: Runbook): { buckets: string[]; minRequestsPerMinute: number; minErrorsPerMinute: number } | undefined {
    const store = rb.data.objectStorage;
    return store && { buckets: [...store.buckets], minRequestsPerMinute: minRequestsPerSecond(rb) * 60, minErrorsPerMinute: minErrorsPerMinute(rb) };
}

const minio = (facts: Pick<SignalSpec, "unit" | "metrics" | "how" | "value"> & Pick<Partial<SignalSpec>, "window" | "onlyOn">): SignalSpec => ({
    onlyOn: NODES_THE_PLATFORM_RUNS,
    ...facts,
    identity: INSTANCE_LABELS,
    exporter: "minio",
    family: "infrastructure",
    scope: "data",
    dataService: "objectStorage",
});

export const OBJECT_STORAGE_SIGNAL_SPECS: Readonly<Record<ObjectStorageSignal, SignalSpec>> = {
    // MinIO serves the metrics itself: a server that does not answer fails its scrape. A node of a
    // distributed MinIO that is offline shows in the others' cluster view; the `check` label keeps
    // its series apart from the scrape's so `or` keeps both and `max` takes the worse.
    minio_down: minio({
        unit: "bool",
        metrics: () => [METRICS.up, MINIO_METRICS.nodesOffline],
        how: "1 while MinIO does not answer its metrics scrape, or its cluster view counts a node offline; Docker and Kubernetes",
        value: (c) =>
            `max by (${by(INSTANCE_LABELS)}) ((1 - ${METRICS.up}{${c.sel}}) or label_replace(${MINIO_METRICS.nodesOffline}{${c.sel}} > bool 0, "check", "nodes", "", ""))`,
    }),
    minio_capacity_usage: minio({
        unit: "percent",
        metrics: () => [MINIO_METRICS.capacityFree, MINIO_METRICS.capacityTotal],
        how: "used share of MinIO's usable capacity (1 - free / total, after erasure-coding parity); Docker and Kubernetes",
        value: (c) => `100 * (1 - max by (${by(INSTANCE_LABELS)}) (${MINIO_METRICS.capacityFree}{${c.sel}}) / max by (${by(INSTANCE_LABELS)}) (${MINIO_METRICS.capacityTotal}{${c.sel}} > 0))`,
    }),
    // Over every S3 API (`api` label), at the per-scrape rate (selectors.ts `lastRate`), while MinIO serves
    // at least the app's minimum traffic or answers at least its floor of 5xx a minute: a trickle of requests with one failure is not an
    // outage, a trickle that fails every request is.
    minio_error_rate: minio({
        unit: "percent",
        window: ALERT_READING,
        onlyOn: [...NODES_THE_PLATFORM_RUNS, "aws"],
        metrics: () => [MINIO_METRICS.requests, MINIO_METRICS.errors5xx],
        how: "S3 requests MinIO answered with a 5xx as a share of all its S3 requests, while it serves at least the app's minimum traffic or answers at least its floor of 5xx a minute; on AWS each S3 bucket's 5xxErrors over AllRequests (request metrics), under the same guard",
        value: (c) => {
            const rate = (m: string) => `sum by (${by(INSTANCE_LABELS)}) (${lastRate(`${m}{${c.sel}}`)})`;
            return `100 * ${rate(MINIO_METRICS.errors5xx)} / ${rate(MINIO_METRICS.requests)} ${enoughTrafficOrErrors(c, INSTANCE_LABELS, `${MINIO_METRICS.requests}{${c.sel}}`, `${MINIO_METRICS.errors5xx}{${c.sel}}`)}`;
        },
    }),
};

/** The object storage signals CloudWatch evaluates on AWS (S3's request metrics), and the metric each reads. */
export const OBJECT_STORAGE_CLOUDWATCH_SIGNALS = ["minio_error_rate"] as const satisfies readonly ObjectStorageSignal[];
export const OBJECT_STORAGE_CLOUDWATCH_METRICS: Readonly<Record<(typeof OBJECT_STORAGE_CLOUDWATCH_SIGNALS)[number], { namespace: string; metric: string; note: string }>> = {
    minio_error_rate: {
        namespace: S3_REQUEST_METRICS.namespace,
        metric: S3_REQUEST_METRICS.errors5xx,
        note: `per BucketName and FilterId ${S3_REQUEST_METRICS.filter} (a request-metrics configuration over the whole bucket); percent of ${S3_REQUEST_METRICS.requests} (metric math), not read under the app's minimum traffic unless the 5xx reach its floor of errors a minute`,
    },
};

/**
 * What the AWS dashboards show for the object store's 5xx share: CloudWatch metric math over S3's
 * request metrics, the 5xx answers of every bucket with the platform's request-metrics
 * configuration (SEARCH on FilterId, summed) as a percent of all their requests, per minute. The
 * bucket names carry the account id, known only once deployed: the search keeps to the
 * configuration, in the stack's own account.
 */
export const OBJECT_STORAGE_CLOUDWATCH_PANELS: Readonly<Record<(typeof OBJECT_STORAGE_CLOUDWATCH_SIGNALS)[number], { readonly expression: string; readonly label: string; readonly period: number }>> = {
    minio_error_rate: (() => {
        const search = (metric: string) =>
            `SUM(SEARCH('{${S3_REQUEST_METRICS.namespace},BucketName,FilterId} MetricName="${metric}" FilterId="${S3_REQUEST_METRICS.filter}"', 'Sum', 60))`;
        return { expression: `100 * ${search(S3_REQUEST_METRICS.errors5xx)} / ${search(S3_REQUEST_METRICS.requests)}`, label: "S3 5xx share, percent of requests", period: 60 };
    })(),
};

/** The MinIO target as every scenario scrapes it. */
const target = (s: Setup) => ({ app: s.app, component: OBJECT_STORAGE_COMPONENT, job: "minio", instance: "minio:9000" });
const instance = (s: Setup) => [{ labels: { app: s.app, component: OBJECT_STORAGE_COMPONENT, instance: "minio:9000" }, valueAt: () => s.value }];

export const OBJECT_STORAGE_SCENARIOS: Readonly<Record<ObjectStorageSignal, (s: Setup) => Scenario>> = {
    // Down (1): the scrape still answers but the cluster view counts one node offline; up (0): every node online.
    minio_down: (s) => ({
        series: [
            { name: METRICS.up, labels: target(s), values: gauge(s.samples, 1) },
            { name: MINIO_METRICS.nodesOffline, labels: { ...target(s), server: "minio:9000" }, values: gauge(s.samples, s.value ? 1 : 0) },
        ],
        instances: instance(s),
        story: s.value ? "MinIO answers its scrape, its cluster view counts 1 node offline" : "MinIO answers its scrape, no node offline",
    }),
    // A 1 TB store, `value` percent of it used.
    minio_capacity_usage: (s) => {
        const total = 1e12;
        return {
            series: [
                { name: MINIO_METRICS.capacityTotal, labels: target(s), values: gauge(s.samples, total) },
                { name: MINIO_METRICS.capacityFree, labels: target(s), values: gauge(s.samples, total * (1 - s.value / 100)) },
            ],
            instances: instance(s),
            story: `${Number(s.value.toFixed(2))}% of a 1 TB store used`,
        };
    },
    // 40 S3 requests a second over two APIs, `value`% of them answered 5xx (all on PUT); 4xx answers
    // (a missing key) are counted apart by MinIO and must not count.
    minio_error_rate: (s) => {
        const perApi = 20;
        const failed = (2 * perApi * s.value) / 100;
        const api = (name: string) => ({ ...target(s), api: name, server: "minio:9000" });
        return {
            series: [
                { name: MINIO_METRICS.requests, labels: api("getobject"), values: counter(s.samples, perApi) },
                { name: MINIO_METRICS.requests, labels: api("putobject"), values: counter(s.samples, perApi) },
                { name: MINIO_METRICS.errors5xx, labels: api("getobject"), values: counter(s.samples, 0) },
                { name: MINIO_METRICS.errors5xx, labels: api("putobject"), values: counter(s.samples, failed) },
                { name: MINIO_METRICS.errors4xx, labels: api("getobject"), values: counter(s.samples, perApi / 2) },
            ],
            instances: [{ labels: { app: s.app, component: OBJECT_STORAGE_COMPONENT, instance: "minio:9000" }, valueAt: ratio(s.value) }],
            story: `${fmt(s.value)}% of 40 S3 requests a second answer 5xx (all PUTs), a quarter answer 404`,
        };
    },
};
