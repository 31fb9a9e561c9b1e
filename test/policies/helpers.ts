import type { ExecutionContext } from "ava";
import type { PolicyPackConfig } from "@pulumi/policy";
import type { PlannedResource, StackPlan } from "../../cli/harness/runtime";
import { parseStackName } from "../../stacks/settings";
import type { DeclaredException } from "../../policies/lib/context";
import type { Rule, RunbookPolicy } from "../../policies/lib/policy";
import { runPolicies, type OfflineViolation, type PolicyOutcome } from "../../policies/offline";
import { policies } from "../../policies/pack";

/**
 * Fixtures in the compliance-policies style: a resource (or a small stack) built by hand in the
 * provider's input shape, compliant with the app's runbook, then broken one field at a time.
 * They run through the same engine emulation as `npm run policy`.
 */

export interface Fake {
    readonly type: string;
    readonly name: string;
    props: Record<string, any>;
    protect?: boolean;
    /** Input paths the program marked secret: the engine shows them to a policy unwrapped, exactly like plain values. */
    secretPaths?: string[];
    readonly dependsOn?: string[];
    readonly parent?: string;
}

export function urnOf(stack: string, type: string, name: string): string {
    return `urn:pulumi:${stack}::runbook-platform::${type}::${name}`;
}

export function fakePlan(stack: string, resources: readonly Fake[]): StackPlan {
    const { app, env } = parseStackName(stack);
    const target = env === "local" ? "docker" : env === "staging" ? "kubernetes" : "aws";
    const planned: PlannedResource[] = resources.map((r) => ({
        urn: urnOf(stack, r.type, r.name),
        type: r.type,
        name: r.name,
        parent: r.parent,
        custom: true,
        props: r.props,
        inputs: r.props,
        secretPaths: r.secretPaths ?? [],
        options: {
            protect: r.protect ?? false,
            retainOnDelete: false,
            deleteBeforeReplace: false,
            ignoreChanges: [],
            replaceOnChanges: [],
            additionalSecretOutputs: [],
            aliases: [],
            dependsOn: (r.dependsOn ?? []).map((d) => (d.startsWith("urn:") ? d : urnOf(stack, resources.find((x) => x.name === d)?.type ?? "", d))),
        },
    }));
    return { stack, app, env, target, resources: planned, assumedSecrets: [] };
}

export function policyNamed(name: string): RunbookPolicy {
    const p = policies.find((x) => x.name === name);
    if (!p) throw new Error(`no policy ${name}`);
    return p;
}

export interface Outcome {
    readonly outcome: PolicyOutcome;
    readonly violations: OfflineViolation[];
    readonly messages: string[];
}

/** Runs one policy over a hand-built stack, with the environment's levels (or `config`). */
export async function check(name: string, stack: string, resources: readonly Fake[], opts: { config?: PolicyPackConfig; exceptions?: DeclaredException[]; stackFileText?: string } = {}): Promise<Outcome> {
    const report = await runPolicies(fakePlan(stack, resources), { policies: [policyNamed(name)], config: opts.config, exceptions: opts.exceptions ?? [], stackFileText: opts.stackFileText });
    const outcome = report.outcomes[0];
    return { outcome, violations: outcome.violations, messages: outcome.violations.map((v) => v.message) };
}

export const clone = <T>(x: T): T => structuredClone(x);

/**
 * The compliance-policies pattern: the compliant fixture passes (and is not "not applicable"),
 * and each broken copy is reported with a message matching its pattern.
 */
export async function compliantAndBroken(
    t: ExecutionContext,
    name: string,
    stack: string,
    compliant: () => Fake[],
    breaks: Record<string, { readonly edit: (resources: Fake[]) => void; readonly expect: RegExp }>,
): Promise<void> {
    const ok = await check(name, stack, compliant());
    t.deepEqual(ok.messages, [], `${name}: the compliant fixture passes`);
    t.not(ok.outcome.status, "not-applicable", `${name}: the compliant fixture is checked (${ok.outcome.notApplicable ?? ""})`);
    for (const [what, b] of Object.entries(breaks)) {
        const resources = compliant();
        b.edit(resources);
        const broken = await check(name, stack, resources);
        t.true(broken.messages.length > 0, `${name}: ${what} is reported`);
        t.true(
            broken.messages.some((m) => b.expect.test(m)),
            `${name}: ${what}: expected a message matching ${b.expect}, got:\n${broken.messages.join("\n")}`,
        );
    }
}

/** Every rule of the pack is exercised by some test file; each file lists the names it covers. */
export function ruleNames(rules: readonly Rule[]): string[] {
    return rules.map((r) => r.name);
}

export function find(resources: Fake[], name: string): Fake {
    const r = resources.find((x) => x.name === name);
    if (!r) throw new Error(`fixture has no ${name}`);
    return r;
}
