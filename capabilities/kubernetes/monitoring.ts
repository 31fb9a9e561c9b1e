import type { IPodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor" with { "resolution-mode": "import" };
import type { IProbe } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/Probe" with { "resolution-mode": "import" };
import type { IPrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule" with { "resolution-mode": "import" };
import type { IServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor" with { "resolution-mode": "import" };
import YAML from "yaml";
import type { Env, Runbook } from "../../runbooks";
import { BLACKBOX_MODULES, requiredExporters, rulesFor, type RuleFile } from "../alerting";
import { deliverableConfig, type DeliveryCredentials } from "../alerting/delivery";
import { pascal, runbookUrl } from "../alerting/rules";
import type { ProbeTarget } from "../alerting/exporters";
import { SCRAPE_INTERVAL } from "../alerting/metrics";
import { dashboardsFor } from "../dashboards";
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

export function kubePrometheusStackValues(rb: Runbook, n: Names): Record<string, unknown> {
    const ports = rb.monitoring.ports;
    return {
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
        // `app`, and app containers are named after their service, which is its `component`.
        kubelet: {
            serviceMonitor: {
                cAdvisorMetricRelabelings: [
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
    };
}

/** Loki, single binary on a volume, keeping logs the runbook's retention (the compactor deletes). */
export function lokiValues(rb: Runbook, n: Names, storageClass?: string): Record<string, unknown> {
    return {
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
    };
}

export function promtailValues(rb: Runbook, n: Names): Record<string, unknown> {
    return { fullnameOverride: n.releases.promtail, config: { clients: [{ url: `${lokiUrl(rb, n)}/loki/api/v1/push` }] } };
}

export function blackboxValues(n: Names): Record<string, unknown> {
    return { fullnameOverride: n.releases.blackbox, config: { modules: BLACKBOX_MODULES } };
}

/** Backup jobs push with grouping labels `app` and `dataset`; honorLabels keeps them. */
export function pushgatewayValues(n: Names): Record<string, unknown> {
    return { fullnameOverride: n.releases.pushgateway, service: { port: PUSHGATEWAY_PORT }, serviceMonitor: { enabled: true, honorLabels: true } };
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
    return dashboardsFor(rb).map((d) => ({ uid: d.uid, file: `${d.uid}.json`, json: JSON.stringify(d.dashboard) }));
}

export const DASHBOARD_LABELS = { grafana_dashboard: "1" } as const;
