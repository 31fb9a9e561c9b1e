import type { IKafkaUser } from "@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1beta2/KafkaUser" with { "resolution-mode": "import" };
import { requireField, type Runbook } from "../../runbooks";
import { kafkaAcls, type KafkaAclRole } from "../kafka-acls";
import { kafkaBootstrap } from "./kafka";
import type { Names } from "./names";

/**
 * Kafka clients on Strimzi log in (issue 15): both client listeners take SASL/SCRAM-SHA-512 and
 * the cluster authorizes with Kafka's ACLs (`simple`). Two KafkaUsers, their passwords generated
 * by the platform (`@pulumi/random`) and handed to the User Operator through a Secret:
 *
 * - the app: Read, Write and Describe on each runbook topic, Read and Describe on each consumer group;
 * - KEDA's Kafka scaler: Describe on the topics and the groups (it reads offsets and lag, no records).
 *
 * Strimzi's own components (the entity operator, the Kafka Exporter) use its internal mutual-TLS
 * listener and are the cluster's super users; they need no KafkaUser.
 */

type Kafka = NonNullable<Runbook["data"]["kafka"]>;
export type KafkaUserSpec = NonNullable<IKafkaUser["spec"]>;

export const KAFKA_SASL_MECHANISM = "SCRAM-SHA-512";
/** Strimzi's and KEDA's spelling of the same mechanism. */
export const STRIMZI_SCRAM = "scram-sha-512";
export const KEDA_SASL = "scram_sha512";

export interface KafkaLogins {
    readonly app: string;
    readonly scaler: string;
}

/** KafkaUser names (also the SCRAM user names): `<kafka>-app`, `<kafka>-keda`. */
export function kafkaLogins(n: Names): KafkaLogins {
    return { app: `${n.kafka}-app`, scaler: `${n.kafka}-keda` };
}

/** The Secret the platform writes the users' passwords to (read by the User Operator, by KEDA's TriggerAuthentication). */
export function kafkaCredentialsSecret(n: Names): string {
    return `${n.kafka}-client-credentials`;
}

export const KAFKA_CREDENTIAL_KEYS = { app: "appPassword", scaler: "scalerPassword", scalerUser: "scalerUsername", sasl: "sasl" } as const;

/** KEDA's TriggerAuthentication for the Kafka triggers. */
export function kafkaTriggerAuthentication(n: Names): string {
    return `${n.kafka}-keda`;
}

function requireKafka(rb: Runbook): Kafka {
    return requireField(rb.data.kafka, rb.app, "data.kafka");
}

type Acl = KafkaUserSpec extends { authorization?: { acls: (infer A)[] } } ? A : never;

/** The shared ACL model (capabilities/kafka-acls.ts) in Strimzi's form: literal resources. */
function acls(kafka: Kafka, role: KafkaAclRole): Acl[] {
    return kafkaAcls(kafka, role).map((a) => ({ resource: { type: a.resource, name: a.name, patternType: "literal" as const }, operations: a.operations }));
}

/** The two KafkaUsers' specs: SCRAM with the platform's password, and exactly their ACLs. */
export function kafkaUserSpecs(rb: Runbook, n: Names): { name: string; spec: KafkaUserSpec }[] {
    const kafka = requireKafka(rb);
    const logins = kafkaLogins(n);
    const password = (key: string) => ({ valueFrom: { secretKeyRef: { name: kafkaCredentialsSecret(n), key } } });
    return [
        {
            name: logins.app,
            spec: { authentication: { type: STRIMZI_SCRAM, password: password(KAFKA_CREDENTIAL_KEYS.app) }, authorization: { type: "simple", acls: acls(kafka, "app") } },
        },
        {
            name: logins.scaler,
            spec: { authentication: { type: STRIMZI_SCRAM, password: password(KAFKA_CREDENTIAL_KEYS.scaler) }, authorization: { type: "simple", acls: acls(kafka, "monitor") } },
        },
    ];
}

/** KEDA's TriggerAuthentication spec: SASL mechanism, user and password from the platform's Secret. */
export function kafkaTriggerAuthenticationSpec(n: Names): { secretTargetRef: { parameter: string; name: string; key: string }[] } {
    const name = kafkaCredentialsSecret(n);
    return {
        secretTargetRef: [
            { parameter: "sasl", name, key: KAFKA_CREDENTIAL_KEYS.sasl },
            { parameter: "username", name, key: KAFKA_CREDENTIAL_KEYS.scalerUser },
            { parameter: "password", name, key: KAFKA_CREDENTIAL_KEYS.scaler },
        ],
    };
}

/** The app's Kafka variables: where, what, and its SCRAM login. */
export function kafkaAppEnv(rb: Runbook, n: Names, password: string): Record<string, string> {
    const kafka = requireKafka(rb);
    return {
        KAFKA_BROKERS: kafkaBootstrap(n),
        KAFKA_TOPICS: kafka.topics.map((t) => t.name).join(","),
        KAFKA_CONSUMER_GROUP: kafka.consumerGroups.join(","),
        KAFKA_SASL_MECHANISM,
        KAFKA_USERNAME: kafkaLogins(n).app,
        KAFKA_PASSWORD: password,
    };
}
