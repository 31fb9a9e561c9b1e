import { cite, finding, label, resourceRule } from "../lib/policy";
import { DATA_IMAGES, dataServiceOfImage, serviceOf } from "../lib/workloads";
import { asArray, durationToSeconds, num } from "../lib/values";
import { downBudget, serviceDownBudget, type DownBudget } from "../lib/probes";
import { HEALTHCHECK } from "../../capabilities/docker/services";

/** Docker's healthcheck timings where one sets none (interval 30s, timeout 30s, 3 retries, no start period). */
const DOCKER_DEFAULTS = { interval: 30, timeout: 30, retries: 3, startPeriod: 0 } as const;
const PLATFORM_START = durationToSeconds(HEALTHCHECK.startPeriod)!;
import { CONTAINER, containerName, longRunning } from "../lib/docker";

/**
 * Seconds until Docker calls a hung container unhealthy: it runs a check `interval` after the
 * previous one ended, so each failed retry costs interval + timeout.
 */
function unhealthyAfter(hc: Record<string, any>): { seconds: number; shown: string } {
    const interval = durationToSeconds(hc.interval) ?? DOCKER_DEFAULTS.interval;
    const timeout = durationToSeconds(hc.timeout) ?? DOCKER_DEFAULTS.timeout;
    const retries = num(hc.retries) ?? DOCKER_DEFAULTS.retries;
    return {
        seconds: (interval + timeout) * retries,
        shown: `(interval ${hc.interval ?? `${interval}s, Docker's default`} + timeout ${hc.timeout ?? `${timeout}s, Docker's default`}) × retries ${hc.retries ?? `${retries}, Docker's default`}`,
    };
}
/** The data kind a container's `component` label names (the platform's data stores: postgres, redis, mongodb, …), if any. */
function dataKindOfLabel(labels: unknown): string | undefined {
    const component = asArray<Record<string, unknown>>(labels).find((l) => l?.label === "component")?.value;
    return DATA_IMAGES.some(([kind]) => kind === component) ? String(component) : undefined;
}
const late = (s: Parameters<typeof label>[0], hc: Record<string, any>, what: string, budget: DownBudget) => {
    const u = unhealthyAfter(hc);
    return u.seconds > budget.seconds ? [finding(`${label(s)}: its healthcheck ${u.shown} calls a hung ${what} container unhealthy only after ${u.seconds}s, later than ${budget.seconds}s: ${budget.says}; allowed: (interval + timeout) × retries at most ${budget.seconds}s`, { key: budget.key })] : [];
};

/** App services are health-checked on their runbook health path; data services have a health check. */
export const dockerContainerHealthcheck = resourceRule({
    name: "docker-container-healthcheck",
    description: "Runbook service containers have a Docker healthcheck that requests the runbook's health path, calls a hung container unhealthy ((interval + timeout) × retries) before the runbook's ServiceDown level pages and starts counting within the platform's start period; data-service containers have a healthcheck that calls a hung store unhealthy before the store's own down level pages.",
    tier: "runbook",
    target: "docker",
    types: [CONTAINER],
    remediationSteps: "Add healthcheck.tests, e.g. [\"CMD-SHELL\", \"wget -q -O- http://localhost:<port><healthPath>\"]; pg_isready / redis-cli ping for data services.",
    check: (s, ctx) => {
        if (!longRunning(s)) return [];
        const tests = asArray<string>(s.props.healthcheck?.tests).join(" ");
        const svc = serviceOf(ctx.runbook, containerName(s), s.name);
        if (svc) {
            const hc = s.props.healthcheck ?? {};
            const timing = [];
            const budget = serviceDownBudget(ctx.runbook);
            if (tests) {
                if (budget) timing.push(...late(s, hc, svc.name, budget));
                const start = durationToSeconds(hc.startPeriod) ?? DOCKER_DEFAULTS.startPeriod;
                if (start > PLATFORM_START) {
                    timing.push(finding(`${label(s)}: its healthcheck startPeriod ${hc.startPeriod} ignores failures for ${start}s, longer than the platform's ${HEALTHCHECK.startPeriod} (capabilities/docker/services.ts HEALTHCHECK: the app's time to start)`, { key: `services.${svc.name}.healthPath` }));
                }
            }
            // The check asks this container (loopback, the service's port) and its failure is not swallowed.
            const url = new RegExp(`https?://(127\\.0\\.0\\.1|localhost):${svc.port}${svc.healthPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);
            if (tests.includes(svc.healthPath) && !url.test(tests)) timing.push(finding(`${label(s)}: its healthcheck "${tests}" does not request ${svc.healthPath} on the container itself (127.0.0.1:${svc.port}, the runbook's port ${cite(svc.source)}): it checks another listener or host`, { key: `services.${svc.name}.port` }));
            if (/\|\|\s*(true|:|exit\s+0)(\s|;|$)|;\s*(true|exit\s+0)\s*$/.test(tests)) timing.push(finding(`${label(s)}: its healthcheck "${tests}" swallows the check's failure (|| true, exit 0): the container is never unhealthy`, { key: `services.${svc.name}.healthPath` }));
            return tests.includes(svc.healthPath)
                ? timing
                : [
                      finding(`${label(s)}: ${tests ? `its healthcheck "${tests}" does not request ${svc.healthPath}` : "has no healthcheck"}; the runbook checks ${svc.name} on ${svc.healthPath} ${cite(svc.source)}`, {
                          key: `services.${svc.name}.healthPath`,
                      }),
                  ];
        }
        const byImage = dataServiceOfImage(s.props.image) ?? dataServiceOfImage(containerName(s));
        if (byImage && !tests) return [finding(`${label(s)} runs ${byImage} without a healthcheck; dependants and alerts need to know when it is not ready`)];
        // The platform pulls by image ID (the pinned reference is a label): its data stores carry their kind as the `component` label.
        const data = byImage ?? dataKindOfLabel(s.props.labels);
        if (!data || !tests) return [];
        // A data store is held to its own down level (postgres_down, redis_down, mongodb_down) where the runbook has one.
        const own = downBudget(ctx.runbook, `${data}_down`);
        return own ? late(s, s.props.healthcheck ?? {}, data, own) : [];
    },
});
