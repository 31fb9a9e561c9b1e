import { lokiValues } from "../../capabilities/kubernetes/monitoring";
import { names } from "../../capabilities/kubernetes/names";
import { checkLokiRetention, lokiConfigs } from "../lib/logs";
import { appValue, finding, label, perApp, stackRule, type CheckContext, type Finding, type Subject } from "../lib/policy";
import { absentTarget, ofTarget, ofType } from "../lib/targets";
import { isUnknown } from "../lib/inputs";
import { num } from "../lib/values";

const RELEASE = "kubernetes:helm.sh/v3:Release";

/**
 * The Loki chart keeps what it stores: the single binary runs (replicas at least the generated
 * count) on a persistent volume (persistence.enabled), as capabilities/kubernetes/monitoring.ts
 * lokiValues generates it. With persistence off the logs live in the pod's emptyDir and go with
 * it; with no replica nothing is stored at all. Either way the retention setting keeps nothing.
 */
function lokiRuns(releases: readonly Subject[], ctx: CheckContext): Finding[] {
    const out: Finding[] = [];
    const gen = lokiValues(ctx.runbook, names(ctx.app, ctx.kubernetesNamespace ?? ctx.app)) as Record<string, any>;
    const genReplicas = num(gen.singleBinary?.replicas) ?? 1;
    const from = "as capabilities/kubernetes/monitoring.ts lokiValues generates it";
    for (const r of releases) {
        const v = r.props.values ?? {};
        const sb = v.singleBinary ?? {};
        const at = `${label(r)} (chart loki)`;
        if (!isUnknown(v.deploymentMode) && v.deploymentMode !== gen.deploymentMode) {
            out.push(finding(`${at}: deploymentMode is ${JSON.stringify(v.deploymentMode ?? null)}; allowed: ${gen.deploymentMode}, ${from} (the other modes need object storage the stack does not give them)`, { urn: r.urn, key: "logs.retentionDays" }));
        }
        const replicas = num(sb.replicas);
        if (!isUnknown(sb.replicas) && (replicas === undefined || replicas < genReplicas)) {
            out.push(finding(`${at}: singleBinary.replicas is ${JSON.stringify(sb.replicas ?? null)}, so no Loki runs to receive or keep logs; allowed: at least ${genReplicas}, ${from}`, { urn: r.urn, key: "logs.retentionDays" }));
        }
        const persisted = sb.persistence?.enabled;
        if (!isUnknown(persisted) && persisted !== true) {
            out.push(finding(`${at}: singleBinary.persistence.enabled is ${JSON.stringify(persisted ?? null)}, so Loki stores logs in the pod's emptyDir and loses them on every restart; allowed: true, ${from}`, { urn: r.urn, key: "logs.retentionDays" }));
        }
    }
    return out;
}

/** The cluster's Loki (chart values or config) keeps the app's logs as long as the runbook says, on a volume. */
export const k8sLokiLogRetention = stackRule({
    name: "k8s-loki-log-retention",
    description: "The Loki the Kubernetes stack installs keeps logs at least the runbook's log retention (no stream or tenant shorter), with compactor retention on, running on a persistent volume.",
    tier: "runbook",
    target: "kubernetes",
    configSchema: { properties: { retentionDays: perApp("Days the runbook keeps logs.", (rb) => rb.logs.retentionDays, { type: "integer" }) } },
    remediationSteps: "Set the chart's loki.limits_config.retention_period to `${logs.retentionDays * 24}h` and compactor retention_enabled: true, with no shorter retention_stream or tenant override; keep singleBinary replicas and persistence as lokiValues generates them.",
    notApplicable: (resources, ctx) =>
        absentTarget(resources, "kubernetes") ??
        (ctx.runbook.monitoring.logStack === "loki" || lokiConfigs(ofTarget(resources, "kubernetes")).length ? undefined : `the ${ctx.app} runbook names ${ctx.runbook.monitoring.logStack}, not Loki, and the stack runs no Loki`),
    check: (resources, ctx) => [
        ...checkLokiRetention(ctx, ofTarget(resources, "kubernetes"), appValue(ctx, "retentionDays", (rb) => rb.logs.retentionDays), "the Kubernetes stack"),
        ...lokiRuns(ofType(resources, RELEASE).filter((r) => r.props.chart === "loki"), ctx),
    ],
});
