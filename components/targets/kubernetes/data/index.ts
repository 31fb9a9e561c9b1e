import { kafka } from "./kafka";
import type { KubernetesDataService } from "./kind";
import { mongodb } from "./mongodb";
import { postgres } from "./postgres";
import { rabbitmq } from "./rabbitmq";
import { redis } from "./redis";

export type { DataPassword, DataServiceInputs, KubernetesDataKind, KubernetesDataService, OperatorRelease } from "./kind";
export { Kafka, type KafkaArgs } from "./kafka";
export { MongoDb, type MongoDbArgs } from "./mongodb";
export { ObjectStorage, type ObjectStorageArgs } from "./object-storage";
export { Postgres, type PostgresArgs } from "./postgres";
export { RabbitMq, type RabbitMqArgs } from "./rabbitmq";
export { Redis, type RedisArgs } from "./redis";

/**
 * The data services the Kubernetes target can run, in the order the platform builds them: one
 * module each in this folder. The platform builds each whose `data.<kind>` the runbook has; the
 * operators, the app services' dependencies and the NetworkPolicies follow this list.
 */
export const DATA_SERVICES: readonly KubernetesDataService[] = [postgres, redis, mongodb, kafka, rabbitmq];
