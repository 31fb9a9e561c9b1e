import { CONTAINER, containerName } from "../lib/docker";
import { finding, label, resourceRule } from "../lib/policy";
import { envRecord, mongoAdmin, mongoLoginsIn, postgresAdmin, postgresLoginsIn } from "../lib/security";

/** Containers that may log in as each database's administrator: the database's own containers (server, init and users steps) and the backup job. */
const ADMIN_COMPONENTS = { PostgreSQL: ["postgres", "backups"], MongoDB: ["mongodb", "backups"] } as const;

function component(labels: unknown): string | undefined {
    if (!Array.isArray(labels)) return undefined;
    const l = labels.find((x) => x && typeof x === "object" && (x as any).label === "component");
    return typeof l?.value === "string" ? l.value : undefined;
}

/**
 * Least privilege for databases (issue 15): app services and exporters log in as their own roles
 * and users, never as the PostgreSQL administrator (`data.postgres.user` on Docker) or MongoDB's
 * root. Only each database's own containers and the backup job may.
 */
export const dockerContainerNoMasterCredentials = resourceRule({
    name: "docker-container-no-master-credentials",
    description: "No container but a database's own containers and its backup job logs in as the PostgreSQL administrator or MongoDB's root.",
    tier: "security",
    target: "docker",
    types: [CONTAINER],
    remediationSteps:
        "Give the container the app's PostgreSQL role (PGUSER <user>_app, the postgresApp password) or the monitoring role (<user>_monitor) from capabilities/postgres-roles.ts, and the app's or the monitoring MongoDB user (mongodbApp, mongodbMonitor) from capabilities/mongodb-users.ts.",
    check: (s, ctx) => {
        const part = component(s.props.labels);
        const env = envRecord(s.props.envs);
        const engines = [
            { engine: "PostgreSQL" as const, admin: postgresAdmin(ctx.runbook, "docker"), logins: postgresLoginsIn(env) },
            { engine: "MongoDB" as const, admin: mongoAdmin(ctx.runbook, "docker"), logins: mongoLoginsIn(env) },
        ];
        return engines.flatMap(({ engine, admin, logins }) => {
            const allowed: readonly string[] = ADMIN_COMPONENTS[engine];
            if (!admin || (part && allowed.includes(part))) return [];
            return logins
                .filter((l) => l.login === admin)
                .map((l) => finding(`${label(s)} (container ${containerName(s)}, component ${part ?? "unlabelled"}): ${l.variable} logs in to ${engine} as the administrator ${admin}; only ${allowed.join(" and ")} may`));
        });
    },
});
