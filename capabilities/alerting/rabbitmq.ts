import type { Runbook, Signal } from "../../runbooks";
import { AMAZON_MQ_METRICS } from "../aws/amazonmq";
import { RABBITMQ_METRICS, RABBITMQ_PORTS } from "../rabbitmq";
import { METRICS, SCOPE_LABELS } from "./metrics";
import type { Scenario, Setup } from "./scenario-kit";
import { INSTANCE_LABELS, by, oneOf } from "./selectors";
import type { SignalSpec } from "./signals";

/**
 * RabbitMQ in the metrics contract: its signals (one declaration each), the CloudWatch metrics
 * that stand for them on AWS, and their promtool scenarios. The exporter is the broker's own
 * Prometheus plugin (rabbitmq_prometheus, port 15692), scraped on `/metrics` with per-object
 * metrics on (capabilities/rabbitmq.ts RABBITMQ_METRICS_PATH), where queue series carry `vhost` and
 * `queue` labels. Metric names as a RabbitMQ 3.10 server serves them
 * (test/alerting/fixtures/rabbitmq-metrics.prom).
 */

export type RabbitMqSignal = Extract<Signal, `rabbitmq_${string}`>;

/** Series of one RabbitMQ queue: the scope labels, its vhost and its name. */
export const QUEUE_LABELS = [...SCOPE_LABELS, "vhost", "queue"] as const;

/** The runbook's RabbitMQ queues in its vhost. */
export function queueSelector(runbook: Runbook): string {
    const mq = runbook.data.rabbitmq;
    if (!mq) throw new Error(`${runbook.app}: data.rabbitmq is required for RabbitMQ queue series`);
    return [`app="${runbook.app}"`, `component="rabbitmq"`, `vhost="${mq.vhost}"`, oneOf("queue", mq.queues.map((q) => q.name))].join(", ");
}

/** Where a RabbitMQ signal's series come from: the plugin, scoped to the broker (`component="rabbitmq"`). */
const broker = (facts: Pick<SignalSpec, "unit" | "metrics" | "how" | "value"> & Partial<Pick<SignalSpec, "identity" | "selector">>): SignalSpec => ({
    identity: INSTANCE_LABELS,
    ...facts,
    exporter: "rabbitmq",
    family: "queue",
    scope: "data",
    dataService: "rabbitmq",
});

/**
 * Node health is read from the plugin where the platform runs the nodes (Docker, Kubernetes).
 * Amazon MQ has no Prometheus endpoint: on AWS CloudWatch evaluates the broker's health from the
 * metrics Amazon MQ publishes per broker (dimension `Broker`), RABBITMQ_CLOUDWATCH_METRICS below.
 * The queue signals are per Broker, VirtualHost and Queue on Amazon MQ too.
 */
export const RABBITMQ_SIGNAL_SPECS: Readonly<Record<RabbitMqSignal, SignalSpec>> = {
    // The plugin runs inside the broker: a node that does not answer fails its scrape.
    rabbitmq_down: broker({
        unit: "bool",
        metrics: () => [METRICS.up],
        how: "1 while the node's Prometheus plugin does not answer its scrape (the node is down or unreachable); on Amazon MQ, while the broker publishes no RabbitMQMemUsed",
        value: (c) => `1 - max by (${by(INSTANCE_LABELS)}) (${METRICS.up}{${c.sel}})`,
    }),
    rabbitmq_resource_alarm: broker({
        unit: "bool",
        metrics: () => [RABBITMQ_METRICS.memoryAlarm, RABBITMQ_METRICS.diskAlarm],
        how: "1 while the node's memory high watermark or free disk limit alarm is set: the broker blocks every publishing connection; on Amazon MQ, while RabbitMQMemUsed exceeds RabbitMQMemLimit or RabbitMQDiskFree is below RabbitMQDiskFreeLimit",
        value: (c) => `max by (${by(INSTANCE_LABELS)}) ({__name__=~"${RABBITMQ_METRICS.memoryAlarm}|${RABBITMQ_METRICS.diskAlarm}", ${c.sel}})`,
    }),
    rabbitmq_queue_depth: broker({
        unit: "messages",
        identity: QUEUE_LABELS,
        metrics: () => [RABBITMQ_METRICS.messagesReady],
        how: "messages ready for delivery in each of the runbook's queues (the node leading the queue reports it)",
        value: (c) => `max by (${by(QUEUE_LABELS)}) (${RABBITMQ_METRICS.messagesReady}{${c.sel}})`,
        selector: queueSelector,
    }),
    rabbitmq_queue_no_consumer: broker({
        unit: "bool",
        identity: QUEUE_LABELS,
        metrics: () => [RABBITMQ_METRICS.consumers, RABBITMQ_METRICS.messagesReady],
        how: "1 while one of the runbook's queues has messages ready and no consumer (an empty queue a worker scaled to zero left is not one)",
        value: (c) =>
            `(max by (${by(QUEUE_LABELS)}) (${RABBITMQ_METRICS.consumers}{${c.sel}}) == bool 0) * (max by (${by(QUEUE_LABELS)}) (${RABBITMQ_METRICS.messagesReady}{${c.sel}}) > bool 0)`,
        selector: queueSelector,
    }),
};

/**
 * Amazon MQ's per-broker RabbitMQ metrics (dimension `Broker`, the broker's name): memory in use and
 * its limit (the high watermark), free disk and its limit. RabbitMQ raises its memory alarm when
 * RabbitMQMemUsed exceeds RabbitMQMemLimit and its disk alarm when RabbitMQDiskFree falls below
 * RabbitMQDiskFreeLimit (Amazon MQ developer guide, "Available CloudWatch metrics for Amazon MQ for
 * RabbitMQ brokers" and its memory and disk alarm pages).
 */
export const AMAZON_MQ_BROKER_METRICS = {
    memUsed: "RabbitMQMemUsed",
    memLimit: "RabbitMQMemLimit",
    diskFree: "RabbitMQDiskFree",
    diskFreeLimit: "RabbitMQDiskFreeLimit",
} as const;

/** The RabbitMQ signals CloudWatch evaluates on AWS (Amazon MQ's per-broker and per-queue metrics), and the metric each reads. */
export const RABBITMQ_CLOUDWATCH_SIGNALS = ["rabbitmq_down", "rabbitmq_resource_alarm", "rabbitmq_queue_depth", "rabbitmq_queue_no_consumer"] as const satisfies readonly RabbitMqSignal[];
export const RABBITMQ_CLOUDWATCH_METRICS: Readonly<Record<(typeof RABBITMQ_CLOUDWATCH_SIGNALS)[number], { namespace: string; metric: string; note: string }>> = {
    rabbitmq_down: {
        namespace: AMAZON_MQ_METRICS.namespace,
        metric: AMAZON_MQ_BROKER_METRICS.memUsed,
        note: "per Broker; 1 while the broker publishes no RabbitMQMemUsed (missing data breaching): Amazon MQ replaces a failed node itself, a broker that reports nothing is down",
    },
    rabbitmq_resource_alarm: {
        namespace: AMAZON_MQ_METRICS.namespace,
        metric: AMAZON_MQ_BROKER_METRICS.memUsed,
        note: "per Broker; 1 while RabbitMQMemUsed is above RabbitMQMemLimit or RabbitMQDiskFree below RabbitMQDiskFreeLimit (metric math)",
    },
    rabbitmq_queue_depth: { namespace: AMAZON_MQ_METRICS.namespace, metric: AMAZON_MQ_METRICS.messagesReady, note: "per Broker, VirtualHost and Queue" },
    rabbitmq_queue_no_consumer: {
        namespace: AMAZON_MQ_METRICS.namespace,
        metric: AMAZON_MQ_METRICS.consumers,
        note: "per Broker, VirtualHost and Queue; 1 while ConsumerCount is 0 and MessageReadyCount above 0 (metric math)",
    },
};

/**
 * What the AWS dashboards show for the broker's signals: CloudWatch metric math over Amazon MQ's
 * metrics, found by SEARCH (the broker's name is known only once deployed; the stack's account runs
 * the app's one broker). Down has no panel of its own beyond the memory series: a broker that is
 * down publishes nothing, which the alarm's missing data reads.
 */
const mqSearch = (dims: string, metric: string, stat: string, filter = "") => `SEARCH('{${AMAZON_MQ_METRICS.namespace},${dims}} MetricName="${metric}"${filter}', '${stat}', 60)`;
export const RABBITMQ_CLOUDWATCH_PANELS: Readonly<Partial<Record<RabbitMqSignal, { readonly expression: string; readonly label: string; readonly period: number }>>> = {
    rabbitmq_resource_alarm: {
        expression: `IF(MAX(${mqSearch("Broker", AMAZON_MQ_BROKER_METRICS.memUsed, "Maximum")}) > MIN(${mqSearch("Broker", AMAZON_MQ_BROKER_METRICS.memLimit, "Minimum")}) OR MIN(${mqSearch("Broker", AMAZON_MQ_BROKER_METRICS.diskFree, "Minimum")}) < MAX(${mqSearch("Broker", AMAZON_MQ_BROKER_METRICS.diskFreeLimit, "Maximum")}), 1, 0)`,
        label: "memory or disk alarm (1 = publishers blocked)",
        period: 60,
    },
    rabbitmq_queue_depth: { expression: mqSearch("Broker,Queue,VirtualHost", AMAZON_MQ_METRICS.messagesReady, "Maximum"), label: "${PROP('Dim.Queue')}", period: 60 },
};

const gauge = (n: number, v: number) => Array.from({ length: n }, () => v);

/** The RabbitMQ nodes the plugin is scraped on: one per node of the runbook's cluster. */
function rabbitmqNodes(rb: Runbook): string[] {
    return Array.from({ length: rb.data.rabbitmq?.nodes ?? 1 }, (_, i) => `rabbitmq-${i}:${RABBITMQ_PORTS.prometheus}`);
}
/** The runbook's vhost and queues, each reported by one node (the one leading it), as the plugin's per-object series show them. */
function rabbitmqQueues(s: Setup): { vhost: string; queue: string; instance: string }[] {
    const mq = s.runbook.data.rabbitmq;
    if (!mq) throw new Error(`${s.runbook.app}: ${s.alert.signal} needs data.rabbitmq`);
    const nodes = rabbitmqNodes(s.runbook);
    return mq.queues.map((q, i) => ({ vhost: mq.vhost, queue: q.name, instance: nodes[i % nodes.length] }));
}
export const RABBITMQ_SCENARIOS: Readonly<Record<RabbitMqSignal, (s: Setup) => Scenario>> = {
    // The plugin runs inside the broker: a node that is down fails its scrape, `up` is 0.
    rabbitmq_down: (s) => {
        const nodes = rabbitmqNodes(s.runbook);
        return {
            series: nodes.map((instance) => ({ name: METRICS.up, labels: { app: s.app, component: "rabbitmq", job: "rabbitmq", instance }, values: gauge(s.samples, 1 - s.value) })),
            instances: nodes.map((instance) => ({ labels: { app: s.app, component: "rabbitmq", instance }, valueAt: () => s.value })),
            story: s.value ? `every node's scrape fails (${nodes.length} nodes)` : `every node answers its scrape (${nodes.length} nodes)`,
        };
    },

    rabbitmq_resource_alarm: (s) => {
        // The first node's memory alarm is set (1) or clear (0); no node's disk alarm is, nor any other node's memory alarm.
        const nodes = rabbitmqNodes(s.runbook);
        const base = (instance: string) => ({ app: s.app, component: "rabbitmq", job: "rabbitmq", instance });
        return {
            series: nodes.flatMap((instance, i) => [
                { name: RABBITMQ_METRICS.memoryAlarm, labels: base(instance), values: gauge(s.samples, i === 0 ? s.value : 0) },
                { name: RABBITMQ_METRICS.diskAlarm, labels: base(instance), values: gauge(s.samples, 0) },
            ]),
            instances: [{ labels: { app: s.app, component: "rabbitmq", instance: nodes[0] }, valueAt: () => s.value }],
            story: s.value ? `node ${nodes[0]} has its memory alarm set, no disk alarm anywhere` : "no node has a memory or disk alarm set",
        };
    },

    rabbitmq_queue_depth: (s) => {
        const queues = rabbitmqQueues(s);
        // The scenario's value as it is: a threshold's fire and calm values may be a fraction of a message apart.
        const depth = s.value;
        // Another vhost's queue of the same name, and a queue of the runbook's vhost it does not declare, hold far more: neither is the runbook's.
        const strangers = [
            { vhost: "/", queue: queues[0].queue, instance: queues[0].instance },
            { vhost: queues[0].vhost, queue: "adhoc-debug", instance: queues[0].instance },
        ];
        const series = [...queues, ...strangers].map((q, i) => ({
            name: RABBITMQ_METRICS.messagesReady,
            labels: { app: s.app, component: "rabbitmq", job: "rabbitmq", instance: q.instance, vhost: q.vhost, queue: q.queue },
            values: gauge(s.samples, i < queues.length ? depth : depth * 10),
        }));
        return {
            series,
            instances: queues.map((q) => ({ labels: { app: s.app, component: "rabbitmq", vhost: q.vhost, queue: q.queue }, valueAt: () => depth })),
            story: `${Number(depth.toFixed(2))} messages ready in each of the runbook's queues, ten times that in another vhost's and an undeclared queue`,
        };
    },

    rabbitmq_queue_no_consumer: (s) => {
        const queues = rabbitmqQueues(s);
        // Calm: the worker scaled to zero on an empty queue (no consumer, nothing ready). Firing: messages wait and no consumer came.
        const ready = s.value ? 25 : 0;
        const series = queues.flatMap((q) => {
            const labels = { app: s.app, component: "rabbitmq", job: "rabbitmq", instance: q.instance, vhost: q.vhost, queue: q.queue };
            return [
                { name: RABBITMQ_METRICS.consumers, labels, values: gauge(s.samples, 0) },
                { name: RABBITMQ_METRICS.messagesReady, labels, values: gauge(s.samples, ready) },
            ];
        });
        return {
            series,
            instances: queues.map((q) => ({ labels: { app: s.app, component: "rabbitmq", vhost: q.vhost, queue: q.queue }, valueAt: () => s.value })),
            story: s.value ? `${ready} messages ready in each of the runbook's queues and no consumer` : "no consumer on an empty queue (the worker scaled to zero)",
        };
    },

};
