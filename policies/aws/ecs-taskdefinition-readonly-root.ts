import { finding, label, resourceRule } from "../lib/policy";
import { containerDefinitions, TASK_DEFINITION } from "../lib/ecs";
import { isRootUser } from "../lib/hardening";

/**
 * The runbook's app containers run on a read-only root filesystem as a named non-root user
 * (FSBP ECS.5); a container that runs as root at all is a non-essential init step with a read-only
 * root and every capability dropped.
 */
export const awsEcsTaskDefinitionReadonlyRoot = resourceRule({
    name: "aws-ecs-taskdefinition-readonly-root",
    description: "The runbook's app containers on ECS have a read-only root filesystem and a non-root user; a root container is a non-essential init step, read-only, with every capability dropped.",
    tier: "security",
    target: "aws",
    types: [TASK_DEFINITION],
    remediationSteps: "Set readonlyRootFilesystem: true and user to the unprivileged APP_UID (capabilities/hardening.ts), mount the task's scratch volume where the app writes; give a root init container essential: false, readonlyRootFilesystem: true and linuxParameters.capabilities.drop: [\"ALL\"].",
    check: (s, ctx) => {
        const services = new Set(ctx.runbook.services.map((svc) => svc.name));
        return containerDefinitions(s.props).flatMap((c) => {
            const out = [];
            const name = String(c.name);
            if (services.has(name)) {
                if (c.readonlyRootFilesystem !== true) out.push(finding(`${label(s)} container "${name}": readonlyRootFilesystem is ${c.readonlyRootFilesystem ?? "not set"}; an app container writes only to its scratch volume`));
                if (c.user === undefined || isRootUser(c.user)) out.push(finding(`${label(s)} container "${name}": user is ${c.user === undefined ? "not set (the image's, often root)" : `"${c.user}"`}; app containers run as a non-root UID`));
            }
            if (isRootUser(c.user)) {
                const drops: unknown[] = Array.isArray(c.linuxParameters?.capabilities?.drop) ? c.linuxParameters.capabilities.drop : [];
                const loose = [c.essential !== false ? "essential" : "", c.readonlyRootFilesystem !== true ? "a writable root filesystem" : "", !drops.includes("ALL") ? "capabilities not dropped" : ""].filter(Boolean);
                if (loose.length) out.push(finding(`${label(s)} container "${name}" runs as root with ${loose.join(", ")}; root is allowed only for a non-essential init step, read-only, with every capability dropped`));
            }
            return out;
        });
    },
});
