import type { Runbook } from "../../runbooks";

/**
 * Limits of the local platform's own containers (data services, monitoring, exporters, backup
 * jobs), which the runbooks do not size: they only bound a runaway process on a developer's
 * machine, and are generous next to each program's documented footprint. The app's services get
 * the runbook's limits instead (capabilities/docker/services.ts). Redis is sized from the
 * runbook's maxmemory: twice it, for the copy-on-write fork of a snapshot or AOF rewrite.
 */

export interface ContainerLimits {
    /** MiB, as @pulumi/docker's `memory` takes it. */
    readonly memory: number;
    /** CPUs, as @pulumi/docker's `cpus` takes it. */
    readonly cpus: string;
}

const FIXED: Readonly<Record<string, ContainerLimits>> = {
    postgres: { memory: 1024, cpus: "1" },
    // The apache/kafka image starts the JVM with a 1 GiB heap.
    kafka: { memory: 2048, cpus: "1" },
    mongodb: { memory: 1024, cpus: "1" },
    objectStorage: { memory: 1024, cpus: "1" },
    prometheus: { memory: 1024, cpus: "1" },
    alertmanager: { memory: 128, cpus: "0.25" },
    grafana: { memory: 512, cpus: "0.5" },
    loki: { memory: 512, cpus: "0.5" },
    promtail: { memory: 256, cpus: "0.25" },
    jaeger: { memory: 512, cpus: "0.5" },
    "cadvisor-exporter": { memory: 256, cpus: "0.5" },
    // pg_dump, redis-cli --rdb, mongodump or mc mirror of a development dataset.
    backups: { memory: 1024, cpus: "1" },
};
const EXPORTER: ContainerLimits = { memory: 128, cpus: "0.25" };

/** The limits of a platform container by its `component` label; an unknown component fails, so a new container is sized on purpose. */
export function platformLimits(runbook: Runbook, component: string): ContainerLimits {
    if (component === "redis") {
        const redis = runbook.data.redis;
        if (!redis) throw new Error(`${runbook.app}: a Redis container without \`data.redis\``);
        return { memory: Math.max(256, 2 * redis.maxmemoryMB), cpus: "0.5" };
    }
    const fixed = FIXED[component] ?? (component.endsWith("-exporter") ? EXPORTER : undefined);
    if (!fixed) throw new Error(`${runbook.app}: no limits for platform component "${component}"; add them to capabilities/docker/sizing.ts`);
    return fixed;
}
