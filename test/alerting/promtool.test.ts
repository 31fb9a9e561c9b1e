import test from "ava";
import * as path from "path";
import YAML from "yaml";
import { getRunbook, type AppId } from "../../runbooks";
import { encodeValues, intenseValue, levelTiming, promtoolCases, promtoolTests, testValues, type PromtoolTestFile } from "../../capabilities/alerting/promtool-tests";
import { scenarioFor } from "../../capabilities/alerting/promtool-scenarios";
import { SCRAPE_INTERVAL, minErrorsPerMinute, minRequestsPerSecond } from "../../capabilities/alerting/metrics";
import { SIGNAL_SPECS, readsPerScrape } from "../../capabilities/alerting/signals";
import { alertName, rulesFor, type RuleFile } from "../../capabilities/alerting/rules";
import { COMBOS, removeTempDirs, seconds, tempDir, tool, write } from "./helpers";

const yaml = (v: unknown) => YAML.stringify(v, { lineWidth: 0 });
const dir = tempDir("promtool");
test.after.always(removeTempDirs);

const files = COMBOS.map((c) => {
    const base = path.join(dir, c.stack);
    const ruleFile = rulesFor(c.runbook, c.env, c.target);
    const testFile = promtoolTests(c.runbook, c.env, c.target, "rules.yml");
    return {
        ...c,
        ruleFile,
        testFile,
        cases: promtoolCases(c.runbook, c.env, c.target),
        rules: write(path.join(base, "rules.yml"), yaml(ruleFile)),
        tests: write(path.join(base, "rules.test.yml"), yaml(testFile)),
    };
});

test("promtool check rules accepts the rule files of every stack", async (t) => {
    const r = await tool("promtool", ["check", "rules", ...files.map((f) => f.rules)]);
    t.is(r.code, 0, r.stdout + r.stderr);
    t.is((r.stdout.match(/SUCCESS/g) ?? []).length, files.length);
});

test("promtool test rules passes for every stack", async (t) => {
    const started = Date.now();
    const results = await Promise.all(files.map(async (f) => ({ f, r: await tool("promtool", ["test", "rules", f.tests]) })));
    t.log(`promtool test rules, ${files.length} files in parallel: ${Date.now() - started} ms`);
    for (const { f, r } of results) t.is(r.code, 0, `${f.stack}:\n${r.stdout}${r.stderr}`);
});

test("every rule has a firing case and every level a quiet one; a firing case first checks the evaluation before `for` elapses", (t) => {
    for (const { cases, testFile: file, ruleFile, stack } of files) {
        for (const rule of ruleFile.groups.flatMap((g) => g.rules)) {
            // A case may check several rules (the absence rules share theirs): only this rule's checks count.
            const mine = cases
                .filter((x) => x.alert_rule_test.some((a) => a.alertname === rule.alert))
                .map((x) => ({ ...x, alert_rule_test: x.alert_rule_test.filter((a) => a.alertname === rule.alert) }));
            const firing = mine.filter((x) => x.alert_rule_test.some((a) => a.exp_alerts.length > 0));
            t.true(firing.length >= 1, `${stack} ${rule.alert} has a firing case`);
            if (rule.for) {
                t.true(mine.some((x) => x.alert_rule_test.every((a) => a.exp_alerts.length === 0)), `${stack} ${rule.alert} has a quiet case`);
                for (const f of firing) {
                    const [before, at] = f.alert_rule_test;
                    t.deepEqual(before.exp_alerts, [], `${f.name}: nothing before for elapses`);
                    t.is(parseInt(at.eval_time) - parseInt(before.eval_time), parseInt(file.evaluation_interval), `${f.name}: checked one evaluation apart`);
                }
            }
            for (const x of mine) t.true(file.tests.some((g) => g.name.split(" | ").includes(x.name)), `${x.name} runs in a group`);
        }
    }
});

test("every level's timing is tested on both edges: a sustained breach fires within for + one scrape + one evaluation, a breach one scrape shorter than for, far beyond the threshold, never fires", (t) => {
    const scrape = seconds(SCRAPE_INTERVAL);
    for (const { cases, ruleFile, testFile, stack, runbook } of files) {
        const evaluation = seconds(testFile.evaluation_interval);
        t.is(evaluation, scrape, `${stack}: the tests evaluate as often as every target's Prometheus (its scrape interval)`);
        for (const alert of runbook.alerts) {
            for (const level of alert.levels) {
                const rule = ruleFile.groups.flatMap((g) => g.rules).find((r) => r.labels.alert_id === alert.id && r.labels.severity === level.severity);
                if (!rule) continue; // evaluated by CloudWatch on this target
                const hold = seconds(level.for);
                const mine = cases.filter((x) => x.alertname === rule.alert);
                const window = SIGNAL_SPECS[alert.signal].window;
                if (window && seconds(window) > 60) {
                    t.true(mine.some((x) => x.kind === "fires"), `${stack} ${rule.alert}: its hour-long window is the unit's definition; tested from a breach at the start`);
                    continue;
                }
                const fires = mine.filter((x) => x.kind === "fires");
                t.is(fires.length, 1, `${stack} ${rule.alert} has one sustained-breach case`);
                const [before, at] = fires[0].alert_rule_test;
                const breachAt = fires[0].breachAt ?? NaN;
                t.true(breachAt > 0, `${stack} ${rule.alert}: the series are calm before the breach`);
                // docs/alerting.md "Timing": a sustained breach fires at most D + S + E after it starts.
                const after = seconds(at.eval_time) - breachAt;
                t.true(after <= hold + scrape + evaluation, `${stack} ${rule.alert} fires ${after}s after the breach, within for ${level.for} + ${scrape}s + ${evaluation}s`);
                t.true(after >= hold, `${stack} ${rule.alert} fires ${after}s after the breach, not before its for ${level.for}`);
                t.is(seconds(at.eval_time) - seconds(before.eval_time), evaluation, `${stack} ${rule.alert}: silent one evaluation before`);
                t.true(at.exp_alerts.length > 0 && before.exp_alerts.length === 0);
                const short = mine.filter((x) => x.kind === "short");
                t.is(short.length, 1, `${stack} ${rule.alert} has one short-breach case`);
                const timing = levelTiming(runbook, alert, level);
                t.is(timing.shortBreach, hold - scrape, `${stack} ${rule.alert}: the short breach is one scrape shorter than for`);
                t.is(short[0].breachAt, breachAt);
                const { fire } = testValues(alert, level);
                const intense = intenseValue(alert, level);
                // Intensity is what a rate window got wrong; a gauge's reading is its sample whatever its size.
                const further = alert.direction === "above" ? intense - fire : fire - intense;
                t.true(readsPerScrape(alert.signal) ? further > 0 : further >= 0, `${stack} ${rule.alert}: the short breach is at least as far beyond as the sustained one (${intense} against ${fire})`);
                const checked = short[0].alert_rule_test.map((a) => seconds(a.eval_time));
                t.true(short[0].alert_rule_test.every((a) => a.exp_alerts.length === 0));
                const everyTick = checked.every((c, k) => k === 0 || c - checked[k - 1] === evaluation);
                t.true(everyTick && checked[0] <= breachAt && checked[checked.length - 1] >= breachAt + hold + scrape + evaluation, `${stack} ${rule.alert}: silence is checked at every evaluation until a breach of for would have fired`);
            }
        }
    }
});

test("tested values sit on the right side of the threshold, and short of the next, more severe level", (t) => {
    for (const c of COMBOS.filter((x) => x.env === "local")) {
        for (const alert of c.runbook.alerts) {
            for (const level of alert.levels) {
                const { fire, calm } = testValues(alert, level);
                const above = alert.direction === "above";
                t.true(above ? fire > level.threshold && calm <= level.threshold : fire < level.threshold && calm >= level.threshold, `${c.app} ${alert.id} ${level.severity}`);
                const severer = alert.levels.filter((l) => l !== level && (above ? l.threshold > level.threshold : l.threshold < level.threshold));
                for (const s of severer) t.true(above ? fire < s.threshold : fire > s.threshold, `${c.app} ${alert.id}: ${level.severity} case stays short of ${s.severity}`);
            }
        }
    }
});

/** A one-alert copy of an app's local rules and tests (pfm-community's unless named), with `mutate` applied to the rule. */
async function runMutated(alertId: string, severity: "critical" | "warning", mutate: (expr: string, forDuration: string) => { expr: string; for: string }, app: AppId = "pfm-community", ruleName?: string) {
    const rb = getRunbook(app);
    const name = ruleName ?? alertName(rb.app, alertId, severity);
    const rules = rulesFor(rb, "local", "docker");
    const mutated: RuleFile = {
        groups: rules.groups.map((g) => ({ ...g, rules: g.rules.filter((r) => r.alert === name).map((r) => ({ ...r, ...mutate(r.expr, r.for ?? "0s") })) })),
    };
    const tests = promtoolTests(rb, "local", "docker");
    // A case may check several rules (the absence rules share theirs): keep this rule's checks.
    const cases = promtoolCases(rb, "local", "docker")
        .filter((x) => x.alert_rule_test.some((a) => a.alertname === name))
        .map((x) => ({ ...x, alert_rule_test: x.alert_rule_test.filter((a) => a.alertname === name) }));
    if (cases.length === 0) throw new Error(`no cases for ${name}`);
    const only: PromtoolTestFile = {
        ...tests,
        tests: cases.map((x) => ({ name: x.name, interval: tests.tests[0].interval, input_series: x.input_series, alert_rule_test: x.alert_rule_test })),
    };
    const d = tempDir(`mutant-${alertId}`);
    write(path.join(d, "rules.yml"), yaml(mutated));
    const file = write(path.join(d, "rules.test.yml"), yaml(only));
    const original = write(path.join(d, "original", "rules.test.yml"), yaml(only));
    write(path.join(d, "original", "rules.yml"), yaml({ groups: rules.groups.map((g) => ({ ...g, rules: g.rules.filter((r) => r.alert === name) })) }));
    const [mutant, control] = await Promise.all([tool("promtool", ["test", "rules", file]), tool("promtool", ["test", "rules", original])]);
    return { name, mutant, control };
}

test("the harness fails a rule whose threshold is wrong", async (t) => {
    const { name, mutant, control } = await runMutated("http-error-rate", "critical", (expr, f) => ({ expr: expr.replace(/> 5( or |$)/g, "> 6$1"), for: f }));
    t.is(control.code, 0, control.stdout + control.stderr);
    t.not(mutant.code, 0);
    t.true(mutant.stdout.includes(name) || mutant.stderr.includes(name));
});

test("the harness fails a rule whose `for` is shorter than the runbook's", async (t) => {
    const { mutant, control } = await runMutated("http-error-rate", "critical", (expr) => ({ expr, for: "1m" }));
    t.is(control.code, 0, control.stdout + control.stderr);
    t.not(mutant.code, 0);
});

test("the harness fails a rule that averages over 5 minutes (fires late, and on a short intense burst) and one without its `for` (fires on a short breach)", async (t) => {
    const late = await runMutated("http-error-rate", "critical", (expr, f) => ({ expr: expr.replace(/\birate\(([^\[]*)\[1m\]/g, "rate($1[5m]"), for: f }));
    t.is(late.control.code, 0, late.control.stdout + late.control.stderr);
    t.not(late.mutant.code, 0, "a 5-minute window must fail the timing cases");
    t.regex(late.mutant.stdout + late.mutant.stderr, /fires: |holds: /);
    const minute = await runMutated("http-error-rate", "critical", (expr, f) => ({ expr: expr.replace(/\birate\(([^\[]*)\[1m\]/g, "rate($1[1m]"), for: f }));
    t.not(minute.mutant.code, 0, "the old 1-minute window must fail the short, intense breach");
    t.regex(minute.mutant.stdout + minute.mutant.stderr, /holds: /);
    const eager = await runMutated("redis-hit-rate", "warning", (expr) => ({ expr, for: "0s" }));
    t.is(eager.control.code, 0, eager.control.stdout + eager.control.stderr);
    t.not(eager.mutant.code, 0);
    t.regex(eager.mutant.stdout + eager.mutant.stderr, /holds: /);
});

test("the harness fails MongoDB lag read against the PRIMARY (no primary in an election, a RECOVERING member) and a silenced absence rule", async (t) => {
    const primary = await runMutated(
        "mongodb-replication-lag",
        "warning",
        (expr, f) => ({ expr: expr.replace(/\}\) - on/, ', member_state="PRIMARY"}) - on').replace('member_state!="ARBITER"', 'member_state="SECONDARY"'), for: f }),
        "gravitypm",
    );
    t.is(primary.control.code, 0, primary.control.stdout + primary.control.stderr);
    t.not(primary.mutant.code, 0, "a PRIMARY/SECONDARY-only expression must miss the lag");
    const absent = await runMutated("postgres-down", "critical", (expr, f) => ({ expr: expr.replace(/^absent\((.*)\)$/, "absent($1) > 1"), for: f }), "pfm-community", "PfmCommunityAbsentPostgresPgUp");
    t.is(absent.control.code, 0, absent.control.stdout + absent.control.stderr);
    t.not(absent.mutant.code, 0, "a vanished pg_up must page");
});

test("the harness fails a ServiceDown that pages critical when one replica of several is down", async (t) => {
    const { mutant, control } = await runMutated("service-down", "critical", (expr, f) => ({ expr: expr.replace("1 - max by", "1 - min by"), for: f }));
    t.is(control.code, 0, control.stdout + control.stderr);
    t.not(mutant.code, 0);
    t.regex(mutant.stdout + mutant.stderr, /holds: .*one of two replicas fails \/health, the other answers around it/);
});

test("HTTP error rates hold below the app's minimum traffic while the 5xx stay under its floor: the same share of 5xx pages at full traffic, not at a trickle", async (t) => {
    const rb = getRunbook("pfm-community");
    const alert = rb.alerts.find((a) => a.signal === "http_error_rate")!;
    const level = alert.levels[0];
    const name = alertName(rb.app, alert.id, level.severity);
    const hold = seconds(level.for);
    const samples = (hold + 120) / 15 + 1;
    const sim = scenarioFor(rb, alert, rb.app, 50, "fire", samples);
    const fullRate = sim.series.filter((x) => x.name === "pfm_http_requests_total").reduce((n, x) => n + (x.values[1] - x.values[0]) / 15, 0);
    // Half the minimum traffic (or less), the same share of errors, half the floor of 5xx a minute.
    const factor = Math.min(minRequestsPerSecond(rb) / 2, minErrorsPerMinute(rb) / 60) / fullRate;
    t.true(fullRate * factor * 60 < minRequestsPerSecond(rb) * 60 && fullRate * factor * 0.5 * 60 < minErrorsPerMinute(rb), "a trickle under both guards");
    const input = (k: number) => sim.series.map((x) => ({ series: `${x.name}{${Object.entries(x.labels).map(([a, b]) => `${a}="${b}"`).join(", ")}}`, values: encodeValues(x.values.map((v) => v * k)) }));
    const rules = rulesFor(rb, "local", "docker");
    const only: RuleFile = { groups: rules.groups.map((g) => ({ ...g, rules: g.rules.filter((r) => r.alert === name) })) };
    const d = tempDir("traffic");
    write(path.join(d, "rules.yml"), yaml(only));
    const at = `${hold + 60}s`;
    const file = (tests: unknown[]) => write(path.join(d, `t${tests.length}.yml`), yaml({ rule_files: ["rules.yml"], evaluation_interval: "15s", tests }));
    const trickle = { interval: "15s", input_series: input(factor), alert_rule_test: [{ eval_time: at, alertname: name, exp_alerts: [] }] };
    const full = { interval: "15s", input_series: input(1), alert_rule_test: [{ eval_time: at, alertname: name, exp_alerts: [] }] };
    const [quiet, loud] = await Promise.all([tool("promtool", ["test", "rules", file([trickle])]), tool("promtool", ["test", "rules", file([full, full])])]);
    t.is(quiet.code, 0, `a trickle of requests paged: ${quiet.stdout}${quiet.stderr}`);
    t.not(loud.code, 0, "at full traffic the same share of errors must fire (the check above would prove nothing otherwise)");
});

test("the harness fails a rule that ignores which app the series belong to", async (t) => {
    const { mutant, control } = await runMutated("memory-usage", "warning", (expr, f) => ({ expr: expr.replace(/app="pfm-community", /g, ""), for: f }));
    t.is(control.code, 0, control.stdout + control.stderr);
    t.not(mutant.code, 0);
});
