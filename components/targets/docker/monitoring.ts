import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import type { LocalArtifacts } from "../../../capabilities/docker/artifacts";
import { KAFKA_EXPORTER_ENTRYPOINT } from "../../../capabilities/docker/kafka";
import { BLACKBOX_CONFIG_PATH, PUSHGATEWAY_DATA, blackboxConfig, type ScrapeNode } from "../../../capabilities/docker/exporters";
import type { SecretEnv } from "../../../capabilities/docker/backups";
import type { ContainerExporterId } from "../../../capabilities/alerting/exporters";
import { GRAFANA_HEALTH_PATH, grafanaEnv } from "../../../capabilities/dashboards";
import { GRAFANA_DASHBOARDS_DIR, GRAFANA_DATA, GRAFANA_PROVISIONING } from "../../../capabilities/docker/grafana";
import { PLATFORM_IMAGES, exporterImage } from "../../../capabilities/docker/versions";
import { DOCKER_CONTAINERS_DIR, LOKI_CONFIG_PATH, LOKI_DATA, PROMTAIL_CONFIG_PATH, PROMTAIL_DATA } from "../../../capabilities/docker/logging";
import { PROMETHEUS_CONFIG_PATH, PROMETHEUS_DATA, PROMETHEUS_RULES_DIR } from "../../../capabilities/docker/prometheus";
import { HOSTS, INTERNAL_PORTS } from "../../../capabilities/docker/topology";
import type { DeliveryCredentials } from "../../../capabilities/alerting/delivery";

/**
 * How the exporters run where they can (policies/lib/hardening.ts, DOCKER_EXPORTER_EXCEPTIONS
 * says which cannot and why): as nobody, on a read-only root with a small tmpfs, every capability dropped.
 */
const EXPORTER_CONFINED = { user: "65534", confined: { scratch: "/tmp", scratchMiB: 16 } } as const;
/**
 * Prometheus, Alertmanager, Loki and Grafana run confined the same way as their images' own users
 * (prom/* as nobody, Loki as 10001, Grafana as 472: each owns its data directory, so a volume made
 * from it is theirs); their configuration is uploaded into volumes of its own (`withUploadVolumes`).
 */
const SCRATCH = { scratch: "/tmp", scratchMiB: 16 } as const;
import { WRITABLE_PATHS } from "../../../capabilities/docker/writable";
import { container, upload, volume, withUploadVolumes, type ContainerSpec, type DockerScope } from "./scope";

export interface MonitoringArgs {
    /** The Docker target's shared scope: stack, environment, app id (the rules file's name), provider, network, pulled images, generated passwords (the exporters' logins). */
    readonly scope: DockerScope;
    /** The alerting capability's files rendered for this stack without credentials (`localArtifacts`): the rules from the runbook's alerts, the routing, the dashboards. */
    readonly rendered: LocalArtifacts;
    /** alertmanager.yml rendered again with the stack's delivery credentials (`localAlertmanager`): the runbook's routing with the integrations they enable. */
    alertmanagerWith(credentials: DeliveryCredentials): string;
    /** One exporter container per scrape node the metrics contract requires and a container serves (`dockerExporters`, `scrapeNodes`; the app's own metrics excluded), in order, with its environment and command (`exporterEnv`, `exporterCommand`). */
    readonly exporters: readonly MonitoredNode[];
    /** prometheus.yml: the scrape jobs and probes of the runbook's services and data services (`prometheusYaml`). */
    readonly prometheusConfig: string;
    /** Loki's configuration, with the runbook's log retention (`lokiConfig`). */
    readonly lokiConfig: Record<string, unknown>;
    /** Promtail's configuration: this app's containers' log files (`promtailConfig`). */
    readonly promtailConfig: Record<string, unknown>;
    /** Run Jaeger: the runbook's `monitoring.ports.jaeger` is set. */
    readonly jaeger: boolean;
    /** Grafana's datasources (`grafanaDatasources`). */
    readonly grafanaDatasources: Record<string, unknown>;
    /** Grafana's dashboard provider over `GRAFANA_DASHBOARDS_DIR` (`grafanaDashboardProvider`). */
    readonly grafanaDashboardProvider: Record<string, unknown>;
    /** Grafana's generated admin password (`PlatformSecrets.grafanaAdmin`). */
    readonly grafanaAdminPassword: pulumi.Output<string>;
    /** The stack's alert-delivery credentials (`deliveryCredentials`); each one absent leaves its integration out of Alertmanager (on a laptop, usually all). */
    readonly delivery?: pulumi.Output<DeliveryCredentials>;
    /** Containers the exporters watch; they are created after these. Defaults to none. */
    readonly watched?: readonly pulumi.Resource[];
}

/** An exporter container's scrape node and what the runbook makes of it: its environment and command. */
export interface MonitoredNode {
    /** The node, of an exporter that runs as a container (`runsAsContainer`). */
    readonly node: ScrapeNode & { readonly exporter: ContainerExporterId };
    /** Its plain environment (`exporterEnv`): what it watches. */
    readonly env: Readonly<Record<string, string>>;
    /** Its login from the generated passwords, kept secret (`exporterEnv`). */
    readonly secretEnv: Readonly<Record<string, SecretEnv>>;
    /** Its flags (`exporterCommand`). */
    readonly command: readonly string[];
}

const yaml = (v: unknown) => YAML.stringify(v, { lineWidth: 0 });
const HEALTH = { interval: "15s", timeout: "5s", retries: 5, startPeriod: "30s" } as const;
const httpHealth = (port: number, path: string) => ({ tests: ["CMD-SHELL", `wget -q -O /dev/null http://127.0.0.1:${port}${path}`], ...HEALTH });

/**
 * Monitoring of one app on Docker: the exporters the metrics contract requires, Prometheus with
 * the rendered rules, Alertmanager with the rendered routing, Grafana with the rendered
 * dashboards, Loki and Promtail with the runbook's log retention, and Jaeger where the runbook
 * runs it. Ports are the runbook's `monitoring.ports`, on 127.0.0.1.
 */
export class Monitoring extends pulumi.ComponentResource {
    /** One container per exporter node, by host name. */
    public readonly exporters: Record<string, docker.Container>;
    public readonly prometheus: docker.Container;
    public readonly alertmanager: docker.Container;
    public readonly grafana: docker.Container;
    public readonly loki: docker.Container;
    public readonly promtail: docker.Container;
    public readonly jaeger?: docker.Container;
    public readonly volumes: Record<string, docker.Volume>;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:docker:Monitoring", name, {}, opts);
        const { scope, rendered } = args;
        const watched = [...(args.watched ?? [])];
        const vol = (part: string, component: string) => volume(this, `${name}-${part}`, scope, part, component);
        this.volumes = {};

        this.exporters = {};
        for (const exporter of args.exporters) {
            this.exporters[exporter.node.host] = container(this, `${name}-${exporter.node.host}`, scope, this.exporterSpec(name, scope, exporter), watched);
        }

        this.volumes.prometheus = vol("prometheus-data", "prometheus");
        this.prometheus = container(
            this,
            `${name}-prometheus`,
            scope,
            withUploadVolumes(this, `${name}-prometheus`, scope, {
                part: "prometheus",
                component: "prometheus",
                image: PLATFORM_IMAGES.prometheus,
                aliases: [HOSTS.prometheus],
                command: [`--config.file=${PROMETHEUS_CONFIG_PATH}`, `--storage.tsdb.path=${PROMETHEUS_DATA}`],
                uploads: [upload(PROMETHEUS_CONFIG_PATH, args.prometheusConfig), upload(`${PROMETHEUS_RULES_DIR}/${scope.app}.yml`, rendered.rules)],
                volumes: [{ volume: this.volumes.prometheus, path: PROMETHEUS_DATA }],
                healthcheck: httpHealth(INTERNAL_PORTS.prometheus, "/-/ready"),
                user: "65534",
                confined: SCRATCH,
            }),
            Object.values(this.exporters),
        );

        const withCredentials = args.delivery !== undefined;
        // With credentials the file holds them: rendered again once they are known, and kept secret.
        const alertmanagerYaml: pulumi.Input<string> = args.delivery
            ? pulumi.secret(args.delivery.apply((credentials) => args.alertmanagerWith(credentials)))
            : rendered.alertmanager;
        this.volumes.alertmanager = vol("alertmanager-data", "alertmanager");
        this.alertmanager = container(this, `${name}-alertmanager`, scope, withUploadVolumes(this, `${name}-alertmanager`, scope, {
            part: "alertmanager",
            component: "alertmanager",
            image: PLATFORM_IMAGES.alertmanager,
            aliases: [HOSTS.alertmanager],
            command: ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"],
            uploads: [upload("/etc/alertmanager/alertmanager.yml", alertmanagerYaml)],
            secretUploads: withCredentials,
            volumes: [{ volume: this.volumes.alertmanager, path: "/alertmanager" }],
            healthcheck: httpHealth(INTERNAL_PORTS.alertmanager, "/-/ready"),
            user: "65534",
            confined: SCRATCH,
        }));

        this.volumes.loki = vol("loki-data", "loki");
        this.loki = container(this, `${name}-loki`, scope, withUploadVolumes(this, `${name}-loki`, scope, {
            part: "loki",
            component: "loki",
            image: PLATFORM_IMAGES.loki,
            aliases: [HOSTS.loki],
            command: [`-config.file=${LOKI_CONFIG_PATH}`],
            uploads: [upload(LOKI_CONFIG_PATH, yaml(args.lokiConfig))],
            volumes: [{ volume: this.volumes.loki, path: LOKI_DATA }],
            healthcheck: httpHealth(INTERNAL_PORTS.loki, "/ready"),
            user: "10001",
            confined: SCRATCH,
        }));

        this.volumes.promtail = vol("promtail-positions", "promtail");
        // Promtail runs on a read-only root: its configuration is uploaded into a volume of its own.
        this.volumes.promtailConfig = vol("promtail-config", "promtail");
        this.promtail = container(
            this,
            `${name}-promtail`,
            scope,
            {
                part: "promtail",
                component: "promtail",
                image: PLATFORM_IMAGES.promtail,
                aliases: [HOSTS.promtail],
                command: [`-config.file=${PROMTAIL_CONFIG_PATH}`],
                uploads: [upload(PROMTAIL_CONFIG_PATH, yaml(args.promtailConfig))],
                volumes: [
                    { volume: this.volumes.promtail, path: PROMTAIL_DATA },
                    { volume: this.volumes.promtailConfig, path: path.posix.dirname(PROMTAIL_CONFIG_PATH) },
                ],
                // The engine's log files, read-only (no Docker socket). They are root's (0640): Promtail runs as
                // UID 0 without a single capability, so it reads what root owns and nothing else, on a read-only root.
                binds: [{ hostPath: DOCKER_CONTAINERS_DIR, path: DOCKER_CONTAINERS_DIR, readOnly: true }],
                user: "0",
                confined: { scratch: "/tmp", scratchMiB: 16 },
            },
            [this.loki],
        );

        if (args.jaeger) {
            this.jaeger = container(this, `${name}-jaeger`, scope, {
                part: "jaeger",
                component: "jaeger",
                image: PLATFORM_IMAGES.jaeger,
                aliases: [HOSTS.jaeger],
                env: { COLLECTOR_OTLP_ENABLED: "true" },
                // jaegertracing/all-in-one 1.62.0 (cmd/all-in-one/Dockerfile): `USER 10001`, `VOLUME ["/tmp"]`; main.go sets
                // SPAN_STORAGE_TYPE=memory, so it writes no file: /tmp is the one writable path, a bounded tmpfs instead of an anonymous volume.
                user: "10001",
                confined: SCRATCH,
            });
        }

        this.volumes.grafana = vol("grafana-data", "grafana");
        this.grafana = container(
            this,
            `${name}-grafana`,
            scope,
            withUploadVolumes(this, `${name}-grafana`, scope, {
                part: "grafana",
                component: "grafana",
                image: PLATFORM_IMAGES.grafana,
                aliases: [HOSTS.grafana],
                // Logs to the console only, as on ECS; Promtail reads them from the engine.
                env: { ...grafanaEnv(), GF_LOG_MODE: "console" },
                secretValues: { GF_SECURITY_ADMIN_PASSWORD: args.grafanaAdminPassword },
                uploads: [
                    upload(`${GRAFANA_PROVISIONING}/datasources/platform.yml`, yaml(args.grafanaDatasources)),
                    upload(`${GRAFANA_PROVISIONING}/dashboards/platform.yml`, yaml(args.grafanaDashboardProvider)),
                    ...rendered.dashboards.map((d) => upload(`${GRAFANA_DASHBOARDS_DIR}/${d.file}`, d.content)),
                ],
                volumes: [{ volume: this.volumes.grafana, path: GRAFANA_DATA }],
                healthcheck: httpHealth(INTERNAL_PORTS.grafana, GRAFANA_HEALTH_PATH),
                user: "472",
                confined: SCRATCH,
                readOnlyRoot: { tmpfs: WRITABLE_PATHS.grafana },
            }),
            [this.prometheus, this.loki, this.alertmanager],
        );
        this.registerOutputs({});
    }

    private exporterSpec(name: string, scope: DockerScope, { node, env, secretEnv, command }: MonitoredNode): ContainerSpec {
        const base: ContainerSpec = {
            part: node.host,
            // Not the watched service's name: cAdvisor's per-component series must not mix the exporter in.
            component: `${node.exporter}-exporter`,
            image: exporterImage(node.exporter),
            aliases: [node.host],
            env,
            secretEnv,
            command,
        };
        switch (node.exporter) {
            case "blackbox":
                return { ...base, uploads: [upload(BLACKBOX_CONFIG_PATH, yaml(blackboxConfig()))] };
            case "cadvisor":
                // cAdvisor reads every container's cgroups and the engine's state: the documented read-only mounts, privileged.
                return {
                    ...base,
                    privileged: true,
                    binds: [
                        { hostPath: "/", path: "/rootfs", readOnly: true },
                        { hostPath: "/var/run", path: "/var/run", readOnly: true },
                        { hostPath: "/sys", path: "/sys", readOnly: true },
                        { hostPath: "/var/lib/docker", path: "/var/lib/docker", readOnly: true },
                        { hostPath: "/dev/disk", path: "/dev/disk", readOnly: true },
                    ],
                };
            case "node":
                // Reads the host's filesystems (read-only bind) as the image's nobody; writes nothing.
                return { ...base, binds: [{ hostPath: "/", path: "/host", readOnly: true }], ...EXPORTER_CONFINED };
            case "kafka":
                // The flags are the command; the image's shell adds the password from the secret variable.
                return { ...base, entrypoint: KAFKA_EXPORTER_ENTRYPOINT, ...EXPORTER_CONFINED };
            case "pushgateway": {
                const data = volume(this, `${name}-${node.host}-data`, scope, `${node.host}-data`, "pushgateway");
                this.volumes.pushgateway = data;
                // The image runs as nobody (65534) and owns /pushgateway: Docker gives a new volume the image directory's owner.
                return { ...base, user: "65534", volumes: [{ volume: data, path: PUSHGATEWAY_DATA }], confined: { scratch: "/tmp", scratchMiB: 16 } };
            }
            default:
                // The data services' exporters take flags and their environment, serve metrics and write nothing.
                return { ...base, ...EXPORTER_CONFINED };
        }
    }
}
