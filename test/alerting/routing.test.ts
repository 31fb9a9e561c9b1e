import test from "ava";
import * as path from "path";
import YAML from "yaml";
import { ALERT_SEVERITIES, getRunbook } from "../../runbooks";
import { renderArtifacts } from "../../capabilities/alerting/artifacts";
import { alertmanagerConfig, receiverName, routeTimings, routingCases, type Receivers } from "../../capabilities/alerting/routing";
import { alertName } from "../../capabilities/alerting/rules";
import { COMBOS, fixtureReceivers, seconds, removeTempDirs, startAlertmanager, tempDir, tool, write } from "./helpers";

test.after.always(removeTempDirs);

const dir = tempDir("routing");
const configs = COMBOS.map((c) => ({
    ...c,
    file: write(path.join(dir, `${c.stack}.yml`), YAML.stringify(alertmanagerConfig(c.runbook, fixtureReceivers(c.runbook, c.target)), { lineWidth: 0 })),
}));

test("amtool check-config accepts the Alertmanager config of every stack", async (t) => {
    const r = await tool("amtool", ["check-config", ...configs.map((c) => c.file)]);
    t.is(r.code, 0, r.stdout + r.stderr);
    t.is((r.stdout.match(/SUCCESS/g) ?? []).length, configs.length);
});

test("amtool routes every severity and the Watchdog to its receiver on every stack", async (t) => {
    const started = Date.now();
    const runs = configs.flatMap((c) =>
        routingCases(c.runbook, c.env).map(async (k) => {
            const labels = Object.entries(k.labels).map(([l, v]) => `${l}=${v}`);
            const r = await tool("amtool", ["config", "routes", "test", `--config.file=${c.file}`, `--verify.receivers=${k.receiver}`, ...labels]);
            return { c, k, r };
        }),
    );
    const results = await Promise.all(runs);
    t.log(`amtool config routes test: ${results.length} cases in ${Date.now() - started} ms`);
    t.is(results.length, configs.length * (ALERT_SEVERITIES.length + 1));
    for (const { c, k, r } of results) t.is(r.code, 0, `${c.stack} ${k.name}: ${r.stdout}${r.stderr}`);
});

test("the routing harness fails when a case expects the wrong receiver", async (t) => {
    const c = configs[0];
    const critical = routingCases(c.runbook, c.env).find((k) => k.labels.severity === "critical");
    if (!critical) return t.fail("no critical case");
    const labels = Object.entries(critical.labels).map(([l, v]) => `${l}=${v}`);
    const r = await tool("amtool", ["config", "routes", "test", `--config.file=${c.file}`, `--verify.receivers=${receiverName(c.app, "info")}`, ...labels]);
    t.not(r.code, 0);
});

test("timings follow the runbook's response times: an alert nobody acts on is re-sent within the window", (t) => {
    for (const rb of COMBOS.filter((c) => c.env === "local").map((c) => c.runbook)) {
        for (const severity of ALERT_SEVERITIES) {
            const minutes = rb.incident.alertResponse[severity].minutes;
            const timing = routeTimings(minutes);
            const [wait, interval, repeat] = [timing.group_wait, timing.group_interval, timing.repeat_interval].map(seconds);
            t.true(wait <= Math.max(10, minutes * 6), `${rb.app} ${severity}: group_wait ${timing.group_wait} is at most a tenth of ${minutes} min`);
            t.true(interval <= repeat, `${rb.app} ${severity}: group_interval <= repeat_interval`);
            // The first notification goes out at group_wait; a repeat at most repeat + group_interval later.
            if (minutes >= 10) t.true(repeat + interval <= minutes * 60, `${rb.app} ${severity}: repeat ${timing.repeat_interval} + ${timing.group_interval} within ${minutes} min`);
        }
        const { warning, info } = rb.incident.alertResponse;
        if (info.minutes > warning.minutes) t.true(seconds(routeTimings(info.minutes).repeat_interval) > seconds(routeTimings(warning.minutes).repeat_interval), `${rb.app}: info repeats less often`);
    }
});

test("the runbook's chat channel and email reach the receivers; keys and URLs come only from the inputs", (t) => {
    for (const c of COMBOS.filter((x) => x.target !== "aws")) {
        const receivers = fixtureReceivers(c.runbook, c.target);
        const text = YAML.stringify(alertmanagerConfig(c.runbook, receivers));
        const config = YAML.parse(text);
        const byName = new Map<string, Record<string, unknown[]>>(config.receivers.map((r: { name: string }) => [r.name, r]));
        for (const severity of ALERT_SEVERITIES) {
            const slack = byName.get(receiverName(c.app, severity))?.slack_configs as { channel: string }[];
            t.is(slack[0].channel, c.runbook.incident.channels.chat);
        }
        const email = byName.get(receiverName(c.app, "warning"))?.email_configs as { to: string }[] | undefined;
        t.is(email?.[0].to, c.runbook.incident.channels.email);
        if (receivers.kind === "direct") {
            t.true(text.includes(receivers.pagerdutyRoutingKey) && text.includes(receivers.slackWebhookUrl) && text.includes(receivers.deadMansSwitchUrl));
        }
    }
});

test("missing SMTP settings for a runbook with an alert email fail with the field named", (t) => {
    const rb = COMBOS.find((c) => c.runbook.incident.channels.email)?.runbook;
    if (!rb) return t.fail("no runbook names an email");
    const r = fixtureReceivers(rb, "docker");
    if (r.kind !== "direct") return t.fail();
    const { smtp: _smtp, ...withoutSmtp } = r;
    t.throws(() => alertmanagerConfig(rb, withoutSmtp as Receivers), { message: /receivers\.smtp/ });
});

test("renderArtifacts refuses receivers that do not fit the target", (t) => {
    const rb = getRunbook("bunty");
    t.throws(() => renderArtifacts(rb, "production", "aws", fixtureReceivers(rb, "docker")), { message: /receivers\.kind/ });
    t.throws(() => renderArtifacts(rb, "local", "docker", fixtureReceivers(rb, "aws")), { message: /receivers\.kind/ });
});


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a running Alertmanager silences the warning of an alert whose critical level fires, for that instance only", async (t) => {
    const rb = getRunbook("personal-finance-hub");
    const alert = rb.alerts.find((a) => a.levels.some((l) => l.severity === "critical") && a.levels.some((l) => l.severity === "warning"));
    if (!alert) return t.fail("personal-finance-hub has no two-level alert");
    // Receivers point at a closed local port: nothing leaves the machine.
    const receivers: Receivers = {
        kind: "direct",
        pagerdutyRoutingKey: "test-routing-key",
        slackWebhookUrl: "http://127.0.0.1:9/slack",
        deadMansSwitchUrl: "http://127.0.0.1:9/dms",
    };
    const d = tempDir("alertmanager");
    const config = write(path.join(d, "alertmanager.yml"), YAML.stringify(alertmanagerConfig(rb, receivers)));
    const { base, stop } = await startAlertmanager(config, d);
    t.teardown(stop);
    const labels = (severity: string, component: string) => ({
        alertname: alertName(rb.app, alert.id, severity as "critical" | "warning"),
        severity,
        app: rb.app,
        env: "staging",
        alert_id: alert.id,
        component,
    });
    const startsAt = new Date().toISOString();
    const posted = await fetch(`${base}/alerts`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify([labels("critical", "backend"), labels("warning", "backend"), labels("warning", "consumer")].map((l) => ({ labels: l, startsAt }))),
    });
    t.true(posted.ok, await posted.text());
    type AmAlert = { labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } };
    let alerts: AmAlert[] = [];
    for (let i = 0; i < 50; i++) {
        alerts = (await (await fetch(`${base}/alerts`)).json()) as AmAlert[];
        if (alerts.length === 3 && alerts.some((a) => a.status.inhibitedBy.length > 0)) break;
        await sleep(100);
    }
    const find = (severity: string, component: string) => alerts.find((a) => a.labels.severity === severity && a.labels.component === component);
    t.is(find("critical", "backend")?.status.state, "active");
    t.is(find("warning", "backend")?.status.state, "suppressed");
    t.true((find("warning", "backend")?.status.inhibitedBy.length ?? 0) > 0);
    t.is(find("warning", "consumer")?.status.state, "active");
});
