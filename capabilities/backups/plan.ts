import { durationSeconds, type Backup, type Dataset, type Runbook } from "../../runbooks";
import { DEFAULTS } from "../../runbooks/defaults";
import { restoreTestPlan, type RestoreTestPlan } from "../schedules";

/**
 * The backup plan: for every dataset the runbook backs up, what is copied, how, where to, when,
 * for how long, how often a restore is proven and how old the newest copy may get. Every
 * target's backup capability (capabilities/{docker,kubernetes,aws}/backups.ts) translates these
 * decisions into its own jobs, schedules and paths; none of them decides anew.
 */

/** Datasets held by a data server, which the operations scripts dump (RabbitMQ: export its definitions) and restore. */
export type DatabaseDataset = Extract<Dataset, "postgres" | "redis" | "mongodb" | "rabbitmq">;
/**
 * The operations scripts' client helpers a dataset's backup, restore and verify scripts source
 * beside lib.sh: what every target ships with them (operations/backup/).
 */
export const OPS_HELPERS: Readonly<Partial<Record<DatabaseDataset, readonly string[]>>> = { rabbitmq: ["rabbitmq-api.sh"] };

/** Datasets whose restore check is a script of their own, which needs no scratch server (RabbitMQ: the newest export is checked, not imported). */
const OWN_VERIFY: Readonly<Partial<Record<DatabaseDataset, string>>> = { rabbitmq: "verify-rabbitmq.sh" };

/** A dataset's restore check as an operations script and its arguments: `verify-latest.sh <dataset>` (into a scratch server), or the dataset's own. */
export function verifyCommand(dataset: DatabaseDataset): readonly [string, ...string[]] {
    const own = OWN_VERIFY[dataset];
    return own ? [own] : ["verify-latest.sh", dataset];
}

/** Datasets held in object-storage buckets, which are copied bucket to bucket. */
export type BucketDataset = Extract<Dataset, "files" | "config">;

export function isBucketDataset(dataset: Dataset): dataset is BucketDataset {
    return dataset === "files" || dataset === "config";
}

/** What a dataset's backup copies: a data service of the runbook, or one of its buckets. */
export type BackupSource = { readonly kind: "data-service"; readonly service: DatabaseDataset } | { readonly kind: "bucket"; readonly bucket: string };

/**
 * Where the copies go. `platform`: the platform's own backup store (a target names it: a local
 * volume, the platform backup bucket, an AWS Backup vault), under `prefix`. `runbook-bucket`: the
 * runbook's own backup bucket and prefix, where the runbook says where its copy goes.
 */
export type BackupDestination = { readonly kind: "platform"; readonly prefix: string } | { readonly kind: "runbook-bucket"; readonly bucket: string; readonly prefix: string };

export interface DatasetBackup {
    readonly dataset: Dataset;
    /** The runbook entry's tier (`weekly`), undefined for the dataset's untiered backup. */
    readonly tier: string | undefined;
    /**
     * The name every target builds this backup's resources from: the dataset (`postgres`) for the
     * untiered backup, so its names never change; `<dataset>-<tier>` (`postgres-weekly`) for a tier.
     */
    readonly name: string;
    /**
     * Sub-path of the backup store this backup's archives live under, so each tier's prune only
     * ever sees its own archives: empty for the untiered backup (the store's root, as always), the
     * tier (`weekly`) for a tier. The operations scripts put a dataset's archives under
     * `<dataset>/` of BACKUP_DEST, so BACKUP_DEST = <store>/<tier> keeps the tiers disjoint.
     */
    readonly storePath: string;
    /** The runbook's entry, for its source and for messages (`backups[<index>]`). */
    readonly backup: Backup;
    readonly index: number;
    /** `dump`: the operations script for the dataset archives the server; `bucket-copy`: operations/backup/backup-bucket.sh mirrors the bucket. */
    readonly method: "dump" | "bucket-copy";
    readonly source: BackupSource;
    readonly destination: BackupDestination;
    /** Five fields, UTC, as the runbook writes it. */
    readonly cron: string;
    readonly everySeconds: number;
    readonly retentionDays: number;
    /** How often a restore of the dataset is proven (the app's restore test or DR drill, else the platform's monthly one). */
    readonly restoreCheck: RestoreTestPlan;
    /** Whether the operations scripts can restore it into a scratch server (verify-latest.sh): the database datasets. */
    readonly restorable: boolean;
    /** A restore check fails when the newest backup is older than this: the runbook's `maxAge`, else two intervals, so one missed backup is caught too. */
    readonly maxAgeHours: number;
}

/**
 * Data kinds whose dataset the platform backs up even where the runbook's `backups` are silent:
 * the kind, its dataset, and the platform's default entry (runbooks/defaults.ts), marked
 * `defaulted` field by field with the default's reason and cited at the kind's own source. A
 * runbook `backups` entry of the dataset (any tier) replaces the default.
 */
const KIND_DEFAULT_BACKUPS: readonly { readonly kind: keyof Runbook["data"]; readonly dataset: DatabaseDataset; readonly entry: { readonly value: Pick<Backup, "cron" | "every" | "retentionDays" | "maxAge">; readonly reason: string } }[] = [
    // RabbitMQ's definitions (vhosts, users, permissions, queues, policies): what a lost broker needs to take its clients back.
    { kind: "rabbitmq", dataset: "rabbitmq", entry: DEFAULTS.rabbitmqDefinitionsBackup },
];

/**
 * Every backup the runbook takes, as the runbook states them, then the platform's default entry of
 * each dataset a data kind of the runbook holds that no entry backs up (KIND_DEFAULT_BACKUPS).
 * What every reader of the runbook's backups (the plan, the backup-overdue rules, the policies)
 * reads instead of `rb.backups`, so a defaulted backup is scheduled, watched and checked alike.
 */
export function runbookBackups(rb: Runbook): Backup[] {
    const defaults = KIND_DEFAULT_BACKUPS.flatMap(({ kind, dataset, entry }): Backup[] => {
        const data = rb.data[kind];
        if (data === undefined || rb.backups.some((b) => b.dataset === dataset)) return [];
        const defaulted = Object.fromEntries(Object.keys(entry.value).map((field) => [field, entry.reason]));
        return [{ dataset, ...entry.value, source: data.source, defaulted }];
    });
    return [...rb.backups, ...defaults];
}

/** `files/` and `/files` are the prefix `files`: no leading or trailing slashes. */
function trimSlashes(prefix: string): string {
    return prefix.replace(/^\/+|\/+$/g, "");
}

/**
 * The bucket a file or configuration dataset lives in, one rule for every target: for `files`,
 * the bucket the runbook copies from (`objectStorage.backupSync.from`); otherwise the one bucket
 * named `*-<dataset>`. No such bucket, or more than one, is an error: a backup of a guessed
 * bucket would pass every check while copying the wrong data.
 */
export function datasetBucket(rb: Runbook, dataset: BucketDataset, index: number): string {
    const field = `backups[${index}].dataset`;
    const store = rb.data.objectStorage;
    if (!store) throw new Error(`${rb.app}: ${field} = "${dataset}" but data.objectStorage is not set; allowed: a dataset whose bucket is in data.objectStorage.buckets`);
    if (dataset === "files" && store.backupSync) return store.backupSync.from;
    const named = store.buckets.filter((b) => b.endsWith(`-${dataset}`));
    if (named.length !== 1) {
        const found = named.length === 0 ? "no bucket" : `${named.length} buckets (${named.join(", ")})`;
        throw new Error(
            `${rb.app}: ${field} = "${dataset}" but ${found} in data.objectStorage.buckets (${store.buckets.join(", ")}) is named *-${dataset}; allowed: exactly one bucket named *-${dataset}${dataset === "files" ? ", or objectStorage.backupSync.from" : ""}`,
        );
    }
    return named[0];
}

function datasetBackup(rb: Runbook, backup: Backup, index: number): DatasetBackup {
    const field = `backups[${index}].dataset`;
    const common = {
        dataset: backup.dataset,
        tier: backup.tier,
        name: tierName(backup.dataset, backup.tier),
        storePath: backup.tier ?? "",
        backup,
        index,
        cron: backup.cron,
        everySeconds: durationSeconds(backup.every),
        retentionDays: backup.retentionDays,
        restoreCheck: restoreTestPlan(rb),
        maxAgeHours: Math.ceil((backup.maxAge ? durationSeconds(backup.maxAge) : 2 * durationSeconds(backup.every)) / 3600),
    };
    const dataset = backup.dataset;
    if (isBucketDataset(dataset)) {
        const sync = rb.data.objectStorage?.backupSync;
        const destination: BackupDestination =
            dataset === "files" && sync
                ? { kind: "runbook-bucket", bucket: sync.to, prefix: joinPrefix(trimSlashes(sync.prefix), backup.tier) }
                : { kind: "platform", prefix: joinPrefix(dataset, backup.tier) };
        return { ...common, method: "bucket-copy", source: { kind: "bucket", bucket: datasetBucket(rb, dataset, index) }, destination, restorable: false };
    }
    if (!rb.data[dataset]) throw new Error(`${rb.app}: ${field} = "${dataset}" but data.${dataset} is not set; allowed: a dataset the runbook runs (${datasetsRun(rb).join(", ")})`);
    return { ...common, method: "dump", source: { kind: "data-service", service: dataset }, destination: { kind: "platform", prefix: joinPrefix(backup.tier, dataset) }, restorable: true };
}

/** `postgres` for a dataset's untiered backup, `postgres-weekly` for its `weekly` tier. */
export function tierName(dataset: Dataset, tier: string | undefined): string {
    return tier ? `${dataset}-${tier}` : dataset;
}

function joinPrefix(...parts: (string | undefined)[]): string {
    return parts.filter((p) => p).join("/");
}

/** The datasets a runbook's data services hold: what `backups[].dataset` may name. */
function datasetsRun(rb: Runbook): Dataset[] {
    const { postgres, redis, mongodb, objectStorage } = rb.data;
    const kinds = KIND_DEFAULT_BACKUPS.filter((k) => rb.data[k.kind] !== undefined).map((k) => k.dataset);
    return [...(postgres ? ["postgres" as const] : []), ...(redis ? ["redis" as const] : []), ...(mongodb ? ["mongodb" as const] : []), ...(objectStorage ? (["files", "config"] as const) : []), ...kinds];
}

/**
 * Every backup the runbook takes, one per dataset and tier, in the runbook's order, then the
 * platform's defaulted ones (runbookBackups; their index follows the runbook's entries); throws on
 * the first one no target could back up, or on two entries of one dataset without distinct tiers.
 */
export function backupPlan(rb: Runbook): DatasetBackup[] {
    const seen = new Map<string, number>();
    return runbookBackups(rb).map((backup, index) => {
        const name = tierName(backup.dataset, backup.tier);
        const first = seen.get(name);
        if (first !== undefined) {
            throw new Error(
                `${rb.app}: backups[${first}] and backups[${index}] both back up ${backup.dataset}${backup.tier ? ` as tier "${backup.tier}"` : " without a tier"}; allowed: one entry per dataset and tier (a further backup of ${backup.dataset} names its own \`tier\`)`,
            );
        }
        seen.set(name, index);
        return datasetBackup(rb, backup, index);
    });
}

/**
 * A dataset's main planned backup (its untiered entry, else its first tier), or undefined where the
 * runbook does not back it up: what a dataset-wide setting (a restore check, an engine's own
 * retention) follows.
 */
export function datasetPlan(rb: Runbook, dataset: Dataset): DatasetBackup | undefined {
    const plan = backupPlan(rb).filter((p) => p.dataset === dataset);
    return plan.find((p) => p.tier === undefined) ?? plan[0];
}
