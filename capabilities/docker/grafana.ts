import type { Runbook } from "../../runbooks";
import { GRAFANA_ADMIN_USER } from "../dashboards";
import { HOSTS, INTERNAL_PORTS } from "./topology";

export { GRAFANA_ADMIN_USER };

/**
 * Grafana provisioning for the local platform: the data sources (Prometheus, Loki, Alertmanager,
 * Jaeger where the runbook runs it) and a file provider for the rendered dashboards, which are
 * read-only in the UI so the runbook stays their source.
 */

export const GRAFANA_PROVISIONING = "/etc/grafana/provisioning";
/** Outside the data volume, so each `pulumi up` uploads the dashboards afresh. */
export const GRAFANA_DASHBOARDS_DIR = "/etc/grafana/dashboards";
export const GRAFANA_DATA = "/var/lib/grafana";

export const DATASOURCE_UIDS = { prometheus: "prometheus", loki: "loki", alertmanager: "alertmanager", jaeger: "jaeger" } as const;

export function grafanaDatasources(runbook: Runbook): Record<string, unknown> {
    const datasources: Record<string, unknown>[] = [
        { name: "Prometheus", uid: DATASOURCE_UIDS.prometheus, type: "prometheus", access: "proxy", url: `http://${HOSTS.prometheus}:${INTERNAL_PORTS.prometheus}`, isDefault: true, editable: false },
        { name: "Loki", uid: DATASOURCE_UIDS.loki, type: "loki", access: "proxy", url: `http://${HOSTS.loki}:${INTERNAL_PORTS.loki}`, editable: false },
        {
            name: "Alertmanager",
            uid: DATASOURCE_UIDS.alertmanager,
            type: "alertmanager",
            access: "proxy",
            url: `http://${HOSTS.alertmanager}:${INTERNAL_PORTS.alertmanager}`,
            jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false },
            editable: false,
        },
    ];
    if (runbook.monitoring.ports.jaeger !== undefined) {
        datasources.push({ name: "Jaeger", uid: DATASOURCE_UIDS.jaeger, type: "jaeger", access: "proxy", url: `http://${HOSTS.jaeger}:${INTERNAL_PORTS.jaegerUi}`, editable: false });
    }
    return { apiVersion: 1, datasources };
}

export function grafanaDashboardProvider(runbook: Runbook): Record<string, unknown> {
    return {
        apiVersion: 1,
        providers: [
            {
                name: `${runbook.app}-runbook`,
                folder: runbook.title,
                type: "file",
                disableDeletion: true,
                allowUiUpdates: false,
                options: { path: GRAFANA_DASHBOARDS_DIR, foldersFromFilesStructure: false },
            },
        ],
    };
}

/** Non-secret Grafana settings; the admin password is added from the generated secret. */
export function grafanaEnv(): Record<string, string> {
    return {
        GF_SECURITY_ADMIN_USER: GRAFANA_ADMIN_USER,
        GF_USERS_ALLOW_SIGN_UP: "false",
        GF_AUTH_ANONYMOUS_ENABLED: "false",
        GF_ANALYTICS_REPORTING_ENABLED: "false",
    };
}
