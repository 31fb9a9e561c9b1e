import type { Dataset, Runbook } from "../../runbooks";
import { backupPlan, isBucketDataset, type BucketDataset, type DatasetBackup } from "../backups/plan";
import { awsCron, restoreTestPlan } from "../schedules";

/**
 * How each dataset of the backup plan (capabilities/backups/plan.ts) is taken on AWS. AWS Backup
 * covers RDS, DocumentDB and S3; ElastiCache is not an AWS Backup resource, so Redis backups are
 * ElastiCache's own daily snapshots.
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

/** The AWS service that holds a planned dataset: its database service, or S3 for a bucket dataset. */
export function backupService(planned: DatasetBackup): BackupService {
    if (planned.source.kind === "bucket") return "S3";
    return ({ postgres: "RDS", mongodb: "DocumentDB", redis: "ElastiCache" } as const)[planned.source.service];
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
    readonly service: Exclude<BackupService, "ElastiCache">;
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
        if (service === "ElastiCache") return [];
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
    readonly selections: { readonly dataset: Dataset; readonly service: Exclude<BackupService, "ElastiCache"> }[];
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
