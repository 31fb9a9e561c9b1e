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
/** Brokers answer TLS clients here (unauthenticated: not enabled). */
export const MSK_TLS_PORT = 9094;
/** Brokers answer SASL/SCRAM clients over TLS here: the only client listener. */
export const MSK_CLIENT_PORT = 9096;
/** MSK reads SCRAM credentials only from secrets whose name starts with this, encrypted with a customer-managed key. */
export const MSK_SCRAM_SECRET_PREFIX = "AmazonMSK_";

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

/** The SASL/SCRAM logins of the app's Kafka: the app, the lag exporter, and the admin that creates topics and ACLs. */
export interface KafkaUsers {
    readonly app: string;
    readonly monitor: string;
    readonly admin: string;
}

export function kafkaUsers(prefix: string): KafkaUsers {
    return { app: `${prefix}-app`, monitor: `${prefix}-monitor`, admin: `${prefix}-admin` };
}

/** The Secrets Manager name of a SCRAM login: MSK's prefix, then the login. */
export function scramSecretName(user: string): string {
    return `${MSK_SCRAM_SECRET_PREFIX}${user}`;
}

/** Environment variable the one-off admin task reads the admin's SCRAM password from. */
export const KAFKA_ADMIN_PASSWORD_ENV = "KAFKA_ADMIN_PASSWORD";

/**
 * Shell lines that write the admin's client config (SASL_SSL, SCRAM-SHA-512) to `clientConfig`,
 * the password read from `KAFKA_ADMIN_PASSWORD` at run time, never part of the task definition.
 */
export function adminClientConfig(users: KafkaUsers, clientConfig: string): string {
    return [
        `: "\${${KAFKA_ADMIN_PASSWORD_ENV}:?the admin's SCRAM password is required}"`,
        `umask 077`,
        `printf '%s\\n' 'security.protocol=SASL_SSL' 'sasl.mechanism=SCRAM-SHA-512' "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\\"${users.admin}\\" password=\\"$${KAFKA_ADMIN_PASSWORD_ENV}\\";" > ${clientConfig}`,
    ].join(" && ");
}

/**
 * ACLs (idempotent: `--add` of an existing ACL is a no-op). The admin alone holds the cluster
 * (creating topics and ACLs); once a resource has an ACL, MSK's default `allow.everyone.if.no.acl.found`
 * no longer lets other logins use it. The app reads, writes and describes its topics and reads its
 * consumer groups; the lag exporter only describes them.
 */
export function aclCommands(kafka: Kafka, users: KafkaUsers, bootstrapServers: string, clientConfig: string): string[] {
    const acls = `/opt/kafka/bin/kafka-acls.sh --bootstrap-server ${bootstrapServers} --command-config ${clientConfig} --add`;
    const topics = kafka.topics.map((t) => `--topic ${t.name}`).join(" ");
    const groups = kafka.consumerGroups.map((g) => `--group ${g}`).join(" ");
    const on = (resources: string, line: string) => (resources ? [`${line} ${resources}`] : []);
    return [
        `${acls} --allow-principal User:${users.admin} --operation All --cluster`,
        ...on(topics, `${acls} --allow-principal User:${users.admin} --operation All`),
        ...on(topics, `${acls} --allow-principal User:${users.app} --operation Read --operation Write --operation Describe`),
        ...on(groups, `${acls} --allow-principal User:${users.app} --operation Read`),
        `${acls} --allow-principal User:${users.monitor} --operation Describe --cluster`,
        ...on(topics, `${acls} --allow-principal User:${users.monitor} --operation Describe`),
        ...on(groups, `${acls} --allow-principal User:${users.monitor} --operation Describe`),
    ];
}

/** The admin command that creates the runbook's topics (MSK has no topic API); run once as an ECS task. */
export function topicCommands(kafka: Kafka, bootstrapServers: string, clientConfig: string): string[] {
    return kafka.topics.map(
        (t) =>
            `/opt/kafka/bin/kafka-topics.sh --bootstrap-server ${bootstrapServers} --command-config ${clientConfig} --create --if-not-exists --topic ${t.name} --partitions ${t.partitions} --replication-factor ${t.replicationFactor}`,
    );
}
