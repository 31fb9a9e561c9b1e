import type { Alert, Runbook, Signal } from "../../runbooks";
import type { Target } from "../targets";
import { presencesOf } from "./absence";
import { allAlerts } from "./baseline";
import { CHART_SPECS, chartsFor } from "./charts";
import { isLatencySignal, latencyBuckets } from "./metrics";
import { SIGNAL_SPECS, alertsOn, queryContext, scopeComponents } from "./signals";

/**
 * The standard exporters the contract reads from, the blackbox probes, and which of them (with
 * which metrics, components and probes) an app's alerts and charts need on a target.
 */

export type ExporterId = "blackbox" | "app" | "postgres" | "redis" | "kafka" | "mongodb" | "rabbitmq" | "minio" | "cadvisor" | "node" | "pushgateway";

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
    rabbitmq: {
        name: "RabbitMQ's built-in Prometheus plugin (rabbitmq_prometheus, port 15692)",
        image: "the broker's own image (the plugin ships with RabbitMQ)",
        flags: [],
        labelling: "scraped on /metrics with return_per_object_metrics (one series per queue, `vhost` and `queue` labels, and the memory and disk alarms); static target labels (Docker) or the ServiceMonitor's (Kubernetes), component=rabbitmq",
    },
    minio: {
        name: "MinIO's own metrics (/minio/v2/metrics/cluster, MINIO_PROMETHEUS_AUTH_TYPE=public)",
        image: "the object store's own image (MinIO serves its metrics on its S3 port)",
        flags: [],
        labelling: "scraped on the S3 port; static target labels (Docker) or the ServiceMonitor's (Kubernetes), component=objectStorage",
    },
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

/** Exporters that are the watched thing itself (the app's /metrics, RabbitMQ's plugin, MinIO): no exporter container or sidecar runs for them. */
export const SELF_SERVED = ["app", "rabbitmq", "minio"] as const satisfies readonly ExporterId[];
export type ContainerExporterId = Exclude<ExporterId, (typeof SELF_SERVED)[number]>;
export function runsAsContainer(id: ExporterId): id is ContainerExporterId {
    return !(SELF_SERVED as readonly ExporterId[]).includes(id);
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
    const alerts = target ? alertsOn(runbook, target).prometheus : allAlerts(runbook);
    for (const alert of alerts) {
        const spec = SIGNAL_SPECS[alert.signal];
        const e = entry(spec.exporter);
        spec.metrics(http).forEach((m) => e.metrics.add(m));
        // The series its absence rule watches (for a scraped target, the scrape's own `up`).
        presencesOf(runbook, alert).forEach((p) => e.metrics.add(p.metric));
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
                ...(id === "app" && [...e.signals].some(isLatencySignal) ? { latencyBuckets: latencyBuckets(runbook) } : {}),
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
