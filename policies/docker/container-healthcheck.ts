import { cite, finding, label, resourceRule } from "../lib/policy";
import { dataServiceOfImage, serviceOf } from "../lib/workloads";
import { asArray, durationToSeconds, num } from "../lib/values";
import { serviceDownBudget } from "../lib/probes";
import { HEALTHCHECK } from "../../capabilities/docker/services";

/** Docker's healthcheck timings where one sets none (interval 30s, timeout 30s, 3 retries, no start period). */
const DOCKER_DEFAULTS = { interval: 30, timeout: 30, retries: 3, startPeriod: 0 } as const;
const PLATFORM_START = durationToSeconds(HEALTHCHECK.startPeriod)!;
import { CONTAINER, containerName, longRunning } from "../lib/docker";

/** App services are health-checked on their runbook health path; data services have a health check. */
export const dockerContainerHealthcheck = resourceRule({
    name: "docker-container-healthcheck",
    description: "Runbook service containers have a Docker healthcheck that requests the runbook's health path, calls a hung container unhealthy ((interval + timeout) × retries) before the runbook's ServiceDown level pages and starts counting within the platform's start period; data-service containers have a healthcheck.",
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
                const interval = durationToSeconds(hc.interval) ?? DOCKER_DEFAULTS.interval;
                const timeout = durationToSeconds(hc.timeout) ?? DOCKER_DEFAULTS.timeout;
                const retries = num(hc.retries) ?? DOCKER_DEFAULTS.retries;
                // Docker waits the interval after each check ends: a hung app costs interval + timeout per retry.
                const step = interval + timeout;
                const shown = `(interval ${hc.interval ?? `${interval}s, Docker's default`} + timeout ${hc.timeout ?? `${timeout}s, Docker's default`}) × retries ${hc.retries ?? `${retries}, Docker's default`}`;
                if (budget && step * retries > budget.seconds) {
                    timing.push(finding(`${label(s)}: its healthcheck ${shown} calls a hung ${svc.name} container unhealthy only after ${step * retries}s, later than ${budget.seconds}s: ${budget.says}`, { key: budget.key }));
                }
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
        const data = dataServiceOfImage(s.props.image) ?? dataServiceOfImage(containerName(s));
        return data && !tests ? [finding(`${label(s)} runs ${data} without a healthcheck; dependants and alerts need to know when it is not ready`)] : [];
    },
});
