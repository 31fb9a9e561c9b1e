import YAML from "yaml";
import type { StackPlan } from "../../cli/harness/runtime";
import type { Runbook } from "../../runbooks";
import { ALERTMANAGER_CONFIG_KEY } from "../../capabilities/kubernetes/monitoring";
import type { Mutation } from "./mutation-lib";
import { editUrn, type Props } from "./plan-edits";

/**
 * Paging switched off where the older policies did not look (issue 13 review, fix 13 "paging"):
 * kube-prometheus-stack values that drop or relabel alerts, scrape late or keep less history;
 * an Alertmanager `global` that redirects every page; a route on the labels Prometheus adds; a
 * pager route that groups every critical into one incident; absence and platform-default rules
 * deleted or softened. Each is one edit of one subject of the baseline plan. `paging13Tightenings`
 * only tighten: the pack must not report them.
 */

type Planned = StackPlan["resources"][number];
type Edit = (plan: StackPlan) => StackPlan | undefined;

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const AMP_RULES = "aws:amp/ruleGroupNamespace:RuleGroupNamespace";
const AMP_AM = "aws:amp/alertManagerDefinition:AlertManagerDefinition";
const PIPELINE = ["k8s-alerting-pipeline-enabled"];
const PAGING = ["k8s-alertmanager-critical-paging", "aws-amp-alertmanager-critical-paging"];
const ABSENCE = ["platform-absence-rules-intact"];

const kps = (r: Planned) => r.type === RELEASE && (r.props as Props).chart === "kube-prometheus-stack";
const amSecret = (r: Planned) => r.type === SECRET && typeof (r.props as Props).stringData?.[ALERTMANAGER_CONFIG_KEY] === "string";
/** The route that pages: the one matching only severity="critical". */
const pagerRoute = (c: Props) => (c.route.routes as Props[]).find((r) => JSON.stringify(r.matchers ?? []) === JSON.stringify(['severity="critical"']));
const spec = (p: Props) => p.values.prometheus.prometheusSpec as Props;

/** Edits the Alertmanager configuration of a Secret (file format in stringData) or an AMP definition (YAML holding `alertmanager_config: |`). */
function editAm(p: Props, f: (c: Props) => void): void {
    if (typeof p.stringData?.[ALERTMANAGER_CONFIG_KEY] === "string") {
        const c = YAML.parse(p.stringData[ALERTMANAGER_CONFIG_KEY]);
        f(c);
        p.stringData[ALERTMANAGER_CONFIG_KEY] = YAML.stringify(c);
    } else if (typeof p.definition === "string") {
        const outer = YAML.parse(p.definition);
        const c = YAML.parse(outer.alertmanager_config);
        f(c);
        outer.alertmanager_config = YAML.stringify(c);
        p.definition = YAML.stringify(outer);
    }
}

/** Edits every alerting rule of a PrometheusRule (`spec`) or an AMP rule group namespace (`data`). */
function editRuleFile(p: Props, f: (groups: Props[]) => void): void {
    if (p.spec?.groups) f(p.spec.groups);
    else if (typeof p.data === "string") {
        const c = YAML.parse(p.data);
        f(c.groups);
        p.data = YAML.stringify(c);
    }
}
const absence = (r: Props) => /Absent/.test(String(r.alert ?? ""));
const holdsAbsence = (r: Planned) => (r.type === RULE || r.type === AMP_RULES) && JSON.stringify(r.props).includes("Absent");

export function paging13Mutations(_rb: Runbook, plan: StackPlan): Mutation[] {
    const out: Mutation[] = [];
    const add = (kind: string, policies: string[], r: Planned | undefined, edit: (p: Props) => void, what: string) => {
        if (r) out.push({ id: `${kind}: ${r.name} ${what}`, how: "plan edit", policies, batch: `P13:${kind}:${r.urn}`, edit: ((pl) => editUrn(pl, r.urn, edit)) as Edit });
    };
    const release = plan.resources.find(kps);
    add("kps-alert-relabel", PIPELINE, release, (p) => (spec(p).additionalAlertRelabelConfigs = [{ sourceLabels: ["severity"], regex: "critical", action: "drop" }]), "additionalAlertRelabelConfigs drop severity=critical");
    add("kps-scrape-interval", PIPELINE, release, (p) => (spec(p).scrapeInterval = "10m"), "scrapeInterval → 10m");
    add("kps-retention", PIPELINE, release, (p) => (spec(p).retention = "2h"), "retention → 2h");
    const am = plan.resources.find((r) => amSecret(r) || r.type === AMP_AM);
    add("am-global-pagerduty-url", PAGING, am && amSecret(am) ? am : undefined, (p) => editAm(p, (c) => (c.global = { ...c.global, pagerduty_url: "https://events.example.invalid/v2/enqueue" })), "global.pagerduty_url → another host");
    add("am-global-proxy", PAGING, am && amSecret(am) ? am : undefined, (p) => editAm(p, (c) => (c.global = { ...c.global, http_config: { proxy_url: "http://127.0.0.1:9" } })), "global.http_config.proxy_url set");
    add("am-route-external-label", PAGING, am && amSecret(am) ? am : undefined, (p) => editAm(p, (c) => c.route.routes.unshift({ matchers: ['prometheus=~".+"'], receiver: c.route.receiver })), "a first route on the operator's prometheus label → the root receiver");
    add("am-pager-group-by", PAGING, am, (p) => editAm(p, (c) => (pagerRoute(c)!.group_by = ["severity"])), "the pager route's group_by → [severity]");
    const rules = plan.resources.find(holdsAbsence);
    add("absence-deleted", ABSENCE, rules, (p) => editRuleFile(p, (gs) => gs.forEach((g) => (g.rules = g.rules.filter((r: Props) => !absence(r))))), "every absence rule deleted");
    add("absence-info", ABSENCE, rules, (p) => editRuleFile(p, (gs) => gs.forEach((g) => g.rules.filter(absence).forEach((r: Props) => (r.labels.severity = "info")))), "absence rules' severity → info");
    add("absence-6h", ABSENCE, rules, (p) => editRuleFile(p, (gs) => gs.forEach((g) => g.rules.filter(absence).forEach((r: Props) => (r.for = "6h")))), "absence rules' for → 6h");
    return out;
}

/** Edits that only tighten what paging13Mutations loosens. */
export function paging13Tightenings(plan: StackPlan): { id: string; edit: (plan: StackPlan) => StackPlan }[] {
    const out: { id: string; edit: (plan: StackPlan) => StackPlan }[] = [];
    const release = plan.resources.find(kps);
    if (release) out.push({ id: "kps retention 400d, scrape and evaluate every 10s", edit: (pl) => editUrn(pl, release.urn, (p) => Object.assign(spec(p), { retention: "400d", scrapeInterval: "10s", evaluationInterval: "10s" })) });
    const am = plan.resources.find((r) => amSecret(r) || r.type === AMP_AM);
    if (am) out.push({ id: "pager route also grouped by instance", edit: (pl) => editUrn(pl, am.urn, (p) => editAm(p, (c) => { const r = pagerRoute(c)!; r.group_by = [...(r.group_by ?? c.route.group_by ?? []), "instance"]; })) });
    const rules = plan.resources.find(holdsAbsence);
    if (rules) out.push({ id: "absence rules wait 1m", edit: (pl) => editUrn(pl, rules.urn, (p) => editRuleFile(p, (gs) => gs.forEach((g) => g.rules.filter(absence).forEach((r: Props) => (r.for = "1m"))))) });
    return out;
}
