import { CONTAINER, containerName } from "../lib/docker";
import { finding, label, resourceRule } from "../lib/policy";
import { envRecord } from "../lib/security";

/** Protocols that authenticate the client (SASL, or TLS where the broker requires client certificates). */
const AUTHENTICATED = new Set(["SASL_PLAINTEXT", "SASL_SSL"]);
/** Authorizers that read Kafka's ACLs: KRaft's, and ZooKeeper mode's. */
const AUTHORIZERS = new Set(["org.apache.kafka.metadata.authorizer.StandardAuthorizer", "kafka.security.authorizer.AclAuthorizer"]);

/** The apache/kafka image's `KAFKA_*` variable of a server property (`.` `_`, `_` `__`, `-` `___`). */
function variable(property: string): string {
    return `KAFKA_${property.replace(/_/g, "__").replace(/-/g, "___").replace(/\./g, "_").toUpperCase()}`;
}

/**
 * Kafka with client authentication on Docker (issue 15), as on Kubernetes
 * (`k8s-kafka-client-authentication`): every listener of an apache/kafka broker (a container
 * whose `KAFKA_PROCESS_ROLES` includes `broker` or `controller`) takes SASL, the broker
 * authorizes with Kafka's ACLs, nobody is allowed what no ACL grants, and the anonymous principal
 * is no super user.
 */
export const dockerKafkaClientAuthentication = resourceRule({
    name: "docker-kafka-client-authentication",
    description: "Every listener of a Kafka broker on Docker authenticates its clients (SASL), the broker authorizes with ACLs (StandardAuthorizer), denies what no ACL allows and has no anonymous super user.",
    tier: "security",
    target: "docker",
    types: [CONTAINER],
    remediationSteps:
        "Build the broker's settings with kafkaServerProperties (capabilities/docker/kafka.ts): every listener SASL_PLAINTEXT in listener.security.protocol.map, authorizer.class.name StandardAuthorizer, super.users the platform's administrator only, allow.everyone.if.no.acl.found false; the app and the exporter log in with their SCRAM users.",
    check: (s) => {
        const env = envRecord(s.props.envs);
        const roles = env[variable("process.roles")];
        if (typeof roles !== "string" || !/broker|controller/.test(roles)) return [];
        const where = `${label(s)} (${containerName(s)})`;
        const out = [];
        const listeners = String(env[variable("listeners")] ?? "")
            .split(",")
            .map((l) => l.trim().split("://")[0])
            .filter(Boolean);
        const map = new Map(
            String(env[variable("listener.security.protocol.map")] ?? "")
                .split(",")
                .map((pair) => pair.trim().split(":") as [string, string])
                .filter(([name, protocol]) => name && protocol),
        );
        if (!listeners.length) out.push(finding(`${where}: ${variable("listeners")} is not set; the image's default listeners are PLAINTEXT`));
        for (const name of listeners) {
            // Without a map entry, Kafka takes the listener's name as its protocol (PLAINTEXT://, SSL://...).
            const protocol = map.get(name) ?? name;
            if (!AUTHENTICATED.has(protocol)) out.push(finding(`${where}: listener ${name} is ${protocol}; every listener authenticates its clients (${[...AUTHENTICATED].join(" or ")})`));
        }
        const authorizer = env[variable("authorizer.class.name")];
        if (typeof authorizer !== "string" || !AUTHORIZERS.has(authorizer)) out.push(finding(`${where}: authorizer.class.name is ${authorizer === undefined ? "not set" : `"${authorizer}"`}; the broker authorizes with ACLs (${[...AUTHORIZERS].join(" or ")})`));
        if (String(env[variable("allow.everyone.if.no.acl.found")] ?? "false").trim() === "true") out.push(finding(`${where}: allow.everyone.if.no.acl.found is true; a resource without ACLs would be open to every client`));
        const supers = String(env[variable("super.users")] ?? "")
            .split(";")
            .map((u) => u.trim())
            .filter(Boolean);
        if (supers.includes("User:ANONYMOUS")) out.push(finding(`${where}: super.users includes User:ANONYMOUS; an unauthenticated connection would be a super user`));
        return out;
    },
});
