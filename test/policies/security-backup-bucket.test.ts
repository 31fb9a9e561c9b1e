import test from "ava";
import { awsS3BackupBucketNoDelete } from "../../policies/aws/s3-backup-bucket-no-delete";
import { deletes } from "../../policies/lib/security";
import { bucketAccess } from "../../capabilities/aws/containers";
import { getRunbook } from "../../runbooks";
import { allStacks } from "../../stacks/settings";
import { find, type Fake } from "./helpers";
import { compliantAndBroken, planPasses } from "./security-helpers";

/** The app cannot delete what the backup copy keeps (issue 15). */

const FILES = "arn:aws:s3:::formula-pm-storage-123456789012-us-east-1";
const BACKUP = "arn:aws:s3:::formula-pm-backup-123456789012-us-east-1";
const policy = (statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

const fixture = (): Fake[] => [
    { type: "aws:s3/bucketReplicationConfig:BucketReplicationConfig", name: "sync", props: { bucket: "files-id", rules: [{ id: "backup-sync", status: "Enabled", destination: { bucket: BACKUP } }] } },
    {
        type: "aws:iam/rolePolicy:RolePolicy",
        name: "task",
        props: {
            policy: policy([
                { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: [`${FILES}/*`] },
                { Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: [`${BACKUP}/*`] },
            ]),
        },
    },
    { type: "aws:iam/rolePolicy:RolePolicy", name: "replication", props: { policy: policy([{ Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateTags"], Resource: `${BACKUP}/*` }]) } },
];

test("aws-s3-backup-bucket-no-delete: read-only on the backup copy passes; delete on it, by name, wildcard action or wildcard resource, is reported", async (t) => {
    const edit = (statement: unknown) => (r: Fake[]) => (find(r, "task").props.policy = policy([statement]));
    await compliantAndBroken(t, "aws-s3-backup-bucket-no-delete", "formula-pm-production", fixture, {
        "the app may delete backup objects (as before)": { edit: edit({ Effect: "Allow", Action: ["s3:GetObject", "s3:DeleteObject"], Resource: [`${FILES}/*`, `${BACKUP}/*`] }), expect: /allows s3:DeleteObject on the objects of .*formula-pm-backup/ },
        "object versions": { edit: edit({ Effect: "Allow", Action: "s3:DeleteObjectVersion", Resource: `${BACKUP}/*` }), expect: /s3:DeleteObjectVersion/ },
        "s3:Delete*": { edit: edit({ Effect: "Allow", Action: ["s3:Delete*"], Resource: [`${BACKUP}/*`] }), expect: /s3:Delete\*/ },
        "s3:* on every resource": { edit: edit({ Effect: "Allow", Action: ["s3:*"], Resource: "*" }), expect: /s3:\* on the objects of/ },
    });
    t.false(deletes("s3:DeleteBucketPolicy"), "bucket-level deletes are another matter");
    t.true(deletes("s3:deleteobject"), "IAM actions are case-insensitive");
});

test("bucketAccess: formula-pm's backup copy is read-only, its file bucket read-write; apps without a copy are all read-write", (t) => {
    const rb = getRunbook("formula-pm");
    const sync = rb.data.objectStorage!.backupSync!;
    t.like(bucketAccess(rb), { [sync.to]: "read-only", [sync.from]: "read-write" });
    for (const b of getRunbook("gravitypm").data.objectStorage!.buckets) t.is(bucketAccess(getRunbook("gravitypm"))[b], "read-write");
    t.deepEqual(bucketAccess(getRunbook("bunty")), {});
});

test("the production stack that replicates a backup copy passes; the others have nothing to check", async (t) => {
    t.timeout(10 * 60_000);
    const withCopy = allStacks().filter((s) => s.endsWith("-production") && getRunbook(s.replace(/-production$/, "") as any).data.objectStorage?.backupSync);
    t.deepEqual(withCopy, ["formula-pm-production"]);
    await planPasses(t, withCopy, [awsS3BackupBucketNoDelete]);
});
