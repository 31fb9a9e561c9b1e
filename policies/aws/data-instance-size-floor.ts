import { dataInstanceSizes, meetsFloor, type SizedDataService } from "../../capabilities/aws/instance-sizes";
import { appValue, cite, finding, label, perApp, resourceRule } from "../lib/policy";

/** Where each managed data service keeps its size, by resource type. */
const SIZE_FIELDS: Readonly<Record<string, { service: SizedDataService; field: string; read: (p: Record<string, any>) => unknown }>> = {
    "aws:rds/instance:Instance": { service: "postgres", field: "instanceClass", read: (p) => p.instanceClass },
    "aws:elasticache/replicationGroup:ReplicationGroup": { service: "redis", field: "nodeType", read: (p) => p.nodeType },
    "aws:docdb/clusterInstance:ClusterInstance": { service: "mongodb", field: "instanceClass", read: (p) => p.instanceClass },
    "aws:msk/cluster:Cluster": { service: "kafka", field: "brokerNodeGroupInfo.instanceType", read: (p) => p.brokerNodeGroupInfo?.instanceType },
};

const floorsOf = (rb: Parameters<typeof dataInstanceSizes>[0]) => Object.fromEntries(dataInstanceSizes(rb).map((s) => [s.service, s.size]));

/** A managed data service is never smaller than the size the runbook asks for (or the platform chose for its numbers). */
export const awsDataInstanceSizeFloor = resourceRule({
    name: "aws-data-instance-size-floor",
    description: "RDS, DocumentDB and ElastiCache instances and MSK brokers are at least the size the runbook's data service asks for, or the platform's size for its numbers where it names none.",
    tier: "runbook",
    target: "aws",
    types: Object.keys(SIZE_FIELDS),
    configSchema: {
        properties: {
            floors: perApp("The smallest instance size per data service (postgres, redis, mongodb, kafka).", floorsOf, { type: "object", additionalProperties: { type: "string" } }),
        },
    },
    remediationSteps: "Give the resource the runbook's data.<service>.instanceSize (or a larger size on the same ladder); to change the size, change the runbook.",
    check: (s, ctx) => {
        const where = SIZE_FIELDS[s.type];
        const spec = dataInstanceSizes(ctx.runbook).find((x) => x.service === where?.service);
        if (!where || !spec) return [];
        const floor = appValue<Record<string, string>>(ctx, "floors", floorsOf)[where.service] ?? spec.size;
        const have = where.read(s.props);
        if (typeof have === "string" && meetsFloor(spec.ladder, floor, have)) return [];
        const whose = spec.defaulted ? `the platform's size for the runbook's ${where.service} (${spec.defaulted})` : `the runbook's data.${where.service}.instanceSize ${cite(ctx.runbook.data[where.service]?.source)}`;
        const allowed = spec.ladder.slice(Math.max(0, spec.ladder.indexOf(floor)));
        const what = typeof have !== "string" ? "not set" : spec.ladder.includes(have) ? `${have}, smaller than ${floor}` : `${have}, a size the platform cannot rank`;
        return [finding(`${label(s)}: ${where.field} is ${what}; the floor is ${floor}, ${whose}; allowed: ${allowed.join(", ")}`, { key: `data.${where.service}.instanceSize` })];
    },
});
