import { cite, finding, label, resourceRule } from "../lib/policy";
import { serviceOf } from "../lib/workloads";
import { asArray, num } from "../lib/values";
import { containerDefinitions, TASK_DEFINITION } from "../lib/ecs";

/** Each app service's task has the runbook's CPU and memory and a container health check on its health path. */
export const awsEcsTaskDefinitionHealthcheckLimits = resourceRule({
    name: "aws-ecs-taskdefinition-healthcheck-limits",
    description: "ECS task definitions of runbook services reserve at least the runbook's CPU and memory limits and health-check the service's runbook health path.",
    tier: "runbook",
    target: "aws",
    types: [TASK_DEFINITION],
    remediationSteps: "Size the task with fargateSize(resources) and give the app container a healthCheck that requests healthPath.",
    check: (s, ctx) => {
        const family = String(s.props.family ?? "");
        const containers = containerDefinitions(s.props);
        const out = [];
        for (const c of containers) {
            const svc = serviceOf(ctx.runbook, String(c.name ?? ""), containers.length === 1 ? family : undefined, containers.length === 1 ? s.name : undefined);
            if (!svc) continue;
            const lim = svc.resources.limits;
            const wants = `the runbook gives ${svc.name} ${lim.cpu} vCPU and ${lim.memoryMiB} MiB ${cite(svc.resources.source)}`;
            const cpu = num(s.props.cpu) ?? num(c.cpu);
            const memory = num(s.props.memory) ?? num(c.memory);
            if (cpu === undefined || cpu < lim.cpu * 1024) out.push(finding(`${label(s)} container "${c.name}": cpu is ${cpu ?? "not set"} units, less than ${lim.cpu * 1024}; ${wants}`, { key: `services.${svc.name}.resources` }));
            if (memory === undefined || memory < lim.memoryMiB) out.push(finding(`${label(s)} container "${c.name}": memory is ${memory ?? "not set"} MiB, less than ${lim.memoryMiB}; ${wants}`, { key: `services.${svc.name}.resources` }));
            const command = asArray<string>(c.healthCheck?.command).join(" ");
            if (!command.includes(svc.healthPath)) {
                out.push(
                    finding(`${label(s)} container "${c.name}": ${command ? `its health check "${command}" does not request ${svc.healthPath}` : "has no healthCheck"}; the runbook checks ${svc.name} on ${svc.healthPath} ${cite(svc.source)}`, {
                        key: `services.${svc.name}.healthPath`,
                    }),
                );
            }
        }
        return out;
    },
});
