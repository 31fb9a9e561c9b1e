import { finding, label, stackRule } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord } from "../lib/values";
import { deletes } from "../lib/security";

const REPLICATION = ["aws:s3/bucketReplicationConfig:BucketReplicationConfig", "aws:s3/bucketReplicationConfiguration:BucketReplicationConfiguration"];
const POLICIES = ["aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"];


/** Whether a resource pattern covers the objects of the bucket with this ARN. */
function covers(resource: string, bucketArn: string): boolean {
    const re = new RegExp(`^${resource.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
    return re.test(`${bucketArn}/any-object`);
}

/**
 * A bucket that S3 replication fills as a backup copy cannot be emptied by anyone the stack grants
 * IAM access: no identity policy allows s3:DeleteObject or s3:DeleteObjectVersion on its objects
 * (the replication role replicates; deletions never reach it).
 */
export const awsS3BackupBucketNoDelete = stackRule({
    name: "aws-s3-backup-bucket-no-delete",
    description: "No IAM policy in the stack allows deleting objects (s3:DeleteObject, s3:DeleteObjectVersion, or a wildcard) in a bucket that S3 replication fills as a backup copy.",
    tier: "security",
    target: "aws",
    remediationSteps: "Grant the app read-only access (s3:GetObject, s3:GetObjectVersion) to the backup copy; keep write and delete to its own buckets.",
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, ...REPLICATION).length ? undefined : "the stack replicates no bucket into a backup copy"),
    check: (resources) => {
        const destinations = ofType(resources, ...REPLICATION).flatMap((r) => asArray(r.props.rules).filter(isRecord).map((rule) => String(rule.destination?.bucket ?? "")).filter(Boolean));
        return ofType(resources, ...POLICIES).flatMap((p) => {
            let doc: unknown;
            try {
                doc = typeof p.props.policy === "string" ? JSON.parse(p.props.policy) : p.props.policy;
            } catch {
                return [];
            }
            if (!isRecord(doc)) return [];
            return asArray(doc.Statement)
                .filter(isRecord)
                .filter((s) => s.Effect === "Allow" && asArray<string>(s.Action).some(deletes))
                .flatMap((s) =>
                    destinations
                        .filter((dest) => asArray<string>(s.Resource).some((r) => typeof r === "string" && covers(r, dest)))
                        .map((dest) => finding(`${label(p)} allows ${asArray<string>(s.Action).filter(deletes).join(", ")} on the objects of ${dest}, the backup copy; make it read-only there`, { urn: p.urn })),
                );
        });
    },
});
