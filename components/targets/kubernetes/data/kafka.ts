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
import { requireField, type Runbook } from "../../../../runbooks";
import { childOptions, meta, secretData, statefulOptions, type KubernetesScope } from "../scope";
import { operatorOf, type KubernetesDataService } from "./kind";
import { strimziHardening } from "../../../../capabilities/kubernetes/chart-hardening";

export interface KafkaArgs {
    /** Provider, names, namespace, protection and StorageClass of the Kubernetes target. */
    readonly scope: KubernetesScope;
    /** The runbook with the stack's overrides: `data.kafka` (version, brokers, replication, topics) is what this reads. */
    readonly runbook: Runbook;
    /** The Strimzi operator's release (Kafka, KafkaNodePool and KafkaTopic CRDs). */
    readonly operator: pulumi.Resource;
    /** The Prometheus operator's release (PodMonitor CRD). */
    readonly monitoringCrds: pulumi.Resource;
    /** The SCRAM passwords of the app's and KEDA's KafkaUsers (`PlatformSecrets.kafkaApp`, `.kafkaScaler`). */
    readonly appPassword: pulumi.Output<string>;
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
        const { scope, runbook, operator, monitoringCrds } = args;
        const { names } = scope;
        requireField(runbook.data.kafka, runbook.app, "data.kafka");
        this.nodePool = new k8s.apiextensions.CustomResource(
            `${name}-node-pool`,
            { apiVersion: STRIMZI_API, kind: "KafkaNodePool", metadata: meta(scope, "dual-role", "kafka", names.namespace, clusterLabel(names)), spec: nodePoolSpec(runbook, scope.storageClass) },
            statefulOptions(this, scope, { dependsOn: [operator] }),
        );
        this.kafka = new k8s.apiextensions.CustomResource(
            `${name}-cluster`,
            { apiVersion: STRIMZI_API, kind: "Kafka", metadata: { ...meta(scope, names.kafka, "kafka"), annotations: { ...KAFKA_ANNOTATIONS } }, spec: kafkaSpec(runbook, names) },
            statefulOptions(this, scope, { dependsOn: [operator, this.nodePool] }),
        );
        this.topics = topicSpecs(runbook).map(
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
        this.users = kafkaUserSpecs(runbook, names).map(
            (u) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-user-${u.name}`,
                    { apiVersion: STRIMZI_API, kind: "KafkaUser", metadata: meta(scope, u.name, "kafka", names.namespace, clusterLabel(names)), spec: u.spec },
                    childOptions(this, scope, { dependsOn: [this.kafka, this.clientCredentials] }),
                ),
        );
        if (runbook.services.some((s) => scaledByKeda(runbook, s))) {
            if (!args.keda) throw new Error(`${runbook.app}: a consumer scales on Kafka lag; \`keda\` (the KEDA release) is required`);
            this.triggerAuthentication = new k8s.apiextensions.CustomResource(
                `${name}-keda-auth`,
                { apiVersion: "keda.sh/v1alpha1", kind: "TriggerAuthentication", metadata: meta(scope, kafkaTriggerAuthentication(names), "autoscaling"), spec: kafkaTriggerAuthenticationSpec(names) },
                childOptions(this, scope, { dependsOn: [args.keda, this.clientCredentials] }),
            );
        }
        this.podMonitor = new k8s.apiextensions.CustomResource(
            `${name}-exporter-monitor`,
            { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: meta(scope, `${names.kafka}-exporter`, "metrics"), spec: kafkaExporterMonitorSpec(runbook, names) },
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
                runbook: inputs.runbook,
                operator: operatorOf(inputs, "kafka"),
                monitoringCrds: inputs.monitoringCrds,
                appPassword: inputs.password("kafkaApp"),
                scalerPassword: inputs.password("kafkaScaler"),
                keda: inputs.keda,
            },
            opts,
        ),
};
