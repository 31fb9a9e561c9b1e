import * as fs from "fs";
import * as path from "path";
import type * as k8s from "@pulumi/kubernetes";
import type { Dataset, Runbook } from "../../runbooks";
import { METRICS } from "../alerting/metrics";
import { backupPlan, datasetPlan, verifyCommand, type DatabaseDataset, type DatasetBackup } from "../backups/plan";
import { CRON_TIME_ZONE } from "./cron";
import { minioEndpoint, OBJECT_STORE_KEYS } from "./minio";
import { replicaSetName } from "./mongodb";
import { pushgatewayAddress } from "./monitoring";
import { rabbitmqBackupEnv } from "./rabbitmq";
import { DATA_ACCESS_LABELS, LABEL, type Names } from "./names";
import { postgresAppSecret, postgresHosts } from "./postgres";
import { redisPodHost, redisTopology } from "./redis";
import { hardened, IMAGE_UID, podSecurity } from "./security";
import { JOB } from "./sizing";
import { dataImage, IMAGES } from "./versions";

type CronJobSpec = k8s.types.input.batch.v1.CronJobSpec;
type EnvVar = k8s.types.input.core.v1.EnvVar;

/**
 * Backups beyond CloudNativePG's, and the restore checks, translated from the backup plan
 * (capabilities/backups/plan.ts). Each planned dataset is a CronJob on the runbook's cron (UTC)
 * that runs the operations team's script for the dataset (mounted from a ConfigMap of
 * operations/backup/*.sh as they are; backup-bucket.sh for bucket datasets) through run-job.sh, which records each success
 * in the Pushgateway for the backup-overdue alert. Archives go to MinIO through the `aws` CLI,
 * which an init container copies into the data-service image. PostgreSQL also gets a logical dump
 * job: CloudNativePG's base backups prove point-in-time recovery, the dump is what the restore
 * check restores and what moves between targets. Every restorable dataset's restore check is a
 * CronJob on the plan's restore-check cron running verify-latest.sh into a scratch server in its
 * own pod.
 */

export const OPS_DIR = "/opt/backup";
export const PLATFORM_DIR = "/opt/platform";
/** Where the init container puts the AWS CLI; its `current` link is absolute, so the path is the image's. */
export const AWS_CLI_DIR = "/usr/local/aws-cli";
const AWS_CLI_BIN = `${AWS_CLI_DIR}/v2/current/bin`;

const OPS_SOURCE = path.resolve(__dirname, "..", "..", "operations", "backup");
const PLATFORM_SOURCE = path.join(__dirname, "scripts");

/** The operations team's backup, restore and verify scripts, as they are in the repository. */
export function opsScripts(): Record<string, string> {
    return readScripts(OPS_SOURCE);
}

/** This target's own scripts: the job runner, the restore check, the data services' start-up. */
export function platformScripts(): Record<string, string> {
    return readScripts(PLATFORM_SOURCE);
}

function readScripts(dir: string): Record<string, string> {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith(".sh")).sort();
    if (files.length === 0) throw new Error(`no scripts in ${dir}`);
    return Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}

export function opsScriptsConfigMap(n: Names): string {
    return `${n.app}-backup-scripts`;
}

export function platformScriptsConfigMap(n: Names): string {
    return `${n.app}-platform-scripts`;
}

/** Secrets the jobs read their credentials from, by role. */
export function backupSecrets(n: Names) {
    return {
        objectStore: n.minio,
        postgres: postgresAppSecret(n),
        redis: `${n.redis}-auth`,
        mongodb: `${n.mongodb}-backup`,
    };
}

/** The mc alias the bucket backups reach MinIO through: mc reads it from `MC_HOST_minio`. */
export const MC_ALIAS = "minio";
/** Key of the mc client's `MC_HOST_minio` value in the object store Secret. */
export const MC_HOST_KEY = "mcHost";
/** Key of the MongoDB connection string in its backup Secret. */
export const MONGO_URI_KEY = "uri";

export interface ScheduledJob {
    /** CronJob name. */
    readonly name: string;
    readonly kind: "backup" | "restore-check";
    readonly dataset: Dataset;
    /** The backup's name (the dataset, or `<dataset>-<tier>`); for a restore check, the dataset. */
    readonly backup: string;
    /** Five fields, UTC, as the runbook (or restoreTestPlan) writes it. */
    readonly schedule: string;
    readonly image: string;
    readonly uid: number;
    /** Whether the `aws` CLI is copied in (the scripts reach MinIO through it). */
    readonly awsCli: boolean;
    readonly command: readonly string[];
    readonly env: Readonly<Record<string, string>>;
    /** Environment variables read from Secret keys: name → [secret, key]. */
    readonly secretEnv: Readonly<Record<string, readonly [string, string]>>;
}

/** Archives of the operations scripts live under this prefix of the backup bucket. */
export function backupDest(n: Names): string {
    return `s3://${n.backupBucket}/dumps`;
}

const runJob = (script: string, shards = false) => ["bash", `${PLATFORM_DIR}/run-job.sh`, ...(shards ? ["bash", `${PLATFORM_DIR}/each-shard.sh`] : []), "bash", script];

/** What every job that reaches MinIO through the `aws` CLI needs. */
function s3Env(n: Names, storePath = ""): { env: Record<string, string>; secretEnv: Record<string, readonly [string, string]> } {
    const secrets = backupSecrets(n);
    return {
        // A tier's archives live under its own prefix, so its prune (and every other's) sees only its own.
        env: { BACKUP_DEST: storePath ? `${backupDest(n)}/${storePath}` : backupDest(n), S3_ENDPOINT_URL: minioEndpoint(n), AWS_DEFAULT_REGION: "us-east-1", EXTRA_PATH: AWS_CLI_BIN, HOME: "/tmp", TMPDIR: "/tmp", OPS_DIR },
        secretEnv: { AWS_ACCESS_KEY_ID: [secrets.objectStore, OBJECT_STORE_KEYS.user], AWS_SECRET_ACCESS_KEY: [secrets.objectStore, OBJECT_STORE_KEYS.password] },
    };
}

/** Connection settings of a dataset's server, for its backup script (and the restore check's reads). */
function datasetEnv(rb: Runbook, n: Names, dataset: DatabaseDataset): { env: Record<string, string>; secretEnv: Record<string, readonly [string, string]> } {
    const secrets = backupSecrets(n);
    switch (dataset) {
        case "postgres": {
            const pg = rb.data.postgres;
            if (!pg) throw new Error(`${rb.app}: \`backups\` backs up postgres, but \`data.postgres\` is not in the runbook`);
            return { env: { PGHOST: postgresHosts(n).rw, PGPORT: "5432", PGUSER: pg.user, PGDATABASE: pg.database, PGSSLMODE: "require" }, secretEnv: { PGPASSWORD: [secrets.postgres, "password"] } };
        }
        case "redis": {
            const topo = redisTopology(rb);
            const hosts = Array.from({ length: topo.shards }, (_, i) => redisPodHost(n, i));
            return {
                env: topo.mode === "cluster" ? { REDIS_SHARD_HOSTS: hosts.join(" "), REDIS_PORT: "6379" } : { REDIS_HOST: hosts[0], REDIS_PORT: "6379" },
                secretEnv: { REDISCLI_AUTH: [secrets.redis, "password"] },
            };
        }
        case "mongodb":
            if (!rb.data.mongodb) throw new Error(`${rb.app}: \`backups\` backs up mongodb, but \`data.mongodb\` is not in the runbook`);
            return { env: { MONGO_REPLICA_SET: replicaSetName(n) }, secretEnv: { MONGO_URI: [secrets.mongodb, MONGO_URI_KEY] } };
        case "rabbitmq":
            return rabbitmqBackupEnv(rb, n);
    }
}

/** The image a dataset's jobs run in: its server's (for the client tools), or the AWS CLI's for RabbitMQ (bash and curl for its management API; the broker's image has no curl). */
function toolsImage(rb: Runbook, dataset: DatabaseDataset): { image: string; uid: number } {
    switch (dataset) {
        case "postgres":
            return { image: dataImage(rb, "postgresTools"), uid: IMAGE_UID.postgres };
        case "redis":
            return { image: dataImage(rb, "redis"), uid: IMAGE_UID.redis };
        case "mongodb":
            return { image: dataImage(rb, "mongodb"), uid: IMAGE_UID.mongodb };
        case "rabbitmq":
            return { image: IMAGES.awsCli, uid: IMAGE_UID.awsCli };
    }
}

/** Whether a dataset's jobs need the `aws` CLI copied in: not where they run in the AWS CLI's own image. */
function copiesAwsCli(rb: Runbook, dataset: DatabaseDataset): boolean {
    return toolsImage(rb, dataset).image !== IMAGES.awsCli;
}

/**
 * A bucket dataset's copy as mc paths through the `minio` alias: the plan's source bucket, and
 * its destination (the runbook's own backup bucket and prefix, or the platform backup bucket).
 */
export function bucketCopy(planned: DatasetBackup, n: Names): { source: string; dest: string } {
    if (planned.source.kind !== "bucket") throw new Error(`${n.app}: backups[${planned.index}] (${planned.dataset}) is not a bucket dataset`);
    const d = planned.destination;
    const dest = d.kind === "runbook-bucket" ? `${d.bucket}/${d.prefix}` : `${n.backupBucket}/${d.prefix}`;
    return { source: `${MC_ALIAS}/${planned.source.bucket}`, dest: `${MC_ALIAS}/${dest}` };
}

function backupJob(rb: Runbook, n: Names, planned: DatasetBackup): ScheduledJob {
    const common = {
        name: `${rb.app}-backup-${planned.name}`,
        kind: "backup" as const,
        dataset: planned.dataset,
        backup: planned.name,
        schedule: planned.cron,
    };
    // The backup's name is the Pushgateway grouping `dataset`: each tier is its own series for the backup-overdue rule.
    const push = { RETENTION_DAYS: `${planned.retentionDays}`, JOB_APP: rb.app, JOB_DATASET: planned.name, PUSHGATEWAY: pushgatewayAddress(n), PUSH_METRIC: METRICS.backupLastSuccess };
    switch (planned.dataset) {
        case "postgres":
        case "redis":
        case "mongodb":
        case "rabbitmq": {
            const s3 = s3Env(n, planned.storePath);
            const ds = datasetEnv(rb, n, planned.dataset);
            const shards = planned.dataset === "redis" && redisTopology(rb).mode === "cluster";
            return {
                ...common,
                ...toolsImage(rb, planned.dataset),
                awsCli: copiesAwsCli(rb, planned.dataset),
                command: runJob(`${OPS_DIR}/backup-${planned.dataset}.sh`, shards),
                env: { ...s3.env, ...ds.env, ...push },
                secretEnv: { ...s3.secretEnv, ...ds.secretEnv },
            };
        }
        case "files":
        case "config": {
            const { source, dest } = bucketCopy(planned, n);
            return {
                ...common,
                image: IMAGES.mc,
                uid: IMAGE_UID.mc,
                awsCli: false,
                command: runJob(`${OPS_DIR}/backup-bucket.sh`),
                env: { BUCKET_SOURCE: source, BUCKET_DEST: dest, HOME: "/tmp", ...push },
                secretEnv: { [`MC_HOST_${MC_ALIAS}`]: [backupSecrets(n).objectStore, MC_HOST_KEY] },
            };
        }
    }
}

function restoreCheck(rb: Runbook, n: Names, backup: DatasetBackup & { dataset: DatabaseDataset }): ScheduledJob {
    const s3 = s3Env(n, backup.storePath);
    const shards = backup.dataset === "redis" && redisTopology(rb).mode === "cluster";
    // What verify-latest.sh reads besides the store: Redis' shards; the names a RabbitMQ definitions export must hold.
    const verify = Object.fromEntries(Object.entries(datasetEnv(rb, n, backup.dataset).env).filter(([k]) => k.startsWith("VERIFY_")));
    const ds: Record<string, string> = { ...(shards ? { REDIS_SHARD_HOSTS: datasetEnv(rb, n, "redis").env.REDIS_SHARD_HOSTS } : {}), ...verify };
    return {
        name: `${rb.app}-restore-check-${backup.dataset}`,
        kind: "restore-check",
        dataset: backup.dataset,
        backup: backup.dataset,
        schedule: backup.restoreCheck.cron,
        ...toolsImage(rb, backup.dataset),
        awsCli: copiesAwsCli(rb, backup.dataset),
        // restore-check.sh starts the scratch server verify-latest.sh restores into; a dataset with a check of its own needs none.
        command: verifyCommand(backup.dataset)[0] === "verify-latest.sh" ? [...(shards ? ["bash", `${PLATFORM_DIR}/each-shard.sh`] : []), "bash", `${PLATFORM_DIR}/restore-check.sh`, backup.dataset] : ["bash", `${OPS_DIR}/${verifyCommand(backup.dataset)[0]}`],
        env: { ...s3.env, ...ds, VERIFY_MAX_AGE_HOURS: `${backup.maxAgeHours}` },
        secretEnv: s3.secretEnv,
    };
}

/** Every scheduled job of the app: one backup per runbook backup, one restore check per restorable dataset. */
export function scheduledJobs(rb: Runbook, n: Names): ScheduledJob[] {
    const plan = backupPlan(rb);
    const backups = plan.map((p) => backupJob(rb, n, p));
    // One restore check per restorable dataset, of its main backup (the untiered one, else its first tier).
    const checks = plan
        .filter((p): p is DatasetBackup & { dataset: DatabaseDataset } => p.restorable && p.name === datasetPlan(rb, p.dataset)?.name)
        .map((p) => restoreCheck(rb, n, p));
    return [...backups, ...checks];
}

/** Every job gets this long; a backup still running then is killed and fails loudly. */
export const JOB_DEADLINE_SECONDS = 3 * 3600;

export function cronJobSpec(job: ScheduledJob, n: Names): CronJobSpec {
    const env: EnvVar[] = [
        ...Object.entries(job.env).map(([name, value]) => ({ name, value })),
        ...Object.entries(job.secretEnv).map(([name, [secret, key]]) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } })),
    ];
    const mounts = [
        { name: "ops-scripts", mountPath: OPS_DIR, readOnly: true },
        { name: "platform-scripts", mountPath: PLATFORM_DIR, readOnly: true },
        { name: "tmp", mountPath: "/tmp" },
        ...(job.awsCli ? [{ name: "aws-cli", mountPath: AWS_CLI_DIR, readOnly: true }] : []),
    ];
    return {
        schedule: job.schedule,
        timeZone: CRON_TIME_ZONE,
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 1,
        jobTemplate: {
            spec: {
                backoffLimit: 1,
                activeDeadlineSeconds: JOB_DEADLINE_SECONDS,
                template: {
                    metadata: { labels: { [LABEL.partOf]: n.app, [LABEL.component]: job.kind, [LABEL.name]: job.name, ...DATA_ACCESS_LABELS } },
                    spec: {
                        restartPolicy: "Never",
                        automountServiceAccountToken: false,
                        securityContext: podSecurity(job.uid),
                        initContainers: job.awsCli
                            ? [
                                  hardened({
                                      name: "aws-cli",
                                      image: IMAGES.awsCli,
                                      command: ["cp", "-R", "-P", `${AWS_CLI_DIR}/.`, "/mnt/aws-cli/"],
                                      resources: { requests: { ...JOB.requests }, limits: { ...JOB.limits } },
                                      volumeMounts: [{ name: "aws-cli", mountPath: "/mnt/aws-cli" }],
                                      securityContext: { readOnlyRootFilesystem: true },
                                  }),
                              ]
                            : [],
                        containers: [
                            hardened({
                                name: job.kind === "backup" ? `backup-${job.backup}` : `restore-check-${job.dataset}`,
                                image: job.image,
                                command: [...job.command],
                                env,
                                resources: { requests: { ...JOB.requests }, limits: { ...JOB.limits } },
                                volumeMounts: mounts,
                                // Writes only to /tmp (HOME and TMPDIR), an emptyDir.
                                securityContext: { readOnlyRootFilesystem: true },
                            }),
                        ],
                        volumes: [
                            { name: "ops-scripts", configMap: { name: opsScriptsConfigMap(n), defaultMode: 0o555 } },
                            { name: "platform-scripts", configMap: { name: platformScriptsConfigMap(n), defaultMode: 0o555 } },
                            { name: "tmp", emptyDir: {} },
                            ...(job.awsCli ? [{ name: "aws-cli", emptyDir: {} }] : []),
                        ],
                    },
                },
            },
        },
    };
}
