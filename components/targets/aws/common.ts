import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type * as random from "@pulumi/random";
import type { AwsNames } from "../../../capabilities/aws/names";
import { cloudWatchRetentionDays } from "../../../capabilities/aws/logs";
import { backupFor } from "../../../capabilities/schedules";
import type { Runbook } from "../../../runbooks";
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

/** Where a managed data service (RDS, ElastiCache, MSK, DocumentDB) runs: private subnets, its security group, the data key. */
export interface AwsDataServiceArgs extends AwsScope {
    /** Private subnets, one per AZ, the service spreads over. */
    readonly subnetIds: pulumi.Input<string>[];
    /** The security group of these resources (see AwsFirewall). */
    readonly securityGroupId: pulumi.Input<string>;
    /** The customer-managed key that encrypts them (AwsKeys.data, or .backup for vaults). */
    readonly kmsKeyArn: pulumi.Input<string>;
}

/** A managed database (RDS PostgreSQL, DocumentDB): a data service with a generated master password and automated backups. */
export interface AwsDatabaseArgs extends AwsDataServiceArgs {
    /** The generated master password (`PlatformSecrets.postgres`, `.mongodb`). */
    readonly password: random.RandomPassword;
    /** AWS Backup jobs' schedules, so the service's automated-backup window stays clear of them. */
    readonly awsBackupStarts: readonly { cron: string; startWindowMinutes: number }[];
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

/**
 * The runbook's settings for the data store a component builds, and that store's backup entry;
 * throws, naming the fix, when the runbook has either one missing.
 */
export function backedUpStore<D extends "postgres" | "redis" | "mongodb">(
    scope: AwsScope,
    dataset: D,
    component: string,
): { settings: NonNullable<Runbook["data"][D]>; backup: Runbook["backups"][number] } {
    const rb = scope.context.runbook;
    const settings = rb.data[dataset];
    if (!settings) throw new Error(`${rb.app}: ${component} needs data.${dataset}`);
    const backup = backupFor(rb, dataset);
    if (!backup) throw new Error(`${rb.app}: data.${dataset} is set but backups has no ${dataset} entry; allowed: add one (dataset: ${dataset})`);
    return { settings: settings as NonNullable<Runbook["data"][D]>, backup };
}

/** A data service's subnet group (`kind`, e.g. `aws.rds.SubnetGroup`) over its private subnets. */
export function privateSubnetGroup<T extends pulumi.CustomResource>(
    kind: new (name: string, args: { subnetIds: pulumi.Input<string>[]; description: string }, opts?: pulumi.CustomResourceOptions) => T,
    parent: pulumi.Resource,
    args: AwsDataServiceArgs,
    logicalName: string,
    service: string,
): T {
    return new kind(logicalName, { subnetIds: args.subnetIds, description: `${args.names.prefix} ${service}, private subnets` }, child(parent, args));
}

/**
 * A data service's generated credentials in Secrets Manager, encrypted with its key: the secret
 * (described as `<prefix> <description>`) and a version holding `fields(password, host)` as JSON.
 */
export function credentialsSecret(
    parent: pulumi.Resource,
    args: AwsDataServiceArgs,
    logicalName: string,
    description: string,
    password: pulumi.Output<string>,
    host: pulumi.Output<string>,
    fields: (password: string, host: string) => Record<string, unknown>,
): aws.secretsmanager.Secret {
    const secret = new aws.secretsmanager.Secret(logicalName, { description: `${args.names.prefix} ${description}`, kmsKeyId: args.kmsKeyArn }, child(parent, args));
    new aws.secretsmanager.SecretVersion(
        logicalName,
        { secretId: secret.id, secretString: pulumi.secret(pulumi.all([password, host]).apply(([password, host]) => JSON.stringify(fields(password, host)))) },
        child(parent, args),
    );
    return secret;
}
