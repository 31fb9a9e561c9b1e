import { isUnknown } from "../lib/inputs";
import { finding, label, stackRule } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { attachedTo, BUCKETS } from "../lib/s3";

const FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

/** No bucket can be made public by an ACL or a policy. */
export const awsS3BucketPublicAccessBlock = stackRule({
    name: "aws-s3-bucket-public-access-block",
    description: "Every S3 bucket has a public access block with all four settings on.",
    tier: "security",
    target: "aws",
    remediationSteps: "Add an aws.s3.BucketPublicAccessBlock for the bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets true.",
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, ...BUCKETS).length ? undefined : "the stack has no S3 buckets"),
    check: (resources) => {
        const blocks = ofType(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
        return ofType(resources, ...BUCKETS).flatMap((bucket) => {
            const mine = blocks.filter((b) => attachedTo(b, bucket));
            if (mine.length === 0) return [finding(`${label(bucket)} has no public access block; data buckets must never be public`, { urn: bucket.urn })];
            // A flag unknown until deploy is checked on the update, not reported off.
            const off = FLAGS.filter((f) => !mine.some((b) => b.props[f] === true || isUnknown(b.props[f])));
            return off.length ? [finding(`${label(bucket)}: its public access block leaves ${off.join(", ")} off; data buckets must never be public`, { urn: bucket.urn })] : [];
        });
    },
});
