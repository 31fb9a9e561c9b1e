import { promtailValues } from "../../capabilities/kubernetes/monitoring";
import { names } from "../../capabilities/kubernetes/names";
import { isUnknown } from "../lib/inputs";
import { finding, label, stackRule, type Finding } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord } from "../lib/values";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const GENERATOR = "capabilities/kubernetes/monitoring.ts promtailValues";

/** Pipeline stages that throw log lines away: `drop`, a `match` whose action is drop (at any depth), `sampling`, `limit` with drop. */
function dropping(stages: unknown, path: string): string[] {
    const out: string[] = [];
    for (const [i, st] of asArray(stages).entries()) {
        if (!isRecord(st)) continue;
        const at = `${path}[${i}]`;
        if (st.drop !== undefined) out.push(`${at}.drop ${JSON.stringify(st.drop)}`);
        if (st.sampling !== undefined) out.push(`${at}.sampling ${JSON.stringify(st.sampling)}`);
        if (isRecord(st.limit) && st.limit.drop === true) out.push(`${at}.limit ${JSON.stringify(st.limit)}`);
        if (isRecord(st.match)) {
            if (st.match.action === "drop") out.push(`${at}.match ${JSON.stringify({ selector: st.match.selector, action: "drop" })}`);
            out.push(...dropping(st.match.stages, `${at}.match.stages`));
        }
    }
    return out;
}

/** Relabelings that drop targets or keep only some (every Kubernetes pod is a target). */
function narrowing(relabels: unknown, path: string): string[] {
    return asArray(relabels)
        .map((r, i) => ({ r, i }))
        .filter(({ r }) => isRecord(r) && (r.action === "drop" || r.action === "keep" || r.action === "dropequal" || r.action === "keepequal"))
        .map(({ r, i }) => `${path}[${i}] ${JSON.stringify(r)}`);
}

/**
 * Promtail ships the app's logs to the stack's own Loki, from every node, as
 * capabilities/kubernetes/monitoring.ts promtailValues generates it: its clients are exactly the
 * generated push URL (not another Loki, not an extra one that receives copies), the DaemonSet is
 * not disabled, and no pipeline stage or relabeling drops lines or pods. Otherwise Loki's
 * retention keeps logs that never arrive.
 */
export const k8sPromtailShipsLogs = stackRule({
    name: "k8s-promtail-ships-logs",
    description: "Promtail sends every pod's logs to the stack's Loki as generated: the generated clients URL only, the DaemonSet enabled, no pipeline stage or relabeling that drops logs or pods.",
    tier: "runbook",
    target: "kubernetes",
    remediationSteps: `Keep the promtail values ${GENERATOR} builds: config.clients the stack's Loki push URL, daemonset enabled, no drop/match-drop/sampling stages and no drop or keep relabelings in config.snippets.`,
    notApplicable: (resources, ctx) =>
        absentTarget(resources, "kubernetes") ?? (ofType(resources, RELEASE).some((r) => r.props.chart === "promtail") ? undefined : `the stack installs no promtail (the ${ctx.app} runbook's log stack is ${ctx.runbook.monitoring.logStack})`),
    check: (resources, ctx) => {
        const out: Finding[] = [];
        const gen = promtailValues(ctx.runbook, names(ctx.app, ctx.kubernetesNamespace ?? ctx.app)) as Record<string, any>;
        const want = asArray<Record<string, any>>(gen.config?.clients).map((c) => c.url);
        const key = "logs.retentionDays";
        for (const r of ofType(resources, RELEASE).filter((x) => x.props.chart === "promtail")) {
            const v = r.props.values ?? {};
            const at = `${label(r)} (chart promtail)`;
            const clients = v.config?.clients;
            if (!isUnknown(clients)) {
                const urls = asArray<unknown>(clients).map((c) => (isRecord(c) ? c.url : c));
                if (urls.length !== want.length || urls.some((u, i) => u !== want[i])) {
                    out.push(finding(`${at}: config.clients ${JSON.stringify(urls)}; allowed: ${JSON.stringify(want)}, the stack's own Loki, as ${GENERATOR} generates it: the logs go elsewhere, or a copy leaves the stack`, { urn: r.urn, key }));
                }
            }
            if (isRecord(v.daemonset) && v.daemonset.enabled === false) {
                out.push(finding(`${at}: daemonset.enabled is false, so no promtail runs on the nodes and no pod's logs reach Loki; allowed: the chart's DaemonSet, as ${GENERATOR} leaves it`, { urn: r.urn, key }));
            }
            const snippets = v.config?.snippets ?? {};
            const bad = [...dropping(snippets.pipelineStages, "config.snippets.pipelineStages"), ...narrowing(snippets.extraRelabelConfigs, "config.snippets.extraRelabelConfigs"), ...(snippets.scrapeConfigs !== undefined ? [`config.snippets.scrapeConfigs replaced`] : [])];
            if (bad.length) out.push(finding(`${at}: ${bad.join("; ")} throw logs or pods away before Loki; allowed: no such stage, as ${GENERATOR} generates it`, { urn: r.urn, key }));
        }
        return out;
    },
});
