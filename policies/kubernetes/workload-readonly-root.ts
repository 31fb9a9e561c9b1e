import { finding, label, resourceRule } from "../lib/policy";
import { containers, CRONJOB, DEPLOYMENT, metaName, podSpec, STATEFULSET } from "../lib/kubernetes";

/** An exporter container (`<id>-exporter`): it reads flags and its environment and serves metrics, so it writes nothing. */
const isExporter = (name: string) => name.endsWith("-exporter");
/** The platform's backup and restore-check CronJobs (capabilities/kubernetes/backups.ts): they write only to their /tmp emptyDir. */
const BACKUP_COMPONENTS = new Set(["backup", "restore-check"]);
const isBackupJob = (s: { type: string; props: Record<string, any> }) => s.type === CRONJOB && BACKUP_COMPONENTS.has(String(podSpecLabels(s)["app.kubernetes.io/component"]));
function podSpecLabels(s: { props: Record<string, any> }): Record<string, unknown> {
    return s.props.spec?.jobTemplate?.spec?.template?.metadata?.labels ?? {};
}

/** The runbook's app containers and the data services' exporters run on a read-only root filesystem, as non-root. */
export const k8sWorkloadReadonlyRoot = resourceRule({
    name: "k8s-workload-readonly-root",
    description: "The containers of the runbook's app Deployments, every exporter container (Deployment or StatefulSet) and every container of the backup and restore-check CronJobs have readOnlyRootFilesystem: true and run as non-root.",
    tier: "security",
    target: "kubernetes",
    types: [DEPLOYMENT, STATEFULSET, CRONJOB],
    remediationSteps: "Set securityContext.readOnlyRootFilesystem: true and runAsNonRoot: true on the container, and mount an emptyDir where it writes (capabilities/kubernetes/apps.ts; the exporters in capabilities/kubernetes/*-exporter.ts and *-statefulset.ts).",
    check: (s, ctx) => {
        const services = new Set(ctx.runbook.services.map((svc) => svc.name));
        const pod = podSpec(s);
        const backupJob = isBackupJob(s);
        return containers(s, true)
            .filter((c) => backupJob || (s.type === DEPLOYMENT && services.has(String(c.name))) || (s.type !== CRONJOB && isExporter(String(c.name))))
            .flatMap((c) => {
                const out = [];
                const what = backupJob ? "a backup or restore-check job writes only to its /tmp emptyDir" : isExporter(String(c.name)) ? "an exporter writes nothing" : "an app container writes only to its scratch volume";
                const where = `${label(s)} (${metaName(s)}) container "${c.name}"`;
                if (c.securityContext?.readOnlyRootFilesystem !== true) out.push(finding(`${where}: readOnlyRootFilesystem is ${c.securityContext?.readOnlyRootFilesystem ?? "not set"}; ${what}`));
                const nonRoot = c.securityContext?.runAsNonRoot ?? pod?.securityContext?.runAsNonRoot;
                const uid = c.securityContext?.runAsUser ?? pod?.securityContext?.runAsUser;
                if (nonRoot !== true || uid === 0) out.push(finding(`${where}: ${uid === 0 ? "runAsUser is 0" : "runAsNonRoot is not true"}; it runs as a non-root UID`));
                return out;
            });
    },
});
