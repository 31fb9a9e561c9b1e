import type { ExecutionContext } from "ava";
import { planStack } from "../../cli/harness/runtime";
import { runPolicies } from "../../policies/offline";
import { toPolicy, type Rule } from "../../policies/lib/policy";
import { RULES } from "../../policies/pack";
import { fakePlan, type Fake } from "./helpers";

/**
 * The security tier's policies, each run alone through the same offline engine emulation as
 * `npm run policy`; read from the pack, so a rule registered there is the one tested here.
 */
export const SECURITY_RULES: readonly Rule[] = RULES.filter((r) => r.tier === "security");

function ruleNamed(name: string): Rule {
    const r = SECURITY_RULES.find((x) => x.name === name);
    if (!r) throw new Error(`no security-tier rule ${name} in the pack`);
    return r;
}

export async function runRule(rule: Rule, stack: string, resources: readonly Fake[], stackFileText?: string) {
    const report = await runPolicies(fakePlan(stack, resources), { policies: [toPolicy(rule)], exceptions: [], stackFileText });
    return report.outcomes[0];
}

/** The compliant fixture passes and is checked; each one-field break is reported, at the mandatory level. */
export async function compliantAndBroken(
    t: ExecutionContext,
    name: string,
    stack: string,
    compliant: () => Fake[],
    breaks: Record<string, { edit: (r: Fake[]) => void; expect: RegExp }>,
    /** The stack file the policy reads beside the resources (a setting it depends on); defaults to the committed one. */
    stackFileText?: string,
): Promise<void> {
    const rule = ruleNamed(name);
    const ok = await runRule(rule, stack, compliant(), stackFileText);
    t.deepEqual(
        ok.violations.map((v) => v.message),
        [],
        `${rule.name}: the compliant fixture passes`,
    );
    t.is(ok.status, "pass", `${rule.name}: the compliant fixture is checked (${ok.notApplicable ?? ""})`);
    for (const [what, b] of Object.entries(breaks)) {
        const resources = compliant();
        b.edit(resources);
        const broken = await runRule(rule, stack, resources, stackFileText);
        t.is(broken.level, "mandatory", `${rule.name}: security tier, mandatory in ${stack}`);
        t.true(
            broken.violations.some((v) => b.expect.test(v.message)),
            `${rule.name}: ${what}: expected ${b.expect}, got:\n${broken.violations.map((v) => v.message).join("\n")}`,
        );
    }
}

/** Runs each rule over the real planned stacks it targets; every one must pass (not be skipped). */
export async function planPasses(t: ExecutionContext, stacks: readonly string[], rules: readonly Rule[]): Promise<void> {
    for (const stack of stacks) {
        const plan = await planStack(stack);
        for (const rule of rules) {
            const report = await runPolicies(plan, { policies: [toPolicy(rule)], exceptions: [] });
            const o = report.outcomes[0];
            t.is(o.status, "pass", `${stack}: ${rule.name} ${o.notApplicable ?? ""} ${o.violations.map((v) => v.message).join("; ")}`);
        }
    }
}
