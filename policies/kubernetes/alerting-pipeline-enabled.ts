import { DEFAULTS } from "../../runbooks/defaults";
import type { Runbook } from "../../runbooks";
import { SCRAPE_INTERVAL } from "../../capabilities/alerting/metrics";
import { kubePrometheusStackValues, metricsRetention, prometheusStorage } from "../../capabilities/kubernetes/monitoring";
import { names } from "../../capabilities/kubernetes/names";
import { cite, finding, label, stackRule, type Finding, type Subject } from "../lib/policy";
import { quickestLevel, selects, type Labels } from "../lib/selectors";
import { unpagedEnv } from "../lib/routing";
import { absentTarget, ofType } from "../lib/targets";
import { isUnknown } from "../lib/inputs";
import { asArray, durationToSeconds, isRecord, num } from "../lib/values";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const CHART = "kube-prometheus-stack";

/** Prometheus's size units (`retentionSize`): bytes. */
function bytesOf(v: string): number | undefined {
    const m = /^(\d+(?:\.\d+)?)(B|KB|MB|GB|TB|PB|EB)$/.exec(v.trim());
    return m ? Number(m[1]) * 1024 ** ["B", "KB", "MB", "GB", "TB", "PB", "EB"].indexOf(m[2]) : undefined;
}

/** The chart's evaluation interval when its values set none (prometheusSpec.evaluationInterval, kube-prometheus-stack 65). */
const CHART_EVALUATION_INTERVAL = "30s";

/**
 * Values on the way from a firing rule to Alertmanager: relabelings that drop or rewrite alerts,
 * other Alertmanagers, labels added to every alert (a route may match on them), AlertmanagerConfig
 * objects merged into the checked configuration. Held to the generated values (which set none).
 */
const ALERT_PATH: readonly (readonly string[])[] = [
    ["prometheus", "prometheusSpec", "additionalAlertRelabelConfigs"],
    ["prometheus", "prometheusSpec", "additionalAlertRelabelConfigsSecret"],
    ["prometheus", "prometheusSpec", "additionalAlertManagerConfigs"],
    ["prometheus", "prometheusSpec", "additionalAlertManagerConfigsSecret"],
    ["prometheus", "prometheusSpec", "alertingEndpoints"],
    ["prometheus", "prometheusSpec", "externalLabels"],
    ["prometheus", "prometheusSpec", "prometheusExternalLabelName"],
    ["prometheus", "prometheusSpec", "replicaExternalLabelName"],
    ["prometheus", "prometheusSpec", "enforcedNamespaceLabel"],
    ["alertmanager", "alertmanagerSpec", "alertmanagerConfigSelector"],
    ["alertmanager", "alertmanagerSpec", "alertmanagerConfigNamespaceSelector"],
    ["alertmanager", "alertmanagerSpec", "alertmanagerConfiguration"],
    ["alertmanager", "alertmanagerSpec", "alertmanagerConfigMatcherStrategy"],
];

const valueAt = (v: unknown, path: readonly string[]): unknown => path.reduce<unknown>((x, k) => (isRecord(x) ? x[k] : undefined), v);
const empty = (v: unknown) => v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0) || (isRecord(v) && !Array.isArray(v) && Object.keys(v).length === 0);
const canonical = (v: unknown): string => JSON.stringify(v, (_k, x) => (isRecord(x) && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));

/** Why Prometheus keeps what it keeps: the runbook's trend review (cited) or the platform default. */
function retentionWhy(rb: Runbook): string {
    const r = metricsRetention(rb);
    const d = DEFAULTS.metricsRetention;
    if (r.days <= d.value) return `platform default ${d.value} days: ${d.reason}`;
    const review = rb.checks.find((c) => (d.trendChecks as readonly string[]).includes(c.id) && r.reason.includes(c.id));
    return `${r.reason} ${cite(review?.source)}`;
}

const labelsOf = (s: Subject): Labels => (isRecord(s.props.metadata?.labels) ? (s.props.metadata.labels as Labels) : {});
const off = (v: unknown) => v === false || v === "false";

/**
 * The in-cluster alerting pipeline kube-prometheus-stack installs is switched on: Alertmanager
 * enabled with at least one replica and reading the stack's own configuration Secret; Prometheus
 * enabled with at least one replica, selecting every PrometheusRule the stack creates (rule and
 * namespace selectors), and evaluating them often enough for the runbook's quickest alert.
 */
export const k8sAlertingPipelineEnabled = stackRule({
    name: "k8s-alerting-pipeline-enabled",
    description:
        "The kube-prometheus-stack release keeps Alertmanager and Prometheus enabled with at least one replica, Alertmanager reads the stack's own configuration Secret, Prometheus selects every PrometheusRule of the stack, and rules are evaluated at least as often as the runbook's quickest alert level fires.",
    tier: "runbook",
    target: "kubernetes",
    remediationSteps: "Keep the chart values capabilities/kubernetes/monitoring.ts sets (kubePrometheusStackValues); label PrometheusRules so the release's ruleSelector selects them.",
    notApplicable: (resources, ctx) => absentTarget(resources, "kubernetes") ?? unpagedEnv(ctx) ?? (ofType(resources, RELEASE).some((r) => r.props.chart === CHART) ? undefined : `no ${CHART} release in this stack`),
    check: (resources, ctx) => {
        const out: Finding[] = [];
        const quickest = quickestLevel(ctx.runbook);
        const rules = ofType(resources, PROMETHEUS_RULE);
        for (const release of ofType(resources, RELEASE).filter((r) => r.props.chart === CHART)) {
            const values = isRecord(release.props.values) ? release.props.values : {};
            if (isUnknown(values)) continue;
            const at = (what: string) => `${label(release)} values ${what}`;
            const at2 = (path: readonly string[]) => at(path.join("."));
            const am = isRecord(values.alertmanager) ? values.alertmanager : {};
            const amSpec = isRecord(am.alertmanagerSpec) ? am.alertmanagerSpec : {};
            const prom = isRecord(values.prometheus) ? values.prometheus : {};
            const promSpec = isRecord(prom.prometheusSpec) ? prom.prometheusSpec : {};
            const key = "incident.alertResponse.critical";
            const responseWhy = `every alert the runbook rates critical must reach a pager (${cite(ctx.runbook.incident.severities.find((x) => x.alertSeverity === "critical")?.source)})`;
            if (off(am.enabled)) out.push(finding(`${at("alertmanager.enabled")} is false: no Alertmanager runs, so no alert reaches anyone`, { urn: release.urn, key }));
            if (num(amSpec.replicas) === 0) out.push(finding(`${at("alertmanager.alertmanagerSpec.replicas")} is 0: no Alertmanager pod runs, so no alert reaches anyone`, { urn: release.urn, key }));
            if (off(prom.enabled)) out.push(finding(`${at("prometheus.enabled")} is false: no Prometheus evaluates the runbook's alert rules`, { urn: release.urn, key }));
            if (num(promSpec.replicas) === 0) out.push(finding(`${at("prometheus.prometheusSpec.replicas")} is 0: no Prometheus pod evaluates the runbook's alert rules`, { urn: release.urn, key }));
            // Alertmanager's configuration: with useExistingSecret the operator reads configSecret, which must be the stack's own.
            if (amSpec.useExistingSecret === true || amSpec.configSecret !== undefined) {
                const namespace = release.props.namespace;
                const name = amSpec.configSecret;
                const ours = ofType(resources, SECRET).some((s) => s.props.metadata?.name === name && (s.props.metadata?.namespace === undefined || namespace === undefined || s.props.metadata.namespace === namespace));
                if (typeof name !== "string" || !ours) {
                    out.push(
                        finding(`${at("alertmanager.alertmanagerSpec.configSecret")} is ${JSON.stringify(name)}, not a Secret this stack creates${namespace ? ` in ${namespace}` : ""}: Alertmanager runs a configuration no policy has checked (or none)`, {
                            urn: release.urn,
                            key,
                        }),
                    );
                }
            }
            // Which PrometheusRules this Prometheus loads.
            const nilUsesHelm = promSpec.ruleSelectorNilUsesHelmValues !== false && promSpec.ruleSelectorNilUsesHelmValues !== "false";
            const ruleSelector: Record<string, any> | undefined = isRecord(promSpec.ruleSelector) ? promSpec.ruleSelector : nilUsesHelm ? { matchLabels: { release: String(release.props.name ?? release.name) } } : undefined;
            const nsSelector: Record<string, any> | undefined = isRecord(promSpec.ruleNamespaceSelector) ? promSpec.ruleNamespaceSelector : undefined;
            const namespaces = ofType(resources, NAMESPACE);
            for (const rule of rules) {
                const name = rule.props.metadata?.name ?? rule.name;
                if (ruleSelector && !selects(ruleSelector, labelsOf(rule))) {
                    out.push(finding(`${at("prometheus.prometheusSpec.ruleSelector")} ${JSON.stringify(ruleSelector)} does not select ${label(rule)} (labels ${JSON.stringify(labelsOf(rule))}): Prometheus never loads its alerts (${name})`, { urn: release.urn, key }));
                }
                const ns = namespaces.find((n) => n.props.metadata?.name === rule.props.metadata?.namespace);
                if (nsSelector && ns && !selects(nsSelector, labelsOf(ns))) {
                    out.push(finding(`${at("prometheus.prometheusSpec.ruleNamespaceSelector")} ${JSON.stringify(nsSelector)} does not select namespace ${ns.props.metadata?.name} of ${label(rule)}: Prometheus never loads its alerts`, { urn: release.urn, key }));
                }
            }
            // Held to the generated values: the alert path, the scrape and evaluation cadence, the history kept.
            const namespace = typeof release.props.namespace === "string" ? release.props.namespace.replace(/-monitoring$/, "") : ctx.app;
            const gen = kubePrometheusStackValues(ctx.runbook, names(ctx.app as Parameters<typeof names>[0], namespace), ctx.env as Parameters<typeof kubePrometheusStackValues>[2]);
            for (const path of ALERT_PATH) {
                const v = valueAt(values, path);
                const g = valueAt(gen, path);
                if (empty(v) || canonical(v) === canonical(g)) continue;
                out.push(
                    finding(`${at2(path)} is ${JSON.stringify(v)}${g === undefined ? ", the platform sets none" : `, not the generated ${JSON.stringify(g)}`} (capabilities/kubernetes/monitoring.ts): it changes which alerts reach Alertmanager, where, or with which labels the routes match, and no policy checks that path; ${responseWhy}`, { urn: release.urn, key }),
                );
            }
            for (const field of ["scrapeInterval", "evaluationInterval"] as const) {
                const v = promSpec[field] ?? CHART_EVALUATION_INTERVAL;
                const s = durationToSeconds(v);
                if (s !== undefined && s <= durationToSeconds(SCRAPE_INTERVAL)!) continue;
                out.push(finding(`${at2(["prometheus", "prometheusSpec", field])} is ${JSON.stringify(v)}, looser than the generated ${SCRAPE_INTERVAL} (platform default: the scrape interval the rules' windows and their promtool tests assume, capabilities/alerting/metrics.ts): the runbook's rules see their signals late or not at all`, { urn: release.urn }));
            }
            const storage = prometheusStorage(ctx.runbook);
            const kept = durationToSeconds(promSpec.retention);
            if (kept === undefined || kept < storage.retentionDays * 86400) {
                out.push(finding(`${at2(["prometheus", "prometheusSpec", "retention"])} is ${JSON.stringify(promSpec.retention ?? null)}, shorter than the generated ${storage.retentionDays}d (${retentionWhy(ctx.runbook)}): the history a review reads is gone`, { urn: release.urn }));
            }
            const size = typeof promSpec.retentionSize === "string" ? bytesOf(promSpec.retentionSize) : undefined;
            if (promSpec.retentionSize !== undefined && (size === undefined || size < bytesOf(storage.retentionSize)!)) {
                out.push(finding(`${at2(["prometheus", "prometheusSpec", "retentionSize"])} is ${JSON.stringify(promSpec.retentionSize)}, below the generated ${storage.retentionSize} (sized for ${storage.retentionDays} days: ${retentionWhy(ctx.runbook)}): Prometheus deletes history before the review reads it`, { urn: release.urn }));
            }
            if (quickest) {
                const interval = promSpec.evaluationInterval ?? CHART_EVALUATION_INTERVAL;
                const s = durationToSeconds(interval);
                if (s === undefined || s > quickest.seconds) {
                    out.push(finding(`${at("prometheus.prometheusSpec.evaluationInterval")} is ${JSON.stringify(interval)}: rules are evaluated less often than ${quickest.seconds}s, but ${quickest.why}`, { urn: release.urn, key: quickest.key }));
                }
            }
        }
        if (quickest) {
            for (const rule of rules) {
                for (const g of asArray<Record<string, any>>(rule.props.spec?.groups)) {
                    if (g.interval === undefined) continue;
                    const s = durationToSeconds(g.interval);
                    if (s === undefined || s > quickest.seconds) {
                        out.push(finding(`${label(rule)} group ${JSON.stringify(g.name)} interval ${JSON.stringify(g.interval)}: its rules are evaluated less often than ${quickest.seconds}s, but ${quickest.why}`, { urn: rule.urn, key: quickest.key }));
                    }
                }
            }
        }
        return out;
    },
});
