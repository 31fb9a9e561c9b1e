import type { Runbook } from "../../runbooks";
import { BLACKBOX_MODULES, EXPORTERS, requiredExporters, type ExporterId, type ExporterRequirement } from "../alerting/exporters";
import { postgresRoles } from "../postgres-roles";
import type { SecretEnv } from "./backups";
import { kafkaExporterSaslFlags } from "./kafka";
import { mongoMemberUri } from "./mongodb";
import { HOSTS, INTERNAL_PORTS, kafkaBrokers, mongoMembers, postgresReplicas, redisReplicas } from "./topology";

/**
 * The exporter containers of the local platform: exactly those the metrics contract says the
 * app's rules and dashboards need (`requiredExporters(runbook, "docker")`), one per watched node
 * where an exporter watches a single server, and what Prometheus scrapes on each.
 */

/** The contract's requirements on this target. */
export function dockerExporters(runbook: Runbook): ExporterRequirement[] {
    return requiredExporters(runbook, "docker");
}

/** One exporter container (or the app's own endpoint) Prometheus scrapes. */
export interface ScrapeNode {
    readonly exporter: ExporterId;
    /** Host name of the container Prometheus scrapes. */
    readonly host: string;
    readonly port: number;
    /** `component` label: the service, data service or `""` for host-wide exporters. */
    readonly component: string;
    /** `instance` label: the watched server (a data node or a replica), not the exporter's address. */
    readonly instance?: string;
    /** For exporters that watch one server: the server's host name. */
    readonly watches?: string;
}

/** The nodes each required exporter runs as; `app` nodes are the services' replicas themselves. */
export function scrapeNodes(runbook: Runbook, requirement: ExporterRequirement): ScrapeNode[] {
    const id = requirement.exporter;
    const perNode = (component: string, nodes: string[], port: number, host: (n: string) => string): ScrapeNode[] =>
        nodes.map((node) => ({ exporter: id, host: host(node), port, component, instance: node, watches: node }));
    switch (id) {
        case "app":
            return requirement.components.flatMap((name) => {
                const service = runbook.services.find((s) => s.name === name);
                if (!service?.metricsPath) throw new Error(`${runbook.app}: the contract scrapes ${name}'s metrics, but \`services[${name}].metricsPath\` is not set`);
                return Array.from({ length: service.scaling.desired }, (_, i) => {
                    const host = `${service.name}-${i + 1}`;
                    return { exporter: id, host, port: service.port, component: service.name, instance: host };
                });
            });
        case "postgres":
            return perNode("postgres", [HOSTS.postgres, ...postgresReplicas(runbook)], INTERNAL_PORTS.postgresExporter, HOSTS.postgresExporter);
        case "redis":
            return perNode("redis", [HOSTS.redis, ...redisReplicas(runbook)], INTERNAL_PORTS.redisExporter, HOSTS.redisExporter);
        case "mongodb":
            return perNode("mongodb", mongoMembers(runbook), INTERNAL_PORTS.mongodbExporter, HOSTS.mongodbExporter);
        case "rabbitmq":
        case "minio":
            // The broker and the object store serve their own metrics: no exporter container; prometheus.ts scrapes them with their own job.
            return [];
        case "kafka":
            return [{ exporter: id, host: HOSTS.kafkaExporter, port: INTERNAL_PORTS.kafkaExporter, component: "kafka", instance: "kafka" }];
        case "blackbox":
            return [{ exporter: id, host: HOSTS.blackbox, port: INTERNAL_PORTS.blackbox, component: "" }];
        case "cadvisor":
            return [{ exporter: id, host: HOSTS.cadvisor, port: INTERNAL_PORTS.cadvisor, component: "" }];
        case "node":
            return [{ exporter: id, host: HOSTS.nodeExporter, port: INTERNAL_PORTS.nodeExporter, component: "" }];
        case "pushgateway":
            return [{ exporter: id, host: HOSTS.pushgateway, port: INTERNAL_PORTS.pushgateway, component: "" }];
    }
}

/** blackbox.yml: the contract's probe modules. */
export function blackboxConfig(): { modules: typeof BLACKBOX_MODULES } {
    return { modules: BLACKBOX_MODULES };
}

export const BLACKBOX_CONFIG_PATH = "/etc/blackbox_exporter/config.yml";
export const PUSHGATEWAY_DATA = "/pushgateway";

/** Command-line flags of an exporter container: the contract's flags plus where it listens and what it watches. */
export function exporterCommand(runbook: Runbook, node: ScrapeNode): string[] {
    const flags = [...EXPORTERS[node.exporter].flags];
    switch (node.exporter) {
        case "kafka":
            // Its own SCRAM user, Describe only; the password comes from KAFKA_PASSWORD (KAFKA_EXPORTER_ENTRYPOINT).
            return [...flags, ...kafkaBrokers(runbook).map((b) => `--kafka.server=${b}:${INTERNAL_PORTS.kafka}`), ...kafkaExporterSaslFlags(runbook)];
        case "mongodb":
            return [...flags, "--mongodb.direct-connect=true", `--web.listen-address=:${INTERNAL_PORTS.mongodbExporter}`];
        case "blackbox":
            return [...flags, `--config.file=${BLACKBOX_CONFIG_PATH}`];
        case "node":
            // The host's filesystems, mounted read-only at /host: disk_usage is about the machine's disks.
            return [...flags, "--path.rootfs=/host"];
        case "pushgateway":
            // Backup timestamps survive a restart, so a restart does not look like a missed backup.
            return [...flags, `--persistence.file=${PUSHGATEWAY_DATA}/metrics`, "--persistence.interval=1m"];
        default:
            return flags;
    }
}

/** Where an exporter that watches one server finds it; credentials come from the generated secrets. */
export function exporterEnv(runbook: Runbook, node: ScrapeNode): { env: Record<string, string>; secretEnv: Record<string, SecretEnv> } {
    const watches = node.watches;
    switch (node.exporter) {
        case "postgres": {
            const pg = runbook.data.postgres;
            if (!pg || !watches) throw new Error(`${runbook.app}: postgres_exporter needs \`data.postgres\``);
            return {
                // The read-only monitoring role (capabilities/postgres-roles.ts); replicas share the primary's roles.
                env: { DATA_SOURCE_URI: `${watches}:${INTERNAL_PORTS.postgres}/${pg.database}?sslmode=disable`, DATA_SOURCE_USER: postgresRoles(runbook.app, pg).monitor },
                secretEnv: { DATA_SOURCE_PASS: { secret: "postgresMonitor", value: (p) => p } },
            };
        }
        case "redis":
            if (!watches) throw new Error(`${runbook.app}: redis_exporter needs a Redis node`);
            return { env: { REDIS_ADDR: `redis://${watches}:${INTERNAL_PORTS.redis}` }, secretEnv: { REDIS_PASSWORD: { secret: "redis", value: (p) => p } } };
        case "mongodb":
            if (!watches) throw new Error(`${runbook.app}: mongodb_exporter needs a member`);
            // The monitoring user (capabilities/mongodb-users.ts), never root.
            return { env: {}, secretEnv: { MONGODB_URI: { secret: "mongodbMonitor", value: (p) => mongoMemberUri(runbook, watches, p) } } };
        case "kafka":
            return { env: {}, secretEnv: { KAFKA_PASSWORD: { secret: "kafkaMonitor", value: (p) => p } } };
        default:
            return { env: {}, secretEnv: {} };
    }
}
