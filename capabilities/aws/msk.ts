import type { Runbook } from "../../runbooks";
import { kafkaBrokerConfig } from "../datastores";

/** Amazon MSK from the runbook's `data.kafka`. */

type Kafka = NonNullable<Runbook["data"]["kafka"]>;

/** Broker size: the runbooks give none; m7g.large is the smallest Graviton broker MSK recommends for production. */
export const MSK_BROKER_INSTANCE = "kafka.m7g.large";
/** Broker types in size order: the ones a runbook may ask for. */
export const MSK_BROKER_INSTANCES: readonly string[] = ["kafka.t3.small", "kafka.m7g.large", "kafka.m7g.xlarge", "kafka.m7g.2xlarge", "kafka.m7g.4xlarge", "kafka.m7g.8xlarge"];

/** The runbook's broker type (`data.kafka.instanceSize`), else the platform's baseline. */
export function mskBrokerInstance(kafka: Kafka): string {
    const type = kafka.instanceSize ?? MSK_BROKER_INSTANCE;
    if (!MSK_BROKER_INSTANCES.includes(type)) throw new Error(`data.kafka.instanceSize = "${type}" is not a broker type the platform sizes; allowed: ${MSK_BROKER_INSTANCES.join(", ")}`);
    return type;
}

/** EBS per broker, GiB: the runbooks give no volume; seven days of a modest transaction stream with room. */
export const MSK_BROKER_VOLUME_GIB = 100;
/** Ports of MSK's open-monitoring exporters on every broker. */
export const MSK_JMX_EXPORTER_PORT = 11001;
export const MSK_NODE_EXPORTER_PORT = 11002;
/** Brokers answer TLS clients here. */
export const MSK_TLS_PORT = 9094;

/** MSK names its 3.7+ lines `3.8.x` and patches them itself; older lines are exact versions. */
export function mskKafkaVersion(kafka: Kafka): string {
    const [major, minor] = kafka.version.split(".").map(Number);
    if (major > 3 || (major === 3 && minor >= 7)) return `${major}.${minor}.x`;
    return kafka.version;
}

/** `server.properties` for the MSK configuration: the runbook's replication guarantees. */
export function mskServerProperties(kafka: Kafka): string {
    return Object.entries(kafkaBrokerConfig(kafka))
        .map(([k, v]) => `${k}=${v}`)
        .join("\n")
        .concat("\n");
}

/**
 * How many AZs' subnets the brokers spread over: MSK needs the broker count to be a multiple of
 * the client subnets, so the most AZs (up to the runbook's) that divide the brokers evenly.
 */
export function mskSubnetCount(kafka: Kafka, azCount: number): number {
    for (let n = Math.min(azCount, kafka.brokers); n >= 2; n--) if (kafka.brokers % n === 0) return n;
    throw new Error(`data.kafka.brokers = ${kafka.brokers}: MSK spreads brokers evenly over 2 or more AZs; with ${azCount} AZs, use a multiple of 2 or 3`);
}

/** The admin command that creates the runbook's topics (MSK has no topic API); run once as an ECS task. */
export function topicCommands(kafka: Kafka, bootstrapServers: string, clientConfig: string): string[] {
    return kafka.topics.map(
        (t) =>
            `/opt/kafka/bin/kafka-topics.sh --bootstrap-server ${bootstrapServers} --command-config ${clientConfig} --create --if-not-exists --topic ${t.name} --partitions ${t.partitions} --replication-factor ${t.replicationFactor}`,
    );
}
