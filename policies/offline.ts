import type { EnforcementLevel, PolicyPackConfig, PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import Ajv from "ajv";
import type { StackPlan } from "../cli/harness/runtime";
import type { Env, Runbook } from "../runbooks";
import { withStackFile, type DeclaredException } from "./lib/context";
import { covers, keyOf, schemaDefaults, type Rule, type RunbookPolicy } from "./lib/policy";
import { PACK_NAME, packConfigFor, policies as PACK_POLICIES } from "./pack";
import { analyzerProps, isUnknownValueError, wireProperties, type WiredResource } from "./wire";

/**
 * Runs the pack's policies over an offline plan the way the Pulumi engine runs a policy pack:
 * config reconciled from the schema defaults, then the pack's initial (per-environment) config,
 * then the caller's config (`all` first, a bare string is a level); enforcement level = the
 * config's, else the policy's, else the pack's; `disabled` skips; resource policies see each
 * resource's inputs (secrets unwrapped), with `isType`/`asType` for provider classes and the
 * engine's fast path for typed validators; stack policies see every resource with its parent and
 * dependencies; `notApplicable` is recorded with its reason. Every resource's inputs go through
 * the engine's wire form (`wire.ts`) and `@pulumi/policy`'s own deserializer and unknown-checking
 * proxy, so a policy sees here exactly what it sees under `pulumi preview`: secrets unwrapped with
 * no trace of which values were secret, unknowns (in a `--preview` plan) as the analyzer shows them.
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
    "values computed by providers (ids, ARNs, endpoints) come from the mock engine; `--preview` plans a first preview instead, where they are unknown as in a real one",
    "stack policies see the planned inputs; the engine's analyzeStack also sees outputs after an update",
    "secrets: the pack sees them unwrapped, as the real analyzer does; whether each credential input is a Pulumi secret is held by the program's tests, not here",
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
        const { enforcementLevel, ...props } = given as { enforcementLevel?: string };
        result.set(name, { enforcementLevel: (enforcementLevel as Level) ?? current.enforcementLevel, properties: { ...current.properties, ...props } });
    }
}

/** What the engine knows of a policy from GetAnalyzerInfo: enough to reconcile and validate its config. */
export type PolicyInfo = Pick<RunbookPolicy, "name" | "description" | "enforcementLevel" | "configSchema">;

const LEVELS: readonly string[] = ["advisory", "mandatory", "remediate", "disabled"];

/** A `--policy-pack-config` the engine would refuse, with every reason (policy, path, what was expected). */
export class PackConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`policy pack configuration is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
}

/** The engine's parsePolicyPackConfig checks: each entry is a level or an object whose `enforcementLevel` is a level. */
function checkLevels(config: PolicyPackConfig | undefined): string[] {
    const out: string[] = [];
    for (const [name, given] of Object.entries(config ?? {})) {
        const level = typeof given === "string" ? given : given && typeof given === "object" ? (given as { enforcementLevel?: unknown }).enforcementLevel : given;
        if (typeof given !== "string" && (given === null || typeof given !== "object")) out.push(`${name}: ${JSON.stringify(given)} is not a valid value; must be a string or object`);
        else if (level !== undefined && (typeof level !== "string" || !LEVELS.includes(level))) out.push(`${name}: enforcementLevel ${JSON.stringify(level)} is not a valid enforcement level (${LEVELS.join(", ")})`);
    }
    return out;
}

const ajv = new Ajv({ allErrors: true, strict: false });

/**
 * The engine's validatePolicyPackConfig: each policy's reconciled properties against its
 * `configSchema` as a JSON schema (`{type: object, properties, required}`; the engine uses
 * gojsonschema, here ajv). Each problem names the policy, the path and what the schema expects.
 */
export function validateConfig(policies: readonly PolicyInfo[], config: ReadonlyMap<string, Reconciled>): string[] {
    const out: string[] = [];
    for (const p of policies) {
        if (!p.configSchema) continue;
        const schema = { type: "object", ...(Object.keys(p.configSchema.properties ?? {}).length ? { properties: p.configSchema.properties } : {}), ...(p.configSchema.required?.length ? { required: p.configSchema.required } : {}) };
        const props = config.get(p.name)?.properties ?? {};
        const validate = ajv.compile(schema);
        if (validate(props)) continue;
        for (const e of validate.errors ?? []) {
            const path = e.instancePath.split("/").filter(Boolean).join(".");
            const value = path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), props);
            const expected = e.keyword === "type" ? `expected ${String((e.params as { type: unknown }).type)}` : String(e.message);
            out.push(`${p.name}: ${path || "(config)"}${path ? ` is ${JSON.stringify(value)}` : ""}: ${expected}`);
        }
    }
    return out;
}

/** The engine's ReconcilePolicyPackConfig: schema defaults, then the pack's initial config, then the caller's; refused when the result does not satisfy the schemas. */
export function reconcileConfig(policies: readonly PolicyInfo[], initial: PolicyPackConfig | undefined, given: PolicyPackConfig | undefined): Map<string, Reconciled> {
    const levels = checkLevels(given);
    if (levels.length) throw new PackConfigError(levels);
    const result = new Map<string, Reconciled>();
    for (const p of policies) result.set(p.name, { enforcementLevel: p.enforcementLevel as Level | undefined, properties: schemaDefaults(p.configSchema) });
    apply(result, initial);
    apply(result, given);
    const problems = validateConfig(policies, result);
    if (problems.length) throw new PackConfigError(problems);
    return result;
}

function isTypeOf(type: string, resourceClass: any): boolean {
    const t = getPulumiType(resourceClass);
    if (t) return type === t;
    return typeof resourceClass?.isInstance === "function" && resourceClass.isInstance({ __pulumiType: type }) === true;
}

function options(r: WiredResource) {
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

/** A resource's inputs as the analyzer shows them, deserialized once per resource (policies only read them). */
function viewer(plan: StackPlan) {
    const cache = new Map<string, Record<string, any>>();
    return (r: WiredResource) => {
        let props = cache.get(r.urn);
        if (!props) cache.set(r.urn, (props = analyzerProps(wireProperties(r))));
        return props;
    };
}

const urnIndex = new WeakMap<StackPlan, Map<string, WiredResource>>();

/** A resource's provider, as the engine sends it (`<provider urn>::<id>` → the provider resource), looked up by URN once per plan. */
function providerOf(plan: StackPlan, r: WiredResource, view: (r: WiredResource) => Record<string, any>) {
    const ref = r.options.provider;
    if (!ref) return undefined;
    let byUrn = urnIndex.get(plan);
    if (!byUrn) urnIndex.set(plan, (byUrn = new Map(plan.resources.map((x) => [x.urn, x]))));
    const p = byUrn.get(ref.split("::").slice(0, -1).join("::"));
    return p ? { type: p.type, props: view(p), urn: p.urn, name: p.name } : undefined;
}

/** The pack's version, as `PolicyPack` reads it from the pack's package.json (the server names it in its messages). */
const PACK_VERSION: string = (require("./package.json") as { version: string }).version;

/** The analyzer server's advisory for a policy that read a value unknown during preview (server.ts). */
function cutShort(policy: string, e: Error): string {
    return `can't run policy '${policy}' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: ${e.message}`;
}

export interface RunOptions {
    /** Policies to run; the pack's by default. */
    readonly policies?: readonly RunbookPolicy[];
    /** Pack config as `--policy-pack-config` would give it. */
    readonly config?: PolicyPackConfig;
    /** The stack's declared exceptions; the stack file's by default. */
    readonly exceptions?: readonly DeclaredException[];
    /** The stack file's text the pack reads (exceptions, plain-text credentials); the committed file by default. */
    readonly stackFileText?: string;
    /** The pack's own level (index.ts serves it as mandatory). */
    readonly packLevel?: Level;
    /** The runbook the plan was built from, for a test's synthetic app; the committed runbook by default (`pulumi preview` has no other). */
    readonly runbook?: Runbook;
}

/** Runs the pack over one offline plan, as the engine would over a preview with this plan. */
export async function runPolicies(plan: StackPlan, opts: RunOptions = {}): Promise<StackReport> {
    return withStackFile({ stack: plan.stack, exceptions: opts.exceptions, stackFileText: opts.stackFileText, runbook: opts.runbook }, () => run(plan, opts));
}

async function run(plan: StackPlan, opts: RunOptions): Promise<StackReport> {
    const pack = opts.policies ?? PACK_POLICIES;
    const config = reconcileConfig(pack, packConfigFor(plan.env as Env), opts.config);
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const view = viewer(plan);
    const outcomes: PolicyOutcome[] = [];
    let stackView: PolicyResource[] | undefined;
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
        const record = (message: string, urn?: string, at: "mandatory" | "advisory" = reportLevel) => {
            const r = urn ? byUrn.get(urn) : undefined;
            violations.push({ policy: p.name, level: at, message, urn, resourceType: r?.type, resourceName: r?.name, key: keyOf(message) });
        };
        const getConfig = <T extends object>() => ({ ...c.properties }) as T;
        let checked = 0;
        const reasons = new Set<string>();
        if ("validateStack" in p) {
            // One view for every stack policy of the run, as the engine hands each the same stack.
            stackView ??= toPolicyResources(plan, view);
            const resources = stackView;
            const args: StackValidationArgs = { resources, stackTags: new Map(), getConfig, notApplicable };
            try {
                await p.validateStack(args, record as ReportViolation);
                checked = resources.length;
            } catch (e) {
                if (isUnknownValueError(e)) record(cutShort(p.name, e as Error), undefined, "advisory");
                else if (e instanceof NotApplicable) reasons.add(e.reason);
                else record(failed(p.name, e), undefined, "mandatory");
            }
        } else if (p.validateResource) {
            const validations = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
            const fast = validations.length === 1 ? getPulumiType(validations[0]) : undefined;
            // A runbook rule's policy (toPolicy) calls notApplicable first for a type its rule does not cover, which
            // counts nothing and reports nothing: skipped here without building the arguments and the thrown error.
            const rule = (p as { rule?: Rule }).rule;
            const uncovered = rule?.kind === "resource" ? (type: string) => !covers(rule, type) : () => false;
            for (const r of plan.resources) {
                if (fast && fast !== r.type) continue;
                if (uncovered(r.type)) continue;
                const props = view(r);
                const args: ResourceValidationArgs = {
                    type: r.type,
                    props,
                    urn: r.urn,
                    name: r.name,
                    opts: options(r),
                    provider: providerOf(plan, r, view),
                    stackTags: new Map(),
                    isType: (cls) => isTypeOf(r.type, cls),
                    asType: ((cls: any) => (isTypeOf(r.type, cls) ? props : undefined)) as ResourceValidationArgs["asType"],
                    getConfig,
                    notApplicable,
                };
                for (const v of validations) {
                    try {
                        await v(args, (message) => record(message, r.urn));
                        checked++;
                    } catch (e) {
                        if (isUnknownValueError(e)) record(cutShort(p.name, e as Error), r.urn, "advisory");
                        else if (!(e instanceof NotApplicable)) record(failed(p.name, e), r.urn, "mandatory");
                    }
                }
            }
            if (checked === 0) reasons.add("no resource of the types it checks");
        }
        const status = violations.length ? "violations" : checked === 0 && reasons.size ? "not-applicable" : "pass";
        outcomes.push({ name: p.name, description: p.description, kind, level, status, violations, checked, ...(reasons.size ? { notApplicable: [...reasons].join("; ") } : {}) });
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

/**
 * A policy that throws checked nothing: a mandatory finding of this stack naming the policy and
 * the error (the engine fails the preview too), so the other policies and stacks are still reported.
 */
function failed(name: string, e: unknown): string {
    const err = e instanceof Error ? e : new Error(String(e));
    const at = err.stack?.split("\n").find((l) => /^\s+at /.test(l))?.trim();
    return `policy ${name} failed and checked nothing: ${err.message}${at ? ` (${at})` : ""}; fix the policy (or the input it cannot read): until then this stack is not known to follow the runbook`;
}

/** The stack-policy view of a plan: parent and dependencies as resource objects, as the engine builds them. */
export function toPolicyResources(plan: StackPlan, view: (r: WiredResource) => Record<string, any> = viewer(plan)): PolicyResource[] {
    const out = plan.resources.map((r) => {
        const props = view(r);
        const resource: PolicyResource = {
            type: r.type,
            props,
            urn: r.urn,
            name: r.name,
            opts: options(r),
            provider: providerOf(plan, r, view),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => isTypeOf(r.type, cls),
            asType: ((cls: any) => (isTypeOf(r.type, cls) ? props : undefined)) as PolicyResource["asType"],
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
