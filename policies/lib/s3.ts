import type { Subject } from "./policy";

export const BUCKETS = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];

/** Whether a bucket-scoped resource (encryption, public access block) is attached to a bucket: by dependency or by name. */
export function attachedTo(r: Subject, bucket: Subject): boolean {
    if ((r.dependencies ?? []).includes(bucket.urn)) return true;
    const name = bucket.props.bucket;
    return typeof r.props.bucket === "string" && (r.props.bucket === name || r.props.bucket === bucket.name);
}

/**
 * Bucket-scoped resources of the given types by the URN of the bucket they configure (by
 * dependency or by bucket name), built in one pass over the stack instead of one per bucket.
 */
export function attachedByBucket(buckets: readonly Subject[], configs: readonly Subject[]): Map<string, Subject[]> {
    const byName = new Map<string, string>();
    const urns = new Set(buckets.map((b) => b.urn));
    for (const b of buckets) {
        if (typeof b.props.bucket === "string") byName.set(b.props.bucket, b.urn);
        byName.set(b.name, b.urn);
    }
    const out = new Map<string, Subject[]>();
    for (const c of configs) {
        const targets = new Set<string>((c.dependencies ?? []).filter((d) => urns.has(d)));
        const named = typeof c.props.bucket === "string" ? byName.get(c.props.bucket) : undefined;
        if (named) targets.add(named);
        for (const t of targets) out.set(t, [...(out.get(t) ?? []), c]);
    }
    return out;
}
