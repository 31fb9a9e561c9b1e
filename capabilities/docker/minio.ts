import type { Runbook } from "../../runbooks";
import { backupPlan, type DatasetBackup } from "../backups/plan";
import { objectStorageAppPolicy, objectStorageAppUser } from "../datastores";
import { HOSTS, INTERNAL_PORTS } from "./topology";

/**
 * MinIO for the runbook's object storage: the buckets are created by a one-shot `mc` container,
 * and the bucket datasets of the backup plan are copied bucket to bucket under a dated prefix.
 */

type ObjectStorage = NonNullable<Runbook["data"]["objectStorage"]>;

export const MINIO_DATA = "/data";
/** mc reads an alias's URL and credentials from `MC_HOST_<alias>`: the password stays out of every command line. */
export const MC_ALIAS = "local";
export const MC_HOST_ENV = `MC_HOST_${MC_ALIAS}`;
export const MINIO_BUCKETS_SCRIPT_PATH = "/opt/platform/minio-buckets.sh";
/** The app user's policy document, uploaded beside the script. */
export const MINIO_APP_POLICY_PATH = "/opt/platform/minio-app-policy.json";
/** Environment variable holding the app user's generated password in the buckets container. */
export const MINIO_APP_SECRET_ENV = "APP_SECRET_KEY";

export function checkObjectStorage(runbook: Runbook): ObjectStorage {
    const storage = runbook.data.objectStorage;
    if (!storage) throw new Error(`${runbook.app}: \`data.objectStorage\` is required for MinIO`);
    return storage;
}

/** The root user's name; its password is the generated object-storage secret. */
export function minioRootUser(runbook: Runbook): string {
    return `${runbook.app}-admin`;
}

export function minioEndpoint(): string {
    return `http://${HOSTS.minio}:${INTERNAL_PORTS.minio}`;
}

/** `MC_HOST_local` value: `http://user:password@minio:9000`. */
export function mcHost(runbook: Runbook, password: string): string {
    return `http://${encodeURIComponent(minioRootUser(runbook))}:${encodeURIComponent(password)}@${HOSTS.minio}:${INTERNAL_PORTS.minio}`;
}

/** Bucket a dataset's backups are written to when the runbook names no backup bucket: `<app>-backups`. */
export function localBackupBucket(runbook: Runbook): string {
    return `${runbook.app}-backups`;
}

/** Every bucket to create: the runbook's, plus any bucket a file dataset's backup is written to. */
export function bucketsToCreate(runbook: Runbook): string[] {
    const storage = checkObjectStorage(runbook);
    const backupBuckets = backupPlan(runbook).flatMap((p) => (p.source.kind === "bucket" ? [bucketBackup(runbook, p).dest.split("/")[1]] : []));
    return [...new Set([...storage.buckets, ...backupBuckets])];
}

/** The app user's policy: the runbook's own buckets (backup copies are the platform's). */
export function appPolicyJson(runbook: Runbook): string {
    return `${JSON.stringify(objectStorageAppPolicy(checkObjectStorage(runbook).buckets), null, 2)}\n`;
}

/**
 * Waits for the server, creates the buckets, and gives the app its own user limited to its buckets
 * (the root user stays with the platform); safe to re-run: the policy and the user's key are
 * rewritten, and an already attached policy is checked rather than attached twice.
 */
export function bucketsScript(runbook: Runbook): string {
    const user = objectStorageAppUser(runbook.app);
    return [
        "#!/bin/sh",
        "# Rendered by capabilities/docker/minio.ts.",
        "set -eu",
        `until mc ready ${MC_ALIAS} >/dev/null 2>&1; do echo "waiting for MinIO"; sleep 2; done`,
        ...bucketsToCreate(runbook).map((b) => `mc mb --ignore-existing ${MC_ALIAS}/${b}`),
        `mc admin policy create ${MC_ALIAS} ${user} ${MINIO_APP_POLICY_PATH}`,
        `mc admin user add ${MC_ALIAS} ${user} "$${MINIO_APP_SECRET_ENV}"`,
        `mc admin user info ${MC_ALIAS} ${user} | grep -q "PolicyName: ${user}" || mc admin policy attach ${MC_ALIAS} ${user} --user ${user}`,
        "",
    ].join("\n");
}

export interface BucketBackup {
    /** `local/<bucket>` */
    readonly source: string;
    /** `local/<bucket>/<prefix>`: each run writes `<dest>/<YYYYMMDD>/`. */
    readonly dest: string;
}

/**
 * A bucket dataset's copy as mc paths through the `local` alias: the plan's source bucket, and
 * its destination (the runbook's own backup bucket and prefix, e.g. formula-pm's storage bucket
 * into `formula-pm-backup/files`, or the local backup bucket under `<dataset>/`).
 */
export function bucketBackup(runbook: Runbook, planned: DatasetBackup): BucketBackup {
    if (planned.source.kind !== "bucket") throw new Error(`${runbook.app}: backups[${planned.index}] (${planned.dataset}) is not a bucket dataset`);
    const d = planned.destination;
    const dest = d.kind === "runbook-bucket" ? `${d.bucket}/${d.prefix}` : `${localBackupBucket(runbook)}/${d.prefix}`;
    return { source: `${MC_ALIAS}/${planned.source.bucket}`, dest: `${MC_ALIAS}/${dest}` };
}
