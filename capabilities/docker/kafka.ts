import type { Runbook } from "../../runbooks";
import { kafkaBrokerConfig } from "../datastores";
import { INTERNAL_PORTS, kafkaBrokers } from "./topology";

/**
 * Kafka in KRaft mode on the official `apache/kafka` image: every node is broker and controller,
 * the runbook's broker count forms the quorum, and the shared `kafkaBrokerConfig` sets the
 * replication guarantees. Topics are created by a one-shot container; auto-creation stays off.
 */

type Kafka = NonNullable<Runbook["data"]["kafka"]>;

export const KAFKA_DATA = "/var/lib/kafka/data";
export const KAFKA_BIN = "/opt/kafka/bin";
export const KAFKA_TOPICS_SCRIPT_PATH = "/opt/platform/kafka-topics.sh";

/** Fails early where the runbook asks for more copies than there are brokers. */
export function checkKafka(runbook: Runbook): Kafka {
    const kafka = runbook.data.kafka;
    if (!kafka) throw new Error(`${runbook.app}: \`data.kafka\` is required for Kafka`);
    kafka.topics.forEach((t, i) => {
        if (t.replicationFactor > kafka.brokers) {
            throw new Error(`${runbook.app}: \`data.kafka.topics[${i}].replicationFactor\` = ${t.replicationFactor} exceeds \`data.kafka.brokers\` = ${kafka.brokers}; allowed: at most the broker count`);
        }
        if (kafka.minInsyncReplicas > t.replicationFactor) {
            throw new Error(`${runbook.app}: \`data.kafka.minInsyncReplicas\` = ${kafka.minInsyncReplicas} exceeds \`data.kafka.topics[${i}].replicationFactor\` = ${t.replicationFactor}; no write to ${t.name} could be acknowledged`);
        }
    });
    return kafka;
}

/**
 * server.properties of node `n` (1-based). Clients on the network use `<host>:9092`; a developer's
 * client uses the EXTERNAL listener, advertised as the loopback port it is published on.
 */
export function kafkaServerProperties(runbook: Runbook, n: number, externalPort: number): Record<string, string> {
    const kafka = checkKafka(runbook);
    const hosts = kafkaBrokers(runbook);
    const host = hosts[n - 1];
    if (!host) throw new Error(`${runbook.app}: Kafka node ${n} is outside 1..${hosts.length} (\`data.kafka.brokers\`)`);
    return {
        "node.id": `${n}`,
        "process.roles": "broker,controller",
        "controller.quorum.voters": hosts.map((h, i) => `${i + 1}@${h}:${INTERNAL_PORTS.kafkaController}`).join(","),
        listeners: `PLAINTEXT://:${INTERNAL_PORTS.kafka},CONTROLLER://:${INTERNAL_PORTS.kafkaController},EXTERNAL://:${INTERNAL_PORTS.kafkaExternal}`,
        "advertised.listeners": `PLAINTEXT://${host}:${INTERNAL_PORTS.kafka},EXTERNAL://127.0.0.1:${externalPort}`,
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,EXTERNAL:PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "log.dirs": KAFKA_DATA,
        ...kafkaBrokerConfig(kafka),
    };
}

/**
 * The apache/kafka image builds server.properties from `KAFKA_*` variables (and then ignores its
 * defaults, which is why every setting is given): `.` becomes `_`, `_` becomes `__`, `-` becomes
 * `___`, upper-cased.
 */
export function kafkaEnv(properties: Readonly<Record<string, string>>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(properties).map(([key, value]) => [
            `KAFKA_${key.replace(/_/g, "__").replace(/-/g, "___").replace(/\./g, "_").toUpperCase()}`,
            value,
        ]),
    );
}

export function bootstrapServers(runbook: Runbook): string {
    return kafkaBrokers(runbook)
        .map((h) => `${h}:${INTERNAL_PORTS.kafka}`)
        .join(",");
}

/**
 * The one-shot topic job: waits until the quorum answers, then creates each runbook topic with its
 * partitions, replication factor and min.insync.replicas. `--if-not-exists` makes a re-run a no-op;
 * a create fails while fewer brokers than the replication factor are up, so it is retried.
 */
export function kafkaTopicsScript(runbook: Runbook, attempts = 60, pauseSeconds = 5): string {
    const kafka = checkKafka(runbook);
    const bs = bootstrapServers(runbook);
    const create = (t: Kafka["topics"][number]) =>
        `create ${t.name} ${t.partitions} ${t.replicationFactor}`;
    return [
        "#!/usr/bin/env bash",
        "# Rendered by capabilities/docker/kafka.ts.",
        "set -euo pipefail",
        `topics=${KAFKA_BIN}/kafka-topics.sh`,
        `bootstrap=${bs}`,
        "create() {",
        "  local name=$1 partitions=$2 replication=$3 i",
        `  for ((i = 1; i <= ${attempts}; i++)); do`,
        '    if "$topics" --bootstrap-server "$bootstrap" --create --if-not-exists --topic "$name" \\',
        `      --partitions "$partitions" --replication-factor "$replication" --config min.insync.replicas=${kafka.minInsyncReplicas}; then`,
        '      echo "topic $name: $partitions partitions, replication $replication"',
        "      return 0",
        "    fi",
        `    echo "topic $name not created yet (attempt $i of ${attempts}); retrying in ${pauseSeconds}s" >&2`,
        `    sleep ${pauseSeconds}`,
        "  done",
        '  echo "topic $name could not be created" >&2',
        "  return 1",
        "}",
        ...kafka.topics.map(create),
        "",
    ].join("\n");
}
