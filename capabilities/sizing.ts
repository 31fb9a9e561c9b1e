import type { Resources } from "../runbooks";

/** The runbook's limits in each target's units. */

export function kubernetesResources(r: Resources) {
    return {
        limits: { memory: `${r.limits.memoryMiB}Mi`, cpu: `${Math.round(r.limits.cpu * 1000)}m` },
        requests: { memory: `${r.reservations.memoryMiB}Mi`, cpu: `${Math.round(r.reservations.cpu * 1000)}m` },
    };
}

/** A limit in @pulumi/docker's Container units: `memory` in MiB (the provider multiplies by 1024²), `cpus` as a decimal string. */
export interface DockerLimits {
    readonly memory: number;
    readonly cpus: string;
}

/** Limits in the runbooks' units (MiB, CPUs) as @pulumi/docker's Container takes them; the platform's own containers are sized with it too. */
export function dockerLimits(l: Resources["limits"]): DockerLimits {
    return { memory: l.memoryMiB, cpus: `${l.cpu}` };
}

/**
 * The runbook's limits and reservations as @pulumi/docker's Container takes them, passed through
 * as they are. The provider is not the Engine API: it takes `memory` and `memoryReservation` in
 * MiB (and multiplies by 1024² itself) and `cpus` as a decimal string, not bytes and nano-CPUs.
 */
export interface DockerResources extends DockerLimits {
    readonly memoryReservation: number;
    /** Relative weight under contention, so the reservation holds: 1024 = one CPU. */
    readonly cpuShares: number;
}

export function dockerResources(r: Resources): DockerResources {
    const { memory, cpus } = dockerLimits(r.limits);
    return { memory, memoryReservation: r.reservations.memoryMiB, cpus, cpuShares: Math.round(r.reservations.cpu * 1024) };
}

/** Fargate's valid task sizes (CPU units → allowed memory MiB), from the ECS task size table. */
const FARGATE: [number, number[]][] = [
    [256, [512, 1024, 2048]],
    [512, [1024, 2048, 3072, 4096]],
    [1024, [2048, 3072, 4096, 5120, 6144, 7168, 8192]],
    [2048, range(4096, 16384, 1024)],
    [4096, range(8192, 30720, 1024)],
];

function range(from: number, to: number, step: number): number[] {
    const out: number[] = [];
    for (let v = from; v <= to; v += step) out.push(v);
    return out;
}

/** The smallest Fargate size that gives at least the runbook's CPU and memory limits. */
export function fargateSize(r: Resources): { cpu: number; memory: number } {
    const units = r.limits.cpu * 1024;
    for (const [cpu, memories] of FARGATE) {
        if (cpu < units) continue;
        const memory = memories.find((m) => m >= r.limits.memoryMiB);
        if (memory) return { cpu, memory };
    }
    throw new Error(`no Fargate task size has ${r.limits.cpu} vCPU and ${r.limits.memoryMiB} MiB`);
}
