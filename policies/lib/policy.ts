import type * as pulumi from "@pulumi/pulumi";
import type {
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { APP_IDS, getRunbook, type AppId, type Env, type Runbook, type Source } from "../../runbooks";
import { contextFor, exceptionFor, type StackContext } from "./context";
import { plainInputs } from "./inputs";
import { assumedRoleAccount as assumedAccount } from "../../capabilities/aws/names";

/**
 * How a runbook check becomes a CrossGuard policy. A check is a pure function from what the
 * analyzer shows (type, inputs, options) and the stack's baseline runbook to findings; each
 * finding names the resource, the value, the runbook's number and where the runbook says it,
 * and carries the runbook key a stack may declare an exception for.
 */

export type Target = "docker" | "kubernetes" | "aws" | "any";

/**
 * Why a policy is enforced, which sets its level per environment (see ENFORCEMENT):
 * - `runbook`: a number the runbook states (alert levels, backup schedules, retention, scaling, limits);
 * - `hardening`: production safety the platform adds (protect, deletion protection, Multi-AZ, minimum capacity);
 * - `security`: never acceptable anywhere (literal secrets, public data services, unpinned images, no encryption);
 * - `should`: the runbook says "should", or a practice worth a note rather than a block.
 */
export type Tier = "runbook" | "hardening" | "security" | "should";

type Level = Exclude<EnforcementLevel, "remediate">;

/** The level each tier is enforced at, per environment. A laptop stack is never blocked on runbook numbers. */
export const ENFORCEMENT: Readonly<Record<Tier, Readonly<Record<Env, Level>>>> = {
    runbook: { production: "mandatory", staging: "mandatory", local: "advisory" },
    hardening: { production: "mandatory", staging: "advisory", local: "advisory" },
    security: { production: "mandatory", staging: "mandatory", local: "mandatory" },
    should: { production: "advisory", staging: "advisory", local: "advisory" },
};

export interface Finding {
    readonly message: string;
    /** The resource at fault, for stack-level findings. */
    readonly urn?: string;
    /** Runbook key (`backups.postgres.retentionDays`, `alerts.<id>.<severity>.for`, `protect`) a stack may declare an exception for. */
    readonly key?: string;
}

/** A resource as a check sees it: the analyzer's view, in resource and stack policies alike. */
export interface Subject {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /**
     * Inputs as plain data (`plainInputs`): values unknown during a preview are `UNKNOWN`, assets
     * and archives their wire objects. Secrets arrive unwrapped, as the engine shows them: nothing
     * here says which values were secret.
     */
    readonly props: Record<string, any>;
    readonly opts: { readonly protect: boolean; readonly parent?: string };
    /** URNs this resource depends on (stack policies only). */
    readonly dependencies?: readonly string[];
    /** The region its provider names (an AWS provider's `region`), where the engine shows the provider. */
    readonly region?: string;
    /** The account its provider assumes a role in (an AWS provider's `assumeRoles[0].roleArn`); absent for the stack's own account. */
    readonly account?: string;
}

export interface CheckContext extends StackContext {
    /** The policy's config: schema defaults (the runbooks' numbers) with the pack config applied. */
    readonly config: Record<string, any>;
}

interface Base {
    readonly name: string;
    readonly description: string;
    readonly tier: Tier;
    readonly target: Target;
    readonly configSchema?: PolicyConfigSchema;
    readonly remediationSteps?: string;
}

export interface ResourceRule extends Base {
    readonly kind: "resource";
    /** Provider type tokens the rule checks (`"*"`: every resource); every other resource is not applicable. */
    readonly types: readonly string[];
    check(subject: Subject, ctx: CheckContext): Finding[];
}

export interface StackRule extends Base {
    readonly kind: "stack";
    /** Why the rule has nothing to check in this stack (e.g. the target registers nothing yet), or undefined. */
    notApplicable?(resources: readonly Subject[], ctx: CheckContext): string | undefined;
    check(resources: readonly Subject[], ctx: CheckContext): Finding[];
}

export type Rule = ResourceRule | StackRule;

/** The pack's policies carry their rule, so the exceptions policy and the docs can reach it. */
export type RunbookResourcePolicy = ResourceValidationPolicy & { readonly rule: ResourceRule };
export type RunbookStackPolicy = StackValidationPolicy & { readonly rule?: Rule };
export type RunbookPolicy = RunbookResourcePolicy | RunbookStackPolicy;

/** Whether a resource rule looks at resources of this type. */
export function covers(rule: ResourceRule, type: string): boolean {
    return rule.types.includes("*") ? !type.startsWith("pulumi:") : rule.types.includes(type);
}

export function resourceRule(rule: Omit<ResourceRule, "kind">): ResourceRule {
    return { kind: "resource", ...rule };
}

export function stackRule(rule: Omit<StackRule, "kind">): StackRule {
    return { kind: "stack", ...rule };
}

/** Config defaults as the engine fills them in from the schema. */
export function schemaDefaults(schema: PolicyConfigSchema | undefined): Record<string, any> {
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(schema?.properties ?? {})) {
        if (typeof v === "object" && v.default !== undefined) out[k] = v.default;
    }
    return out;
}

/** A config property whose default is one value per app, read from the baseline runbooks. */
export function perApp<T>(description: string, pick: (rb: Runbook) => T, value: PolicyConfigJSONSchema): PolicyConfigJSONSchema {
    return {
        type: "object",
        description: `${description} Keyed by app id; the defaults are the runbooks' own numbers.`,
        additionalProperties: value,
        default: Object.fromEntries(APP_IDS.map((app) => [app, pick(getRunbook(app)) as unknown])) as object,
    };
}

/** The app's entry of a per-app config property, falling back to the runbook when the config has none. */
export function appValue<T>(ctx: CheckContext, property: string, pick: (rb: Runbook) => T): T {
    const map = ctx.config[property] as Partial<Record<AppId, T>> | undefined;
    const v = map?.[ctx.app];
    return v === undefined ? pick(ctx.runbook) : v;
}

/** `(runbook 004_afec73c802af7300.txt, "Backup Schedule")`: where a number comes from. */
export function cite(source: Source | undefined): string {
    return source ? `(runbook ${source.seed}, section "${source.section}")` : "(platform default)";
}

/** A runbook object that may carry numbers the runbook does not state (`defaulted`: field → why the platform chose it). */
export interface Provenanced {
    readonly source?: Source;
    readonly defaulted?: Readonly<Record<string, string>>;
}

/**
 * Who a number comes from, for messages: `the runbook` with its section, or — when any of the
 * fields is defaulted (`"*"`: every field) — `the platform default`, with the default's reason, so
 * no message passes a default off as the runbook's.
 */
export function provenance(owner: Provenanced | undefined, ...fields: string[]): { who: string; cite: string; defaulted: boolean } {
    const reasons = [...new Set(fields.map((f) => owner?.defaulted?.[f] ?? owner?.defaulted?.["*"]).filter((r): r is string => !!r))];
    if (reasons.length === 0) return { who: "the runbook", cite: cite(owner?.source), defaulted: false };
    return { who: "the platform default", cite: `(a platform default, not the runbook's: ${reasons.join("; ")})`, defaulted: true };
}

/** Appended to every message that is about a runbook number, so a reader (and the exceptions list) can find it. */
export function keyTag(key: string | undefined): string {
    return key ? ` [runbook key: ${key}]` : "";
}

/** A resource's short label in messages: `aws:rds/instance:Instance "pfh-postgres"`. */
export function label(s: Pick<Subject, "type" | "name">): string {
    return `${s.type} "${s.name}"`;
}

export function finding(message: string, opts: { urn?: string; key?: string } = {}): Finding {
    return { message: `${message}${keyTag(opts.key)}`, urn: opts.urn, key: opts.key };
}

/** Reads the key back out of a message (the engine keeps only the message). */
export function keyOf(message: string): string | undefined {
    return /\[runbook key: ([^\]]+)\]$/.exec(message)?.[1];
}

interface Analyzed {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly props: Record<string, any>;
    readonly opts: { protect: boolean; parent?: string };
    readonly dependencies?: readonly ({ urn: string } | string)[];
    readonly provider?: { readonly props?: Record<string, any> };
}

/** A resource as the checks see it: the analyzer's view with its inputs made plain once (`plainInputs`). */
export async function subjectOf(r: Analyzed): Promise<Subject> {
    const dependencies = r.dependencies?.map((d) => (typeof d === "string" ? d : d.urn));
    const opts = { protect: r.opts.protect, ...(r.opts.parent ? { parent: r.opts.parent } : {}) };
    const region = r.provider?.props?.region;
    const account = assumedAccount(r.provider?.props?.assumeRoles);
    return { type: r.type, name: r.name, urn: r.urn, props: (await plainInputs(r.props)) ?? {}, opts, dependencies, ...(typeof region === "string" ? { region } : {}), ...(account ? { account } : {}) };
}


const subjectLists = new WeakMap<readonly Analyzed[], Promise<readonly Subject[]>>();

/**
 * The stack's resources as subjects, made once per resource list the engine (or the offline
 * check) hands the stack policies, so every stack policy shares one list and its index (`indexOf`).
 */
export function subjectsOf(resources: readonly Analyzed[]): Promise<readonly Subject[]> {
    let list = subjectLists.get(resources);
    if (!list) {
        list = Promise.all(resources.map(subjectOf));
        subjectLists.set(resources, list);
    }
    return list;
}

function checkContext(ctx: StackContext, rule: Rule, given: Record<string, any>): CheckContext {
    return { ...ctx, config: { ...schemaDefaults(rule.configSchema), ...given } };
}

/** Every finding of a rule over a stack's resources, excepted or not. */
export function evaluate(rule: Rule, resources: readonly Subject[], ctx: CheckContext): Finding[] {
    if (rule.kind === "resource") return resources.filter((r) => covers(rule, r.type)).flatMap((r) => rule.check(r, ctx).map((f) => ({ ...f, urn: f.urn ?? r.urn })));
    if (rule.notApplicable?.(resources, ctx)) return [];
    return rule.check(resources, ctx);
}

/** The CrossGuard policy for a rule. Its level is the production one; the pack lowers it per environment. */
export function toPolicy(rule: Rule): RunbookPolicy {
    const base = {
        name: rule.name,
        description: rule.description,
        enforcementLevel: ENFORCEMENT[rule.tier].production,
        configSchema: rule.configSchema,
        remediationSteps: rule.remediationSteps,
        tags: [rule.target, rule.tier],
    };
    if (rule.kind === "resource") {
        const validateResource = async (args: ResourceValidationArgs, report: ReportViolation) => {
            if (!covers(rule, args.type)) args.notApplicable(`applies to ${rule.types.join(", ")}`);
            const ctx = contextFor(args.urn);
            if (!ctx) args.notApplicable("not a runbook-platform stack (<app>-<env>)");
            const cctx = checkContext(ctx, rule, args.getConfig<Record<string, any>>());
            for (const f of rule.check(await subjectOf(args), cctx)) {
                if (!exceptionFor(ctx, f.key)) report(f.message);
            }
        };
        // The engine's fast path skips other types without calling in (policy.getPulumiType).
        if (rule.types.length === 1 && rule.types[0] !== "*") (validateResource as { __pulumiType?: string }).__pulumiType = rule.types[0];
        return { ...base, rule, validateResource };
    }
    return {
        ...base,
        rule,
        validateStack: async (args: StackValidationArgs, report: ReportViolation) => {
            const ctx = contextFor(args.resources[0]?.urn);
            if (!ctx) args.notApplicable("not a runbook-platform stack (<app>-<env>)");
            const resources = await subjectsOf(args.resources);
            const cctx = checkContext(ctx, rule, args.getConfig<Record<string, any>>());
            const reason = rule.notApplicable?.(resources, cctx);
            if (reason) args.notApplicable(reason);
            for (const f of rule.check(resources, cctx)) {
                if (!exceptionFor(ctx, f.key)) report(f.message, f.urn);
            }
        },
    };
}

/**
 * Reports, as advisory, every finding a stack declared an exception for, with the stack's reason,
 * so a loosening the team accepted stays visible in every preview instead of blocking it.
 */
export function exceptionsPolicy(rules: readonly Rule[]): RunbookStackPolicy {
    return {
        name: "runbook-declared-exceptions",
        description: "Reports each runbook number a stack loosens under a declared exception, with the stack's reason.",
        enforcementLevel: "advisory",
        tags: ["any", "should"],
        validateStack: async (args: StackValidationArgs, report: ReportViolation) => {
            const ctx = contextFor(args.resources[0]?.urn);
            if (!ctx) args.notApplicable("not a runbook-platform stack (<app>-<env>)");
            if (ctx.exceptions.length === 0) args.notApplicable(`stack ${ctx.stack} declares no exceptions`);
            const resources = await subjectsOf(args.resources);
            for (const rule of rules) {
                for (const f of evaluate(rule, resources, checkContext(ctx, rule, {}))) {
                    const ex = exceptionFor(ctx, f.key);
                    if (ex) report(`${rule.name}: ${f.message} — allowed by the exception declared in stacks/Pulumi.${ctx.stack}.yaml: ${ex.reason}`, f.urn);
                }
            }
        },
    };
}

/** Typed view of a subject's inputs when it is an instance of a provider class (as `args.asType` gives). */
export function inputsOf<TArgs>(s: Subject, cls: { new (name: string, args: TArgs, ...rest: any[]): pulumi.Resource }): pulumi.Unwrap<NonNullable<TArgs>> | undefined {
    return (cls as unknown as { __pulumiType?: string }).__pulumiType === s.type ? (s.props as pulumi.Unwrap<NonNullable<TArgs>>) : undefined;
}
