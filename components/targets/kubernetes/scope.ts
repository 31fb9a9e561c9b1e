import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appLabels, type Names } from "../../../capabilities/kubernetes/names";
import type { ChartRef } from "../../../capabilities/kubernetes/versions";
import type { ServiceMonitorSpec } from "../../../capabilities/kubernetes/monitoring";

/**
 * What every child component of the Kubernetes target shares: the target's provider, the object
 * names, the app's namespace and how stateful objects are kept. It holds no runbook and no
 * credential: each component's Args name the runbook data, settings and passwords it uses, and
 * the platform (index.ts) builds them from the stack in one place.
 */
export interface KubernetesScope {
    /** The target's provider: every object is created with it. */
    readonly provider: k8s.Provider;
    /** Object names, namespaces and labels of the app (`names(app, namespace)`). */
    readonly names: Names;
    /** The app's namespace; children depend on it so nothing is created before it exists. */
    readonly namespace: k8s.core.v1.Namespace;
    /** Protect stateful objects and keep them in the cluster if Pulumi lets go of them. The stack's `protect` (off on staging unless the stack turns it on). */
    readonly protect: boolean;
    /** StorageClass of every volume. Defaults to the cluster's default StorageClass. */
    readonly storageClass?: string;
}

/** Options of a child: parented, the target's provider, protected where it holds state. */
export function childOptions(parent: pulumi.Resource, scope: Pick<KubernetesScope, "provider">, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
    return pulumi.mergeOptions({ parent, provider: scope.provider }, extra);
}

/** Options of a stateful child: also `protect` from the stack (always on in production) and kept in the cluster if Pulumi lets go of it. */
export function statefulOptions(parent: pulumi.Resource, scope: Pick<KubernetesScope, "provider" | "protect">, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
    return childOptions(parent, scope, { protect: scope.protect, retainOnDelete: scope.protect, ...extra });
}

/** `metadata` of an object in one of the app's namespaces. */
export function meta(scope: Pick<KubernetesScope, "names">, name: string, component: string, namespace = scope.names.namespace, extra: Record<string, string> = {}) {
    return { name, namespace, labels: { ...appLabels(scope.names, component), ...extra } };
}

/** A pinned Helm release; its chart, version and repository come from capabilities/kubernetes/versions.ts. */
export function release(
    parent: pulumi.Resource,
    scope: KubernetesScope,
    name: string,
    args: { chart: ChartRef; releaseName: string; namespace: pulumi.Input<string>; values: pulumi.Input<Record<string, unknown>> },
    opts: pulumi.CustomResourceOptions = {},
): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(
        name,
        {
            name: args.releaseName,
            chart: args.chart.chart,
            version: args.chart.version,
            repositoryOpts: { repo: args.chart.repo },
            namespace: args.namespace,
            values: args.values,
            // Fail the update when the release does not come up, rather than leave it half-installed.
            atomic: true,
            timeout: 900,
        },
        childOptions(parent, scope, opts),
    );
}

/** A Secret's `stringData`, secret as a whole: user names and keys stay out of plain state too. */
export function secretData(data: pulumi.Input<Record<string, pulumi.Input<string>>>): pulumi.Output<Record<string, string>> {
    return pulumi.secret(pulumi.output(data)) as pulumi.Output<Record<string, string>>;
}

/** A ServiceMonitor in the app's namespace; needs the Prometheus operator's CRDs (`crds`). */
export function serviceMonitor(parent: pulumi.Resource, scope: KubernetesScope, name: string, objectName: string, spec: ServiceMonitorSpec, crds: pulumi.Resource): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
        name,
        { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: meta(scope, objectName, "metrics"), spec },
        childOptions(parent, scope, { dependsOn: [crds] }),
    );
}
