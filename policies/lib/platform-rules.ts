import { DEFAULTS } from "../../runbooks/defaults";
import type { Env, Runbook } from "../../runbooks";
import { presences, selectorOf } from "../../capabilities/alerting/absence";
import { absenceRule, alertName } from "../../capabilities/alerting/rules";
import { alertsOn } from "../../capabilities/alerting/signals";
import { provenance } from "./policy";
import { thresholds, type PromRule } from "./prometheus";
import { durationToSeconds } from "./values";

/**
 * The rules the platform adds to the runbook's (absence rules, platform-default levels), as
 * generated for a stack, and what a planned rule of the same name changes in them
 * (platform-absence-rules-intact).
 */

export type Target = "docker" | "kubernetes" | "aws";
export const TARGETS: readonly Target[] = ["docker", "kubernetes", "aws"];

export interface Wanted {
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

export function platformRuleProblems(w: Wanted, r: PromRule): string[] {
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

