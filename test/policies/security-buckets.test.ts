import test from "ava";
import { awsS3BucketNameUnique } from "../../policies/aws/s3-bucket-name-unique";
import { uniqueBucketName } from "../../capabilities/aws/names";
import { allStacks } from "../../stacks/settings";
import { find, type Fake } from "./helpers";
import { compliantAndBroken, planPasses } from "./security-helpers";

/** Bucket names no one else can take (issue 15): account and region in every explicit S3 name. */

const fixture = (): Fake[] => [
    { type: "aws:s3/bucket:Bucket", name: "files", props: { bucket: "pfh-bucket-123456789012-us-east-1" } },
    { type: "aws:s3/bucket:Bucket", name: "logs", props: {} },
];

test("aws-s3-bucket-name-unique: account-and-region names and auto-names pass; the runbook's bare names are reported", async (t) => {
    await compliantAndBroken(t, "aws-s3-bucket-name-unique", "personal-finance-hub-production", fixture, {
        "the runbook's bare name (as before)": { edit: (r) => (find(r, "files").props.bucket = "pfh-bucket"), expect: /"pfh-bucket" is a fixed global name/ },
        "an account id without the region": { edit: (r) => (find(r, "files").props.bucket = "pfh-bucket-123456789012"), expect: /fixed global name/ },
        "an explicit name on the auto-named bucket": { edit: (r) => (find(r, "logs").props.bucket = "gravitypm-files"), expect: /"gravitypm-files"/ },
    });
});

test("uniqueBucketName: fits 63 characters keeping the account and region; refuses what is not an account id or region", (t) => {
    const long = uniqueBucketName("a".repeat(60), "123456789012", "ap-southeast-2");
    t.true(long.length <= 63, long);
    t.regex(long, /-123456789012-ap-southeast-2$/);
    t.not(long, uniqueBucketName(`${"a".repeat(59)}b`, "123456789012", "ap-southeast-2"), "two long bases stay distinct");
    t.throws(() => uniqueBucketName("pfh-bucket", "undefined", "us-east-1"), { message: /bucket pfh-bucket: account id "undefined" is not an AWS account id \(allowed: 12 digits\)/ });
    t.throws(() => uniqueBucketName("pfh-bucket", "123456789012", "US East"), { message: /region "US East" is not an AWS region name/ });
});

test("every production stack's buckets pass", async (t) => {
    t.timeout(10 * 60_000);
    await planPasses(t, allStacks().filter((s) => s.endsWith("-production")), [awsS3BucketNameUnique]);
});
