import YAML from "yaml";
import type { Env, Runbook } from "../../runbooks";
import { BLACKBOX_MODULES, EXPORTERS, type ExporterId, type ExporterRequirement } from "../alerting/exporters";
import { SCRAPE_INTERVAL } from "../alerting/metrics";

/**
 * The metrics collector on ECS: a Prometheus agent that scrapes the exporters the metrics
 * contract requires (`requiredExporters(runbook, "aws")`) and remote-writes to Amazon Managed
 * Prometheus, where the generated rules run. Everything here is text; the component wires it.
 */

/** Exact versions of the exporters the contract names (it names the images; the target pins them). */
export const EXPORTER_TAGS: Readonly<Partial<Record<ExporterId, string>>> = {
    blackbox: "v0.25.0",
    postgres: "v0.16.0",
    redis: "v1.66.0",
    kafka: "v1.8.0",
    mongodb: "0.42.0",
};

/** The other third-party images the AWS target runs, pinned. */
export const IMAGES = {
    /** Prometheus in agent mode: scrapes and remote-writes, evaluates nothing (AMP does). */
    prometheus: "prom/prometheus:v2.55.1",
    /** Fetches the RDS/DocumentDB CA bundle into the task before the app starts. */
    caBundle: "curlimages/curl:8.11.0",
    /** Kafka's own CLI, for the one-off topic creation task. */
    kafkaAdmin: "apache/kafka:3.8.1",
    /** Copies Grafana's provisioning files from S3 into its task before Grafana starts (the Kubernetes target's jobs run the same release). */
    awsCli: "amazon/aws-cli:2.18.0",
} as const;

/** Exporters the collector runs beside the agent (app metrics are scraped from the services themselves). */
export const SIDECAR_EXPORTERS: readonly ExporterId[] = ["blackbox", "postgres", "redis", "kafka", "mongodb"];
/**
 * Exporters that have no job on AWS: CloudWatch alarms replace cAdvisor and node_exporter, and no
 * job pushes backup metrics (AWS Backup reports to CloudWatch, where the backup-age alarms read it).
 */
export const NOT_ON_AWS: readonly ExporterId[] = ["cadvisor", "node", "pushgateway"];

/** The port each sidecar exporter listens on (its upstream default). */
export const EXPORTER_PORTS: Readonly<Record<"blackbox" | "postgres" | "redis" | "kafka" | "mongodb", number>> = {
    blackbox: 9115,
    postgres: 9187,
    redis: 9121,
    kafka: 9308,
    mongodb: 9216,
};

export function exporterImage(id: ExporterId): string {
    const tag = EXPORTER_TAGS[id];
    if (!tag) throw new Error(`exporter ${id} has no pinned image on aws`);
    return `${EXPORTERS[id].image}:${tag}`;
}

export interface CollectorEndpoints {
    readonly region: string;
    /** `<workspace prometheusEndpoint>api/v1/remote_write`. */
    readonly remoteWriteUrl: string;
    /** Cloud Map namespace the app services register in: `<service>.<namespace>` resolves to every task. */
    readonly namespace: string;
    /** MSK broker host names, for the brokers' own JMX and node exporters. */
    readonly kafkaBrokers: readonly string[];
}

type ScrapeConfig = Record<string, unknown>;

const labels = (rb: Runbook, component: string, extra: Record<string, string> = {}) => ({ app: rb.app, component, ...extra });

/** The exporter sidecars the app needs on AWS. */
export function sidecarExporters(required: readonly ExporterRequirement[]): ExporterRequirement[] {
    return required.filter((r) => SIDECAR_EXPORTERS.includes(r.exporter));
}

/** prometheus.yml for the agent: one job per exporter the contract requires, labelled as the rules expect. */
export function collectorConfig(rb: Runbook, env: Env, required: readonly ExporterRequirement[], at: CollectorEndpoints): string {
    const jobs: ScrapeConfig[] = [];
    const byId = new Map(required.map((r) => [r.exporter, r]));
    const app = byId.get("app");
    if (app) {
        for (const name of app.components) {
            const svc = rb.services.find((s) => s.name === name);
            if (!svc?.metricsPath) continue;
            jobs.push({
                job_name: `app-${svc.name}`,
                metrics_path: svc.metricsPath,
                dns_sd_configs: [{ names: [`${svc.name}.${at.namespace}`], type: "A", port: svc.port }],
                relabel_configs: [
                    { target_label: "app", replacement: rb.app },
                    { target_label: "component", replacement: svc.name },
                ],
            });
        }
    }
    const blackbox = byId.get("blackbox");
    if (blackbox) {
        const probeRelabel = (extra: Record<string, string>) => [
            { source_labels: ["__address__"], target_label: "__param_target" },
            { source_labels: ["__param_target"], target_label: "instance" },
            { target_label: "__address__", replacement: `127.0.0.1:${EXPORTER_PORTS.blackbox}` },
            ...Object.entries(extra).map(([k, v]) => ({ target_label: k, replacement: v })),
        ];
        for (const p of blackbox.probes ?? []) {
            if (p.probe === "health") {
                // Every task of the service, found through Cloud Map, probed on its health path.
                jobs.push({
                    job_name: `probe-health-${p.component}`,
                    metrics_path: "/probe",
                    params: { module: [p.module] },
                    dns_sd_configs: [{ names: [`${p.component}.${at.namespace}`], type: "A", port: p.port }],
                    relabel_configs: [
                        { source_labels: ["__address__"], regex: "(.*)", target_label: "__param_target", replacement: `http://$1${p.path}` },
                        { source_labels: ["__param_target"], target_label: "instance" },
                        { target_label: "__address__", replacement: `127.0.0.1:${EXPORTER_PORTS.blackbox}` },
                        ...Object.entries(labels(rb, p.component, { probe: "health" })).map(([k, v]) => ({ target_label: k, replacement: v })),
                    ],
                });
            } else {
                jobs.push({
                    job_name: `probe-${p.probe}-${p.component}`,
                    metrics_path: "/probe",
                    params: { module: [p.module] },
                    static_configs: [{ targets: [p.url] }],
                    relabel_configs: probeRelabel(labels(rb, p.component, { probe: p.probe })),
                });
            }
        }
    }
    for (const id of ["postgres", "redis", "kafka", "mongodb"] as const) {
        const req = byId.get(id);
        if (!req) continue;
        jobs.push({
            job_name: id,
            static_configs: [{ targets: [`127.0.0.1:${EXPORTER_PORTS[id]}`], labels: labels(rb, id) }],
        });
    }
    if (byId.get("kafka") && at.kafkaBrokers.length) {
        for (const [job, port] of [
            ["kafka-jmx", 11001],
            ["kafka-node", 11002],
        ] as const) {
            jobs.push({ job_name: job, static_configs: [{ targets: at.kafkaBrokers.map((h) => `${h}:${port}`), labels: labels(rb, "kafka") }] });
        }
    }
    const config = {
        global: { scrape_interval: SCRAPE_INTERVAL, evaluation_interval: SCRAPE_INTERVAL, external_labels: { env } },
        remote_write: [{ url: at.remoteWriteUrl, sigv4: { region: at.region }, queue_config: { max_samples_per_send: 1000, capacity: 2500 } }],
        scrape_configs: jobs,
    };
    return YAML.stringify(config);
}

/** blackbox_exporter's modules file, from the contract. */
export function blackboxConfig(): string {
    return YAML.stringify({ modules: BLACKBOX_MODULES });
}

/**
 * Where the agent's prometheus.yml lives: an object in the collector's bucket, copied into a task
 * volume by an init container before the agent starts. The file grows with every service (a scrape
 * job and a health probe each, about 1.7 KB), and an ECS task definition holds at most 64 KiB
 * (capabilities/quotas.ts): held in the definition, it stopped fitting near 37 services.
 */
export const COLLECTOR_CONFIG = {
    /** The object key in the collector's bucket. */
    key: "prometheus.yml",
    volume: "collector-config",
    /** Where the init container writes the volume. */
    syncDir: "/collector-config",
    /** Where the agent reads it. */
    dir: "/etc/prometheus-runbook",
    initContainer: "collector-config",
    /** The agent's environment variable holding the file's SHA-256: a changed file is a new task definition, so ECS rolls the agent. */
    digestVariable: "PROMETHEUS_CONFIG_SHA256",
} as const;

/** The agent's command line: agent mode, the config file from the synced volume. */
export function agentEntryPoint(): string[] {
    return ["/bin/prometheus", "--enable-feature=agent", `--config.file=${COLLECTOR_CONFIG.dir}/${COLLECTOR_CONFIG.key}`, "--storage.agent.path=/prometheus/agent"];
}

/** The shell line that writes a config held in an environment variable to a file and starts the server. */
export function configFromEnv(variable: string, file: string, exec: string[]): string[] {
    return ["/bin/sh", "-c", `printf '%s' "$${variable}" > ${file} && exec ${exec.join(" ")}`];
}
