import test from "ava";
import * as path from "path";
import YAML from "yaml";
import { getRunbook } from "../../runbooks";
import { promtoolCases, promtoolTests, testValues, type PromtoolTestFile } from "../../capabilities/alerting/promtool-tests";
import { alertName, rulesFor, type RuleFile } from "../../capabilities/alerting/rules";
import { COMBOS, removeTempDirs, tempDir, tool, write } from "./helpers";

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
    t.log(`promtool test rules, 15 files in parallel: ${Date.now() - started} ms`);
    for (const { f, r } of results) t.is(r.code, 0, `${f.stack}:\n${r.stdout}${r.stderr}`);
});

test("every rule has a firing case and every level a quiet one; a firing case first checks the evaluation before `for` elapses", (t) => {
    for (const { cases, testFile: file, ruleFile, stack } of files) {
        for (const rule of ruleFile.groups.flatMap((g) => g.rules)) {
            const mine = cases.filter((x) => x.alertname === rule.alert);
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

/** A one-alert copy of pfm-community's local rules and tests, with `mutate` applied to the rule. */
async function runMutated(alertId: string, severity: "critical" | "warning", mutate: (expr: string, forDuration: string) => { expr: string; for: string }) {
    const rb = getRunbook("pfm-community");
    const name = alertName(rb.app, alertId, severity);
    const rules = rulesFor(rb, "local", "docker");
    const mutated: RuleFile = {
        groups: rules.groups.map((g) => ({ ...g, rules: g.rules.filter((r) => r.alert === name).map((r) => ({ ...r, ...mutate(r.expr, r.for ?? "0s") })) })),
    };
    const tests = promtoolTests(rb, "local", "docker");
    const only: PromtoolTestFile = {
        ...tests,
        tests: promtoolCases(rb, "local", "docker")
            .filter((x) => x.alertname === name)
            .map((x) => ({ name: x.name, interval: tests.tests[0].interval, input_series: x.input_series, alert_rule_test: x.alert_rule_test })),
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
    const { name, mutant, control } = await runMutated("http-error-rate", "critical", (expr, f) => ({ expr: expr.replace(/> 5$/, "> 6"), for: f }));
    t.is(control.code, 0, control.stdout + control.stderr);
    t.not(mutant.code, 0);
    t.true(mutant.stdout.includes(name) || mutant.stderr.includes(name));
});

test("the harness fails a rule whose `for` is shorter than the runbook's", async (t) => {
    const { mutant, control } = await runMutated("http-error-rate", "critical", (expr) => ({ expr, for: "1m" }));
    t.is(control.code, 0, control.stdout + control.stderr);
    t.not(mutant.code, 0);
});

test("the harness fails a rule that ignores which app the series belong to", async (t) => {
    const { mutant, control } = await runMutated("memory-usage", "warning", (expr, f) => ({ expr: expr.replace(/app="pfm-community", /g, ""), for: f }));
    t.is(control.code, 0, control.stdout + control.stderr);
    t.not(mutant.code, 0);
});
