import type { Env, Runbook } from "../../runbooks";
import { alertName, absenceRule, conditionExpr } from "../../capabilities/alerting/rules";
import { absenceExpr, presences, selectorOf } from "../../capabilities/alerting/absence";
import { alertsOn } from "../../capabilities/alerting/signals";
import { reachabilityAlertName, reachabilityRules } from "../../capabilities/reachability";
import { THRESHOLD, matchesExpected } from "./expressions";
import { finding, label, type Finding, type Subject } from "./policy";
import { alertingRules, type PromRule } from "./prometheus";

/**
 * The platform's own rules, checked the way checkRuleExpressions checks the runbook's: a rule the
 * platform generates under a name is only that rule when its expression is the generated one.
 * - platform defaults (capabilities/alerting/baseline.ts): the level's expression with only the
 *   threshold number free, as for runbook levels;
 * - absence rules (capabilities/alerting/absence.ts): exactly the generated `absent(…)`, which has
 *   no number (its `for` is the rule's, not the expression's);
 * - reachability rules (capabilities/reachability.ts): exactly the generated expression for the
 *   endpoint the rule's `component` and `host` labels name.
 * Whitespace is free. An edit there (an `unless`, a `0 *`, another selector) silences the rule
 * while its name, severity and `for` still look right. A platform rule's expression is no runbook
 * number: no exception key the program accepts covers it, so these findings carry none.
 */

type Target = "docker" | "kubernetes" | "aws";

const ws = (s: string) => s.replace(/\s+/g, " ").trim();

interface Expected {
    /** In words, for messages. */
    readonly what: string;
    /** The generated expression for this rule (`<threshold>` where the number is free), or undefined when it cannot be made for its labels. */
    readonly expr: (r: PromRule) => string | undefined;
}

/** The platform's rules by alert name: defaults' levels, absence rules, reachability rules. */
function platformRules(rb: Runbook, env: Env, target: Target): Map<string, Expected> {
    const out = new Map<string, Expected>();
    const runbookIds = new Set(rb.alerts.map((a) => a.id));
    for (const alert of alertsOn(rb, target).prometheus.filter((a) => !runbookIds.has(a.id))) {
        const expr = ws(conditionExpr(rb, alert, THRESHOLD));
        for (const level of alert.levels) out.set(alertName(rb.app, alert.id, level.severity), { what: `the platform default ${alert.id} (${level.severity})`, expr: () => expr });
    }
    for (const p of presences(rb, target)) out.set(absenceRule(rb, env, p).alert, { what: `the absence rule of ${selectorOf(p)}`, expr: () => ws(absenceExpr(p)) });
    out.set(reachabilityAlertName(rb.app), {
        what: "the reachability rule of a public host",
        expr: (r) => {
            const { component, host } = r.labels;
            if (!component || !host) return undefined;
            try {
                return ws(reachabilityRules(rb, env, [{ subject: component, host, path: "/" }]).groups[0].rules[0].expr);
            } catch {
                // A runbook with no service_down critical level: aws/k8s reachability policies report that.
                return undefined;
            }
        },
    });
    return out;
}

/** Per runbook object, env and target: made once (three policies and every rule of a stack ask). */
const made = new WeakMap<Runbook, Map<string, Map<string, Expected> | undefined>>();

function platformRulesOnce(rb: Runbook, env: Env, target: Target): Map<string, Expected> | undefined {
    let byRunbook = made.get(rb);
    if (!byRunbook) made.set(rb, (byRunbook = new Map()));
    const key = `${env}/${target}`;
    if (!byRunbook.has(key)) {
        try {
            byRunbook.set(key, platformRules(rb, env, target));
        } catch {
            // A runbook the generators refuse is reported by the runbook checks.
            byRunbook.set(key, undefined);
        }
    }
    return byRunbook.get(key);
}

/** Platform rules in `subjects` whose expression is not the generated one: each a finding naming the rule, the expected and the found expression. */
export function checkPlatformRuleExpressions(rb: Runbook, env: Env, target: Target, subjects: readonly Subject[]): Finding[] {
    const expected = platformRulesOnce(rb, env, target);
    if (!expected) return [];
    const out: Finding[] = [];
    for (const s of subjects) {
        for (const r of alertingRules(s.props)) {
            const e = expected.get(r.alert);
            if (!e) continue;
            const want = e.expr(r);
            if (want === undefined) {
                out.push(finding(`prometheus rule "${r.alert}" in ${label(s)} is ${e.what} but its labels (component=${r.labels.component ?? "unset"}, host=${r.labels.host ?? "unset"}) name no endpoint, so it selects no probe`, { urn: s.urn }));
                continue;
            }
            const ok = want.includes("<threshold>") ? matchesExpected(want, r.expr) : ws(r.expr) === want;
            if (ok) continue;
            out.push(
                finding(
                    `prometheus rule "${r.alert}" in ${label(s)} is ${e.what} but does not evaluate the platform's expression for it, so it may never fire: expected ${JSON.stringify(want)}${want.includes("<threshold>") ? " (only the threshold number free)" : ""}, found ${JSON.stringify(ws(r.expr))}`,
                    { urn: s.urn },
                ),
            );
        }
    }
    return out;
}
