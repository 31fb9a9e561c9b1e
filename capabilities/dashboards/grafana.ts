import type { Runbook } from "../../runbooks";
import type { Target } from "../targets";
import { dashboardsFor } from "./dashboards";

/**
 * What every target that runs Grafana itself (Docker, AWS) provisions it with, whatever carries
 * the files there: the pinned image, the non-secret settings, the data source file's shape, the
 * file provider of the rendered dashboards (read-only in the UI, so the runbook stays their
 * source) and the dashboard files. Kubernetes runs the kube-prometheus-stack chart's Grafana.
 */

/** Grafana's admin login on every target that runs Grafana; its password is the generated `PlatformSecrets.grafanaAdmin`. */
export const GRAFANA_ADMIN_USER = "admin";

/** The Grafana release the platform runs where it pins one (Docker, AWS). */
export const GRAFANA_IMAGE = "grafana/grafana:11.2.2";
/** Grafana's own HTTP port (its default `http_port`) and health endpoint. */
export const GRAFANA_PORT = 3000;
export const GRAFANA_HEALTH_PATH = "/api/health";

/** Data source uids; the Prometheus one is the default data source, which the dashboards' `datasource` variable selects. */
export const DATASOURCE_UIDS = { prometheus: "prometheus", loki: "loki", alertmanager: "alertmanager", jaeger: "jaeger", cloudwatch: "cloudwatch" } as const;

export type Datasource = Record<string, unknown> & { readonly name: string; readonly uid: string; readonly type: string };

/** The platform's Prometheus (or Amazon Managed Prometheus) as Grafana's default data source; `jsonData` adds e.g. SigV4 settings. */
export function prometheusDatasource(url: string, jsonData?: Record<string, unknown>): Datasource {
    return { name: "Prometheus", uid: DATASOURCE_UIDS.prometheus, type: "prometheus", access: "proxy", url, isDefault: true, editable: false, ...(jsonData ? { jsonData } : {}) };
}

/** A provisioning file of data sources (`provisioning/datasources/*.yml`). */
export function datasourcesFile(datasources: readonly Datasource[]): { apiVersion: 1; datasources: readonly Datasource[] } {
    return { apiVersion: 1, datasources };
}

/** The file provider (`provisioning/dashboards/*.yml`) that loads the rendered dashboards from `path`, read-only in the UI. */
export function grafanaDashboardProvider(runbook: Runbook, path: string): Record<string, unknown> {
    return {
        apiVersion: 1,
        providers: [
            {
                name: `${runbook.app}-runbook`,
                folder: runbook.title,
                type: "file",
                disableDeletion: true,
                allowUiUpdates: false,
                options: { path, foldersFromFilesStructure: false },
            },
        ],
    };
}

/** One JSON file per dashboard of the runbook, `<uid>.json`, as the file provider reads them; with a target, that target's panels (dashboardsFor). */
export function dashboardFiles(runbook: Runbook, target?: Target): { file: string; content: string }[] {
    return dashboardsFor(runbook, target).map((d) => ({ file: `${d.uid}.json`, content: `${JSON.stringify(d.dashboard, null, 2)}\n` }));
}

/** Non-secret Grafana settings: the admin user, no sign-up, no anonymous access, no usage reporting; the admin password is added from the generated secret. */
export function grafanaEnv(): Record<string, string> {
    return {
        GF_SECURITY_ADMIN_USER: GRAFANA_ADMIN_USER,
        GF_USERS_ALLOW_SIGN_UP: "false",
        GF_AUTH_ANONYMOUS_ENABLED: "false",
        GF_ANALYTICS_REPORTING_ENABLED: "false",
    };
}
