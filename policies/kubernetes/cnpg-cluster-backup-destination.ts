import { clusterSpec } from "../../capabilities/kubernetes/postgres";
import { names } from "../../capabilities/kubernetes/names";
import { isUnknown } from "../lib/inputs";
import { CNPG_CLUSTER } from "../lib/kubernetes-backups";
import { metaName } from "../lib/kubernetes";
import { finding, label, provenance, stackRule, type Finding } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { isRecord } from "../lib/values";

/** The barmanObjectStore fields that decide where base backups and WAL go, and with whose credentials. */
const FIELDS = [
    { path: ["destinationPath"], why: "another bucket or prefix is one the stack's backup checks and restore test never read" },
    { path: ["endpointURL"], why: "another endpoint is an object store the stack does not run" },
    { path: ["s3Credentials", "accessKeyId", "name"], why: "the stack's MinIO Secret is the login of its backup bucket" },
    { path: ["s3Credentials", "secretAccessKey", "name"], why: "the stack's MinIO Secret is the login of its backup bucket" },
] as const;

const at = (o: unknown, path: readonly string[]): unknown => path.reduce<unknown>((v, k) => (isRecord(v) ? v[k] : undefined), o);

/**
 * The CloudNativePG cluster of the stack writes its base backups and WAL where the platform puts
 * them (capabilities/kubernetes/postgres.ts clusterSpec): the stack's backup bucket on its own
 * MinIO, with its MinIO Secret. A ScheduledBackup that runs on the runbook's schedule into another
 * bucket (or another object store) passes the schedule check yet leaves nothing the restore check
 * and the backup-age alert look at.
 */
export const k8sCnpgClusterBackupDestination = stackRule({
    name: "k8s-cnpg-cluster-backup-destination",
    description: "CloudNativePG clusters send base backups and WAL to the stack's backup bucket on its own object store (barmanObjectStore destinationPath, endpointURL and credentials as generated).",
    tier: "runbook",
    target: "kubernetes",
    remediationSteps: "Use clusterSpec (capabilities/kubernetes/postgres.ts) for spec.backup.barmanObjectStore instead of editing its destination.",
    notApplicable: (resources, ctx) =>
        absentTarget(resources, "kubernetes") ?? (ctx.runbook.data.postgres && ofType(resources, CNPG_CLUSTER).length ? undefined : "the stack runs no CloudNativePG cluster"),
    check: (resources, ctx) => {
        const out: Finding[] = [];
        const b = ctx.runbook.backups.find((x) => x.dataset === "postgres");
        const from = provenance(b, "cron");
        for (const c of ofType(resources, CNPG_CLUSTER)) {
            const ns = String(c.props.metadata?.namespace ?? ctx.kubernetesNamespace ?? ctx.app);
            const n = names(ctx.app, ns);
            if (metaName(c) !== n.postgres) continue;
            let want: unknown;
            try {
                want = clusterSpec(ctx.runbook, ctx.env, n).backup?.barmanObjectStore;
            } catch (e) {
                out.push(finding(`${label(c)}: the platform's backup destination cannot be worked out from the runbook: ${(e as Error).message}`, { urn: c.urn }));
                continue;
            }
            const have = at(c.props.spec, ["backup", "barmanObjectStore"]);
            if (!isRecord(have) || isUnknown(have)) continue; // no object store: k8s-cnpg-scheduledbackup-runbook-schedule finds the backups switched off
            for (const f of FIELDS) {
                const v = at(have, f.path);
                const w = at(want, f.path);
                if (isUnknown(v) || v === w) continue;
                out.push(
                    finding(
                        `${label(c)}: spec.backup.barmanObjectStore.${f.path.join(".")} is ${JSON.stringify(v) ?? "unset"}; allowed: ${JSON.stringify(w)}, as generated (${f.why}); ${from.who} backs up postgres ${from.cite}`,
                        { urn: c.urn, key: "backups.postgres.cron" },
                    ),
                );
            }
        }
        return out;
    },
});
