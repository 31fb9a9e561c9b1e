import { RABBITMQ_PORTS } from "../rabbitmq";
import { KAFKA_EXPORTER_PORT, KAFKA_PLAIN_PORT, STRIMZI_OPERATOR_PORTS } from "./kafka";
import { MINIO_PORT } from "./minio";
import { MONGO_EXPORTER_PORT } from "./mongodb";
import type { DataService } from "./names";
import { CNPG_INSTANCE_MANAGER_PORT, POSTGRES_PORT } from "./postgres";
import { CNPG_METRICS_PORT_NUMBER, POSTGRES_EXPORTER_PORT } from "./postgres-exporter";
import { RABBITMQ_SCRAPE } from "./rabbitmq";
import { REDIS_EXPORTER_PORT } from "./redis";

/**
 * The ports other namespaces need on the app namespace's data-service pods (issue 15, row 8), from
 * the constants the scrape objects and the operators use. Functions, not tables: these modules
 * import each other, and a table built at load time could read a constant not yet defined.
 */

/** A port and why it is open. */
export interface OpenPort {
    readonly port: number;
    readonly why: string;
}

/**
 * What Prometheus scrapes on each data service's pods (the ServiceMonitors and PodMonitors of
 * capabilities/kubernetes/*, components/targets/kubernetes/data/*). The blackbox probes reach only the
 * app's services (their own NetworkPolicies); the Pushgateway is in the monitoring namespace itself.
 */
export function scrapedPorts(d: DataService): readonly OpenPort[] {
    switch (d) {
        case "postgres":
            return [
                { port: POSTGRES_EXPORTER_PORT, why: "postgres_exporter's ServiceMonitor" },
                { port: CNPG_METRICS_PORT_NUMBER, why: "the CloudNativePG instances' PodMonitor (with read replicas)" },
            ];
        case "kafka":
            return [{ port: KAFKA_EXPORTER_PORT, why: "Strimzi's Kafka Exporter PodMonitor" }];
        case "rabbitmq":
            return [{ port: RABBITMQ_PORTS[RABBITMQ_SCRAPE.port], why: "the RabbitMQ Prometheus plugin's ServiceMonitor" }];
        case "redis":
            return [{ port: REDIS_EXPORTER_PORT, why: "redis_exporter's ServiceMonitor" }];
        case "mongodb":
            return [{ port: MONGO_EXPORTER_PORT, why: "mongodb_exporter's ServiceMonitor" }];
        case "minio":
            return [{ port: MINIO_PORT, why: "MinIO's cluster-metrics ServiceMonitor (on its S3 port)" }];
    }
}

/** The scraped ports of the data services present, each once, ascending. */
export function scrapedPortSet(present: readonly DataService[]): number[] {
    return [...new Set(present.flatMap((d) => scrapedPorts(d).map((p) => p.port)))].sort((a, b) => a - b);
}

/**
 * What the operators namespace reaches on each data service's pods, checked against each operator's
 * source at the pinned chart versions (docs/security.md): CloudNativePG's operator the instance
 * manager and PostgreSQL; Strimzi's cluster operator the brokers' control-plane, replication and
 * agent ports; the RabbitMQ Messaging Topology Operator the management API (the Cluster Operator
 * itself runs rabbitmqctl through the API server's exec); KEDA's scalers the Kafka and AMQP
 * listeners (consumer lag, queue depth). Redis, MongoDB and MinIO have no operator: none.
 */
export function operatorPorts(d: DataService): readonly OpenPort[] {
    switch (d) {
        case "postgres":
            return [
                { port: CNPG_INSTANCE_MANAGER_PORT, why: "CloudNativePG's operator reads the instance manager's status" },
                { port: POSTGRES_PORT, why: "CloudNativePG's operator connects to PostgreSQL" },
            ];
        case "kafka":
            return [
                { port: STRIMZI_OPERATOR_PORTS.controlPlane, why: "Strimzi's cluster operator, KRaft control plane" },
                { port: STRIMZI_OPERATOR_PORTS.replication, why: "Strimzi's cluster operator, admin client" },
                { port: STRIMZI_OPERATOR_PORTS.kafkaAgent, why: "Strimzi's cluster operator, Kafka agent" },
                { port: KAFKA_PLAIN_PORT, why: "KEDA's Kafka scaler (consumer lag)" },
            ];
        case "rabbitmq":
            return [
                { port: RABBITMQ_PORTS.management, why: "the Messaging Topology Operator's management API calls" },
                { port: RABBITMQ_PORTS.amqp, why: "KEDA's RabbitMQ scaler (queue depth)" },
            ];
        case "redis":
        case "mongodb":
        case "minio":
            return [];
    }
}

/** Every data service the Kubernetes target can run, for checks that do not know which a stack has. */
export const ALL_DATA_SERVICES: readonly DataService[] = ["postgres", "redis", "mongodb", "kafka", "rabbitmq", "minio"];
