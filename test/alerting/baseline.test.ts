import test from "ava";
import { DEFAULTS } from "../../runbooks/defaults";
import { absenceExpr, presences } from "../../capabilities/alerting/absence";
import { BASELINE_PREFIX, baselineAlerts } from "../../capabilities/alerting/baseline";
import { alertName, rulesFor } from "../../capabilities/alerting/rules";
import { SIGNAL_SPECS, alertsOn, scopeComponents } from "../../capabilities/alerting/signals";
import { metricNaming, DEFAULT_LATENCY_BUCKETS, httpMetricNames, latencyBuckets } from "../../capabilities/alerting/metrics";
import { queryContext } from "../../capabilities/alerting/signals";
import * as path from "path";
import YAML from "yaml";
import { promtoolTests } from "../../capabilities/alerting/promtool-tests";
import { COMBOS, removeTempDirs, tempDir, tool, write } from "./helpers";

test.after.always(removeTempDirs);

/** The down signal of each data service kind, read from the contract, not listed here. */
const downSignal = (service: string) =>
    Object.entries(SIGNAL_SPECS).find(([signal, s]) => s.scope === "data" && s.dataService === service && s.unit === "bool" && signal.endsWith("_down"))?.[0];

test("every data service of every stack has a down rule, from the runbook or the platform's defaults", (t) => {
    for (const c of COMBOS) {
        const rules = rulesFor(c.runbook, c.env, c.target).groups.flatMap((g) => g.rules);
        // Object storage on AWS is S3, whose availability is AWS's to keep (docs/alerting.md): no platform rule there.
        // Every Kubernetes stack runs MinIO as its backup store, object storage in the runbook or not: it has its down rule.
        const services = [...new Set([...Object.keys(c.runbook.data), ...(c.target === "kubernetes" ? ["objectStorage"] : [])])].filter((k) => k !== "objectStorage" || c.target !== "aws");
        t.true(services.length > 0);
        for (const service of services) {
            const signal = downSignal(service);
            t.truthy(signal, `${service} has a down signal in the contract`);
            const alerts = alertsOn(c.runbook, c.target).prometheus.filter((a) => a.signal === signal && scopeComponents(c.runbook, a).includes(service));
            t.is(alerts.length, 1, `${c.stack}: one down alert for ${service}`);
            const rule = rules.find((r) => r.labels.alert_id === alerts[0].id);
            t.truthy(rule, `${c.stack}: a rule for ${alerts[0].id}`);
            t.is(rule?.labels.severity, "critical", `${c.stack}: ${service} down pages`);
        }
    }
});

test("platform-default alerts are marked defaulted with reasons, cite the runbook text that runs the service, and never shadow a runbook alert", (t) => {
    for (const c of COMBOS.filter((x) => x.env === "local")) {
        const baseline = baselineAlerts(c.runbook);
        t.true(baseline.length > 0, c.app);
        for (const a of baseline) {
            t.true(a.id.startsWith(`${BASELINE_PREFIX}-`));
            t.false(c.runbook.alerts.some((r) => r.signal === a.signal && (r.subject ?? a.subject) === a.subject), `${c.app} ${a.id} duplicates a runbook alert`);
            for (const level of a.levels) {
                t.truthy(level.defaulted?.for && level.defaulted.severity, `${c.app} ${a.id}: for and severity are defaulted`);
                if (a.unit !== "bool") t.truthy(level.defaulted?.threshold, `${c.app} ${a.id}: threshold is defaulted`);
                t.is(level.source.seed, c.runbook.seed);
            }
        }
        // formula-pm and gravitypm run Redis without a runbook alert on it: the platform watches it.
        if (c.runbook.data.redis && !c.runbook.alerts.some((a) => a.signal === "redis_down")) t.true(baseline.some((a) => a.signal === "redis_down"), c.app);
        if (c.runbook.services.some((s) => s.host)) {
            const tls = baseline.find((a) => a.signal === "tls_probe_down");
            t.is(tls?.levels[0].severity, DEFAULTS.tlsProbeSeverity.value, `${c.app}: a failing TLS probe pages`);
        }
    }
});

test("every series a stack's alerts read has an absence rule with its app and component", (t) => {
    for (const c of COMBOS) {
        const rules = rulesFor(c.runbook, c.env, c.target).groups.flatMap((g) => g.rules);
        const ps = presences(c.runbook, c.target);
        for (const alert of alertsOn(c.runbook, c.target).prometheus) {
            const components = scopeComponents(c.runbook, alert);
            const mine = ps.filter((p) => p.alerts.includes(alert.id));
            t.true(mine.length > 0, `${c.stack} ${alert.id} has an absence rule`);
            for (const component of components) t.true(mine.some((p) => p.matchers.component === component), `${c.stack} ${alert.id}: ${component} is watched for absence`);
        }
        for (const p of ps) {
            const rule = rules.find((r) => r.expr === absenceExpr(p));
            t.truthy(rule, `${c.stack}: rule for ${absenceExpr(p)}`);
            t.regex(rule?.expr ?? "", /^absent\(/);
            t.regex(rule?.expr ?? "", new RegExp(`app="${c.app}"`));
            if (SIGNAL_SPECS[alertsOn(c.runbook, c.target).prometheus.find((a) => a.id === p.alerts[0])!.signal].scope !== "hosts") {
                t.truthy(p.matchers.component ?? p.matchers.dataset, `${c.stack} ${absenceExpr(p)} names its component`);
            }
        }
    }
});

test("the metrics contract names the status label the 5xx rules read, and refuses a latency threshold without a bucket boundary", (t) => {
    const rb = COMBOS.find((c) => c.runbook.alerts.some((a) => a.signal === "http_latency_p95" && a.levels.some((l) => !DEFAULT_LATENCY_BUCKETS.includes(l.threshold as never))))!.runbook;
    const naming = metricNaming(rb);
    const bundle = httpMetricNames({ ...naming, statusLabel: "status_code" });
    const query = SIGNAL_SPECS.http_error_rate.value({ ...queryContext(rb, `app="${rb.app}"`), http: bundle });
    t.true(query.includes(`status_code=~"5.."`), query);
    t.false(/[{,] ?status=~/.test(query), query);
    t.true(SIGNAL_SPECS.http_error_rate.value(queryContext(rb, `app="${rb.app}"`)).includes(`${httpMetricNames(naming).statusLabel}=~"5.."`));

    const missing = rb.alerts.filter((a) => a.signal === "http_latency_p95").flatMap((a) => a.levels.filter((l) => !DEFAULT_LATENCY_BUCKETS.includes(l.threshold as never)).map((l) => ({ a, l })));
    const error = t.throws(() => latencyBuckets(rb, { ...naming, latencyBuckets: DEFAULT_LATENCY_BUCKETS }));
    for (const { a, l } of missing) {
        t.true(error?.message.includes(`${l.threshold} s (alert ${a.id}, ${l.severity})`), error?.message);
    }
    t.regex(error?.message ?? "", new RegExp(`^${rb.app}: .*latencyBuckets.*Allowed: `));
    // Declaring the thresholds as boundaries is accepted, and is what the app is asked for.
    const declared = [...DEFAULT_LATENCY_BUCKETS, ...missing.map((m) => m.l.threshold)];
    t.deepEqual(latencyBuckets(rb, { ...naming, latencyBuckets: declared }), [...declared].sort((a, b) => a - b));
});

test("p99 latency is one declaration any app can alert on: its rules and promtool cases come from the same contract and pass", async (t) => {
    const c = COMBOS.find((x) => x.env === "local" && x.runbook.alerts.some((a) => a.signal === "http_latency_p95"))!;
    const p95 = c.runbook.alerts.find((a) => a.signal === "http_latency_p95")!;
    const runbook = { ...c.runbook, alerts: [...c.runbook.alerts.filter((a) => a !== p95), { ...p95, id: "http-latency-tail", signal: "http_latency_p99" as const }] };
    const rules = rulesFor(runbook, c.env, c.target);
    const p99 = rules.groups.flatMap((g) => g.rules).filter((r) => r.labels.alert_id === "http-latency-tail");
    t.is(p99.length, p95.levels.length);
    for (const r of p99) t.true(r.expr.startsWith("(histogram_quantile(0.99, "), r.expr);
    const dir = tempDir("p99");
    write(path.join(dir, "rules.yml"), YAML.stringify(rules, { lineWidth: 0 }));
    const file = write(path.join(dir, "rules.test.yml"), YAML.stringify(promtoolTests(runbook, c.env, c.target), { lineWidth: 0 }));
    const r = await tool("promtool", ["test", "rules", file]);
    t.is(r.code, 0, r.stdout + r.stderr);
});

test("Kafka is watched beyond its exporter on every target: a broker missing from the cluster and under-replicated partitions warn, partitions below min.insync.replicas page", (t) => {
    const withKafka = COMBOS.filter((c) => c.runbook.data.kafka);
    t.true(withKafka.length > 0);
    for (const c of withKafka) {
        const kafka = c.runbook.data.kafka!;
        const rules = rulesFor(c.runbook, c.env, c.target).groups.flatMap((g) => g.rules);
        const bySignal = (signal: string) => {
            const alert = alertsOn(c.runbook, c.target).prometheus.find((a) => a.signal === signal);
            return { alert, rules: rules.filter((r) => r.labels.alert_id === alert?.id) };
        };
        const missing = bySignal("kafka_broker_missing");
        t.deepEqual(missing.rules.map((r) => r.labels.severity), ["warning"], `${c.stack}: one broker down warns`);
        // The cluster's broker count is compared with the runbook's, not with the exporter's reachability.
        t.regex(missing.rules[0]?.expr ?? "", new RegExp(`^\\(${kafka.brokers} > bool max by \\(app, component, instance\\) \\(kafka_brokers\\{`), c.stack);
        t.deepEqual(bySignal("kafka_under_replicated").rules.map((r) => r.labels.severity), ["warning"], c.stack);
        const writes = bySignal("kafka_under_min_isr");
        t.deepEqual(writes.rules.map((r) => r.labels.severity), [DEFAULTS.kafkaUnderMinIsrSeverity.value], `${c.stack}: refused writes page`);
        t.true(writes.rules[0]?.expr.includes(`< bool ${kafka.minInsyncReplicas})`), c.stack);
        for (const topic of kafka.topics) t.true(writes.rules[0]?.expr.includes(topic.name.replace(/\./g, "\\\\.")) || writes.rules[0]?.expr.includes(topic.name), `${c.stack}: ${topic.name}`);
        for (const a of [missing.alert, writes.alert]) t.truthy(a?.levels[0].defaulted?.severity, `${c.stack} ${a?.id}: defaulted`);
    }
});

test("an external dependency's error rate is one declaration any app can alert on: the app's HTTP client metric, a 404 or another host not counted, promtool both edges", async (t) => {
    // No runbook of the five states a number for it (bunty's "P1: External API Failures" lists symptoms only): a synthetic level on bunty's Plaid.
    const c = COMBOS.find((x) => x.app === "bunty" && x.env === "local")!;
    const dep = c.runbook.externalDependencies[0];
    const errors = c.runbook.alerts.find((a) => a.signal === "http_error_rate")!;
    const alert = { ...errors, id: "dependency-failing", title: `${dep.name} calls failing`, signal: "external_error_rate" as const, subject: dep.name };
    const runbook = { ...c.runbook, alerts: [...c.runbook.alerts, alert] };
    const rules = rulesFor(runbook, c.env, c.target).groups.flatMap((g) => g.rules);
    const mine = rules.filter((r) => r.labels.alert_id === alert.id);
    t.is(mine.length, alert.levels.length);
    for (const r of mine) t.true(r.expr.includes(`server_address="${new URL(dep.url).hostname}"`), r.expr);
    // Its absence rule watches the callers' scrapes, not a series named after the dependency.
    const watched = presences(runbook, c.target).filter((p) => p.alerts.includes(alert.id));
    t.true(watched.length > 0 && watched.every((p) => p.metric === "up" && runbook.services.some((s) => s.name === p.matchers.component)));
    const dir = tempDir("external-error-rate");
    write(path.join(dir, "rules.yml"), YAML.stringify(rulesFor(runbook, c.env, c.target), { lineWidth: 0 }));
    const tests = promtoolTests(runbook, c.env, c.target);
    const only = { ...tests, tests: tests.tests.filter((g) => alert.levels.some((l) => g.name.includes(alertName(runbook.app, alert.id, l.severity)))) };
    t.true(only.tests.length > 0);
    // A dependency that fails every call at low volume pages over the floor of errors, not under it (the HTTP error rate's guard).
    for (const held of ["fires at low traffic", "holds at low traffic"]) t.true(only.tests.some((g) => g.name.includes(held)), held);
    const file = write(path.join(dir, "rules.test.yml"), YAML.stringify(only, { lineWidth: 0 }));
    const r = await tool("promtool", ["test", "rules", file]);
    t.is(r.code, 0, r.stdout + r.stderr);
});
