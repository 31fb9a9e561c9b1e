import { kafka } from "./kafka";
import type { DockerDataService } from "./kind";
import { mongodb } from "./mongodb";
import { objectStorage } from "./object-storage";
import { postgres } from "./postgres";
import { rabbitmq } from "./rabbitmq";
import { redis } from "./redis";

export type { DockerDataService } from "./kind";
export { Kafka, type KafkaArgs } from "./kafka";
export { MongoReplicaSet, type MongoReplicaSetArgs } from "./mongodb";
export { ObjectStorage, type ObjectStorageArgs } from "./object-storage";
export { Postgres, type PostgresArgs } from "./postgres";
export { RabbitMq, type RabbitMqArgs } from "./rabbitmq";
export { Redis, type RedisArgs } from "./redis";

/**
 * The data services the Docker target can run, in the order the platform builds them: one module
 * each in this folder. The platform builds each whose `data.<kind>` the runbook has; the
 * monitoring, the app's services and the backups are created after them.
 */
export const DATA_SERVICES: readonly DockerDataService[] = [postgres, redis, kafka, mongodb, rabbitmq, objectStorage];
