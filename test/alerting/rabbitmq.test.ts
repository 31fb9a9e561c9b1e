import test from "ava";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { alarmTiming, cloudWatchAlarms, notifyingEvaluator, type AlarmSpec } from "../../capabilities/aws/alarms";
import { alarmNeeds, alarmSubjectKeys } from "../../policies/lib/subjects";
import { breaches, evaluate } from "./metric-math";
import { AMAZON_MQ_METRICS } from "../../capabilities/aws/amazonmq";
import { alarmInventory } from "../../capabilities/aws/inventory";
import { baselineAlerts } from "../../capabilities/alerting/baseline";
import { promtoolCases, promtoolTests } from "../../capabilities/alerting/promtool-tests";
import { RABBITMQ_SIGNAL_SPECS, type RabbitMqSignal } from "../../capabilities/alerting/rabbitmq";
import { alertName, rulesFor } from "../../capabilities/alerting/rules";
import { alertsOn } from "../../capabilities/alerting/signals";
import { dashboardsFor } from "../../capabilities/dashboards/dashboards";
import { DEFAULTS } from "../../runbooks/defaults";
import { getRunbook, parseRunbook, type Alert, type Env } from "../../runbooks";
import { rabbitMqApp } from "../targets/rabbitmq-app";
import type { Target } from "../../capabilities/targets";
import { removeTempDirs, tempDir, tool, write } from "./helpers";

/**
 * RabbitMQ's signals through the metrics contract, on a synthetic sixth app built from bunty's
 * runbook (no real runbook has RabbitMQ): a worker consuming two queues of a three-node broker,
 * alerting on backlog and on a queue left without a consumer. Expected values come from the
 * synthetic runbook and from a real broker's scrape, never from the generators under test.
 */

const BASE = getRunbook("bunty");
const cite = BASE.alerts[0].levels[0].source;

const backlog: Alert = {
    id: "mail-backlog",
    title: "Mail backlog",
    signal: "rabbitmq_queue_depth",
    direction: "above",
    unit: "messages",
    subject: "rabbitmq",
    levels: [
        { severity: "critical", threshold: 20000, for: "5m", source: cite },
        { severity: "warning", threshold: 5000, for: "10m", source: cite },
    ],
};
const orphaned: Alert = {
    id: "mail-queue-orphaned",
    title: "Mail queue without a consumer",
    signal: "rabbitmq_queue_no_consumer",
    direction: "above",
    unit: "bool",
    subject: "rabbitmq",
    levels: [{ severity: "critical", threshold: 0, for: "5m", source: cite }],
};


const RB = rabbitMqApp({ alerts: [backlog, orphaned] });
const MQ = RB.data.rabbitmq!;
const isRabbitMq = (a: Alert) => a.signal.startsWith("rabbitmq_");
const dir = tempDir("rabbitmq");
test.after.always(removeTempDirs);

/** `name{labels} value` lines of a Prometheus text exposition, labels parsed. */
function samples(text: string): { name: string; labels: Record<string, string> }[] {
    return text
        .split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .map((l) => {
            const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(l);
            if (!m) throw new Error(`not a sample line: ${l}`);
            const labels = Object.fromEntries([...(m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
            return { name: m[1], labels };
        });
}

test("the contract reads metric names and labels a real RabbitMQ serves on the scraped endpoint", (t) => {
    const scraped = samples(fs.readFileSync(path.join(__dirname, "fixtures", "rabbitmq-metrics.prom"), "utf8"));
    for (const [signal, spec] of Object.entries(RABBITMQ_SIGNAL_SPECS)) {
        // `up` is the scrape's own series, made by Prometheus.
        for (const metric of spec.metrics({} as never).filter((m) => m !== "up")) {
            const series = scraped.filter((s) => s.name === metric);
            t.true(series.length > 0, `${signal}: ${metric} is served`);
            for (const label of spec.identity.filter((l) => l !== "app" && l !== "component" && l !== "instance")) {
                t.true(
                    series.every((s) => s.labels[label] !== undefined),
                    `${signal}: ${metric} carries ${label}`,
                );
            }
        }
    }
});

const PROMETHEUS_TARGETS: readonly { env: Env; target: Target }[] = [
    { env: "local", target: "docker" },
    { env: "staging", target: "kubernetes" },
];

test("Docker and Kubernetes: promtool checks the rules and passes the RabbitMQ levels' cases, each tested on both timing edges", async (t) => {
    for (const { env, target } of PROMETHEUS_TARGETS) {
        const rules = write(path.join(dir, env, "rules.yml"), YAML.stringify(rulesFor(RB, env, target), { lineWidth: 0 }));
        // Only the groups that check a RabbitMQ rule: bunty's own are promtool.test.ts's.
        const names = new Set(alertsOn(RB, target).prometheus.filter(isRabbitMq).flatMap((a) => a.levels.map((l) => alertName(RB.app, a.id, l.severity))));
        const file = promtoolTests(RB, env, target, "rules.yml");
        // The absence rules' group too: it holds the check that a vanished broker scrape fires.
        const mine = { ...file, tests: file.tests.filter((g) => g.alert_rule_test.some((c) => names.has(c.alertname) || /rabbitmq/i.test(c.alertname))) };
        t.true(mine.tests.length > 0);
        const tests = write(path.join(dir, env, "rules.test.yml"), YAML.stringify(mine, { lineWidth: 0 }));
        const check = await tool("promtool", ["check", "rules", rules]);
        t.is(check.code, 0, check.stdout + check.stderr);
        const run = await tool("promtool", ["test", "rules", tests]);
        t.is(run.code, 0, `${env}:\n${run.stdout}${run.stderr}`);

        const cases = promtoolCases(RB, env, target);
        const alerts = alertsOn(RB, target).prometheus.filter(isRabbitMq);
        t.deepEqual(
            [...new Set(alerts.map((a) => a.signal))].sort(),
            (Object.keys(RABBITMQ_SIGNAL_SPECS) as RabbitMqSignal[]).sort(),
            `${target}: every RabbitMQ signal is evaluated by Prometheus (the runbook's two, the baseline's two)`,
        );
        for (const alert of alerts) {
            for (const level of alert.levels) {
                const name = alertName(RB.app, alert.id, level.severity);
                const kinds = new Set(cases.filter((c) => c.alertname === name).map((c) => c.kind));
                // The short breach, framed by the calm value, is also the level's quiet case.
                t.deepEqual([...kinds].sort(), ["fires", "short"], `${target} ${name}: a sustained breach fires within for, a breach shorter than for never does`);
            }
        }
    }
});

test("a queue alert fires per runbook queue of the runbook's vhost, and its rule reads no other vhost or queue", (t) => {
    const rule = rulesFor(RB, "local", "docker")
        .groups.flatMap((g) => g.rules)
        .find((r) => r.labels.alert_id === backlog.id && r.labels.severity === "warning")!;
    t.truthy(rule);
    t.true(rule.expr.includes(`vhost="${MQ.vhost}"`));
    for (const q of MQ.queues) t.true(rule.expr.includes(q.name.replace(/\./g, "\\\\.")), `${q.name} selected`);
    const fires = promtoolCases(RB, "local", "docker").find((c) => c.alertname === rule.alert && c.kind === "fires")!;
    const last = fires.alert_rule_test[fires.alert_rule_test.length - 1];
    t.deepEqual(
        last.exp_alerts.map((a) => [a.exp_labels.vhost, a.exp_labels.queue]).sort(),
        MQ.queues.map((q) => [MQ.vhost, q.name]).sort(),
    );
});

test("AWS: the queue signals are CloudWatch alarms per queue (Broker, VirtualHost, Queue) that page", (t) => {
    const { prometheus, cloudwatch } = alertsOn(RB, "aws");
    t.deepEqual(prometheus.filter(isRabbitMq), [], "Amazon MQ has no Prometheus endpoint: no AMP rule reads RabbitMQ");
    const broker = baselineAlerts(RB).filter(isRabbitMq).map((a) => a.id);
    t.deepEqual(cloudwatch.filter(isRabbitMq).map((a) => a.id).sort(), [backlog.id, orphaned.id, ...broker].sort());
    t.false(rulesFor(RB, "production", "aws").groups.flatMap((g) => g.rules).some((r) => [backlog.id, orphaned.id].includes(r.labels.alert_id)));

    const alarms = cloudWatchAlarms(RB, alarmInventory(RB, {}));
    for (const alert of [backlog, orphaned]) {
        t.is(notifyingEvaluator(RB, alert), "cloudwatch");
        for (const level of alert.levels) {
            const mine = alarms.filter((a) => a.alertId === alert.id && a.severity === level.severity);
            t.deepEqual(
                mine.map((a) => a.subject),
                MQ.queues.map((q) => ({ kind: "mq-queue", vhost: MQ.vhost, queue: q.name })),
                `${alert.id} ${level.severity}: one alarm per queue`,
            );
            for (const a of mine) {
                t.true(a.notifies, `${a.key} pages: CloudWatch is the level's one evaluator`);
                t.is(a.threshold, level.threshold);
                t.like(a, { comparison: "GreaterThanThreshold", ...alarmTiming(level.for, 60) });
                t.true(a.metrics.every((m) => m.namespace === AMAZON_MQ_METRICS.namespace));
                t.true(a.metrics.some((m) => m.metricName === AMAZON_MQ_METRICS.messagesReady));
            }
        }
    }
    const orphanAlarm = alarms.find((a) => a.alertId === orphaned.id)!;
    t.true(orphanAlarm.metrics.some((m) => m.metricName === AMAZON_MQ_METRICS.consumers));
    t.regex(orphanAlarm.expression ?? "", /m1 > 0 AND FILL\(m2, 0\) < 1/, "messages ready and no consumer reported");
});

/** Amazon MQ's per-broker RabbitMQ metrics, as the Amazon MQ developer guide lists them (dimension Broker). */
const MQ_BROKER = { memUsed: "RabbitMQMemUsed", memLimit: "RabbitMQMemLimit", diskFree: "RabbitMQDiskFree", diskFreeLimit: "RabbitMQDiskFreeLimit" };

test("AWS: RabbitMQ's baseline holds on Amazon MQ: down and memory/disk alarm are paging CloudWatch alarms on the broker, evaluated on both sides", (t) => {
    const alarms = cloudWatchAlarms(RB, alarmInventory(RB, {}));
    const of = (signal: RabbitMqSignal) => alarms.filter((a) => a.signal === signal);
    for (const signal of ["rabbitmq_down", "rabbitmq_resource_alarm"] as const) {
        const alert = baselineAlerts(RB).find((a) => a.signal === signal)!;
        t.is(notifyingEvaluator(RB, alert), "cloudwatch");
        const mine = of(signal);
        t.deepEqual(mine.map((a) => a.subject), [{ kind: "mq-broker" }], `${signal}: one alarm, on the broker`);
        t.like(mine[0], { severity: DEFAULTS.dataDownSeverity.value, threshold: 0, comparison: "GreaterThanThreshold", notifies: true, ...alarmTiming(DEFAULTS.dataDownFor.value, 60) });
        t.true(mine[0].metrics.every((m) => m.namespace === AMAZON_MQ_METRICS.namespace));
    }
    const value = (a: AlarmSpec, byName: Record<string, number | undefined>) => evaluate(a.expression!, Object.fromEntries(a.metrics.map((m) => [m.id, byName[m.metricName]])));
    // Down: a broker that publishes its memory pages no one; one that publishes nothing pages (missing data breaching).
    const down = of("rabbitmq_down")[0];
    t.deepEqual(down.metrics.map((m) => m.metricName), [MQ_BROKER.memUsed]);
    t.false(breaches(down, value(down, { [MQ_BROKER.memUsed]: 2e8 })));
    t.true(breaches(down, value(down, { [MQ_BROKER.memUsed]: undefined })) === true);
    // Resource alarm: RabbitMQ's own conditions, memory above its limit or free disk below its limit.
    const res = of("rabbitmq_resource_alarm")[0];
    t.deepEqual(res.metrics.map((m) => m.metricName).sort(), Object.values(MQ_BROKER).sort());
    const healthy = { [MQ_BROKER.memUsed]: 3e8, [MQ_BROKER.memLimit]: 4e8, [MQ_BROKER.diskFree]: 5e9, [MQ_BROKER.diskFreeLimit]: 1e9 };
    t.false(breaches(res, value(res, healthy)));
    t.true(breaches(res, value(res, { ...healthy, [MQ_BROKER.memUsed]: 4.1e8 })) === true, "memory above the high watermark");
    t.false(breaches(res, value(res, { ...healthy, [MQ_BROKER.memUsed]: 3.9e8 })), "memory just under the high watermark");
    t.true(breaches(res, value(res, { ...healthy, [MQ_BROKER.diskFree]: 0.9e9 })) === true, "free disk below its limit");
    t.false(breaches(res, value(res, { ...healthy, [MQ_BROKER.diskFree]: 1.1e9 })), "free disk just above its limit");
    // The pack knows the broker as a subject: its alarm is found from the Broker dimension alone (not a queue's).
    const alarm = (dimensions: Record<string, string>) => ({ type: "aws:cloudwatch/metricAlarm:MetricAlarm", name: "a", urn: "u", opts: { protect: false }, props: { metricQueries: [{ id: "m1", metric: { dimensions } }] } });
    t.deepEqual(alarmSubjectKeys(RB, alarm({ Broker: "b" }), []), ["mq:broker"]);
    t.deepEqual(alarmSubjectKeys(RB, alarm({ Broker: "b", VirtualHost: MQ.vhost, Queue: MQ.queues[0].name }), []), []);
    const own: Alert = { ...orphaned, id: "broker-down", title: "Broker down", signal: "rabbitmq_down" };
    t.deepEqual(alarmNeeds(parseRunbook({ ...RB, alerts: [...RB.alerts, own] }), own.id, "critical").map((n) => n.key), ["mq:broker"]);
});

test("baseline: RabbitMQ down and memory/disk alarm, defaulted with reasons, only where the runbook has no alert of its own", (t) => {
    const platform = baselineAlerts(RB).filter(isRabbitMq);
    t.deepEqual(platform.map((a) => [a.id, a.signal]), [
        ["platform-rabbitmq-unreachable", "rabbitmq_down"],
        ["platform-rabbitmq-memory-disk-alarm", "rabbitmq_resource_alarm"],
    ]);
    for (const a of platform) {
        t.deepEqual(a.levels.map((l) => [l.severity, l.for]), [[DEFAULTS.dataDownSeverity.value, DEFAULTS.dataDownFor.value]]);
        t.truthy(a.levels[0].defaulted?.severity);
        t.is(a.levels[0].defaulted?.for, DEFAULTS.dataDownFor.reason);
        t.deepEqual(a.levels[0].source, MQ.source, "cited to the runbook text that says RabbitMQ runs");
    }
    const own: Alert = { ...orphaned, id: "broker-down", title: "Broker down", signal: "rabbitmq_down" };
    const withOwn = parseRunbook({ ...RB, alerts: [...RB.alerts, own] });
    t.false(baselineAlerts(withOwn).some((a) => a.signal === "rabbitmq_down"), "the runbook's own down alert replaces the default");
});

test("dashboards: a Queue row with a panel per RabbitMQ alert", (t) => {
    const panels = dashboardsFor(RB).flatMap((d) => d.dashboard.panels ?? []);
    const row = panels.findIndex((p) => p.type === "row" && p.title === "Queue");
    t.true(row >= 0, "a Queue row");
    const next = panels.findIndex((p, i) => i > row && p.type === "row");
    const inRow = panels.slice(row + 1, next < 0 ? undefined : next).map((p) => p.title ?? "");
    const expected = [...RB.alerts, ...baselineAlerts(RB)].filter(isRabbitMq);
    t.is(inRow.length, expected.length);
    for (const a of expected) t.true(inRow.some((title) => title.includes(a.title)), `${a.id} has a panel`);
});

test("dashboards on AWS: the broker's memory/disk alarm and the queues' depth are charted from Amazon MQ's CloudWatch metrics, not from a plugin Amazon MQ does not serve", (t) => {
    const panels = dashboardsFor(RB, "aws").flatMap((d) => (d.dashboard.panels ?? []) as any[]);
    const panelOf = (signal: RabbitMqSignal) => {
        const alert = [...RB.alerts, ...baselineAlerts(RB)].find((a) => a.signal === signal)!;
        return panels.find((p) => p.title === alert.title);
    };
    const resource = panelOf("rabbitmq_resource_alarm");
    t.is(resource.datasource.type, "cloudwatch");
    for (const metric of Object.values(MQ_BROKER)) t.true(resource.targets[0].expression.includes(`{${AMAZON_MQ_METRICS.namespace},Broker} MetricName="${metric}"`), metric);
    const depth = panelOf("rabbitmq_queue_depth");
    t.is(depth.datasource.type, "cloudwatch");
    t.true(depth.targets[0].expression.includes(`MetricName="${AMAZON_MQ_METRICS.messagesReady}"`));
    // Docker and Kubernetes keep the plugin's PromQL.
    const k8s = dashboardsFor(RB, "kubernetes").flatMap((d) => (d.dashboard.panels ?? []) as any[]);
    t.true(k8s.filter((p) => p.title === resource.title || p.title === depth.title).every((p) => p.datasource.type === "prometheus"));
});
