import { finding, label, stackRule, type Finding, type Subject } from "../lib/policy";
import { hasUnknown, isUnknown } from "../lib/inputs";
import { namesVault } from "../lib/security";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord, num } from "../lib/values";

const VAULT = "aws:backup/vault:Vault";
const LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration";
const PLAN = "aws:backup/plan:Plan";
const SELECTION = "aws:backup/selection:Selection";
const RESTORE_PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan";
const RESTORE_SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection";
const ROLE = "aws:iam/role:Role";

/** AWS Backup's protected resource types, by the provider types that are them. */
const PROTECTED_TYPE: Readonly<Record<string, string>> = {
    "aws:rds/instance:Instance": "RDS",
    "aws:rds/cluster:Cluster": "Aurora",
    "aws:docdb/cluster:Cluster": "DocumentDB",
    "aws:neptune/cluster:Cluster": "Neptune",
    "aws:dynamodb/table:Table": "DynamoDB",
    "aws:efs/fileSystem:FileSystem": "EFS",
    "aws:ebs/volume:Volume": "EBS",
    "aws:ec2/instance:Instance": "EC2",
    "aws:s3/bucket:Bucket": "S3",
    "aws:s3/bucketV2:BucketV2": "S3",
};

type Condition = { op: string; key: string; value: string };

/** Tag conditions of a selection (`conditions` of a backup selection, `protectedResourceConditions` of a restore testing selection), in either shape the provider accepts. */
function conditionsOf(v: unknown): Condition[] {
    return asArray<unknown>(v)
        .filter(isRecord)
        .flatMap((block) =>
            Object.entries(block).flatMap(([op, list]) =>
                asArray<unknown>(list)
                    .filter(isRecord)
                    .map((c) => ({ op, key: String(c.key ?? "").replace(/^aws:ResourceTag\//, ""), value: String(c.value ?? "") })),
            ),
        );
}

const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);

function holds(c: Condition, tags: Record<string, unknown>): boolean {
    const v = tags[c.key] === undefined ? undefined : String(tags[c.key]);
    switch (c.op) {
        case "stringEquals":
            return v === c.value;
        case "stringNotEquals":
            return v !== c.value;
        case "stringLike":
            return v !== undefined && glob(c.value).test(v);
        case "stringNotLike":
            return v === undefined || !glob(c.value).test(v);
        default:
            return true;
    }
}

const tagsOf = (r: Subject): Record<string, unknown> | undefined => (isRecord(r.props.tags) ? r.props.tags : undefined);
const anyUnknown = (resources: readonly Subject[]) => resources.some((r) => isUnknown(r.props.tags) || Object.values(tagsOf(r) ?? {}).some(isUnknown));

/** An ARN pattern that leaves nothing out of its type: `*`, or a resource part that is only a wildcard. */
const excludesAll = (p: unknown) => typeof p === "string" && (p.trim() === "*" || /^arn:aws:[^:]*:[^:]*:[^:]*:(\*|[^:/*]+[:/]\*)$/.test(p.trim()));

/** Whether an IAM role ARN names a role of the stack (its name, or its autonamed logical name) that AWS Backup may assume. */
function stackRole(resources: readonly Subject[], arn: unknown): Subject | undefined {
    if (typeof arn !== "string") return undefined;
    const tail = arn.split("/").pop() ?? "";
    return ofType(resources, ROLE).find((r) => tail === r.props.name || tail === r.name || (r.props.name === undefined && tail.startsWith(`${r.name}-`)));
}

function assumableByBackup(role: Subject): boolean {
    const doc = typeof role.props.assumeRolePolicy === "string" ? safeJson(role.props.assumeRolePolicy) : role.props.assumeRolePolicy;
    if (isUnknown(doc)) return true;
    return asArray<Record<string, any>>(isRecord(doc) ? doc.Statement : undefined).some(
        (s) => String(s.Effect) === "Allow" && asArray<unknown>(isRecord(s.Principal) ? s.Principal.Service : undefined).includes("backup.amazonaws.com"),
    );
}

function safeJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

/** Backup selections that assign the resources their tags name, with a role of the stack AWS Backup can assume. */
function selectionProblems(resources: readonly Subject[], sel: Subject): string[] {
    const out: string[] = [];
    for (const p of asArray<unknown>(sel.props.notResources)) {
        if (excludesAll(p)) out.push(`notResources ${JSON.stringify(p)} excludes every resource the selection names: nothing is backed up`);
    }
    const conditions = conditionsOf(sel.props.conditions);
    const tags = asArray<Record<string, any>>(sel.props.selectionTags).filter(isRecord);
    if (conditions.length > 0 && tags.length > 0 && asArray(sel.props.resources).length === 0 && !anyUnknown(resources)) {
        const tagged = resources.filter((r) => tags.some((t) => tagsOf(r)?.[String(t.key)] !== undefined && String(tagsOf(r)?.[String(t.key)]) === String(t.value)));
        if (tagged.length > 0 && !tagged.some((r) => conditions.every((c) => holds(c, tagsOf(r) ?? {})))) {
            out.push(
                `its conditions (${conditions.map((c) => `${c.op} ${c.key}=${c.value}`).join(", ")}) hold for none of the resources its tags select (${tagged.map((r) => r.name).join(", ")}): nothing is backed up`,
            );
        }
    }
    if (!isUnknown(sel.props.iamRoleArn)) {
        const role = stackRole(resources, sel.props.iamRoleArn);
        if (!role) out.push(`iamRoleArn ${JSON.stringify(sel.props.iamRoleArn)} is not a role of this stack: AWS Backup runs its jobs with permissions no one here grants or reviews, or fails them`);
        else if (!assumableByBackup(role)) out.push(`iamRoleArn names ${label(role)}, which backup.amazonaws.com may not assume: every job fails`);
    }
    return out;
}

/** Plan rules write to a locked vault of the stack; a vault lock's maximum retention keeps what the rules keep. */
function vaultProblems(resources: readonly Subject[], plan: Subject): Finding[] {
    const out: Finding[] = [];
    const vaults = ofType(resources, VAULT);
    const locks = ofType(resources, LOCK);
    for (const [i, rule] of asArray<Record<string, any>>(plan.props.rules).entries()) {
        const name = rule.targetVaultName;
        if (isUnknown(name)) continue;
        const ruleName = String(rule.ruleName ?? `rules[${i}]`);
        const vault = vaults.find((v) => v.props.name === name);
        if (!vault) {
            out.push(finding(`${label(plan)} rule "${ruleName}" writes to vault ${JSON.stringify(name)}, not a vault of this stack: its recovery points are outside the stack's lock, deny-delete policy and restore tests`, { urn: plan.urn, key: `backups.${ruleName}` }));
            continue;
        }
        const mine = locks.filter((l) => namesVault(l, vault));
        if (mine.length === 0) {
            out.push(finding(`${label(plan)} rule "${ruleName}" writes to ${label(vault)}, which has no vault lock: anyone allowed backup:DeleteRecoveryPoint can delete its recovery points`, { urn: plan.urn, key: `backups.${ruleName}` }));
        }
        const keep = num(rule.lifecycle?.deleteAfter);
        for (const l of mine) {
            const max = num(l.props.maxRetentionDays);
            if (max !== undefined && keep !== undefined && max < keep) {
                out.push(
                    finding(`${label(l)}: maxRetentionDays = ${max}, below the ${keep} days ${label(plan)} rule "${ruleName}" keeps its recovery points: AWS Backup fails every job of that rule`, {
                        urn: l.urn,
                        key: `backups.${ruleName}.retentionDays`,
                    }),
                );
            }
        }
    }
    return out;
}

/** A restore testing plan tests recovery points of every backup vault of the stack, of the kind the plans make. */
function restorePlanProblems(resources: readonly Subject[], plan: Subject): string[] {
    const sel = isRecord(plan.props.recoveryPointSelection) ? plan.props.recoveryPointSelection : {};
    // A first preview knows no vault ARN yet: judged on the update, as the engine sends it then.
    if (hasUnknown(sel.includeVaults) || hasUnknown(sel.excludeVaults) || ofType(resources, PLAN).some((p) => hasUnknown(p.props.rules))) return [];
    const out: string[] = [];
    const include = asArray<unknown>(sel.includeVaults).map(String);
    const exclude = asArray<unknown>(sel.excludeVaults).map(String);
    const arnName = (arn: string) => arn.split(":").pop() ?? arn;
    const matches = (pattern: string, vaultName: string) => pattern === "*" || glob(arnName(pattern)).test(vaultName);
    const written = new Set(ofType(resources, PLAN).flatMap((p) => asArray<Record<string, any>>(p.props.rules).map((r) => String(r.targetVaultName))));
    for (const vault of ofType(resources, VAULT).filter((v) => written.has(String(v.props.name)))) {
        const name = String(vault.props.name);
        if (!include.some((p) => matches(p, name))) out.push(`includeVaults (${include.join(", ") || "none"}) leaves out ${name}: its recovery points are never restored`);
        else if (exclude.some((p) => matches(p, name))) out.push(`excludeVaults ${JSON.stringify(exclude)} excludes ${name}: its recovery points are never restored`);
    }
    for (const p of include) {
        const name = arnName(p);
        if (p !== "*" && !name.includes("*") && !written.has(name)) out.push(`includeVaults names ${name}, which no backup plan of the stack writes to: an empty vault tests nothing`);
    }
    const continuous = ofType(resources, PLAN).some((p) => asArray<Record<string, any>>(p.props.rules).some((r) => r.enableContinuousBackup === true));
    const types = asArray<unknown>(sel.recoveryPointTypes).map(String);
    const made = continuous ? ["SNAPSHOT", "CONTINUOUS"] : ["SNAPSHOT"];
    if (types.length > 0 && !types.some((t) => made.includes(t))) out.push(`recoveryPointTypes ${JSON.stringify(types)} match none of the recovery points the backup plans make (${made.join(", ")})`);
    return out;
}

/** A restore testing selection restores the kind of resource its tags select. */
function restoreSelectionProblems(resources: readonly Subject[], sel: Subject): string[] {
    const type = sel.props.protectedResourceType;
    if (typeof type !== "string" || asArray(sel.props.protectedResourceArns).length > 0 || anyUnknown(resources)) return [];
    const conditions = conditionsOf(sel.props.protectedResourceConditions);
    if (conditions.length === 0) return [];
    const selected = resources.filter((r) => PROTECTED_TYPE[r.type] && tagsOf(r) && conditions.every((c) => holds(c, tagsOf(r)!)));
    if (selected.length === 0) return [];
    const kinds = [...new Set(selected.map((r) => PROTECTED_TYPE[r.type]))];
    return kinds.includes(type) ? [] : [`protectedResourceType ${type} is not the type of what its conditions select (${kinds.join(", ")}: ${selected.map((r) => r.name).join(", ")}): it restores nothing`];
}

/**
 * AWS Backup wiring that exists but backs up or tests nothing: selections excluding every
 * resource, conditioned on tags no selected resource carries, or run with a role that is not the
 * stack's; plan rules writing outside the stack's locked vaults or past a lock's maximum retention;
 * restore testing that excludes, omits or mis-types the stack's recovery points.
 */
export const awsBackupSelectionEffective = stackRule({
    name: "aws-backup-selection-effective",
    description:
        "AWS Backup selections assign the resources their tags name (no notResources wildcard, conditions some selected resource meets) with a role of the stack AWS Backup may assume; plan rules write to a locked vault of the stack whose maxRetentionDays keeps the rule's retention; restore testing plans include every vault the plans write to (not excluded, not an empty vault, matching recovery point types) and selections restore the type they select.",
    tier: "runbook",
    target: "aws",
    remediationSteps: "Keep the AWS Backup wiring components/targets/aws creates: selection by backup:<dataset> tags with the stack's backup role, rules into the dataset's locked vault, restore testing over those vaults.",
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, PLAN).length || ofType(resources, RESTORE_PLAN).length ? undefined : "the stack has no AWS Backup plan"),
    check: (resources) => {
        const out: Finding[] = [];
        for (const sel of ofType(resources, SELECTION)) for (const p of selectionProblems(resources, sel)) out.push(finding(`${label(sel)}: ${p}`, { urn: sel.urn, key: "backups" }));
        for (const plan of ofType(resources, PLAN)) out.push(...vaultProblems(resources, plan));
        for (const plan of ofType(resources, RESTORE_PLAN)) for (const p of restorePlanProblems(resources, plan)) out.push(finding(`${label(plan)}: ${p}`, { urn: plan.urn, key: "verification" }));
        for (const sel of ofType(resources, RESTORE_SELECTION)) for (const p of restoreSelectionProblems(resources, sel)) out.push(finding(`${label(sel)}: ${p}`, { urn: sel.urn, key: "verification" }));
        return out;
    },
});
