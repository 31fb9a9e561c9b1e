import { tierName } from "../../capabilities/backups/plan";
import type { Dataset } from "../../runbooks";
import { DEFAULTS } from "../../runbooks/defaults";
import { envMap } from "../lib/backups";
import { containers, podSpec } from "../lib/kubernetes";
import { cronJobBackups } from "../lib/kubernetes-backups";
import { finding, label, stackRule, type Finding, type Subject } from "../lib/policy";
import { absentTarget } from "../lib/targets";
import { isUnknown } from "../lib/inputs";
import { asArray, num } from "../lib/values";

/** What actually copies each dataset: its backup script, or the tool that dumps it. */
const COPIES: Readonly<Record<Dataset, RegExp>> = {
    postgres: /backup[-_]postgres\b|\bpg_dump(all)?\b|\bpg_basebackup\b/,
    mongodb: /backup[-_]mongodb\b|\bmongodump\b/,
    redis: /backup[-_]redis\b|\bredis-cli\b.*(--rdb|\bbgsave\b)/i,
    files: /backup[-_](bucket|files)\b|\baws s3 (sync|cp)\b|\bmc mirror\b|\brclone (sync|copy)\b/,
    config: /backup[-_](bucket|config)\b|\baws s3 (sync|cp)\b|\bmc mirror\b|\brclone (sync|copy)\b/,
    rabbitmq: /backup[-_]rabbitmq\b|\/api\/definitions\b|\brabbitmqctl export_definitions\b/,
};

/** Remote object stores a dump may leave the cluster for. */
const REMOTE = /^(s3|gs|az|azure|swift|https?):\/\//;

/** Where a local path is kept: the volume mounted deepest above it, if any. */
function volumeAt(cj: Subject, path: string): Record<string, any> | undefined {
    const mounts = containers(cj, true)
        .flatMap((c) => asArray<Record<string, any>>(c.volumeMounts))
        .filter((m) => typeof m.mountPath === "string" && (path === m.mountPath || path.startsWith(`${String(m.mountPath).replace(/\/$/, "")}/`)))
        .sort((a, b) => String(b.mountPath).length - String(a.mountPath).length);
    const name = mounts[0]?.name;
    return name === undefined ? undefined : asArray<Record<string, any>>(podSpec(cj)?.volumes).find((v) => v.name === name);
}

/**
 * A backup CronJob that runs but backs up nothing: its command no longer copies the dataset (the
 * platform's run-job.sh then pushes success for a no-op), its destination is the pod's own
 * scratch space, its deadline kills it before a dump can finish, it dumps another database than
 * the app's, or it reports its success as another dataset's.
 */
export const k8sBackupJobEffective = stackRule({
    name: "k8s-backup-job-effective",
    description:
        "Every backup CronJob runs what copies its dataset (its backup script or dump tool), writes to an object store or a persistent volume (not emptyDir or the pod's filesystem), has an activeDeadlineSeconds a dump can finish in, dumps the runbook's PostgreSQL database and reports success under its own dataset.",
    tier: "runbook",
    target: "kubernetes",
    remediationSteps: "Keep the backup CronJobs as components/targets/kubernetes builds them: run-job.sh wrapping /opt/backup/backup-<dataset>.sh, BACKUP_DEST on the object store, the platform's deadline, PGDATABASE the runbook's database.",
    notApplicable: (resources) => absentTarget(resources, "kubernetes") ?? (cronJobBackups(resources).length ? undefined : "the stack has no backup CronJob"),
    check: (resources, ctx) => {
        const out: Finding[] = [];
        const minDeadline = DEFAULTS.backupJobMinSeconds;
        for (const e of cronJobBackups(resources)) {
            const cj = e.subject;
            const key = `backups.${e.dataset}`;
            const at = (what: string) => `${label(cj)} (backup of ${e.dataset}) ${what}`;
            const lines = containers(cj, false).map((c) => [...asArray<unknown>(c.command), ...asArray<unknown>(c.args)].map(String).join(" "));
            if (lines.length && !lines.some((l) => COPIES[e.dataset].test(l))) {
                out.push(finding(at(`runs ${lines.map((l) => JSON.stringify(l)).join(", ")}, which runs no backup of ${e.dataset} (its script or dump tool): the job succeeds, and reports a backup, having copied nothing`), { urn: cj.urn, key }));
            }
            const env = envMap(containers(cj, false).flatMap((c) => asArray(c.env)));
            const dest = env.get("BACKUP_DEST");
            if (dest !== undefined && !REMOTE.test(dest)) {
                const vol = dest.startsWith("/") ? volumeAt(cj, dest) : undefined;
                if (!vol?.persistentVolumeClaim) {
                    out.push(
                        finding(at(`writes to BACKUP_DEST=${dest}, ${vol ? `volume "${vol.name}" (${Object.keys(vol).filter((k) => k !== "name").join(", ") || "no source"})` : "the container's own filesystem"}, which is gone when the pod ends: nothing is kept`), {
                            urn: cj.urn,
                            key: `${key}.retentionDays`,
                        }),
                    );
                }
            }
            const deadline = cj.props.spec?.jobTemplate?.spec?.activeDeadlineSeconds;
            const d = num(deadline);
            if (!isUnknown(deadline) && d !== undefined && d < minDeadline.value) {
                out.push(finding(at(`has activeDeadlineSeconds ${d}, less than ${minDeadline.value}s (platform default: ${minDeadline.reason}): Kubernetes kills it before a dump can finish`), { urn: cj.urn, key }));
            }
            const db = ctx.runbook.data.postgres?.database;
            const pgdb = env.get("PGDATABASE");
            if (e.dataset === "postgres" && db && pgdb !== undefined && pgdb !== db) {
                out.push(finding(at(`dumps PGDATABASE=${pgdb}, not the runbook's database ${db}: the app's data is not in the backup`), { urn: cj.urn, key: "data.postgres.database" }));
            }
            // A tier reports under its own name (capabilities/backups/plan.ts tierName), as its backup-age alert reads it.
            const reported = env.get("JOB_DATASET");
            const own = tierName(e.dataset, e.tier);
            if (reported !== undefined && reported !== own) {
                out.push(finding(at(`reports its success as JOB_DATASET=${reported}: the ${reported} backup-age alert hears of a backup that did not happen, and ${own}'s of none`), { urn: cj.urn, key }));
            }
        }
        return out;
    },
});
