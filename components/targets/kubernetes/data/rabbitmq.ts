import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { serviceMonitorSpec } from "../../../../capabilities/kubernetes/monitoring";
import { appEnvSecret } from "../../../../capabilities/kubernetes/apps";
import { RABBITMQ_API, RABBITMQ_SCRAPE, rabbitmqClusterSpec, rabbitmqTriggerAuthentication, rabbitmqUserSecret, topologySpecs } from "../../../../capabilities/kubernetes/rabbitmq";
import { CHARTS } from "../../../../capabilities/kubernetes/versions";
import { queueConsumers, rabbitmqAppUser, scaledOnQueueDepth } from "../../../../capabilities/rabbitmq";
import { childOptions, meta, secretData, serviceMonitor, statefulOptions, type KubernetesScope } from "../scope";
import { operatorOf, type DataServiceInputs, type KubernetesDataService } from "./kind";

export interface RabbitMqArgs {
    /** Provider, names, namespace, protection and StorageClass of the Kubernetes target. */
    readonly scope: KubernetesScope;
    /** The app's RabbitMQ user name (`rabbitmqAppUser`). */
    readonly appUser: string;
    /** The RabbitmqCluster's spec: `data.rabbitmq` version and nodes (`rabbitmqClusterSpec`). */
    readonly clusterSpec: ReturnType<typeof rabbitmqClusterSpec>;
    /** The vhost, user, permission and `data.rabbitmq.queues` as topology objects (`topologySpecs`). */
    readonly topology: ReturnType<typeof topologySpecs>;
    /** The per-queue metrics' ServiceMonitor spec, at the runbook's scrape interval (`serviceMonitorSpec`). */
    readonly monitorSpec: ReturnType<typeof serviceMonitorSpec>;
    /** Some runbook worker scales on queue depth (`scaledOnQueueDepth`): KEDA's TriggerAuthentication is made. */
    readonly scaledOnQueueDepth: boolean;
    /** The generated password of the app's RabbitMQ user (`PlatformSecrets` `rabbitmq`). */
    readonly password: pulumi.Output<string>;
    /** The RabbitMQ operators' release (RabbitmqCluster, Vhost, User, Permission and Queue CRDs). */
    readonly operator: pulumi.Resource;
    /** The Prometheus operator's release (ServiceMonitor CRD). */
    readonly monitoringCrds: pulumi.Resource;
    /** KEDA's release (TriggerAuthentication CRD); required when a worker consumes a queue. Defaults to none. */
    readonly keda?: pulumi.Resource;
}

/**
 * RabbitMQ on the RabbitMQ Cluster Operator: the RabbitmqCluster, the app's vhost, user (its
 * password the generated one, imported from a Secret), permission and the runbook's queues as
 * Messaging Topology Operator objects, a ServiceMonitor on the per-queue metrics, and KEDA's
 * TriggerAuthentication the consumers' queue-depth triggers use. Specs from
 * capabilities/kubernetes/rabbitmq.ts.
 */
export class RabbitMq extends pulumi.ComponentResource {
    public readonly userSecret: k8s.core.v1.Secret;
    public readonly cluster: k8s.apiextensions.CustomResource;
    public readonly topology: k8s.apiextensions.CustomResource[];
    public readonly serviceMonitor: k8s.apiextensions.CustomResource;
    public readonly triggerAuthentication?: k8s.apiextensions.CustomResource;

    constructor(name: string, args: RabbitMqArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:RabbitMq", name, {}, opts);
        const { scope, operator, monitoringCrds, password } = args;
        const { names } = scope;
        const inNs = childOptions(this, scope, { dependsOn: [scope.namespace] });
        this.userSecret = new k8s.core.v1.Secret(
            `${name}-app-user`,
            { metadata: meta(scope, rabbitmqUserSecret(names), "rabbitmq"), type: "Opaque", stringData: secretData({ username: args.appUser, password }) },
            inNs,
        );
        this.cluster = new k8s.apiextensions.CustomResource(
            `${name}-cluster`,
            { apiVersion: RABBITMQ_API, kind: "RabbitmqCluster", metadata: meta(scope, names.rabbitmq, "rabbitmq"), spec: args.clusterSpec },
            statefulOptions(this, scope, { dependsOn: [operator, scope.namespace] }),
        );
        this.topology = args.topology.map(
            (o) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-${o.kind.toLowerCase()}-${o.objectName}`,
                    { apiVersion: RABBITMQ_API, kind: o.kind, metadata: meta(scope, o.objectName, "rabbitmq"), spec: o.spec },
                    // Queues hold messages: protected like the cluster.
                    (o.kind === "Queue" ? statefulOptions : childOptions)(this, scope, { dependsOn: [this.cluster, this.userSecret] }),
                ),
        );
        this.serviceMonitor = serviceMonitor(
            this,
            scope,
            `${name}-monitor`,
            names.rabbitmq,
            args.monitorSpec,
            monitoringCrds,
        );
        if (args.scaledOnQueueDepth) {
            if (!args.keda) throw new Error(`${names.app}: a worker scales on RabbitMQ queue depth; \`keda\` (the KEDA release) is required`);
            this.triggerAuthentication = new k8s.apiextensions.CustomResource(
                `${name}-keda-auth`,
                {
                    apiVersion: "keda.sh/v1alpha1",
                    kind: "TriggerAuthentication",
                    metadata: meta(scope, rabbitmqTriggerAuthentication(names), "autoscaling"),
                    // The AMQP URL with the app user's password, from the app's env Secret: no second copy of the credential.
                    spec: { secretTargetRef: [{ parameter: "host", name: appEnvSecret(names), key: "RABBITMQ_URL" }] },
                },
                childOptions(this, scope, { dependsOn: [args.keda] }),
            );
        }
        this.registerOutputs({});
    }
}

export const rabbitmq: KubernetesDataService = {
    kind: "rabbitmq",
    operator: {
        part: "rabbitmq",
        chart: CHARTS.rabbitmqClusterOperator,
        releaseName: (names) => names.releases.rabbitmqOperator,
        // Both operators watch the app's namespace only, so one app's operator never reconciles another's broker.
        values: (names) => ({
            clusterOperator: { watchAllNamespaces: false, watchNamespaces: [names.namespace] },
            msgTopologyOperator: { enabled: true, watchAllNamespaces: false, watchNamespaces: [names.namespace] },
        }),
        watchesAppNamespace: true,
    },
    create: (name, inputs, opts) =>
        new RabbitMq(
            name,
            { scope: inputs.scope, ...rabbitMqArgs(inputs), password: inputs.password("rabbitmq"), operator: operatorOf(inputs, "rabbitmq"), monitoringCrds: inputs.monitoringCrds, keda: inputs.keda },
            opts,
        ),
};

/** RabbitMQ's runbook-derived Args. */
function rabbitMqArgs({ runbook, scope }: DataServiceInputs): Omit<RabbitMqArgs, "scope" | "password" | "operator" | "monitoringCrds" | "keda"> {
    const { names } = scope;
    // Fails naming the field when a queue names a service that is not one of the runbook's workers.
    queueConsumers(runbook);
    return {
        appUser: rabbitmqAppUser(runbook.app),
        clusterSpec: rabbitmqClusterSpec(runbook, names, scope.storageClass),
        topology: topologySpecs(runbook, names),
        monitorSpec: serviceMonitorSpec(runbook, names, { "app.kubernetes.io/name": names.rabbitmq }, RABBITMQ_SCRAPE.port, "rabbitmq", RABBITMQ_SCRAPE.path),
        scaledOnQueueDepth: runbook.services.some((s) => scaledOnQueueDepth(runbook, s)),
    };
}
