import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appLabels, type Names } from "../../../capabilities/kubernetes/names";
import type { ChartRef } from "../../../capabilities/kubernetes/versions";
import type { PlatformContext } from "../../../stacks/settings";
import type { PlatformSecrets } from "../../secrets";

/**
 * What every child component of the Kubernetes target shares: the stack, the target's provider,
 * the object names, the generated secrets, and the releases whose CRDs a child's custom
 * resources need. Children take this and nothing else: their numbers come from
 * `scope.context.runbook`.
 */
export interface KubernetesScope {
    readonly context: PlatformContext;
    readonly provider: k8s.Provider;
    readonly names: Names;
    readonly secrets: PlatformSecrets;
    /** StorageClass of every volume; the cluster's default when unset. */
    readonly storageClass?: string;
    /** The app's namespace; children depend on it so nothing is created before it exists. */
    readonly namespace: k8s.core.v1.Namespace;
}

export type Secret = "postgres" | "redis" | "mongodb" | "objectStorage" | "objectStorageApp";

/** A generated password; fails early, naming the runbook field, when the runbook has no such data service. */
export function password(scope: KubernetesScope, secret: Secret): pulumi.Output<string> {
    const generated = scope.secrets[secret];
    if (!generated) throw new Error(`${scope.context.app}: the ${secret} password is generated only when \`data.${secret}\` is in the runbook`);
    return pulumi.secret(generated.result);
}

/** Options of a child: parented, the target's provider, protected where it holds state. */
export function childOptions(parent: pulumi.Resource, scope: Pick<KubernetesScope, "provider">, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
    return pulumi.mergeOptions({ parent, provider: scope.provider }, extra);
}

/** Options of a stateful child: also `protect` from the stack (always on in production) and kept in the cluster if Pulumi lets go of it. */
export function statefulOptions(parent: pulumi.Resource, scope: Pick<KubernetesScope, "provider" | "context">, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
    return childOptions(parent, scope, { protect: scope.context.protect, retainOnDelete: scope.context.protect, ...extra });
}

/** `metadata` of an object in one of the app's namespaces. */
export function meta(scope: KubernetesScope, name: string, component: string, namespace = scope.names.namespace, extra: Record<string, string> = {}) {
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

/** sha256 of a rendered file, for a pod annotation that rolls the pods when the file changes. */
export function checksum(text: string): string {
    return createHash("sha256").update(text).digest("hex");
}
