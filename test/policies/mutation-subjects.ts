import YAML from "yaml";
import type { StackPlan } from "../../cli/harness/runtime";
import type { Runbook } from "../../runbooks";
import { cloudwatchEvidence } from "../../policies/lib/alerts";
import { alarmNeeds, alarmSubjectKeys, ruleSubjects, type RuleSubject } from "../../policies/lib/subjects";
import { alertsOn } from "../../capabilities/alerting/signals";
import type { Subject } from "../../policies/lib/policy";
import type { Mutation } from "./mutation-lib";

/**
 * Per-subject mutations (issue 13, class 1): for every runbook alert level, one of the subjects it
 * applies to (a component, dataset, consumer group or topic its rule selects; an ECS service,
 * database, broker or vault its CloudWatch alarms watch) loses its coverage while the level's other
 * subjects keep theirs: the rule's matcher is narrowed to leave it out, or its alarm is deleted.
 * Subjects are sampled per level (`pick`); MUTATIONS_ALL=1 takes every one. Each loosens its own
 * level's key, so a stack's lot is applied and judged together (runMutations), then any miss alone.
 */

const RULE_POLICIES = ["k8s-prometheusrule-runbook-alerts", "aws-amp-cloudwatch-runbook-alerts", "docker-prometheus-rules-runbook-alerts"];

const unescape = (s: string) => s.replace(/\\\\(.)/g, "$1").replace(/\\(.)/g, "$1");

/** The expression with `s` left out of every matcher on its label (a regex alternative dropped, an equality moved elsewhere), or excluded where none names it. */
export function narrow(expr: string, s: RuleSubject): string {
    let touched = false;
    const out = expr.replace(new RegExp(`\\b${s.label}\\s*(=~|=)\\s*"((?:[^"\\\\]|\\\\.)*)"`, "g"), (whole, op: string, value: string) => {
        if (op === "=") {
            if (value !== s.value) return whole;
            touched = true;
            return `${s.label}="${s.value}-left-out"`;
        }
        const alts = value.split("|");
        const kept = alts.filter((a) => unescape(a) !== s.value);
        if (kept.length === alts.length) return whole;
        touched = true;
        return kept.length ? `${s.label}=~"${kept.join("|")}"` : `${s.label}="${s.value}-left-out"`;
    });
    return touched ? out : out.replace(/\{(?=\s*[a-zA-Z_])/g, `{${s.label}!="${s.value}", `);
}

type Rule = { alert: string; expr: string; labels?: Record<string, string> };

/** Rules of a rule-carrying resource (PrometheusRule spec, AMP namespace data), edited in place by `edit`. */
export function editRules(props: Record<string, any>, edit: (r: Rule) => void): void {
    if (typeof props.data === "string") {
        const doc = YAML.parse(props.data) as { groups: { rules: Rule[] }[] };
        for (const g of doc.groups ?? []) for (const r of g.rules ?? []) edit(r);
        props.data = YAML.stringify(doc, { lineWidth: 0 });
    }
    for (const g of props.spec?.groups ?? []) for (const r of g.rules ?? []) edit(r);
}

export function rulesOf(props: Record<string, any>): Rule[] {
    const out: Rule[] = [];
    editRules(structuredClone(props), (r) => out.push(r));
    return out;
}

export function subjectMutations(rb: Runbook, plan: StackPlan, subjects: readonly Subject[], pick: <T>(xs: readonly T[], n: number, seed: string) => T[]): Mutation[] {
    const out: Mutation[] = [];
    const holders = subjects.filter((s) => s.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule" || s.type === "aws:amp/ruleGroupNamespace:RuleGroupNamespace");
    const cloudwatch = plan.target === "aws" ? alertsOn(rb, "aws").cloudwatch.map((a) => a.id) : [];
    const alarms = cloudwatchEvidence(rb, subjects).filter((e) => !e.off);
    for (const a of rb.alerts) {
        for (const l of a.levels) {
            const level = `alerts.${a.id}.${l.severity}`;
            const mine = (r: Rule) => r.labels?.alert_id === a.id && r.labels?.severity === l.severity;
            if (cloudwatch.includes(a.id)) {
                const own = alarms.filter((e) => e.alertId === a.id && e.severity === l.severity);
                for (const n of pick(alarmNeeds(rb, a.id, l.severity), 1, `${plan.stack}:${level}`)) {
                    const gone = own.filter((e) => alarmSubjectKeys(rb, e.subject, subjects).includes(n.key)).map((e) => e.subject.urn);
                    if (gone.length === 0) continue;
                    out.push({
                        id: `subject: ${level} alarm of ${n.what} deleted`,
                        how: "plan edit",
                        keys: [level],
                        policies: ["aws-amp-cloudwatch-runbook-alerts"],
                        batch: "U",
                        edit: (p) => ({ ...p, resources: p.resources.filter((r) => !gone.includes(r.urn)) }),
                    });
                }
                continue;
            }
            const holder = holders.find((h) => rulesOf(h.props).some(mine));
            if (!holder) continue;
            const many = ruleSubjects(rb, a).filter((s) => s.label !== "app");
            for (const s of pick(many, 1, `${plan.stack}:${level}`)) {
                out.push({
                    id: `subject: ${level} rule narrowed to leave out ${s.label}="${s.value}"`,
                    how: "plan edit",
                    keys: [level],
                    policies: RULE_POLICIES,
                    batch: "U",
                    edit: (p) => {
                        const copy = { ...p, resources: p.resources.map((r) => (r.urn === holder.urn ? structuredClone(r) : r)) };
                        const target = copy.resources.find((r) => r.urn === holder.urn)!;
                        editRules(target.props as Record<string, any>, (r) => {
                            if (mine(r)) r.expr = narrow(r.expr, s);
                        });
                        return copy;
                    },
                });
            }
        }
    }
    return out;
}
