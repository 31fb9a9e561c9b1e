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
/**
 * Where the engine's json-file driver writes each container's log (`<id>/<id>-json.log`, mode
 * 0640, root's). Promtail reads these files through a read-only bind, not the Docker socket: the
 * socket, even mounted read-only, is the whole engine API (root on the host).
 */
export const DOCKER_CONTAINERS_DIR = "/var/lib/docker/containers";

/** Container labels the json-file driver copies into every line's `attrs`, so Promtail can label lines without the engine's API. */
export const LOGGED_LABELS = ["app", "component"] as const;

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

/**
 * Promtail tails the engine's json-file logs (DOCKER_CONTAINERS_DIR) and labels each line with the
 * container's `app`/`component` labels and name, which the driver writes into the line's `attrs`
 * (dockerLogOptions); lines of other apps' containers on the same engine are dropped.
 */
export function promtailConfig(runbook: Runbook): Record<string, unknown> {
    return {
        server: { http_listen_port: INTERNAL_PORTS.promtail, grpc_listen_port: 0 },
        positions: { filename: `${PROMTAIL_DATA}/positions.yaml` },
        clients: [{ url: `http://${HOSTS.loki}:${INTERNAL_PORTS.loki}/loki/api/v1/push` }],
        scrape_configs: [
            {
                job_name: "docker",
                static_configs: [{ targets: ["localhost"], labels: { job: "docker", __path__: `${DOCKER_CONTAINERS_DIR}/*/*-json.log` } }],
                pipeline_stages: [
                    { json: { expressions: { output: "log", stream: "stream", time: "time", app: "attrs.app", component: "attrs.component", container: "attrs.tag" } } },
                    { labels: { app: "", component: "", container: "", stream: "" } },
                    { match: { selector: `{app!="${runbook.app}"}`, action: "drop", drop_counter_reason: "other_app" } },
                    { timestamp: { source: "time", format: "RFC3339Nano" } },
                    { output: { source: "output" } },
                    { labeldrop: ["filename"] },
                ],
            },
        ],
    };
}

/**
 * Docker's own log files (json-file driver): each line carries the container's LOGGED_LABELS and
 * name (`tag`) for Promtail. Where the runbook rotates by size (bunty: 10 MB), the driver rotates
 * at the same size; how long lines are kept is Loki's retention. (Docker keeps one file by default
 * and compresses only from two, so the runbook's `compress` has no json-file equivalent.)
 */
export function dockerLogOptions(runbook: Runbook): Record<string, string> {
    const { logs } = runbook;
    const rotate: Record<string, string> = logs.rotation === "size" && logs.rotateMaxSizeMB !== undefined ? { "max-size": `${logs.rotateMaxSizeMB}m` } : {};
    return { labels: LOGGED_LABELS.join(","), tag: "{{.Name}}", ...rotate };
}

export const toYaml = (header: string, value: unknown) => `# ${header}\n${YAML.stringify(value, { lineWidth: 0 })}`;
