import type { Signal } from "../../runbooks";
import { METRICS } from "./metrics";
import { gauge, type Scenario, type Setup } from "./scenario-kit";
import { INSTANCE_LABELS, by } from "./selectors";
import type { SignalSpec } from "./signals";

/**
 * Object storage in the metrics contract: MinIO serves its own Prometheus metrics (no exporter
 * container), the cluster view on `/minio/v2/metrics/cluster`, with MINIO_PROMETHEUS_AUTH_TYPE=public
 * (docs/alerting.md says why). Metric names as MinIO's source declares them (cmd/metrics-v2.go:
 * `minio_cluster_nodes_offline_total`, `minio_cluster_capacity_usable_{free,total}_bytes`).
 * Series carry `app` and `component="objectStorage"` (the runbook's `data` key), stamped by the
 * scrape (Docker's static labels, the Kubernetes ServiceMonitor's relabelling).
 *
 * Only where the platform runs MinIO (Docker, Kubernetes): on AWS the buckets are S3, whose
 * availability is AWS's to keep (docs/alerting.md, "Object storage").
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
} as const;

/** MinIO's gauges whose names end in `_total` like a counter's (a count of nodes offline now): promtool scenarios splice them as gauges. */
export const GAUGES_NAMED_TOTAL = [MINIO_METRICS.nodesOffline] as const;

const NODES_THE_PLATFORM_RUNS = ["docker", "kubernetes"] as const;

const minio = (facts: Pick<SignalSpec, "unit" | "metrics" | "how" | "value">): SignalSpec => ({
    ...facts,
    identity: INSTANCE_LABELS,
    exporter: "minio",
    family: "infrastructure",
    scope: "data",
    dataService: "objectStorage",
    onlyOn: NODES_THE_PLATFORM_RUNS,
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
};
