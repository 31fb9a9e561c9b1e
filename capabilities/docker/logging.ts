import YAML from "yaml";
import type { Runbook } from "../../runbooks";
import { HOSTS, INTERNAL_PORTS } from "./topology";

/**
 * Logs on the local platform: every container writes to Docker's log, Promtail ships the app's
 * containers' logs to Loki, and Loki keeps them for the runbook's `logs.retentionDays` (the
 * compactor deletes older chunks). gravitypm's runbook names ELK; locally it gets Loki too (see
 * docs/docker.md: the same search through Grafana, without Elasticsearch's memory and host
 * settings on a laptop).
 */

export const LOKI_CONFIG_PATH = "/etc/loki/local-config.yaml";
export const LOKI_DATA = "/loki";
export const PROMTAIL_CONFIG_PATH = "/etc/promtail/config.yml";
export const PROMTAIL_DATA = "/var/lib/promtail";
export const DOCKER_SOCKET = "/var/run/docker.sock";

/** The date the storage schema starts at; fixed, so a re-render never changes where old chunks are read from. */
const SCHEMA_FROM = "2024-01-01";

export function lokiConfig(runbook: Runbook): Record<string, unknown> {
    return {
        auth_enabled: false,
        server: { http_listen_port: INTERNAL_PORTS.loki, grpc_listen_port: 9096 },
        common: {
            instance_addr: "127.0.0.1",
            path_prefix: LOKI_DATA,
            storage: { filesystem: { chunks_directory: `${LOKI_DATA}/chunks`, rules_directory: `${LOKI_DATA}/rules` } },
            replication_factor: 1,
            ring: { kvstore: { store: "inmemory" } },
        },
        schema_config: { configs: [{ from: SCHEMA_FROM, store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "index_", period: "24h" } }] },
        limits_config: { retention_period: `${runbook.logs.retentionDays * 24}h` },
        compactor: { working_directory: `${LOKI_DATA}/compactor`, retention_enabled: true, delete_request_store: "filesystem" },
        analytics: { reporting_enabled: false },
    };
}

/** Promtail reads the app's containers through the Docker API and labels their lines with the containers' `app`/`component` labels. */
export function promtailConfig(runbook: Runbook): Record<string, unknown> {
    return {
        server: { http_listen_port: INTERNAL_PORTS.promtail, grpc_listen_port: 0 },
        positions: { filename: `${PROMTAIL_DATA}/positions.yaml` },
        clients: [{ url: `http://${HOSTS.loki}:${INTERNAL_PORTS.loki}/loki/api/v1/push` }],
        scrape_configs: [
            {
                job_name: "docker",
                docker_sd_configs: [{ host: `unix://${DOCKER_SOCKET}`, refresh_interval: "15s", filters: [{ name: "label", values: [`app=${runbook.app}`] }] }],
                relabel_configs: [
                    { source_labels: ["__meta_docker_container_label_app"], target_label: "app" },
                    { source_labels: ["__meta_docker_container_label_component"], target_label: "component" },
                    { source_labels: ["__meta_docker_container_name"], regex: "/(.*)", target_label: "container" },
                    { source_labels: ["__meta_docker_container_log_stream"], target_label: "stream" },
                ],
            },
        ],
    };
}

/**
 * Docker's own log files: where the runbook rotates by size (bunty: 10 MB), the json-file driver
 * rotates at the same size; how long lines are kept is Loki's retention. (Docker keeps one file by
 * default and compresses only from two, so the runbook's `compress` has no json-file equivalent.)
 */
export function dockerLogOptions(runbook: Runbook): Record<string, string> | undefined {
    const { logs } = runbook;
    if (logs.rotation !== "size" || logs.rotateMaxSizeMB === undefined) return undefined;
    return { "max-size": `${logs.rotateMaxSizeMB}m` };
}

export const toYaml = (header: string, value: unknown) => `# ${header}\n${YAML.stringify(value, { lineWidth: 0 })}`;
