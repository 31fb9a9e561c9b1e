import { durationSeconds } from "../../runbooks";
import { reachabilityLevel } from "../../capabilities/reachability";
import { finding, label, stackRule, type Finding, type Subject } from "../lib/policy";
import { alertingRules } from "../lib/prometheus";
import { ruleSelects } from "../lib/subjects";
import { absentTarget, ofTarget, ofType } from "../lib/targets";
import { asArray, durationToSeconds, isRecord } from "../lib/values";

const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const PROBE = "kubernetes:monitoring.coreos.com/v1:Probe";

/** The hosts a stack publishes: its Ingresses' rule and TLS hosts. */
function publicHosts(resources: readonly Subject[]): string[] {
    const hosts = ofType(resources, INGRESS).flatMap((i) => [
        ...asArray<Record<string, any>>(i.props.spec?.rules).map((r) => r?.host),
        ...asArray<Record<string, any>>(i.props.spec?.tls).flatMap((t) => asArray<unknown>(t?.hosts)),
    ]);
    return [...new Set(hosts.filter((h): h is string => typeof h === "string" && !h.startsWith("*.")))];
}

/** The `https://<host>…` URLs a Probe sends to the blackbox exporter, with its target labels. */
function probed(p: Subject): { urls: string[]; labels: Record<string, string> } {
    const sc = p.props.spec?.targets?.staticConfig;
    const labels = isRecord(sc?.labels) ? Object.fromEntries(Object.entries(sc.labels).map(([k, v]) => [k, String(v)])) : {};
    return { urls: asArray<unknown>(sc?.static).filter((u): u is string => typeof u === "string"), labels };
}

/**
 * Every public host is checked from outside on Kubernetes (the in-cluster ServiceDown probe cannot
 * see a broken DNS record, certificate or ingress): a blackbox Probe of `https://<host>` over an
 * HTTP module, scraped at least once per the runbook's service_down critical `for`, and a rule over
 * that probe's series (by its labels) that is critical, fires when the series is missing as well as
 * when it fails, and waits no longer than that `for`.
 */
export const k8sPublicHostReachability = stackRule({
    name: "k8s-public-host-reachability",
    description:
        "Every host the stack's Ingresses publish has a blackbox Probe of its https URL and a critical rule over that probe that fires on failure and on a missing series within the runbook's service_down critical duration.",
    tier: "runbook",
    target: "kubernetes",
    remediationSteps: "Create one monitoring.coreos.com/v1 Probe per public host (capabilities/kubernetes/reachability.ts) and the reachability PrometheusRule (capabilities/reachability.ts reachabilityRules).",
    notApplicable: (resources, ctx) => absentTarget(resources, "kubernetes") ?? (publicHosts(resources).length ? undefined : `${ctx.app} publishes no host on Kubernetes`),
    check: (resources, ctx) => {
        const out: Finding[] = [];
        let level;
        try {
            level = reachabilityLevel(ctx.runbook);
        } catch (e) {
            return [finding((e as Error).message)];
        }
        const key = `alerts.${level.alert.id}.critical`;
        const maxSeconds = durationSeconds(level.level.for);
        const wants = `a failed public host is the runbook's "${level.alert.title}" (critical, for ${level.level.for})`;
        const probes = ofType(resources, PROBE);
        const rules = ofTarget(resources, "kubernetes").flatMap((s) => alertingRules(s.props).map((r) => ({ s, r })));
        for (const host of publicHosts(resources)) {
            const mine = probes.filter((p) => probed(p).urls.some((u) => u === `https://${host}` || u.startsWith(`https://${host}/`)));
            if (mine.length === 0) {
                out.push(finding(`public host ${host} has no blackbox Probe of https://${host}: a failure at DNS, TLS or the ingress pages no one; ${wants}`, { key }));
                continue;
            }
            const problems = (p: Subject): string[] => {
                const why: string[] = [];
                const module = String(p.props.spec?.module ?? "");
                if (!module.startsWith("http")) why.push(`its module is ${module || "not set"}, not an HTTP check`);
                const interval = durationToSeconds(p.props.spec?.interval) ?? 30;
                if (interval > maxSeconds) why.push(`it probes every ${p.props.spec?.interval}, rarer than the runbook's ${level.level.for}`);
                const { labels } = probed(p);
                const selected = rules.filter(({ r }) =>
                    r.expr.includes("probe_success") && Object.entries(labels).every(([l, v]) => ruleSelects(r.expr, { label: l, value: v, mode: "all" })),
                );
                const good = selected.filter(({ r }) => (r.labels.severity ?? "").toLowerCase() === "critical" && /\babsent\s*\(/.test(r.expr) && r.forSeconds <= maxSeconds);
                if (selected.length === 0) why.push("no alerting rule reads its probe_success series");
                else if (good.length === 0) {
                    for (const { s, r } of selected) {
                        const bad = [
                            (r.labels.severity ?? "").toLowerCase() !== "critical" ? `severity ${r.labels.severity ?? "(none)"}, not critical` : "",
                            /\babsent\s*\(/.test(r.expr) ? "" : "it does not fire when the probe's series is missing",
                            r.forSeconds > maxSeconds ? `it waits ${r.forSeconds}s, longer than ${level.level.for}` : "",
                        ].filter(Boolean);
                        why.push(`rule "${r.alert}" in ${label(s)}: ${bad.join("; ")}`);
                    }
                }
                return why;
            };
            if (!mine.some((p) => problems(p).length === 0)) {
                for (const p of mine) out.push(finding(`${label(p)} checks ${host} but ${problems(p).join("; ")}; ${wants}`, { urn: p.urn, key }));
            }
        }
        return out;
    },
});
