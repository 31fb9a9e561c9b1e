import type { Runbook } from "../../runbooks";
import { MANAGEMENT_ENV, RABBITMQ_METRICS_PATH, RABBITMQ_PORTS, RABBITMQ_PROMETHEUS_CONF, queueArguments, queueDepthTarget, consumedQueues, rabbitmqAppUser, rabbitmqVerifyEnv, requireRabbitMq, type AmqpEndpoint } from "../rabbitmq";
import type { Service } from "../../runbooks";
import { scratchMounts, scratchVolumes, type Scratch } from "./data-pods";
import { serviceHost, type Names } from "./names";
import { RABBITMQ, VOLUMES } from "./sizing";
import { dataImage } from "./versions";

/**
 * RabbitMQ on Kubernetes as the RabbitMQ Cluster Operator and the Messaging Topology Operator
 * run it: a `RabbitmqCluster` (rabbitmq.com/v1beta1) with the runbook's version and node count,
 * and the app's vhost, user, permission and queues as topology objects, so the queues are the
 * runbook's and not whatever a client declares first. Pure spec builders; the component wires them.
 */

export const RABBITMQ_API = "rabbitmq.com/v1beta1";

/** The operator's client Service carries the cluster's name; AMQP on 5672 inside the cluster. */
export function rabbitmqEndpoint(n: Names): AmqpEndpoint {
    return { scheme: "amqp", host: serviceHost(n.rabbitmq, n.namespace), port: RABBITMQ_PORTS.amqp };
}

/** The Secret the topology operator imports the app user's credentials from (`username`, `password`). */
export function rabbitmqUserSecret(n: Names): string {
    return `${n.rabbitmq}-app-user`;
}

/** The Secret the cluster operator makes for the cluster's default user, an administrator (`username`, `password`): what the definitions backup logs in with. */
export function rabbitmqAdminSecret(n: Names): string {
    return `${n.rabbitmq}-default-user`;
}

/**
 * The definitions backup's (and restore check's) connection: the management API on the operator's
 * client Service (the backup pods carry the data-access label the broker admits), as the
 * operator's default administrator, read from its Secret; and the names its restore check expects.
 */
export function rabbitmqBackupEnv(rb: Runbook, n: Names): { env: Record<string, string>; secretEnv: Record<string, readonly [string, string]> } {
    requireRabbitMq(rb);
    return {
        env: { [MANAGEMENT_ENV.url]: `http://${serviceHost(n.rabbitmq, n.namespace)}:${RABBITMQ_PORTS.management}`, ...rabbitmqVerifyEnv(rb) },
        secretEnv: { [MANAGEMENT_ENV.user]: [rabbitmqAdminSecret(n), "username"], [MANAGEMENT_ENV.password]: [rabbitmqAdminSecret(n), "password"] },
    };
}

/** KEDA's TriggerAuthentication for the queue-depth triggers: the AMQP URL from the app's env Secret. */
export function rabbitmqTriggerAuthentication(n: Names): string {
    return `${n.rabbitmq}-keda`;
}

/**
 * Where the server writes outside its volumes on a read-only root, in MiB (as DATA_SCRATCH in
 * data-pods.ts): RABBITMQ_LOG_BASE, which the image makes writable (1777), where the node would
 * write its log file and Erlang its crash dump. File logging is off (RABBITMQ_LOG_CONF); the
 * directory stays writable for a crash dump.
 */
export const RABBITMQ_SCRATCH: Scratch = { "/var/log/rabbitmq": 64 };

/**
 * The operator's StatefulSet, overridden (strategic merge by container name) to run the server and
 * its setup init container on a read-only root. The operator 2.11 (the rabbitmq-cluster-operator
 * chart's appVersion) gives them emptyDirs at /var/lib/rabbitmq (cookie, CLI home) and /operator
 * (enabled_plugins), the data volume at /var/lib/rabbitmq/mnesia and its conf.d files as ConfigMap
 * and Secret mounts (internal/resource/statefulset.go); the image's entrypoint writes nothing
 * (docker-entrypoint.sh only steps down from root and checks deprecated variables); what is left is
 * the log directory (RABBITMQ_SCRATCH).
 */
export function rabbitmqReadonlyOverride(): Record<string, unknown> {
    const readOnly = { securityContext: { readOnlyRootFilesystem: true } };
    return {
        statefulSet: {
            spec: {
                template: {
                    spec: {
                        initContainers: [{ name: "setup-container", ...readOnly }],
                        containers: [{ name: "rabbitmq", ...readOnly, volumeMounts: scratchMounts(RABBITMQ_SCRATCH) }],
                        volumes: scratchVolumes(RABBITMQ_SCRATCH),
                    },
                },
            },
        },
    };
}

/** Console logging only (the image's 10-defaults.conf sets `log.console = true`; Promtail reads the pod's output): no log file on a read-only root. */
export const RABBITMQ_LOG_CONF = ["log.file = false"] as const;

/**
 * The RabbitmqCluster: the runbook's node count (quorum queues survive one lost node of three),
 * the pinned image of the runbook's version, a volume per node, and where there is more than one
 * node, nodes spread over hosts. The Prometheus plugin is on by default in the operator's pods;
 * they run on a read-only root (`rabbitmqReadonlyOverride`).
 */
export function rabbitmqClusterSpec(rb: Runbook, n: Names, storageClass: string | undefined): Record<string, unknown> {
    const mq = requireRabbitMq(rb);
    return {
        replicas: mq.nodes,
        image: dataImage(rb, "rabbitmq"),
        persistence: { storage: VOLUMES.rabbitmq, ...(storageClass ? { storageClassName: storageClass } : {}) },
        resources: RABBITMQ,
        rabbitmq: { additionalConfig: ["cluster_partition_handling = pause_minority", "vm_memory_high_watermark.relative = 0.4", ...RABBITMQ_PROMETHEUS_CONF, ...RABBITMQ_LOG_CONF].join("\n") },
        override: rabbitmqReadonlyOverride(),
        ...(mq.nodes > 1
            ? {
                  affinity: {
                      podAntiAffinity: {
                          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "app.kubernetes.io/name": n.rabbitmq } } } }],
                      },
                  },
              }
            : {}),
    };
}

const ref = (n: Names) => ({ rabbitmqClusterReference: { name: n.rabbitmq } });

/** The app's vhost, user (no tags: no management rights), its permission on the vhost only, and the runbook's queues. */
export function topologySpecs(rb: Runbook, n: Names): { kind: "Vhost" | "User" | "Permission" | "Queue"; objectName: string; spec: Record<string, unknown> }[] {
    const mq = requireRabbitMq(rb);
    const user = rabbitmqAppUser(rb.app);
    const objectName = (part: string) => `${n.rabbitmq}-${part}`.toLowerCase().replace(/[^a-z0-9.-]+/g, "-");
    const taken = new Map<string, string>();
    for (const [i, q] of mq.queues.entries()) {
        const object = objectName(`queue-${q.name}`);
        const other = taken.get(object);
        if (other !== undefined) throw new Error(`${rb.app}: \`data.rabbitmq.queues[${i}].name\` = "${q.name}" and "${other}" make the same Kubernetes object name ${object}; allowed: queue names that differ in more than case and punctuation`);
        taken.set(object, q.name);
    }
    return [
        { kind: "Vhost", objectName: objectName("vhost"), spec: { name: mq.vhost, ...ref(n) } },
        { kind: "User", objectName: objectName("app-user"), spec: { tags: [], importCredentialsSecret: { name: rabbitmqUserSecret(n) }, ...ref(n) } },
        { kind: "Permission", objectName: objectName("app-permission"), spec: { vhost: mq.vhost, user, permissions: { configure: ".*", write: ".*", read: ".*" }, ...ref(n) } },
        ...mq.queues.map((q) => ({
            kind: "Queue" as const,
            objectName: objectName(`queue-${q.name}`),
            spec: { name: q.name, vhost: mq.vhost, type: q.type, durable: q.durable, autoDelete: false, arguments: queueArguments(q), ...ref(n) },
        })),
    ];
}

/** ServiceMonitor endpoint of the operator's client Service: the plugin's per-queue metrics on its `prometheus` port. */
export const RABBITMQ_SCRAPE = { port: "prometheus", path: RABBITMQ_METRICS_PATH } as const;

/** KEDA's RabbitMQ triggers of a consumer: one per queue it consumes, on messages ready (AMQP `QueueLength`). */
export function rabbitmqTriggers(rb: Runbook, n: Names, svc: Service) {
    const mq = requireRabbitMq(rb);
    const value = `${queueDepthTarget(rb, svc)}`;
    return consumedQueues(rb, svc).map((q) => ({
        type: "rabbitmq" as const,
        metadata: { protocol: "amqp" as const, queueName: q.name, mode: "QueueLength" as const, value, vhostName: mq.vhost },
        authenticationRef: { name: rabbitmqTriggerAuthentication(n) },
    }));
}
