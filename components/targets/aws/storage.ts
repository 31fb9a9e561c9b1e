import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { backupTag } from "../../../capabilities/aws/backups";
import type { TierRule } from "../../../capabilities/aws/lifecycle-tiers";
import type { BucketDataset } from "../../../capabilities/backups/plan";
import type { Runbook } from "../../../runbooks";
import { S3_REQUEST_METRICS } from "../../../capabilities/alerting/minio";
import { child, policyJson, privateBucket, rolePolicy, serviceRole, stateful, type AwsScope } from "./scope";

export interface AwsStorageArgs extends AwsScope {
    /** The customer-managed key that encrypts them (AwsKeys.data, or .backup for vaults). */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** The runbook's `data.objectStorage`: its buckets and the backup copy between two of them. */
    readonly objectStorage: NonNullable<Runbook["data"]["objectStorage"]>;
    /**
     * Per bucket of `objectStorage.buckets`, what the runbook's backups make of it: the dataset it
     * holds (`bucketDataset`; none: no `backup:` tag), the days old versions are kept
     * (`noncurrentVersionDays`) and the storage tiers (`tierRules`; none where the runbook states none).
     */
    readonly bucketSettings: Readonly<Record<string, { readonly dataset?: BucketDataset; readonly noncurrentVersionDays: number; readonly tierRules: readonly TierRule[] }>>;
}

/** Days after which S3 discards the parts of an abandoned multipart upload. */
const ABORT_MULTIPART_DAYS = 7;

/**
 * The runbook's S3 buckets: versioned, encrypted with the data key, never public, TLS only, with
 * old versions kept for the file backup's retention, and request metrics over each whole bucket. Where the runbook copies its file bucket into
 * a backup bucket (`objectStorage.backupSync`), S3 replication does it continuously.
 *
 * Why replication, not a scheduled `aws s3 sync` into dated prefixes as the runbook does by hand:
 * replication copies each object within minutes (a better recovery point than a day), needs no
 * job that can silently stop, and does not replicate deletions, so a mistaken delete in the file
 * bucket leaves the backup copy intact. The dated prefixes gave the runbook point-in-time copies;
 * versioning on the backup bucket gives the same, kept for the runbook's retention. AWS Backup
 * also backs the file bucket up on the runbook's schedule.
 */
export class AwsStorage extends pulumi.ComponentResource {
    /** By the runbook's bucket name. */
    public readonly buckets: Record<string, aws.s3.Bucket>;
    public readonly replication?: aws.s3.BucketReplicationConfig;

    constructor(name: string, args: AwsStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Storage", name, {}, opts);
        const store = args.objectStorage;
        this.buckets = {};
        const versionings: aws.s3.BucketVersioning[] = [];
        for (const runbookName of store.buckets) {
            const { dataset, noncurrentVersionDays, tierRules } = args.bucketSettings[runbookName];
            const { bucket, versioning } = privateBucket(
                this,
                args,
                `${name}-${runbookName}`,
                { bucket: args.accountId.apply((account) => args.names.bucket(runbookName, account, args.region)), tags: dataset ? { [backupTag(dataset).key]: backupTag(dataset).value } : {} },
                args.kmsKeyArn,
                stateful(this, args),
            );
            this.buckets[runbookName] = bucket;
            versionings.push(versioning);
            // Request metrics over the whole bucket (no filter): CloudWatch's 5xx-share alarm reads them (capabilities/aws/alarms.ts).
            new aws.s3.BucketMetric(`${name}-${runbookName}-request-metrics`, { bucket: bucket.id, name: S3_REQUEST_METRICS.filter }, child(this, args));
            new aws.s3.BucketLifecycleConfiguration(
                `${name}-${runbookName}-lifecycle`,
                {
                    bucket: bucket.id,
                    rules: [
                        {
                            id: "keep-old-versions-for-the-backup-retention",
                            status: "Enabled",
                            filter: {},
                            noncurrentVersionExpiration: { noncurrentDays: noncurrentVersionDays },
                            abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_MULTIPART_DAYS },
                        },
                        // The runbook's storage tiers, where it states them.
                        ...tierRules,
                    ],
                },
                child(this, args),
            );
        }

        const sync = store.backupSync;
        if (sync) {
            const from = this.buckets[sync.from];
            const to = this.buckets[sync.to];
            if (!from || !to) throw new Error(`${args.app}: data.objectStorage.backupSync names ${!from ? sync.from : sync.to}, which is not in data.objectStorage.buckets`);
            const role = serviceRole(this, args, `${name}-replication`, "s3.amazonaws.com", [], `Replicates ${sync.from} into ${sync.to}`);
            rolePolicy(
                this,
                args,
                `${name}-replication`,
                role,
                policyJson([
                    { Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: from.arn },
                    { Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"], Resource: pulumi.interpolate`${from.arn}/*` },
                    { Action: ["s3:ReplicateObject", "s3:ReplicateTags"], Resource: pulumi.interpolate`${to.arn}/*` },
                    { Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], Resource: args.kmsKeyArn },
                ]),
            );
            this.replication = new aws.s3.BucketReplicationConfig(
                `${name}-backup-sync`,
                {
                    bucket: from.id,
                    role: role.arn,
                    rules: [
                        {
                            id: "backup-sync",
                            status: "Enabled",
                            filter: {},
                            // Deletions stay in the file bucket: the backup copy keeps what was deleted.
                            deleteMarkerReplication: { status: "Disabled" },
                            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
                            destination: {
                                bucket: to.arn,
                                encryptionConfiguration: { replicaKmsKeyId: args.kmsKeyArn },
                                metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
                                replicationTime: { status: "Enabled", time: { minutes: 15 } },
                            },
                        },
                    ],
                },
                child(this, args, { dependsOn: versionings }),
            );
        }
        this.registerOutputs({ buckets: Object.fromEntries(Object.entries(this.buckets).map(([k, b]) => [k, b.bucket])) });
    }
}

/**
 * Where S3 writes the server access logs of every other bucket of the stack (FSBP S3.9): who read,
 * wrote or deleted which object. S3 delivers these logs only into a bucket encrypted with SSE-S3,
 * so this one bucket is not under the data key; it is private, TLS only, written only by S3's
 * logging service for this account's buckets, and keeps the logs for the runbook's log retention.
 * It does not log its own access: each delivery would log another, without end.
 */
export class AwsAccessLogs extends pulumi.ComponentResource {
    public readonly bucket: aws.s3.Bucket;

    constructor(name: string, args: AwsScope, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:AccessLogs", name, {}, opts);
        this.bucket = new aws.s3.Bucket(name, { forceDestroy: !args.protect }, stateful(this, args));
        new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, child(this, args));
        new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            { bucket: this.bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            child(this, args),
        );
        new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-encryption`, { bucket: this.bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }, child(this, args));
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            { bucket: this.bucket.id, rules: [{ id: "log-retention", status: "Enabled", filter: {}, expiration: { days: args.logRetentionDays } }] },
            child(this, args),
        );
        new aws.s3.BucketPolicy(
            `${name}-policy`,
            {
                bucket: this.bucket.id,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "S3ServerAccessLogs",
                            Effect: "Allow",
                            Principal: { Service: "logging.s3.amazonaws.com" },
                            Action: "s3:PutObject",
                            Resource: pulumi.interpolate`${this.bucket.arn}/*`,
                            // Only the logs of this account's buckets (confused deputy).
                            Condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
                        },
                        {
                            Sid: "DenyPlainHttp",
                            Effect: "Deny",
                            Principal: "*",
                            Action: "s3:*",
                            Resource: [this.bucket.arn, pulumi.interpolate`${this.bucket.arn}/*`],
                            Condition: { Bool: { "aws:SecureTransport": "false" } },
                        },
                    ],
                }),
            },
            child(this, args),
        );
        this.registerOutputs({ bucket: this.bucket.bucket });
    }
}

