import type * as pulumi from "@pulumi/pulumi";
import type { DataService, Names } from "../../../../capabilities/kubernetes/names";
import type { ChartRef } from "../../../../capabilities/kubernetes/versions";
import type { Env, Runbook } from "../../../../runbooks";
import type { DataPassword } from "../../../secrets";
import type { KubernetesScope } from "../scope";

/**
 * The extension point for data services on Kubernetes. A kind is one module in this folder that
 * exports a `KubernetesDataService` (its component, the operator it needs, how its Args are
 * built); `DATA_SERVICES` in index.ts lists them, and the platform, the operators, the app's
 * dependencies and the NetworkPolicies all read that list. Adding a kind is adding a module and a
 * line in the list.
 */

/** The runbook data keys a Kubernetes data service is built for (MinIO is the platform's own object store, always built). */
export type KubernetesDataKind = Exclude<DataService, "minio"> & keyof Runbook["data"];

export type { DataPassword } from "../../../secrets";

/** An operator a data service's custom resources need: a pinned chart installed in the operators namespace. */
export interface OperatorRelease {
    /** Part of the release's Pulumi name: `<operators>-<part>`. */
    readonly part: string;
    readonly chart: ChartRef;
    /** The Helm release name (also its `fullnameOverride` where the chart takes one). */
    releaseName(names: Names): string;
    values(names: Names): Record<string, unknown>;
    /** The operator watches the app's namespace, so it is installed after it. Defaults to false. */
    readonly watchesAppNamespace?: boolean;
}

/**
 * What the platform hands every data service kind, built once from the stack; each kind's
 * `create` builds its component's Args from it (the runbook-derived specs included), so the
 * component receives no runbook.
 */
export interface DataServiceInputs {
    readonly scope: KubernetesScope;
    /** The runbook with the stack's overrides applied. */
    readonly runbook: Runbook;
    readonly env: Env;
    /** The Prometheus operator's release (ServiceMonitor and PodMonitor CRDs). */
    readonly monitoringCrds: pulumi.Resource;
    /** The releases of the operators the kinds declared, by kind. */
    readonly operators: Readonly<Partial<Record<KubernetesDataKind, pulumi.Resource>>>;
    /** The ConfigMap of the platform's start and init scripts the StatefulSets run. */
    readonly platformScripts: pulumi.Resource;
    /** The object store (MinIO) backups and WAL go to. */
    readonly objectStorage: pulumi.Resource;
    /** KEDA's release, where some service scales on a queue (its TriggerAuthentication CRD). */
    readonly keda?: pulumi.Resource;
    /** A generated password; throws, naming the runbook field, when the runbook has no such data service. */
    password(secret: DataPassword): pulumi.Output<string>;
}

export interface KubernetesDataService {
    /** The runbook's `data.<kind>`: the service is built when it is set. */
    readonly kind: KubernetesDataKind;
    /** The operator its custom resources need; none for a StatefulSet the platform writes itself. */
    readonly operator?: OperatorRelease;
    /** The service's component, its Args built from `inputs`. */
    create(name: string, inputs: DataServiceInputs, opts: pulumi.ComponentResourceOptions): pulumi.ComponentResource;
}

/** The operator release a kind declared; fails naming the kind when the platform did not install it. */
export function operatorOf(inputs: DataServiceInputs, kind: KubernetesDataKind): pulumi.Resource {
    const release = inputs.operators[kind];
    if (!release) throw new Error(`${inputs.runbook.app}: data service ${kind} needs its operator's release, which was not installed`);
    return release;
}
