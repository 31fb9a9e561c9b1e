import test from "ava";
import YAML from "yaml";
import { APP_IDS, getRunbook, type Runbook } from "../../runbooks";
import { rulesFor, WATCHDOG } from "../../capabilities/alerting/rules";
import { publicEndpoints, reachabilityAlertName, reachabilityRules } from "../../capabilities/reachability";
import { checkPlatformRuleExpressions } from "../../policies/lib/platform-expressions";
import type { Subject } from "../../policies/lib/policy";

/**
 * The platform's own rules (defaults' levels, absence rules, reachability rules) are held to their
 * generated expressions as runbook levels are: for every app and target, each of them edited so it
 * can no longer fire (`0 * (…)`, an `unless`, another selector) is a finding naming the rule, while
 * the generated rules (and a tighter threshold on a default level) pass. Pure: no plan is made.
 */

const TARGETS = ["docker", "kubernetes", "aws"] as const;
type Rule = { alert: string; expr: string; labels?: Record<string, string>; [k: string]: unknown };
type Groups = { groups: { name: string; rules: Rule[] }[] };

const subject = (name: string, groups: Groups, target: (typeof TARGETS)[number]): Subject =>
    target === "aws"
        ? { type: "aws:amp/ruleGroupNamespace:RuleGroupNamespace", name, urn: `urn:${name}`, props: { data: YAML.stringify(groups, { lineWidth: 0 }) }, opts: { protect: false } }
        : { type: "kubernetes:monitoring.coreos.com/v1:PrometheusRule", name, urn: `urn:${name}`, props: { spec: groups }, opts: { protect: false } };

/** The rule file a stack of `rb` builds on `target`, the reachability group included where hosts are published. */
function generated(rb: Runbook, target: (typeof TARGETS)[number]): Groups {
    const hosts = Object.fromEntries(rb.services.filter((s) => s.host).map((s) => [s.name, s.host!]));
    const reach = reachabilityRules(rb, "staging", publicEndpoints(rb, hosts));
    return structuredClone({ groups: [...rulesFor(rb, "staging", target).groups, ...reach.groups] }) as unknown as Groups;
}

const runbookNames = (rb: Runbook) => new Set(rb.alerts.flatMap((a) => a.levels.map((l) => a.id + l.severity)));
/** Rules the platform makes beyond the runbook's levels: what this check covers. */
function platformRules(rb: Runbook, g: Groups): Rule[] {
    const mine = runbookNames(rb);
    const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
    return g.groups.flatMap((x) => x.rules).filter((r) => r.alert !== WATCHDOG && r.labels?.alert_id !== undefined ? !rb.alerts.some((a) => a.id === r.labels!.alert_id) : r.alert !== WATCHDOG && ![...mine].some((n) => norm(r.alert).includes(norm(n))));
}

const EDITS: readonly [string, (e: string) => string][] = [
    ["multiplied by 0", (e) => `0 * (${e})`],
    ["silenced by unless", (e) => `(${e}) unless vector(1)`],
    ["another app selected", (e) => e.replace(/app="([^"]+)"/, 'app="$1-other"')],
];

for (const app of APP_IDS) {
    const rb = getRunbook(app);
    for (const target of TARGETS) {
        test(`${app} on ${target}: the platform's rules pass as generated and every one edited to not fire is reported`, (t) => {
            const g = generated(rb, target);
            t.deepEqual(checkPlatformRuleExpressions(rb, "staging", target, [subject("rules", g, target)]).map((f) => f.message), []);
            const rules = platformRules(rb, g);
            t.true(rules.length > 0, "the platform makes rules of its own here");
            // Every rule with the first edit; the other edits on one rule of each kind (defaults' levels, absence, reachability).
            const kinds = new Set<string>();
            for (const r of rules) {
                const kind = r.labels?.host ? "reachability" : /^\s*absent\(/.test(r.expr) ? "absence" : "level";
                const edits = kinds.has(kind) ? EDITS.slice(0, 1) : EDITS;
                kinds.add(kind);
                for (const [what, edit] of edits) {
                    const expr = edit(r.expr);
                    if (expr === r.expr) continue;
                    const found = checkPlatformRuleExpressions(rb, "staging", target, [subject("rules", { groups: [{ name: "g", rules: [{ ...r, expr }] }] }, target)]);
                    t.true(
                        found.some((f) => f.message.includes(`"${r.alert}"`) && f.message.includes("does not evaluate the platform's expression") && f.message.includes(JSON.stringify(expr.replace(/\s+/g, " ").trim()))),
                        `${r.alert} ${what}: ${found.map((f) => f.message).join("\n") || "nothing reported"}`,
                    );
                    // A platform rule's expression is no runbook number: nothing a stack declares excuses it.
                    t.true(found.every((f) => f.key === undefined));
                }
            }
        });
    }
}

test("a default level's tighter threshold is no finding; its reachability rule naming no endpoint is", (t) => {
    const rb = getRunbook("formula-pm");
    const g = generated(rb, "kubernetes");
    const ids = new Set(rb.alerts.map((a) => a.id));
    const level = g.groups.flatMap((x) => x.rules).find((r) => r.labels?.alert_id && !ids.has(r.labels.alert_id) && / > [0-9.]+$/.test(r.expr));
    t.truthy(level, "formula-pm has a platform default level with a > threshold");
    level!.expr = level!.expr.replace(/ > ([0-9.]+)$/, (_m, n) => ` > ${Number(n) / 2}`);
    t.deepEqual(checkPlatformRuleExpressions(rb, "staging", "kubernetes", [subject("rules", g, "kubernetes")]), []);
    const reach = g.groups.flatMap((x) => x.rules).find((r) => r.alert === reachabilityAlertName(rb.app))!;
    delete reach.labels!.host;
    t.regex(checkPlatformRuleExpressions(rb, "staging", "kubernetes", [subject("rules", g, "kubernetes")])[0]?.message ?? "", /labels \(component=\w+, host=unset\) name no endpoint/);
});
