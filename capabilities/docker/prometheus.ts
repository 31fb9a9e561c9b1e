import YAML from "yaml";
import type { Runbook } from "../../runbooks";
import type { ExporterRequirement, ProbeTarget } from "../alerting/exporters";
import { SCRAPE_INTERVAL } from "../alerting/metrics";
import { MINIO_METRICS_PATH, OBJECT_STORAGE_COMPONENT } from "../alerting/minio";
import { rabbitmqScrapeJob } from "../rabbitmq";
import { dockerExporters, scrapeNodes } from "./exporters";
import { HOSTS, INTERNAL_PORTS, serviceReplicas } from "./topology";

/**
 * prometheus.yml of the local platform: one scrape job per exporter the contract requires, every
 * target labelled with `app` and `component` as the rules expect, the rules file the alerting
 * capability renders, and the local Alertmanager.
 */

export const PROMETHEUS_CONFIG_PATH = "/etc/prometheus/prometheus.yml";
export const PROMETHEUS_RULES_DIR = "/etc/prometheus/rules";
export const PROMETHEUS_DATA = "/prometheus";

interface StaticConfig {
    targets: string[];
    labels: Record<string, string>;
}

export interface ScrapeConfig {
    job_name: string;
    metrics_path?: string;
    params?: Record<string, string[]>;
    honor_labels?: boolean;
    static_configs: StaticConfig[];
    relabel_configs?: Record<string, unknown>[];
    metric_relabel_configs?: Record<string, unknown>[];
}

export interface PrometheusConfig {
    global: { scrape_interval: string; evaluation_interval: string };
    rule_files: string[];
    alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    scrape_configs: ScrapeConfig[];
}

const labelsOf = (runbook: Runbook, component: string, extra: Record<string, string> = {}) => ({ app: runbook.app, ...(component ? { component } : {}), ...extra });

/** blackbox probes: the URL each probe fetches. Health probes hit every replica of the service. */
export function probeUrls(runbook: Runbook, probe: ProbeTarget): string[] {
    if (probe.url) return [probe.url];
    const service = runbook.services.find((s) => s.name === probe.component);
    if (!service) throw new Error(`${runbook.app}: the contract probes ${probe.component}, which is not in \`services\``);
    return serviceReplicas(service).map((host) => `http://${host}:${probe.port ?? service.port}${probe.path ?? service.healthPath}`);
}

function blackboxJobs(runbook: Runbook, requirement: ExporterRequirement): ScrapeConfig[] {
    const byModule = new Map<string, ProbeTarget[]>();
    for (const p of requirement.probes ?? []) byModule.set(p.module, [...(byModule.get(p.module) ?? []), p]);
    return [...byModule.entries()].map(([module, probes]) => ({
        job_name: `blackbox-${module}`,
        metrics_path: "/probe",
        params: { module: [module] },
        static_configs: probes.map((p) => ({ targets: probeUrls(runbook, p), labels: labelsOf(runbook, p.component, { probe: p.probe }) })),
        relabel_configs: [
            { source_labels: ["__address__"], target_label: "__param_target" },
            { source_labels: ["__param_target"], target_label: "instance" },
            { target_label: "__address__", replacement: `${HOSTS.blackbox}:${INTERNAL_PORTS.blackbox}` },
        ],
    }));
}

function jobsFor(runbook: Runbook, requirement: ExporterRequirement): ScrapeConfig[] {
    const nodes = scrapeNodes(runbook, requirement);
    const groups = (extra: (n: (typeof nodes)[number]) => Record<string, string> = () => ({})) =>
        nodes.map((n) => ({ targets: [`${n.host}:${n.port}`], labels: labelsOf(runbook, n.component, { ...(n.instance ? { instance: n.instance } : {}), ...extra(n) }) }));
    switch (requirement.exporter) {
        case "blackbox":
            return blackboxJobs(runbook, requirement);
        case "app":
            return requirement.components.map((name) => {
                const service = runbook.services.find((s) => s.name === name);
                return {
                    job_name: `app-${name}`,
                    metrics_path: service?.metricsPath,
                    static_configs: nodes.filter((n) => n.component === name).map((n) => ({ targets: [`${n.host}:${n.port}`], labels: labelsOf(runbook, name, { instance: n.host }) })),
                };
            });
        case "cadvisor":
            return [
                {
                    job_name: "cadvisor",
                    static_configs: groups(),
                    // cAdvisor reports every container on the engine; Docker labels say whose it is.
                    metric_relabel_configs: [
                        { source_labels: ["container_label_app"], regex: runbook.app, action: "keep" },
                        { source_labels: ["container_label_component"], target_label: "component" },
                        { regex: "container_label_.+", action: "labeldrop" },
                    ],
                },
            ];
        case "rabbitmq":
            // Scraped by rabbitmqScrapeJob below: the broker serves its own metrics.
            return [];
        case "minio":
            // MinIO serves its cluster metrics on its S3 port, without a token (MINIO_PROMETHEUS_AUTH_TYPE=public).
            return [
                {
                    job_name: "minio",
                    metrics_path: MINIO_METRICS_PATH,
                    static_configs: [{ targets: [`${HOSTS.minio}:${INTERNAL_PORTS.minio}`], labels: labelsOf(runbook, OBJECT_STORAGE_COMPONENT, { instance: HOSTS.minio }) }],
                },
            ];
        case "pushgateway":
            // The backup jobs push `app` and `dataset`; honour them over the target's labels.
            return [{ job_name: "pushgateway", honor_labels: true, static_configs: groups() }];
        default:
            return [{ job_name: requirement.exporter, static_configs: groups() }];
    }
}

export function prometheusConfig(runbook: Runbook): PrometheusConfig {
    return {
        global: { scrape_interval: SCRAPE_INTERVAL, evaluation_interval: SCRAPE_INTERVAL },
        rule_files: [`${PROMETHEUS_RULES_DIR}/*.yml`],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`${HOSTS.alertmanager}:${INTERNAL_PORTS.alertmanager}`] }] }] },
        scrape_configs: [
            ...dockerExporters(runbook).flatMap((r) => jobsFor(runbook, r)),
            // RabbitMQ serves its own metrics (the built-in Prometheus plugin): no exporter container.
            ...(runbook.data.rabbitmq ? [rabbitmqScrapeJob(runbook.app, [`${HOSTS.rabbitmq}:${INTERNAL_PORTS.rabbitmqPrometheus}`])] : []),
        ],
    };
}

export function prometheusYaml(runbook: Runbook): string {
    return `# Rendered by capabilities/docker/prometheus.ts from the runbook and the metrics contract.\n${YAML.stringify(prometheusConfig(runbook), { lineWidth: 0 })}`;
}
