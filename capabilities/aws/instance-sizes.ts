import type { Runbook } from "../../runbooks";
import { DOCUMENTDB_MAX_CONNECTIONS, documentDbInstanceClass } from "./documentdb";
import { CACHE_NODE_TYPES, cacheNodeType } from "./elasticache";
import { MSK_BROKER_INSTANCES, mskBrokerInstance } from "./msk";
import { RDS_INSTANCE_CLASSES, rdsSize } from "./rds";

/**
 * The instance size of every managed data service of a runbook on AWS, with the ladder it is
 * ranked on, so the pack can hold a stack to it as a floor: a larger size passes, a smaller or an
 * unknown one does not. The sizes are the ones the program creates (rds.ts, elasticache.ts,
 * documentdb.ts, msk.ts); where the runbook names none, the platform's and the reason says so.
 */

export type SizedDataService = "postgres" | "redis" | "mongodb" | "kafka";

export interface DataInstanceSize {
    readonly service: SizedDataService;
    /** The size the program gives the service: an instance class, node type or broker type. */
    readonly size: string;
    /** Every size the platform knows for the service, smallest first. */
    readonly ladder: readonly string[];
    /** Absent where the runbook states the size; otherwise why the platform chose it. */
    readonly defaulted?: string;
}

type Data = Runbook["data"];

/** One entry per sized kind: how the program sizes it, the ladder it is ranked on, why the default. */
const SIZED: { readonly [K in SizedDataService]: { readonly size: (spec: NonNullable<Data[K]>) => string; readonly ladder: readonly string[]; readonly defaultReason: string } } = {
    postgres: {
        size: (pg) => rdsSize(pg).instanceClass,
        ladder: RDS_INSTANCE_CLASSES.map(([c]) => c),
        defaultReason: "the runbook names no instance class; the smallest whose memory keeps shared_buffers within a quarter and effective_cache_size within three quarters",
    },
    redis: {
        size: (redis) => cacheNodeType(redis).nodeType,
        ladder: CACHE_NODE_TYPES.map(([t]) => t),
        defaultReason: "the runbook names no node type; the smallest whose memory, less the 25% reserve, holds maxmemory",
    },
    mongodb: {
        size: (mongo) => documentDbInstanceClass(mongo),
        ladder: Object.keys(DOCUMENTDB_MAX_CONNECTIONS),
        defaultReason: "the runbook names no instance class; db.r6g.large, the smallest memory-optimised class meant for production",
    },
    kafka: {
        size: (kafka) => mskBrokerInstance(kafka),
        ladder: MSK_BROKER_INSTANCES,
        defaultReason: "the runbook names no broker type; kafka.m7g.large, the smallest Graviton broker MSK recommends for production",
    },
};

export function dataInstanceSizes(rb: Runbook): DataInstanceSize[] {
    return (Object.keys(SIZED) as SizedDataService[]).flatMap((service) => {
        const spec = rb.data[service];
        if (!spec) return [];
        const sized = SIZED[service] as { size: (s: typeof spec) => string; ladder: readonly string[]; defaultReason: string };
        return [{ service, size: sized.size(spec), ladder: sized.ladder, ...(spec.instanceSize ? {} : { defaulted: sized.defaultReason }) }];
    });
}

/** Whether `actual` is at least `floor` on the ladder; an actual size off the ladder is not. */
export function meetsFloor(ladder: readonly string[], floor: string, actual: string): boolean {
    const have = ladder.indexOf(actual);
    return have >= 0 && have >= ladder.indexOf(floor);
}
