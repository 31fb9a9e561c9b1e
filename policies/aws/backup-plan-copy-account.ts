import { finding, label, stackRule, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { isUnknown } from "../lib/inputs";
import { asArray, isRecord, num } from "../lib/values";

const PLAN = "aws:backup/plan:Plan";
const VAULT = "aws:backup/vault:Vault";
const KEY = "aws:kms/key:Key";

/** The account in an ARN (`arn:<partition>:<service>:<region>:<account>:…`). */
const arnAccount = (arn: unknown) => (typeof arn === "string" ? /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(arn)?.[1] : undefined);

/** The account a KMS key is in: the account root its policy gives `kms:*` (KMS's account-admin statement, which every key policy keeps). */
function keyAccount(key: Subject): string | undefined {
    let policy: unknown = key.props.policy;
    if (typeof policy === "string") {
        try {
            policy = JSON.parse(policy);
        } catch {
            return undefined;
        }
    }
    const statements = isRecord(policy) ? asArray(policy.Statement).filter(isRecord) : [];
    const admin = statements.find((st) => st.Effect === "Allow" && asArray(st.Action).includes("kms:*") && isRecord(st.Principal));
    const principal = admin ? asArray((admin.Principal as Record<string, unknown>).AWS)[0] : undefined;
    return typeof principal === "string" ? /^arn:[^:]+:iam::(\d{12}):root$/.exec(principal)?.[1] : undefined;
}

/**
 * The account a rule's own recovery points are in: the plan's (AWS Backup runs a rule into the
 * vault named `targetVaultName` in the plan's own account and region). The plan's provider's
 * assumed-role account where it has one; else the account of that vault's KMS key: its ARN, or
 * the key's policy when the ARN is not known before the first deploy.
 */
function sourceAccount(plan: Subject, rule: Record<string, any>, vaults: readonly Subject[], keys: readonly Subject[]): { account?: string; vault?: Subject } {
    const vault = vaults.find((v) => v.props.name !== undefined && v.props.name === rule.targetVaultName && v.account === plan.account && v.region === plan.region);
    if (plan.account) return { account: plan.account, vault };
    if (!vault) return {};
    const byArn = arnAccount(vault.props.kmsKeyArn);
    if (byArn) return { account: byArn, vault };
    const deps = new Set(vault.dependencies ?? []);
    const key = keys.find((k) => deps.has(k.urn));
    return { account: key ? keyAccount(key) : undefined, vault };
}

/**
 * The account a copy action's destination vault is in: read from a vault ARN
 * (`arn:aws:backup:<region>:<account>:backup-vault:<name>`), else — the ARN unknown until
 * deploy — from the provider of the vault the plan depends on in another account (its assumed role).
 */
function destinationAccount(arn: unknown, plan: Subject, vaults: readonly Subject[]): string | undefined {
    if (typeof arn === "string") return /^arn:[^:]+:backup:[^:]*:(\d{12}):backup-vault:/.exec(arn)?.[1];
    if (!isUnknown(arn)) return undefined;
    const deps = new Set(plan.dependencies ?? []);
    const accounts = [...new Set(vaults.filter((v) => deps.has(v.urn) && v.account).map((v) => v.account))];
    return accounts.length === 1 ? accounts[0] : undefined;
}

/**
 * Backups that survive a compromised account (issue 15): where the stack sets
 * `runbook-platform:aws.backupCopy.account`, every AWS Backup plan rule copies each recovery point
 * to a vault in that account, kept at least as long as the rule keeps the original, and that
 * account is not the one the rule's own vault is in (a copy next to the original survives nothing). The copy
 * vaults are locked in compliance mode and deny-delete there by the tier's vault policies.
 */
export const awsBackupPlanCopyAccount = stackRule({
    name: "aws-backup-plan-copy-account",
    description: "Where the stack sets aws.backupCopy.account, every AWS Backup plan rule copies its recovery points to a vault in that account, kept at least as long as the original, in an account other than the one the original is in.",
    tier: "security",
    target: "aws",
    remediationSteps: "Give every backup plan rule a copyActions entry whose destinationVaultArn is the copy account's vault and whose lifecycle.deleteAfter is at least the rule's (components/targets/aws/backups.ts, AwsBackupsArgs.copyAccount).",
    notApplicable: (resources, ctx) =>
        absentTarget(resources, "aws") ??
        (ctx.backupCopyAccount ? (ofType(resources, PLAN).length ? undefined : "the stack has no AWS Backup plan") : "the stack asks for no copy in another account (runbook-platform:aws.backupCopy.account)"),
    check: (resources, ctx) => {
        const account = ctx.backupCopyAccount!;
        const vaults = ofType(resources, VAULT);
        const keys = ofType(resources, KEY);
        return ofType(resources, PLAN).flatMap((plan) =>
            asArray(plan.props.rules)
                .filter(isRecord)
                .flatMap((rule) => {
                    const name = `${label(plan)} rule "${rule.ruleName ?? "?"}"`;
                    const copies = asArray(rule.copyActions).filter(isRecord);
                    const there = copies.filter((c) => destinationAccount(c.destinationVaultArn, plan, vaults) === account);
                    if (there.length === 0) {
                        const seen = copies.map((c) => destinationAccount(c.destinationVaultArn, plan, vaults)).map((a) => (a ? `account ${a}` : "a vault in an unknown account"));
                        return [finding(`${name} copies ${seen.length ? `only to ${seen.join(", ")}` : "nothing"}; the stack's aws.backupCopy.account is ${account}: every rule copies there`, { urn: plan.urn })];
                    }
                    const own = sourceAccount(plan, rule, vaults, keys);
                    if (own.account === account) {
                        return [
                            finding(
                                `${name} copies to account ${account}, the account its own backups are in (${own.vault ? label(own.vault) : label(plan)}); a compromised account would reach both; allowed: a copy in another account (runbook-platform:aws.backupCopy.account, issue 15's copy to another account)`,
                                { urn: plan.urn },
                            ),
                        ];
                    }
                    const keep = num(rule.lifecycle?.deleteAfter);
                    const short = there.filter((c) => keep !== undefined && c.lifecycle?.deleteAfter !== undefined && (num(c.lifecycle.deleteAfter) ?? 0) < keep);
                    return short.length === there.length ? [finding(`${name}: the copy in account ${account} is deleted after ${num(short[0].lifecycle.deleteAfter)} days, before the original's ${keep}`, { urn: plan.urn })] : [];
                }),
        );
    },
});
