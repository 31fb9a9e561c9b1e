import * as fs from "fs";
import * as path from "path";
import type { Dataset, Runbook } from "../../runbooks";
import { backupPlan, datasetPlan, isBucketDataset, OPS_HELPERS, verifyCommand, type BucketDataset, type DatabaseDataset, type DatasetBackup } from "../backups/plan";
import { awsCron, restoreTestPlan } from "../schedules";
import { shellQuote } from "../rabbitmq";
import { awslogs, type ContainerDefinition } from "./containers";
import { IMAGES } from "./collector";

/**
 * How each dataset of the backup plan (capabilities/backups/plan.ts) is taken on AWS. AWS Backup
 * covers RDS, DocumentDB and S3; ElastiCache is not an AWS Backup resource, so Redis backups are
 * ElastiCache's own daily snapshots. Amazon MQ is not one either: RabbitMQ's definitions are
 * exported by the operations team's script (backup-rabbitmq.sh) in an ECS task that EventBridge
 * Scheduler runs on the runbook's cron, into the platform backup bucket (`ECS`).
 */

export type BackupService = "RDS" | "DocumentDB" | "S3" | "ElastiCache" | "ECS";
/** The services AWS Backup itself backs up: a vault, a plan and a selection each. */
export type VaultService = Exclude<BackupService, "ElastiCache" | "ECS">;

/** Minutes AWS Backup may wait to start a job, and to finish it, after the scheduled time. */
export const START_WINDOW_MINUTES = 60;
/** Completion window: finished well before the next run of the most frequent schedule (6 hours). */
export const COMPLETION_WINDOW_MINUTES = 180;
/** Hours AWS Backup keeps a restore-test copy for validation before deleting it. */
export const RESTORE_VALIDATION_HOURS = 24;
/** Days of recovery points the restore test picks from: the newest within the last week. */
export const RESTORE_SELECTION_WINDOW_DAYS = 7;

/** The tag AWS Backup selects a dataset's resources by: `backup:<dataset>` = `true`. */
export function backupTag(dataset: Dataset): { key: string; value: string } {
    return { key: `backup:${dataset}`, value: "true" };
}

/** The AWS service that holds a planned dataset: its database service, or S3 for a bucket dataset. */
export function backupService(planned: DatasetBackup): BackupService {
    if (planned.source.kind === "bucket") return "S3";
    return ({ postgres: "RDS", mongodb: "DocumentDB", redis: "ElastiCache", rabbitmq: "ECS" } as const)[planned.source.service];
}

/**
 * The runbook buckets a file dataset lives in, as the backup plan decides it (one bucket; none
 * where the runbook does not back the dataset up).
 */
export function bucketsFor(rb: Runbook, dataset: "files" | "config"): string[] {
    return backupPlan(rb).flatMap((p) => (p.dataset === dataset && p.source.kind === "bucket" ? [p.source.bucket] : []));
}

export interface BackupRuleSpec {
    readonly dataset: Dataset;
    /** The entry's tier, undefined for the dataset's untiered backup. */
    readonly tier: string | undefined;
    /** What its vault, plan, rule and alarm are named by: the dataset, or `<dataset>-<tier>` (capabilities/backups/plan.ts). */
    readonly name: string;
    /** The runbook's interval, for the overdue alarm's window. */
    readonly everySeconds: number;
    readonly service: VaultService;
    /** AWS's six-field cron of the runbook's schedule, in UTC. */
    readonly schedule: string;
    readonly deleteAfterDays: number;
    readonly startWindowMinutes: number;
    readonly completionWindowMinutes: number;
    readonly tag: { key: string; value: string };
}

/**
 * One AWS Backup plan per dataset and tier (a plan's selections apply to all of its rules, so
 * datasets with their own schedules need their own plans), each with one rule on the runbook's
 * schedule and retention. A tier gets its own vault too: its lock holds its own retention, and
 * AWS Backup's job metrics (per vault) tell each tier's overdue backup apart.
 */
export function backupRules(rb: Runbook): BackupRuleSpec[] {
    return backupPlan(rb).flatMap((p) => {
        const service = backupService(p);
        if (service === "ElastiCache" || service === "ECS") return [];
        const everyMinutes = p.everySeconds / 60;
        if (everyMinutes < 60) throw new Error(`${rb.app}: backups[${p.index}].cron = "${p.cron}": AWS Backup runs at most hourly`);
        return [
            {
                dataset: p.dataset,
                tier: p.tier,
                name: p.name,
                everySeconds: p.everySeconds,
                service,
                schedule: awsCron(p.cron),
                deleteAfterDays: p.retentionDays,
                startWindowMinutes: START_WINDOW_MINUTES,
                // AWS Backup needs completion >= start + 60 minutes; a job should end before the next one starts.
                completionWindowMinutes: Math.max(START_WINDOW_MINUTES + 60, Math.min(COMPLETION_WINDOW_MINUTES, everyMinutes - START_WINDOW_MINUTES)),
                tag: backupTag(p.dataset),
            },
        ];
    });
}

export interface RestoreTestSpec {
    readonly schedule: string;
    readonly cadence: string;
    readonly defaulted: boolean;
    /** Protected resource types to restore, with the dataset tag that selects them. */
    readonly selections: { readonly dataset: Dataset; readonly service: VaultService }[];
}

/** The restore test: AWS Backup restores the newest recovery point of each dataset on the runbook's cadence. */
export function restoreTestSpec(rb: Runbook): RestoreTestSpec {
    const plan = restoreTestPlan(rb);
    return {
        schedule: awsCron(plan.cron),
        cadence: plan.cadence,
        defaulted: plan.defaulted,
        // One selection per dataset: a restore proves the dataset, whichever tier's copy it restores.
        selections: backupRules(rb)
            .filter((r, i, all) => all.findIndex((o) => o.dataset === r.dataset) === i)
            .map((r) => ({ dataset: r.dataset, service: r.service })),
    };
}

/** The vault lock's minimum retention for a dataset's vault: the runbook's retention, so no one can delete a recovery point sooner. */
export function vaultLockDays(rule: BackupRuleSpec): number {
    return rule.deleteAfterDays;
}

/**
 * Days S3 keeps a bucket's overwritten or deleted object versions: the retention of the dataset
 * the bucket holds (for the backup copy, the files dataset it copies); a bucket no runbook backup
 * covers keeps them as long as the runbook's longest backup retention.
 */
export function noncurrentVersionDays(rb: Runbook, bucket: string): number {
    const plan = backupPlan(rb);
    for (const dataset of ["files", "config"] as const) {
        // Every tier of the dataset: the bucket keeps versions as long as its longest-kept tier.
        const holding = plan.filter(
            (p) => p.dataset === dataset && ((p.source.kind === "bucket" && p.source.bucket === bucket) || (p.destination.kind === "runbook-bucket" && p.destination.bucket === bucket)),
        );
        if (holding.length > 0) return Math.max(...holding.map((p) => p.retentionDays));
    }
    return Math.max(...plan.map((p) => p.retentionDays));
}

/** The dataset whose AWS Backup plan selects a bucket, if any. */
export function bucketDataset(rb: Runbook, bucket: string): BucketDataset | undefined {
    const p = backupPlan(rb).find((x) => x.source.kind === "bucket" && x.source.bucket === bucket);
    return p && isBucketDataset(p.dataset) ? p.dataset : undefined;
}

/** The platform backup bucket's name part (`<name>[-<env>]-<account>-<region>`): where the scheduled backup tasks write, under each dataset's prefix. */
export const PLATFORM_BACKUP_BUCKET = "platform-backups";

/**
 * The metric a scheduled backup task publishes after each success, one series per app and backup
 * (dimensions App, Backup): what its backup-overdue alarm counts, as AWS Backup's job counts are
 * for the vaults. A restore check that fails publishes `restoreFailed`.
 */
export const BACKUP_TASK_METRIC = { namespace: "Platform/Backups", completed: "BackupJobsCompleted", restoreFailed: "RestoreChecksFailed" } as const;

/** A backup an ECS task takes on a schedule (`ECS`), or the restore check of its dataset. */
export interface BackupTaskSpec {
    readonly kind: "backup" | "restore-check";
    readonly dataset: DatabaseDataset;
    /** The backup's name (`rabbitmq`, `rabbitmq-weekly`); the dataset for a restore check. Names the task family, schedule and log stream. */
    readonly name: string;
    /** EventBridge Scheduler's cron, in UTC: the runbook's, or the restore check's cadence. */
    readonly schedule: string;
    /** The backup's interval, for the overdue alarm's window. */
    readonly everySeconds: number;
    /** Where under the platform backup bucket the archives live: the plan's prefix (`rabbitmq` stays the dataset's first key part, so the tier, if any, is the prefix). */
    readonly storePath: string;
    /** The environment of the script beside BACKUP_DEST: retention for a backup, the restore check's bounds for a check. */
    readonly env: Readonly<Record<string, string>>;
}

/** Every backup of the plan an ECS task takes, then one restore check per such dataset (of its main backup). */
export function backupTasks(rb: Runbook): BackupTaskSpec[] {
    const planned = backupPlan(rb).filter((p): p is DatasetBackup & { source: { kind: "data-service"; service: DatabaseDataset } } => backupService(p) === "ECS");
    const backups = planned.map(
        (p): BackupTaskSpec => ({ kind: "backup", dataset: p.source.service, name: p.name, schedule: awsCron(p.cron), everySeconds: p.everySeconds, storePath: p.storePath, env: { RETENTION_DAYS: `${p.retentionDays}` } }),
    );
    const checks = planned
        .filter((p) => p.restorable && p.name === datasetPlan(rb, p.dataset)?.name)
        .map(
            (p): BackupTaskSpec => ({
                kind: "restore-check",
                dataset: p.source.service,
                name: p.dataset,
                schedule: awsCron(p.restoreCheck.cron),
                everySeconds: p.everySeconds,
                storePath: p.storePath,
                env: { VERIFY_MAX_AGE_HOURS: `${p.maxAgeHours}` },
            }),
        );
    return [...backups, ...checks];
}

const OPS_SOURCE = path.resolve(__dirname, "..", "..", "operations", "backup");

/** The operations scripts a dataset's task runs, as they are in the repository: the library, the dataset's helpers, its backup script and its restore check's. */
export function taskOpsScripts(dataset: DatabaseDataset): Record<string, string> {
    const library = fs.readdirSync(OPS_SOURCE).filter((f) => /^lib(-[a-z]+)?\.sh$/.test(f)).sort();
    const files = [...library, ...(OPS_HELPERS[dataset] ?? []), `backup-${dataset}.sh`, verifyCommand(dataset)[0]];
    return Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(OPS_SOURCE, f), "utf8")]));
}

export interface BackupTaskContainerArgs {
    readonly logGroup: string;
    readonly region: string;
    /** The platform backup bucket's name. */
    readonly bucket: string;
    /** The dataset's connection, from its data service: plain values, and Secrets Manager references (`valueFrom`). */
    readonly environment: Readonly<Record<string, string>>;
    readonly secrets: Readonly<Record<string, string>>;
}

/**
 * The task's one container, in the AWS CLI's image (bash, curl, coreutils and `aws`): it writes
 * the operations scripts into a private temporary directory (Fargate has no config volume; the scripts travel in
 * the command, as they are), runs the dataset's backup script (or its restore check, `verifyCommand`)
 * into `s3://<bucket>/<storePath>`, then publishes the success (or the restore check's failure) to
 * CloudWatch for the alarms. The same scripts every other target runs.
 */
export function backupTaskContainers(rb: Runbook, spec: BackupTaskSpec, a: BackupTaskContainerArgs): ContainerDefinition[] {
    const name = spec.kind === "backup" ? `backup-${spec.name}` : `restore-check-${spec.name}`;
    const dims = `App=${rb.app},Backup=${spec.name}`;
    const put = (metric: string) => `aws cloudwatch put-metric-data --namespace ${BACKUP_TASK_METRIC.namespace} --metric-name ${metric} --dimensions ${shellQuote(dims)} --value 1 --unit Count`;
    const run =
        spec.kind === "backup"
            ? [`bash "$ops/backup-${spec.dataset}.sh"`, put(BACKUP_TASK_METRIC.completed)]
            : [`if ! bash ${verifyCommand(spec.dataset).map((w, i) => (i === 0 ? `"$ops/${w}"` : shellQuote(w))).join(" ")}; then ${put(BACKUP_TASK_METRIC.restoreFailed)}; exit 1; fi`];
    const script = [
        "set -euo pipefail",
        'ops=$(mktemp -d "${TMPDIR:-/tmp}/backup-ops.XXXXXX")',
        ...Object.entries(taskOpsScripts(spec.dataset)).map(([file, text]) => `printf '%s' ${shellQuote(text)} > "$ops/${file}"`),
        ...run,
        "",
    ].join("\n");
    const dest = `s3://${a.bucket}${spec.storePath ? `/${spec.storePath}` : ""}`;
    return [
        {
            name,
            image: IMAGES.awsCli,
            essential: true,
            entryPoint: ["bash", "-c"],
            command: [script],
            environment: Object.entries({ ...a.environment, ...spec.env, BACKUP_DEST: dest, AWS_DEFAULT_REGION: a.region })
                .sort(([x], [y]) => x.localeCompare(y))
                .map(([n, value]) => ({ name: n, value })),
            secrets: Object.entries(a.secrets).map(([n, valueFrom]) => ({ name: n, valueFrom })),
            logConfiguration: awslogs(a.logGroup, a.region, name),
        },
    ];
}
