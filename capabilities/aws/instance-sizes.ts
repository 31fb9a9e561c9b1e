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

const DEFAULT_REASON: Record<SizedDataService, string> = {
    postgres: "the runbook names no instance class; the smallest whose memory keeps shared_buffers within a quarter and effective_cache_size within three quarters",
    redis: "the runbook names no node type; the smallest whose memory, less the 25% reserve, holds maxmemory",
    mongodb: "the runbook names no instance class; db.r6g.large, the smallest memory-optimised class meant for production",
    kafka: "the runbook names no broker type; kafka.m7g.large, the smallest Graviton broker MSK recommends for production",
};

export function dataInstanceSizes(rb: Runbook): DataInstanceSize[] {
    const { postgres, redis, mongodb, kafka } = rb.data;
    const entry = (service: SizedDataService, size: string, ladder: readonly string[], stated: string | undefined): DataInstanceSize => ({
        service,
        size,
        ladder,
        ...(stated ? {} : { defaulted: DEFAULT_REASON[service] }),
    });
    return [
        ...(postgres ? [entry("postgres", rdsSize(postgres).instanceClass, RDS_INSTANCE_CLASSES.map(([c]) => c), postgres.instanceSize)] : []),
        ...(redis ? [entry("redis", cacheNodeType(redis).nodeType, CACHE_NODE_TYPES.map(([t]) => t), redis.instanceSize)] : []),
        ...(mongodb ? [entry("mongodb", documentDbInstanceClass(mongodb), Object.keys(DOCUMENTDB_MAX_CONNECTIONS), mongodb.instanceSize)] : []),
        ...(kafka ? [entry("kafka", mskBrokerInstance(kafka), MSK_BROKER_INSTANCES, kafka.instanceSize)] : []),
    ];
}

/** Whether `actual` is at least `floor` on the ladder; an actual size off the ladder is not. */
export function meetsFloor(ladder: readonly string[], floor: string, actual: string): boolean {
    const have = ladder.indexOf(actual);
    return have >= 0 && have >= ladder.indexOf(floor);
}
