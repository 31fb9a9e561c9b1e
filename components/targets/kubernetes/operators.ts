import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { namespaceLabels } from "../../../capabilities/kubernetes/security";
import { CHARTS } from "../../../capabilities/kubernetes/versions";
import type { KubernetesDataKind, OperatorRelease } from "./data";
import { release, statefulOptions, type KubernetesScope } from "./scope";

export interface OperatorsArgs {
    /** Provider, names, the app's namespace (which some operators watch) and protection of the Kubernetes target. */
    readonly scope: KubernetesScope;
    /** The Prometheus operator's release: the operators' own ServiceMonitors and PodMonitors need its CRDs. */
    readonly monitoringCrds: pulumi.Resource;
    /** The operators of the data services the stack runs, by kind (`KubernetesDataService.operator`), in install order. Defaults to none. */
    readonly dataOperators?: readonly (readonly [KubernetesDataKind, OperatorRelease])[];
    /** Install KEDA: some service scales on a queue's lag. Defaults to false. */
    readonly keda?: boolean;
}

/**
 * The operators the app's data services and autoscaling need, each a pinned Helm release in the
 * operators namespace: the data services' own (CloudNativePG for PostgreSQL, Strimzi for Kafka),
 * and KEDA where a service scales on Kafka lag. A stack installs only what its runbook uses.
 */
export class Operators extends pulumi.ComponentResource {
    public readonly namespace: k8s.core.v1.Namespace;
    /** The data services' operators, by kind. */
    public readonly dataOperators: Readonly<Partial<Record<KubernetesDataKind, k8s.helm.v3.Release>>>;
    public readonly keda?: k8s.helm.v3.Release;

    constructor(name: string, args: OperatorsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:Operators", name, {}, opts);
        const { scope, monitoringCrds } = args;
        const { names } = scope;
        this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: names.operators, labels: namespaceLabels(names, "operators") } }, statefulOptions(this, scope));
        const after = [this.namespace, monitoringCrds];
        const dataOperators: Partial<Record<KubernetesDataKind, k8s.helm.v3.Release>> = {};
        for (const [kind, operator] of args.dataOperators ?? []) {
            dataOperators[kind] = release(
                this,
                scope,
                `${name}-${operator.part}`,
                { chart: operator.chart, releaseName: operator.releaseName(names), namespace: names.operators, values: operator.values(names) },
                { dependsOn: operator.watchesAppNamespace ? [...after, scope.namespace] : after },
            );
        }
        this.dataOperators = dataOperators;
        if (args.keda) {
            this.keda = release(
                this,
                scope,
                `${name}-keda`,
                {
                    chart: CHARTS.keda,
                    releaseName: names.releases.keda,
                    namespace: names.operators,
                    values: { prometheus: { operator: { enabled: true, serviceMonitor: { enabled: true } } } },
                },
                { dependsOn: after },
            );
        }
        this.registerOutputs({ namespace: this.namespace.metadata.name });
    }
}
