import { finding, label, resourceRule } from "../lib/policy";
import { containerDefinitions, TASK_DEFINITION } from "../lib/ecs";
import { isRootUser } from "../lib/hardening";

/** The platform's own long-running tasks held like the app's, by task family part (`<stack>-<part>`): Grafana, and the collector (the agent and the exporters). */
const PLATFORM_TASKS = ["grafana", "collector"] as const;

/**
 * Containers on ECS run on a read-only root filesystem as a named non-root user (FSBP ECS.5): the
 * runbook's app containers, and every container of the platform's Grafana and collector tasks. A
 * container that runs as root at all is a non-essential init step with a read-only root and
 * every capability dropped.
 */
export const awsEcsTaskDefinitionReadonlyRoot = resourceRule({
    name: "aws-ecs-taskdefinition-readonly-root",
    description: "The runbook's app containers and the Grafana and collector tasks' containers on ECS have a read-only root filesystem and a non-root user; a root container is a non-essential init step, read-only, with every capability dropped.",
    tier: "security",
    target: "aws",
    types: [TASK_DEFINITION],
    remediationSteps: "Set readonlyRootFilesystem: true and a non-root user (APP_UID for the app, the image's own unprivileged UID for Grafana and the exporters), mount a task volume where the container writes; give a root init container essential: false, readonlyRootFilesystem: true and linuxParameters.capabilities.drop: [\"ALL\"].",
    check: (s, ctx) => {
        const services = new Set(ctx.runbook.services.map((svc) => svc.name));
        const family = String(s.props.family ?? "");
        const platform = PLATFORM_TASKS.find((p) => family === `${ctx.stack}-${p}`);
        return containerDefinitions(s.props).flatMap((c) => {
            const out = [];
            const name = String(c.name);
            const root = isRootUser(c.user);
            const held = services.has(name) || (platform !== undefined && !root);
            const what = services.has(name) ? "an app container" : `a ${platform} task container`;
            if (held) {
                if (c.readonlyRootFilesystem !== true) out.push(finding(`${label(s)} container "${name}": readonlyRootFilesystem is ${c.readonlyRootFilesystem ?? "not set"}; ${what} writes only to its task volumes`));
                if (c.user === undefined || root) out.push(finding(`${label(s)} container "${name}": user is ${c.user === undefined ? "not set (the image's, often root)" : `"${c.user}"`}; ${what} runs as a non-root UID`));
            }
            if (root) {
                const drops: unknown[] = Array.isArray(c.linuxParameters?.capabilities?.drop) ? c.linuxParameters.capabilities.drop : [];
                const loose = [c.essential !== false ? "essential" : "", c.readonlyRootFilesystem !== true ? "a writable root filesystem" : "", !drops.includes("ALL") ? "capabilities not dropped" : ""].filter(Boolean);
                if (loose.length) out.push(finding(`${label(s)} container "${name}" runs as root with ${loose.join(", ")}; root is allowed only for a non-essential init step, read-only, with every capability dropped`));
            }
            return out;
        });
    },
});
