import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsNames } from "../../../capabilities/aws/names";
import { cloudWatchRetentionDays } from "../../../capabilities/aws/logs";
import { trustPolicy } from "../../../capabilities/aws/trust";
import type { Env } from "../../../runbooks";

/**
 * What every AWS component is built from: the stack's name, environment and protection, the app's
 * id, the log retention, the AWS names and the target's provider. It holds no other stack setting
 * and not the runbook: a component that needs a runbook slice or a stack setting (its data
 * settings, images, hosts, the hosted zone) takes it in its own Args, and the platform builds them
 * from the runbook and the stack in one place (args.ts, called by index.ts and data-services.ts).
 */
export interface AwsScope {
    /** The stack's name, for messages that must name it. */
    readonly stack: string;
    /** The stack's environment. */
    readonly env: Env;
    /** Protect stateful resources and keep keys and vaults if Pulumi lets go of them. The stack's `protect` (always on in production unless an exception says otherwise). */
    readonly protect: boolean;
    /** The app's id (the runbook's `app`), for descriptions and the messages that name the app. */
    readonly app: string;
    /** Days every log group and log bucket keeps its logs: the runbook's `logs.retentionDays`. */
    readonly logRetentionDays: number;
    /** The AWS names of the stack's resources (capabilities/aws/names.ts). */
    readonly names: AwsNames;
    /** The target's provider (region and default tags); every resource is created with it. */
    readonly provider: aws.Provider;
    /** `aws`, `aws-cn`, `aws-us-gov`: for the ARNs of AWS-managed policies. */
    readonly partition: pulumi.Output<string>;
    /** The account the provider's credentials belong to. */
    readonly accountId: pulumi.Output<string>;
    /** The target's region (the stack's `aws:region`). */
    readonly region: string;
    /** The bucket every other bucket writes its S3 server access logs to (AwsAccessLogs in storage.ts); none while that bucket itself is made. */
    readonly serverAccessLogs?: pulumi.Input<string>;
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

/** A managed database (RDS PostgreSQL, DocumentDB): a data service whose master password the engine manages (`managedMasterSecretArn`), with automated backups. */
export interface AwsDatabaseArgs extends AwsDataServiceArgs {
    /** The daily automated-backup window (`automatedBackupWindow`: after the runbook's maintenance window, clear of the AWS Backup jobs' start windows). */
    readonly automatedBackupWindow: string;
    /** The runbook's maintenance window as RDS and DocumentDB write it (`wed:03:00-wed:05:00`). */
    readonly maintenanceWindow: string;
}

/** Options for a child resource: parented, with the target's provider, plus any extra options. */
export function child(parent: pulumi.Resource, scope: AwsScope, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
    return { ...extra, parent, provider: scope.provider };
}

/** Options for stateful resources: protected in production (the stack's `protect`). */
export function stateful(parent: pulumi.Resource, scope: AwsScope, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
    return child(parent, scope, { ...extra, protect: scope.protect });
}

/** A log group with the runbook's log retention (rounded up to a value CloudWatch accepts). */
export function logGroup(parent: pulumi.Resource, scope: AwsScope, logicalName: string, groupName: pulumi.Input<string>, kmsKeyId?: pulumi.Input<string>): aws.cloudwatch.LogGroup {
    return new aws.cloudwatch.LogGroup(
        logicalName,
        { name: groupName, retentionInDays: cloudWatchRetentionDays(scope.logRetentionDays), ...(kmsKeyId ? { kmsKeyId } : {}) },
        child(parent, scope),
    );
}

/**
 * An IAM role that `service` may assume, with AWS-managed policies attached by their published
 * path: `service-role/X` for most service roles, bare `X` for those AWS publishes at the root
 * (e.g. AmazonECSInfrastructureRolePolicyForLoadBalancers, AWSBackupServiceRolePolicyForS3Backup).
 */
export function serviceRole(
    parent: pulumi.Resource,
    scope: AwsScope,
    logicalName: string,
    service: string,
    managedPolicies: readonly string[],
    description: string,
    /** Whether the trust carries the confused-deputy conditions the service documents (capabilities/aws/trust.ts). Defaults to true. */
    conditioned = true,
): aws.iam.Role {
    const role = new aws.iam.Role(
        logicalName,
        {
            description,
            assumeRolePolicy: pulumi
                .all([scope.partition, scope.accountId])
                .apply(([partition, accountId]) => JSON.stringify(trustPolicy(service, { partition, region: scope.region, accountId }, conditioned))),
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

/**
 * An ECS task execution role (pulls images, writes logs) that may also read exactly `secretArns`
 * (Secrets Manager secrets the task references by `valueFrom`) and decrypt them with `kmsKeyArn`.
 */
export function taskExecutionRole(
    parent: pulumi.Resource,
    scope: AwsScope,
    logicalName: string,
    description: string,
    secretArns: pulumi.Input<string>[],
    kmsKeyArn: pulumi.Input<string>,
): aws.iam.Role {
    // Assumed by the ECS agent, for which ECS documents no confused-deputy keys (capabilities/aws/trust.ts).
    const role = serviceRole(parent, scope, logicalName, "ecs-tasks.amazonaws.com", ["service-role/AmazonECSTaskExecutionRolePolicy"], description, false);
    if (secretArns.length) {
        rolePolicy(
            parent,
            scope,
            `${logicalName}-secrets`,
            role,
            policyJson([
                { Action: ["secretsmanager:GetSecretValue"], Resource: secretArns },
                { Action: ["kms:Decrypt"], Resource: kmsKeyArn },
            ]),
        );
    }
    return role;
}

/** A Fargate task definition (awsvpc, Linux x86_64) of `size` CPU units and MiB. */
export function fargateTask(
    parent: pulumi.Resource,
    scope: AwsScope,
    logicalName: string,
    args: {
        family: string;
        size: { cpu: number; memory: number };
        executionRole: aws.iam.Role;
        taskRole: aws.iam.Role;
        containerDefinitions: pulumi.Input<string>;
        volumes?: { name: string }[];
    },
    extra: pulumi.CustomResourceOptions = {},
): aws.ecs.TaskDefinition {
    return new aws.ecs.TaskDefinition(
        logicalName,
        {
            family: args.family,
            requiresCompatibilities: ["FARGATE"],
            networkMode: "awsvpc",
            cpu: String(args.size.cpu),
            memory: String(args.size.memory),
            runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
            executionRoleArn: args.executionRole.arn,
            taskRoleArn: args.taskRole.arn,
            containerDefinitions: args.containerDefinitions,
            ...(args.volumes?.length ? { volumes: args.volumes } : {}),
        },
        child(parent, scope, extra),
    );
}

/**
 * One task of the platform's own (the collector, Grafana) as an ECS service on Fargate in the
 * private subnets, rolled back by the circuit breaker; `deployment` says whether the old task may
 * overlap the new one.
 */
export function singleTaskService(
    parent: pulumi.Resource,
    scope: AwsScope,
    logicalName: string,
    args: {
        name: string;
        cluster: aws.ecs.Cluster;
        taskDefinition: aws.ecs.TaskDefinition;
        subnets: pulumi.Input<string>[];
        securityGroupId: pulumi.Input<string>;
        deployment: { minimumHealthyPercent: number; maximumPercent: number };
    } & Pick<aws.ecs.ServiceArgs, "loadBalancers" | "healthCheckGracePeriodSeconds" | "enableExecuteCommand">,
    extra: pulumi.CustomResourceOptions = {},
): aws.ecs.Service {
    const { name, cluster, taskDefinition, subnets, securityGroupId, deployment, ...rest } = args;
    return new aws.ecs.Service(
        logicalName,
        {
            name,
            cluster: cluster.arn,
            taskDefinition: taskDefinition.arn,
            desiredCount: 1,
            launchType: "FARGATE",
            networkConfiguration: { subnets, securityGroups: [securityGroupId], assignPublicIp: false },
            deploymentCircuitBreaker: { enable: true, rollback: true },
            deploymentMinimumHealthyPercent: deployment.minimumHealthyPercent,
            deploymentMaximumPercent: deployment.maximumPercent,
            ...rest,
            propagateTags: "SERVICE",
            enableEcsManagedTags: true,
        },
        child(parent, scope, extra),
    );
}

/** An inline policy on a role. */
export function rolePolicy(parent: pulumi.Resource, scope: AwsScope, logicalName: string, role: aws.iam.Role, policy: pulumi.Input<string>): aws.iam.RolePolicy {
    return new aws.iam.RolePolicy(logicalName, { role: role.id, policy }, child(parent, scope));
}

/** An inline policy document from statements whose resources may be outputs. */
export function policyJson(statements: { Effect?: "Allow" | "Deny"; Action: string[]; Resource: pulumi.Input<string> | pulumi.Input<string>[] }[]): pulumi.Output<string> {
    return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements.map((s) => ({ Effect: s.Effect ?? "Allow", Action: s.Action, Resource: s.Resource })) });
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
 * A Secrets Manager secret encrypted with `args.kmsKeyArn` (described as `<prefix> <description>`)
 * and a version holding `value` as JSON, a Pulumi secret; tasks read its keys by `valueFrom`.
 */
export function jsonSecret(
    parent: pulumi.Resource,
    args: AwsScope & { readonly kmsKeyArn: pulumi.Input<string> },
    logicalName: string,
    description: string,
    value: pulumi.Output<Record<string, unknown>>,
): aws.secretsmanager.Secret {
    const secret = new aws.secretsmanager.Secret(logicalName, { description: `${args.names.prefix} ${description}`, kmsKeyId: args.kmsKeyArn }, child(parent, args));
    new aws.secretsmanager.SecretVersion(logicalName, { secretId: secret.id, secretString: pulumi.secret(value.apply((v) => JSON.stringify(v))) }, child(parent, args));
    return secret;
}

/**
 * The Secrets Manager secret RDS or DocumentDB made for the master user (`manageMasterUserPassword`):
 * JSON with `username` and `password` only, rotated by the service (every 7 days unless changed).
 * Unknown until the database exists; a created database without one is a provider error, named here.
 */
export function managedMasterSecretArn(what: string, secrets: pulumi.Output<readonly { secretArn: string }[] | undefined>): pulumi.Output<string> {
    return secrets.apply((s) => {
        const arn = s?.[0]?.secretArn;
        if (!arn) throw new Error(`${what}: manageMasterUserPassword is true but the provider reported no masterUserSecrets[0].secretArn; the master's secret is what the roles and users tasks read`);
        return arn;
    });
}

/** A data service's generated credentials in Secrets Manager: `fields(password, host)` as a JSON secret. */
export function credentialsSecret(
    parent: pulumi.Resource,
    args: AwsDataServiceArgs,
    logicalName: string,
    description: string,
    password: pulumi.Output<string>,
    host: pulumi.Output<string>,
    fields: (password: string, host: string) => Record<string, unknown>,
): aws.secretsmanager.Secret {
    return jsonSecret(parent, args, logicalName, description, pulumi.all([password, host]).apply(([password, host]) => fields(password, host)));
}

/**
 * An S3 bucket that is never public: owner-enforced, a public access block with all four
 * settings, versioned, SSE-KMS with `kmsKeyArn` (bucket key on), TLS-only bucket policy. The
 * caller adds what differs (lifecycle, replication). Child names are `<logicalName>-ownership`,
 * `-public-access`, `-versioning`, `-encryption`, `-tls-only`.
 */
export function privateBucket(
    parent: pulumi.Resource,
    scope: AwsScope,
    logicalName: string,
    args: aws.s3.BucketArgs,
    kmsKeyArn: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): { bucket: aws.s3.Bucket; versioning: aws.s3.BucketVersioning } {
    const bucket = new aws.s3.Bucket(logicalName, args, opts);
    if (scope.serverAccessLogs) {
        new aws.s3.BucketLogging(`${logicalName}-access-logging`, { bucket: bucket.id, targetBucket: scope.serverAccessLogs, targetPrefix: `${logicalName}/` }, child(parent, scope));
    }
    new aws.s3.BucketOwnershipControls(`${logicalName}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, child(parent, scope));
    new aws.s3.BucketPublicAccessBlock(
        `${logicalName}-public-access`,
        { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        child(parent, scope),
    );
    const versioning = new aws.s3.BucketVersioning(`${logicalName}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, child(parent, scope));
    new aws.s3.BucketServerSideEncryptionConfiguration(
        `${logicalName}-encryption`,
        { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn }, bucketKeyEnabled: true }] },
        child(parent, scope),
    );
    new aws.s3.BucketPolicy(
        `${logicalName}-tls-only`,
        {
            bucket: bucket.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "DenyPlainHttp",
                        Effect: "Deny",
                        Principal: "*",
                        Action: "s3:*",
                        Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
                        Condition: { Bool: { "aws:SecureTransport": "false" } },
                    },
                ],
            }),
        },
        child(parent, scope),
    );
    return { bucket, versioning };
}
