import type * as k8s from "@pulumi/kubernetes";
import type { Runbook } from "../../runbooks";
import { EXPORTERS } from "../alerting/exporters";
import { METRICS } from "../alerting/metrics";
import { podMonitorSpec, type PodMonitorSpec } from "./monitoring";
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
 * replicas, each instance's lag is read from the instance itself: CloudNativePG's instance manager
 * serves its own metrics on every instance pod (port `metrics`), among them its default query
 * `pg_replication`'s `lag` as `cnpg_pg_replication_lag` (config/manager/default-monitoring.yaml in
 * the operator's source). A PodMonitor over the cluster's instance pods keeps only that series, named
 * as the metrics contract reads it (`pg_replication_lag_seconds`: postgres_exporter's replication
 * collector computes the same value, 0 on a primary or a replica that has replayed all it received,
 * otherwise now() - pg_last_xact_replay_timestamp()), with `instance` the pod: one series per replica,
 * whichever instance is primary after a failover. An exporter behind the read-only Service would
 * reach one replica per connection and leave the lag of the others unseen. The primary's exporter
 * stays the one source of every other PostgreSQL signal.
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

/** Whether the runbook runs read replicas, so the instances' lag is scraped (the baseline's replication-lag alert reads it). */
export function hasReplicaLagMonitor(rb: Runbook): boolean {
    return (rb.data.postgres?.readReplicas ?? 0) > 0;
}

/** CloudNativePG's labels on a cluster's instance pods (not its Jobs' or a Pooler's), and the name of their metrics port. */
export function cnpgInstanceLabels(n: Names): Record<string, string> {
    return { "cnpg.io/cluster": n.postgres, "cnpg.io/podRole": "instance" };
}
export const CNPG_METRICS_PORT = "metrics";
/** The number behind CNPG_METRICS_PORT: each instance's exporter listens on 9187 (CloudNativePG's monitoring documentation, 1.22+). */
export const CNPG_METRICS_PORT_NUMBER = 9187;
/** The replay lag CloudNativePG's default monitoring query `pg_replication` exports (column `lag`, seconds). */
export const CNPG_REPLICATION_LAG = "cnpg_pg_replication_lag";

/** The PodMonitor of the cluster's instances: component `postgres`, keeping only their replay lag under the contract's name. */
export function postgresInstancesMonitorSpec(rb: Runbook, n: Names): PodMonitorSpec {
    return podMonitorSpec(rb, n, cnpgInstanceLabels(n), CNPG_METRICS_PORT, "postgres", [
        { action: "keep", sourceLabels: ["__name__"], regex: CNPG_REPLICATION_LAG },
        { action: "replace", sourceLabels: ["__name__"], targetLabel: "__name__", replacement: METRICS.pgReplicationLag },
    ]);
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

