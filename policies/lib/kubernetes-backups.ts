import type { BackupEvidence } from "./backups";
import { datasetIn, tierIn, envMap, intervalOf, retentionIn, scheduledCommands } from "./backups";
import { containers, CRONJOB, metaName } from "./kubernetes";
import type { Subject } from "./policy";
import { ofType } from "./targets";
import { asArray, durationToSeconds, isRecord } from "./values";

export const CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
export const CNPG_SCHEDULED_BACKUP = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup";

/** `spec.suspend: true` on a CronJob or ScheduledBackup: the schedule is kept but nothing runs. */
export function suspended(s: Subject): { off?: string } {
    const v = s.props.spec?.suspend;
    return v === true || v === "true" ? { off: "spec.suspend is true" } : {};
}

/** The command line of a CronJob's containers, for telling which script it runs. */
export function cronJobCommand(cj: Subject): string {
    return containers(cj, true)
        .flatMap((c) => [...asArray<string>(c.command), ...asArray<string>(c.args)])
        .join(" ");
}

function cronJobEnv(cj: Subject): unknown[] {
    return containers(cj, true).flatMap((c) => asArray(c.env));
}

/** CronJobs that back up a dataset: the script they run or their name says which. */
export function cronJobBackups(resources: readonly Subject[]): BackupEvidence[] {
    return ofType(resources, CRONJOB).flatMap((cj) => {
        const schedule = String(cj.props.spec?.schedule ?? "");
        const command = cronJobCommand(cj);
        const name = metaName(cj);
        if (/verify|restore/i.test(`${name} ${command}`) || !/backup|dump|snapshot|mirror|sync/i.test(`${name} ${command}`)) return [];
        const declared = [...envMap(cronJobEnv(cj)).entries()].find(([k]) => /DATASET/i.test(k))?.[1];
        const dataset = datasetIn(command) ?? (declared ? datasetIn(declared) : undefined) ?? datasetIn(name);
        const fromCrontab = scheduledCommands(cj, cronJobEnv(cj), name, command);
        if (!dataset) return fromCrontab;
        const tier = tierIn(declared ?? name, dataset);
        return [
            {
                subject: cj,
                dataset,
                ...(tier ? { tier } : {}),
                schedule,
                intervalSeconds: schedule ? intervalOf(schedule) : undefined,
                retentionDays: retentionIn(command, cronJobEnv(cj)),
                where: `spec.schedule`,
                ...suspended(cj),
            },
        ];
    });
}

/**
 * A ScheduledBackup whose method its cluster has no configuration for: the default
 * `barmanObjectStore` without `spec.backup.barmanObjectStore`, `volumeSnapshot` without
 * `spec.backup.volumeSnapshot`. Every run fails and nothing is kept.
 */
function unconfigured(sb: Subject, cluster: Subject): { off?: string } {
    const method = String(sb.props.spec?.method ?? "barmanObjectStore");
    const backup = cluster.props.spec?.backup;
    if (method === "plugin") return {};
    if (isRecord(backup) && isRecord(backup[method])) return {};
    return { off: `its method ${method} has no spec.backup.${method} in cluster ${metaName(cluster)}: every backup fails and nothing is kept` };
}

/**
 * CloudNativePG backups: each ScheduledBackup (six-field cron with seconds) of a cluster, with the
 * retention policy (`30d`, `4w`) of the cluster it backs up.
 */
export function cnpgBackups(resources: readonly Subject[]): BackupEvidence[] {
    const clusters = ofType(resources, CNPG_CLUSTER);
    return ofType(resources, CNPG_SCHEDULED_BACKUP).map((sb) => {
        const clusterName = sb.props.spec?.cluster?.name;
        const cluster = clusters.find((c) => metaName(c) === clusterName);
        const policy = cluster?.props.spec?.backup?.retentionPolicy;
        const seconds = typeof policy === "string" ? durationToSeconds(policy) : undefined;
        const schedule = String(sb.props.spec?.schedule ?? "");
        return {
            subject: sb,
            dataset: "postgres" as const,
            schedule,
            intervalSeconds: schedule ? intervalOf(schedule) : undefined,
            retentionDays: seconds === undefined ? undefined : seconds / 86400,
            where: `spec.schedule (cluster ${clusterName ?? "?"}${isRecord(cluster?.props.spec?.backup) ? `, retentionPolicy ${policy ?? "unset"}` : ", no backup section"})`,
            ...(cluster ? unconfigured(sb, cluster) : {}),
            ...suspended(sb),
        };
    });
}
