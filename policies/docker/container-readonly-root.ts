import { finding, label, resourceRule } from "../lib/policy";
import { CONTAINER, containerName } from "../lib/docker";
import { isRootUser } from "../lib/hardening";

/** The runbook's app containers run on a read-only root filesystem as a non-root user, as on the other targets. */
export const dockerContainerReadonlyRoot = resourceRule({
    name: "docker-container-readonly-root",
    description: "The runbook's app containers on Docker have a read-only root filesystem (a tmpfs where they write), a non-root user and every capability dropped.",
    tier: "security",
    target: "docker",
    types: [CONTAINER],
    remediationSteps: "Give the app container readOnly: true with a tmpfs at its scratch path, user APP_UID and capabilities.drops [\"ALL\"] (components/targets/docker/services.ts).",
    check: (s, ctx) => {
        const services = new Set(ctx.runbook.services.map((svc) => svc.name));
        const labels: { label?: string; value?: string }[] = Array.isArray(s.props.labels) ? s.props.labels : [];
        const component = labels.find((l) => l.label === "component")?.value;
        if (!component || !services.has(component)) return [];
        const where = `${label(s)} (${containerName(s)})`;
        const out = [];
        if (s.props.readOnly !== true) out.push(finding(`${where}: readOnly is ${s.props.readOnly ?? "not set"}; an app container writes only to its tmpfs`));
        if (s.props.user === undefined || isRootUser(s.props.user)) out.push(finding(`${where}: user is ${s.props.user === undefined ? "not set (the image's, often root)" : `"${s.props.user}"`}; app containers run as a non-root UID`));
        const drops: unknown[] = Array.isArray(s.props.capabilities?.drops) ? s.props.capabilities.drops : [];
        if (!drops.includes("ALL")) out.push(finding(`${where}: capabilities are not dropped; an app needs none`));
        return out;
    },
});
