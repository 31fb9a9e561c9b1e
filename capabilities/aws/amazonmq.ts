import type { Env, Runbook, Service } from "../../runbooks";
import { maintenanceWindow } from "./windows";
import { consumedQueues, queueDepthTarget, requireRabbitMq, type RabbitMq } from "../rabbitmq";

/**
 * Amazon MQ for RabbitMQ, decided from the runbook: engine version, deployment mode, instance
 * type, the subnets a mode takes, and the queue-depth target the consuming worker's ECS service
 * tracks. What Amazon MQ does not offer is stated here too: at-rest encryption is always AWS's
 * own key (`EncryptionOptions` does not apply to RabbitMQ brokers), only one (administrative)
 * user can be created with the broker, audit logs do not exist, and there is no definitions
 * backup (docs/data-kinds.md).
 */

/** Amazon MQ takes RabbitMQ by major.minor and applies patch releases itself (automatic minor upgrades are required from 3.13). */
export const AMAZON_MQ_RABBITMQ_VERSIONS = ["3.13", "4.0"] as const;

/** The CloudWatch namespace of Amazon MQ and the per-queue metrics the platform reads (dimensions Broker, VirtualHost, Queue). */
export const AMAZON_MQ_METRICS = { namespace: "AWS/AmazonMQ", messagesReady: "MessageReadyCount", consumers: "ConsumerCount" } as const;

/** The vhost and queues the broker's per-queue alarms watch; none where the runbook has no RabbitMQ. */
export function amazonMqAlarmQueues(rb: Runbook): { vhost: string; queues: string[] } | undefined {
    const mq = rb.data.rabbitmq;
    return mq && { vhost: mq.vhost, queues: mq.queues.map((q) => q.name) };
}

export function amazonMqEngineVersion(rb: Runbook): string {
    const mq = requireRabbitMq(rb);
    const minor = mq.version.split(".").slice(0, 2).join(".");
    if (!(AMAZON_MQ_RABBITMQ_VERSIONS as readonly string[]).includes(minor)) {
        throw new Error(`${rb.app}: \`data.rabbitmq.version\` = "${mq.version}" is not offered by Amazon MQ; allowed: ${AMAZON_MQ_RABBITMQ_VERSIONS.join(", ")}`);
    }
    return minor;
}

export type AmazonMqDeploymentMode = "SINGLE_INSTANCE" | "CLUSTER_MULTI_AZ";

/**
 * A cluster (three nodes over three AZs, the only cluster Amazon MQ runs) where the runbook asks
 * for more than one node; a runbook's `nodes` other than 1 or 3 cannot be expressed and fails.
 */
export function amazonMqDeploymentMode(rb: Runbook): AmazonMqDeploymentMode {
    const mq = requireRabbitMq(rb);
    if (mq.nodes === 1) return "SINGLE_INSTANCE";
    if (mq.nodes === 3) return "CLUSTER_MULTI_AZ";
    throw new Error(`${rb.app}: \`data.rabbitmq.nodes\` = ${mq.nodes}: Amazon MQ runs a single instance or a three-node cluster; allowed: 1, 3`);
}

/** Clusters need an m5 instance; a single instance outside production may be the burstable one. */
export function amazonMqInstanceType(mode: AmazonMqDeploymentMode, env: Env): string {
    return mode === "SINGLE_INSTANCE" && env !== "production" ? "mq.t3.micro" : "mq.m5.large";
}

/** A single instance sits in one subnet; a cluster in one per AZ. */
export function amazonMqSubnets<T>(mode: AmazonMqDeploymentMode, subnets: readonly T[]): T[] {
    if (mode === "SINGLE_INSTANCE") return subnets.slice(0, 1);
    if (subnets.length < 3) throw new Error(`a RabbitMQ cluster on Amazon MQ needs three private subnets in three AZs; have ${subnets.length}`);
    return subnets.slice(0, 3);
}

/**
 * Target tracking on messages ready per running task: the sum over the worker's queues of
 * MessageReadyCount divided by the service's RunningTaskCount (Container Insights), held at the
 * worker's `messagesPerConsumer`. A metric-math target, so the policy scales in proportion to
 * the backlog, as KEDA's `QueueLength` does on Kubernetes.
 */
export function queueDepthTracking(rb: Runbook, svc: Service, broker: string, cluster: string, ecsService: string) {
    const mq: RabbitMq = requireRabbitMq(rb);
    const queues = consumedQueues(rb, svc);
    const ready = queues.map((q, i) => ({
        id: `q${i}`,
        returnData: false,
        metricStat: {
            metric: {
                namespace: AMAZON_MQ_METRICS.namespace,
                metricName: AMAZON_MQ_METRICS.messagesReady,
                dimensions: [
                    { name: "Broker", value: broker },
                    { name: "VirtualHost", value: mq.vhost },
                    { name: "Queue", value: q.name },
                ],
            },
            stat: "Maximum",
        },
    }));
    const sum = ready.map((r) => r.id).join(" + ");
    return {
        targetValue: queueDepthTarget(rb, svc),
        metrics: [
            ...ready,
            {
                id: "tasks",
                returnData: false,
                metricStat: {
                    metric: {
                        namespace: "ECS/ContainerInsights",
                        metricName: "RunningTaskCount",
                        dimensions: [
                            { name: "ClusterName", value: cluster },
                            { name: "ServiceName", value: ecsService },
                        ],
                    },
                    stat: "Average",
                },
            },
            // With no task running the whole backlog is the value, so a worker scaled to zero still scales out.
            { id: "backlog", label: "messages ready per running task", returnData: true, expression: `IF(tasks > 0, (${sum}) / tasks, ${sum})` },
        ],
    };
}

const MQ_DAYS = ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"] as const;

/** The broker's weekly maintenance start, as Amazon MQ takes it: the runbook's maintenance window's start, in UTC. */
export function amazonMqMaintenanceStart(rb: Runbook): { dayOfWeek: (typeof MQ_DAYS)[number]; timeOfDay: string; timeZone: "UTC" } {
    const { start } = maintenanceWindow(rb);
    const minute = start % 1440;
    return { dayOfWeek: MQ_DAYS[Math.floor(start / 1440)], timeOfDay: `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`, timeZone: "UTC" };
}
