import { kafkaUserSpecs } from "../../capabilities/kubernetes/kafka-users";
import { names } from "../../capabilities/kubernetes/names";
import { finding, label, resourceRule, type CheckContext, type Subject } from "../lib/policy";
import { asArray, isRecord } from "../lib/values";

const KAFKA = "kubernetes:kafka.strimzi.io/v1beta2:Kafka";
const KAFKA_USER = "kubernetes:kafka.strimzi.io/v1beta2:KafkaUser";

const ALLOW_EVERYONE = "allow.everyone.if.no.acl.found";

/** `topic:<name>` / `group:<name>` → the operations the platform grants there, per generated KafkaUser (capabilities/kubernetes/kafka-users.ts). */
function generatedAcls(s: Subject, ctx: CheckContext): Map<string, Map<string, Set<string>>> {
    if (!ctx.runbook.data.kafka) return new Map();
    const n = names(ctx.app, String(s.props.metadata?.namespace ?? ""));
    return new Map(
        kafkaUserSpecs(ctx.runbook, n).map((u) => [
            u.name,
            new Map(asArray<Record<string, any>>((u.spec.authorization as { acls?: unknown })?.acls).map((a) => [`${a.resource.type}:${a.resource.name}`, new Set<string>(a.operations ?? [])])),
        ]),
    );
}

/**
 * A KafkaUser's allow ACLs beyond the platform's: a resource that is not one of the runbook's topics
 * or groups named literally (a `*`, a prefix, the cluster, a transactional id), or an operation the
 * generated user does not hold there. Deny ACLs only narrow and pass.
 */
function widerAcls(s: Subject, ctx: CheckContext): string[] {
    const generated = generatedAcls(s, ctx);
    const user = String(s.props.metadata?.name ?? s.name);
    const own = generated.get(user);
    const allowed = own ?? new Map<string, Set<string>>();
    const whose = own ? `the platform's ${user}` : `no KafkaUser the platform generates (${[...generated.keys()].join(", ")})`;
    return asArray(s.props.spec?.authorization?.acls)
        .filter(isRecord)
        .filter((a) => (a.type ?? "allow") !== "deny")
        .flatMap((a, i) => {
            const r = isRecord(a.resource) ? a.resource : {};
            const ops: string[] = a.operations ? asArray<string>(a.operations) : a.operation ? [String(a.operation)] : [];
            const at = `${r.type ?? "?"} ${JSON.stringify(r.name ?? "")} (${r.patternType ?? "literal"})`;
            const grants = (r.patternType ?? "literal") === "literal" ? allowed.get(`${r.type}:${r.name}`) : undefined;
            if (!grants) return [`acl ${i} allows ${ops.join(", ") || "?"} on ${at}, a resource ${whose} holds no ACL on`];
            const extra = ops.filter((o) => !grants.has(o));
            return extra.length ? [`acl ${i} allows ${extra.join(", ")} on ${at}; ${whose} holds only ${[...grants].join(", ")} there`] : [];
        });
}

/**
 * Kafka clients on Strimzi log in and are held to ACLs (issue 15, the model of FSBP MSK.6 on
 * Kubernetes): every listener of a Kafka has an authentication type, the cluster has an
 * authorizer, and every KafkaUser has credentials and ACLs. A listener without authentication lets
 * any pod that reaches it read and write every topic. The ACLs are the platform's
 * (capabilities/kubernetes/kafka-users.ts, from the runbook's topics and consumer groups) or
 * fewer: no wildcard or prefix resource, no cluster ACL, no operation the generated user lacks; and
 * the Kafka neither lets everyone in where no ACL matches (`allow.everyone.if.no.acl.found`) nor
 * names super users (Strimzi's own components are super users by their TLS identity already).
 */
export const k8sKafkaClientAuthentication = resourceRule({
    name: "k8s-kafka-client-authentication",
    description: "Strimzi Kafka listeners all authenticate clients, the cluster authorizes with ACLs and names no super users nor lets everyone in where no ACL matches, and every KafkaUser has credentials and no ACL beyond the platform's for its topics and groups.",
    tier: "security",
    target: "kubernetes",
    types: [KAFKA, KAFKA_USER],
    remediationSteps: "Give each listener authentication.type scram-sha-512 (or tls), spec.kafka.authorization.type simple with no superUsers, leave allow.everyone.if.no.acl.found unset, and give each KafkaUser authentication and the generated authorization.acls (capabilities/kubernetes/kafka-users.ts).",
    check: (s, ctx) => {
        const spec = s.props.spec ?? {};
        if (s.type === KAFKA_USER) {
            const out = [];
            if (!spec.authentication?.type) out.push(finding(`${label(s)}: KafkaUser has no spec.authentication; it gets no credentials and cannot log in`));
            if (!Array.isArray(spec.authorization?.acls) || spec.authorization.acls.length === 0) out.push(finding(`${label(s)}: KafkaUser has no spec.authorization.acls; give it its topics' and groups' operations only`));
            for (const w of widerAcls(s, ctx)) out.push(finding(`${label(s)}: KafkaUser ${s.props.metadata?.name ?? s.name} ${w}; allowed: the runbook's topics and consumer groups, literally, with the generated operations (capabilities/kubernetes/kafka-users.ts)`));
            return out;
        }
        const everyone = String(spec.kafka?.config?.[ALLOW_EVERYONE] ?? "false").toLowerCase();
        const superUsers = asArray<string>(spec.kafka?.authorization?.superUsers);
        const listeners: any[] = Array.isArray(spec.kafka?.listeners) ? spec.kafka.listeners : [];
        return [
            ...listeners.filter((l) => !l?.authentication?.type).map((l) => finding(`${label(s)}: listener ${l?.name ?? "?"} (port ${l?.port ?? "?"}) has no authentication; any client that reaches it reads and writes every topic`)),
            ...(spec.kafka?.authorization?.type ? [] : [finding(`${label(s)}: spec.kafka.authorization is unset; without an authorizer every authenticated client may do everything`)]),
            ...(spec.kafka?.authorization?.type && spec.kafka.authorization.type !== "simple"
                ? [finding(`${label(s)}: spec.kafka.authorization.type is ${spec.kafka.authorization.type}; the KafkaUsers' ACLs hold only under Kafka's own authorizer; allowed: simple`)]
                : []),
            ...(everyone === "false" ? [] : [finding(`${label(s)}: spec.kafka.config["${ALLOW_EVERYONE}"] is ${everyone}; every login may then use every topic and group no ACL names; allowed: false or unset (Kafka's default, false)`)]),
            ...(superUsers.length ? [finding(`${label(s)}: spec.kafka.authorization.superUsers is ${superUsers.join(", ")}; a super user bypasses every ACL; allowed: none (Strimzi's own components are super users by their TLS identity)`)] : []),
        ];
    },
});
