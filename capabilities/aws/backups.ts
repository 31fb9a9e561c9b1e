import { durationSeconds, type Backup, type Dataset, type Runbook } from "../../runbooks";
import { awsCron, restoreTestPlan } from "../schedules";

/**
 * How each runbook backup is taken on AWS. AWS Backup covers RDS, DocumentDB and S3; ElastiCache
 * is not an AWS Backup resource, so Redis backups are ElastiCache's own daily snapshots.
 */

export type BackupService = "RDS" | "DocumentDB" | "S3" | "ElastiCache";

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

/** Which AWS service holds a dataset; throws where the app has no such data service. */
export function backupService(rb: Runbook, backup: Backup, index: number): BackupService {
    const field = `backups[${index}].dataset`;
    switch (backup.dataset) {
        case "postgres":
            if (!rb.data.postgres) throw new Error(`${rb.app}: ${field} = "postgres" but data.postgres is not set`);
            return "RDS";
        case "mongodb":
            if (!rb.data.mongodb) throw new Error(`${rb.app}: ${field} = "mongodb" but data.mongodb is not set`);
            return "DocumentDB";
        case "redis":
            if (!rb.data.redis) throw new Error(`${rb.app}: ${field} = "redis" but data.redis is not set`);
            return "ElastiCache";
        case "files":
        case "config":
            if (bucketsFor(rb, backup.dataset).length === 0) {
                throw new Error(`${rb.app}: ${field} = "${backup.dataset}" but no bucket in data.objectStorage.buckets holds it (allowed: a bucket named *-${backup.dataset}, or objectStorage.backupSync.from for files)`);
            }
            return "S3";
    }
}

/**
 * The runbook buckets a file dataset lives in: for `files`, the bucket the runbook copies from
 * (`backupSync.from`) or the ones named `*-files`; for `config`, the ones named `*-config`.
 */
export function bucketsFor(rb: Runbook, dataset: "files" | "config"): string[] {
    const store = rb.data.objectStorage;
    if (!store) return [];
    if (dataset === "files" && store.backupSync) return [store.backupSync.from];
    return store.buckets.filter((b) => b.endsWith(`-${dataset}`));
}

export interface BackupRuleSpec {
    readonly dataset: Dataset;
    readonly service: Exclude<BackupService, "ElastiCache">;
    /** AWS's six-field cron of the runbook's schedule, in UTC. */
    readonly schedule: string;
    readonly deleteAfterDays: number;
    readonly startWindowMinutes: number;
    readonly completionWindowMinutes: number;
    readonly tag: { key: string; value: string };
}

/**
 * One AWS Backup plan per dataset (a plan's selections apply to all of its rules, so datasets
 * with their own schedules need their own plans), each with one rule on the runbook's schedule.
 */
export function backupRules(rb: Runbook): BackupRuleSpec[] {
    return rb.backups.flatMap((b, i) => {
        const service = backupService(rb, b, i);
        if (service === "ElastiCache") return [];
        const everyMinutes = durationSeconds(b.every) / 60;
        if (everyMinutes < 60) throw new Error(`${rb.app}: backups[${i}].cron = "${b.cron}": AWS Backup runs at most hourly`);
        return [
            {
                dataset: b.dataset,
                service,
                schedule: awsCron(b.cron),
                deleteAfterDays: b.retentionDays,
                startWindowMinutes: START_WINDOW_MINUTES,
                // AWS Backup needs completion >= start + 60 minutes; a job should end before the next one starts.
                completionWindowMinutes: Math.max(START_WINDOW_MINUTES + 60, Math.min(COMPLETION_WINDOW_MINUTES, everyMinutes - START_WINDOW_MINUTES)),
                tag: backupTag(b.dataset),
            },
        ];
    });
}

export interface RestoreTestSpec {
    readonly schedule: string;
    readonly cadence: string;
    readonly defaulted: boolean;
    /** Protected resource types to restore, with the dataset tag that selects them. */
    readonly selections: { readonly dataset: Dataset; readonly service: Exclude<BackupService, "ElastiCache"> }[];
}

/** The restore test: AWS Backup restores the newest recovery point of each dataset on the runbook's cadence. */
export function restoreTestSpec(rb: Runbook): RestoreTestSpec {
    const plan = restoreTestPlan(rb);
    return {
        schedule: awsCron(plan.cron),
        cadence: plan.cadence,
        defaulted: plan.defaulted,
        selections: backupRules(rb).map((r) => ({ dataset: r.dataset, service: r.service })),
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
    const store = rb.data.objectStorage;
    const retention = (dataset: Dataset) => rb.backups.find((b) => b.dataset === dataset)?.retentionDays;
    for (const dataset of ["files", "config"] as const) {
        const days = retention(dataset);
        if (days === undefined) continue;
        if (bucketsFor(rb, dataset).includes(bucket)) return days;
        if (dataset === "files" && store?.backupSync?.to === bucket) return days;
    }
    return Math.max(...rb.backups.map((b) => b.retentionDays));
}

/** The dataset whose AWS Backup plan selects a bucket, if any. */
export function bucketDataset(rb: Runbook, bucket: string): "files" | "config" | undefined {
    return (["files", "config"] as const).find((d) => rb.backups.some((b) => b.dataset === d) && bucketsFor(rb, d).includes(bucket));
}
