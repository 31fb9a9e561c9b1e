import test from "ava";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import YAML from "yaml";
import { getRunbook, parseRunbook, type Runbook } from "../../runbooks";
import { insideWindow, silencedAlertIds } from "../../runbooks/language/maintenance";
import { alertmanagerConfig, receiverName } from "../../capabilities/alerting/routing";
import { maintenanceMute, windowTimeRanges, type AmTimeRange } from "../../capabilities/alerting/maintenance";
import { alarmMute, weeklyCron } from "../../capabilities/aws/maintenance-mute";
import { cloudWatchAlarms } from "../../capabilities/aws/alarms";
import { alarmInventory } from "../../capabilities/aws/inventory";
import { alertName } from "../../capabilities/alerting/rules";
import { routeChains, checkNotificationTiming } from "../../policies/lib/paging";
import { alertmanagerConfigs } from "../../policies/lib/alertmanager";
import { fixtureReceivers, removeTempDirs, startAlertmanager, tempDir, tool, write } from "../alerting/helpers";

/**
 * The maintenance window silences exactly the alerts the runbook says to silence: the language
 * (ids and subjects, checked against the runbook's alerts), Alertmanager's time interval and the
 * muted routes (amtool-checked; inside/outside the window by Alertmanager's own rules for time
 * ranges), the AWS schedules that switch the CloudWatch alarms' actions off and on, and the pack,
 * which accepts this mute and no other.
 */

test.after.always(removeTempDirs);

const SOURCE = { seed: "000_ec4a227eb36bc2f0.txt", section: "Maintenance", quote: "silenced" };

function withSilences(mutate: (rb: Runbook) => void = () => undefined): unknown {
    const rb = structuredClone(getRunbook("pfm-community")) as Runbook;
    (rb.maintenanceWindow as Record<string, unknown>).silences = { alerts: ["disk-usage"], subjects: ["redis"], source: SOURCE };
    mutate(rb);
    return JSON.parse(JSON.stringify(rb));
}

function refusal(raw: unknown): string {
    try {
        parseRunbook(raw);
    } catch (e) {
        return (e as Error).message;
    }
    return "accepted";
}

const rb = parseRunbook(withSilences());

test("the silenced alerts are the ones named by id and by subject, and only the runbook's", (t) => {
    const bySubject = getRunbook("pfm-community").alerts.filter((a) => a.subject === "redis").map((a) => a.id);
    t.true(bySubject.length >= 2, "pfm-community alerts on redis more than once");
    t.deepEqual([...silencedAlertIds(rb)].sort(), ["disk-usage", ...bySubject].sort());
    t.deepEqual(silencedAlertIds(getRunbook("pfm-community")), [], "no silences: nothing silenced");
});

test("an unknown alert id, a subject no alert is about, or an empty silence is refused with its path", (t) => {
    t.regex(refusal(withSilences((r) => (r.maintenanceWindow.silences!.alerts = ["disk-usgae"]))), /maintenanceWindow\.silences\.alerts\.0: pfm-community: .*"disk-usgae", which is no alert of the runbook; allowed: .*disk-usage/);
    t.regex(refusal(withSilences((r) => (r.maintenanceWindow.silences!.subjects = ["kafka"]))), /maintenanceWindow\.silences\.subjects\.0: .*"kafka", which no alert of the runbook is about.*allowed: .*redis/);
    t.regex(refusal(withSilences((r) => (r.maintenanceWindow.silences = { source: SOURCE }))), /maintenanceWindow\.silences: silences names no alert and no subject/);
    t.regex(refusal(withSilences((r) => (r.maintenanceWindow.durationMinutes = 7 * 1440))), /maintenanceWindow\.durationMinutes/);
});

/** Alertmanager's rule for a time range: the weekday matches and start_time <= now < end_time (minutes of the day, UTC). */
function alertmanagerActive(ranges: readonly AmTimeRange[], at: Date): boolean {
    const days = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
    const minute = at.getUTCHours() * 60 + at.getUTCMinutes();
    const m = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
    return ranges.some((r) => r.weekdays.includes(days[at.getUTCDay()]) && r.times.some((x) => m(x.start_time) <= minute && minute < m(x.end_time)));
}

test("the time interval is the window: muted inside it, not outside, also across midnight and the week's end", (t) => {
    const windows: Runbook["maintenanceWindow"][] = [rb.maintenanceWindow, { ...rb.maintenanceWindow, day: "saturday", startUtc: "23:00", durationMinutes: 150 }, { ...rb.maintenanceWindow, day: "wednesday", startUtc: "22:30", durationMinutes: 1500 }];
    // 2026-03-01 is a Sunday.
    const week = Date.UTC(2026, 2, 1);
    for (const w of windows) {
        const ranges = windowTimeRanges({ maintenanceWindow: w });
        let inside = 0;
        for (let minute = 0; minute < 7 * 1440 + 60; minute += 5) {
            const at = new Date(week + minute * 60_000);
            const expected = insideWindow(w, at);
            if (expected) inside++;
            if (alertmanagerActive(ranges, at) !== expected) return t.fail(`${w.day} ${w.startUtc} +${w.durationMinutes}m at ${at.toISOString()}: Alertmanager ${!expected ? "mutes" : "does not mute"}`);
        }
        t.true(inside >= Math.floor(w.durationMinutes / 5), `${w.day} ${w.startUtc}: inside ${inside} samples`);
    }
    const [h, m] = rb.maintenanceWindow.startUtc.split(":").map(Number);
    const day = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"].indexOf(rb.maintenanceWindow.day);
    const start = week + (day * 1440 + h * 60 + m) * 60_000;
    const ranges = windowTimeRanges(rb);
    t.true(alertmanagerActive(ranges, new Date(start)), "the window's first minute is muted");
    t.false(alertmanagerActive(ranges, new Date(start - 60_000)), "the minute before is not");
    t.true(alertmanagerActive(ranges, new Date(start + (rb.maintenanceWindow.durationMinutes - 1) * 60_000)), "the last minute is muted");
    t.false(alertmanagerActive(ranges, new Date(start + rb.maintenanceWindow.durationMinutes * 60_000)), "the minute it ends is not");
});

const configs = (["local", "production"] as const).map((env) => {
    const target = env === "local" ? ("docker" as const) : ("aws" as const);
    const cfg = alertmanagerConfig(rb, fixtureReceivers(rb, target));
    return { env, cfg, file: write(path.join(tempDir("maintenance"), `${env}.yml`), YAML.stringify(cfg, { lineWidth: 0 })) };
});

test("amtool accepts the configuration; silenced alerts keep their receiver on a muted route, every other alert an unmuted one", async (t) => {
    const mute = maintenanceMute(rb)!;
    for (const { env, cfg, file } of configs) {
        const check = await tool("amtool", ["check-config", file]);
        t.is(check.code, 0, check.stdout + check.stderr);
        for (const alert of rb.alerts) {
            for (const level of alert.levels) {
                const labels = { alertname: alertName(rb.app, alert.id, level.severity), severity: level.severity, app: rb.app, env, alert_id: alert.id };
                // amtool (a process per case) for the silenced alerts and one other on one stack; the route walk below for all.
                if (env === "local" && level === alert.levels[0] && (mute.alertIds.includes(alert.id) || alert === rb.alerts.find((a) => !mute.alertIds.includes(a.id)))) {
                    const routed = await tool("amtool", ["config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${receiverName(rb.app, level.severity)}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
                    t.is(routed.code, 0, `${env} ${alert.id}/${level.severity}: ${routed.stdout}`);
                }
                const chains = routeChains((cfg as { route: Record<string, unknown> }).route, labels);
                const muted = chains.every((c) => c.some((r) => (r.mute_time_intervals ?? []).includes(mute.name)));
                const unmuted = chains.every((c) => c.every((r) => r.mute_time_intervals === undefined));
                t.true(mute.alertIds.includes(alert.id) ? muted : unmuted, `${env} ${alert.id}/${level.severity}: ${mute.alertIds.includes(alert.id) ? "not muted" : "muted"}`);
            }
        }
    }
});

test("the pack accepts the runbook's mute on critical alerts and flags a mute of another alert or a moved window", (t) => {
    const { cfg } = configs[0];
    const subject = { type: "test:Alertmanager", name: "am", urn: "urn:test", props: cfg };
    const findings = (c: Record<string, unknown>) => checkNotificationTiming(rb, alertmanagerConfigs([{ ...subject, props: c }] as never), (id, severity) => [{ alertname: alertName(rb.app, id, severity), severity, app: rb.app, env: "local", alert_id: id }]);
    t.deepEqual(findings(cfg).map((f) => f.message), [], "the runbook's own silence");
    const moved = structuredClone(cfg) as { time_intervals: { time_intervals: { times: { start_time: string }[] }[] }[] };
    moved.time_intervals[0].time_intervals[0].times[0].start_time = "00:00";
    t.true(findings(moved as never).some((f) => /mute_time_intervals "pfm-community-maintenance-window" keeps critical alerts/.test(f.message)), "a window other than the runbook's");
    const wider = structuredClone(cfg) as { route: { routes: { matchers?: string[] }[] } };
    for (const r of wider.route.routes) if (r.matchers?.some((m) => m.startsWith("alert_id"))) r.matchers = r.matchers.map((m) => (m.startsWith("alert_id") ? `alert_id=~".+"` : m));
    const flagged = findings(wider as never).map((f) => f.message);
    t.true(flagged.some((m) => /keeps critical alerts from being sent part of the time \(the runbook silences only/.test(m)), flagged.join("\n"));
    const plain = alertmanagerConfig(getRunbook("pfm-community"), fixtureReceivers(getRunbook("pfm-community"), "docker"));
    t.false("time_intervals" in plain, "no silences: no time interval");
});

test("AWS: schedules switch exactly the silenced alerts' notifying alarms off at the window's start and on at its end", (t) => {
    const specs = cloudWatchAlarms(rb, alarmInventory(rb, {}));
    const mute = alarmMute(rb, specs);
    if (!mute) return t.fail("no alarm mute");
    const silenced = silencedAlertIds(rb);
    t.deepEqual([...mute.alarmKeys].sort(), specs.filter((s) => s.notifies && silenced.includes(s.alertId)).map((s) => s.key).sort());
    t.true(mute.alarmKeys.length > 0 && mute.alarmKeys.every((k) => k.startsWith("disk-usage-")), mute.alarmKeys.join(", "));
    const [h, m] = rb.maintenanceWindow.startUtc.split(":").map(Number);
    const dow = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"].indexOf(rb.maintenanceWindow.day) + 1;
    t.is(mute.schedules[0].action, "disable");
    t.is(mute.schedules[0].expression, `cron(${m} ${h} ? * ${dow} *)`);
    t.is(mute.schedules[1].action, "enable");
    const end = h * 60 + m + rb.maintenanceWindow.durationMinutes;
    t.true(end < 1440, "pfm-community's window ends the day it starts");
    t.is(mute.schedules[1].expression, `cron(${end % 60} ${Math.floor(end / 60)} ? * ${dow} *)`);
    t.is(weeklyCron(6 * 1440 + 23 * 60 + 30 + 60), "cron(30 0 ? * 1 *)", "past Saturday night wraps to Sunday");
    t.is(alarmMute(getRunbook("pfm-community"), specs), undefined, "no silences: no schedule");
});


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A real Alertmanager with the runbook's configuration, its receivers swapped for webhooks to this
 * process and group_wait at 0 s so a notification leaves at once: which alert ids it delivered
 * after a silenced and an unsilenced critical alert fire, `window` being the maintenance window.
 */
async function delivered(t: import("ava").ExecutionContext, window: Pick<Runbook["maintenanceWindow"], "day" | "startUtc" | "durationMinutes">): Promise<string[]> {
    const runbook = parseRunbook(withSilences((r) => Object.assign(r.maintenanceWindow, window)));
    const got: string[] = [];
    const hook = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
            for (const a of (JSON.parse(body) as { alerts: { labels: Record<string, string> }[] }).alerts) got.push(a.labels.alert_id);
            res.end();
        });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", () => r()));
    t.teardown(() => hook.close());
    const hookUrl = `http://127.0.0.1:${(hook.address() as net.AddressInfo).port}/`;
    const cfg = alertmanagerConfig(runbook, fixtureReceivers(runbook, "docker")) as { route: Record<string, any>; receivers: { name: string }[] };
    cfg.receivers = cfg.receivers.map((r) => ({ name: r.name, webhook_configs: [{ url: hookUrl, send_resolved: false }] }));
    for (const r of [cfg.route, ...cfg.route.routes]) r.group_wait = "0s";
    const d = tempDir("maintenance-am");
    const config = write(path.join(d, "alertmanager.yml"), YAML.stringify(cfg, { lineWidth: 0 }));
    const check = await tool("amtool", ["check-config", config]);
    t.is(check.code, 0, check.stdout + check.stderr);
    const { base, stop } = await startAlertmanager(config, d);
    t.teardown(stop);
    const labels = (id: string) => ({ alertname: alertName(runbook.app, id, "critical"), severity: "critical", app: runbook.app, env: "local", alert_id: id });
    const posted = await fetch(`${base}/alerts`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(["disk-usage", "service-down"].map((id) => ({ labels: labels(id), startsAt: new Date().toISOString() }))) });
    t.true(posted.ok, await posted.text());
    // The unsilenced alert's notification proves the pipeline ran; the silenced one, if sent, leaves at the same flush.
    for (let i = 0; i < 100 && !got.includes("service-down"); i++) await sleep(100);
    await sleep(1500);
    return got;
}

test("a running Alertmanager mutes the silenced alert inside the window and sends it outside; the unsilenced alert is sent in both", async (t) => {
    const now = new Date();
    const days = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;
    const minute = now.getUTCHours() * 60 + now.getUTCMinutes();
    // Inside: from an hour ago (yesterday's, before 01:00) until an hour from now, within the language's longest window. Outside: tomorrow's first hour.
    const start = (minute - 60 + 1440) % 1440;
    const hhmm = `${String(Math.floor(start / 60)).padStart(2, "0")}:${String(start % 60).padStart(2, "0")}`;
    const inside = { day: days[(now.getUTCDay() + (start > minute ? 6 : 0)) % 7], startUtc: hhmm, durationMinutes: 120 };
    const outside = { day: days[(now.getUTCDay() + 1) % 7], startUtc: "00:00", durationMinutes: 60 };
    t.true(insideWindow(inside, now) && !insideWindow(outside, now));
    const [during, after] = await Promise.all([delivered(t, inside), delivered(t, outside)]);
    t.true(during.includes("service-down"), `inside: ${during.join(", ")}`);
    t.false(during.includes("disk-usage"), `inside: ${during.join(", ")}`);
    t.true(after.includes("service-down") && after.includes("disk-usage"), `outside: ${after.join(", ")}`);
});
