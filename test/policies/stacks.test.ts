import test from "ava";
import { planStack, type StackPlan } from "../../cli/harness/runtime";
import { allStacks } from "../../stacks/settings";
import { runPolicies, type StackReport } from "../../policies/offline";

/**
 * The committed stacks as they are: every stack's plan passes the pack with no mandatory
 * violation, and the alert policy of its target found every runbook alert level to check.
 */

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
