import { finding, label, resourceRule } from "../lib/policy";

const KAFKA = "kubernetes:kafka.strimzi.io/v1beta2:Kafka";
const KAFKA_USER = "kubernetes:kafka.strimzi.io/v1beta2:KafkaUser";

/**
 * Kafka clients on Strimzi log in and are held to ACLs (issue 15, the model of FSBP MSK.6 on
 * Kubernetes): every listener of a Kafka has an authentication type, the cluster has an
 * authorizer, and every KafkaUser has credentials and ACLs. A listener without authentication lets
 * any pod that reaches it read and write every topic.
 */
export const k8sKafkaClientAuthentication = resourceRule({
    name: "k8s-kafka-client-authentication",
    description: "Strimzi Kafka listeners all authenticate clients, the cluster authorizes with ACLs, and every KafkaUser has credentials and ACLs.",
    tier: "security",
    target: "kubernetes",
    types: [KAFKA, KAFKA_USER],
    remediationSteps: "Give each listener authentication.type scram-sha-512 (or tls), spec.kafka.authorization.type simple, and each KafkaUser authentication and authorization.acls (capabilities/kubernetes/kafka-users.ts).",
    check: (s) => {
        const spec = s.props.spec ?? {};
        if (s.type === KAFKA_USER) {
            const out = [];
            if (!spec.authentication?.type) out.push(finding(`${label(s)}: KafkaUser has no spec.authentication; it gets no credentials and cannot log in`));
            if (!Array.isArray(spec.authorization?.acls) || spec.authorization.acls.length === 0) out.push(finding(`${label(s)}: KafkaUser has no spec.authorization.acls; give it its topics' and groups' operations only`));
            return out;
        }
        const listeners: any[] = Array.isArray(spec.kafka?.listeners) ? spec.kafka.listeners : [];
        return [
            ...listeners.filter((l) => !l?.authentication?.type).map((l) => finding(`${label(s)}: listener ${l?.name ?? "?"} (port ${l?.port ?? "?"}) has no authentication; any client that reaches it reads and writes every topic`)),
            ...(spec.kafka?.authorization?.type ? [] : [finding(`${label(s)}: spec.kafka.authorization is unset; without an authorizer every authenticated client may do everything`)]),
        ];
    },
});
