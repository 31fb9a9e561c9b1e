import type { Runbook, Signal } from "../../runbooks";
import { METRICS } from "./metrics";
import { gauge, type Scenario, type Setup } from "./scenario-kit";

/**
 * Promtool scenarios of the platform's baseline health signals beyond "down" (baseline.ts), said
 * from each signal's definition, never from the rule's expression. promtool-scenarios.ts spreads
 * them into its table: a signal added here needs no line there.
 */

/** kafka_exporter's own target: one per app, as every target scrapes it. */
const KAFKA_EXPORTER = { component: "kafka", job: "kafka", instance: "kafka-exporter:9308" } as const;

function kafkaOf(rb: Runbook) {
    const kafka = rb.data.kafka;
    if (!kafka) throw new Error(`${rb.app}: a Kafka health signal needs data.kafka`);
    return kafka;
}

/** One gauge per partition of the given topics, `at(topic index, partition)` its value. */
function perPartition(s: Setup, metric: string, topics: readonly { name: string; partitions: number }[], at: (topic: number, partition: number) => number) {
    return topics.flatMap((t, ti) =>
        Array.from({ length: t.partitions }, (_, p) => ({
            name: metric,
            labels: { app: s.app, ...KAFKA_EXPORTER, topic: t.name, partition: String(p) },
            values: gauge(s.samples, at(ti, p)),
        })),
    );
}

const exporterInstance = (s: Setup) => [{ labels: { app: s.app, component: KAFKA_EXPORTER.component, instance: KAFKA_EXPORTER.instance }, valueAt: () => s.value }];

export const HEALTH_SCENARIOS = {
    // Missing (1): the metadata lists one broker fewer than the runbook runs; the exporter still answers.
    kafka_broker_missing: (s: Setup): Scenario => {
        const brokers = kafkaOf(s.runbook).brokers;
        const seen = s.value ? brokers - 1 : brokers;
        return {
            series: [{ name: METRICS.kafkaBrokers, labels: { app: s.app, ...KAFKA_EXPORTER }, values: gauge(s.samples, seen) }],
            instances: exporterInstance(s),
            story: `the cluster metadata lists ${seen} of the runbook's ${brokers} brokers`,
        };
    },
    // Under-replicated (1): one partition of the offsets topic, which the runbook does not name, is short of a copy.
    kafka_under_replicated: (s: Setup): Scenario => {
        const topics = [...kafkaOf(s.runbook).topics, { name: "__consumer_offsets", partitions: 2 }];
        const last = topics.length - 1;
        return {
            series: perPartition(s, METRICS.kafkaUnderReplicated, topics, (t, p) => (s.value && t === last && p === 1 ? 1 : 0)),
            instances: exporterInstance(s),
            story: s.value ? "partition 1 of __consumer_offsets is under-replicated, every other partition is not" : "no partition is under-replicated",
        };
    },
    // Below min.insync (1): partition 0 of the first runbook topic keeps one in-sync replica fewer than
    // min.insync.replicas. Calm (0): it keeps exactly min.insync (under-replicated, still writable).
    // Either way an ad-hoc topic of one replica, which can never meet min.insync, is not the runbook's.
    kafka_under_min_isr: (s: Setup): Scenario => {
        const kafka = kafkaOf(s.runbook);
        const scratch = { name: "ad-hoc.scratch", partitions: 1 };
        const topics = [...kafka.topics, scratch];
        const inSync = (t: number, p: number) => {
            if (t === topics.length - 1) return 1;
            if (t === 0 && p === 0) return s.value ? kafka.minInsyncReplicas - 1 : kafka.minInsyncReplicas;
            return kafka.topics[t].replicationFactor;
        };
        return {
            series: perPartition(s, METRICS.kafkaInSyncReplicas, topics, inSync),
            instances: exporterInstance(s),
            story: `partition 0 of ${kafka.topics[0].name} has ${inSync(0, 0)} in-sync replicas (min.insync.replicas ${kafka.minInsyncReplicas}), an ad-hoc topic of one replica 1`,
        };
    },
} satisfies Partial<Record<Signal, (s: Setup) => Scenario>>;
