import type { Runbook } from "../../runbooks";
import { DATASOURCE_UIDS, datasourcesFile, prometheusDatasource, type Datasource } from "../dashboards";
import { HOSTS, INTERNAL_PORTS } from "./topology";

/**
 * Grafana provisioning for the local platform: the data sources (Prometheus, Loki, Alertmanager,
 * Jaeger where the runbook runs it) and a file provider for the rendered dashboards, which are
 * read-only in the UI so the runbook stays their source.
 */

export const GRAFANA_PROVISIONING = "/etc/grafana/provisioning";
/** Outside the data volume, so each `pulumi up` uploads the dashboards afresh. */
export const GRAFANA_DASHBOARDS_DIR = "/etc/grafana/dashboards";
export const GRAFANA_DATA = "/var/lib/grafana";

export function grafanaDatasources(runbook: Runbook): Record<string, unknown> {
    const datasources: Datasource[] = [
        prometheusDatasource(`http://${HOSTS.prometheus}:${INTERNAL_PORTS.prometheus}`),
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
    return datasourcesFile(datasources);
}
