import type { IPodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor" with { "resolution-mode": "import" };
import type { IProbe } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/Probe" with { "resolution-mode": "import" };
import type { IPrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule" with { "resolution-mode": "import" };
import type { IServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor" with { "resolution-mode": "import" };
import YAML from "yaml";
import type { Cadence, Env, Runbook } from "../../runbooks";
import { DEFAULTS } from "../../runbooks/defaults";
import { BLACKBOX_MODULES, requiredExporters, rulesFor, type RuleFile } from "../alerting";
import { deliverableConfig, type DeliveryCredentials } from "../alerting/delivery";
import { pascal, runbookUrl } from "../alerting/rules";
import type { ProbeTarget } from "../alerting/exporters";
import { SCRAPE_INTERVAL } from "../alerting/metrics";
import { dashboardsFor } from "../dashboards";
import { blackboxHardening, kubePrometheusStackHardening, lokiHardening, mergeValues, promtailHardening, pushgatewayHardening } from "./chart-hardening";
import { KAFKA_EXPORTER_PORT_NAME } from "./kafka";
import { serviceHost, type Names } from "./names";
import { VOLUMES } from "./sizing";

/**
 * The monitoring stack's configuration: chart values for kube-prometheus-stack, Loki, Promtail,
 * the blackbox exporter and the Pushgateway; the generated rules as PrometheusRule specs; the
 * scrape and probe objects that give every series the `app` and `component` labels the rules
 * select on; Alertmanager's configuration text; Grafana's dashboards.
 */

export type PrometheusRuleSpec = IPrometheusRule["spec"];
export type ServiceMonitorSpec = IServiceMonitor["spec"];
export type PodMonitorSpec = IPodMonitor["spec"];
export type ProbeSpec = IProbe["spec"];

export const BLACKBOX_PORT = 9115;
export const PUSHGATEWAY_PORT = 9091;
/** Keys of the Grafana admin Secret: the chart's defaults for `admin.userKey` and `admin.passwordKey`. */
export const GRAFANA_ADMIN_KEYS = { user: "admin-user", password: "admin-password" } as const;
/** Key of the Alertmanager configuration Secret, as the operator reads it. */
export const ALERTMANAGER_CONFIG_KEY = "alertmanager.yaml";

export function grafanaAdminSecret(n: Names): string {
    return `${n.app}-grafana-admin`;
}

export function alertmanagerConfigSecret(n: Names): string {
    return `${n.app}-alertmanager-config`;
}

export function lokiUrl(rb: Runbook, n: Names): string {
    return `http://${serviceHost(n.releases.loki, n.monitoring)}:${rb.monitoring.ports.loki}`;
}

export function pushgatewayAddress(n: Names): string {
    return `${serviceHost(n.releases.pushgateway, n.monitoring)}:${PUSHGATEWAY_PORT}`;
}

/** Prometheus relabelling that stamps a target's series with the rule labels. */
function stamp(app: string, component: string) {
    return [
        { action: "replace" as const, targetLabel: "app", replacement: app },
        { action: "replace" as const, targetLabel: "component", replacement: component },
    ];
}

/** `a|b`, regex-escaped, for relabel rules. */
const alternation = (values: readonly string[]) => values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");

/**
 * The drop rules kube-prometheus-stack 65.1.1 applies to cAdvisor's series by default
 * (`kubelet.serviceMonitor.cAdvisorMetricRelabelings` in its values.yaml). Setting the value
 * replaces the list, so ours repeats them; test/providers/charts.test.ts compares this with the
 * vendored chart's values.yaml. The `container_spec.*` drop is narrowed: the rules read some of
 * those series (see cadvisorSpecDrop).
 */
export const CHART_CADVISOR_DROPS = [
    { sourceLabels: ["__name__"], action: "drop", regex: "container_cpu_(cfs_throttled_seconds_total|load_average_10s|system_seconds_total|user_seconds_total)" },
    { sourceLabels: ["__name__"], action: "drop", regex: "container_fs_(io_current|io_time_seconds_total|io_time_weighted_seconds_total|reads_merged_total|sector_reads_total|sector_writes_total|writes_merged_total)" },
    { sourceLabels: ["__name__"], action: "drop", regex: "container_memory_(mapped_file|swap)" },
    { sourceLabels: ["__name__"], action: "drop", regex: "container_(file_descriptors|tasks_state|threads_max)" },
    { sourceLabels: ["id", "pod"], action: "drop", regex: ".+;" },
] as const;

/** cAdvisor's container spec gauges (cAdvisor `metrics/prometheus.go`, `container_spec_*`). */
export const CADVISOR_SPEC_METRICS = [
    "container_spec_cpu_period",
    "container_spec_cpu_quota",
    "container_spec_cpu_shares",
    "container_spec_memory_limit_bytes",
    "container_spec_memory_reservation_limit_bytes",
    "container_spec_memory_swap_limit_bytes",
] as const;

/** The `container_spec_*` series the stack's rules read (memory and CPU against the limit). */
export function cadvisorSpecMetricsUsed(rb: Runbook, env: Env): string[] {
    const exprs = [...rulesFor(rb, env, "kubernetes").groups.flatMap((g) => g.rules.map((r) => r.expr))].join("\n");
    return CADVISOR_SPEC_METRICS.filter((m) => new RegExp(`\\b${m}\\b`).test(exprs));
}

/** The chart's `container_spec.*` drop, narrowed to the spec series no rule reads; none when the rules read them all. */
export function cadvisorSpecDrop(rb: Runbook, env: Env): { sourceLabels: string[]; action: "drop"; regex: string }[] {
    const used = new Set(cadvisorSpecMetricsUsed(rb, env));
    const unused = CADVISOR_SPEC_METRICS.filter((m) => !used.has(m));
    return unused.length === 0 ? [] : [{ sourceLabels: ["__name__"], action: "drop", regex: `(${alternation(unused)})` }];
}

const CADENCE_DAYS: Record<Cadence, number> = { daily: 1, weekly: 7, monthly: 31, quarterly: 92 };

/**
 * How many days Prometheus keeps: the whole period of the runbook's longest metric-trend review
 * (`DEFAULTS.metricsRetention.trendChecks`) plus the slack for a review that runs late, never less
 * than the platform default. Returns the days and why.
 */
export function metricsRetention(rb: Runbook): { days: number; reason: string } {
    const d = DEFAULTS.metricsRetention;
    const reviews = rb.checks.filter((c) => (d.trendChecks as readonly string[]).includes(c.id));
    const longest = [...reviews].sort((a, b) => CADENCE_DAYS[b.cadence] - CADENCE_DAYS[a.cadence])[0];
    const days = longest ? CADENCE_DAYS[longest.cadence] + d.slackDays : 0;
    if (days <= d.value) return { days: d.value, reason: d.reason };
    return { days, reason: `the runbook's ${longest.cadence} ${longest.id} ("${longest.what}") reads the whole period; ${d.slackDays} days more for a review that runs late` };
}

/**
 * Prometheus's volume: the retention's samples at PROMETHEUS_SIZING's rate, with headroom; and
 * the size-based retention at 90% of it, so a cardinality spike deletes the oldest blocks rather
 * than filling the disk and stopping Prometheus.
 */
export function prometheusStorage(rb: Runbook): { volumeGi: number; retentionSize: string; retentionDays: number } {
    const { days } = metricsRetention(rb);
    const samplesPerDay = (PROMETHEUS_SIZING.series * 86400) / durationSeconds(SCRAPE_INTERVAL);
    const bytes = samplesPerDay * PROMETHEUS_SIZING.bytesPerSample * days * PROMETHEUS_SIZING.headroom;
    const volumeGi = Math.max(PROMETHEUS_SIZING.minVolumeGi, Math.ceil(bytes / 2 ** 30));
    return { volumeGi, retentionSize: `${Math.floor(volumeGi * 0.9)}GB`, retentionDays: days };
}

/** Platform estimates for one app's staging cluster (no runbook states them). */
export const PROMETHEUS_SIZING = {
    /** Active series: kube-state-metrics, node-exporter and cAdvisor of a small cluster plus the app's exporters. */
    series: 50_000,
    /** Prometheus's documented average after compression: 1-2 bytes per sample; the upper bound. */
    bytesPerSample: 2,
    /** WAL, compaction's temporary blocks and growth. */
    headroom: 1.5,
    minVolumeGi: 20,
} as const;

function durationSeconds(d: string): number {
    const m = /^(\d+)(s|m|h)$/.exec(d);
    if (!m) throw new Error(`scrape interval "${d}" is not a duration in s, m or h`);
    return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as "s" | "m" | "h"];
}

export function kubePrometheusStackValues(rb: Runbook, n: Names, env: Env = "staging", storageClass?: string): Record<string, unknown> {
    const ports = rb.monitoring.ports;
    const storage = prometheusStorage(rb);
    return mergeValues(kubePrometheusStackHardening(), {
        fullnameOverride: n.releases.kubePrometheusStack,
        crds: { enabled: true },
        defaultRules: { create: true },
        alertmanager: {
            service: { port: ports.alertmanager },
            // The configuration is a Secret built from the operator's Pulumi secrets, never chart values.
            alertmanagerSpec: { useExistingSecret: true, configSecret: alertmanagerConfigSecret(n) },
        },
        prometheus: {
            service: { port: ports.prometheus },
            prometheusSpec: {
                ruleSelectorNilUsesHelmValues: false,
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                scrapeInterval: SCRAPE_INTERVAL,
                evaluationInterval: SCRAPE_INTERVAL,
                // The history the runbook's trend reviews read survives a restart or a reschedule.
                retention: `${storage.retentionDays}d`,
                retentionSize: storage.retentionSize,
                storageSpec: {
                    volumeClaimTemplate: {
                        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${storage.volumeGi}Gi` } }, ...(storageClass ? { storageClassName: storageClass } : {}) },
                    },
                },
            },
        },
        grafana: {
            // The chart reads GRAFANA_ADMIN_KEYS (its default key names) from this Secret.
            admin: { existingSecret: grafanaAdminSecret(n) },
            service: { port: ports.grafana },
            sidecar: { dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL" } },
            additionalDataSources: [{ name: "Loki", type: "loki", access: "proxy", url: lokiUrl(rb, n) }],
        },
        // cAdvisor's container series carry namespace and container only: the app's namespace is its
        // `app`, and app containers are named after their service, which is its `component`. The
        // chart's drops come first (the value replaces its list), the spec drop spares what the rules read.
        kubelet: {
            serviceMonitor: {
                cAdvisorMetricRelabelings: [
                    ...CHART_CADVISOR_DROPS.map((r) => ({ ...r, sourceLabels: [...r.sourceLabels] })),
                    ...cadvisorSpecDrop(rb, env),
                    { sourceLabels: ["namespace"], regex: alternation([n.namespace]), targetLabel: "app", replacement: rb.app, action: "replace" },
                    {
                        sourceLabels: ["namespace", "container"],
                        regex: `${alternation([n.namespace])};(${alternation(rb.services.map((s) => s.name))})`,
                        targetLabel: "component",
                        replacement: "$1",
                        action: "replace",
                    },
                ],
            },
        },
        // The cluster runs this app's staging only: its hosts' filesystems are the app's.
        "prometheus-node-exporter": { prometheus: { monitor: { relabelings: [{ action: "replace", targetLabel: "app", replacement: rb.app }] } } },
    });
}

/** Loki, single binary on a volume, keeping logs the runbook's retention (the compactor deletes). */
export function lokiValues(rb: Runbook, n: Names, storageClass?: string): Record<string, unknown> {
    return mergeValues(lokiHardening(), {
        fullnameOverride: n.releases.loki,
        deploymentMode: "SingleBinary",
        loki: {
            auth_enabled: false,
            server: { http_listen_port: rb.monitoring.ports.loki },
            commonConfig: { replication_factor: 1 },
            storage: { type: "filesystem" },
            schemaConfig: { configs: [{ from: "2024-04-01", store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "loki_index_", period: "24h" } }] },
            limits_config: { retention_period: `${rb.logs.retentionDays * 24}h` },
            compactor: { retention_enabled: true, delete_request_store: "filesystem", working_directory: "/var/loki/compactor" },
        },
        singleBinary: { replicas: 1, persistence: { enabled: true, size: VOLUMES.loki, ...(storageClass ? { storageClass } : {}) } },
        read: { replicas: 0 },
        write: { replicas: 0 },
        backend: { replicas: 0 },
        chunksCache: { enabled: false },
        resultsCache: { enabled: false },
        gateway: { enabled: false },
        lokiCanary: { enabled: false },
        test: { enabled: false },
    });
}

export function promtailValues(rb: Runbook, n: Names): Record<string, unknown> {
    return mergeValues(promtailHardening(), { fullnameOverride: n.releases.promtail, config: { clients: [{ url: `${lokiUrl(rb, n)}/loki/api/v1/push` }] } });
}

export function blackboxValues(n: Names): Record<string, unknown> {
    return mergeValues(blackboxHardening(), { fullnameOverride: n.releases.blackbox, config: { modules: BLACKBOX_MODULES } });
}

/** Backup jobs push with grouping labels `app` and `dataset`; honorLabels keeps them. */
export function pushgatewayValues(n: Names): Record<string, unknown> {
    // The chart puts its ServiceMonitor in `serviceMonitor.namespace`, "monitoring" by default: a
    // namespace the stack does not create. It belongs with the release.
    return mergeValues(pushgatewayHardening(), { fullnameOverride: n.releases.pushgateway, service: { port: PUSHGATEWAY_PORT }, serviceMonitor: { enabled: true, namespace: n.monitoring, honorLabels: true } });
}

/** The generated rule group as a PrometheusRule spec (the same groups promtool checks). */
export function runbookRules(rb: Runbook, env: Env): PrometheusRuleSpec {
    return toRuleSpec(rulesFor(rb, env, "kubernetes"));
}

function toRuleSpec(file: RuleFile): PrometheusRuleSpec {
    return { groups: file.groups.map((g) => ({ name: g.name, rules: g.rules.map((r) => ({ ...r, labels: { ...r.labels }, annotations: { ...r.annotations } })) })) };
}

/** CronJob names the job-failure rule watches: backups and restore checks. */
export function scheduledJobPattern(rb: Runbook): string {
    return `${rb.app}-(backup|restore-check)-.*`;
}

/**
 * A failed backup or restore-check Job, from kube-state-metrics. The Job stays failed until the
 * next run of its CronJob replaces it (failedJobsHistoryLimit 1), so the alert holds until then.
 * Not a runbook alert: no `alert_id`, its own name.
 */
export function jobFailureRules(rb: Runbook, env: Env, n: Names): PrometheusRuleSpec {
    return toRuleSpec({
        groups: [
            {
                name: `${rb.app}-${env}-scheduled-jobs`,
                rules: [
                    {
                        alert: `${pascal(rb.app)}ScheduledJobFailed`,
                        expr: `max by (namespace, job_name) (kube_job_status_failed{namespace="${n.namespace}", job_name=~"${scheduledJobPattern(rb)}"}) > 0`,
                        labels: { severity: "warning", app: rb.app, env },
                        annotations: {
                            summary: `A backup or restore-check job of ${rb.app} failed`,
                            description: `Job {{ $labels.job_name }} in ${n.namespace} failed: a backup was not taken or the latest backup did not restore. Read its logs (kubectl logs -n ${n.namespace} job/{{ $labels.job_name }}).`,
                            runbook_url: runbookUrl(rb.app, rb.backups[0].source),
                        },
                    },
                ],
            },
        ],
    });
}

/** A probe's target URL: in-cluster for /health, the public or external URL otherwise. */
export function probeUrl(rb: Runbook, n: Names, p: ProbeTarget): string {
    if (p.url) return p.url;
    if (p.port === undefined || p.path === undefined) throw new Error(`${rb.app}: probe ${p.probe}/${p.component} has neither a url nor a port and path`);
    return `http://${serviceHost(n.service(p.component), n.namespace)}:${p.port}${p.path}`;
}

/** One Probe per target the contract asks blackbox_exporter to run, labelled as the rules select it. */
export function probeSpecs(rb: Runbook, n: Names): { part: string; spec: ProbeSpec }[] {
    const blackbox = requiredExporters(rb, "kubernetes").find((e) => e.exporter === "blackbox");
    return (blackbox?.probes ?? []).map((p) => ({
        part: `${p.probe}-${p.component}`,
        spec: {
            jobName: `${rb.app}-${p.probe}-${p.component}`,
            interval: SCRAPE_INTERVAL,
            module: p.module,
            prober: { url: `${serviceHost(n.releases.blackbox, n.monitoring)}:${BLACKBOX_PORT}`, path: "/probe" },
            targets: { staticConfig: { static: [probeUrl(rb, n, p)], labels: { app: rb.app, component: p.component, probe: p.probe } } },
        },
    }));
}

/** A ServiceMonitor of one Service port, stamping its series with `app` and `component`. */
export function serviceMonitorSpec(rb: Runbook, n: Names, selector: Record<string, string>, port: string, component: string, path = "/metrics"): ServiceMonitorSpec {
    return {
        selector: { matchLabels: selector },
        namespaceSelector: { matchNames: [n.namespace] },
        endpoints: [{ port, path, interval: SCRAPE_INTERVAL, relabelings: stamp(rb.app, component) }],
    };
}

/** A PodMonitor of one container port of the pods `selector` picks, stamping their series with `app` and `component`; `instance` is the pod's name. */
export function podMonitorSpec(rb: Runbook, n: Names, selector: Record<string, string>, port: string, component: string, metricRelabelings?: NonNullable<PodMonitorSpec["podMetricsEndpoints"]>[number]["metricRelabelings"]): PodMonitorSpec {
    return {
        selector: { matchLabels: selector },
        namespaceSelector: { matchNames: [n.namespace] },
        podMetricsEndpoints: [
            {
                port,
                path: "/metrics",
                interval: SCRAPE_INTERVAL,
                relabelings: [...stamp(rb.app, component), { action: "replace" as const, sourceLabels: ["__meta_kubernetes_pod_name"], targetLabel: "instance" }],
                ...(metricRelabelings ? { metricRelabelings } : {}),
            },
        ],
    };
}

/** Strimzi's Kafka Exporter pods. */
export function kafkaExporterMonitorSpec(rb: Runbook, n: Names): PodMonitorSpec {
    return {
        selector: { matchLabels: { "strimzi.io/kind": "Kafka", "strimzi.io/name": `${n.kafka}-kafka-exporter` } },
        namespaceSelector: { matchNames: [n.namespace] },
        podMetricsEndpoints: [{ port: KAFKA_EXPORTER_PORT_NAME, path: "/metrics", interval: SCRAPE_INTERVAL, relabelings: stamp(rb.app, "kafka") }],
    };
}

/**
 * alertmanager.yaml for the cluster: the generated routing (receivers, routes, inhibitions) with
 * the integrations this stack has credentials for: the operator's PagerDuty key and Slack webhook,
 * and where set the dead man's switch URL (the Watchdog's webhook) and the mail relay (the
 * runbook's alert e-mail). Receivers without a credential stay, so routing is unchanged.
 */
export function alertmanagerYaml(rb: Runbook, credentials: DeliveryCredentials): string {
    return YAML.stringify(deliverableConfig(rb, credentials), { lineWidth: 0 });
}

/** Grafana dashboards as the sidecar loads them: one ConfigMap each, labelled grafana_dashboard=1. */
export function dashboardConfigMaps(rb: Runbook): { uid: string; file: string; json: string }[] {
    return dashboardsFor(rb, "kubernetes").map((d) => ({ uid: d.uid, file: `${d.uid}.json`, json: JSON.stringify(d.dashboard) }));
}

export const DASHBOARD_LABELS = { grafana_dashboard: "1" } as const;
