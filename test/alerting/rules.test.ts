import test from "ava";
import { levelExpr, rulesFor, RUNBOOK_BASE_URL, WATCHDOG } from "../../capabilities/alerting/rules";
import { alertsOn, readsPerScrape, signalQuery } from "../../capabilities/alerting/signals";
import { offsetSelectors } from "../../capabilities/alerting/selectors";
import { SCRAPE_INTERVAL } from "../../capabilities/alerting/metrics";
import { durationSeconds } from "../../runbooks";
import { presences } from "../../capabilities/alerting/absence";
import { COMBOS } from "./helpers";

const SUFFIX = { percent: "%", seconds: " s", per_minute: "/min", messages: " messages", days: " days", intervals: " backup intervals", bool: "" } as const;

test("one rule per runbook alert level, with the level's threshold, direction, `for` and labels", (t) => {
    for (const c of COMBOS) {
        const rules = rulesFor(c.runbook, c.env, c.target).groups.flatMap((g) => g.rules);
        const alerts = alertsOn(c.runbook, c.target).prometheus;
        t.is(rules.length, alerts.reduce((n, a) => n + a.levels.length, 0) + presences(c.runbook, c.target).length + 1, c.stack);
        for (const alert of alerts) {
            for (const level of alert.levels) {
                const matching = rules.filter((r) => r.labels.alert_id === alert.id && r.labels.severity === level.severity);
                t.is(matching.length, 1, `${c.stack} ${alert.id} ${level.severity}`);
                const rule = matching[0];
                t.regex(rule.alert, /^[A-Z][A-Za-z0-9]+$/);
                t.true(rule.alert.endsWith(level.severity[0].toUpperCase() + level.severity.slice(1)));
                t.deepEqual(rule.labels, { severity: level.severity, app: c.app, env: c.env, alert_id: alert.id });
                t.is(rule.for, level.for);
                t.true(rule.expr.endsWith(`) ${alert.direction === "above" ? ">" : "<"} ${level.threshold}`), `${rule.alert}: ${rule.expr}`);
                t.true(rule.annotations.description.includes(`${level.threshold}${SUFFIX[alert.unit]}`), `${rule.alert} states its threshold and unit`);
                t.true(rule.annotations.description.includes("$value"), `${rule.alert} shows the live value`);
                t.true(rule.annotations.summary.length > 0);
                const [base, anchor] = rule.annotations.runbook_url.split("#");
                t.is(base, `${RUNBOOK_BASE_URL}/${c.app}/${level.source.seed}`);
                t.regex(anchor, /^[a-z0-9-]+$/);
                for (const word of level.source.section.toLowerCase().match(/[a-z]+/g) ?? []) t.true(anchor.includes(word), `${rule.alert}: anchor ${anchor} has "${word}"`);
            }
        }
        const names = rules.map((r) => r.alert);
        t.is(new Set(names).size, names.length, `${c.stack}: rule names are unique`);
    }
});

test("each stack has one Watchdog that always fires", (t) => {
    for (const c of COMBOS) {
        const watchdogs = rulesFor(c.runbook, c.env, c.target)
            .groups.flatMap((g) => g.rules)
            .filter((r) => r.alert === WATCHDOG);
        t.is(watchdogs.length, 1);
        t.is(watchdogs[0].expr, "vector(1)");
        t.deepEqual(watchdogs[0].labels, { severity: "none", app: c.app, env: c.env });
    }
});

test("a per-scrape rate's rule bridges one evaluation: the same reading, every selector offset by the scrape interval; a gauge's rule does not", (t) => {
    const step = durationSeconds(SCRAPE_INTERVAL);
    for (const c of COMBOS.filter((x) => x.env === "local")) {
        for (const alert of alertsOn(c.runbook, c.target).prometheus) {
            const level = alert.levels[0];
            const expr = levelExpr(c.runbook, alert, level);
            const op = alert.direction === "above" ? ">" : "<";
            const signal = signalQuery(c.runbook, alert);
            if (readsPerScrape(alert.signal)) {
                t.regex(signal, /\birate\(/, `${c.app} ${alert.id} reads per scrape`);
                const offsets = (expr.match(new RegExp(` offset ${step}s`, "g")) ?? []).length;
                const selectors = (signal.match(/\}/g) ?? []).length;
                t.is(offsets, selectors, `${c.app} ${alert.id}: every selector of the bridge is offset`);
                t.is(expr.replace(new RegExp(` offset ${step}s`, "g"), ""), `(${signal}) ${op} ${level.threshold} or (${signal}) ${op} ${level.threshold}`);
            } else t.is(expr, `(${signal}) ${op} ${level.threshold}`, `${c.app} ${alert.id}`);
        }
    }
});

test("offsetSelectors offsets vector and range selectors outside strings, and refuses what it cannot offset", (t) => {
    t.is(offsetSelectors('sum(rate(a{x="}{"}[1m])) / b{y=~"a|b"}', 15), 'sum(rate(a{x="}{"}[1m] offset 15s)) / b{y=~"a|b"} offset 15s');
    t.is(offsetSelectors('label_replace(irate(c{z="1"}[1m]), "component", "x", "", "")', 15), 'label_replace(irate(c{z="1"}[1m] offset 15s), "component", "x", "", "")');
    t.throws(() => offsetSelectors('a{x="1"} offset 5m', 15), { message: /already has an offset/ });
    t.throws(() => offsetSelectors("vector(1)", 15), { message: /no selector/ });
});
