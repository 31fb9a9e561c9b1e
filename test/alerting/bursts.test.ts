import test from "ava";
import * as path from "path";
import YAML from "yaml";
import { durationSeconds, getRunbook } from "../../runbooks";
import { encodeValues, renderTemplate } from "../../capabilities/alerting/promtool-tests";
import { scenarioFor } from "../../capabilities/alerting/promtool-scenarios";
import { ALERT_RATE_RANGE, SCRAPE_INTERVAL, httpMetricNames, metricNaming, minErrorsPerMinute, minRequestsPerSecond } from "../../capabilities/alerting/metrics";
import { DEFAULT_TARGET } from "../../capabilities/targets";
import { alertName, levelAnnotations, rulesFor, type RuleFile } from "../../capabilities/alerting/rules";
import { removeTempDirs, tempDir, tool, write } from "./helpers";

/**
 * Traffic as it arrives, not as the generated scenarios smooth it (docs/alerting.md "Timing"): the
 * reviewer's bursty backend (2 req/s, 5xx per 15 s scrape 6, 6, 6, 0 repeating, a sustained 15 %
 * against the 5 % critical level) must page, and a 1-minute burst of 50 % errors against that
 * level's 2 minutes (a breach of D − W) must not.
 */

const yaml = (v: unknown) => YAML.stringify(v, { lineWidth: 0 });
const dir = tempDir("bursts");
test.after.always(removeTempDirs);

const rb = getRunbook("pfm-community");
const alert = rb.alerts.find((a) => a.signal === "http_error_rate")!;
const level = alert.levels.find((l) => l.severity === "critical")!;
const name = alertName(rb.app, alert.id, level.severity);
const http = httpMetricNames(metricNaming(rb));
const step = durationSeconds(SCRAPE_INTERVAL);
const window = durationSeconds(ALERT_RATE_RANGE);
const hold = durationSeconds(level.for);
const perScrape = 2 * step; // 2 requests a second

/** The app's own HTTP series (names and labels from its scenario), with 5xx per scrape interval `errors(i)` for interval i (ending at sample i). */
function series(samples: number, errors: (i: number) => number) {
    const sims = scenarioFor(rb, alert, rb.app, level.threshold, "fire", samples).series;
    const increment = (status: string, i: number) => (status.startsWith("5") ? errors(i) : status === "200" ? perScrape - errors(i) : 0);
    return sims.map((sim) => {
        const status = sim.labels[http.statusLabel];
        const values = [0];
        for (let i = 1; i < samples; i++) values.push(values[i - 1] + increment(status, i));
        return { series: `${sim.name}{${Object.entries(sim.labels).map(([k, v]) => `${k}="${v}"`).join(", ")}}`, values: encodeValues(values) };
    });
}

async function run(tag: string, rules: RuleFile, input: unknown, checks: unknown) {
    const d = path.join(dir, tag);
    write(path.join(d, "rules.yml"), yaml(rules));
    const file = write(path.join(d, "rules.test.yml"), yaml({ rule_files: ["rules.yml"], evaluation_interval: SCRAPE_INTERVAL, tests: [{ interval: SCRAPE_INTERVAL, input_series: input, alert_rule_test: checks }] }));
    return tool("promtool", ["test", "rules", file]);
}

const only = (): RuleFile => {
    const rules = rulesFor(rb, "local", "docker");
    return { groups: rules.groups.map((g) => ({ ...g, rules: g.rules.filter((r) => r.alert === name) })) };
};

test("the reviewer's bursty backend (5xx per scrape 6, 6, 6, 0 at 2 req/s) pages; the last-two-samples reading it replaced never does", async (t) => {
    const pattern = [6, 6, 6, 0];
    const errors = (i: number) => pattern[(i - 1) % pattern.length];
    const at = hold + 3 * window;
    const samples = at / step + 1;
    // The share of 5xx over the window that ends at `at`: the intervals whose samples it holds (Prometheus 2: [at − W, at]).
    const intervals = Array.from({ length: window / step }, (_, k) => at / step - k);
    const share = (100 * intervals.reduce((n, i) => n + errors(i), 0)) / (intervals.length * perScrape);
    t.true(share > level.threshold, `the series is a sustained breach (${share}% against ${level.threshold}%)`);
    const labels = { app: rb.app, component: "backend", severity: level.severity, env: "local", alert_id: alert.id };
    const annotations = Object.fromEntries(Object.entries(levelAnnotations(rb, alert, level)).map(([k, tpl]) => [k, renderTemplate(tpl, labels, share)]));
    const input = series(samples, errors);
    const checks = [{ eval_time: `${at}s`, alertname: name, exp_alerts: [{ exp_labels: labels, exp_annotations: annotations }] }];
    const rules = only();
    const r = await run("bursty", rules, input, checks);
    t.is(r.code, 0, `${r.stdout}${r.stderr}`);
    const irate: RuleFile = { groups: rules.groups.map((g) => ({ ...g, rules: g.rules.map((x) => ({ ...x, expr: x.expr.replace(/\brate\(([^[]*)\[[^\]]*\]\)/g, "irate($1[1m])") })) })) };
    const old = await run("bursty-irate", irate, input, checks);
    t.not(old.code, 0, "irate reads the clean interval and resets `for`: the check above would prove nothing otherwise");
});

test("a 1-minute burst of 50% 5xx never fires a 2-minute level (a breach of at most D − W), a burst of D does", async (t) => {
    t.true(hold - window >= window, `${name}: its ${level.for} leaves room for a burst of D − W`);
    const from = 2 * window;
    const burst = (length: number) => (i: number) => (i * step > from && i * step <= from + length ? perScrape / 2 : 0);
    const end = from + hold + 3 * window;
    const samples = end / step + 1;
    const silent = Array.from({ length: end / step + 1 }, (_, i) => ({ eval_time: `${i * step}s`, alertname: name, exp_alerts: [] }));
    const short = await run("burst-short", only(), series(samples, burst(hold - window)), silent);
    t.is(short.code, 0, `a ${hold - window}s burst paged: ${short.stdout}${short.stderr}`);
    const long = await run("burst-long", only(), series(samples, burst(hold)), silent);
    t.not(long.code, 0, `a ${hold}s burst of 50% must fire (the silence above would prove nothing otherwise)`);
});

test("the reviewer's low-traffic outage: bunty-staging's backend at 24 requests a minute, every one a 500 for 60 minutes, health probe up, pages critical; the traffic-only guard it replaced never does", async (t) => {
    const app = getRunbook("bunty");
    const errorRate = app.alerts.find((a) => a.signal === "http_error_rate")!;
    const critical = errorRate.levels.find((l) => l.severity === "critical")!;
    const alertname = alertName(app.app, errorRate.id, critical.severity);
    const names = httpMetricNames(metricNaming(app));
    const perSecond = 24 / 60;
    // The reviewer's series lie where the guard used to hide them: under the minimum traffic, over the floor of errors.
    t.true(perSecond < minRequestsPerSecond(app) && perSecond * 60 >= minErrorsPerMinute(app), "24 a minute: under the minimum traffic, over the floor");
    const end = 60 * 60;
    const samples = end / step + 1;
    const backend = `app="bunty", component="backend", job="backend", instance="backend-1:3000"`;
    const input = [
        { series: `${names.requests}{${backend}, method="GET", ${names.statusLabel}="500"}`, values: `0+${perSecond * step}x${samples - 1}` },
        { series: `probe_success{app="bunty", component="backend", job="blackbox", instance="http://backend:3000/health", probe="health"}`, values: `1x${samples - 1}` },
    ];
    const labels = { app: app.app, component: "backend", severity: critical.severity, env: "staging", alert_id: errorRate.id };
    const annotations = Object.fromEntries(Object.entries(levelAnnotations(app, errorRate, critical)).map(([k, tpl]) => [k, renderTemplate(tpl, labels, 100)]));
    // A sustained breach from the first sample fires within for + the alert window + one evaluation (docs/alerting.md "Timing"), and keeps firing to the hour.
    const firstBy = durationSeconds(critical.for) + window + step;
    const firing = (at: number) => ({ eval_time: `${at}s`, alertname, exp_alerts: [{ exp_labels: labels, exp_annotations: annotations }] });
    const checks = [firing(firstBy), firing(end)];
    const rendered = rulesFor(app, "staging", DEFAULT_TARGET.staging);
    const mine: RuleFile = { groups: rendered.groups.map((g) => ({ ...g, rules: g.rules.filter((r) => r.alert === alertname) })) };
    t.is(mine.groups.flatMap((g) => g.rules).length, 1, `bunty-staging renders ${alertname}`);
    const r = await run("low-traffic", mine, input, checks);
    t.is(r.code, 0, `${r.stdout}${r.stderr}`);
    // The guard before: traffic alone (requests a second >= the minimum).
    const trafficOnly: RuleFile = { groups: mine.groups.map((g) => ({ ...g, rules: g.rules.map((x) => ({ ...x, expr: x.expr.replace(/ or sum by \(app, component\) \(rate\([^)]*\)\) \* 60 >= [\d.]+\)/, ")") })) })) };
    t.not(trafficOnly.groups[0].rules[0].expr, mine.groups[0].rules[0].expr, "the floor of errors is in the rendered rule");
    const old = await run("low-traffic-old", trafficOnly, input, checks);
    t.not(old.code, 0, "the traffic-only guard stays silent: the check above would prove nothing otherwise");
});
