import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { backupRules, RESTORE_SELECTION_WINDOW_DAYS, RESTORE_VALIDATION_HOURS, restoreTestSpec, vaultLockDays, type BackupRuleSpec } from "../../../capabilities/aws/backups";
import { underscoreName } from "../../../capabilities/aws/names";
import { denyDeleteVaultPolicy, VAULT_LOCK_COOLING_OFF_DAYS } from "../../../capabilities/aws/vault-protection";
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
}

export interface DatasetBackup {
    readonly rule: BackupRuleSpec;
    readonly vault: aws.backup.Vault;
    readonly plan: aws.backup.Plan;
    readonly selection: aws.backup.Selection;
    readonly lock?: aws.backup.VaultLockConfiguration;
    readonly denyDelete?: aws.backup.VaultPolicy;
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

    constructor(name: string, args: AwsBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Backups", name, {}, opts);
        const rb = args.runbook;
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

        this.datasets = {};
        for (const rule of backupRules(rb)) {
            const vault = new aws.backup.Vault(
                `${name}-${rule.name}-vault`,
                { name: args.names.vault(rule.name), kmsKeyArn: args.kmsKeyArn, forceDestroy: false },
                child(this, args, { protect: args.protect, retainOnDelete: true }),
            );
            const vaultLock = lock
                ? new aws.backup.VaultLockConfiguration(
                      `${name}-${rule.name}-lock`,
                      { backupVaultName: vault.name, minRetentionDays: vaultLockDays(rule), changeableForDays: VAULT_LOCK_COOLING_OFF_DAYS },
                      child(this, args, { protect: args.protect }),
                  )
                : undefined;
            const denyDelete = lock
                ? new aws.backup.VaultPolicy(`${name}-${rule.name}-deny-delete`, { backupVaultName: vault.name, policy: denyDeleteVaultPolicy() }, child(this, args, { protect: args.protect }))
                : undefined;
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
                            recoveryPointTags: { app: rb.app, dataset: rule.dataset, ...(rule.tier ? { tier: rule.tier } : {}) },
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
            this.datasets[rule.name] = { rule, vault, plan, selection, ...(vaultLock ? { lock: vaultLock } : {}), ...(denyDelete ? { denyDelete } : {}) };
        }

        const spec = restoreTestSpec(rb);
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
            if (sel.service !== "S3" && !target) throw new Error(`${rb.app}: backups has ${sel.dataset} but no ${sel.service} restore target was given`);
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
