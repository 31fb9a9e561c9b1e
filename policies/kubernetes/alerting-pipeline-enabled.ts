import { finding, label, stackRule, type Finding, type Subject } from "../lib/policy";
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

/** The chart's evaluation interval when its values set none (prometheusSpec.evaluationInterval, kube-prometheus-stack 65). */
const CHART_EVALUATION_INTERVAL = "30s";

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
            const am = isRecord(values.alertmanager) ? values.alertmanager : {};
            const amSpec = isRecord(am.alertmanagerSpec) ? am.alertmanagerSpec : {};
            const prom = isRecord(values.prometheus) ? values.prometheus : {};
            const promSpec = isRecord(prom.prometheusSpec) ? prom.prometheusSpec : {};
            const key = "incident.alertResponse.critical";
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
