/**
 * What keeps AWS Backup's recovery points alive when an account credential is stolen: the vault
 * lock in compliance mode and a vault access policy that denies deleting them.
 */

/**
 * Days after the lock is created during which it can still be changed or removed (the cooling-off,
 * `changeableForDays`). After it, the lock is in compliance mode: no one, not the account root nor
 * AWS, can shorten the retention, delete a recovery point before `minRetentionDays` or remove the
 * lock. Three days is the shortest AWS allows: the protection starts soonest, and a first deploy is
 * reviewed within it (a wrong lock is undone with `aws backup delete-backup-vault-lock-configuration`
 * until the lock's creation date plus these days).
 */
export const VAULT_LOCK_COOLING_OFF_DAYS = 3;

/** The actions a vault access policy denies to every principal: deleting or expiring recovery points early, deleting the vault. */
export const DENY_DELETE_ACTIONS = ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle", "backup:DeleteBackupVault"] as const;

/**
 * The vault access policy: every principal is denied `DENY_DELETE_ACTIONS` on the vault's recovery
 * points. AWS Backup's own lifecycle still expires them at the runbook's retention (it is not an API
 * call a principal makes). Changing the policy itself is not denied, so the stack can still manage
 * it; the compliance-mode lock is what holds once the cooling-off is over.
 */
export function denyDeleteVaultPolicy(copyFrom?: { readonly partition: string; readonly accountId: string }): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "DenyRecoveryPointDeletion", Effect: "Deny", Principal: "*", Action: [...DENY_DELETE_ACTIONS], Resource: "*" },
            ...(copyFrom ? [copyIntoVaultStatement(copyFrom)] : []),
        ],
    });
}

/**
 * A vault in the stack's copy account (`aws.backupCopy.account`) lets the stack's account copy
 * recovery points into it, and nothing else: AWS Backup's cross-account copy is a
 * `backup:CopyIntoBackupVault` by the source account on the destination vault.
 */
export function copyIntoVaultStatement(from: { readonly partition: string; readonly accountId: string }): Record<string, unknown> {
    return { Sid: "AllowCopyFromSourceAccount", Effect: "Allow", Principal: { AWS: `arn:${from.partition}:iam::${from.accountId}:root` }, Action: "backup:CopyIntoBackupVault", Resource: "*" };
}

/**
 * Key policy statements of the stack's keys that let the copy account (`aws.backupCopy.account`)
 * read what AWS Backup copies there: the recovery points of the backup vaults and the RDS and
 * DocumentDB snapshots, encrypted with these keys. Cross-account copy of a snapshot encrypted with
 * a key the destination account cannot use fails. `copyAccountRoot` is the account's root ARN
 * (`arn:<partition>:iam::<account>:root`), as a value or an output.
 */
export function copyAccountKeyStatements<Arn>(copyAccountRoot: Arn): Record<string, unknown>[] {
    const principal = { AWS: copyAccountRoot };
    return [
        { Sid: "BackupCopyAccountUse", Effect: "Allow", Principal: principal, Action: ["kms:DescribeKey", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"], Resource: "*" },
        { Sid: "BackupCopyAccountGrant", Effect: "Allow", Principal: principal, Action: "kms:CreateGrant", Resource: "*", Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } },
    ];
}
