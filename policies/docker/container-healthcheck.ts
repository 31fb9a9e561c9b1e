import { cite, finding, label, resourceRule } from "../lib/policy";
import { dataServiceOfImage, serviceOf } from "../lib/workloads";
import { asArray } from "../lib/values";
import { CONTAINER, containerName, longRunning } from "../lib/docker";

/** App services are health-checked on their runbook health path; data services have a health check. */
export const dockerContainerHealthcheck = resourceRule({
    name: "docker-container-healthcheck",
    description: "Runbook service containers have a Docker healthcheck that requests the runbook's health path; data-service containers have a healthcheck.",
    tier: "runbook",
    target: "docker",
    types: [CONTAINER],
    remediationSteps: "Add healthcheck.tests, e.g. [\"CMD-SHELL\", \"wget -q -O- http://localhost:<port><healthPath>\"]; pg_isready / redis-cli ping for data services.",
    check: (s, ctx) => {
        if (!longRunning(s)) return [];
        const tests = asArray<string>(s.props.healthcheck?.tests).join(" ");
        const svc = serviceOf(ctx.runbook, containerName(s), s.name);
        if (svc) {
            return tests.includes(svc.healthPath)
                ? []
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
