import { backupFor } from "../../capabilities/schedules";
import { backupsConfig, backupSpec } from "../lib/backups";
import { appValue, cite, finding, label, perApp, provenance, resourceRule } from "../lib/policy";
import { tierFindings } from "../lib/storage-tiers";
import { asArray, isRecord, num } from "../lib/values";

const LIFECYCLES = ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"];

/** A log bucket (ALB access logs, flow logs, WAF logs) by its name. */
const LOG_BUCKET = /(^|[^a-z])logs?([^a-z]|$)/i;

/**
 * S3 lifecycle rules delete nothing sooner than the runbook keeps it: objects in log buckets
 * live at least the log retention; in data buckets, expired and noncurrent object versions live
 * at least the file backup retention. A data bucket's storage tiers are the runbook's
 * (`data.objectStorage.lifecycle`): each stated transition is there at its day, and nothing moves
 * the bucket's objects to a colder class the runbook does not name, or sooner than it says.
 */

export const awsS3BucketLifecycleRetention = resourceRule({
    name: "aws-s3-bucket-lifecycle-retention",
    description: "S3 lifecycle rules expire log-bucket objects no sooner than the runbook's log retention, and data-bucket objects and noncurrent versions no sooner than its file backup retention (or, for a bucket no file backup covers, its longest backup retention); every enabled rule counts, so an added shorter rule beside the runbook's is caught; data buckets are tiered exactly as the runbook's lifecycle says.",
    tier: "runbook",
    target: "aws",
    types: LIFECYCLES,
    configSchema: { properties: { retentionDays: perApp("Days the runbook keeps logs.", (rb) => rb.logs.retentionDays, { type: "integer" }), backups: backupsConfig } },
    remediationSteps: "Set expiration.days (log buckets) or noncurrentVersionExpiration.noncurrentDays (data buckets) to at least the runbook's retention; give a data bucket the transitions of data.objectStorage.lifecycle and no others.",
    check: (s, ctx) => {
        const bucket = String(s.props.bucket ?? "");
        const logs = LOG_BUCKET.test(bucket) || LOG_BUCKET.test(s.name);
        const files = backupFor(ctx.runbook, "files");
        // A data bucket no file backup covers keeps overwritten and deleted versions as long as the runbook's longest-kept backup (the bucket's only history).
        const longest = files ? undefined : [...ctx.runbook.backups].sort((a, b) => backupSpec(ctx, b).retentionDays - backupSpec(ctx, a).retentionDays)[0];
        const held = files ?? longest;
        const want = logs ? appValue(ctx, "retentionDays", (rb) => rb.logs.retentionDays) : held ? backupSpec(ctx, held).retentionDays : undefined;
        const tiers = logs ? [] : tierFindings(ctx.runbook, s, `${label(s)} on ${bucket || "its bucket"}`);
        if (want === undefined) return tiers;
        const why = logs
            ? `the runbook keeps logs ${want} days ${cite(ctx.runbook.logs.source)}`
            : files
              ? `the runbook keeps file backups ${want} days ${cite(files?.source)}`
              : `no file backup covers this bucket, so its old versions are its only history, kept as long as the longest-kept backup: ${provenance(held, "retentionDays").who} keeps ${held!.dataset} ${want} days ${provenance(held, "retentionDays").cite}`;
        const key = logs ? "logs.retentionDays" : `backups.${held!.dataset}.retentionDays`;
        return [
            ...tiers,
            ...asArray(s.props.rules)
                .filter((r) => isRecord(r) && r.status !== "Disabled")
                .flatMap((r: Record<string, any>) => {
                    const days: [string, number | undefined][] = [
                        ["expiration.days", num(r.expiration?.days)],
                        ["noncurrentVersionExpiration.noncurrentDays", num(r.noncurrentVersionExpiration?.noncurrentDays)],
                    ];
                    return days
                        .filter(([, d]) => d !== undefined && d < want)
                        .map(([field, d]) => finding(`${label(s)} rule "${r.id ?? "?"}" on ${bucket || "its bucket"}: ${field} is ${d}; ${why}`, { key }));
                }),
        ];
    },
});
