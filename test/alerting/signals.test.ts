import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { SEEDS_DIR } from "../../runbooks/seeds";
import { contractMarkdown, contractMetrics } from "../../capabilities/alerting/contract";
import { requiredExporters } from "../../capabilities/alerting/exporters";
import { metricNaming, httpMetricNames, latencyBuckets } from "../../capabilities/alerting/metrics";
import { CLOUDWATCH_ONLY_SIGNALS, SIGNAL_SPECS, alertsOn, signalQuery } from "../../capabilities/alerting/signals";
import { COMBOS, metricNames } from "./helpers";
import { levelExpr, rulesFor } from "../../capabilities/alerting/rules";
import { expectedExpr, matchesExpected } from "../../policies/lib/expressions";
import { allRunbooks, getRunbook, parseRunbook } from "../../runbooks";
import { DEFAULTS } from "../../runbooks/defaults";

test("the metric-name reader finds metrics and nothing else", (t) => {
    const names = metricNames('histogram_quantile(0.95, sum by (app, le) (rate(x_bucket{a="b|c", le!="1e6"}[5m]))) / 1e6 > bool 0 or on (app) group_left (z) label_replace(y_total, "m", "w", "", "") * 60');
    t.deepEqual(names.sort(), ["x_bucket", "y_total"]);
});

test("each alert's query reads exactly the metrics the contract lists for its signal", (t) => {
    for (const c of COMBOS.filter((x) => x.env === "local")) {
        const http = httpMetricNames(metricNaming(c.runbook));
        for (const alert of c.runbook.alerts) {
            t.deepEqual(metricNames(signalQuery(c.runbook, alert)).sort(), [...SIGNAL_SPECS[alert.signal].metrics(http)].sort(), `${c.app} ${alert.id}`);
        }
    }
});

test("requiredExporters lists every metric the stack's rules read, and only the exporters they need", (t) => {
    for (const c of COMBOS) {
        const exporters = requiredExporters(c.runbook, c.target);
        const provided = new Set(exporters.flatMap((e) => e.metrics));
        for (const rule of rulesFor(c.runbook, c.env, c.target).groups.flatMap((g) => g.rules)) {
            for (const m of metricNames(rule.expr)) t.true(provided.has(m), `${c.stack} ${rule.alert} reads ${m}, which no required exporter provides`);
        }
        const needed = new Set(alertsOn(c.runbook, c.target).prometheus.map((a) => SIGNAL_SPECS[a.signal].exporter));
        for (const e of exporters) t.true(needed.has(e.exporter) || e.signals.length === 0, `${c.stack}: ${e.exporter} is needed`);
        for (const e of exporters) t.true(e.metrics.every((m) => contractMetrics(c.app).has(m)));
    }
});

test("on aws the rules leave out exactly the CloudWatch signals, and no exporter is asked for them", (t) => {
    for (const c of COMBOS.filter((x) => x.target === "aws")) {
        const rules = rulesFor(c.runbook, c.env, c.target).groups.flatMap((g) => g.rules);
        const ids = new Set(rules.map((r) => r.labels.alert_id));
        for (const alert of c.runbook.alerts) {
            t.is(ids.has(alert.id), !(CLOUDWATCH_ONLY_SIGNALS as readonly string[]).includes(alert.signal), `${c.stack} ${alert.id}`);
        }
        const cloudwatch = c.runbook.alerts.filter((a) => (CLOUDWATCH_ONLY_SIGNALS as readonly string[]).includes(a.signal));
        const watchdog = rules.find((r) => r.alert === "Watchdog");
        for (const a of cloudwatch) t.true(watchdog?.annotations.description.includes(a.id), `${c.stack}: the group says ${a.id} is CloudWatch's`);
        const signals = new Set(requiredExporters(c.runbook, c.target).flatMap((e) => e.signals));
        for (const s of CLOUDWATCH_ONLY_SIGNALS) t.false(signals.has(s));
    }
});

test("blackbox probes cover every service health path, public host and external dependency the alerts watch", (t) => {
    for (const c of COMBOS.filter((x) => x.env === "local")) {
        const probes = requiredExporters(c.runbook).find((e) => e.exporter === "blackbox")?.probes ?? [];
        for (const alert of c.runbook.alerts.filter((a) => SIGNAL_SPECS[a.signal].exporter === "blackbox")) {
            if (alert.signal === "external_down" || alert.signal === "external_latency") {
                const dep = c.runbook.externalDependencies.find((d) => d.name === alert.subject);
                const probe = probes.find((p) => p.probe === "external" && p.component === alert.subject);
                t.is(probe?.url, dep?.url, `${c.app} ${alert.id}`);
                t.is(probe?.module, dep?.probe === "jsonrpc" ? "http_jsonrpc" : "http_2xx");
            } else if (alert.signal === "certificate_expiry") {
                for (const s of c.runbook.services.filter((x) => x.host)) t.true(probes.some((p) => p.probe === "tls" && p.url === `https://${s.host}${s.healthPath}`), `${c.app} tls ${s.name}`);
            } else {
                for (const s of c.runbook.services) t.true(probes.some((p) => p.probe === "health" && p.port === s.port && p.path === s.healthPath), `${c.app} health ${s.name}`);
            }
        }
    }
});

test("an app prefix is used only where the runbook names its own HTTP metrics", (t) => {
    for (const c of COMBOS.filter((x) => x.env === "local")) {
        const seed = fs.readFileSync(path.join(SEEDS_DIR, c.runbook.seed), "utf8");
        const http = httpMetricNames(metricNaming(c.runbook));
        if (metricNaming(c.runbook).prefix) {
            for (const m of new Set([http.requests, http.errors, http.duration])) t.true(seed.includes(m), `${c.app}: the seed names ${m}`);
        } else {
            t.false(/\b[a-z]+_http_requests_total\b/.test(seed), `${c.app}: the seed names no prefixed HTTP metric`);
        }
    }
});

test("the latency histogram has a bucket boundary at every p95 threshold", (t) => {
    for (const c of COMBOS.filter((x) => x.env === "local")) {
        const buckets = latencyBuckets(c.runbook);
        for (const a of c.runbook.alerts.filter((x) => x.signal === "http_latency_p95")) for (const l of a.levels) t.true(buckets.includes(l.threshold));
        const app = requiredExporters(c.runbook).find((e) => e.exporter === "app");
        if (c.runbook.alerts.some((a) => a.signal === "http_latency_p95")) t.deepEqual(app?.latencyBuckets, buckets);
    }
});

test("an alert whose unit is not its signal's unit fails with the field named", (t) => {
    const rb = COMBOS[0].runbook;
    const alert = rb.alerts.find((a) => a.unit === "percent");
    if (!alert) return t.fail();
    t.throws(() => signalQuery(rb, { ...alert, unit: "seconds" }), { message: /`unit` is seconds/ });
});

test("docs/alerting.md carries the generated contract tables", (t) => {
    const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "alerting.md"), "utf8");
    t.true(doc.includes(contractMarkdown()), "regenerate the tables in docs/alerting.md from contractMarkdown()");
});

test("the pack's expression check holds the error rate to its floor of errors: the traffic-only guard it replaced is another expression", (t) => {
    const checked = allRunbooks().flatMap((rb) => rb.alerts.filter((a) => a.signal === "http_error_rate").map((alert) => ({ rb, alert })));
    t.true(checked.length > 0);
    for (const { rb, alert } of checked) {
        const expected = expectedExpr(rb, alert.id)!;
        const generated = levelExpr(rb, alert, alert.levels[0]);
        t.true(matchesExpected(expected, generated), `${rb.app} ${alert.id}: the generated rule passes`);
        const trafficOnly = generated.replace(/ or sum by \(app, component\) \(rate\([^)]*\)\) \* 60 >= [\d.]+\)/, ")");
        t.not(trafficOnly, generated, `${rb.app} ${alert.id}: the rule reads the floor of errors`);
        t.false(matchesExpected(expected, trafficOnly), `${rb.app} ${alert.id}: a rule without the floor is a finding`);
    }
});

test("an app's metrics contract sets its own floor of errors, else the platform default; the schema refuses a negative one", (t) => {
    const rb = getRunbook("pfm-community");
    t.truthy(rb.metrics, "pfm-community names its own metrics");
    const alert = rb.alerts.find((a) => a.signal === "http_error_rate")!;
    t.true(signalQuery(rb, alert).endsWith(`* 60 >= ${DEFAULTS.minErrorsPerMinute.value})`));
    const own = parseRunbook({ ...rb, metrics: { ...rb.metrics!, minErrorsPerMinute: 12 } });
    t.true(signalQuery(own, alert).endsWith("* 60 >= 12)"));
    t.throws(() => parseRunbook({ ...rb, metrics: { ...rb.metrics!, minErrorsPerMinute: -1 } }), { message: /minErrorsPerMinute/ });
});
