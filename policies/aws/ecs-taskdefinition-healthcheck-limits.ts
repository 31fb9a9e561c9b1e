import { cite, finding, label, provenance, resourceRule } from "../lib/policy";
import { serviceOf } from "../lib/workloads";
import { asArray, num } from "../lib/values";
import { containerDefinitions, TASK_DEFINITION } from "../lib/ecs";

/** Each app service's task has the runbook's CPU and memory and a container health check on its health path. */
export const awsEcsTaskDefinitionHealthcheckLimits = resourceRule({
    name: "aws-ecs-taskdefinition-healthcheck-limits",
    description: "ECS task definitions of runbook services give the task at least the runbook's CPU and memory limits, each app container a hard limit and reservations no lower than the runbook's, and health-check the service's runbook health path.",
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
            const res = svc.resources.reservations;
            const from = provenance(svc.resources, "limits", "reservations");
            const wants = `${from.who} gives ${svc.name} limits of ${lim.cpu} vCPU and ${lim.memoryMiB} MiB with ${res.cpu} vCPU and ${res.memoryMiB} MiB reserved ${from.cite}`;
            const key = `services.${svc.name}.resources`;
            const at = `${label(s)} container "${c.name}"`;
            // The task's size bounds every container together; a container's own hard limit
            // (memory) and reservations (cpu units, memoryReservation) bound it alone.
            const taskCpu = num(s.props.cpu);
            const taskMemory = num(s.props.memory);
            if (taskCpu === undefined && num(c.cpu) === undefined) out.push(finding(`${at}: cpu is not set on the task or the container; ${wants}`, { key }));
            else if (taskCpu !== undefined && taskCpu < lim.cpu * 1024) out.push(finding(`${label(s)}: task cpu is ${taskCpu} units, less than the ${lim.cpu * 1024} its container "${c.name}" may use; ${wants}`, { key }));
            if (taskMemory === undefined && num(c.memory) === undefined) out.push(finding(`${at}: memory is not set on the task or the container; ${wants}`, { key }));
            else if (taskMemory !== undefined && taskMemory < lim.memoryMiB) out.push(finding(`${label(s)}: task memory is ${taskMemory} MiB, less than the ${lim.memoryMiB} its container "${c.name}" may use; ${wants}`, { key }));
            const hard = num(c.memory);
            if (hard !== undefined && hard < lim.memoryMiB) out.push(finding(`${at}: its hard memory limit is ${hard} MiB, below the ${lim.memoryMiB} MiB limit; ${wants}`, { key }));
            const cpuUnits = num(c.cpu);
            if (cpuUnits !== undefined && cpuUnits < res.cpu * 1024) out.push(finding(`${at}: cpu reserves ${cpuUnits} units, less than the ${res.cpu * 1024} reserved; ${wants}`, { key }));
            const soft = num(c.memoryReservation);
            if (containers.length > 1 && soft === undefined && cpuUnits === undefined && hard === undefined) out.push(finding(`${at}: shares its task with ${containers.length - 1} other container(s) but reserves nothing of its own (no cpu, memory or memoryReservation); ${wants}`, { key }));
            if (soft !== undefined && soft < res.memoryMiB) out.push(finding(`${at}: memoryReservation is ${soft} MiB, less than the ${res.memoryMiB} MiB reserved; ${wants}`, { key }));
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
