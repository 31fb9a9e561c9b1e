import * as path from "path";
import type { Policy, PolicyPackConfig } from "@pulumi/policy";
import { AwsGuard, type AwsGuardArgs } from "@pulumi/awsguard";
import type { PlannedResource, StackPlan } from "../../cli/harness/runtime";

/**
 * `@pulumi/awsguard` run over an offline plan. Its rules are reachable only through its public
 * `AwsGuard` pack, which hands its policies and initial config to `@pulumi/policy`'s `serve`
 * (a gRPC server for the engine); we take them where it hands them over, so what runs is exactly
 * what `pulumi preview --policy-pack` with `new AwsGuard(args)` would run.
 */

export interface CapturedPack {
    readonly name: string;
    readonly policies: readonly Policy[];
    readonly initialConfig?: PolicyPackConfig;
}

/** The policies and initial config `new AwsGuard(args)` would serve to the engine. */
export function awsGuardPack(args: AwsGuardArgs): CapturedPack {
    // The copy of @pulumi/policy awsguard itself resolves (ours, once deduplicated).
    const from = path.dirname(require.resolve("@pulumi/awsguard"));
    const server = require(require.resolve("@pulumi/policy/server", { paths: [from] })) as { serve: (...a: unknown[]) => void };
    const serve = server.serve;
    let captured: CapturedPack | undefined;
    server.serve = (name: unknown, _version: unknown, _level: unknown, packArgs: unknown, initialConfig: unknown) => {
        captured = { name: name as string, policies: (packArgs as { policies: Policy[] }).policies, initialConfig: initialConfig as PolicyPackConfig | undefined };
    };
    try {
        new AwsGuard(args);
    } finally {
        server.serve = serve;
    }
    if (!captured || captured.policies.length === 0) throw new Error("@pulumi/awsguard served no policies: its pack no longer goes through @pulumi/policy's serve");
    return captured;
}

/**
 * awsguard 0.3.1 was written against @pulumi/aws 4, where two things were one resource or had an
 * older module name that our @pulumi/aws 7 splits or renames. Each is presented to it in the shape
 * and type token its rule reads, so the rule checks what it was meant to check:
 *  - `aws:s3/bucketLogging:BucketLogging` (v7's separate logging resource) becomes the bucket's
 *    inline `loggings` (v4's `aws.s3.Bucket`), matched by bucket name or id;
 *  - `aws:lb/*` load balancers and listeners carry v4's `elasticloadbalancingv2` token, the module
 *    name awsguard's ELB rules match (the same AWS resource; v4 kept `lb` and `elasticloadbalancingv2` as aliases).
 */
export const LEGACY_TYPES: Readonly<Record<string, string>> = {
    "aws:lb/loadBalancer:LoadBalancer": "aws:elasticloadbalancingv2/loadBalancer:LoadBalancer",
    "aws:lb/listener:Listener": "aws:elasticloadbalancingv2/listener:Listener",
};

const BUCKET = "aws:s3/bucket:Bucket";
const BUCKET_LOGGING = "aws:s3/bucketLogging:BucketLogging";

export function asAwsGuardSees(plan: StackPlan): StackPlan {
    const loggings = new Map<string, Record<string, unknown>[]>();
    for (const r of plan.resources.filter((x) => x.type === BUCKET_LOGGING)) {
        const p = r.props as { bucket?: string; targetBucket?: string; targetPrefix?: string };
        if (!p.bucket) continue;
        loggings.set(p.bucket, [...(loggings.get(p.bucket) ?? []), { targetBucket: p.targetBucket, targetPrefix: p.targetPrefix }]);
    }
    const resources = plan.resources.map((r): PlannedResource => {
        if (r.type === BUCKET) {
            const p = r.props as { bucket?: string };
            const own = (p.bucket && loggings.get(p.bucket)) || loggings.get(`${r.name}-id`) || [];
            return { ...r, props: { ...r.props, ...(own.length ? { loggings: own } : {}) } };
        }
        const legacy = LEGACY_TYPES[r.type];
        return legacy ? { ...r, type: legacy, urn: r.urn.replace(`::${r.type}::`, `::${legacy}::`) } : r;
    });
    return { ...plan, resources };
}
