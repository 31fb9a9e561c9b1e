import type * as k8s from "@pulumi/kubernetes";
import type { Runbook } from "../../runbooks";
import { EXPORTERS } from "../alerting/exporters";
import { METRICS } from "../alerting/metrics";
import { serviceMonitorSpec, type ServiceMonitorSpec } from "./monitoring";
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
 *
 * The primary (`rw`) reports a replication lag of 0: it replays nothing. Where the runbook runs read
 * replicas, a second exporter (`ro`) logs in through the read-only Service, which reaches the
 * replicas only, so `pg_replication_lag_seconds` is read where it is true; its ServiceMonitor keeps
 * only that series, the primary's exporter stays the one source of every other PostgreSQL signal.
 */

type DeploymentSpec = k8s.types.input.apps.v1.DeploymentSpec;
type ServiceSpec = k8s.types.input.core.v1.ServiceSpec;

export const POSTGRES_EXPORTER_PORT = 9187;
/** The image's own user, nobody: the exporter needs no file of its own. */
const NOBODY_UID = 65534;

/** Which Service an exporter logs in through: the primary's (`rw`) or the read replicas' (`ro`). */
export type PostgresExporterRole = "rw" | "ro";

/** Name of the exporter's Deployment and Service. */
export function postgresExporter(n: Names, role: PostgresExporterRole = "rw"): string {
    return role === "rw" ? `${n.postgres}-exporter` : `${n.postgres}-replica-exporter`;
}

/** Labels that pick the exporter: its pods for the Service, its Service for the ServiceMonitor. */
export function postgresExporterLabels(n: Names, role: PostgresExporterRole = "rw"): Record<string, string> {
    return { [LABEL.name]: postgresExporter(n, role) };
}

function selector(n: Names, role: PostgresExporterRole): Record<string, string> {
    return { [LABEL.partOf]: n.app, ...postgresExporterLabels(n, role) };
}

/** Whether the runbook runs read replicas, so the replica exporter exists (the baseline's replication-lag alert reads it). */
export function hasReplicaExporter(rb: Runbook): boolean {
    return (rb.data.postgres?.readReplicas ?? 0) > 0;
}

export function postgresExporterDeploymentSpec(rb: Runbook, n: Names, role: PostgresExporterRole = "rw"): DeploymentSpec {
    const metricsProbe = { httpGet: { path: "/", port: "metrics" }, periodSeconds: 20, timeoutSeconds: 5 };
    return {
        replicas: 1,
        selector: { matchLabels: selector(n, role) },
        template: {
            metadata: { labels: { ...selector(n, role), ...DATA_ACCESS_LABELS } },
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
                            ...Object.entries(postgresExporterEnv(rb, n, role)).map(([k, value]) => ({ name: k, value })),
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

export function postgresExporterServiceSpec(n: Names, role: PostgresExporterRole = "rw"): ServiceSpec {
    return { selector: selector(n, role), ports: [{ name: "metrics", port: POSTGRES_EXPORTER_PORT, targetPort: "metrics" }] };
}

/** The replica exporter's ServiceMonitor: component `postgres` like the primary's, keeping only the replay lag. */
export function postgresReplicaMonitorSpec(rb: Runbook, n: Names): ServiceMonitorSpec {
    const spec = serviceMonitorSpec(rb, n, postgresExporterLabels(n, "ro"), "metrics", "postgres");
    const keepLag = { action: "keep" as const, sourceLabels: ["__name__"], regex: METRICS.pgReplicationLag };
    return { ...spec, endpoints: (spec.endpoints ?? []).map((e) => ({ ...e, metricRelabelings: [keepLag] })) };
}
