import { DEFAULTS } from "../../runbooks/defaults";
import type { Env, Runbook } from "../../runbooks";
import { presences, selectorOf } from "../../capabilities/alerting/absence";
import { absenceRule, alertName } from "../../capabilities/alerting/rules";
import { alertsOn } from "../../capabilities/alerting/signals";
import { finding, label, provenance, stackRule, type Finding, type Subject } from "../lib/policy";
import { alertingRules, thresholds, type PromRule } from "../lib/prometheus";
import { absentTarget, ofTarget } from "../lib/targets";
import { durationToSeconds } from "../lib/values";

/**
 * The rules the platform adds to the runbook's, as generated (capabilities/alerting): every
 * absence rule (absence.ts: a series the alerts read has vanished, so they cannot fire) and every
 * platform-default alert level (baseline.ts: the TLS probe of a public host…) is in the stack's
 * rules — the Docker rules file, the PrometheusRule objects, the AMP rule group namespaces — with
 * the generated expression (absence rules) or threshold (levels, tighter allowed), a `for` no
 * longer and the same severity. Deleting one, muting it to `info` or waiting 6h leaves the alerts
 * it guards silently blind; the runbook-alert policies do not look at these rules.
 */

type Target = "docker" | "kubernetes" | "aws";
const TARGETS: readonly Target[] = ["docker", "kubernetes", "aws"];

interface Wanted {
    readonly alert: string;
    readonly what: string;
    readonly why: string;
    readonly severity: string;
    readonly forSeconds: number;
    readonly forText: string;
    /** Absence rules: the exact expression (whitespace free). */
    readonly expr?: string;
    /** Levels: the threshold and the direction that is tighter. */
    readonly threshold?: { readonly value: number; readonly above: boolean };
}

const ws = (s: string) => s.replace(/\s+/g, " ").trim();

/** The platform's own rules for this stack, by alert name. */
export function generatedPlatformRules(rb: Runbook, env: Env, target: Target): Wanted[] {
    const out: Wanted[] = [];
    const absentWhy = `platform default: for ${DEFAULTS.signalAbsentFor.value}, ${DEFAULTS.signalAbsentFor.reason}`;
    for (const p of presences(rb, target)) {
        const r = absenceRule(rb, env, p);
        out.push({ alert: r.alert, what: `the absence rule of ${selectorOf(p)} (it guards ${p.alerts.join(", ")})`, why: absentWhy, severity: r.labels.severity, forSeconds: durationToSeconds(r.for) ?? 0, forText: String(r.for), expr: ws(r.expr) });
    }
    const runbookIds = new Set(rb.alerts.map((a) => a.id));
    for (const alert of alertsOn(rb, target).prometheus.filter((a) => !runbookIds.has(a.id))) {
        for (const level of alert.levels) {
            const p = provenance(level as Parameters<typeof provenance>[0], "for", "severity", "threshold");
            out.push({
                alert: alertName(rb.app, alert.id, level.severity),
                what: `the platform default ${alert.id} (${level.severity}): ${alert.title}`,
                why: `${p.who} ${p.cite}`,
                severity: level.severity,
                forSeconds: durationToSeconds(level.for) ?? 0,
                forText: String(level.for),
                threshold: { value: level.threshold, above: alert.direction === "above" },
            });
        }
    }
    return out;
}

function problems(w: Wanted, r: PromRule): string[] {
    const out: string[] = [];
    if (r.labels.severity !== w.severity) out.push(`severity ${JSON.stringify(r.labels.severity ?? null)}, not ${w.severity}: it reaches another receiver, or none`);
    if (r.forSeconds > w.forSeconds) out.push(`for ${r.forSeconds}s, longer than the generated ${w.forText}`);
    if (w.expr !== undefined && ws(r.expr) !== w.expr) out.push(`expression ${JSON.stringify(ws(r.expr))}, not the generated ${JSON.stringify(w.expr)}`);
    if (w.threshold) {
        const t = thresholds(r.expr).map((c) => c.value);
        const loose = t.length === 0 || t.some((v) => (w.threshold!.above ? v > w.threshold!.value : v < w.threshold!.value));
        if (loose) out.push(`threshold ${t.length ? t.join(", ") : "none"}, looser than the generated ${w.threshold.above ? ">" : "<"} ${w.threshold.value}`);
    }
    return out;
}

export const platformAbsenceRulesIntact = stackRule({
    name: "platform-absence-rules-intact",
    description:
        "Every absence rule and platform-default alert level the platform generates for the stack (capabilities/alerting/absence.ts, baseline.ts) is in its Prometheus rules (Docker rules file, PrometheusRule, AMP rule groups) with the generated expression or threshold (or tighter), a for no longer and the same severity.",
    tier: "runbook",
    target: "any",
    remediationSteps: "Keep the rule groups capabilities/alerting/rules.ts (rulesFor) generates; do not delete, rename or soften the absence and platform-default rules.",
    notApplicable: (resources) => (TARGETS.every((t) => absentTarget(resources, t)) ? "no Docker, Kubernetes or AWS resources" : undefined),
    check: (resources, ctx) => {
        const out: Finding[] = [];
        for (const target of TARGETS.filter((t) => !absentTarget(resources, t))) {
            let wanted: Wanted[];
            try {
                wanted = generatedPlatformRules(ctx.runbook, ctx.env, target);
            } catch {
                // A runbook the generators refuse is reported by the runbook checks.
                continue;
            }
            const holders: { subject: Subject; rules: PromRule[] }[] = ofTarget(resources, target)
                .map((subject) => ({ subject, rules: alertingRules(subject.props) }))
                .filter((h) => h.rules.length > 0);
            const where = holders.length ? holders.map((h) => label(h.subject)).join(", ") : `no resource of the ${target} stack`;
            for (const w of wanted) {
                const found = holders.flatMap((h) => h.rules.filter((r) => r.alert === w.alert).map((r) => ({ subject: h.subject, rule: r })));
                if (found.length === 0) {
                    out.push(finding(`no rule "${w.alert}" (${w.what}) in ${where}: it was deleted or renamed, so nothing fires when it should; generated with severity ${w.severity}, for ${w.forText} (${w.why})`));
                    continue;
                }
                for (const { subject, rule } of found) {
                    for (const p of problems(w, rule)) out.push(finding(`rule "${w.alert}" in ${label(subject)} is ${w.what} but has ${p}; ${w.why}`, { urn: subject.urn }));
                }
            }
        }
        return out;
    },
});
