import { backupFor } from "../../capabilities/schedules";
import { backupSpec } from "../lib/backups";
import { hasUnknown } from "../lib/inputs";
import { cite, finding, label, stackRule, type Subject } from "../lib/policy";
import { attachedByBucket, BUCKETS } from "../lib/s3";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord } from "../lib/values";

const VERSIONING = ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"];
const LIFECYCLES = ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"];
const SELECTION = "aws:backup/selection:Selection";

/** `key=value` tags AWS Backup selections select by. */
function selectedTags(resources: readonly Subject[]): Set<string> {
    const out = new Set<string>();
    for (const sel of ofType(resources, SELECTION)) {
        for (const t of asArray(sel.props.selectionTags)) if (isRecord(t)) out.add(`${t.key}=${t.value}`);
    }
    return out;
}

/**
 * What a bucket's file retention relies on S3 versioning for: a lifecycle rule that keeps
 * noncurrent versions (there are none without versioning: an overwrite or delete loses the
 * object at once), and AWS Backup of S3 (which refuses a bucket without versioning).
 */
function reliance(bucket: Subject, lifecycles: readonly Subject[], backedUpTags: ReadonlySet<string>): string[] {
    const out: string[] = [];
    for (const l of lifecycles) {
        for (const r of asArray(l.props.rules)) {
            if (isRecord(r) && r.status !== "Disabled" && isRecord(r.noncurrentVersionExpiration)) out.push(`${label(l)} rule "${r.id ?? "?"}" keeps noncurrent versions`);
        }
    }
    const tags = isRecord(bucket.props.tags) ? Object.entries(bucket.props.tags).map(([k, v]) => `${k}=${v}`) : [];
    for (const t of tags) if (backedUpTags.has(t)) out.push(`AWS Backup selects it by tag ${t}`);
    return out;
}

/** S3 versioning is on wherever the file backup retention depends on it. */
export const awsS3BucketVersioningRetention = stackRule({
    name: "aws-s3-bucket-versioning-retention",
    description: "Every S3 bucket whose file retention relies on versioning (a lifecycle rule keeping noncurrent versions, or AWS Backup of the bucket) has versioning Enabled, not Suspended or absent.",
    tier: "runbook",
    target: "aws",
    remediationSteps: "Add an aws.s3.BucketVersioning with versioningConfiguration.status Enabled for the bucket.",
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, ...BUCKETS).length ? undefined : "the stack has no S3 buckets"),
    check: (resources, ctx) => {
        const buckets = ofType(resources, ...BUCKETS);
        const versioning = attachedByBucket(buckets, ofType(resources, ...VERSIONING));
        const lifecycles = attachedByBucket(buckets, ofType(resources, ...LIFECYCLES));
        const backedUp = selectedTags(resources);
        const files = backupFor(ctx.runbook, "files");
        const wants = files ? `the runbook keeps file backups ${backupSpec(ctx, files).retentionDays} days ${cite(files.source)}` : "the bucket's retention is only as good as its versions";
        return buckets.flatMap((bucket) => {
            const needs = reliance(bucket, lifecycles.get(bucket.urn) ?? [], backedUp);
            if (needs.length === 0) return [];
            const mine = versioning.get(bucket.urn) ?? [];
            if (mine.some((v) => hasUnknown(v.props.versioningConfiguration))) return [];
            const inline = bucket.props.versioning;
            const statuses = [...mine.map((v) => String(v.props.versioningConfiguration?.status ?? "unset")), ...(isRecord(inline) ? [inline.enabled === true ? "Enabled" : "Suspended"] : [])];
            if (statuses.includes("Enabled")) return [];
            const have = statuses.length ? `versioning is ${statuses.join(", ")}` : "has no versioning configuration";
            return [finding(`${label(bucket)} ${have}, but ${needs.join(" and ")}: without versioning no earlier version is kept; ${wants}`, { urn: bucket.urn, key: "backups.files.retentionDays" })];
        });
    },
});
