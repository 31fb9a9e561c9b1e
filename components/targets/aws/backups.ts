import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    BACKUP_TASK_METRIC,
    PLATFORM_BACKUP_BUCKET,
    RESTORE_SELECTION_WINDOW_DAYS,
    RESTORE_VALIDATION_HOURS,
    vaultLockDays,
    type BackupRuleSpec,
    type BackupTaskContainerArgs,
    type BackupTaskSpec,
    type RestoreTestSpec,
} from "../../../capabilities/aws/backups";
import type { ContainerDefinition } from "../../../capabilities/aws/containers";
import type { Dataset } from "../../../runbooks";
import { underscoreName } from "../../../capabilities/aws/names";
import { copyIntoVaultStatement, denyDeleteVaultPolicy, VAULT_LOCK_COOLING_OFF_DAYS } from "../../../capabilities/aws/vault-protection";
import { KEY_DELETION_WINDOW_DAYS } from "./keys";
import { child, fargateTask, logGroup, privateBucket, rolePolicy, serviceRole, stateful, taskExecutionRole, type AwsScope } from "./scope";

export interface RestoreTarget {
    readonly subnetGroupName: pulumi.Input<string>;
    readonly securityGroupId: pulumi.Input<string>;
}

export interface AwsBackupsArgs extends AwsScope {
    /** Key the vaults encrypt recovery points with. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Where a restore test may create its RDS and DocumentDB copies. */
    readonly restoreTargets: { readonly RDS?: RestoreTarget; readonly DocumentDB?: RestoreTarget };
    /**
     * Lock the vaults in compliance mode (after a cooling-off of VAULT_LOCK_COOLING_OFF_DAYS) and deny
     * deleting recovery points to every principal, so no one can delete one before the runbook's
     * retention. Defaults to the stack's `protect` (production).
     */
    readonly vaultLock?: boolean;
    /**
     * A copy of every recovery point in another region (the stack's `aws.backupCopy`): the
     * provider for that region (same account, credentials and tags as the stack's). Each rule then
     * copies to a vault there, encrypted with a key there, locked and deny-delete like the vaults
     * here, kept as long as the rule keeps its points.
     */
    readonly copy?: { readonly region: string; readonly provider: aws.Provider };
    /**
     * A copy of every recovery point in another account (the stack's `aws.backupCopy.account`), in
     * the stack's region: the provider assumes the stack's role there. Each rule then copies to a
     * vault there, encrypted with that account's key, locked and deny-delete, whose policy lets this
     * account copy into it (and the stack's keys let that account read what is copied, keys.ts).
     */
    readonly copyAccount?: { readonly accountId: string; readonly provider: aws.Provider };
    /** One rule per runbook backup AWS Backup takes (`backupRules`: dataset, tier, cron, retention, tag). */
    readonly rules: readonly BackupRuleSpec[];
    /** The runbook's restore test: its cadence and which datasets it restores (`restoreTestSpec`). */
    readonly restoreTest: RestoreTestSpec;
}

export interface DatasetBackup {
    readonly rule: BackupRuleSpec;
    readonly vault: aws.backup.Vault;
    readonly plan: aws.backup.Plan;
    readonly selection: aws.backup.Selection;
    readonly lock?: aws.backup.VaultLockConfiguration;
    readonly denyDelete?: aws.backup.VaultPolicy;
    /** The vault in the copy region the rule copies every recovery point to (`AwsBackupsArgs.copy`). */
    readonly copyVault?: aws.backup.Vault;
    /** The vault in the copy account the rule copies every recovery point to (`AwsBackupsArgs.copyAccount`). */
    readonly accountCopyVault?: aws.backup.Vault;
}

/**
 * AWS Backup for every runbook backup AWS Backup can take (RDS, DocumentDB, S3; Redis is
 * ElastiCache's own snapshots): per dataset a KMS-encrypted vault, locked in production in compliance
 * mode with the runbook's retention as its minimum and a vault policy denying deletion to everyone, a plan with one rule on the runbook's cron and retention,
 * and a selection of the resources tagged `backup:<dataset>`. A restore testing plan restores the
 * newest recovery point of each dataset on the runbook's restore-test cadence.
 *
 * One plan per dataset, not one plan with a rule per dataset: a plan's selections feed all of its
 * rules, so a shared plan would back every dataset up on every dataset's schedule.
 */
export class AwsBackups extends pulumi.ComponentResource {
    public readonly role: aws.iam.Role;
    /** By backup: the dataset (`postgres`), or `<dataset>-<tier>` (`postgres-weekly`). */
    public readonly datasets: Record<string, DatasetBackup>;
    public readonly restoreTesting: aws.backup.RestoreTestingPlan;
    public readonly restoreSelections: aws.backup.RestoreTestingSelection[];
    /** The key of the copy region's vaults (`AwsBackupsArgs.copy`). */
    public readonly copyKey?: aws.kms.Key;
    /** The key of the copy account's vaults (`AwsBackupsArgs.copyAccount`). */
    public readonly accountCopyKey?: aws.kms.Key;

    constructor(name: string, args: AwsBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Backups", name, {}, opts);
        const lock = args.vaultLock ?? args.protect;
        this.role = serviceRole(
            this,
            args,
            `${name}-role`,
            "backup.amazonaws.com",
            [
                "service-role/AWSBackupServiceRolePolicyForBackup",
                "service-role/AWSBackupServiceRolePolicyForRestores",
                "AWSBackupServiceRolePolicyForS3Backup",
                "AWSBackupServiceRolePolicyForS3Restore",
            ],
            "AWS Backup: backs up and restores the runbook's datasets",
        );

        // A vault with, where the stack locks them, its compliance-mode lock and deny-delete policy; `at` is the region's scope.
        // A vault in the copy account also lets this account copy into it (`copyFrom`).
        const lockedVault = (part: string, rule: BackupRuleSpec, at: AwsScope, kmsKeyArn: pulumi.Input<string>, copyFrom?: AwsScope) => {
            const vault = new aws.backup.Vault(
                `${name}-${part}-vault`,
                { name: args.names.vault(rule.name), kmsKeyArn, forceDestroy: false },
                child(this, at, { protect: args.protect, retainOnDelete: true }),
            );
            const vaultLock = lock
                ? new aws.backup.VaultLockConfiguration(
                      `${name}-${part}-lock`,
                      { backupVaultName: vault.name, minRetentionDays: vaultLockDays(rule), changeableForDays: VAULT_LOCK_COOLING_OFF_DAYS },
                      child(this, at, { protect: args.protect }),
                  )
                : undefined;
            const policy = copyFrom
                ? pulumi
                      .all([copyFrom.partition, copyFrom.accountId])
                      .apply(([partition, accountId]) => (lock ? denyDeleteVaultPolicy({ partition, accountId }) : JSON.stringify({ Version: "2012-10-17", Statement: [copyIntoVaultStatement({ partition, accountId })] })))
                : denyDeleteVaultPolicy();
            const denyDelete = lock || copyFrom ? new aws.backup.VaultPolicy(`${name}-${part}-deny-delete`, { backupVaultName: vault.name, policy }, child(this, at, { protect: args.protect })) : undefined;
            return { vault, ...(vaultLock ? { lock: vaultLock } : {}), ...(denyDelete ? { denyDelete } : {}) };
        };
        const copyScope: AwsScope | undefined = args.copy ? { ...args, provider: args.copy.provider, region: args.copy.region } : undefined;
        if (copyScope) {
            this.copyKey = new aws.kms.Key(
                `${name}-copy-key`,
                { description: `${args.names.prefix}: AWS Backup copies from ${args.region}`, enableKeyRotation: true, deletionWindowInDays: KEY_DELETION_WINDOW_DAYS },
                child(this, copyScope, { protect: args.protect, retainOnDelete: true }),
            );
            new aws.kms.Alias(`${name}-copy-key-alias`, { name: `alias/${args.names.prefix}-backup-copy`, targetKeyId: this.copyKey.keyId }, child(this, copyScope));
        }
        const accountScope: AwsScope | undefined = args.copyAccount ? { ...args, provider: args.copyAccount.provider, accountId: pulumi.output(args.copyAccount.accountId) } : undefined;
        if (accountScope) {
            this.accountCopyKey = new aws.kms.Key(
                `${name}-account-copy-key`,
                { description: pulumi.interpolate`${args.names.prefix}: AWS Backup copies from account ${args.accountId}`, enableKeyRotation: true, deletionWindowInDays: KEY_DELETION_WINDOW_DAYS },
                child(this, accountScope, { protect: args.protect, retainOnDelete: true }),
            );
            new aws.kms.Alias(`${name}-account-copy-key-alias`, { name: `alias/${args.names.prefix}-backup-account-copy`, targetKeyId: this.accountCopyKey.keyId }, child(this, accountScope));
        }

        this.datasets = {};
        for (const rule of args.rules) {
            const { vault, lock: vaultLock, denyDelete } = lockedVault(rule.name, rule, args, args.kmsKeyArn);
            const copyVault = copyScope && this.copyKey ? lockedVault(`${rule.name}-copy`, rule, copyScope, this.copyKey.arn).vault : undefined;
            const accountCopyVault = accountScope && this.accountCopyKey ? lockedVault(`${rule.name}-account-copy`, rule, accountScope, this.accountCopyKey.arn, args).vault : undefined;
            const copyActions = [copyVault, accountCopyVault].flatMap((v) => (v ? [{ destinationVaultArn: v.arn, lifecycle: { deleteAfter: rule.deleteAfterDays } }] : []));
            const plan = new aws.backup.Plan(
                `${name}-${rule.name}-plan`,
                {
                    name: `${args.names.prefix}-${rule.name}`,
                    rules: [
                        {
                            ruleName: rule.name,
                            targetVaultName: vault.name,
                            schedule: rule.schedule,
                            scheduleExpressionTimezone: "Etc/UTC",
                            startWindow: rule.startWindowMinutes,
                            completionWindow: rule.completionWindowMinutes,
                            lifecycle: { deleteAfter: rule.deleteAfterDays },
                            recoveryPointTags: { app: args.app, dataset: rule.dataset, ...(rule.tier ? { tier: rule.tier } : {}) },
                            ...(copyActions.length ? { copyActions } : {}),
                        },
                    ],
                },
                child(this, args),
            );
            const selection = new aws.backup.Selection(
                `${name}-${rule.name}-selection`,
                { name: `${args.names.prefix}-${rule.name}`, planId: plan.id, iamRoleArn: this.role.arn, selectionTags: [{ type: "STRINGEQUALS", key: rule.tag.key, value: rule.tag.value }] },
                child(this, args),
            );
            this.datasets[rule.name] = { rule, vault, plan, selection, ...(vaultLock ? { lock: vaultLock } : {}), ...(denyDelete ? { denyDelete } : {}), ...(copyVault ? { copyVault } : {}), ...(accountCopyVault ? { accountCopyVault } : {}) };
        }

        const spec = args.restoreTest;
        this.restoreTesting = new aws.backup.RestoreTestingPlan(
            `${name}-restore-testing`,
            {
                name: args.names.restoreTesting,
                scheduleExpression: spec.schedule,
                scheduleExpressionTimezone: "Etc/UTC",
                recoveryPointSelection: {
                    algorithm: "LATEST_WITHIN_WINDOW",
                    includeVaults: Object.values(this.datasets).map((d) => d!.vault.arn),
                    recoveryPointTypes: ["SNAPSHOT"],
                    selectionWindowDays: RESTORE_SELECTION_WINDOW_DAYS,
                },
            },
            child(this, args),
        );
        this.restoreSelections = spec.selections.map((sel) => {
            const target = sel.service === "S3" ? undefined : args.restoreTargets[sel.service];
            if (sel.service !== "S3" && !target) throw new Error(`${args.app}: backups has ${sel.dataset} but no ${sel.service} restore target was given`);
            const tag = Object.values(this.datasets).find((d) => d.rule.dataset === sel.dataset)!.rule.tag;
            return new aws.backup.RestoreTestingSelection(
                `${name}-restore-${sel.dataset}`,
                {
                    name: underscoreName(sel.dataset),
                    restoreTestingPlanName: this.restoreTesting.name,
                    protectedResourceType: sel.service,
                    iamRoleArn: this.role.arn,
                    protectedResourceConditions: { stringEquals: [{ key: `aws:ResourceTag/${tag.key}`, value: tag.value }] },
                    validationWindowHours: RESTORE_VALIDATION_HOURS,
                    ...(target
                        ? { restoreMetadataOverrides: { dbSubnetGroupName: target.subnetGroupName, vpcSecurityGroupIds: pulumi.jsonStringify([target.securityGroupId]) } }
                        : {}),
                },
                child(this, args),
            );
        });
        this.registerOutputs({ restoreTestCadence: spec.cadence, vaults: Object.fromEntries(Object.entries(this.datasets).map(([k, d]) => [k, d!.vault.name])) });
    }
}

/** A data service's connection for its backup task: plain values, and Secrets Manager secrets (`valueFrom`, `<arn>:<key>::`) with the secrets' ARNs, which only the task's execution role may read. */
export interface BackupTaskSource {
    /** Plain settings of the connection (the management API's URL) and what the restore check expects (`VERIFY_*`, the only ones a restore check gets). */
    readonly environment: Readonly<Record<string, pulumi.Input<string>>>;
    /** The login, as Secrets Manager references by variable (`valueFrom`, `<arn>:<key>::`). */
    readonly secrets: Readonly<Record<string, pulumi.Input<string>>>;
    /** The secrets those references read: all the backup task's execution role may read. */
    readonly secretArns: readonly pulumi.Input<string>[];
}

export interface AwsBackupTasksArgs extends AwsScope {
    /** The app's ECS cluster; the scheduler runs the backup and restore-check tasks in it. */
    readonly cluster: aws.ecs.Cluster;
    /** Private subnets the tasks run in (no public IP). */
    readonly privateSubnetIds: pulumi.Input<string>[];
    /** The app tasks' security group, which the data services admit. */
    readonly securityGroupId: pulumi.Input<string>;
    /** Key of the backup bucket (AwsKeys.backup). */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Key of the tasks' log groups (AwsKeys.data). */
    readonly logsKmsKeyArn: pulumi.Input<string>;
    /** The topic a failed restore check notifies. */
    readonly alarmTopicArn: pulumi.Input<string>;
    /** Each scheduled dataset's connection, by dataset, from its data service (AwsDataOutputs.backupTaskSources). */
    readonly sources: Readonly<Partial<Record<Dataset, BackupTaskSource>>>;
    /** The backups AWS Backup cannot take, then one restore check per such dataset (`backupTasks` of the runbook). */
    readonly tasks: readonly BackupTaskSpec[];
    /** Days the platform backup bucket keeps an overwritten or pruned export (`noncurrentVersionDays`: the runbook's longest-kept backup). */
    readonly noncurrentVersionDays: number;
    /** A task's container definitions, once its log group, bucket and connection are known (`backupTaskContainers` of the runbook: the operations scripts in the AWS CLI's image). */
    readonly containers: (spec: BackupTaskSpec, at: BackupTaskContainerArgs) => ContainerDefinition[];
}

/** Fargate's smallest size: an API export and an upload. */
const BACKUP_TASK_SIZE = { cpu: 256, memory: 512 };

/**
 * The backups AWS Backup cannot take (capabilities/aws/backups.ts `backupTasks`: Amazon MQ's
 * definitions), as the operations team's scripts in an ECS task that EventBridge Scheduler starts
 * on the runbook's cron: one platform backup bucket (private, KMS, versioned, TLS only, old
 * versions kept for the longest retention, protected in production), and per backup a task
 * definition, its log group, a scheduler role that may run exactly it, and the schedule. The task
 * role may write and prune only under its prefix and publish only the backup metrics; the
 * execution role reads only its data service's secret. The backup-overdue alarm reads the metric
 * each success publishes (AwsMonitoring); a restore check that fails publishes its failure, which
 * alarms here.
 */
export class AwsBackupTasks extends pulumi.ComponentResource {
    public readonly bucket: aws.s3.Bucket;
    /** By part: `backup-<backup name>`, and `restore-check-<dataset>` for the restore checks. */
    public readonly tasks: Record<string, aws.ecs.TaskDefinition>;
    public readonly schedules: Record<string, aws.scheduler.Schedule>;

    constructor(name: string, args: AwsBackupTasksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:BackupTasks", name, {}, opts);
        const app = args.app;
        const specs = args.tasks;
        const { bucket } = privateBucket(
            this,
            args,
            `${name}-bucket`,
            { bucket: args.accountId.apply((account) => args.names.bucket(PLATFORM_BACKUP_BUCKET, account, args.region)) },
            args.kmsKeyArn,
            stateful(this, args, { retainOnDelete: true }),
        );
        this.bucket = bucket;
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-bucket-lifecycle`,
            {
                bucket: bucket.id,
                rules: [
                    {
                        id: "keep-old-versions-for-the-backup-retention",
                        status: "Enabled",
                        filter: {},
                        // Its old versions (an overwritten or pruned export) are kept as long as the runbook's longest-kept backup, as for a bucket no file backup covers.
                        noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                    },
                ],
            },
            child(this, args),
        );
        this.tasks = {};
        this.schedules = {};
        for (const spec of specs) {
            const source = args.sources[spec.dataset];
            if (!source) throw new Error(`${app}: the ${spec.name} backup runs as an ECS task, but the ${spec.dataset} data service gave no connection for it (AwsDataOutputs.backupTaskSources)`);
            const part = spec.kind === "backup" ? `backup-${spec.name}` : `restore-check-${spec.name}`;
            // A restore check reads the store only: the data service's VERIFY_ settings, never its secret.
            const check = spec.kind === "restore-check";
            const sourceEnv = check ? Object.fromEntries(Object.entries(source.environment).filter(([k]) => k.startsWith("VERIFY_"))) : source.environment;
            const sourceSecrets = check ? {} : source.secrets;
            const secretArns = check ? [] : [...source.secretArns];
            const prefix = spec.storePath ? `${spec.storePath}/${spec.dataset}` : spec.dataset;
            const logs = logGroup(this, args, `${name}-${part}-logs`, args.names.logGroup(`ecs/${part}`), args.logsKmsKeyArn);
            const executionRole = taskExecutionRole(this, args, `${name}-${part}-execution`, `Pulls the AWS CLI image, writes the ${part} task's logs${check ? "" : `, reads the ${spec.dataset} secret`}`, secretArns, args.logsKmsKeyArn);
            const taskRole = serviceRole(this, args, `${name}-${part}-task`, "ecs-tasks.amazonaws.com", [], `The ${part} task: its prefix of the backup bucket, the backup metrics`);
            const writes = spec.kind === "backup" ? ["s3:PutObject", "s3:DeleteObject"] : [];
            rolePolicy(
                this,
                args,
                `${name}-${part}-task`,
                taskRole,
                pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        { Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucket.arn, Condition: { StringLike: { "s3:prefix": [`${prefix}/*`, prefix] } } },
                        { Effect: "Allow", Action: ["s3:GetObject", ...writes], Resource: pulumi.interpolate`${bucket.arn}/${prefix}/*` },
                        { Effect: "Allow", Action: ["kms:Decrypt", ...(writes.length ? ["kms:GenerateDataKey"] : [])], Resource: args.kmsKeyArn },
                        { Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": BACKUP_TASK_METRIC.namespace } } },
                    ],
                }),
            );
            const environment = pulumi.output(sourceEnv);
            const secrets = pulumi.output(sourceSecrets);
            const task = fargateTask(this, args, `${name}-${part}`, {
                family: args.names.taskFamily(part),
                size: BACKUP_TASK_SIZE,
                executionRole,
                taskRole,
                containerDefinitions: pulumi
                    .all([logs.name, bucket.bucket, environment, secrets])
                    .apply(([group, bucketName, env, sec]) => JSON.stringify(args.containers(spec, { logGroup: group, region: args.region, bucket: bucketName, environment: env, secrets: sec }))),
            });
            this.tasks[part] = task;
            const schedulerRole = serviceRole(this, args, `${name}-${part}-scheduler`, "scheduler.amazonaws.com", [], `Starts the ${part} task on its schedule`);
            rolePolicy(
                this,
                args,
                `${name}-${part}-scheduler`,
                schedulerRole,
                pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        { Effect: "Allow", Action: ["ecs:RunTask"], Resource: [task.arnWithoutRevision, pulumi.interpolate`${task.arnWithoutRevision}:*`], Condition: { ArnEquals: { "ecs:cluster": args.cluster.arn } } },
                        { Effect: "Allow", Action: ["iam:PassRole"], Resource: [executionRole.arn, taskRole.arn], Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } } },
                    ],
                }),
            );
            this.schedules[part] = new aws.scheduler.Schedule(
                `${name}-${part}`,
                {
                    name: `${args.names.prefix}-${part}`,
                    description: spec.kind === "backup" ? `Backs up ${spec.name} (${app}) into the platform backup bucket` : `Checks that the newest ${spec.dataset} backup (${app}) restores`,
                    scheduleExpression: spec.schedule,
                    scheduleExpressionTimezone: "Etc/UTC",
                    flexibleTimeWindow: { mode: "OFF" },
                    state: "ENABLED",
                    target: {
                        arn: args.cluster.arn,
                        roleArn: schedulerRole.arn,
                        ecsParameters: {
                            taskDefinitionArn: task.arn,
                            launchType: "FARGATE",
                            taskCount: 1,
                            networkConfiguration: { subnets: args.privateSubnetIds, securityGroups: [args.securityGroupId], assignPublicIp: false },
                        },
                        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
                    },
                },
                child(this, args),
            );
            if (spec.kind === "restore-check") {
                new aws.cloudwatch.MetricAlarm(
                    `${name}-${part}-failed`,
                    {
                        name: `${args.names.prefix}-${part}-failed`,
                        alarmDescription: `The scheduled restore check of ${app}'s ${spec.dataset} backup failed: the newest backup is missing, corrupt, too old or not the runbook's; read the ${part} task's log (${args.names.logGroup(`ecs/${part}`)}).`,
                        namespace: BACKUP_TASK_METRIC.namespace,
                        metricName: BACKUP_TASK_METRIC.restoreFailed,
                        dimensions: { App: app, Backup: spec.name },
                        statistic: "Sum",
                        period: 3600,
                        evaluationPeriods: 1,
                        comparisonOperator: "GreaterThanThreshold",
                        threshold: 0,
                        treatMissingData: "notBreaching",
                        alarmActions: [args.alarmTopicArn],
                        tags: { "runbook:kind": "platform" },
                    },
                    child(this, args),
                );
            }
        }
        this.registerOutputs({ bucket: bucket.bucket, schedules: Object.keys(this.schedules) });
    }
}
