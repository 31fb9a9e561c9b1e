import type { IKafka } from "@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1beta2/Kafka" with { "resolution-mode": "import" };
import type { IKafkaNodePool } from "@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1beta2/KafkaNodePool" with { "resolution-mode": "import" };
import type { IKafkaTopic } from "@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1beta2/KafkaTopic" with { "resolution-mode": "import" };
import type { Runbook } from "../../runbooks";
import { kafkaBrokerConfig } from "../datastores";
import { LABEL, serviceHost, topicObjectName, type Names } from "./names";
import { containerSecurity } from "./security";
import { KAFKA, VOLUMES } from "./sizing";
import { strimziKafkaVersion } from "./versions";

/**
 * Kafka on Strimzi in KRaft mode: one node pool of `data.kafka.brokers` nodes that are both
 * controllers and brokers, the shared broker settings (replication, min.insync.replicas), a
 * KafkaTopic per runbook topic, and Strimzi's Kafka Exporter for consumer lag.
 */

type Kafka = NonNullable<Runbook["data"]["kafka"]>;
export type KafkaSpec = NonNullable<IKafka["spec"]>;
export type NodePoolSpec = NonNullable<IKafkaNodePool["spec"]>;
export type TopicSpec = NonNullable<IKafkaTopic["spec"]>;

export const KAFKA_PLAIN_PORT = 9092;
/** Port of Strimzi's Kafka Exporter metrics (`tcp-prometheus`), and its number (Strimzi's MetricsModel.METRICS_PORT). */
export const KAFKA_EXPORTER_PORT_NAME = "tcp-prometheus";
export const KAFKA_EXPORTER_PORT = 9404;
/**
 * The brokers' ports Strimzi's cluster operator connects to (KafkaCluster.java, Strimzi 0.45: its own
 * generated NetworkPolicy admits the cluster operator on them): the control plane (9090, KRaft
 * controllers, during rolling updates), replication (9091, its admin client) and the Kafka agent (8443,
 * broker state while a node starts).
 */
export const STRIMZI_OPERATOR_PORTS = { controlPlane: 9090, replication: 9091, kafkaAgent: 8443 } as const;

/** Strimzi 0.45 runs KRaft node pools only when the Kafka object asks for both. */
export const KAFKA_ANNOTATIONS = { "strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled" } as const;

function requireKafka(rb: Runbook): Kafka {
    if (!rb.data.kafka) throw new Error(`${rb.app}: \`data.kafka\` is required for Kafka`);
    return rb.data.kafka;
}

export function kafkaBootstrap(n: Names): string {
    return `${serviceHost(`${n.kafka}-kafka-bootstrap`, n.namespace)}:${KAFKA_PLAIN_PORT}`;
}

/** Labels that attach a node pool or topic to the cluster. */
export function clusterLabel(n: Names): Record<string, string> {
    return { "strimzi.io/cluster": n.kafka };
}

/**
 * The security context of every container Strimzi builds from the Kafka resource: a read-only root.
 * Strimzi 0.45 mounts an emptyDir at /tmp in each of these pods (VolumeUtils.createTempDirVolume:
 * KafkaCluster, EntityOperator, KafkaExporter) and its scripts write only there and to the data
 * volume (kafka_run.sh: /tmp/strimzi.properties, /tmp/kafka; LOG_DIR unused, logs to stdout);
 * its changelog: "run Strimzi operators and operands with read-only root filesystem". The
 * images run as UID 1001.
 */
export function strimziContainerSecurity(): Record<string, unknown> {
    return { ...containerSecurity(), readOnlyRootFilesystem: true };
}

export function kafkaSpec(rb: Runbook, n: Names): KafkaSpec {
    const kafka = requireKafka(rb);
    const podLabels = { [LABEL.partOf]: n.app, [LABEL.dataService]: "kafka" };
    const container = () => ({ securityContext: strimziContainerSecurity() });
    return {
        kafka: {
            version: strimziKafkaVersion(rb),
            // Every client logs in (SASL/SCRAM) and is held to its KafkaUser's ACLs (capabilities/kubernetes/kafka-users.ts).
            listeners: [
                { name: "plain", port: KAFKA_PLAIN_PORT, type: "internal", tls: false, authentication: { type: "scram-sha-512" } },
                { name: "tls", port: 9093, type: "internal", tls: true, authentication: { type: "scram-sha-512" } },
            ],
            authorization: { type: "simple" },
            config: kafkaBrokerConfig(kafka),
            template: { pod: { metadata: { labels: podLabels } }, kafkaContainer: container() },
        },
        entityOperator: { topicOperator: {}, userOperator: {}, template: { topicOperatorContainer: container(), userOperatorContainer: container() } },
        // The contract's consumer-lag series (kafka_consumergroup_lag) come from here.
        kafkaExporter: { topicRegex: ".*", groupRegex: ".*", template: { pod: { metadata: { labels: podLabels } }, container: container() } },
    };
}

/** One pool of dual-role nodes: `brokers` nodes, each a KRaft controller and a broker. */
export function nodePoolSpec(rb: Runbook, storageClass?: string): NodePoolSpec {
    const kafka = requireKafka(rb);
    if (kafka.minInsyncReplicas > kafka.brokers) {
        throw new Error(`${rb.app}: \`data.kafka.minInsyncReplicas\` (${kafka.minInsyncReplicas}) exceeds \`data.kafka.brokers\` (${kafka.brokers}); no write could be acknowledged`);
    }
    return {
        replicas: kafka.brokers,
        roles: ["controller", "broker"],
        storage: {
            type: "jbod",
            volumes: [{ id: 0, type: "persistent-claim", size: VOLUMES.kafka, deleteClaim: false, kraftMetadata: "shared", ...(storageClass ? { class: storageClass } : {}) }],
        },
        resources: { requests: { ...KAFKA.requests }, limits: { ...KAFKA.limits } },
    };
}

/** The runbook's topics, each with its Kubernetes object name and spec. */
export function topicSpecs(rb: Runbook): { objectName: string; spec: TopicSpec }[] {
    const kafka = requireKafka(rb);
    const config = kafkaBrokerConfig(kafka);
    return kafka.topics.map((t) => {
        if (t.replicationFactor > kafka.brokers) {
            throw new Error(`${rb.app}: topic ${t.name} \`replicationFactor\` ${t.replicationFactor} exceeds \`data.kafka.brokers\` ${kafka.brokers}`);
        }
        return {
            objectName: topicObjectName(t.name),
            spec: { topicName: t.name, partitions: t.partitions, replicas: t.replicationFactor, config: { "min.insync.replicas": config["min.insync.replicas"] } },
        };
    });
}
