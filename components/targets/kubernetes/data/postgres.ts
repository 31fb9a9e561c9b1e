import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { serviceMonitorSpec } from "../../../../capabilities/kubernetes/monitoring";
import { clusterSpec, postgresAppSecret, postgresLogins, postgresMonitorSecret, scheduledBackupSpec } from "../../../../capabilities/kubernetes/postgres";
import { hasReplicaLagMonitor, postgresExporter, postgresExporterDeploymentSpec, postgresExporterLabels, postgresExporterServiceSpec, postgresInstancesMonitorSpec } from "../../../../capabilities/kubernetes/postgres-exporter";
import { CHARTS } from "../../../../capabilities/kubernetes/versions";
import { requireField } from "../../../../runbooks";
import { childOptions, meta, secretData, serviceMonitor, statefulOptions, type KubernetesScope } from "../scope";
import { operatorOf, type DataServiceInputs, type KubernetesDataService } from "./kind";
import { cloudnativePgHardening } from "../../../../capabilities/kubernetes/chart-hardening";

export interface PostgresArgs {
    /** Provider, names, namespace, protection and StorageClass of the Kubernetes target. */
    readonly scope: KubernetesScope;
    /** The runbook's `data.postgres.user`: the owner, the app's login. */
    readonly owner: string;
    /** The monitoring role's login name (`postgresLogins`). */
    readonly monitorUser: string;
    /** The Cluster's spec (`clusterSpec`): `data.postgres` (version, database, owner, tuning, read replicas), the postgres backup's retention, and outside `local` a standby even without read replicas. */
    readonly clusterSpec: ReturnType<typeof clusterSpec>;
    /** The ScheduledBackup's spec: the runbook's postgres backup schedule (`scheduledBackupSpec`). */
    readonly scheduledBackupSpec: ReturnType<typeof scheduledBackupSpec>;
    /** postgres_exporter's Deployment spec on the read-write Service (`postgresExporterDeploymentSpec`). */
    readonly exporterSpec: ReturnType<typeof postgresExporterDeploymentSpec>;
    /** Its ServiceMonitor's spec, at the runbook's scrape interval (`serviceMonitorSpec`). */
    readonly monitorSpec: ReturnType<typeof serviceMonitorSpec>;
    /** With read replicas (`hasReplicaLagMonitor`): the PodMonitor over every CloudNativePG instance, each replica's lag its own series (`postgresInstancesMonitorSpec`). Defaults to none. */
    readonly instancesMonitorSpec?: ReturnType<typeof postgresInstancesMonitorSpec>;
    /** The owner's generated password (`PlatformSecrets.postgres`): the app's login here. */
    readonly password: pulumi.Output<string>;
    /** The monitoring role's generated password (`PlatformSecrets.postgresMonitor`). */
    readonly monitorPassword: pulumi.Output<string>;
    /** The CloudNativePG operator's release (Cluster and ScheduledBackup CRDs). */
    readonly operator: pulumi.Resource;
    /** The Prometheus operator's release (ServiceMonitor CRD). */
    readonly monitoringCrds: pulumi.Resource;
    /** What the Cluster needs first: the object store its WAL and base backups go to. Defaults to none. */
    readonly dependsOn?: readonly pulumi.Resource[];
}

/**
 * PostgreSQL on CloudNativePG: the owner's credentials, the Cluster (runbook tuning, WAL archiving
 * and base backups to MinIO kept for the runbook's retention), its ScheduledBackup on the runbook's
 * schedule, and postgres_exporter for the metrics the alert rules read.
 */
export class Postgres extends pulumi.ComponentResource {
    public readonly credentials: k8s.core.v1.Secret;
    /** The exporters' read-only login (a managed role of the Cluster). */
    public readonly monitorCredentials: k8s.core.v1.Secret;
    public readonly cluster: k8s.apiextensions.CustomResource;
    public readonly scheduledBackup: k8s.apiextensions.CustomResource;
    public readonly exporter: k8s.apps.v1.Deployment;
    public readonly exporterService: k8s.core.v1.Service;
    public readonly serviceMonitor: k8s.apiextensions.CustomResource;
    /** With read replicas: the PodMonitor reading each instance's replay lag from CloudNativePG's own metrics. */
    public readonly instancesMonitor?: k8s.apiextensions.CustomResource;

    constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:Postgres", name, {}, opts);
        const { scope, monitoringCrds } = args;
        const { names } = scope;
        this.credentials = new k8s.core.v1.Secret(
            `${name}-credentials`,
            { metadata: meta(scope, postgresAppSecret(names), "postgres"), type: "kubernetes.io/basic-auth", stringData: secretData({ username: args.owner, password: args.password }) },
            childOptions(this, scope, { dependsOn: [scope.namespace] }),
        );
        this.monitorCredentials = new k8s.core.v1.Secret(
            `${name}-monitor-credentials`,
            {
                metadata: meta(scope, postgresMonitorSecret(names), "metrics"),
                type: "kubernetes.io/basic-auth",
                stringData: secretData({ username: args.monitorUser, password: args.monitorPassword }),
            },
            childOptions(this, scope, { dependsOn: [scope.namespace] }),
        );
        this.cluster = new k8s.apiextensions.CustomResource(
            `${name}-cluster`,
            { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: meta(scope, names.postgres, "postgres"), spec: args.clusterSpec },
            statefulOptions(this, scope, { dependsOn: [args.operator, monitoringCrds, this.credentials, this.monitorCredentials, ...(args.dependsOn ?? [])] }),
        );
        this.scheduledBackup = new k8s.apiextensions.CustomResource(
            `${name}-scheduled-backup`,
            { apiVersion: "postgresql.cnpg.io/v1", kind: "ScheduledBackup", metadata: meta(scope, `${names.postgres}-daily`, "backup"), spec: args.scheduledBackupSpec },
            childOptions(this, scope, { dependsOn: [this.cluster] }),
        );

        const exporterName = postgresExporter(names);
        this.exporter = new k8s.apps.v1.Deployment(
            `${name}-exporter`,
            { metadata: meta(scope, exporterName, "metrics"), spec: args.exporterSpec },
            childOptions(this, scope, { dependsOn: [this.cluster] }),
        );
        this.exporterService = new k8s.core.v1.Service(
            `${name}-exporter`,
            { metadata: meta(scope, exporterName, "metrics", names.namespace, postgresExporterLabels(names)), spec: postgresExporterServiceSpec(names) },
            childOptions(this, scope, { dependsOn: [scope.namespace] }),
        );
        this.serviceMonitor = serviceMonitor(this, scope, `${name}-exporter-monitor`, exporterName, args.monitorSpec, monitoringCrds);
        if (args.instancesMonitorSpec) {
            this.instancesMonitor = new k8s.apiextensions.CustomResource(
                `${name}-instances-monitor`,
                { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: meta(scope, `${names.postgres}-instances`, "metrics"), spec: args.instancesMonitorSpec },
                childOptions(this, scope, { dependsOn: [monitoringCrds] }),
            );
        }
        this.registerOutputs({});
    }
}

export const postgres: KubernetesDataService = {
    kind: "postgres",
    operator: {
        part: "cloudnative-pg",
        chart: CHARTS.cloudnativePg,
        releaseName: (names) => names.releases.cloudnativePg,
        values: (names) => ({ ...cloudnativePgHardening(), fullnameOverride: names.releases.cloudnativePg, monitoring: { podMonitorEnabled: true } }),
    },
    create: (name, inputs, opts) =>
        new Postgres(
            name,
            {
                scope: inputs.scope,
                ...postgresArgs(inputs),
                password: inputs.password("postgres"),
                monitorPassword: inputs.password("postgresMonitor"),
                operator: operatorOf(inputs, "postgres"),
                monitoringCrds: inputs.monitoringCrds,
                dependsOn: [inputs.objectStorage],
            },
            opts,
        ),
};

/** PostgreSQL's runbook-derived Args; fails naming `data.postgres` when it is absent. */
function postgresArgs({ runbook, env, scope }: DataServiceInputs): Omit<PostgresArgs, "scope" | "password" | "monitorPassword" | "operator" | "monitoringCrds" | "dependsOn"> {
    const { names } = scope;
    const pg = requireField(runbook.data.postgres, runbook.app, "data.postgres");
    return {
        owner: pg.user,
        monitorUser: postgresLogins(runbook).monitor,
        clusterSpec: clusterSpec(runbook, env, names, scope.storageClass),
        scheduledBackupSpec: scheduledBackupSpec(runbook, names),
        exporterSpec: postgresExporterDeploymentSpec(runbook, names),
        monitorSpec: serviceMonitorSpec(runbook, names, postgresExporterLabels(names), "metrics", "postgres"),
        ...(hasReplicaLagMonitor(runbook) ? { instancesMonitorSpec: postgresInstancesMonitorSpec(runbook, names) } : {}),
    };
}
