import { finding, label, stackRule } from "../lib/policy";
import { attachedTo, BUCKETS } from "../lib/s3";
import { absentTarget, ofType } from "../lib/targets";
import { hasUnknown } from "../lib/inputs";
import { asArray, isRecord } from "../lib/values";

/** Every bucket has a default server-side encryption configuration the stack declares (SSE-KMS or SSE-S3). */
export const awsS3BucketEncryption = stackRule({
    name: "aws-s3-bucket-encryption",
    description: "Every S3 bucket has a server-side encryption configuration (aws:kms or AES256) declared in the stack.",
    tier: "security",
    target: "aws",
    remediationSteps: "Add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms for the bucket.",
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, ...BUCKETS).length ? undefined : "the stack has no S3 buckets"),
    check: (resources) => {
        const configs = ofType(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2");
        return ofType(resources, ...BUCKETS).flatMap((bucket) => {
            const inline = bucket.props.serverSideEncryptionConfiguration;
            const mine = configs.filter((c) => attachedTo(c, bucket));
            // Rules built from values unknown until deploy are checked on the update, never reported missing.
            if (mine.some((c) => hasUnknown(c.props.rules)) || hasUnknown(inline)) return [];
            const algorithms = [...mine.flatMap((c) => asArray(c.props.rules)), ...(isRecord(inline) ? [inline.rule] : [])]
                .map((r) => (isRecord(r) ? r.applyServerSideEncryptionByDefault?.sseAlgorithm : undefined))
                .filter((a): a is string => typeof a === "string");
            if (algorithms.some((a) => a === "aws:kms" || a === "aws:kms:dsse" || a === "AES256")) return [];
            return [finding(`${label(bucket)} has no server-side encryption configuration${algorithms.length ? ` with a known algorithm (found ${algorithms.join(", ")})` : ""}; bucket data must be encrypted at rest with a declared key`, { urn: bucket.urn })];
        });
    },
});
