import type { Resources, Runbook } from "../../runbooks";
import { dockerLimits, type DockerLimits } from "../sizing";

/**
 * Limits of the local platform's own containers (data services, monitoring, exporters, backup
 * jobs), which the runbooks do not size: they only bound a runaway process on a developer's
 * machine, and are generous next to each program's documented footprint. The app's services get
 * the runbook's limits instead (capabilities/docker/services.ts). Redis is sized from the
 * runbook's maxmemory: twice it, for the copy-on-write fork of a snapshot or AOF rewrite.
 * They are written as the runbooks write limits (MiB, CPUs) and converted to the provider's units
 * by the same function as the app services' (capabilities/sizing.ts).
 */

type Limits = Resources["limits"];

const FIXED: Readonly<Record<string, Limits>> = {
    postgres: { memoryMiB: 1024, cpu: 1 },
    // The apache/kafka image starts the JVM with a 1 GiB heap.
    kafka: { memoryMiB: 2048, cpu: 1 },
    mongodb: { memoryMiB: 1024, cpu: 1 },
    // RabbitMQ blocks publishers at 40 % of this (vm_memory_high_watermark): 410 MiB of messages in memory.
    rabbitmq: { memoryMiB: 1024, cpu: 1 },
    objectStorage: { memoryMiB: 1024, cpu: 1 },
    prometheus: { memoryMiB: 1024, cpu: 1 },
    alertmanager: { memoryMiB: 128, cpu: 0.25 },
    grafana: { memoryMiB: 512, cpu: 0.5 },
    loki: { memoryMiB: 512, cpu: 0.5 },
    promtail: { memoryMiB: 256, cpu: 0.25 },
    jaeger: { memoryMiB: 512, cpu: 0.5 },
    "cadvisor-exporter": { memoryMiB: 256, cpu: 0.5 },
    // pg_dump, redis-cli --rdb, mongodump or mc mirror of a development dataset.
    backups: { memoryMiB: 1024, cpu: 1 },
};
const EXPORTER: Limits = { memoryMiB: 128, cpu: 0.25 };

/** The limits of a platform container by its `component` label; an unknown component fails, so a new container is sized on purpose. */
export function platformLimits(runbook: Runbook, component: string): DockerLimits {
    if (component === "redis") {
        const redis = runbook.data.redis;
        if (!redis) throw new Error(`${runbook.app}: a Redis container without \`data.redis\``);
        return dockerLimits({ memoryMiB: Math.max(256, 2 * redis.maxmemoryMB), cpu: 0.5 });
    }
    const fixed = FIXED[component] ?? (component.endsWith("-exporter") ? EXPORTER : undefined);
    if (!fixed) throw new Error(`${runbook.app}: no limits for platform component "${component}"; add them to capabilities/docker/sizing.ts`);
    return dockerLimits(fixed);
}
