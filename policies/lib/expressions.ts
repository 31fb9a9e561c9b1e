import type { Runbook } from "../../runbooks";
import { WATCHDOG, conditionExpr } from "../../capabilities/alerting/rules";
import type { AlertEvidence } from "./alerts";
import { finding, label, type Finding, type Subject } from "./policy";
import { alertingRules } from "./prometheus";
import { formatSeconds } from "./values";

/**
 * A rule counts as a runbook level's evidence only when it measures what the platform's rule for
 * that level measures: its expression is the generated one (capabilities/alerting signalQuery, a
 * pure function of the runbook) with only the threshold numbers free (a per-scrape rate's bridge
 * compares twice: rules.ts `conditionExpr`). Anything
 * else (an `unless`, a `0 *`, a label or metric typo, another range or traffic guard, a dropped
 * bridge) may never fire, or fire on a breach shorter than `for`, although its `> number` looks right.
 */
const ws = (s: string) => s.replace(/\s+/g, " ").trim();
const NUMBER = "[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?";
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Where the threshold number goes in an expected expression. */
export const THRESHOLD = "<threshold>";

/** The expression the platform generates for an alert, with `<threshold>` where the number goes. */
export function expectedExpr(rb: Runbook, alertId: string): string | undefined {
    const alert = rb.alerts.find((a) => a.id === alertId);
    if (!alert) return undefined;
    return ws(conditionExpr(rb, alert, THRESHOLD));
}

/**
 * Whether `expr` is the generated expression up to whitespace and a number wherever `<threshold>`
 * stands. Each comparison's number is free: a looser one is the threshold check's finding (every
 * comparison is top-level, policies/lib/prometheus.ts `thresholds`), a tighter one is no finding.
 */
export function matchesExpected(expected: string, expr: string): boolean {
    const re = new RegExp(`^${expected.split(THRESHOLD).map(escape).join(NUMBER)}$`);
    // Whitespace is free: both sides are compared with every run of it collapsed to one space.
    return re.test(ws(expr));
}

/** Runbook-level rules whose expression is not the generated one: each a finding naming rule, level, expected and found. */
export function checkRuleExpressions(rb: Runbook, evidence: readonly AlertEvidence[]): Finding[] {
    const out: Finding[] = [];
    for (const e of evidence) {
        if (e.expr === undefined || !e.alertId) continue;
        const expected = expectedExpr(rb, e.alertId);
        if (!expected || matchesExpected(expected, e.expr)) continue;
        out.push(
            finding(
                `prometheus rule "${e.name}" in ${label(e.subject)} (${e.alertId}, ${e.severity ?? "no severity"}) does not evaluate the platform's expression for that level, so it may never fire although its threshold looks right: expected ${JSON.stringify(expected)} (only the threshold number free), found ${JSON.stringify(ws(e.expr))}`,
                { urn: e.subject.urn, key: `alerts.${e.alertId}.${e.severity ?? "critical"}.expr` },
            ),
        );
    }
    return out;
}

/**
 * Rule groups that hold runbook rules: they carry the always-firing Watchdog (the dead man's switch
 * notices a silent pipeline only through it), evaluate at least as often as their shortest `for`
 * (a slower group delays every alert past the runbook's wait), and set no `limit` (a group over its
 * limit fails whole, so none of its alerts fire).
 */
export function checkRuleGroups(subjects: readonly Subject[], evidence: readonly AlertEvidence[]): Finding[] {
    const out: Finding[] = [];
    const ruled = subjects.filter((s) => evidence.some((e) => e.subject === s && e.expr !== undefined && e.alertId));
    for (const s of ruled) {
        const rules = alertingRules(s.props);
        if (!rules.some((r) => r.alert === WATCHDOG && ws(r.expr) === "vector(1)")) {
            out.push(finding(`${label(s)} holds runbook alert rules but no ${WATCHDOG} rule with expr "vector(1)": without the always-firing heartbeat the dead man's switch cannot notice that no alert can arrive`, { urn: s.urn, key: "alerts.watchdog" }));
        }
        const groups = new Map<string, { interval?: number; limit?: unknown; fors: number[] }>();
        for (const r of rules) {
            const g = groups.get(r.group) ?? { interval: r.groupInterval, limit: r.groupLimit, fors: [] };
            if (r.forSeconds > 0) g.fors.push(r.forSeconds);
            groups.set(r.group, g);
        }
        for (const [name, g] of groups) {
            if (g.limit !== undefined && g.limit !== null && Number(g.limit) !== 0) {
                out.push(finding(`rule group "${name}" in ${label(s)} sets limit: ${String(g.limit)}; a group with more alerts than its limit fails as a whole and none of its alerts fire: leave limit unset or 0`, { urn: s.urn, key: "alerts.group.limit" }));
            }
            const shortest = g.fors.length ? Math.min(...g.fors) : undefined;
            if (g.interval !== undefined && shortest !== undefined && g.interval > shortest) {
                out.push(finding(`rule group "${name}" in ${label(s)} evaluates every ${formatSeconds(g.interval)}, longer than its shortest for ${formatSeconds(shortest)}, so its alerts fire later than the runbook says: set interval to at most ${formatSeconds(shortest)} (or leave it unset)`, { urn: s.urn, key: "alerts.group.interval" }));
            }
        }
    }
    return out;
}
