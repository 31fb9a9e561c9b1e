import test from "ava";
import { dockerKafkaLogins, kafkaAdminProperties, kafkaEnv, kafkaServerProperties } from "../../capabilities/docker/kafka";
import { dockerContainerReadonlyRoot } from "../../policies/docker/container-readonly-root";
import { dockerKafkaClientAuthentication } from "../../policies/docker/kafka-client-authentication";
import { getRunbook } from "../../runbooks";
import { find, type Fake } from "./helpers";
import { compliantAndBroken, planPasses } from "./security-helpers";

/**
 * `docker-kafka-client-authentication` (issue 15): a broker built by the platform passes, each
 * one-field break of its settings is reported, and the planned Kafka stack passes. The settings
 * themselves are tested in test/security/docker-kafka.test.ts.
 */

const rb = getRunbook("personal-finance-hub");
const logins = dockerKafkaLogins(rb);
const STACK = "personal-finance-hub-local";
const brokerFixture = (): Fake[] => [
    {
        type: "docker:index/container:Container",
        name: "kafka-1",
        props: {
            name: "pfh-kafka-1",
            labels: [{ label: "component", value: "kafka" }],
            envs: Object.entries(kafkaEnv({ ...kafkaServerProperties(rb, 1, 29092), ...kafkaAdminProperties(rb, "pw") })).map(([k, v]) => `${k}=${v}`),
        },
    },
];
const setEnv = (r: Fake[], key: string, value: string | undefined) => {
    const c = find(r, "kafka-1");
    c.props.envs = (c.props.envs as string[]).filter((e) => !e.startsWith(`${key}=`)).concat(value === undefined ? [] : [`${key}=${value}`]);
};

test("docker-kafka-client-authentication: the compliant broker passes; a PLAINTEXT listener, no authorizer, open ACLs and an anonymous super user are each reported", async (t) => {
    await compliantAndBroken(t, "docker-kafka-client-authentication", STACK, brokerFixture, {
        "a PLAINTEXT listener (the previous settings)": {
            edit: (r) => setEnv(r, "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CLIENT:PLAINTEXT,CONTROLLER:SASL_PLAINTEXT,EXTERNAL:SASL_PLAINTEXT"),
            expect: /listener CLIENT is PLAINTEXT/,
        },
        "a listener missing from the map": { edit: (r) => setEnv(r, "KAFKA_LISTENERS", "CLIENT://:9092,CONTROLLER://:9093,EXTERNAL://:29092,PLAINTEXT://:9095"), expect: /listener PLAINTEXT is PLAINTEXT/ },
        "no listeners (the image's defaults)": { edit: (r) => setEnv(r, "KAFKA_LISTENERS", undefined), expect: /KAFKA_LISTENERS is not set/ },
        "no authorizer": { edit: (r) => setEnv(r, "KAFKA_AUTHORIZER_CLASS_NAME", undefined), expect: /authorizer\.class\.name is not set/ },
        "everyone allowed without ACLs": { edit: (r) => setEnv(r, "KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND", "true"), expect: /allow\.everyone\.if\.no\.acl\.found is true/ },
        "anonymous super user": { edit: (r) => setEnv(r, "KAFKA_SUPER_USERS", `User:${logins.admin};User:ANONYMOUS`), expect: /User:ANONYMOUS/ },
    });
});

test("the Kafka and writable-root policies pass on the planned Kafka stack", async (t) => {
    await planPasses(t, [STACK], [dockerKafkaClientAuthentication, dockerContainerReadonlyRoot]);
});
