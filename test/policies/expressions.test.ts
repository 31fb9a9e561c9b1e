import test from "ava";
import YAML from "yaml";
import { getRunbook, type Alert } from "../../runbooks";
import { expectedExpr, matchesExpected } from "../../policies/lib/expressions";
import { ruleGroups, rulesYaml, type RuleShape } from "./fixtures";
import { check, compliantAndBroken, type Fake } from "./helpers";

/**
 * Issue 13 (review finding 1): a rule whose final `> number` and `for` look right but whose
 * expression cannot fire (or measures something else) is no coverage. The pack compares each
 * runbook level's rule with the platform's expression for that alert, only the threshold free,
 * and bounds the rule group's interval and limit and requires the Watchdog.
 */

const APP = "formula-pm";
const rb = getRunbook(APP);
const STAGING = `${APP}-staging`;
const K8S = "k8s-prometheusrule-runbook-alerts";
const ERR = rb.alerts.find((a) => a.id === "http-error-rate")!;

type Groups = ReturnType<typeof ruleGroups>;

function prometheusRule(spec: Groups): Fake[] {
    return [{ type: "kubernetes:monitoring.coreos.com/v1:PrometheusRule", name: "rules", props: { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: `${APP}-rules` }, spec } }];
}

/** The fixture with one edit of the http-error-rate rules' expression; the edit must change it (else the break proves nothing). */
function exprEdit(edit: (expr: string) => string): (rs: Fake[]) => void {
    return (rs) => {
        rs[0] = prometheusRule(
            ruleGroups(rb, {
                tweak: (a: Alert, _l, r: RuleShape) => {
                    if (a.id !== ERR.id) return r;
                    const expr = edit(r.expr);
                    if (expr === r.expr) throw new Error(`the edit leaves ${r.expr} unchanged`);
                    return { ...r, expr };
                },
            }),
        )[0];
    };
}

function groupEdit(edit: (g: Groups["groups"][number] & Record<string, unknown>) => void): (rs: Fake[]) => void {
    return (rs) => {
        const spec = ruleGroups(rb);
        edit(spec.groups[0]);
        rs[0] = prometheusRule(spec)[0];
    };
}

const found = (level: string) => new RegExp(`prometheus rule "[A-Za-z]+" .*\\(http-error-rate, ${level}\\) does not evaluate the platform's expression.*expected ".*" \\(only the threshold number free\\), found "`);

test("a runbook level's rule counts only with the platform's expression (Kubernetes, staging: mandatory)", async (t) => {
    const severity = ERR.levels[0].severity;
    const shortestFor = Math.min(...rb.alerts.flatMap((a) => a.levels.map((l) => l.for)).map((f) => Number(/^(\d+)m$/.exec(f)?.[1] ?? 1e9) * 60));
    await compliantAndBroken(t, K8S, STAGING, () => prometheusRule(ruleGroups(rb)), {
        "unless on() vector(1) appended": { edit: exprEdit((e) => `${e} unless on() vector(1)`), expect: found(severity) },
        "app label typo": { edit: exprEdit((e) => e.split(`app="${APP}"`).join(`app="${APP}x"`)), expect: found(severity) },
        "metric name typo": { edit: exprEdit((e) => e.replace(/http_requests_total/, "http_request_total")), expect: found(severity) },
        "multiplied by 0": { edit: exprEdit((e) => `0 * ${e}`), expect: found(severity) },
        'status=~"6.."': { edit: exprEdit((e) => e.replace('status=~"5.."', 'status=~"6.."')), expect: found(severity) },
        "traffic guard raised to >= 1000": { edit: exprEdit((e) => e.replace(/>= ?[0-9.]+\)/, ">= 1000)")), expect: found(severity) },
        "rate over 1h instead of the generated window": { edit: exprEdit((e) => e.replace(/\[1m\]/g, "[1h]")), expect: found(severity) },
        "Watchdog deleted": { edit: groupEdit((g) => (g.rules = g.rules.filter((r) => r.alert !== "Watchdog"))), expect: /no Watchdog rule with expr "vector\(1\)"/ },
        "group interval 15m": { edit: groupEdit((g) => (g.interval = "15m")), expect: /evaluates every 15m, longer than its shortest for/ },
        "group limit 1": { edit: groupEdit((g) => (g.limit = 1)), expect: /sets limit: 1; .*leave limit unset or 0/ },
    });
    t.true(shortestFor >= 60, "the fixture's levels wait at least a minute, so a 1m interval is tight enough");
    // Tightening is no finding: a lower threshold, extra whitespace, an explicit 0 limit, a short interval.
    const tight = ruleGroups(rb, { tweak: (a, l, r) => (a.id === ERR.id ? { ...r, expr: r.expr.replace(/ > [0-9.]+$/, `  >\n  ${l.threshold / 2}`).replace(/ \/ /g, "\n  /  ") } : r) });
    Object.assign(tight.groups[0], { interval: "30s", limit: 0 });
    t.deepEqual((await check(K8S, STAGING, prometheusRule(tight))).messages, []);
    // The finding blocks staging.
    const broken = prometheusRule(ruleGroups(rb));
    exprEdit((e) => `0 * ${e}`)(broken);
    const v = (await check(K8S, STAGING, broken)).violations.filter((x) => /platform's expression/.test(x.message));
    t.true(v.length > 0 && v.every((x) => x.level === "mandatory"));
});

test("the expression check applies on Docker and on AWS (AMP rule groups)", async (t) => {
    const docker = (content: string): Fake[] => [{ type: "docker:index/container:Container", name: "prometheus", props: { image: "prom/prometheus:v2.54.1", uploads: [{ file: "/etc/prometheus/rules.yml", content }] } }];
    const sneaky = { tweak: (a: Alert, _l: unknown, r: RuleShape) => (a.id === ERR.id ? { ...r, expr: `${r.expr} unless on() vector(1)` } : r) };
    const exprMessages = (ms: string[]) => ms.filter((m) => /platform's expression/.test(m));
    t.deepEqual(exprMessages((await check("docker-prometheus-rules-runbook-alerts", `${APP}-local`, docker(rulesYaml(rb)))).messages), []);
    t.true(exprMessages((await check("docker-prometheus-rules-runbook-alerts", `${APP}-local`, docker(rulesYaml(rb, sneaky)))).messages).length > 0);
    const amp = (data: string): Fake[] => [{ type: "aws:amp/ruleGroupNamespace:RuleGroupNamespace", name: "rules", props: { name: "rules", workspaceId: "ws", data } }];
    const prod = `${APP}-production`;
    t.deepEqual(exprMessages((await check("aws-amp-cloudwatch-runbook-alerts", prod, amp(rulesYaml(rb)))).messages), []);
    const v = (await check("aws-amp-cloudwatch-runbook-alerts", prod, amp(rulesYaml(rb, sneaky)))).violations.filter((x) => /platform's expression/.test(x.message));
    t.true(v.length > 0 && v.every((x) => x.level === "mandatory"));
    t.true(v.some((x) => x.key === `alerts.${ERR.id}.${ERR.levels[0].severity}.expr`), YAML.stringify(v.map((x) => x.key)));
});

test("matchesExpected: only the threshold number and whitespace are free", (t) => {
    const expected = expectedExpr(rb, ERR.id)!;
    t.true(expected.endsWith(`${ERR.direction === "above" ? ">" : "<"} <threshold>`));
    const real = expected.replaceAll("<threshold>", String(ERR.levels[0].threshold));
    t.true(matchesExpected(expected, real));
    t.true(matchesExpected(expected, real.replace(/ /g, "\n   ")));
    t.true(matchesExpected(expected, expected.replaceAll("<threshold>", "1e-3")));
    t.false(matchesExpected(expected, expected.replaceAll("<threshold>", "5 or vector(0)")));
    // The error rate is a per-scrape rate: its bridge compares the reading one evaluation earlier too, and may not be dropped.
    t.is(expected.split("<threshold>").length, 3);
    t.false(matchesExpected(expected, real.slice(0, real.lastIndexOf(" or ("))));
    t.false(matchesExpected(expected, `(${real})`));
    t.is(expectedExpr(rb, "no-such-alert"), undefined);
});
