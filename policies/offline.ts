import type { EnforcementLevel, PolicyPackConfig, PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import type { PlannedResource, StackPlan } from "../cli/harness/runtime";
import type { Env } from "../runbooks";
import { supplyExceptions, type DeclaredException } from "./lib/context";
import { keyOf, schemaDefaults, type RunbookPolicy } from "./lib/policy";
import { packConfigFor, policies as PACK_POLICIES } from "./pack";

/**
 * Runs the pack's policies over an offline plan the way the Pulumi engine runs a policy pack:
 * config reconciled from the schema defaults, then the pack's initial (per-environment) config,
 * then the caller's config (`all` first, a bare string is a level); enforcement level = the
 * config's, else the policy's, else the pack's; `disabled` skips; resource policies see each
 * resource's inputs (secrets unwrapped), with `isType`/`asType` for provider classes and the
 * engine's fast path for typed validators; stack policies see every resource with its parent and
 * dependencies; `notApplicable` is recorded with its reason.
 */

export type Level = Exclude<EnforcementLevel, "remediate">;

export interface OfflineViolation {
    readonly policy: string;
    readonly level: "mandatory" | "advisory";
    readonly message: string;
    readonly urn?: string;
    readonly resourceType?: string;
    readonly resourceName?: string;
    /** The runbook key the message names, if any. */
    readonly key?: string;
}

export interface PolicyOutcome {
    readonly name: string;
    readonly description: string;
    readonly kind: "resource" | "stack";
    readonly level: Level;
    readonly status: "pass" | "violations" | "not-applicable" | "disabled";
    readonly violations: OfflineViolation[];
    /** Why the policy did not apply, for stack policies and for resource policies that found nothing to look at. */
    readonly notApplicable?: string;
    /** Resources a resource policy looked at. */
    readonly checked: number;
}

export interface StackReport {
    readonly stack: string;
    readonly app: string;
    readonly env: string;
    readonly target: string;
    readonly resources: number;
    readonly outcomes: PolicyOutcome[];
    readonly violations: OfflineViolation[];
    readonly mandatory: number;
    readonly advisory: number;
    readonly assumedSecrets: string[];
}

/** What the offline check cannot see that `pulumi preview --policy-pack` does, said in every report. */
export const OFFLINE_LIMITS = [
    "inputs are the program's, not the provider's after Check: provider defaults (e.g. RDS backupRetentionPeriod when unset) are absent here and filled in by a real preview",
    "values computed by providers (ids, ARNs, endpoints) come from the mock engine; in a real first preview they are unknown, and policies reading them report an advisory 'can't run during preview'",
    "stack policies see the planned inputs; the engine's analyzeStack also sees outputs after an update",
    "secrets: the offline check knows which inputs are Pulumi secrets; the real analyzer sees them unwrapped, so platform-no-literal-secrets can only refuse known or short literals there",
    "stack config `secure:` values and the operator's pager/chat secrets are placeholders offline",
];

/** The type a provider class or a typed validator carries (what @pulumi/policy's internal getPulumiType reads). */
function getPulumiType(obj: unknown): string | undefined {
    const t = (obj as { __pulumiType?: unknown } | undefined)?.__pulumiType;
    return typeof t === "string" && t.length > 0 ? t : undefined;
}

class NotApplicable extends Error {
    constructor(readonly reason: string) {
        super(reason);
    }
}

const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason ?? "not applicable");
};

interface Reconciled {
    readonly enforcementLevel?: Level;
    readonly properties: Record<string, unknown>;
}

function apply(result: Map<string, Reconciled>, config: PolicyPackConfig | undefined): void {
    if (!config) return;
    const all = config.all;
    const allLevel = typeof all === "string" ? all : all?.enforcementLevel;
    if (allLevel) for (const [k, v] of result) result.set(k, { ...v, enforcementLevel: allLevel as Level });
    for (const [name, given] of Object.entries(config)) {
        if (name === "all") continue;
        const current = result.get(name) ?? { properties: {} };
        if (typeof given === "string") {
            result.set(name, { ...current, enforcementLevel: given as Level });
            continue;
        }
        const { enforcementLevel, ...props } = given;
        result.set(name, { enforcementLevel: (enforcementLevel as Level) ?? current.enforcementLevel, properties: { ...current.properties, ...props } });
    }
}

/** The engine's ReconcilePolicyPackConfig: schema defaults, then the pack's initial config, then the caller's. */
export function reconcileConfig(policies: readonly RunbookPolicy[], initial: PolicyPackConfig | undefined, given: PolicyPackConfig | undefined): Map<string, Reconciled> {
    const result = new Map<string, Reconciled>();
    for (const p of policies) result.set(p.name, { enforcementLevel: p.enforcementLevel as Level | undefined, properties: schemaDefaults(p.configSchema) });
    apply(result, initial);
    apply(result, given);
    return result;
}

function isTypeOf(type: string, resourceClass: any): boolean {
    const t = getPulumiType(resourceClass);
    if (t) return type === t;
    return typeof resourceClass?.isInstance === "function" && resourceClass.isInstance({ __pulumiType: type }) === true;
}

function options(r: PlannedResource) {
    return {
        protect: r.options.protect,
        ignoreChanges: [...r.options.ignoreChanges],
        aliases: [...r.options.aliases],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [...r.options.additionalSecretOutputs],
        ...(r.options.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
        ...(r.parent ? { parent: r.parent } : {}),
    };
}

function providerOf(plan: StackPlan, r: PlannedResource) {
    const ref = r.options.provider;
    if (!ref) return undefined;
    const urn = ref.split("::").slice(0, -1).join("::");
    const p = plan.resources.find((x) => x.urn === urn);
    return p ? { type: p.type, props: p.props, urn: p.urn, name: p.name } : undefined;
}

export interface RunOptions {
    /** Policies to run; the pack's by default. */
    readonly policies?: readonly RunbookPolicy[];
    /** Pack config as `--policy-pack-config` would give it. */
    readonly config?: PolicyPackConfig;
    /** The stack's declared exceptions; the stack file's by default. */
    readonly exceptions?: readonly DeclaredException[];
    /** The pack's own level (index.ts serves it as mandatory). */
    readonly packLevel?: Level;
}

/**
 * Runs the pack over one offline plan. Only promises are awaited: the pack's policies are
 * synchronous, so a stack is checked without yielding and the exceptions supplied for it cannot
 * leak into a concurrent run over the same stack.
 */
export async function runPolicies(plan: StackPlan, opts: RunOptions = {}): Promise<StackReport> {
    const pack = opts.policies ?? PACK_POLICIES;
    const config = reconcileConfig(pack, packConfigFor(plan.env as Env), opts.config);
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const outcomes: PolicyOutcome[] = [];
    supplyExceptions(plan.stack, opts.exceptions);
    try {
        for (const p of pack) {
            const c = config.get(p.name) ?? { properties: {} };
            const level = (c.enforcementLevel ?? p.enforcementLevel ?? opts.packLevel ?? "mandatory") as Level;
            const kind = "validateStack" in p ? "stack" : "resource";
            if (level === "disabled") {
                outcomes.push({ name: p.name, description: p.description, kind, level, status: "disabled", violations: [], checked: 0 });
                continue;
            }
            const violations: OfflineViolation[] = [];
            const reportLevel: "mandatory" | "advisory" = level === "advisory" ? "advisory" : "mandatory";
            const record = (message: string, urn?: string) => {
                const r = urn ? byUrn.get(urn) : undefined;
                violations.push({ policy: p.name, level: reportLevel, message, urn, resourceType: r?.type, resourceName: r?.name, key: keyOf(message) });
            };
            const getConfig = <T extends object>() => ({ ...c.properties }) as T;
            let checked = 0;
            const reasons = new Set<string>();
            if ("validateStack" in p) {
                const resources = toPolicyResources(plan);
                const args: StackValidationArgs = { resources, stackTags: new Map(), getConfig, notApplicable };
                try {
                    const pending = p.validateStack(args, record as ReportViolation);
                    if (pending instanceof Promise) await pending;
                    checked = resources.length;
                } catch (e) {
                    if (!(e instanceof NotApplicable)) throw withPolicy(e, p.name);
                    reasons.add(e.reason);
                }
            } else if (p.validateResource) {
                const validations = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
                for (const r of plan.resources) {
                    const fast = validations.length === 1 ? getPulumiType(validations[0]) : undefined;
                    if (fast && fast !== r.type) continue;
                    const args: ResourceValidationArgs & { secretPaths: readonly string[] } = {
                        type: r.type,
                        props: r.props,
                        urn: r.urn,
                        name: r.name,
                        opts: options(r),
                        provider: providerOf(plan, r),
                        stackTags: new Map(),
                        isType: (cls) => isTypeOf(r.type, cls),
                        asType: ((cls: any) => (isTypeOf(r.type, cls) ? r.props : undefined)) as ResourceValidationArgs["asType"],
                        getConfig,
                        notApplicable,
                        secretPaths: r.secretPaths,
                    };
                    for (const v of validations) {
                        try {
                            const pending = v(args, (message) => record(message, r.urn));
                            if (pending instanceof Promise) await pending;
                            checked++;
                        } catch (e) {
                            if (!(e instanceof NotApplicable)) throw withPolicy(e, p.name);
                        }
                    }
                }
                if (checked === 0) reasons.add("no resource of the types it checks");
            }
            const status = violations.length ? "violations" : checked === 0 && reasons.size ? "not-applicable" : "pass";
            outcomes.push({ name: p.name, description: p.description, kind, level, status, violations, checked, ...(reasons.size ? { notApplicable: [...reasons].join("; ") } : {}) });
        }
    } finally {
        supplyExceptions(plan.stack, undefined);
    }
    const violations = outcomes.flatMap((o) => o.violations);
    return {
        stack: plan.stack,
        app: plan.app,
        env: plan.env,
        target: plan.target,
        resources: plan.resources.length,
        outcomes,
        violations,
        mandatory: violations.filter((v) => v.level === "mandatory").length,
        advisory: violations.filter((v) => v.level === "advisory").length,
        assumedSecrets: plan.assumedSecrets,
    };
}

function withPolicy(e: unknown, name: string): Error {
    const err = e instanceof Error ? e : new Error(String(e));
    err.message = `policy ${name} failed: ${err.message}`;
    return err;
}

/** The stack-policy view of a plan: parent and dependencies as resource objects, as the engine builds them. */
export function toPolicyResources(plan: StackPlan): PolicyResource[] {
    const out = plan.resources.map((r) => {
        const resource: PolicyResource & { secretPaths: readonly string[] } = {
            type: r.type,
            props: r.props,
            urn: r.urn,
            name: r.name,
            opts: options(r),
            provider: providerOf(plan, r),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => isTypeOf(r.type, cls),
            asType: ((cls: any) => (isTypeOf(r.type, cls) ? r.props : undefined)) as PolicyResource["asType"],
            secretPaths: r.secretPaths,
        };
        return resource;
    });
    const byUrn = new Map(out.map((r) => [r.urn, r]));
    plan.resources.forEach((r, i) => {
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        if (parent) out[i].parent = parent;
        out[i].dependencies = r.options.dependsOn.map((d) => byUrn.get(d)).filter((d): d is (typeof out)[number] => !!d);
    });
    return out;
}
