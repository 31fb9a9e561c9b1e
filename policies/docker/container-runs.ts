import { backupJobs } from "../../capabilities/docker/backups";
import { CONTAINER, containerName } from "../lib/docker";
import { isUnknown } from "../lib/inputs";
import { finding, label, stackRule, type Finding, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray } from "../lib/values";

/** The containers the runbook's alerts, logs and backups depend on: they must run until stopped. */
const CORE = /-(prometheus|alertmanager|loki|promtail)$/;
const BACKUP_GENERATOR = "capabilities/docker/backups.ts backupJobs";

const envOf = (s: Subject): Map<string, string> =>
    new Map(
        asArray<unknown>(s.props.envs)
            .filter((e): e is string => typeof e === "string" && e.includes("="))
            .map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
    );

/**
 * The local stack's containers run: none is created with `start: false` (Docker creates it and
 * never starts it, and every check of its configuration still passes), the monitoring containers
 * (Prometheus, Alertmanager, Loki, Promtail) and the backup runners restart unless stopped, and
 * each backup runner runs the generated command (capabilities/docker/backups.ts backupJobs: the
 * cron runner on the dataset's backup script) rather than something that keeps the container up
 * and backs up nothing.
 */
export const dockerContainerRuns = stackRule({
    name: "docker-container-runs",
    description: "No Docker container is created stopped (start: false); Prometheus, Alertmanager, Loki, Promtail and the backup runners restart unless stopped, and each backup runner runs its generated cron-runner command.",
    tier: "runbook",
    target: "docker",
    remediationSteps: `Leave start unset, keep restart unless-stopped (mustRun true) on the monitoring and backup containers, and keep each backup container's entrypoint and command as ${BACKUP_GENERATOR} generates them.`,
    notApplicable: (resources) => absentTarget(resources, "docker"),
    check: (resources, ctx) => {
        const out: Finding[] = [];
        const jobs = backupJobs(ctx.runbook);
        for (const c of ofType(resources, CONTAINER)) {
            const p = c.props;
            const at = `${label(c)} (${containerName(c)})`;
            if (p.start === false) out.push(finding(`${at}: start is false, so Docker creates the container and never starts it; allowed: unset (started), as every container the platform generates`, { urn: c.urn }));
            const job = jobs.find((j) => j.name === envOf(c).get("JOB_DATASET") && envOf(c).has("CRON_SCHEDULE"));
            const core = CORE.test(c.name) || job !== undefined;
            if (!core) continue;
            const what = job ? `the ${job.name} backup runner` : "a monitoring container the runbook's alerts and logs depend on";
            if (!isUnknown(p.restart) && p.restart !== "unless-stopped" && p.restart !== "always") {
                out.push(finding(`${at}: restart is ${JSON.stringify(p.restart ?? null)}; ${what} stays down after it exits or the host restarts; allowed: unless-stopped (or always), as the platform generates it`, { urn: c.urn, key: job ? `backups.${job.dataset}` : undefined }));
            }
            if (p.mustRun === false || p.rm === true) out.push(finding(`${at}: ${p.mustRun === false ? "mustRun is false" : "rm is true"}, so Pulumi does not keep ${what} running; allowed: mustRun true, rm unset`, { urn: c.urn, key: job ? `backups.${job.dataset}` : undefined }));
            if (!job) continue;
            const have = [...asArray<unknown>(p.entrypoints), ...asArray<unknown>(p.command)].map(String);
            const want = [...job.entrypoint, ...job.command];
            if (!isUnknown(p.command) && !isUnknown(p.entrypoints) && (have.length !== want.length || have.some((x, i) => x !== want[i]))) {
                out.push(finding(`${at}: runs ${JSON.stringify(have)}, not the generated backup runner ${JSON.stringify(want)} (${BACKUP_GENERATOR}): the container stays up on its schedule and backs up nothing`, { urn: c.urn, key: `backups.${job.dataset}` }));
            }
        }
        return out;
    },
});
