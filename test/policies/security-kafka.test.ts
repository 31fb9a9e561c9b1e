import test from "ava";
import { appConnectionEnv, scaledByKeda, scaledObjectSpec } from "../../capabilities/kubernetes/apps";
import { kafkaSpec } from "../../capabilities/kubernetes/kafka";
import { KAFKA_CREDENTIAL_KEYS, kafkaCredentialsSecret, kafkaLogins, kafkaTriggerAuthentication, kafkaTriggerAuthenticationSpec, kafkaUserSpecs } from "../../capabilities/kubernetes/kafka-users";
import { names } from "../../capabilities/kubernetes/names";
import { getRunbook } from "../../runbooks";
import { modelFor } from "../targets/kubernetes/helpers";
import { find, type Fake } from "./helpers";
import { compliantAndBroken } from "./security-helpers";

/**
 * Kafka with client authentication on Kubernetes (issue 15): Strimzi's listeners take SCRAM, the
 * cluster authorizes with ACLs, the app and KEDA have KafkaUsers with exactly their operations. The
 * ACLs are read from the runbook (personal-finance-hub's topic and consumer group), never typed here.
 */

const rb = getRunbook("personal-finance-hub");
const kafka = rb.data.kafka!;
const n = names(rb.app, rb.app);

test("the Kafka authenticates every listener and authorizes with ACLs; the specs are valid Strimzi objects", async (t) => {
    const spec = kafkaSpec(rb, n);
    t.true(spec.kafka.listeners.length > 0);
    for (const l of spec.kafka.listeners) t.is(l.authentication?.type, "scram-sha-512", `listener ${l.name}`);
    t.is(spec.kafka.authorization?.type, "simple");
    const Kafka = await modelFor("kafka.strimzi.io/v1beta2", "Kafka");
    t.notThrows(() => new Kafka!({ apiVersion: "kafka.strimzi.io/v1beta2", kind: "Kafka", metadata: { name: n.kafka, namespace: "ns" }, spec }).validate());
    const User = await modelFor("kafka.strimzi.io/v1beta2", "KafkaUser");
    for (const u of kafkaUserSpecs(rb, n)) t.notThrows(() => new User!({ apiVersion: "kafka.strimzi.io/v1beta2", kind: "KafkaUser", metadata: { name: u.name, namespace: "ns" }, spec: u.spec }).validate(), u.name);
});

test("the app's KafkaUser may read, write and describe its topics and read its groups; KEDA's may only describe; both log in with the platform's passwords", (t) => {
    const users = Object.fromEntries(kafkaUserSpecs(rb, n).map((u) => [u.name, u.spec]));
    const logins = kafkaLogins(n);
    const rules = (name: string) => (users[name].authorization as any).acls.map((a: any) => `${a.resource.type}:${a.resource.name}:${a.resource.patternType}:${a.operations.join("+")}`).sort();
    t.deepEqual(rules(logins.app), [...kafka.topics.map((tp) => `topic:${tp.name}:literal:Read+Write+Describe`), ...kafka.consumerGroups.map((g) => `group:${g}:literal:Read+Describe`)].sort());
    t.deepEqual(rules(logins.scaler), [...kafka.topics.map((tp) => `topic:${tp.name}:literal:Describe`), ...kafka.consumerGroups.map((g) => `group:${g}:literal:Describe`)].sort());
    t.deepEqual(users[logins.app].authentication, { type: "scram-sha-512", password: { valueFrom: { secretKeyRef: { name: kafkaCredentialsSecret(n), key: KAFKA_CREDENTIAL_KEYS.app } } } });

    const env = appConnectionEnv(rb, n, { postgres: "p", redis: "r", mongodb: "m", mongodbApp: "ma", kafkaApp: "kafka-pw", objectStorageApp: "o" });
    t.is(env.KAFKA_USERNAME, logins.app);
    t.is(env.KAFKA_PASSWORD, "kafka-pw");
    t.is(env.KAFKA_SASL_MECHANISM, "SCRAM-SHA-512");
    t.throws(() => appConnectionEnv(rb, n, { postgres: "p", redis: "r", mongodbApp: "ma", objectStorageApp: "o" }), { message: /the kafka password is required/ });

    const consumer = rb.services.find((s) => scaledByKeda(rb, s))!;
    const triggers = scaledObjectSpec(rb, n, consumer).triggers.filter((tr) => tr.type === "kafka");
    t.true(triggers.length > 0);
    for (const tr of triggers) t.deepEqual((tr as any).authenticationRef, { name: kafkaTriggerAuthentication(n) });
    t.deepEqual(
        kafkaTriggerAuthenticationSpec(n).secretTargetRef.map((r) => r.parameter),
        ["sasl", "username", "password"],
        "KEDA's Kafka scaler reads its SASL mode, user and password from the TriggerAuthentication",
    );
});

const KAFKA = "kubernetes:kafka.strimzi.io/v1beta2:Kafka";
const USER = "kubernetes:kafka.strimzi.io/v1beta2:KafkaUser";

test("k8s-kafka-client-authentication: a listener without authentication, no authorizer, a KafkaUser without credentials or ACLs are each reported", async (t) => {
    const fixture = (): Fake[] => [
        { type: KAFKA, name: "kafka", props: { metadata: { name: n.kafka }, spec: structuredClone(kafkaSpec(rb, n)) } },
        ...kafkaUserSpecs(rb, n).map((u) => ({ type: USER, name: u.name, props: { metadata: { name: u.name }, spec: structuredClone(u.spec) } })),
    ];
    const logins = kafkaLogins(n);
    await compliantAndBroken(t, "k8s-kafka-client-authentication", "personal-finance-hub-staging", fixture, {
        "the plain listener unauthenticated": { edit: (r) => delete find(r, "kafka").props.spec.kafka.listeners[0].authentication, expect: /listener plain \(port 9092\) has no authentication/ },
        "no authorizer": { edit: (r) => delete find(r, "kafka").props.spec.kafka.authorization, expect: /spec\.kafka\.authorization is unset/ },
        "a user without credentials": { edit: (r) => delete find(r, logins.app).props.spec.authentication, expect: /KafkaUser has no spec\.authentication/ },
        "a user without ACLs": { edit: (r) => (find(r, logins.scaler).props.spec.authorization.acls = []), expect: /KafkaUser has no spec\.authorization\.acls/ },
    });
});
