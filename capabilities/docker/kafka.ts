import type { Runbook } from "../../runbooks";
import { kafkaBrokerConfig } from "../datastores";
import { kafkaAcls, type KafkaAclRole } from "../kafka-acls";
import type { SecretEnv } from "./backups";
import { INTERNAL_PORTS, kafkaBrokers } from "./topology";

/**
 * Kafka in KRaft mode on the official `apache/kafka` image: every node is broker and controller,
 * the runbook's broker count forms the quorum, and the shared `kafkaBrokerConfig` sets the
 * replication guarantees. Topics are created by a one-shot container; auto-creation stays off.
 *
 * Every listener authenticates (issue 15) and the cluster authorizes with Kafka's ACLs
 * (`StandardAuthorizer`), the model of the Kubernetes target (capabilities/kafka-acls.ts):
 *
 * - clients (the app, the exporter, a developer on the loopback port) log in with SCRAM-SHA-512 as
 *   their own users, created by the one-shot job with `kafka-configs.sh --alter --add-config-file`
 *   and given exactly their ACLs with `kafka-acls.sh --add`;
 * - the platform's administrator (the brokers to each other and to the controllers, and the
 *   one-shot job) logs in with SASL/PLAIN against the one static credential in the listeners' JAAS
 *   configuration, and is the only super user. KRaft controllers cannot take SCRAM (its
 *   credentials live in the metadata log the controllers serve), and a PLAIN administrator needs
 *   no SCRAM record written when the storage is formatted, which the image's entrypoint cannot do
 *   (docs/security.md, *Kafka authentication on Docker*).
 */

type Kafka = NonNullable<Runbook["data"]["kafka"]>;

export const KAFKA_DATA = "/var/lib/kafka/data";
export const KAFKA_BIN = "/opt/kafka/bin";
export const KAFKA_TOPICS_SCRIPT_PATH = "/opt/platform/kafka-topics.sh";

/** The clients' mechanism, as Kafka and the Kubernetes target spell it. */
export const KAFKA_CLIENT_MECHANISM = "SCRAM-SHA-512";
/** The administrator's mechanism: brokers, controllers and the one-shot job. */
export const KAFKA_ADMIN_MECHANISM = "PLAIN";
export const KAFKA_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
/** Listener names: the network's clients and the brokers (9092), the controllers (9093), a developer's client on the loopback port. */
export const KAFKA_LISTENERS = { client: "CLIENT", controller: "CONTROLLER", external: "EXTERNAL" } as const;

/** SCRAM and PLAIN users: the platform's administrator (a super user), the app, the exporter. */
export interface DockerKafkaLogins {
    readonly admin: string;
    readonly app: string;
    readonly monitor: string;
}

export function dockerKafkaLogins(runbook: Runbook): DockerKafkaLogins {
    return { admin: `${runbook.app}-kafka-admin`, app: `${runbook.app}-kafka-app`, monitor: `${runbook.app}-kafka-exporter` };
}

/** Variables the one-shot job reads its three passwords from (the generated `kafkaAdmin`, `kafkaApp`, `kafkaMonitor`). */
export const KAFKA_JOB_PASSWORDS = { admin: "KAFKA_ADMIN_PASSWORD", app: "KAFKA_APP_PASSWORD", monitor: "KAFKA_MONITOR_PASSWORD" } as const;

const jaasValue = (v: string) => {
    // Generated passwords are alphanumeric; anything that could end the quoted JAAS value is refused, not escaped.
    if (!/^[A-Za-z0-9._~-]+$/.test(v)) throw new Error(`a Kafka login's name or password may hold only letters, digits and ._~- (JAAS quoting); got ${JSON.stringify(v.length > 64 ? v.slice(0, 8) + "..." : v.replace(/./g, "*"))}`);
    return v;
};

/** A PLAIN login module: as a client (`username`, `password`), and, on a broker, the one user it accepts (`user_<name>`). */
export function plainJaas(user: string, password: string, server: boolean): string {
    const u = jaasValue(user);
    const p = jaasValue(password);
    return `org.apache.kafka.common.security.plain.PlainLoginModule required username="${u}" password="${p}"${server ? ` user_${u}="${p}"` : ""};`;
}

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
    const { client, controller, external } = KAFKA_LISTENERS;
    const scramServer = "org.apache.kafka.common.security.scram.ScramLoginModule required;";
    return {
        "node.id": `${n}`,
        "process.roles": "broker,controller",
        "controller.quorum.voters": hosts.map((h, i) => `${i + 1}@${h}:${INTERNAL_PORTS.kafkaController}`).join(","),
        listeners: `${client}://:${INTERNAL_PORTS.kafka},${controller}://:${INTERNAL_PORTS.kafkaController},${external}://:${INTERNAL_PORTS.kafkaExternal}`,
        "advertised.listeners": `${client}://${host}:${INTERNAL_PORTS.kafka},${external}://127.0.0.1:${externalPort}`,
        "listener.security.protocol.map": `${client}:SASL_PLAINTEXT,${controller}:SASL_PLAINTEXT,${external}:SASL_PLAINTEXT`,
        "controller.listener.names": controller,
        "inter.broker.listener.name": client,
        "sasl.mechanism.inter.broker.protocol": KAFKA_ADMIN_MECHANISM,
        "sasl.mechanism.controller.protocol": KAFKA_ADMIN_MECHANISM,
        "sasl.enabled.mechanisms": KAFKA_CLIENT_MECHANISM,
        [`listener.name.${client.toLowerCase()}.sasl.enabled.mechanisms`]: `${KAFKA_CLIENT_MECHANISM},${KAFKA_ADMIN_MECHANISM}`,
        [`listener.name.${controller.toLowerCase()}.sasl.enabled.mechanisms`]: KAFKA_ADMIN_MECHANISM,
        [`listener.name.${external.toLowerCase()}.sasl.enabled.mechanisms`]: KAFKA_CLIENT_MECHANISM,
        [`listener.name.${client.toLowerCase()}.${KAFKA_CLIENT_MECHANISM.toLowerCase()}.sasl.jaas.config`]: scramServer,
        [`listener.name.${external.toLowerCase()}.${KAFKA_CLIENT_MECHANISM.toLowerCase()}.sasl.jaas.config`]: scramServer,
        "authorizer.class.name": KAFKA_AUTHORIZER,
        "super.users": `User:${dockerKafkaLogins(runbook).admin}`,
        "allow.everyone.if.no.acl.found": "false",
        "log.dirs": KAFKA_DATA,
        ...kafkaBrokerConfig(kafka),
    };
}

/**
 * The properties that hold the administrator's password: the PLAIN login of the client listener
 * (the brokers to each other) and of the controller listener, each a client login and the one user
 * the listener accepts with PLAIN. Passed to the container as secret variables.
 */
export function kafkaAdminProperties(runbook: Runbook, adminPassword: string): Record<string, string> {
    const admin = dockerKafkaLogins(runbook).admin;
    const mechanism = KAFKA_ADMIN_MECHANISM.toLowerCase();
    return Object.fromEntries(
        [KAFKA_LISTENERS.client, KAFKA_LISTENERS.controller].map((l) => [`listener.name.${l.toLowerCase()}.${mechanism}.sasl.jaas.config`, plainJaas(admin, adminPassword, true)]),
    );
}

/** The administrator's properties as the broker's secret variables, built from the generated `kafkaAdmin` password. */
export function kafkaAdminSecretEnv(runbook: Runbook): Record<string, SecretEnv> {
    const variables = (password: string) => kafkaEnv(kafkaAdminProperties(runbook, password));
    // The variables' names do not depend on the password: any valid one lists them.
    return Object.fromEntries(Object.keys(variables("name")).map((key) => [key, { secret: "kafkaAdmin" as const, value: (p: string) => variables(p)[key] }]));
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

/** `kafka-acls.sh` arguments granting one user its role's ACLs (capabilities/kafka-acls.ts), one call per resource. */
export function kafkaAclArguments(runbook: Runbook, user: string, role: KafkaAclRole): string[][] {
    const kafka = checkKafka(runbook);
    return kafkaAcls(kafka, role).map((acl) => ["--add", "--allow-principal", `User:${user}`, ...acl.operations.flatMap((op) => ["--operation", op]), `--${acl.resource}`, acl.name]);
}

/** A client's settings for the one-shot job (PLAIN, the administrator) or a Java client (SCRAM), as client properties. */
export function kafkaClientProperties(mechanism: typeof KAFKA_CLIENT_MECHANISM | typeof KAFKA_ADMIN_MECHANISM, user: string, password: string): Record<string, string> {
    const module = mechanism === KAFKA_ADMIN_MECHANISM ? "org.apache.kafka.common.security.plain.PlainLoginModule" : "org.apache.kafka.common.security.scram.ScramLoginModule";
    return {
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanism": mechanism,
        "sasl.jaas.config": `${module} required username="${jaasValue(user)}" password="${jaasValue(password)}";`,
    };
}

/**
 * The app's Kafka variables on Docker: the same names as on Kubernetes (`KAFKA_SASL_MECHANISM`,
 * `KAFKA_USERNAME`, `KAFKA_PASSWORD`); the password comes from the generated `kafkaApp`.
 */
export function dockerKafkaAppEnv(runbook: Runbook): Record<string, string> {
    const kafka = checkKafka(runbook);
    return {
        KAFKA_BROKERS: bootstrapServers(runbook),
        ...(kafka.consumerGroups.length ? { KAFKA_CONSUMER_GROUP: kafka.consumerGroups[0] } : {}),
        ...(kafka.topics.length ? { KAFKA_TOPICS: kafka.topics.map((t) => t.name).join(",") } : {}),
        KAFKA_SASL_MECHANISM: KAFKA_CLIENT_MECHANISM,
        KAFKA_USERNAME: dockerKafkaLogins(runbook).app,
    };
}

/** kafka_exporter's SASL flags; the password is added from `$KAFKA_PASSWORD` by `KAFKA_EXPORTER_ENTRYPOINT`, never a literal flag. */
export function kafkaExporterSaslFlags(runbook: Runbook): string[] {
    return ["--sasl.enabled", `--sasl.mechanism=${KAFKA_CLIENT_MECHANISM.toLowerCase().replace("sha-", "sha")}`, `--sasl.username=${dockerKafkaLogins(runbook).monitor}`];
}

/**
 * The exporter's entrypoint: the image's busybox shell runs the binary with the container's
 * command (the flags) and the password from the secret variable, so it is in neither the
 * command nor the state's plain inputs.
 */
export const KAFKA_EXPORTER_ENTRYPOINT = ["/bin/sh", "-c", 'exec /bin/kafka_exporter "$@" --sasl.password="$KAFKA_PASSWORD"', "kafka_exporter"] as const;

/**
 * The one-shot job: waits until the quorum answers, then creates each runbook topic with its
 * partitions, replication factor and min.insync.replicas, the app's and the exporter's SCRAM users
 * and their ACLs, logged in as the administrator (PLAIN). `--if-not-exists`, `--alter` and `--add`
 * make a re-run a no-op; a create fails while fewer brokers than the replication factor are up, so
 * it is retried. The passwords come from the job's secret variables (`KAFKA_JOB_PASSWORDS`) and are
 * written only to files under the job's private temporary directory, never to its arguments.
 */
export function kafkaTopicsScript(runbook: Runbook, attempts = 60, pauseSeconds = 5): string {
    const kafka = checkKafka(runbook);
    const bs = bootstrapServers(runbook);
    const logins = dockerKafkaLogins(runbook);
    const create = (t: Kafka["topics"][number]) =>
        `create ${t.name} ${t.partitions} ${t.replicationFactor}`;
    const quote = (a: string) => (/^[A-Za-z0-9._:=,/-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
    const allow = (user: string, role: KafkaAclRole) => kafkaAclArguments(runbook, user, role).map((args) => `allow ${args.map(quote).join(" ")}`);
    return [
        "#!/usr/bin/env bash",
        "# Rendered by capabilities/docker/kafka.ts.",
        "set -euo pipefail",
        `topics=${KAFKA_BIN}/kafka-topics.sh`,
        `configs=${KAFKA_BIN}/kafka-configs.sh`,
        `acls=${KAFKA_BIN}/kafka-acls.sh`,
        `bootstrap=${bs}`,
        "umask 077",
        'private=$(mktemp -d)',
        'trap \'rm -rf "$private"\' EXIT',
        "# The administrator's login (PLAIN, the one super user).",
        'admin="$private/admin.properties"',
        `printf '%s\\n' 'security.protocol=SASL_PLAINTEXT' 'sasl.mechanism=${KAFKA_ADMIN_MECHANISM}' "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\\"${logins.admin}\\" password=\\"\${${KAFKA_JOB_PASSWORDS.admin}:?}\\";" > "$admin"`,
        "create() {",
        "  local name=$1 partitions=$2 replication=$3 i",
        `  for ((i = 1; i <= ${attempts}; i++)); do`,
        '    if "$topics" --bootstrap-server "$bootstrap" --command-config "$admin" --create --if-not-exists --topic "$name" \\',
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
        "# A SCRAM user and its password, from a file: kafka-configs.sh reads `SCRAM-SHA-512=password=...`.",
        "scram() {",
        '  local user=$1 variable=$2',
        `  printf '${KAFKA_CLIENT_MECHANISM}=password=%s\\n' "\${!variable:?}" > "$private/scram.properties"`,
        '  "$configs" --bootstrap-server "$bootstrap" --command-config "$admin" --alter --entity-type users --entity-name "$user" --add-config-file "$private/scram.properties"',
        '  rm -f "$private/scram.properties"',
        '  echo "SCRAM user $user"',
        "}",
        "allow() {",
        '  "$acls" --bootstrap-server "$bootstrap" --command-config "$admin" "$@"',
        "}",
        ...kafka.topics.map(create),
        `scram ${logins.app} ${KAFKA_JOB_PASSWORDS.app}`,
        `scram ${logins.monitor} ${KAFKA_JOB_PASSWORDS.monitor}`,
        ...allow(logins.app, "app"),
        ...allow(logins.monitor, "monitor"),
        "",
    ].join("\n");
}
