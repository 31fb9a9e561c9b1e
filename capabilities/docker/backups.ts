import * as fs from "fs";
import * as path from "path";
import type { Dataset, Runbook } from "../../runbooks";
import { METRICS } from "../alerting/metrics";
import { backupPlan, OPS_HELPERS, verifyCommand, type DatabaseDataset } from "../backups/plan";
import { MANAGEMENT_ENV, RABBITMQ_PLATFORM_ADMIN } from "../rabbitmq";
import { dockerExporters } from "./exporters";
import { MC_HOST_ENV, bucketBackup, mcHost } from "./minio";
import { mongoUri } from "./mongodb";
import { HOSTS, INTERNAL_PORTS, replicaSetName } from "./topology";

/**
 * One backup container per dataset of the backup plan (capabilities/backups/plan.ts). It runs
 * `cron-runner.sh` (bash, in the data service's own image, so the client tools are there) on the
 * runbook's cron in UTC; the runner calls the operations team's script for the dataset
 * (operations/backup/, uploaded from the repository as they are) with the runbook's retention,
 * writing to the `backups` volume, and pushes the time of each success to the Pushgateway for the
 * backup-overdue alert. Bucket datasets are copied between MinIO buckets by
 * operations/backup/backup-bucket.sh, in MinIO's `mc` image; RabbitMQ's definitions are exported
 * through its management API by backup-rabbitmq.sh, in the AWS CLI's image (bash and curl: the
 * broker's image has no curl).
 */

/** Where the operations scripts are uploaded in a backup container. */
export const OPS_DIR = "/opt/backup";
export const RUNNER_PATH = "/opt/platform/cron-runner.sh";
/** Where backup-bucket.sh is uploaded in the `mc` container, beside the other operations scripts. */
export const BUCKET_BACKUP_PATH = `${OPS_DIR}/backup-bucket.sh`;
/** The `backups` volume; BACKUP_DEST points here. */
export const BACKUPS_MOUNT = "/backups";
export const BACKUP_DEST = `file://${BACKUPS_MOUNT}`;

/** This target's own job runner, shipped in this folder. */
const SCRIPTS_DIR = path.join(__dirname, "scripts");
/** The operations team's scripts, uploaded as they are in the repository. */
const OPS_SOURCE = path.resolve(__dirname, "..", "..", "operations", "backup");
export function cronRunnerScript(): string {
    return fs.readFileSync(path.join(SCRIPTS_DIR, "cron-runner.sh"), "utf8");
}
/** The operations team's bucket copy (operations/backup/backup-bucket.sh), the same script every target runs. */
export function bucketBackupScript(): string {
    return fs.readFileSync(path.join(OPS_SOURCE, "backup-bucket.sh"), "utf8");
}

/** The generated secret a value is built from, and how. */
export interface SecretEnv {
    readonly secret: "postgres" | "postgresApp" | "postgresMonitor" | "redis" | "mongodb" | "mongodbApp" | "mongodbMonitor" | "objectStorage" | "objectStorageApp" | "rabbitmq" | "rabbitmqAdmin" | "kafkaAdmin" | "kafkaApp" | "kafkaMonitor";
    readonly value: (password: string) => string;
}

export interface BackupJob {
    readonly dataset: Dataset;
    /** What the container is named by: the dataset, or `<dataset>-<tier>` for a tier (capabilities/backups/plan.ts). */
    readonly name: string;
    /** The runbook's schedule, UTC, as written. */
    readonly cron: string;
    readonly retentionDays: number;
    /** Whose image the job runs in: a data service's (for its client tools), MinIO's `mc`, or the AWS CLI's (bash and curl, for an HTTP API's export). */
    readonly image: "postgres" | "redis" | "mongodb" | "mc" | "awsCli";
    /** Files of operations/backup/ to upload into OPS_DIR. */
    readonly opsScripts: readonly string[];
    /** Container entrypoint and command. */
    readonly entrypoint: readonly string[];
    readonly command: readonly string[];
    readonly env: Readonly<Record<string, string>>;
    readonly secretEnv: Readonly<Record<string, SecretEnv>>;
}

/** Cron syntax cron-runner.sh evaluates: numbers, `*`, ranges, steps and lists (no names, no `L`/`#`/`?`). */
const NUMERIC_FIELD = /^(\*|[0-9]+(-[0-9]+)?)(\/[0-9]+)?(,(\*|[0-9]+(-[0-9]+)?)(\/[0-9]+)?)*$/;

export function checkCron(runbook: Runbook, cron: string, index: number): void {
    const fields = cron.trim().split(/\s+/);
    if (fields.length !== 5 || !fields.every((f) => NUMERIC_FIELD.test(f))) {
        throw new Error(
            `${runbook.app}: \`backups[${index}].cron\` = "${cron}" uses syntax the local backup runner does not evaluate; allowed: five numeric fields with *, a-b, */n and lists`,
        );
    }
}

/** The operations scripts' shared library: lib.sh and the parts it sources beside it (lib-*.sh). */
export function opsLibrary(): string[] {
    return fs
        .readdirSync(OPS_SOURCE)
        .filter((f) => /^lib(-[a-z]+)?\.sh$/.test(f))
        .sort();
}

function opsScriptsFor(dataset: DatabaseDataset): string[] {
    return [...opsLibrary(), ...(OPS_HELPERS[dataset] ?? []), `backup-${dataset}.sh`, `restore-${dataset}.sh`, verifyCommand(dataset)[0], "prune.sh"];
}

/** The backup containers the backup plan calls for, in the runbook's order. */
export function backupJobs(runbook: Runbook): BackupJob[] {
    // Pushed only where a rule reads it (every runbook here has a backup-overdue alert).
    const push = dockerExporters(runbook).some((r) => r.exporter === "pushgateway");
    return backupPlan(runbook).map((planned) => {
        checkCron(runbook, planned.cron, planned.index);
        const where = `${runbook.app}: \`backups[${planned.index}]\` (${planned.dataset})`;
        const common = {
            CRON_SCHEDULE: planned.cron,
            RETENTION_DAYS: `${planned.retentionDays}`,
            JOB_APP: runbook.app,
            // The backup's name is the Pushgateway grouping `dataset`: each tier is its own series, so
            // the backup-overdue rule sees a missed weekly copy however recent the nightly one is.
            JOB_DATASET: planned.name,
            ...(push ? { PUSHGATEWAY: `${HOSTS.pushgateway}:${INTERNAL_PORTS.pushgateway}`, PUSH_METRIC: METRICS.backupLastSuccess } : {}),
        };
        const job = (image: BackupJob["image"], target: string, opsScripts: string[], env: Record<string, string>, secretEnv: Record<string, SecretEnv>): BackupJob => ({
            dataset: planned.dataset,
            name: planned.name,
            cron: planned.cron,
            retentionDays: planned.retentionDays,
            image,
            opsScripts,
            entrypoint: ["bash"],
            command: [RUNNER_PATH, target],
            env: { ...common, ...env },
            secretEnv,
        });
        // A tier's archives live under its own directory, so its prune (and every other's) sees only its own.
        const dest = planned.storePath ? `${BACKUP_DEST}/${planned.storePath}` : BACKUP_DEST;
        const { data } = runbook;
        switch (planned.dataset) {
            case "postgres": {
                const pg = data.postgres;
                if (!pg) throw new Error(`${where}: needs \`data.postgres\``);
                return job(
                    "postgres",
                    `${OPS_DIR}/backup-postgres.sh`,
                    opsScriptsFor("postgres"),
                    {
                        BACKUP_DEST: dest,
                        PGHOST: HOSTS.postgres,
                        PGPORT: `${INTERNAL_PORTS.postgres}`,
                        PGUSER: pg.user,
                        PGDATABASE: pg.database,
                        // For `verify-latest.sh postgres` by hand: a scratch database on the same server.
                        VERIFY_PGDATABASE: `${pg.database}_verify`,
                    },
                    { PGPASSWORD: { secret: "postgres", value: (p) => p } },
                );
            }
            case "redis":
                if (!data.redis) throw new Error(`${where}: needs \`data.redis\``);
                return job(
                    "redis",
                    `${OPS_DIR}/backup-redis.sh`,
                    opsScriptsFor("redis"),
                    { BACKUP_DEST: dest, REDIS_HOST: HOSTS.redis, REDIS_PORT: `${INTERNAL_PORTS.redis}` },
                    { REDISCLI_AUTH: { secret: "redis", value: (p) => p } },
                );
            case "mongodb":
                if (!data.mongodb) throw new Error(`${where}: needs \`data.mongodb\``);
                return job(
                    "mongodb",
                    `${OPS_DIR}/backup-mongodb.sh`,
                    opsScriptsFor("mongodb"),
                    { BACKUP_DEST: dest, MONGO_REPLICA_SET: replicaSetName(runbook) },
                    { MONGO_URI: { secret: "mongodb", value: (p) => mongoUri(runbook, p) } },
                );
            case "rabbitmq":
                // The broker's definitions through its management API, as the platform's administrator.
                return job(
                    "awsCli",
                    `${OPS_DIR}/backup-rabbitmq.sh`,
                    opsScriptsFor("rabbitmq"),
                    { BACKUP_DEST: dest, [MANAGEMENT_ENV.url]: `http://${HOSTS.rabbitmq}:${INTERNAL_PORTS.rabbitmqManagement}`, [MANAGEMENT_ENV.user]: RABBITMQ_PLATFORM_ADMIN },
                    { [MANAGEMENT_ENV.password]: { secret: "rabbitmqAdmin", value: (p) => p } },
                );
            case "files":
            case "config": {
                const { source, dest } = bucketBackup(runbook, planned);
                return job(
                    "mc",
                    BUCKET_BACKUP_PATH,
                    [],
                    { BUCKET_SOURCE: source, BUCKET_DEST: dest },
                    { [MC_HOST_ENV]: { secret: "objectStorage", value: (p) => mcHost(runbook, p) } },
                );
            }
        }
    });
}
