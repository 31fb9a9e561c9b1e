import { finding, label, stackRule } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord } from "../lib/values";
import { namesVault } from "../lib/security";

const VAULT = "aws:backup/vault:Vault";
const POLICY = "aws:backup/vaultPolicy:VaultPolicy";
/** Deleting a recovery point, or expiring it early through its lifecycle. */
const DELETE_ACTIONS = ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"] as const;

function denies(policyText: unknown, action: string): boolean {
    let doc: unknown;
    try {
        doc = typeof policyText === "string" ? JSON.parse(policyText) : policyText;
    } catch {
        return false;
    }
    if (!isRecord(doc)) return false;
    return asArray(doc.Statement)
        .filter(isRecord)
        .some((s) => {
            const everyone = s.Principal === "*" || (isRecord(s.Principal) && asArray(s.Principal.AWS).includes("*"));
            const actions = asArray<string>(s.Action);
            return s.Effect === "Deny" && everyone && !s.Condition && (actions.includes(action) || actions.includes("backup:*")) && asArray(s.Resource).includes("*");
        });
}

/** A vault access policy denies every principal deleting (or expiring early) its recovery points. */
export const awsBackupVaultPolicyDenyDelete = stackRule({
    name: "aws-backup-vault-policy-deny-delete",
    description: "Every AWS Backup vault has a vault access policy that denies backup:DeleteRecoveryPoint and backup:UpdateRecoveryPointLifecycle to every principal, unconditionally.",
    tier: "security",
    target: "aws",
    remediationSteps: 'Add an aws.backup.VaultPolicy for the vault: { Effect: "Deny", Principal: "*", Action: ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"], Resource: "*" }.',
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, VAULT).length ? undefined : "the stack has no AWS Backup vault"),
    check: (resources) => {
        const policies = ofType(resources, POLICY);
        return ofType(resources, VAULT).flatMap((vault) => {
            const mine = policies.filter((p) => namesVault(p, vault));
            const missing = DELETE_ACTIONS.filter((a) => !mine.some((p) => denies(p.props.policy, a)));
            return missing.length
                ? [finding(`${label(vault)}: no vault access policy denies ${missing.join(", ")} to every principal; a stolen credential could delete its recovery points`, { urn: vault.urn })]
                : [];
        });
    },
});
