import { MSK_BROKER_VOLUME_GIB } from "../../capabilities/aws/msk";
import { RDS_ALLOCATED_STORAGE_GIB } from "../../capabilities/aws/rds";
import { finding, label, resourceRule } from "../lib/policy";
import { num } from "../lib/values";

/**
 * Where a managed data service keeps its storage, and the size the platform generates (the floor):
 * an RDS primary's allocated storage (a replica takes its source's) and each MSK broker's volume.
 */
const STORAGE_FIELDS: Readonly<Record<string, { field: string; gib: number; read: (p: Record<string, any>) => unknown; applies: (p: Record<string, any>) => boolean; source: string }>> = {
    "aws:rds/instance:Instance": { field: "allocatedStorage", gib: RDS_ALLOCATED_STORAGE_GIB, read: (p) => p.allocatedStorage, applies: (p) => !p.replicateSourceDb, source: "capabilities/aws/rds.ts RDS_ALLOCATED_STORAGE_GIB" },
    "aws:msk/cluster:Cluster": {
        field: "brokerNodeGroupInfo.storageInfo.ebsStorageInfo.volumeSize",
        gib: MSK_BROKER_VOLUME_GIB,
        read: (p) => p.brokerNodeGroupInfo?.storageInfo?.ebsStorageInfo?.volumeSize,
        applies: () => true,
        source: "capabilities/aws/msk.ts MSK_BROKER_VOLUME_GIB",
    },
};

/**
 * A managed data service's disk is never smaller than the platform generates: a full disk stops
 * PostgreSQL and Kafka writes (the instance-class floor is aws-data-instance-size-floor's).
 */
export const awsDataStorageFloor = resourceRule({
    name: "aws-data-storage-floor",
    description: "RDS primaries' allocated storage and MSK brokers' volumes are at least the size the platform generates.",
    tier: "hardening",
    target: "aws",
    types: Object.keys(STORAGE_FIELDS),
    remediationSteps: "Give the resource the generated storage (capabilities/aws/rds.ts RDS_ALLOCATED_STORAGE_GIB, capabilities/aws/msk.ts MSK_BROKER_VOLUME_GIB) or more.",
    check: (s) => {
        const where = STORAGE_FIELDS[s.type];
        if (!where || !where.applies(s.props)) return [];
        const have = num(where.read(s.props));
        if (have !== undefined && have >= where.gib) return [];
        return [finding(`${label(s)}: ${where.field} is ${have ?? "not set"} GiB; the floor is ${where.gib} GiB, the size the platform generates (${where.source}); a full disk stops writes; allowed: ${where.gib} GiB or more`)];
    },
});
