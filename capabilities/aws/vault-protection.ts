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
export function denyDeleteVaultPolicy(): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Sid: "DenyRecoveryPointDeletion", Effect: "Deny", Principal: "*", Action: [...DENY_DELETE_ACTIONS], Resource: "*" }],
    });
}
