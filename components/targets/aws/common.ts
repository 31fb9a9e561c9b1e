import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsNames } from "../../../capabilities/aws/names";
import { cloudWatchRetentionDays } from "../../../capabilities/aws/logs";
import type { PlatformContext } from "../../../stacks/settings";

/** What every AWS component is built from: the stack, its AWS names and the target's provider. */
export interface AwsScope {
    /** The validated stack; components read the runbook from `context.runbook` only. */
    readonly context: PlatformContext;
    readonly names: AwsNames;
    /** The target's provider (region and default tags); every resource is created with it. */
    readonly provider: aws.Provider;
    /** `aws`, `aws-cn`, `aws-us-gov`: for the ARNs of AWS-managed policies. */
    readonly partition: pulumi.Output<string>;
    readonly accountId: pulumi.Output<string>;
    readonly region: string;
}

/** Options for a child resource: parented, with the target's provider, plus any extra options. */
export function child(parent: pulumi.Resource, scope: AwsScope, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
    return { ...extra, parent, provider: scope.provider };
}

/** Options for stateful resources: protected in production (the stack's `protect`). */
export function stateful(parent: pulumi.Resource, scope: AwsScope, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
    return child(parent, scope, { ...extra, protect: scope.context.protect });
}

/** A log group with the runbook's log retention (rounded up to a value CloudWatch accepts). */
export function logGroup(parent: pulumi.Resource, scope: AwsScope, logicalName: string, groupName: pulumi.Input<string>, kmsKeyId?: pulumi.Input<string>): aws.cloudwatch.LogGroup {
    return new aws.cloudwatch.LogGroup(
        logicalName,
        { name: groupName, retentionInDays: cloudWatchRetentionDays(scope.context.runbook.logs.retentionDays), ...(kmsKeyId ? { kmsKeyId } : {}) },
        child(parent, scope),
    );
}

/** An IAM role that `service` may assume, with AWS-managed policies (by name, e.g. `service-role/X`) attached. */
export function serviceRole(
    parent: pulumi.Resource,
    scope: AwsScope,
    logicalName: string,
    service: string,
    managedPolicies: readonly string[],
    description: string,
): aws.iam.Role {
    const role = new aws.iam.Role(
        logicalName,
        {
            description,
            assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] }),
        },
        child(parent, scope),
    );
    for (const policy of managedPolicies) {
        new aws.iam.RolePolicyAttachment(
            `${logicalName}-${policy.split("/").pop()!.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase()}`,
            { role: role.name, policyArn: pulumi.interpolate`arn:${scope.partition}:iam::aws:policy/${policy}` },
            child(parent, scope),
        );
    }
    return role;
}

/** An inline policy on a role. */
export function rolePolicy(parent: pulumi.Resource, scope: AwsScope, logicalName: string, role: aws.iam.Role, policy: pulumi.Input<string>): aws.iam.RolePolicy {
    return new aws.iam.RolePolicy(logicalName, { role: role.id, policy }, child(parent, scope));
}

/** An inline policy document from statements whose resources may be outputs. */
export function policyJson(statements: { Effect?: "Allow" | "Deny"; Action: string[]; Resource: pulumi.Input<string> | pulumi.Input<string>[] }[]): pulumi.Output<string> {
    return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements.map((s) => ({ Effect: s.Effect ?? "Allow", Action: s.Action, Resource: s.Resource })) });
}
