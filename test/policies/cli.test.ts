import test from "ava";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { planStack } from "../../cli/harness/runtime";
import { checkStacks, exitCode, renderJson, renderMarkdown, renderText, renderInvalidText } from "../../cli/policy";
import { policies } from "../../policies/pack";
import type { StackReport } from "../../policies/offline";

/**
 * `npm run policy` as a user and a pull request meet it: exit codes (1 for a mandatory finding or
 * an invalid stack, 2 only when the check cannot run), an invalid stack reported failing in every
 * format while the others are still checked, a Markdown comment that is never blank, `--config`
 * refused the way the engine refuses it, readable text with not-applicable rows behind `--verbose`.
 */

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..", "..");
const cli = (args: string[]) =>
    run("npx", ["tsx", "cli/policy.ts", ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }).then(
        (r) => ({ ...r, code: 0 }),
        (e: { stdout: string; stderr: string; code: number }) => ({ stdout: e.stdout, stderr: e.stderr, code: e.code }),
    );

test("--json prints only JSON and exits by the mandatory count; --markdown makes a PR comment; text hides not-applicable rows unless --verbose", async (t) => {
    t.timeout(5 * 60_000);
    const json = await cli(["--stack", "bunty-local", "--json"]);
    const doc = JSON.parse(json.stdout) as { ok: boolean; stacks: (StackReport & { status: string })[]; offlineLimits: string[] };
    t.is(doc.stacks[0].stack, "bunty-local");
    t.is(doc.ok, doc.stacks[0].mandatory === 0);
    t.is(json.code, doc.ok ? 0 : 1);
    t.true(doc.offlineLimits.some((l) => /provider defaults/.test(l)));
    t.false(json.stdout.includes("generated-"), "no generated secret value leaks into the report");
    const report = doc.stacks[0];
    const md = renderMarkdown([{ kind: "report", report }]);
    t.regex(md, /^<!-- runbook-policy-check -->\n### Runbook policy check \(offline\)/);
    t.regex(md, /\| .*`bunty-local` \| docker \|/);
    const notApplicable = report.outcomes.filter((o) => o.status === "not-applicable");
    t.true(notApplicable.length > 0, "a docker stack has policies of other targets");
    const short = renderText(report);
    const verbose = renderText(report, true);
    for (const o of notApplicable) {
        t.false(short.includes(`  ${o.name} `), `${o.name} hidden without --verbose`);
        t.true(verbose.includes(`  ${o.name} `), `${o.name} listed with --verbose`);
    }
    t.regex(short.split("\n")[0], new RegExp(`${notApplicable.length} not applicable`), "the counts say how many are hidden");
    for (const v of report.violations) t.true(short.includes(v.message), "every violation is shown");
});

test("--all with one invalid stack: that stack fails in text, JSON and Markdown, every other stack is still checked, exit 1", async (t) => {
    t.timeout(5 * 60_000);
    const stacks = ["bunty-local", "formula-pm-local"];
    const broken = fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.formula-pm-local.yaml"), "utf8").replace(/^config:\n/m, "config:\n  runbook-platform:target: mainframe\n");
    const checked = await checkStacks(stacks, { plan: (s) => planStack(s, s === "formula-pm-local" ? { stackFileText: broken } : {}) });
    t.deepEqual(
        checked.map((c) => c.kind),
        ["report", "invalid"],
    );
    t.is(exitCode(checked), 1);
    const invalid = checked[1].kind === "invalid" ? checked[1].invalid : undefined;
    t.regex(invalid?.error ?? "", /runbook-platform:target.*mainframe/s, "the program's own message names the key and value");
    t.regex(renderInvalidText(invalid!), /^stack formula-pm-local .*cannot be planned[^]*FAIL: invalid stack$/);
    const json = JSON.parse(renderJson(checked)) as { ok: boolean; stacks: { stack: string; status: string; error?: string }[] };
    t.false(json.ok);
    t.deepEqual(
        json.stacks.map((s) => [s.stack, s.status]),
        [
            ["bunty-local", checked[0].kind === "report" && checked[0].report.mandatory ? "failing" : "ok"],
            ["formula-pm-local", "invalid"],
        ],
    );
    const md = renderMarkdown(checked);
    t.regex(md, /❌ \d stack\(s\) failing \(1 invalid\)/);
    t.regex(md, /\| ❌ `formula-pm-local` \| — \| — \| invalid stack/);
    t.regex(md, /\| .* `bunty-local` \| docker \| \d+ \|/, "the valid stack is still reported");
    t.regex(md, /mainframe/);
});

test("--config refuses a file the engine would refuse, naming the policy, the path and the expected type (exit 2), and the PR comment says so", async (t) => {
    t.timeout(5 * 60_000);
    // A per-app integer property of some policy, found in the pack rather than named here.
    const target = policies
        .flatMap((p) => Object.entries(p.configSchema?.properties ?? {}).map(([k, v]) => ({ policy: p.name, key: k, schema: v as { additionalProperties?: { type?: string } } })))
        .find((x) => x.schema.additionalProperties?.type === "integer");
    if (!target) return t.fail("no per-app integer config property in the pack");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-config-"));
    const file = path.join(dir, "config.json");
    fs.writeFileSync(file, JSON.stringify({ [target.policy]: { [target.key]: { bunty: "thirty" } } }));
    const md = await cli(["--stack", "bunty-production", "--config", file, "--markdown"]);
    t.is(md.code, 2);
    t.true(md.stderr.includes(`${target.policy}: ${target.key}.bunty is "thirty": expected integer`), md.stderr);
    t.regex(md.stdout, /^<!-- runbook-policy-check -->\n### Runbook policy check \(offline\): ⚠️ the check could not run/, "the comment is not blank");
    fs.writeFileSync(file, JSON.stringify({ [target.policy]: "blocking" }));
    const level = await cli(["--stack", "bunty-production", "--config", file, "--json"]);
    t.is(level.code, 2);
    t.regex(level.stderr, new RegExp(`${target.policy}: enforcementLevel "blocking" is not a valid enforcement level`));
    fs.writeFileSync(file, JSON.stringify({ [target.policy]: { [target.key]: { bunty: 400 } } }));
    const ok = await cli(["--stack", "bunty-production", "--config", file, "--json"]);
    t.not(ok.code, 2, ok.stderr);
    t.is(JSON.parse(ok.stdout).stacks[0].stack, "bunty-production");
});

test("--preview checks a first preview (computed outputs unknown): no policy cut short, nothing mandatory on a committed stack", async (t) => {
    t.timeout(5 * 60_000);
    const r = await cli(["--stack", "gravitypm-production", "--preview", "--json"]);
    const doc = JSON.parse(r.stdout) as { ok: boolean; preview: boolean; stacks: StackReport[] };
    t.true(doc.preview);
    t.deepEqual(
        doc.stacks[0].violations.filter((v) => /can't run policy/.test(v.message) || v.level === "mandatory").map((v) => v.message),
        [],
    );
    t.is(r.code, 0);
});
