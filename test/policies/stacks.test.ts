import test from "ava";
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { planStack, type StackPlan } from "../../cli/harness/runtime";
import { allStacks } from "../../stacks/settings";
import { runPolicies, type StackReport } from "../../policies/offline";

/**
 * The committed stacks as they are: every stack's plan passes the pack with no mandatory
 * violation, and the alert policy of its target found every runbook alert level to check.
 */

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..", "..");
const plans = new Map<string, StackPlan>();
const reports = new Map<string, StackReport>();

test.before(async (t) => {
    t.timeout(10 * 60_000);
    for (const s of allStacks()) {
        const plan = await planStack(s);
        plans.set(s, plan);
        reports.set(s, await runPolicies(plan));
    }
});

for (const stack of allStacks()) {
    test(`${stack} passes the pack with no mandatory violation`, (t) => {
        const r = reports.get(stack)!;
        t.deepEqual(
            r.violations.filter((v) => v.level === "mandatory").map((v) => `${v.policy}: ${v.message}`),
            [],
        );
        const alerts = r.outcomes.find((o) => o.name === { docker: "docker-prometheus-rules-runbook-alerts", kubernetes: "k8s-prometheusrule-runbook-alerts", aws: "aws-amp-cloudwatch-runbook-alerts" }[r.target]);
        if (plans.get(stack)!.resources.some((x) => x.type.startsWith(`${r.target}:`))) t.is(alerts?.status, "pass", `${stack}: the target's alert rules were found and checked`);
        else t.is(alerts?.status, "not-applicable");
    });
}

test("npm run policy --json prints only JSON and exits by the mandatory count; --markdown makes a PR comment", async (t) => {
    t.timeout(5 * 60_000);
    const json = await run("npx", ["tsx", "cli/policy.ts", "--stack", "bunty-local", "--json"], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }).catch((e: { stdout: string; code: number }) => ({ stdout: e.stdout, code: e.code }));
    const doc = JSON.parse(json.stdout) as { ok: boolean; stacks: StackReport[]; offlineLimits: string[] };
    t.is(doc.stacks[0].stack, "bunty-local");
    t.is(doc.ok, doc.stacks[0].mandatory === 0);
    t.true(doc.offlineLimits.some((l) => /provider defaults/.test(l)));
    t.false(json.stdout.includes("generated-"), "no generated secret value leaks into the report");
    const md = await run("npx", ["tsx", "cli/policy.ts", "--stack", "bunty-local", "--markdown"], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    t.regex(md.stdout, /^<!-- runbook-policy-check -->\n### Runbook policy check \(offline\)/);
    t.regex(md.stdout, /\| .*`bunty-local` \| docker \|/);
});
