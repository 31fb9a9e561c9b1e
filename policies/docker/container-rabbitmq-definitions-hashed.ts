import { asArray } from "../lib/values";
import { finding, label, resourceRule } from "../lib/policy";
import { CONTAINER } from "../lib/docker";

/**
 * RabbitMQ definitions loaded at boot hold users' password hashes only: a plain `password` in the
 * file would sit readable in the container and in the engine's state; and no user is `guest`,
 * whose well-known password RabbitMQ only keeps off the network by default.
 */
export const dockerContainerRabbitmqDefinitionsHashed = resourceRule({
    name: "docker-container-rabbitmq-definitions-hashed",
    description: "RabbitMQ definitions uploaded into a container give every user a password_hash (never a plain password), and none is named guest.",
    tier: "security",
    target: "docker",
    types: [CONTAINER],
    remediationSteps: "Write users with password_hash and hashing_algorithm (rabbit_password_hashing_sha256) from the generated password; leave guest out.",
    check: (s) => {
        const out = [];
        for (const upload of asArray<{ file?: string; content?: string }>(s.props.uploads)) {
            if (!String(upload.file ?? "").endsWith(".json") || typeof upload.content !== "string") continue;
            let doc: { users?: { name?: string; password?: unknown; password_hash?: unknown }[]; vhosts?: unknown };
            try {
                doc = JSON.parse(upload.content);
            } catch {
                continue;
            }
            if (!Array.isArray(doc.users) || !Array.isArray(doc.vhosts)) continue;
            for (const user of doc.users) {
                if (user.password !== undefined) out.push(finding(`${label(s)}: ${upload.file} gives user ${user.name} a plain password; write password_hash instead`));
                if (typeof user.password_hash !== "string" || !user.password_hash) out.push(finding(`${label(s)}: ${upload.file} gives user ${user.name} no password_hash`));
                if (user.name === "guest") out.push(finding(`${label(s)}: ${upload.file} defines the guest user; its password is public knowledge`));
            }
        }
        return out;
    },
});
