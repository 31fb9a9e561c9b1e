import test from "ava";
import * as path from "path";
import YAML from "yaml";
import { durationSeconds, getRunbook } from "../../runbooks";
import { encodeValues, renderTemplate } from "../../capabilities/alerting/promtool-tests";
import { scenarioFor } from "../../capabilities/alerting/promtool-scenarios";
import { ALERT_RATE_RANGE, SCRAPE_INTERVAL, httpMetricNames, metricNaming, minErrorsPerMinute, minRequestsPerSecond } from "../../capabilities/alerting/metrics";
import { DEFAULT_TARGET } from "../../capabilities/targets";
import { alertName, levelAnnotations, rulesFor, type RuleFile } from "../../capabilities/alerting/rules";
import { signalQuery } from "../../capabilities/alerting/signals";
import { removeTempDirs, tempDir, tool, write } from "./helpers";

/**
 * Traffic as it arrives, not as the generated scenarios smooth it (docs/alerting.md "Timing"): the
 * reviewer's bursty backend (2 req/s, 5xx per 15 s scrape 6, 6, 6, 0 repeating: per scrape 20, 20,
 * 20, 0 % against the 5 % critical level) must page, one clean scrape bridged; a burst of 50 %
 * errors shorter than that level's 2 minutes (1 minute, or D − S) must not, and one of D must.
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
/** The minimum-traffic guard's minute (selectors.ts trafficRate). */
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

const firingAt = (at: number, value: number) => {
    const labels = { app: rb.app, component: "backend", severity: level.severity, env: "local", alert_id: alert.id };
    const annotations = Object.fromEntries(Object.entries(levelAnnotations(rb, alert, level)).map(([k, tpl]) => [k, renderTemplate(tpl, labels, value)]));
    return { eval_time: `${at}s`, alertname: name, exp_alerts: [{ exp_labels: labels, exp_annotations: annotations }] };
};
const silentAt = (at: number) => ({ eval_time: `${at}s`, alertname: name, exp_alerts: [] });

test("the reviewer's bursty backend (5xx per scrape 6, 6, 6, 0 at 2 req/s) pages for + one scrape after it starts; the same rule without the bridge never does", async (t) => {
    const pattern = [6, 6, 6, 0];
    const errors = (i: number) => pattern[(i - 1) % pattern.length];
    // Per scrape 20, 20, 20, 0 %: every reading but each fourth is beyond, and the bridge carries that one.
    const share = (100 * Math.max(...pattern)) / perScrape;
    t.true(share > level.threshold, `the series is a breach (${share}% per scrape against ${level.threshold}%)`);
    // Beyond from the first reading (t = one scrape), pending from there, firing `for` later.
    const firesAt = step + hold;
    const end = firesAt + 3 * window;
    const input = series(end / step + 1, errors);
    const checks = [silentAt(firesAt - step), firingAt(firesAt, share), ...Array.from({ length: (end - firesAt) / step }, (_, k) => firingAt(firesAt + (k + 1) * step, share))];
    const rules = only();
    const r = await run("bursty", rules, input, checks);
    t.is(r.code, 0, `${r.stdout}${r.stderr}`);
    const unbridged: RuleFile = { groups: rules.groups.map((g) => ({ ...g, rules: g.rules.map((x) => ({ ...x, expr: `(${signalQuery(rb, alert)}) > ${level.threshold}` })) })) };
    t.not(unbridged.groups[0].rules[0].expr, rules.groups[0].rules[0].expr, "the rendered rule bridges a clean reading");
    const old = await run("bursty-unbridged", unbridged, input, checks);
    t.not(old.code, 0, "without the bridge the clean scrape resets `for`: the check above would prove nothing otherwise");
});

test("bursts of 50% 5xx shorter than a 2-minute level (1 minute, and D − S) never fire it; a burst of D fires one scrape after it ends", async (t) => {
    t.true(hold - step > window, `${name}: its ${level.for} is longer than a minute and one scrape`);
    const from = 2 * window;
    const burst = (length: number) => (i: number) => (i * step > from && i * step <= from + length ? perScrape / 2 : 0);
    const end = from + hold + 3 * window;
    const samples = end / step + 1;
    const silent = Array.from({ length: end / step + 1 }, (_, i) => silentAt(i * step));
    const [minute, short, long] = await Promise.all([
        run("burst-minute", only(), series(samples, burst(window)), silent),
        run("burst-short", only(), series(samples, burst(hold - step)), silent),
        // Beyond from one scrape after it starts to its end, bridged one scrape more: pending exactly `for`.
        run("burst-long", only(), series(samples, burst(hold)), [...silent.filter((c) => parseInt(c.eval_time) < from + hold + step), firingAt(from + hold + step, 50)]),
    ]);
    t.is(minute.code, 0, `a ${window}s burst paged: ${minute.stdout}${minute.stderr}`);
    t.is(short.code, 0, `a ${hold - step}s burst paged: ${short.stdout}${short.stderr}`);
    t.is(long.code, 0, `a ${hold}s burst of 50% must fire exactly one scrape after it ends (the silences above would prove nothing otherwise): ${long.stdout}${long.stderr}`);
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
    // Under the minimum traffic the ratio is read once the guard's minute holds the floor of failures:
    // a sustained breach from the first sample fires within for + that minute + one evaluation (docs/alerting.md "Timing"), and keeps firing to the hour.
    const firstBy = durationSeconds(critical.for) + window + step;
    const firing = (at: number) => ({ eval_time: `${at}s`, alertname, exp_alerts: [{ exp_labels: labels, exp_annotations: annotations }] });
    const checks = [firing(firstBy), firing(end)];
    const rendered = rulesFor(app, "staging", DEFAULT_TARGET.staging);
    const mine: RuleFile = { groups: rendered.groups.map((g) => ({ ...g, rules: g.rules.filter((r) => r.alert === alertname) })) };
    t.is(mine.groups.flatMap((g) => g.rules).length, 1, `bunty-staging renders ${alertname}`);
    const r = await run("low-traffic", mine, input, checks);
    t.is(r.code, 0, `${r.stdout}${r.stderr}`);
    // The guard before: traffic alone (requests a second >= the minimum).
    const trafficOnly: RuleFile = { groups: mine.groups.map((g) => ({ ...g, rules: g.rules.map((x) => ({ ...x, expr: x.expr.replace(/ or sum by \(app, component\) \(rate\([^)]*\)\) \* 60 >= [\d.]+\)/g, ")") })) })) };
    t.not(trafficOnly.groups[0].rules[0].expr, mine.groups[0].rules[0].expr, "the floor of errors is in the rendered rule");
    const old = await run("low-traffic-old", trafficOnly, input, checks);
    t.not(old.code, 0, "the traffic-only guard stays silent: the check above would prove nothing otherwise");
});
