import { dataInstanceSizes, meetsFloor, type SizedDataService } from "../../capabilities/aws/instance-sizes";
import { MSK_BROKER_VOLUME_GIB } from "../../capabilities/aws/msk";
import { RDS_ALLOCATED_STORAGE_GIB } from "../../capabilities/aws/rds";
import { num } from "../lib/values";
import { appValue, cite, finding, label, perApp, resourceRule, type Finding, type Subject } from "../lib/policy";

/** Where each managed data service keeps its size, by resource type. */
const SIZE_FIELDS: Readonly<Record<string, { service: SizedDataService; field: string; read: (p: Record<string, any>) => unknown }>> = {
    "aws:rds/instance:Instance": { service: "postgres", field: "instanceClass", read: (p) => p.instanceClass },
    "aws:elasticache/replicationGroup:ReplicationGroup": { service: "redis", field: "nodeType", read: (p) => p.nodeType },
    "aws:docdb/clusterInstance:ClusterInstance": { service: "mongodb", field: "instanceClass", read: (p) => p.instanceClass },
    "aws:msk/cluster:Cluster": { service: "kafka", field: "brokerNodeGroupInfo.instanceType", read: (p) => p.brokerNodeGroupInfo?.instanceType },
};

/**
 * Where a managed data service keeps its storage, and the size the platform generates (the floor):
 * an RDS primary's allocated storage (a replica follows its source's) and each MSK broker's volume.
 */
const STORAGE_FIELDS: Readonly<Record<string, { field: string; gib: number; read: (p: Record<string, any>) => unknown; applies: (p: Record<string, any>) => boolean }>> = {
    "aws:rds/instance:Instance": { field: "allocatedStorage", gib: RDS_ALLOCATED_STORAGE_GIB, read: (p) => p.allocatedStorage, applies: (p) => !p.replicateSourceDb },
    "aws:msk/cluster:Cluster": { field: "brokerNodeGroupInfo.storageInfo.ebsStorageInfo.volumeSize", gib: MSK_BROKER_VOLUME_GIB, read: (p) => p.brokerNodeGroupInfo?.storageInfo?.ebsStorageInfo?.volumeSize, applies: () => true },
};

function storageFindings(s: Subject): Finding[] {
    const where = STORAGE_FIELDS[s.type];
    if (!where || !where.applies(s.props)) return [];
    const have = num(where.read(s.props));
    if (have !== undefined && have >= where.gib) return [];
    return [finding(`${label(s)}: ${where.field} is ${have ?? "not set"} GiB; the floor is ${where.gib} GiB, the size the platform generates (a full disk stops writes); allowed: ${where.gib} GiB or more`)];
}

const floorsOf = (rb: Parameters<typeof dataInstanceSizes>[0]) => Object.fromEntries(dataInstanceSizes(rb).map((s) => [s.service, s.size]));

/**
 * A managed data service is never smaller than the size the runbook asks for (or the platform chose
 * for its numbers), and its storage never smaller than the platform generates.
 */
export const awsDataInstanceSizeFloor = resourceRule({
    name: "aws-data-instance-size-floor",
    description: "RDS, DocumentDB and ElastiCache instances and MSK brokers are at least the size the runbook's data service asks for, or the platform's size for its numbers where it names none, with at least the storage the platform generates.",
    tier: "runbook",
    target: "aws",
    types: Object.keys(SIZE_FIELDS),
    configSchema: {
        properties: {
            floors: perApp("The smallest instance size per data service (postgres, redis, mongodb, kafka).", floorsOf, { type: "object", additionalProperties: { type: "string" } }),
        },
    },
    remediationSteps: "Give the resource the runbook's data.<service>.instanceSize (or a larger size on the same ladder) and at least the generated storage (capabilities/aws/rds.ts, msk.ts); to change the size, change the runbook.",
    check: (s, ctx) => {
        const where = SIZE_FIELDS[s.type];
        const spec = dataInstanceSizes(ctx.runbook).find((x) => x.service === where?.service);
        if (!where || !spec) return [];
        const storage = storageFindings(s);
        const floor = appValue<Record<string, string>>(ctx, "floors", floorsOf)[where.service] ?? spec.size;
        const have = where.read(s.props);
        if (typeof have === "string" && meetsFloor(spec.ladder, floor, have)) return storage;
        const whose = spec.defaulted ? `the platform's size for the runbook's ${where.service} (${spec.defaulted})` : `the runbook's data.${where.service}.instanceSize ${cite(ctx.runbook.data[where.service]?.source)}`;
        const allowed = spec.ladder.slice(Math.max(0, spec.ladder.indexOf(floor)));
        const what = typeof have !== "string" ? "not set" : spec.ladder.includes(have) ? `${have}, smaller than ${floor}` : `${have}, a size the platform cannot rank`;
        return [finding(`${label(s)}: ${where.field} is ${what}; the floor is ${floor}, ${whose}; allowed: ${allowed.join(", ")}`, { key: `data.${where.service}.instanceSize` }), ...storage];
    },
});
