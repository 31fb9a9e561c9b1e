import { cronJobSpec, scheduledJobs } from "../../capabilities/kubernetes/backups";
import { names } from "../../capabilities/kubernetes/names";
import { scheduledVerifications } from "../lib/backups";
import { CRONJOB, metaName } from "../lib/kubernetes";
import { cronJobBackups, cronJobCommand } from "../lib/kubernetes-backups";
import { finding, label, stackRule, type Finding, type Subject } from "../lib/policy";
import { isUnknown } from "../lib/inputs";
import { absentTarget, ofType } from "../lib/targets";
import { num } from "../lib/values";

/** The backup and restore-check CronJobs the backup and restore policies count. */
function scheduled(resources: readonly Subject[]): { cj: Subject; what: string }[] {
    const backups = new Set(cronJobBackups(resources).map((e) => e.subject.urn));
    return ofType(resources, CRONJOB).flatMap((cj) => {
        if (backups.has(cj.urn)) return [{ cj, what: "backup" }];
        return scheduledVerifications(cj, String(cj.props.spec?.schedule ?? ""), `${metaName(cj)} ${cronJobCommand(cj)}`).length ? [{ cj, what: "restore check" }] : [];
    });
}

const GENERATOR = "capabilities/kubernetes/backups.ts cronJobSpec";

/**
 * A backup or restore-check CronJob that is scheduled yet never runs, or runs other than when the
 * schedule says, while its schedule, command and suspend flag all pass: parallelism 0 (the Job
 * starts no pod), completions 0 (the Job is complete at once), a startingDeadlineSeconds shorter
 * than the generated one (a start delayed by a controller restart or a busy cluster is skipped; under
 * 10 s the controller, which looks every 10 s, can skip every run), another timeZone (the runbook's
 * cron is UTC: the job runs hours away from its window), or a concurrencyPolicy other than Forbid
 * (Replace kills a running dump when the next one starts; Allow runs two dumps against the store).
 * Held to what the generator produces for the same job (capabilities/kubernetes/backups.ts).
 *
 * The bound on startingDeadlineSeconds is the generated one (one hour) or none: a longer deadline,
 * or none, only lets a late start still happen, which the backup-overdue alert would otherwise
 * report; a shorter one trades a late backup for a missing one.
 */
export const k8sCronJobRuns = stackRule({
    name: "k8s-cronjob-runs",
    description:
        "Every backup and restore-check CronJob runs as generated: jobTemplate parallelism and completions unset or at least 1, startingDeadlineSeconds (and a restore check's activeDeadlineSeconds) unset or at least the generated one, the generated timeZone and concurrencyPolicy.",
    tier: "runbook",
    target: "kubernetes",
    remediationSteps: `Keep the CronJob spec ${GENERATOR} builds: no parallelism or completions, startingDeadlineSeconds, timeZone and concurrencyPolicy as generated; to move a schedule, change the runbook's backups.`,
    notApplicable: (resources) => absentTarget(resources, "kubernetes") ?? (scheduled(resources).length ? undefined : "the stack has no backup or restore-check CronJob"),
    check: (resources, ctx) => {
        const out: Finding[] = [];
        for (const { cj, what } of scheduled(resources)) {
            const n = names(ctx.app, String(cj.props.metadata?.namespace ?? ctx.kubernetesNamespace ?? ctx.app));
            const jobs = scheduledJobs(ctx.runbook, n);
            const job = jobs.find((j) => j.name === metaName(cj)) ?? jobs[0];
            if (!job) continue;
            const gen = cronJobSpec(job, n) as Record<string, any>;
            const spec = cj.props.spec ?? {};
            const jt = spec.jobTemplate?.spec ?? {};
            const key = what === "backup" ? "backups" : "verification.restore-test";
            const at = (field: string, v: unknown) => `${label(cj)} (${what}): ${field} is ${JSON.stringify(v)}`;
            for (const field of ["parallelism", "completions"] as const) {
                const v = jt[field];
                const count = num(v);
                if (!isUnknown(v) && v !== undefined && v !== null && (count === undefined || count < 1)) {
                    out.push(finding(`${at(`jobTemplate.spec.${field}`, v)}, so the Job ${field === "parallelism" ? "starts no pod" : "counts as complete without running"} and the ${what} never happens; allowed: unset (as ${GENERATOR} leaves it) or at least 1`, { urn: cj.urn, key }));
                }
            }
            // A backup's own deadline is k8s-backup-job-effective's; a restore check's is held here.
            const active = jt.activeDeadlineSeconds;
            const genActive = num(gen.jobTemplate?.spec?.activeDeadlineSeconds);
            if (what === "restore check" && !isUnknown(active) && active !== undefined && active !== null && genActive !== undefined && (num(active) ?? 0) < genActive) {
                out.push(finding(`${at("jobTemplate.spec.activeDeadlineSeconds", active)}, so Kubernetes kills the restore before it can finish and no restore is ever proven; allowed: unset or at least ${genActive} s, as ${GENERATOR} sets it`, { urn: cj.urn, key }));
            }
            const deadline = spec.startingDeadlineSeconds;
            const d = num(deadline);
            const genDeadline = num(gen.startingDeadlineSeconds);
            if (!isUnknown(deadline) && deadline !== undefined && deadline !== null && genDeadline !== undefined && (d === undefined || d < genDeadline)) {
                out.push(
                    finding(
                        `${at("startingDeadlineSeconds", deadline)}: a start delayed longer (a controller restart, a busy node) is skipped, not run late${d !== undefined && d < 10 ? ", and under 10 s the controller, which checks every 10 s, can skip every run" : ""}; allowed: unset or at least ${genDeadline} s, as ${GENERATOR} sets it`,
                        { urn: cj.urn, key },
                    ),
                );
            }
            for (const field of ["timeZone", "concurrencyPolicy"] as const) {
                const v = spec[field];
                if (isUnknown(v) || gen[field] === undefined || v === gen[field]) continue;
                const why = field === "timeZone" ? "the runbook's cron is read in UTC: another zone runs the job hours away from its window" : "Replace kills a running dump when the next starts, Allow runs two at once against the store";
                out.push(finding(`${at(`spec.${field}`, v ?? null)}; allowed: ${JSON.stringify(gen[field])}, as ${GENERATOR} sets it (${why})`, { urn: cj.urn, key }));
            }
        }
        return out;
    },
});
