import type { Runbook } from "../runbooks";

/**
 * The one Kafka ACL model of the platform (issue 15): which operations each client role gets on
 * the runbook's topics and consumer groups. Strimzi's KafkaUsers (capabilities/kubernetes/kafka-users.ts)
 * and the Docker target's `kafka-acls.sh` calls (capabilities/docker/kafka.ts) both render it, so
 * the two targets grant the same rights.
 *
 * - `app`: Read, Write and Describe on each runbook topic; Read and Describe on each consumer group;
 * - `monitor`: Describe on the topics and the groups (offsets and lag, no records): KEDA's Kafka
 *   scaler on Kubernetes, the Kafka exporter on Docker.
 */

type Kafka = NonNullable<Runbook["data"]["kafka"]>;

export type KafkaAclOperation = "Read" | "Write" | "Describe";
export type KafkaAclRole = "app" | "monitor";

export const KAFKA_ACL_ROLES: Readonly<Record<KafkaAclRole, { readonly topic: readonly KafkaAclOperation[]; readonly group: readonly KafkaAclOperation[] }>> = {
    app: { topic: ["Read", "Write", "Describe"], group: ["Read", "Describe"] },
    monitor: { topic: ["Describe"], group: ["Describe"] },
};

/** One ACL: a literal topic or consumer group and the operations allowed on it. */
export interface KafkaAcl {
    readonly resource: "topic" | "group";
    readonly name: string;
    readonly operations: KafkaAclOperation[];
}

/** A role's ACLs: its topic operations on each runbook topic, then its group operations on each consumer group. */
export function kafkaAcls(kafka: Kafka, role: KafkaAclRole): KafkaAcl[] {
    const ops = KAFKA_ACL_ROLES[role];
    return [
        ...kafka.topics.map((t) => ({ resource: "topic" as const, name: t.name, operations: [...ops.topic] })),
        ...kafka.consumerGroups.map((g) => ({ resource: "group" as const, name: g, operations: [...ops.group] })),
    ];
}
