import { finding, label, resourceRule } from "../lib/policy";
import { CONTAINER, containerName } from "../lib/docker";
import { DOCKER_CONFINED_PLATFORM, DOCKER_EXPORTER_EXCEPTIONS, DOCKER_READONLY_PLATFORM, isRootUser } from "../lib/hardening";

/**
 * The runbook's app containers and the exporters run on a read-only root filesystem as a non-root
 * user, as on the other targets; the platform's own containers (data stores and their one-shot
 * setup jobs, backup jobs, monitoring: `DOCKER_READONLY_PLATFORM`) on a read-only root filesystem,
 * the monitoring stack's (`DOCKER_CONFINED_PLATFORM`) also as a non-root user without capabilities.
 */
export const dockerContainerReadonlyRoot = resourceRule({
    name: "docker-container-readonly-root",
    description: "The runbook's app containers and the exporters on Docker have a read-only root filesystem (a tmpfs where they write), a non-root user and every capability dropped, and the platform's data stores, backup jobs and monitoring a read-only root filesystem; the containers that cannot are listed with their reason.",
    tier: "security",
    target: "docker",
    types: [CONTAINER],
    remediationSteps: "Give the container readOnly: true with a tmpfs at its scratch path, a non-root user (APP_UID for the app, 65534 for an exporter) and capabilities.drops [\"ALL\"] (components/targets/docker/services.ts, monitoring.ts); a platform container readOnlyRoot with the image's writable paths (capabilities/docker/writable.ts) and its uploads on volumes (withUploadVolumes).",
    check: (s, ctx) => {
        const services = new Set(ctx.runbook.services.map((svc) => svc.name));
        const labels: { label?: string; value?: string }[] = Array.isArray(s.props.labels) ? s.props.labels : [];
        const component = labels.find((l) => l.label === "component")?.value;
        if (!component) return [];
        if ((DOCKER_READONLY_PLATFORM as readonly string[]).includes(component)) {
            const where = `${label(s)} (${containerName(s)})`;
            const out = s.props.readOnly === true ? [] : [finding(`${where}: readOnly is ${s.props.readOnly ?? "not set"}; the platform's ${component} container writes only to its volumes and tmpfs mounts`)];
            if (!(DOCKER_CONFINED_PLATFORM as readonly string[]).includes(component)) return out;
            if (s.props.user === undefined || isRootUser(s.props.user)) out.push(finding(`${where}: user is ${s.props.user === undefined ? "not set" : `"${s.props.user}"`}; the platform's ${component} container runs as its image's non-root user`));
            const drops: unknown[] = Array.isArray(s.props.capabilities?.drops) ? s.props.capabilities.drops : [];
            if (!drops.includes("ALL")) out.push(finding(`${where}: capabilities are not dropped; the platform's ${component} container needs none`));
            return out;
        }
        const exporter = component.endsWith("-exporter") && !(component in DOCKER_EXPORTER_EXCEPTIONS);
        if (!services.has(component) && !exporter) return [];
        const what = exporter ? "an exporter" : "an app container";
        const where = `${label(s)} (${containerName(s)})`;
        const out = [];
        if (s.props.readOnly !== true) out.push(finding(`${where}: readOnly is ${s.props.readOnly ?? "not set"}; ${what} writes only to its tmpfs`));
        if (s.props.user === undefined || isRootUser(s.props.user)) out.push(finding(`${where}: user is ${s.props.user === undefined ? "not set (the image's, often root)" : `"${s.props.user}"`}; ${what} runs as a non-root UID`));
        const drops: unknown[] = Array.isArray(s.props.capabilities?.drops) ? s.props.capabilities.drops : [];
        if (!drops.includes("ALL")) out.push(finding(`${where}: capabilities are not dropped; ${what} needs none`));
        return out;
    },
});
