import { requireField, type Runbook, type Signal } from "../../runbooks";
import { CLIENT_LABELS, METRICS } from "./metrics";
import { counter, fmt, gauge, ratio, type Scenario, type Setup } from "./scenario-kit";

/**
 * Promtool scenarios of the platform's baseline health signals beyond "down" (baseline.ts), said
 * from each signal's definition, never from the rule's expression. promtool-scenarios.ts spreads
 * them into its table: a signal added here needs no line there.
 */

/** kafka_exporter's own target: one per app, as every target scrapes it. */
const KAFKA_EXPORTER = { component: "kafka", job: "kafka", instance: "kafka-exporter:9308" } as const;

const kafkaOf = (rb: Runbook) => requireField(rb.data.kafka, rb.app, "data.kafka");

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
    // Each service calls the dependency 40 times a second: `value`% fail, half with a 503, half with no
    // answer (a timeout: no status code); 5% answer 404, the caller's mistake, which must not count;
    // another host the app calls fails every call, which is not this dependency.
    external_error_rate: (s: Setup): Scenario => {
        const dep = s.runbook.externalDependencies.find((d) => d.name === s.alert.subject);
        if (!dep) throw new Error(`${s.runbook.app} alert ${s.alert.id}: no external dependency ${s.alert.subject}`);
        const total = 40;
        const failed = (total * s.value) / 100;
        const client = total * 0.05;
        const series = s.components.flatMap((c) => {
            const base = { app: s.app, component: c, job: c, instance: `${c}-1:9464`, http_request_method: "POST", [CLIENT_LABELS.server]: new URL(dep.url).hostname };
            const call = (labels: Record<string, string>, perSecond: number) => ({ name: METRICS.httpClientCalls, labels: { ...base, ...labels }, values: counter(s.samples, perSecond) });
            return [
                call({ [CLIENT_LABELS.status]: "200" }, total - failed - client),
                call({ [CLIENT_LABELS.status]: "404", [CLIENT_LABELS.error]: "404" }, client),
                call({ [CLIENT_LABELS.status]: "503", [CLIENT_LABELS.error]: "503" }, failed / 2),
                call({ [CLIENT_LABELS.error]: "timeout" }, failed / 2),
                call({ [CLIENT_LABELS.server]: "other-api.example", [CLIENT_LABELS.status]: "500", [CLIENT_LABELS.error]: "500" }, total),
            ];
        });
        return {
            series,
            instances: [{ labels: { app: s.app, component: dep.name }, valueAt: ratio(s.value) }],
            story: `${fmt(s.value)}% of calls to ${dep.name} fail (half 503, half timeouts; 5% answer 404), another host fails every call`,
        };
    },
} satisfies Partial<Record<Signal, (s: Setup) => Scenario>>;
