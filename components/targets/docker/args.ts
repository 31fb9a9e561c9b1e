import type * as docker from "@pulumi/docker";
import { runsAsContainer } from "../../../capabilities/alerting/exporters";
import { grafanaDashboardProvider } from "../../../capabilities/dashboards";
import { localAlertmanager, localArtifacts } from "../../../capabilities/docker/artifacts";
import { backupJobs } from "../../../capabilities/docker/backups";
import { dockerExporters, exporterCommand, exporterEnv, scrapeNodes } from "../../../capabilities/docker/exporters";
import { GRAFANA_DASHBOARDS_DIR, grafanaDatasources } from "../../../capabilities/docker/grafana";
import { dockerLogOptions, lokiConfig, promtailConfig } from "../../../capabilities/docker/logging";
import { prometheusYaml } from "../../../capabilities/docker/prometheus";
import { serviceEnv } from "../../../capabilities/docker/services";
import { platformLimits } from "../../../capabilities/docker/sizing";
import { publishedPorts } from "../../../capabilities/docker/topology";
import { dataImage, PLATFORM_IMAGES } from "../../../capabilities/docker/versions";
import type { Env, Runbook, Service } from "../../../runbooks";
import type { BackupsArgs } from "./backups";
import type { MonitoringArgs, MonitoredNode } from "./monitoring";
import type { DockerScope } from "./scope";
import type { AppServiceArgs } from "./services";

/**
 * Where the Docker target's runbook becomes its children's Args: the scope's runbook-derived
 * settings, and the Args of the monitoring, the app's services and the backups. The data
 * services' Args are built by their kind's registration (data/*.ts `create`), which gets the
 * runbook from the platform. Only the platform (index.ts) calls these; no component reads a runbook.
 */

/** The scope of one stack: the runbook gives the app id, the published ports, the log options and the platform's limits. */
export function dockerScope(
    rb: Runbook,
    stack: { readonly stack: string; readonly env: Env; readonly protect: boolean },
    engine: { readonly provider: docker.Provider; readonly network: docker.Network; readonly images: ReadonlyMap<string, docker.RemoteImage>; readonly passwords: DockerScope["passwords"] },
): DockerScope {
    return {
        stack: stack.stack,
        env: stack.env,
        protect: stack.protect,
        app: rb.app,
        ports: publishedPorts(rb),
        logOptions: dockerLogOptions(rb),
        platformLimits: (component) => platformLimits(rb, component),
        ...engine,
    };
}

/** The monitoring's runbook-derived Args: rendered rules, routing and dashboards, the exporters, and the monitoring programs' configurations. */
export function monitoringArgs(rb: Runbook, env: Env): Omit<MonitoringArgs, "scope" | "grafanaAdminPassword" | "delivery" | "watched"> {
    const exporters: MonitoredNode[] = [];
    for (const requirement of dockerExporters(rb)) {
        if (requirement.exporter === "app") continue;
        for (const node of scrapeNodes(rb, requirement)) {
            const { exporter } = node;
            if (!runsAsContainer(exporter)) throw new Error(`${rb.app}: ${node.exporter} serves its own metrics and needs no exporter container`);
            exporters.push({ node: { ...node, exporter }, ...exporterEnv(rb, node), command: exporterCommand(rb, node) });
        }
    }
    return {
        rendered: localArtifacts(rb, env),
        alertmanagerWith: (credentials) => localAlertmanager(rb, env, credentials),
        exporters,
        prometheusConfig: prometheusYaml(rb),
        lokiConfig: lokiConfig(rb),
        promtailConfig: promtailConfig(rb),
        jaeger: rb.monitoring.ports.jaeger !== undefined,
        grafanaDatasources: grafanaDatasources(rb),
        grafanaDashboardProvider: grafanaDashboardProvider(rb, GRAFANA_DASHBOARDS_DIR),
    };
}

/** A service's runbook-derived Args: the service itself and its environment. */
export function serviceArgs(rb: Runbook, service: Service): Pick<AppServiceArgs, "service" | "environment"> {
    return { service, environment: serviceEnv(rb, service) };
}

/** The backups' runbook-derived Args: one job per runbook backup, with its client image (a platform image for `mc` and `awsCli`). */
export function backupsArgs(rb: Runbook): Pick<BackupsArgs, "jobs"> {
    return { jobs: backupJobs(rb).map((job) => ({ job, image: job.image === "mc" || job.image === "awsCli" ? PLATFORM_IMAGES[job.image] : dataImage(rb, job.image) })) };
}

