import type * as pulumi from "@pulumi/pulumi";

/**
 * What the mock engine answers. Real providers compute ids, ARNs and endpoints; the program reads
 * a few of them (names, endpoints for config files), so the mocks return plausible ones built
 * from the resource's name, and the invokes the program makes return the shapes AWS returns.
 */

const ACCOUNT = "123456789012";

export function mockCall(region: string) {
    const calls: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>> = {
        "aws:index/getCallerIdentity:getCallerIdentity": () => ({ accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/ci`, userId: "AIDAEXAMPLE" }),
        "aws:index/getRegion:getRegion": () => ({ name: region, region, id: region }),
        "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com" }),
        "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
            names: ["a", "b", "c", "d"].map((z) => `${region}${z}`),
            zoneIds: ["1", "2", "3", "4"].map((z) => `use1-az${z}`),
            state: "available",
        }),
        "aws:elb/getServiceAccount:getServiceAccount": () => ({ arn: "arn:aws:iam::127311923021:root", id: "127311923021" }),
        "aws:iam/getPolicyDocument:getPolicyDocument": (inputs) => ({ json: JSON.stringify({ Version: "2012-10-17", Statement: inputs.statements ?? [] }) }),
    };
    return (args: pulumi.runtime.MockCallArgs): Record<string, unknown> => {
        const fn = calls[args.token];
        if (!fn) throw new Error(`the offline plan has no mock for invoke ${args.token}; add one to cli/harness/mocks.ts`);
        return fn(args.inputs);
    };
}

/** State a created resource reports back: its inputs plus the computed fields programs read. */
export function mockState(args: pulumi.runtime.MockResourceArgs, region: string): { id: string; state: Record<string, unknown> } {
    const id = `${args.name}-id`;
    const state: Record<string, unknown> = { ...args.inputs };
    if (args.type.startsWith("aws:")) {
        const service = args.type.split(":")[1].split("/")[0];
        state.arn ??= `arn:aws:${service}:${region}:${ACCOUNT}:${args.name}`;
        state.id ??= id;
    }
    if (args.type === "random:index/randomPassword:RandomPassword") state.result = `generated-${args.name}`;
    if (args.type === "aws:rds/instance:Instance" || args.type === "aws:rds/cluster:Cluster" || args.type === "aws:docdb/cluster:Cluster") {
        state.endpoint ??= `${args.name}.cluster.${region}.rds.amazonaws.com`;
        state.address ??= `${args.name}.${region}.rds.amazonaws.com`;
    }
    if (args.type === "aws:elasticache/replicationGroup:ReplicationGroup") {
        state.primaryEndpointAddress ??= `${args.name}.cache.amazonaws.com`;
        state.configurationEndpointAddress ??= `${args.name}.cfg.cache.amazonaws.com`;
    }
    if (args.type === "aws:msk/cluster:Cluster") state.bootstrapBrokersTls ??= `b-1.${args.name}.kafka.${region}.amazonaws.com:9094`;
    if (args.type === "aws:lb/loadBalancer:LoadBalancer") state.dnsName ??= `${args.name}.${region}.elb.amazonaws.com`;
    if (args.type === "aws:amp/workspace:Workspace") state.prometheusEndpoint ??= `https://aps-workspaces.${region}.amazonaws.com/workspaces/${id}/`;
    if (args.type === "kubernetes:core/v1:Namespace") state.metadata = { ...(state.metadata as object), name: (args.inputs.metadata as { name?: string })?.name ?? args.name };
    return { id, state };
}
