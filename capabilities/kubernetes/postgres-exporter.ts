import type * as k8s from "@pulumi/kubernetes";
import type { Runbook } from "../../runbooks";
import { EXPORTERS } from "../alerting/exporters";
import { sidecarResources } from "./data-pods";
import { DATA_ACCESS_LABELS, LABEL, type Names } from "./names";
import { postgresExporterEnv, postgresMonitorSecret } from "./postgres";
import { hardened, podSecurity } from "./security";
import { IMAGES } from "./versions";

/**
 * postgres_exporter beside the CloudNativePG cluster, as specs: CloudNativePG's own exporter names
 * its series cnpg_*, the metrics contract reads postgres_exporter's pg_*. One Deployment logging
 * in as the read-only monitoring role (the Cluster's managed roles grant it pg_monitor) and a
 * Service for its ServiceMonitor.
 */

type DeploymentSpec = k8s.types.input.apps.v1.DeploymentSpec;
type ServiceSpec = k8s.types.input.core.v1.ServiceSpec;

export const POSTGRES_EXPORTER_PORT = 9187;
/** The image's own user, nobody: the exporter needs no file of its own. */
const NOBODY_UID = 65534;

/** Name of the exporter's Deployment and Service. */
export function postgresExporter(n: Names): string {
    return `${n.postgres}-exporter`;
}

/** Labels that pick the exporter: its pods for the Service, its Service for the ServiceMonitor. */
export function postgresExporterLabels(n: Names): Record<string, string> {
    return { [LABEL.name]: postgresExporter(n) };
}

function selector(n: Names): Record<string, string> {
    return { [LABEL.partOf]: n.app, ...postgresExporterLabels(n) };
}

export function postgresExporterDeploymentSpec(rb: Runbook, n: Names): DeploymentSpec {
    const metricsProbe = { httpGet: { path: "/", port: "metrics" }, periodSeconds: 20, timeoutSeconds: 5 };
    return {
        replicas: 1,
        selector: { matchLabels: selector(n) },
        template: {
            metadata: { labels: { ...selector(n), ...DATA_ACCESS_LABELS } },
            spec: {
                securityContext: podSecurity(NOBODY_UID),
                automountServiceAccountToken: false,
                containers: [
                    hardened({
                        name: "postgres-exporter",
                        image: IMAGES.postgresExporter,
                        // An exporter writes nothing: flags and the environment in, metrics out.
                        securityContext: { readOnlyRootFilesystem: true },
                        args: [...EXPORTERS.postgres.flags],
                        env: [
                            ...Object.entries(postgresExporterEnv(rb, n)).map(([k, value]) => ({ name: k, value })),
                            { name: "DATA_SOURCE_PASS", valueFrom: { secretKeyRef: { name: postgresMonitorSecret(n), key: "password" } } },
                        ],
                        ports: [{ name: "metrics", containerPort: POSTGRES_EXPORTER_PORT }],
                        resources: sidecarResources(),
                        readinessProbe: metricsProbe,
                        livenessProbe: metricsProbe,
                    }),
                ],
            },
        },
    };
}

export function postgresExporterServiceSpec(n: Names): ServiceSpec {
    return { selector: selector(n), ports: [{ name: "metrics", port: POSTGRES_EXPORTER_PORT, targetPort: "metrics" }] };
}
