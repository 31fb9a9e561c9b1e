import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { backupTag, bucketDataset, noncurrentVersionDays } from "../../../capabilities/aws/backups";
import { child, policyJson, privateBucket, rolePolicy, serviceRole, stateful, type AwsScope } from "./scope";

export interface AwsStorageArgs extends AwsScope {
    /** The customer-managed key that encrypts them (AwsKeys.data, or .backup for vaults). */
    readonly kmsKeyArn: pulumi.Input<string>;
}

/** Days after which S3 discards the parts of an abandoned multipart upload. */
const ABORT_MULTIPART_DAYS = 7;

/**
 * The runbook's S3 buckets: versioned, encrypted with the data key, never public, TLS only, with
 * old versions kept for the file backup's retention. Where the runbook copies its file bucket into
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
        const rb = args.runbook;
        const store = rb.data.objectStorage;
        if (!store) throw new Error(`${rb.app}: AwsStorage needs data.objectStorage`);
        this.buckets = {};
        const versionings: aws.s3.BucketVersioning[] = [];
        for (const runbookName of store.buckets) {
            const dataset = bucketDataset(rb, runbookName);
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
            new aws.s3.BucketLifecycleConfiguration(
                `${name}-${runbookName}-lifecycle`,
                {
                    bucket: bucket.id,
                    rules: [
                        {
                            id: "keep-old-versions-for-the-backup-retention",
                            status: "Enabled",
                            filter: {},
                            noncurrentVersionExpiration: { noncurrentDays: noncurrentVersionDays(rb, runbookName) },
                            abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_MULTIPART_DAYS },
                        },
                    ],
                },
                child(this, args),
            );
        }

        const sync = store.backupSync;
        if (sync) {
            const from = this.buckets[sync.from];
            const to = this.buckets[sync.to];
            if (!from || !to) throw new Error(`${rb.app}: data.objectStorage.backupSync names ${!from ? sync.from : sync.to}, which is not in data.objectStorage.buckets`);
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
