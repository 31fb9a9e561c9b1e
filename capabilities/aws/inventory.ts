import type { Runbook } from "../../runbooks";
import type { AlarmInventory } from "./alarms";
import { amazonMqAlarmQueues } from "./amazonmq";
import { backupRules, backupTasks } from "./backups";
import { DOCUMENTDB_MAX_CONNECTIONS, documentDbInstanceClass } from "./documentdb";
import { cacheTopology } from "./elasticache";
import { RDS_ALLOCATED_STORAGE_GIB, rdsSize } from "./rds";
import { s3AlarmBuckets } from "../alerting/minio";

/**
 * What the AWS target builds for a runbook, as the alarms see it: the same decisions the
 * components make (services behind the load balancer where they have a host, blue/green pairs,
 * RDS replicas, cache members, DocumentDB members, MSK brokers, the Amazon MQ broker and its queues,
 * the S3 buckets with their request metrics, one vault per AWS Backup dataset).
 */
export function alarmInventory(rb: Runbook, hosts: Readonly<Record<string, string>>): AlarmInventory {
    const { postgres, redis, kafka, mongodb } = rb.data;
    const amazonMq = amazonMqAlarmQueues(rb);
    const s3 = s3AlarmBuckets(rb);
    const publicServices = rb.services.filter((s) => hosts[s.name]).map((s) => s.name);
    return {
        services: rb.services.map((s) => s.name),
        targetGroups: publicServices.flatMap((service) => (rb.aws.blueGreen ? [{ service, color: "blue" as const }, { service, color: "green" as const }] : [{ service }])),
        ...(postgres
            ? { rds: { instances: ["primary", ...Array.from({ length: postgres.readReplicas }, (_, i) => `replica-${i + 1}`)], allocatedGiB: RDS_ALLOCATED_STORAGE_GIB, maxConnections: rdsSize(postgres).maxConnections } }
            : {}),
        ...(redis ? { cache: { members: cacheTopology(redis, rb.aws.availabilityZones).memberSuffixes } } : {}),
        ...(mongodb ? { docdb: { instances: mongodb.replicaSetMembers, maxConnections: DOCUMENTDB_MAX_CONNECTIONS[documentDbInstanceClass(mongodb)] } } : {}),
        ...(kafka ? { msk: { brokers: kafka.brokers, consumers: kafka.consumerGroups.flatMap((group) => kafka.topics.map((t) => ({ group, topic: t.name }))) } } : {}),
        ...(amazonMq ? { rabbitmq: amazonMq } : {}),
        ...(s3 ? { s3 } : {}),
        certificate: publicServices.length > 0,
        backupVaults: backupRules(rb).map((r) => ({ dataset: r.dataset, name: r.name, everySeconds: r.everySeconds })),
        ...(backupTasks(rb).some((t) => t.kind === "backup")
            ? { backupTasks: backupTasks(rb).flatMap((t) => (t.kind === "backup" ? [{ dataset: t.dataset, name: t.name, everySeconds: t.everySeconds }] : [])) }
            : {}),
    };
}
