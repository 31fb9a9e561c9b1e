import { finding, label, resourceRule } from "../lib/policy";

/** `<anything>-<12-digit account>-<region>`: the suffix `uniqueBucketName` gives, which no other account can hold. */
const OWNED = /-\d{12}-[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * S3 bucket names are global: a fixed name (`pfh-bucket`) can be taken by anyone first (squatting,
 * then the app writes to someone else's bucket or fails to create its own). A bucket is either
 * auto-named by Pulumi (no `bucket`, or a `bucketPrefix`, which gets a random suffix) or named
 * with the account id and region in it.
 */
export const awsS3BucketNameUnique = resourceRule({
    name: "aws-s3-bucket-name-unique",
    description: "Every S3 bucket is auto-named, or its explicit name ends in -<account id>-<region>, so no other account can own it first.",
    tier: "security",
    target: "aws",
    types: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
    remediationSteps: "Name the bucket with uniqueBucketName(base, accountId, region) (capabilities/aws/names.ts), or leave `bucket` unset so Pulumi adds a random suffix.",
    check: (s) => {
        const name = s.props.bucket;
        if (name === undefined || name === null || name === "") return [];
        if (typeof name !== "string") return [finding(`${label(s)}: bucket name is not a string`)];
        return OWNED.test(name) ? [] : [finding(`${label(s)}: bucket name "${name}" is a fixed global name anyone can take first; end it with -<account id>-<region>`)];
    },
});
