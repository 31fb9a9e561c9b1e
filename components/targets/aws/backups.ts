import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RESTORE_SELECTION_WINDOW_DAYS, RESTORE_VALIDATION_HOURS, vaultLockDays, type BackupRuleSpec, type RestoreTestSpec } from "../../../capabilities/aws/backups";
import { underscoreName } from "../../../capabilities/aws/names";
import { copyIntoVaultStatement, denyDeleteVaultPolicy, VAULT_LOCK_COOLING_OFF_DAYS } from "../../../capabilities/aws/vault-protection";
import { KEY_DELETION_WINDOW_DAYS } from "./keys";
import { child, serviceRole, type AwsScope } from "./scope";

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
