import { cite, finding, label, resourceRule } from "../lib/policy";
import { serviceOf } from "../lib/workloads";
import { num } from "../lib/values";
import { CONTAINER, containerName, longRunning } from "../lib/docker";

/** CPU limit of a Docker container in CPUs: `cpus` ("0.5"), or a CFS quota over its period. */
function dockerCpus(p: Record<string, any>): number | undefined {
    const cpus = num(p.cpus);
    if (cpus !== undefined) return cpus;
    const quota = num(p.cpuQuota);
    return quota !== undefined && quota > 0 ? quota / (num(p.cpuPeriod) ?? 100000) : undefined;
}

/**
 * Swap beyond Docker's default: unset (or 0), a container may swap as much as its memory limit
 * (memorySwap = 2 × memory). `memorySwap: -1` (unlimited) or more than that lets the container page
 * to disk instead of hitting its limit: the limit no longer bounds it, and the memory alerts read a
 * container that is slow rather than full.
 */
function swapBeyondLimit(s: Parameters<typeof label>[0] & { props: Record<string, any> }, memory: number | undefined) {
    const swap = num(s.props.memorySwap);
    if (swap === undefined || swap === 0) return [];
    if (swap > 0 && memory !== undefined && swap <= 2 * memory) return [];
    return [finding(`${label(s)}: memorySwap is ${swap}${swap < 0 ? " (unlimited swap)" : ` MB, more than twice its memory limit ${memory ?? "(none)"} MB`}, so the memory limit no longer bounds it; allowed: unset (Docker's default, swap up to the memory limit) or at most 2 × memory, as the platform leaves it`)];
}

/** Every long-running container is bounded; app services get exactly the runbook's limits and reservations. */
export const dockerContainerLimits = resourceRule({
    name: "docker-container-limits",
    description: "Every long-running Docker container has a memory and CPU limit and no swap beyond Docker's default; runbook services have the runbook's limits and memory reservation.",
    tier: "runbook",
    target: "docker",
    types: [CONTAINER],
    remediationSteps: "Set memory, memoryReservation (MiB) and cpus from dockerResources(service.resources).",
    check: (s, ctx) => {
        if (!longRunning(s)) return [];
        const p = s.props;
        const out = [];
        const memory = num(p.memory);
        const cpus = dockerCpus(p);
        out.push(...swapBeyondLimit(s, memory));
        const svc = serviceOf(ctx.runbook, containerName(s), s.name);
        if (!svc) {
            if (!memory) out.push(finding(`${label(s)}: no memory limit; every long-running container must be bounded`));
            if (cpus === undefined) out.push(finding(`${label(s)}: no CPU limit (cpus or cpuQuota); every long-running container must be bounded`));
            return out;
        }
        const r = svc.resources;
        const key = `services.${svc.name}.resources`;
        const wants = `the runbook gives ${svc.name} limits of ${r.limits.memoryMiB} MiB and ${r.limits.cpu} CPU with ${r.reservations.memoryMiB} MiB reserved ${cite(r.source)}`;
        if (memory !== r.limits.memoryMiB) out.push(finding(`${label(s)}: memory is ${memory ?? "not set"} MB; ${wants}`, { key }));
        if (cpus === undefined || Math.abs(cpus - r.limits.cpu) > 1e-9) out.push(finding(`${label(s)}: CPU limit is ${cpus ?? "not set"}; ${wants}`, { key }));
        const reservation = num(p.memoryReservation);
        if (reservation !== r.reservations.memoryMiB) out.push(finding(`${label(s)}: memoryReservation is ${reservation ?? "not set"} MB; ${wants}`, { key }));
        return out;
    },
});
