import test from "ava";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { allRunbooks, APP_IDS, ENVS } from "../../runbooks";
import { coverageProblems, coverageRows, type CoverageRow } from "../../capabilities/alerting/coverage";
import type { CoverageProvider } from "../../capabilities/alerting/coverage-claims";
import { COVERAGE_PROVIDERS } from "../../cli/coverage";
import { parseStack, STACKS } from "../../cli/render";
import { COMBOS, removeTempDirs, tempDir, tool } from "./helpers";

test.after.always(removeTempDirs);

const ROOT = path.join(__dirname, "..", "..");
const cli = (script: string, args: string[]) => tool(process.execPath, ["--import=tsx", path.join(ROOT, "cli", script), ...args], ROOT);

test("parseStack accepts every stack of every app and names them when it refuses one", (t) => {
    t.is(STACKS.length, APP_IDS.length * ENVS.length);
    for (const c of COMBOS) t.deepEqual(parseStack(c.stack), { app: c.app, env: c.env });
    for (const bad of ["pfm-community", "pfm-community-prod", "bunty-local-x", "nope-local", ""]) {
        const e = t.throws(() => parseStack(bad));
        for (const s of STACKS) t.true(e?.message.includes(s));
    }
});

test("npm run render writes the stack's files; an unknown stack exits 1 with the allowed stacks", async (t) => {
    const out = tempDir("render");
    const ok = await cli("render.ts", ["--stack", "formula-pm-staging", "--out", out]);
    t.is(ok.code, 0, ok.stderr);
    const rb = COMBOS.find((c) => c.stack === "formula-pm-staging")?.runbook;
    const expected = ["prometheus/rules.yml", "prometheus/rules.test.yml", "alertmanager/alertmanager.yml", ...(rb?.monitoring.dashboards ?? []).map((d) => `grafana/dashboards/${d}.json`)];
    for (const f of expected) t.true(fs.existsSync(path.join(out, f)), f);
    const am = fs.readFileSync(path.join(out, "alertmanager/alertmanager.yml"), "utf8");
    t.true(am.startsWith("# Receiver values in this file are placeholders"));
    t.truthy(YAML.parse(am).route);
    const checked = await tool("promtool", ["test", "rules", path.join(out, "prometheus", "rules.test.yml")]);
    t.is(checked.code, 0, checked.stdout + checked.stderr);

    const bad = await cli("render.ts", ["--stack", "formula-pm-qa", "--out", out]);
    t.is(bad.code, 1);
    t.true(bad.stderr.includes('unknown stack "formula-pm-qa"') && bad.stderr.includes("formula-pm-production"), bad.stderr);
});

test("npm run coverage --json: every alert level of every runbook has a rule and a promtool case, and exit 0", async (t) => {
    const r = await cli("coverage.ts", ["--json"]);
    t.is(r.code, 0, r.stderr);
    const { rows, problems } = JSON.parse(r.stdout) as { rows: CoverageRow[]; problems: string[] };
    t.deepEqual(problems, []);
    for (const rb of allRunbooks()) {
        for (const alert of rb.alerts) {
            for (const level of alert.levels) {
                const row = rows.find((x) => x.app === rb.app && x.kind === "alert-level" && x.id === `${alert.id}/${level.severity}`);
                t.truthy(row, `${rb.app} ${alert.id} ${level.severity}`);
                t.true((row?.implementedBy.length ?? 0) > 0 && (row?.testedBy.length ?? 0) > 0);
            }
        }
        for (const b of rb.backups) t.true(rows.some((x) => x.app === rb.app && x.kind === "backup-retention" && x.id === b.dataset));
    }
    // The CLI composes the providers: the AWS target's claims and the pack's policy column are both there.
    t.true(rows.some((x) => x.implementedBy.some((i) => i.startsWith("production/aws: "))), "AWS target provider");
    t.true(rows.some((x) => x.enforcedBy.length > 0), "policy pack provider");
});

test("coverage reports a level without a test, and takes the policy column from providers", (t) => {
    const rows = coverageRows(allRunbooks().slice(0, 1), COVERAGE_PROVIDERS);
    const level = rows.find((r) => r.kind === "alert-level");
    if (!level) return t.fail();
    t.deepEqual(coverageProblems(rows), []);
    const broken = rows.map((r) => (r === level ? { ...r, testedBy: [] } : r));
    t.true(coverageProblems(broken).some((p) => p.includes(level.id) && p.includes("no test")));
    t.true(coverageRows(allRunbooks().slice(0, 1), []).every((r) => r.enforcedBy.length === 0), "no providers, no policy column");
    const policy: CoverageProvider = (key) => (key.kind === "alert-level" ? { enforcedBy: [`policy for ${key.id}`] } : undefined);
    const withPolicy = coverageRows(allRunbooks().slice(0, 1), [policy]);
    t.true(withPolicy.filter((r) => r.kind === "alert-level").every((r) => r.enforcedBy[0] === `policy for ${r.id}`));
});
