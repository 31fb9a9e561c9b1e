import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { clusterLabel, KAFKA_ANNOTATIONS, kafkaSpec, nodePoolSpec, topicSpecs } from "../../../../capabilities/kubernetes/kafka";
import {
    KAFKA_CREDENTIAL_KEYS,
    kafkaCredentialsSecret,
    kafkaLogins,
    kafkaTriggerAuthentication,
    kafkaTriggerAuthenticationSpec,
    kafkaUserSpecs,
    KEDA_SASL,
} from "../../../../capabilities/kubernetes/kafka-users";
import { scaledByKeda } from "../../../../capabilities/kubernetes/apps";
import { kafkaExporterMonitorSpec } from "../../../../capabilities/kubernetes/monitoring";
import { CHARTS } from "../../../../capabilities/kubernetes/versions";
import { requireField } from "../../../../runbooks";
import { childOptions, meta, secretData, statefulOptions, type KubernetesScope } from "../scope";
import { operatorOf, type DataServiceInputs, type KubernetesDataService } from "./kind";
import { strimziHardening } from "../../../../capabilities/kubernetes/chart-hardening";

export interface KafkaArgs {
    /** Provider, names, namespace, protection and StorageClass of the Kubernetes target. */
    readonly scope: KubernetesScope;
    /** The node pool's spec: `data.kafka.brokers` dual-role nodes and their volumes (`nodePoolSpec`). */
    readonly nodePoolSpec: ReturnType<typeof nodePoolSpec>;
    /** The Kafka's spec: `data.kafka` version, replication and the shared broker settings, Kafka Exporter (`kafkaSpec`). */
    readonly kafkaSpec: ReturnType<typeof kafkaSpec>;
    /** One KafkaTopic per `data.kafka.topics` entry (`topicSpecs`). */
    readonly topics: ReturnType<typeof topicSpecs>;
    /** The app's and KEDA's KafkaUsers with their ACLs over the runbook's topics (`kafkaUserSpecs`). */
    readonly users: ReturnType<typeof kafkaUserSpecs>;
    /** Some runbook service scales on Kafka lag (`scaledByKeda`): KEDA's TriggerAuthentication is made. */
    readonly scaledOnLag: boolean;
    /** The exporter's PodMonitor spec, at the runbook's scrape interval (`kafkaExporterMonitorSpec`). */
    readonly exporterMonitorSpec: ReturnType<typeof kafkaExporterMonitorSpec>;
    /** The Strimzi operator's release (Kafka, KafkaNodePool and KafkaTopic CRDs). */
    readonly operator: pulumi.Resource;
    /** The Prometheus operator's release (PodMonitor CRD). */
    readonly monitoringCrds: pulumi.Resource;
    /** The SCRAM password of the app's KafkaUser (`PlatformSecrets.kafkaApp`). */
    readonly appPassword: pulumi.Output<string>;
    /** The SCRAM password of KEDA's KafkaUser (`PlatformSecrets.kafkaScaler`). */
    readonly scalerPassword: pulumi.Output<string>;
    /** KEDA's release (TriggerAuthentication CRD); required when a consumer scales on lag. Defaults to none. */
    readonly keda?: pulumi.Resource;
}

const STRIMZI_API = "kafka.strimzi.io/v1beta2";

/**
 * Kafka on Strimzi: the Kafka (KRaft, the shared broker settings, Kafka Exporter), its node pool,
 * a KafkaTopic per runbook topic, and a PodMonitor on the exporter for consumer lag.
 */
export class Kafka extends pulumi.ComponentResource {
    public readonly kafka: k8s.apiextensions.CustomResource;
    public readonly nodePool: k8s.apiextensions.CustomResource;
    public readonly topics: k8s.apiextensions.CustomResource[];
    public readonly podMonitor: k8s.apiextensions.CustomResource;
    /** The KafkaUsers' passwords, and the SASL settings KEDA reads. */
    public readonly clientCredentials: k8s.core.v1.Secret;
    /** The app's and KEDA's SCRAM logins with their ACLs. */
    public readonly users: k8s.apiextensions.CustomResource[];
    public readonly triggerAuthentication?: k8s.apiextensions.CustomResource;

    constructor(name: string, args: KafkaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:Kafka", name, {}, opts);
        const { scope, operator, monitoringCrds } = args;
        const { names } = scope;
        this.nodePool = new k8s.apiextensions.CustomResource(
            `${name}-node-pool`,
            { apiVersion: STRIMZI_API, kind: "KafkaNodePool", metadata: meta(scope, "dual-role", "kafka", names.namespace, clusterLabel(names)), spec: args.nodePoolSpec },
            statefulOptions(this, scope, { dependsOn: [operator] }),
        );
        this.kafka = new k8s.apiextensions.CustomResource(
            `${name}-cluster`,
            { apiVersion: STRIMZI_API, kind: "Kafka", metadata: { ...meta(scope, names.kafka, "kafka"), annotations: { ...KAFKA_ANNOTATIONS } }, spec: args.kafkaSpec },
            statefulOptions(this, scope, { dependsOn: [operator, this.nodePool] }),
        );
        this.topics = args.topics.map(
            (t) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-topic-${t.objectName}`,
                    { apiVersion: STRIMZI_API, kind: "KafkaTopic", metadata: meta(scope, t.objectName, "kafka", names.namespace, clusterLabel(names)), spec: t.spec },
                    childOptions(this, scope, { dependsOn: [this.kafka] }),
                ),
        );
        this.clientCredentials = new k8s.core.v1.Secret(
            `${name}-client-credentials`,
            {
                metadata: meta(scope, kafkaCredentialsSecret(names), "kafka"),
                type: "Opaque",
                stringData: secretData({
                    [KAFKA_CREDENTIAL_KEYS.app]: args.appPassword,
                    [KAFKA_CREDENTIAL_KEYS.scaler]: args.scalerPassword,
                    [KAFKA_CREDENTIAL_KEYS.scalerUser]: kafkaLogins(names).scaler,
                    [KAFKA_CREDENTIAL_KEYS.sasl]: KEDA_SASL,
                }),
            },
            childOptions(this, scope, { dependsOn: [scope.namespace] }),
        );
        this.users = args.users.map(
            (u) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-user-${u.name}`,
                    { apiVersion: STRIMZI_API, kind: "KafkaUser", metadata: meta(scope, u.name, "kafka", names.namespace, clusterLabel(names)), spec: u.spec },
                    childOptions(this, scope, { dependsOn: [this.kafka, this.clientCredentials] }),
                ),
        );
        if (args.scaledOnLag) {
            if (!args.keda) throw new Error(`${names.app}: a consumer scales on Kafka lag; \`keda\` (the KEDA release) is required`);
            this.triggerAuthentication = new k8s.apiextensions.CustomResource(
                `${name}-keda-auth`,
                { apiVersion: "keda.sh/v1alpha1", kind: "TriggerAuthentication", metadata: meta(scope, kafkaTriggerAuthentication(names), "autoscaling"), spec: kafkaTriggerAuthenticationSpec(names) },
                childOptions(this, scope, { dependsOn: [args.keda, this.clientCredentials] }),
            );
        }
        this.podMonitor = new k8s.apiextensions.CustomResource(
            `${name}-exporter-monitor`,
            { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: meta(scope, `${names.kafka}-exporter`, "metrics"), spec: args.exporterMonitorSpec },
            childOptions(this, scope, { dependsOn: [monitoringCrds] }),
        );
        this.registerOutputs({});
    }
}

export const kafka: KubernetesDataService = {
    kind: "kafka",
    operator: {
        part: "strimzi",
        chart: CHARTS.strimzi,
        releaseName: (names) => names.releases.strimzi,
        // Strimzi watches the app's namespace only, so one app's operator never reconciles another's Kafka.
        values: (names) => ({ ...strimziHardening(), watchNamespaces: [names.namespace], watchAnyNamespace: false }),
        watchesAppNamespace: true,
    },
    create: (name, inputs, opts) =>
        new Kafka(
            name,
            {
                scope: inputs.scope,
                ...kafkaArgs(inputs),
                operator: operatorOf(inputs, "kafka"),
                monitoringCrds: inputs.monitoringCrds,
                appPassword: inputs.password("kafkaApp"),
                scalerPassword: inputs.password("kafkaScaler"),
                keda: inputs.keda,
            },
            opts,
        ),
};

/** Kafka's runbook-derived Args; fails naming `data.kafka` when it is absent. */
function kafkaArgs({ runbook, scope }: DataServiceInputs): Omit<KafkaArgs, "scope" | "operator" | "monitoringCrds" | "appPassword" | "scalerPassword" | "keda"> {
    const { names } = scope;
    requireField(runbook.data.kafka, runbook.app, "data.kafka");
    return {
        nodePoolSpec: nodePoolSpec(runbook, scope.storageClass),
        kafkaSpec: kafkaSpec(runbook, names),
        topics: topicSpecs(runbook),
        users: kafkaUserSpecs(runbook, names),
        scaledOnLag: runbook.services.some((s) => scaledByKeda(runbook, s)),
        exporterMonitorSpec: kafkaExporterMonitorSpec(runbook, names),
    };
}
