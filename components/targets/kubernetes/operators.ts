import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { scaledByKeda } from "../../../capabilities/kubernetes/apps";
import { cloudnativePgHardening, strimziHardening } from "../../../capabilities/kubernetes/chart-hardening";
import { namespaceLabels } from "../../../capabilities/kubernetes/security";
import { CHARTS } from "../../../capabilities/kubernetes/versions";
import { release, statefulOptions, type KubernetesScope } from "./scope";

export interface OperatorsArgs {
    readonly scope: KubernetesScope;
    /** The Prometheus operator's release: the operators' own ServiceMonitors and PodMonitors need its CRDs. */
    readonly monitoringCrds: pulumi.Resource;
}

/**
 * The operators the app's data services and autoscaling need, each a pinned Helm release in the
 * operators namespace: CloudNativePG where the runbook has PostgreSQL, Strimzi (watching the app's
 * namespace) where it has Kafka, KEDA where a service scales on Kafka lag. A stack installs only
 * what its runbook uses.
 */
export class Operators extends pulumi.ComponentResource {
    public readonly namespace: k8s.core.v1.Namespace;
    public readonly cloudnativePg?: k8s.helm.v3.Release;
    public readonly strimzi?: k8s.helm.v3.Release;
    public readonly keda?: k8s.helm.v3.Release;

    constructor(name: string, args: OperatorsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:Operators", name, {}, opts);
        const { scope, monitoringCrds } = args;
        const { names: n } = scope;
        const rb = scope.context.runbook;
        this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: n.operators, labels: namespaceLabels(n, "operators") } }, statefulOptions(this, scope));
        const after = [this.namespace, monitoringCrds];
        if (rb.data.postgres) {
            this.cloudnativePg = release(
                this,
                scope,
                `${name}-cloudnative-pg`,
                { chart: CHARTS.cloudnativePg, releaseName: n.releases.cloudnativePg, namespace: n.operators, values: { ...cloudnativePgHardening(), fullnameOverride: n.releases.cloudnativePg, monitoring: { podMonitorEnabled: true } } },
                { dependsOn: after },
            );
        }
        if (rb.data.kafka) {
            this.strimzi = release(
                this,
                scope,
                `${name}-strimzi`,
                { chart: CHARTS.strimzi, releaseName: n.releases.strimzi, namespace: n.operators, values: { ...strimziHardening(), watchNamespaces: [n.namespace], watchAnyNamespace: false } },
                { dependsOn: [...after, scope.namespace] },
            );
        }
        if (rb.services.some((s) => scaledByKeda(rb, s))) {
            this.keda = release(
                this,
                scope,
                `${name}-keda`,
                { chart: CHARTS.keda, releaseName: n.releases.keda, namespace: n.operators, values: { prometheus: { operator: { enabled: true, serviceMonitor: { enabled: true } } } } },
                { dependsOn: after },
            );
        }
        this.registerOutputs({ namespace: this.namespace.metadata.name });
    }
}
