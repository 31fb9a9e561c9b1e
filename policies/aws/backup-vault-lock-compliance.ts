import { finding, label, stackRule } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { num } from "../lib/values";
import { namesVault } from "../lib/security";

const VAULT = "aws:backup/vault:Vault";
const LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration";
/** AWS's bounds on a compliance-mode lock's cooling-off (`changeableForDays`); without it the lock is in governance mode. */
const CHANGEABLE_FOR_DAYS = { min: 3, max: 36500 } as const;


/**
 * Backups that survive a stolen administrator credential (FSBP Backup, cdk-nag AwsSolutions-BK):
 * each vault is locked in compliance mode (a `changeableForDays` cooling-off, then immutable) with
 * the runbook's retention as its minimum; a governance-mode lock can be removed by any principal
 * allowed `backup:DeleteBackupVaultLockConfiguration`.
 */
export const awsBackupVaultLockCompliance = stackRule({
    name: "aws-backup-vault-lock-compliance",
    description: "Every AWS Backup vault has a compliance-mode vault lock (changeableForDays set) whose minimum retention is at least the runbook's retention for the dataset.",
    tier: "security",
    target: "aws",
    remediationSteps: `Add an aws.backup.VaultLockConfiguration for the vault with changeableForDays (${CHANGEABLE_FOR_DAYS.min}-${CHANGEABLE_FOR_DAYS.max}) and minRetentionDays = the runbook's retention.`,
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, VAULT).length ? undefined : "the stack has no AWS Backup vault"),
    check: (resources, ctx) => {
        const locks = ofType(resources, LOCK);
        return ofType(resources, VAULT).flatMap((vault) => {
            const mine = locks.filter((l) => namesVault(l, vault));
            if (mine.length === 0) return [finding(`${label(vault)} has no vault lock; anyone with backup:DeleteRecoveryPoint can delete its recovery points`, { urn: vault.urn })];
            return mine.flatMap((l) => {
                const out = [];
                const days = num(l.props.changeableForDays);
                if (days === undefined) out.push(finding(`${label(l)} is in governance mode (no changeableForDays); set a cooling-off of ${CHANGEABLE_FOR_DAYS.min}-${CHANGEABLE_FOR_DAYS.max} days so the lock becomes compliance mode`, { urn: l.urn }));
                else if (days < CHANGEABLE_FOR_DAYS.min || days > CHANGEABLE_FOR_DAYS.max) out.push(finding(`${label(l)}: changeableForDays = ${days}; AWS allows ${CHANGEABLE_FOR_DAYS.min}-${CHANGEABLE_FOR_DAYS.max}`, { urn: l.urn }));
                const dataset = ctx.runbook.backups.find((b) => String(vault.props.name ?? "").endsWith(`-${b.dataset}`));
                const min = num(l.props.minRetentionDays);
                if (dataset && (min === undefined || min < dataset.retentionDays)) {
                    out.push(finding(`${label(l)}: minRetentionDays = ${min ?? "unset"}, below the ${ctx.app} runbook's ${dataset.retentionDays} days for ${dataset.dataset}`, { urn: l.urn }));
                }
                return out;
            });
        });
    },
});
