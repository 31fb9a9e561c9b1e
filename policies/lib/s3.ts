import type { Subject } from "./policy";

export const BUCKETS = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];

/** Whether a bucket-scoped resource (encryption, public access block) is attached to a bucket: by dependency or by name. */
export function attachedTo(r: Subject, bucket: Subject): boolean {
    if ((r.dependencies ?? []).includes(bucket.urn)) return true;
    const name = bucket.props.bucket;
    return typeof r.props.bucket === "string" && (r.props.bucket === name || r.props.bucket === bucket.name);
}
