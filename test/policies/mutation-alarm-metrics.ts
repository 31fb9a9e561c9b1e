import type { StackPlan } from "../../cli/harness/runtime";
import type { Runbook } from "../../runbooks";
import { absenceRule } from "../../capabilities/alerting/rules";
import { presences } from "../../capabilities/alerting/absence";
import { alertsOn } from "../../capabilities/alerting/signals";
import { reachabilityAlertName } from "../../capabilities/reachability";
import type { Mutation } from "./mutation-lib";
import { editRules, rulesOf } from "./mutation-subjects";
import { editUrn, type Props } from "./plan-edits";

/**
 * Metric-side mutations (issue 13): a runbook or platform-default CloudWatch alarm that keeps its
 * threshold and `for` but can no longer fire — another namespace, metric, statistic or dimension
 * value (a resource that does not exist), metric math that returns nothing or another query, missing
 * data treated as fine where it is the problem, an inverted comparison, more datapoints than it
 * evaluates — and the platform's own rules (defaults' levels, absence, reachability) edited so they
 * cannot fire. Each is one edit of one subject, generated from the baseline plan; a few subjects
 * per switch (`pick`), so the suite stays fast.
 */

type Planned = StackPlan["resources"][number];
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const METRIC_POLICY = ["aws-cloudwatch-alarm-metric-spec"];
const PER_SWITCH = 1;


interface Switch {
    readonly what: string;
    readonly applies: (p: Props) => boolean;
    readonly edit: (p: Props) => void;
}

const firstMetric = (p: Props): Props | undefined => (p.metricQueries ?? []).find((q: Props) => q.metric)?.metric;
const dims = (p: Props): Props | undefined => p.dimensions ?? firstMetric(p)?.dimensions;
const singleMetric = (p: Props) => typeof p.metricName === "string";
const expression = (p: Props): Props | undefined => (p.metricQueries ?? []).find((q: Props) => typeof q.expression === "string");

const SWITCHES: readonly Switch[] = [
    { what: "namespace → AWS/EC2", applies: singleMetric, edit: (p) => (p.namespace = "AWS/EC2") },
    { what: "metricName misspelt", applies: singleMetric, edit: (p) => (p.metricName = `${p.metricName}s`) },
    { what: "statistic → SampleCount", applies: (p) => typeof p.statistic === "string", edit: (p) => (p.statistic = "SampleCount") },
    { what: "extendedStatistic → p1", applies: (p) => typeof p.extendedStatistic === "string", edit: (p) => (p.extendedStatistic = "p1") },
    {
        what: "a dimension points at a resource that does not exist",
        applies: (p) => Object.values(dims(p) ?? {}).some((v) => typeof v === "string"),
        edit: (p) => {
            const d = dims(p)!;
            const k = Object.keys(d).find((x) => typeof d[x] === "string")!;
            // An ARN suffix (`app/<name>/<id>`) names its resource by the middle part; the id is the provider's.
            const parts = String(d[k]).split("/");
            if (parts.length === 3) parts[1] = `${parts[1]}-gone`;
            else parts[parts.length - 1] = `${parts[parts.length - 1]}-gone`;
            d[k] = parts.join("/");
        },
    },
    { what: "metric math multiplied by 0", applies: (p) => expression(p) !== undefined, edit: (p) => (expression(p)!.expression = `0 * (${expression(p)!.expression})`) },
    {
        what: "metric math returns an input, not the expression",
        applies: (p) => expression(p) !== undefined,
        edit: (p) => {
            for (const q of p.metricQueries) q.returnData = q.id !== expression(p)!.id && q === p.metricQueries.find((x: Props) => x.metric);
        },
    },
    { what: "treatMissingData → notBreaching where missing data is the problem", applies: (p) => p.treatMissingData === "breaching" || p.treatMissingData === "missing", edit: (p) => (p.treatMissingData = "notBreaching") },
    {
        what: "comparison inverted",
        applies: (p) => /^(Greater|Less)ThanThreshold$/.test(String(p.comparisonOperator)),
        edit: (p) => (p.comparisonOperator = /^Greater/.test(p.comparisonOperator) ? "LessThanThreshold" : "GreaterThanThreshold"),
    },
    { what: "datapointsToAlarm above evaluationPeriods", applies: (p) => typeof p.evaluationPeriods === "number", edit: (p) => (p.datapointsToAlarm = p.evaluationPeriods + 1) },
];

export function alarmMetricMutations(rb: Runbook, plan: StackPlan, pick: <T>(xs: readonly T[], n: number, seed: string) => T[]): Mutation[] {
    const out: Mutation[] = [];
    const alarms = plan.resources.filter((r) => r.type === ALARM && (r.props as Props).tags?.["runbook:alert"]);
    for (const s of SWITCHES) {
        for (const a of pick(alarms.filter((r) => s.applies(r.props as Props)), PER_SWITCH, `${plan.stack}:metric:${s.what}`)) {
            out.push({ id: `alarm metric: ${a.name} ${s.what}`, how: "plan edit", policies: METRIC_POLICY, batch: `M:${s.what}:${a.urn}`, edit: (pl) => editUrn(pl, a.urn, s.edit) });
        }
    }
    out.push(...platformRuleMutations(rb, plan, pick));
    return out;
}

const RULE_POLICY: Readonly<Record<string, string>> = { kubernetes: "k8s-prometheusrule-runbook-alerts", aws: "aws-amp-cloudwatch-runbook-alerts" };

/** The platform's own rules (a default's level, an absence rule, a reachability rule) multiplied by 0. */
function platformRuleMutations(rb: Runbook, plan: StackPlan, pick: <T>(xs: readonly T[], n: number, seed: string) => T[]): Mutation[] {
    const policy = RULE_POLICY[plan.target];
    if (!policy) return [];
    const target = plan.target as "kubernetes" | "aws";
    const env = plan.env as Parameters<typeof absenceRule>[1];
    const ids = new Set(rb.alerts.map((a) => a.id));
    const kinds: Record<string, Set<string>> = {
        "platform default": new Set(alertsOn(rb, target).prometheus.filter((a) => !ids.has(a.id)).map((a) => a.id)),
        absence: new Set(presences(rb, target).map((p) => absenceRule(rb, env, p).alert)),
        reachability: new Set([reachabilityAlertName(rb.app)]),
    };
    const isKind = (kind: string, r: { alert: string; labels?: Record<string, string> }) => (kind === "platform default" ? kinds[kind].has(r.labels?.alert_id ?? "") : kinds[kind].has(r.alert));
    const holders: Planned[] = plan.resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule" || r.type === "aws:amp/ruleGroupNamespace:RuleGroupNamespace");
    const out: Mutation[] = [];
    for (const kind of Object.keys(kinds)) {
        const candidates = holders.flatMap((h) => rulesOf(h.props as Props).filter((r) => isKind(kind, r)).map((r) => ({ h, r })));
        for (const { h, r } of pick(candidates, PER_SWITCH, `${plan.stack}:rule:${kind}`)) {
            out.push({
                id: `platform rule: ${kind} ${r.alert}${r.labels?.host ? ` (${r.labels.host})` : ""} multiplied by 0`,
                how: "plan edit",
                policies: [policy],
                batch: `R:${kind}:${h.urn}`,
                edit: (pl) =>
                    editUrn(pl, h.urn, (p) =>
                        editRules(p, (x) => {
                            if (x.alert === r.alert && x.expr === r.expr && JSON.stringify(x.labels) === JSON.stringify(r.labels)) x.expr = `0 * (${x.expr})`;
                        }),
                    ),
            });
        }
    }
    return out;
}
