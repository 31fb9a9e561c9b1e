import { topicSpecs } from "../../capabilities/kubernetes/kafka";
import { configWeakenings, generatedBrokerConfig, runbookTopic } from "../lib/kafka";
import { cite, finding, label, resourceRule } from "../lib/policy";
import { isRecord, num } from "../lib/values";

const KAFKA = "kubernetes:kafka.strimzi.io/v1beta2:Kafka";
const KAFKA_TOPIC = "kubernetes:kafka.strimzi.io/v1beta2:KafkaTopic";

/**
 * The runbook's replication guarantees hold on Strimzi: the Kafka's broker config keeps the
 * generated `min.insync.replicas`, `default.replication.factor` and internal topics' replication
 * (capabilities/datastores.ts, from `data.kafka`), and adds nothing that loosens them (unclean
 * leader election, shorter retention); each runbook topic's KafkaTopic keeps the runbook's
 * replication factor and partitions and the generated topic config, nothing more.
 */
export const k8sKafkaDurability = resourceRule({
    name: "k8s-kafka-durability",
    description: "Strimzi's Kafka and the runbook's KafkaTopics keep the runbook's replication factor, min.insync.replicas and partitions, and add no setting that loosens them (unclean leader election, shorter retention).",
    tier: "runbook",
    target: "kubernetes",
    types: [KAFKA, KAFKA_TOPIC],
    remediationSteps: "Use the generated spec.kafka.config (capabilities/datastores.ts kafkaBrokerConfig) and KafkaTopic specs (capabilities/kubernetes/kafka.ts topicSpecs); to change a number, change the runbook's data.kafka.",
    check: (s, ctx) => {
        const kafka = ctx.runbook.data.kafka;
        if (!kafka) return [];
        const from = `the runbook's data.kafka ${cite(kafka.source)}`;
        if (s.type === KAFKA) {
            const config = isRecord(s.props.spec?.kafka?.config) ? s.props.spec.kafka.config : {};
            return configWeakenings(config, generatedBrokerConfig(kafka)).map((w) => finding(`${label(s)}: spec.kafka.config ${w}; allowed: the generated broker config from ${from}`, { key: "data.kafka.minInsyncReplicas" }));
        }
        const spec = s.props.spec ?? {};
        const name = spec.topicName ?? s.props.metadata?.name;
        const topic = runbookTopic(kafka, name);
        if (!topic) return [];
        const generated = topicSpecs(ctx.runbook).find((t) => t.spec.topicName === topic.name)!.spec;
        const out = [];
        const replicas = num(spec.replicas);
        if (replicas === undefined || replicas < topic.replicationFactor) out.push(finding(`${label(s)}: KafkaTopic ${topic.name} spec.replicas is ${replicas ?? "unset"}; the runbook's replicationFactor is ${topic.replicationFactor} ${cite(kafka.source)}`, { key: "data.kafka.topics" }));
        const partitions = num(spec.partitions);
        if (partitions === undefined || partitions < topic.partitions) out.push(finding(`${label(s)}: KafkaTopic ${topic.name} spec.partitions is ${partitions ?? "unset"}; the runbook's partitions is ${topic.partitions} ${cite(kafka.source)}`, { key: "data.kafka.topics" }));
        const config = isRecord(spec.config) ? spec.config : {};
        for (const w of configWeakenings(config, (generated.config ?? {}) as Record<string, string>)) {
            out.push(finding(`${label(s)}: KafkaTopic ${topic.name} spec.config ${w}; allowed: the generated topic config from ${from}`, { key: "data.kafka.minInsyncReplicas" }));
        }
        return out;
    },
});
