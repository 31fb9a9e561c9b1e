import { CONTAINER, containerName } from "../lib/docker";
import { finding, label, resourceRule } from "../lib/policy";
import { envRecord, postgresAdmin, postgresLoginsIn } from "../lib/security";

/** Containers that may log in as the administrator: the database server itself and its backup job. */
const ADMIN_COMPONENTS = ["postgres", "backups"];

function component(labels: unknown): string | undefined {
    if (!Array.isArray(labels)) return undefined;
    const l = labels.find((x) => x && typeof x === "object" && (x as any).label === "component");
    return typeof l?.value === "string" ? l.value : undefined;
}

/**
 * Least privilege for databases (issue 15): app services and exporters log in as their own roles,
 * never as the PostgreSQL administrator (`data.postgres.user` on Docker). Only the server's
 * container and the backup job may.
 */
export const dockerContainerNoMasterCredentials = resourceRule({
    name: "docker-container-no-master-credentials",
    description: "No container but the PostgreSQL server and its backup job logs in as the PostgreSQL administrator.",
    tier: "security",
    target: "docker",
    types: [CONTAINER],
    remediationSteps: "Give the container the app's role (PGUSER <user>_app, the postgresApp password) or the monitoring role (<user>_monitor) from capabilities/postgres-roles.ts.",
    check: (s, ctx) => {
        const admin = postgresAdmin(ctx.runbook, "docker");
        const part = component(s.props.labels);
        if (!admin || (part && ADMIN_COMPONENTS.includes(part))) return [];
        return postgresLoginsIn(envRecord(s.props.envs))
            .filter((l) => l.login === admin)
            .map((l) => finding(`${label(s)} (container ${containerName(s)}, component ${part ?? "unlabelled"}): ${l.variable} logs in to PostgreSQL as the administrator ${admin}; only ${ADMIN_COMPONENTS.join(" and ")} may`));
    },
});
