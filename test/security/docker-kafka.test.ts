import test from "ava";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    KAFKA_AUTHORIZER,
    KAFKA_EXPORTER_ENTRYPOINT,
    dockerKafkaAppEnv,
    dockerKafkaLogins,
    kafkaAclArguments,
    kafkaAdminProperties,
    kafkaClientProperties,
    kafkaEnv,
    kafkaExporterSaslFlags,
    kafkaServerProperties,
    kafkaTopicsScript,
    plainJaas,
} from "../../capabilities/docker/kafka";
import { exporterCommand, exporterEnv, scrapeNodes, dockerExporters } from "../../capabilities/docker/exporters";
import { serviceEnv } from "../../capabilities/docker/services";
import { usesDataServices } from "../../capabilities/datastores";
import { kafkaUserSpecs, kafkaLogins } from "../../capabilities/kubernetes/kafka-users";
import { names } from "../../capabilities/kubernetes/names";
import { getRunbook } from "../../runbooks";

/**
 * Kafka with client authentication on Docker (issue 15): SASL on every listener, Kafka's ACLs,
 * the app and the exporter on their own SCRAM users with the ACL model the Kubernetes target's
 * KafkaUsers use. The runbook's topics and groups are read from the runbook, never typed here. No
 * broker runs here (no Kafka distribution on this machine): the settings are checked against the
 * apache/kafka image's own rules, quoted from its source. The policy's fixtures are in
 * test/policies/security-docker-kafka.test.ts.
 */

const rb = getRunbook("personal-finance-hub");
const kafka = rb.data.kafka!;
const logins = dockerKafkaLogins(rb);

/** The image's reverse of `kafkaEnv` (KafkaDockerWrapper.getServerConfigsFromEnv): drop KAFKA_, lower-case, `_` `.`, `...` `-`, `..` `_`. */
function wrapperProperty(variable: string): string {
    return variable.replace("KAFKA_", "").toLowerCase().replace(/_/g, ".").replace(/\.\.\./g, "-").replace(/\.\./g, "_");
}

test("every listener takes SASL, the controllers and brokers log in as the one super user, ACLs decide the rest", (t) => {
    const props = kafkaServerProperties(rb, 1, 29092);
    const listeners = props.listeners.split(",").map((l) => l.split("://")[0]);
    const map = Object.fromEntries(props["listener.security.protocol.map"].split(",").map((p) => p.split(":")));
    t.deepEqual(Object.keys(map).sort(), [...listeners].sort(), "every listener has a protocol");
    for (const l of listeners) t.is(map[l], "SASL_PLAINTEXT", l);
    t.is(props["authorizer.class.name"], KAFKA_AUTHORIZER);
    t.is(props["super.users"], `User:${logins.admin}`);
    t.is(props["allow.everyone.if.no.acl.found"], "false");
    // Controllers cannot take SCRAM in KRaft: the administrator's PLAIN login on the controller and broker-to-broker paths.
    t.is(props["sasl.mechanism.controller.protocol"], "PLAIN");
    t.is(props["sasl.mechanism.inter.broker.protocol"], "PLAIN");
    t.is(props[`listener.name.${props["controller.listener.names"].toLowerCase()}.sasl.enabled.mechanisms`], "PLAIN");
    // A developer's loopback port and the clients take SCRAM; PLAIN is accepted only where the administrator needs it.
    t.is(props["listener.name.external.sasl.enabled.mechanisms"], "SCRAM-SHA-512");
    t.deepEqual(props["listener.name.client.sasl.enabled.mechanisms"].split(",").sort(), ["PLAIN", "SCRAM-SHA-512"]);
    t.is(props["inter.broker.listener.name"], "CLIENT");

    const admin = kafkaAdminProperties(rb, "s3cretPw");
    t.deepEqual(Object.keys(admin).sort(), ["listener.name.client.plain.sasl.jaas.config", "listener.name.controller.plain.sasl.jaas.config"]);
    for (const v of Object.values(admin)) t.is(v, `org.apache.kafka.common.security.plain.PlainLoginModule required username="${logins.admin}" password="s3cretPw" user_${logins.admin}="s3cretPw";`);
    t.false(JSON.stringify(props).includes("s3cretPw"), "the password is only in the secret properties");
    t.throws(() => plainJaas(logins.admin, 'pw" user_x="y', true), { message: /letters, digits/ });
});

test("the settings reach server.properties through the image's rules, and its configure step asks nothing more of a SASL broker", (t) => {
    const props = { ...kafkaServerProperties(rb, 2, 29093), ...kafkaAdminProperties(rb, "pw") };
    const env = kafkaEnv(props);
    t.deepEqual(Object.fromEntries(Object.entries(env).map(([k, v]) => [wrapperProperty(k), v])), props);
    // docker/resources/common-scripts/configure: `[[ $KAFKA_ADVERTISED_LISTENERS =~ .*SASL_.*://.* ]]` then `ensure KAFKA_OPTS`
    // (a JAAS file); `*"SSL://"*` asks for keystores. Listener names, not protocols, are matched: ours need neither.
    t.false(/.*SASL_.*:\/\/.*/.test(env.KAFKA_ADVERTISED_LISTENERS), env.KAFKA_ADVERTISED_LISTENERS);
    t.false(env.KAFKA_ADVERTISED_LISTENERS.includes("SSL://"));
});

test("the Docker ACLs are the Kubernetes KafkaUsers' ACLs: one model for the app and the monitoring user", (t) => {
    const n = names(rb.app, rb.app);
    const strimzi = Object.fromEntries(kafkaUserSpecs(rb, n).map((u) => [u.name, (u.spec.authorization as any).acls.map((a: any) => `${a.resource.type}:${a.resource.name}:${[...a.operations].sort().join("+")}`).sort()]));
    const docker = (user: string, role: "app" | "monitor") =>
        kafkaAclArguments(rb, user, role)
            .map((args) => {
                t.deepEqual(args.slice(0, 3), ["--add", "--allow-principal", `User:${user}`]);
                const ops = args.flatMap((a, i) => (args[i - 1] === "--operation" ? [a] : [])).sort();
                const type = args[args.length - 2].slice(2);
                return `${type}:${args[args.length - 1]}:${ops.join("+")}`;
            })
            .sort();
    t.deepEqual(docker(logins.app, "app"), strimzi[kafkaLogins(n).app]);
    t.deepEqual(docker(logins.monitor, "monitor"), strimzi[kafkaLogins(n).scaler]);
    // Read from the runbook: every topic and group is covered.
    t.is(kafkaAclArguments(rb, logins.app, "app").length, kafka.topics.length + kafka.consumerGroups.length);
});

test("the app, the exporter and the topic job are configured as SASL clients with the generated passwords", async (t) => {
    const backend = rb.services.find(usesDataServices)!;
    const { env, secretEnv } = serviceEnv(rb, backend);
    t.like(env, dockerKafkaAppEnv(rb));
    t.is(env.KAFKA_SASL_MECHANISM, "SCRAM-SHA-512");
    t.is(env.KAFKA_USERNAME, logins.app);
    t.is(secretEnv.KAFKA_PASSWORD.secret, "kafkaApp");
    t.is(secretEnv.KAFKA_PASSWORD.value("p"), "p");

    const node = dockerExporters(rb).flatMap((r) => (r.exporter === "kafka" ? scrapeNodes(rb, r) : []))[0];
    t.truthy(node, "the contract requires the Kafka exporter");
    const flags = exporterCommand(rb, node);
    for (const f of kafkaExporterSaslFlags(rb)) t.true(flags.includes(f), f);
    t.true(flags.includes("--sasl.mechanism=scram-sha512"), "kafka_exporter's spelling of SCRAM-SHA-512");
    t.false(flags.some((f) => f.startsWith("--sasl.password")), "no password in the command");
    t.is(exporterEnv(rb, node).secretEnv.KAFKA_PASSWORD.secret, "kafkaMonitor");
    // The entrypoint, run by a shell with a stand-in binary: the command's flags, then the password from the variable.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kafka-exporter-"));
    try {
        const stub = path.join(dir, "kafka_exporter");
        fs.writeFileSync(stub, `#!/bin/sh\nprintf '%s\\n' "$@"\n`, { mode: 0o755 });
        const [shell, c, script, arg0] = KAFKA_EXPORTER_ENTRYPOINT;
        const out = execFileSync(shell, [c, script.replace("/bin/kafka_exporter", stub), arg0, ...flags], { env: { KAFKA_PASSWORD: "exporterPw" } }).toString().trim().split("\n");
        t.deepEqual(out, [...flags, "--sasl.password=exporterPw"]);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }

    const client = kafkaClientProperties("SCRAM-SHA-512", logins.app, "appPw");
    t.deepEqual(client, {
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.jaas.config": `org.apache.kafka.common.security.scram.ScramLoginModule required username="${logins.app}" password="appPw";`,
    });
});

test("the topic job's script passes shellcheck", (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kafka-job-"));
    try {
        const file = path.join(dir, "kafka-topics.sh");
        fs.writeFileSync(file, kafkaTopicsScript(rb));
        t.notThrows(() => execFileSync("shellcheck", ["-s", "bash", file]));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
