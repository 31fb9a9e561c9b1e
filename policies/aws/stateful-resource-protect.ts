import { finding, label, resourceRule } from "../lib/policy";

const AWS_STATEFUL = [
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    "aws:docdb/cluster:Cluster",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:msk/cluster:Cluster",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:backup/vault:Vault",
    "aws:kms/key:Key",
    "aws:efs/fileSystem:FileSystem",
];

const BUCKET = /^aws:s3\/bucket(V2)?:Bucket(V2)?$/;

/**
 * `pulumi destroy` or a rename cannot delete production state: the resource is protected in
 * Pulumi. An S3 bucket without `forceDestroy` is guarded by S3 itself (a bucket with objects in it
 * cannot be deleted), so it passes unprotected; one with `forceDestroy: true` must be protected.
 */
export const awsStatefulResourceProtect = resourceRule({
    name: "aws-stateful-resource-protect",
    description: "Stateful AWS resources (databases, caches, brokers, backup vaults, KMS keys, and S3 buckets that set forceDestroy) have the Pulumi protect option set.",
    tier: "hardening",
    target: "aws",
    types: AWS_STATEFUL,
    remediationSteps: "Pass { protect: context.protect } (true in production) to the resource.",
    check: (s) => {
        if (s.opts.protect || (BUCKET.test(s.type) && s.props.forceDestroy !== true)) return [];
        const why = BUCKET.test(s.type) ? " and forceDestroy is true (S3 would delete it with its objects)" : "";
        return [finding(`${label(s)} is not protected (resource option protect is false)${why}; production state must not be deletable by an update`, { key: "protect" })];
    },
});
