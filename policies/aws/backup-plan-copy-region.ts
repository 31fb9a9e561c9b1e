import { finding, label, stackRule, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { isUnknown } from "../lib/inputs";
import { asArray, isRecord, num } from "../lib/values";

const PLAN = "aws:backup/plan:Plan";
const VAULT = "aws:backup/vault:Vault";

/**
 * The region a copy action's destination vault is in: read from a vault ARN
 * (`arn:aws:backup:<region>:<account>:backup-vault:<name>`), else from the provider of the vault
 * the ARN names (the offline plan's ARNs end in the vault's resource name), else — the ARN
 * unknown until deploy — from the vault the plan depends on that is not its own target.
 */
function destinationRegion(arn: unknown, plan: Subject, vaults: readonly Subject[], rule: Record<string, any>): string | undefined {
    if (typeof arn === "string") {
        const real = /^arn:[^:]+:backup:([^:]+):\d*:backup-vault:/.exec(arn);
        if (real) return real[1];
        return vaults.find((v) => arn.endsWith(`:${v.name}`))?.region;
    }
    if (!isUnknown(arn)) return undefined;
    const deps = new Set(plan.dependencies ?? []);
    const regions = vaults.filter((v) => deps.has(v.urn) && v.props.name !== rule.targetVaultName && v.region).map((v) => v.region);
    return regions.length === 1 ? regions[0] : undefined;
}

/**
 * Backups that survive a lost or compromised region (issue 15): where the stack sets
 * `runbook-platform:aws.backupCopy.region`, every AWS Backup plan rule copies each recovery point
 * to a vault in that region, kept at least as long as the rule keeps the original. The copy vaults
 * are vaults like any other: locked in compliance mode and deny-delete by the tier's vault policies.
 */
export const awsBackupPlanCopyRegion = stackRule({
    name: "aws-backup-plan-copy-region",
    description: "Where the stack sets aws.backupCopy.region, every AWS Backup plan rule copies its recovery points to a vault in that region, kept at least as long as the original.",
    tier: "security",
    target: "aws",
    remediationSteps: "Give every backup plan rule a copyActions entry whose destinationVaultArn is the copy region's vault and whose lifecycle.deleteAfter is at least the rule's (components/targets/aws/backups.ts, AwsBackupsArgs.copy).",
    notApplicable: (resources, ctx) =>
        absentTarget(resources, "aws") ?? (ctx.backupCopyRegion ? (ofType(resources, PLAN).length ? undefined : "the stack has no AWS Backup plan") : "the stack asks for no backup copy (runbook-platform:aws.backupCopy)"),
    check: (resources, ctx) => {
        const region = ctx.backupCopyRegion!;
        const vaults = ofType(resources, VAULT);
        return ofType(resources, PLAN).flatMap((plan) =>
            asArray(plan.props.rules)
                .filter(isRecord)
                .flatMap((rule) => {
                    const name = `${label(plan)} rule "${rule.ruleName ?? "?"}"`;
                    const copies = asArray(rule.copyActions).filter(isRecord);
                    if (copies.length === 0) return [finding(`${name} copies nothing; the stack's aws.backupCopy.region is ${region}: every rule copies there`, { urn: plan.urn })];
                    const keep = num(rule.lifecycle?.deleteAfter);
                    const there = copies.filter((c) => destinationRegion(c.destinationVaultArn, plan, vaults, rule) === region);
                    if (there.length === 0) {
                        const seen = copies.map((c) => destinationRegion(c.destinationVaultArn, plan, vaults, rule) ?? "an unknown region");
                        return [finding(`${name} copies to ${seen.join(", ")}, not to ${region} (the stack's aws.backupCopy.region)`, { urn: plan.urn })];
                    }
                    const short = there.filter((c) => keep !== undefined && c.lifecycle?.deleteAfter !== undefined && (num(c.lifecycle.deleteAfter) ?? 0) < keep);
                    return short.length === there.length ? [finding(`${name}: the copy in ${region} is deleted after ${num(short[0].lifecycle.deleteAfter)} days, before the original's ${keep}`, { urn: plan.urn })] : [];
                }),
        );
    },
});
