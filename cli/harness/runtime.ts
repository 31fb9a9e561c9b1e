import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import type { BuildOptions } from "../../stacks/program";
import { PROJECT, parseStackName, resolveStack } from "../../stacks/settings";
import { mockCall, mockState, mocksAltered } from "./mocks";
import { readCachedPlan, writeCachedPlan } from "./plan-cache";
import { readStackConfig, SECRET_PLACEHOLDER } from "./stack-files";
import { assertUniqueUrns } from "./urn";

/**
 * Runs the real program (the one `pulumi up` runs) under the Pulumi SDK's mock runtime and
 * captures every resource it registers, with parent and options. Tests, the offline policy
 * check, `npm run plan` and the benchmark all stand on this.
 */

// The SDK's wire signatures (sdk/nodejs/runtime/rpc.ts): secrets, unknowns and resource references.
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface ResourceOptionsCaptured {
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    readonly deleteBeforeReplace: boolean;
    readonly ignoreChanges: string[];
    readonly replaceOnChanges: string[];
    readonly additionalSecretOutputs: string[];
    readonly aliases: string[];
    readonly dependsOn: string[];
    readonly provider?: string;
}

export interface PlannedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** URN of the parent resource; undefined at the top level. */
    readonly parent?: string;
    readonly custom: boolean;
    /** Inputs as the policy analyzer sees them: secrets unwrapped. Never print these. */
    readonly props: Record<string, unknown>;
    /** Inputs safe to show: secrets as `[secret]`, unknowns as `[unknown]`. */
    readonly inputs: Record<string, unknown>;
    /** Dotted paths of inputs that are secrets. */
    readonly secretPaths: string[];
    /** Dotted paths of inputs unknown at registration (a preview's computed outputs); empty under the mocks. */
    readonly unknownPaths?: string[];
    /** Each alias in full (a spec's name, type, parent…), which `options.aliases` reduces to its URN. */
    readonly aliasSpecs?: unknown[];
    /** Per top-level input, the resources its value came from (the request's property dependencies). */
    readonly propertyDependencies?: Record<string, string[]>;
    readonly options: ResourceOptionsCaptured;
}

export interface StackPlan {
    readonly stack: string;
    readonly app: string;
    readonly env: string;
    readonly target: string;
    readonly resources: PlannedResource[];
    /** Operator secrets the stack file lacks, assumed set (as `[secret]`) for this offline run. */
    readonly assumedSecrets: string[];
}

interface Pending {
    capture: PlannedResource[];
}
let current: Pending | undefined;
let patched = false;

function isSecret(v: unknown): v is { value: unknown } {
    return !!v && typeof v === "object" && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Walks a serialized property struct into the two views: unwrapped and display-safe. */
function planViews(value: unknown, path: string, secretPaths: string[], unknownPaths: string[]): { raw: unknown; shown: unknown } {
    if (isSecret(value)) {
        secretPaths.push(path);
        const inner = planViews(value.value, path, [], unknownPaths);
        return { raw: inner.raw, shown: SECRET_PLACEHOLDER };
    }
    if (value === UNKNOWN) {
        unknownPaths.push(path);
        return { raw: undefined, shown: "[unknown]" };
    }
    if (Array.isArray(value)) {
        const parts = value.map((v, i) => planViews(v, `${path}[${i}]`, secretPaths, unknownPaths));
        return { raw: parts.map((p) => p.raw), shown: parts.map((p) => p.shown) };
    }
    if (value && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SIG_KEY] === RESOURCE_SIG) return { raw: obj.urn, shown: obj.urn };
        // An output value (sent only where the monitor supports them): its value, secret or unknown as flagged.
        if (obj[SIG_KEY] === OUTPUT_VALUE_SIG) {
            if (!("value" in obj)) return planViews(UNKNOWN, path, secretPaths, unknownPaths);
            return planViews(obj.secret === true ? { [SIG_KEY]: SECRET_SIG, value: obj.value } : obj.value, path, secretPaths, unknownPaths);
        }
        const raw: Record<string, unknown> = {};
        const shown: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(obj)) {
            const part = planViews(v, path ? `${path}.${k}` : k, secretPaths, unknownPaths);
            raw[k] = part.raw;
            shown[k] = part.shown;
        }
        return { raw, shown };
    }
    return { raw: value, shown: value };
}

function propertyDependencies(req: any): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    req.getPropertydependenciesMap?.()?.forEach((deps: any, key: string) => (out[key] = deps.getUrnsList()));
    return out;
}

/**
 * What a `RegisterResourceRequest` (the SDK's generated message, the same under the mock monitor
 * and over gRPC) asks for: the one reading of a registration the offline plan and the stand-in
 * engine share, so the two can be compared field by field.
 */
export function capturedFromRequest(req: any, urn: string): PlannedResource {
    const secretPaths: string[] = [];
    const unknownPaths: string[] = [];
    const { raw, shown } = planViews(req.getObject()?.toJavaScript() ?? {}, "", secretPaths, unknownPaths);
    return {
        urn,
        type: req.getType(),
        name: req.getName(),
        parent: req.getParent() || undefined,
        custom: req.getCustom(),
        props: raw as Record<string, unknown>,
        inputs: shown as Record<string, unknown>,
        secretPaths,
        unknownPaths,
        aliasSpecs: (req.getAliasesList?.() ?? []).map((a: any) => (typeof a === "string" ? a : (a.toObject?.() ?? a))),
        propertyDependencies: propertyDependencies(req),
        options: {
            protect: !!req.getProtect(),
            retainOnDelete: !!req.getRetainondelete(),
            deleteBeforeReplace: !!req.getDeletebeforereplace(),
            ignoreChanges: req.getIgnorechangesList() ?? [],
            replaceOnChanges: req.getReplaceonchangesList() ?? [],
            additionalSecretOutputs: req.getAdditionalsecretoutputsList() ?? [],
            aliases: (req.getAliasesList?.() ?? []).map((a: any) => (typeof a === "string" ? a : (a.getUrn?.() || JSON.stringify(a.toObject?.() ?? a)))),
            dependsOn: req.getDependenciesList() ?? [],
            provider: req.getProvider() || undefined,
        },
    };
}

/** Wraps the mock monitor once per process so each registration's request (parent, options) is kept. */
function patchMonitor(): void {
    if (patched) return;
    patched = true;
    const original = MockMonitor.prototype.registerResource;
    MockMonitor.prototype.registerResource = async function (this: MockMonitor, req: any, callback: (err: any, res: any) => void) {
        const sink = current;
        return original.call(this, req, (err: any, res: any) => {
            if (!err && sink) sink.capture.push(capturedFromRequest(req, res.getUrn()));
            callback(err, res);
        });
    };
}

/** Fails loudly if the SDK's request shape changed under the capture (pinned SDK, internal API). */
export function assertCaptureShape(r: PlannedResource): void {
    if (typeof r.urn !== "string" || !r.urn.startsWith("urn:pulumi:")) throw new Error(`mock capture broke: urn ${String(r.urn)}`);
    if (typeof r.options.protect !== "boolean") throw new Error("mock capture broke: protect");
}

/**
 * The SDK records a formatted stack trace for every promise it tracks (runtime/debuggable.js, for
 * its leak report) and tsx maps each frame through source maps: together that was two thirds of
 * `plan --all`. While the mock engine runs, traces are off and source maps are not applied; the
 * SDK's own source positions (Resource.callsites) are unaffected. `RUNBOOK_PLAN_TRACES=1` keeps
 * full traces, for debugging a program that throws. Restored when the stack's plan ends.
 */
function quietTraces(): () => void {
    if (process.env.RUNBOOK_PLAN_TRACES === "1") return () => undefined;
    const limit = Error.stackTraceLimit;
    const sourceMaps = process.sourceMapsEnabled;
    Error.stackTraceLimit = 0;
    process.setSourceMapsEnabled(false);
    return () => {
        Error.stackTraceLimit = limit;
        process.setSourceMapsEnabled(sourceMaps);
    };
}

/** The SDK modules whose per-resource bookkeeping the offline plan does without (see leanRuntime). */
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T>; debugPromiseLeaks: boolean };
const resourceClass = pulumi.Resource as unknown as { callsites(): unknown[] };
/** The protobuf Struct class the SDK and its mock monitor build every request and response with (one copy in node_modules). */
const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as typeof import("google-protobuf/google/protobuf/struct_pb");

type Resolver = (v: unknown, isKnown: boolean, isSecret: boolean, deps?: unknown[], err?: Error) => void;
const rpc = require("@pulumi/pulumi/runtime/rpc") as { transferProperties(onto: Record<string, unknown>, label: string, props: Record<string, unknown>): Record<string, Resolver> };
const sdkErrors = require("@pulumi/pulumi/errors") as { isGrpcError(e: unknown): boolean };
const OutputClass = pulumi.Output as unknown as new (resources: unknown, promise: Promise<unknown>, isKnown: Promise<unknown>, isSecret: Promise<unknown>, allResources: Promise<unknown>) => unknown;

/**
 * The SDK's `transferProperties` (runtime/rpc.js, @pulumi/pulumi 3.248) step for step: an Output per
 * property whose four promises the registration's response resolves, each through
 * `debuggablePromise`, in the same order. Left out: the four labels per property (the property's
 * value printed with `${value}`, an error object for each Output inside it) that only
 * `debuggablePromise`'s bookkeeping reads, and that is off here.
 */
function transferPropertiesLean(onto: Record<string, unknown>, label: string, props: Record<string, unknown>): Record<string, Resolver> {
    const resolvers: Record<string, Resolver> = {};
    const track = debuggable.debuggablePromise;
    for (const k of Object.keys(props)) {
        if (k === "id" || k === "urn") continue;
        if (Object.prototype.hasOwnProperty.call(onto, k)) throw new Error(`Property '${k}' is already initialized on target '${label}`);
        let resolveValue!: (v: unknown) => void, rejectValue!: (e: unknown) => void;
        let resolveIsKnown!: (v: unknown) => void, rejectIsKnown!: (e: unknown) => void;
        let resolveIsSecret!: (v: unknown) => void, rejectIsSecret!: (e: unknown) => void;
        let resolveDeps!: (v: unknown) => void, rejectDeps!: (e: unknown) => void;
        resolvers[k] = (v, isKnown, isSecret, deps = [], err) => {
            if (err) {
                // The SDK drops a gRPC error here (the engine reports it), saying so only when debugging leaks.
                if (sdkErrors.isGrpcError(err)) {
                    if (debuggable.debugPromiseLeaks) console.error("info: skipped rejection in transferProperties");
                    return;
                }
                rejectValue(err);
                rejectIsKnown(err);
                rejectIsSecret(err);
                rejectDeps(err);
            } else {
                resolveValue(v);
                resolveIsKnown(isKnown);
                resolveIsSecret(isSecret);
                resolveDeps(deps);
            }
        };
        onto[k] = new OutputClass(
            onto,
            track(new Promise((resolve, reject) => ((resolveValue = resolve), (rejectValue = reject))), ""),
            track(new Promise((resolve, reject) => ((resolveIsKnown = resolve), (rejectIsKnown = reject))), ""),
            track(new Promise((resolve, reject) => ((resolveIsSecret = resolve), (rejectIsSecret = reject))), ""),
            track(new Promise((resolve, reject) => ((resolveDeps = resolve), (rejectDeps = reject))), ""),
        );
    }
    return resolvers;
}

/** The reactions `debuggablePromise` chains, as shared functions (no closure allocated per promise). */
const passValue = <T>(v: T): T => v;
const rethrow = (e: unknown): never => {
    throw e;
};

/**
 * What `Value.toJavaScript(Value.fromJavaScript(v))` gives, in one pass of plain objects: a copy
 * with each object's keys in the order a protobuf Struct's map yields them (sorted, as `forEach`
 * sorts them), and the same refusal of what a Struct cannot hold (undefined, functions, symbols).
 */
export function structCopy(value: unknown): unknown {
    if (value === null) return null;
    switch (typeof value) {
        case "string":
        case "number":
        case "boolean":
            return value;
        case "object": {
            if (Array.isArray(value)) return value.map(structCopy);
            const keys: string[] = [];
            for (const k in value) keys.push(k);
            keys.sort();
            const out: Record<string, unknown> = {};
            for (const k of keys) out[k] = structCopy((value as Record<string, unknown>)[k]);
            return out;
        }
        default:
            throw new Error("Unexpected struct type.");
    }
}

/** A plain copy of a structCopy result (its keys already in order). */
function plainCopy(value: unknown): unknown {
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map(plainCopy);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) out[k] = plainCopy((value as Record<string, unknown>)[k]);
    return out;
}

/**
 * Two pieces of the SDK's per-resource bookkeeping that no offline plan reads, switched off while
 * the mock engine runs (measured on the 200-service synthetic stack, `npm run bench -- --scale`):
 * - `debuggablePromise` (runtime/debuggable.js) wraps each of the ~20 promises behind every
 *   output property of every resource in two more promises, three defined properties and an entry
 *   in a process-wide leak set, for a message printed when a real deployment exits with promises
 *   still pending. All of them are alive at once (the program registers everything before any
 *   registration resolves): 20 % of the plan's CPU and a quarter of its peak heap.
 * - `Resource.callsites` captures and parses an unbounded stack trace per resource for the
 *   request's source position, which the capture (capturedFromRequest) never reads.
 * - `transferProperties` (see transferPropertiesLean) prints every input's value into four labels
 *   per output property for that same bookkeeping: 4 % of the plan's allocations.
 * - `Struct.fromJavaScript`: every request, mock response and invoke crosses the in-process mock
 *   monitor as a protobuf Struct (a Value object per property, a map per object) that the other
 *   side turns straight back into JSON with `toJavaScript`: 10 % of the 200-service plan's
 *   allocations. Here a Struct built from JSON keeps that JSON (copied at once, keys in the map's
 *   order, refusing what a Struct refuses) and `toJavaScript` returns a fresh copy of it, so every
 *   reader sees what the round trip gave; `getFieldsMap` (binary serialization, `toObject`, a
 *   reader of single fields) still builds the real map on first use. Each call stays synchronous,
 *   so no promise chain gains or loses a step and registrations keep their order.
 * All are restored when the stack's plan ends; `RUNBOOK_PLAN_TRACES=1` keeps them, with the traces.
 */
function leanRuntime(): () => void {
    if (process.env.RUNBOOK_PLAN_TRACES === "1") return () => undefined;
    const wrap = debuggable.debuggablePromise;
    const callsites = resourceClass.callsites;
    const fromJavaScript = Struct.fromJavaScript;
    const transfer = rpc.transferProperties;
    // The same two reactions the SDK chains (so registrations keep their order), without the bookkeeping.
    debuggable.debuggablePromise = (p) => p.then(passValue).catch(rethrow);
    resourceClass.callsites = () => [];
    rpc.transferProperties = transferPropertiesLean;
    Struct.fromJavaScript = (obj) => {
        const json = structCopy(obj) as Record<string, unknown>;
        const struct = new Struct();
        let real: InstanceType<typeof Struct> | undefined;
        struct.toJavaScript = () => plainCopy(json) as ReturnType<typeof struct.toJavaScript>;
        // The generated accessor takes an optional `noLazyCreate` its typings omit: passed through.
        const fieldsMap = (noLazyCreate?: boolean) => ((real ??= fromJavaScript(json as Parameters<typeof fromJavaScript>[0])) as unknown as { getFieldsMap(n?: boolean): unknown }).getFieldsMap(noLazyCreate);
        struct.getFieldsMap = fieldsMap as typeof struct.getFieldsMap;
        return struct;
    };
    return () => {
        debuggable.debuggablePromise = wrap;
        resourceClass.callsites = callsites;
        Struct.fromJavaScript = fromJavaScript;
        rpc.transferProperties = transfer;
    };
}

let program: { buildPlatform: (o?: BuildOptions) => unknown } | undefined;

export interface PlanOptions extends BuildOptions {
    /** Stack file text to use instead of `stacks/Pulumi.<stack>.yaml` (tests that break one value). */
    readonly stackFileText?: string;
}

const waitForRPCs = () => (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();

/**
 * Runs `body` under a fresh mock engine for `stack` and returns every registration it made.
 * Stacks run one after another in a process: the SDK's runtime is process-global. Two
 * registrations the engine would give one URN are refused here as the engine refuses them.
 */
export async function captureRegistrations(
    stack: string,
    config: { config: Record<string, string>; secretKeys: string[]; region?: string },
    body: () => void,
): Promise<PlannedResource[]> {
    patchMonitor();
    const region = config.region ?? "us-east-1";
    const pending: Pending = { capture: [] };
    current = pending;
    const failures: unknown[] = [];
    const onRejection = (e: unknown) => failures.push(e);
    process.on("unhandledRejection", onRejection);
    const restoreTraces = quietTraces();
    const restoreRuntime = leanRuntime();
    try {
        await pulumi.runtime.setMocks({ newResource: (args) => mockState(args, region), call: mockCall(region) }, PROJECT, stack, false);
        pulumi.runtime.setAllConfig(config.config, config.secretKeys);
        try {
            body();
        } finally {
            // Even when the program throws part-way, wait for what it already started: a
            // registration left in flight would otherwise land in the next stack's plan.
            await waitForRPCs().catch((e: unknown) => failures.push(e));
        }
        if (failures.length) throw failures[0];
    } finally {
        process.off("unhandledRejection", onRejection);
        restoreTraces();
        restoreRuntime();
        current = undefined;
    }
    pending.capture.forEach(assertCaptureShape);
    assertUniqueUrns(stack, PROJECT, pending.capture);
    return pending.capture;
}

/**
 * Plans one stack offline: the program `pulumi up` runs, under the mock engine. Invalid config
 * throws the program's ConfigError before the engine starts, so nothing is registered.
 */
/** The SDK's mock runtime is process-global: plans run one at a time, whoever asks concurrently. */
let planning: Promise<unknown> = Promise.resolve();

export function planStack(stack: string, options: PlanOptions = {}): Promise<StackPlan> {
    const next = planning.then(() => planOne(stack, options));
    planning = next.catch(() => undefined);
    return next;
}

async function planOne(stack: string, options: PlanOptions): Promise<StackPlan> {
    const cacheable = options.stackFileText === undefined && options.mutate === undefined && !mocksAltered();
    const cached = cacheable ? readCachedPlan<StackPlan>(stack) : undefined;
    if (cached) return cached;
    const plan = await planFresh(stack, options);
    if (cacheable) writeCachedPlan(stack, plan);
    return plan;
}

async function planFresh(stack: string, options: PlanOptions): Promise<StackPlan> {
    const { app, env } = parseStackName(stack);
    const { config, secretKeys, assumedSecrets } = readStackConfig(stack, options.stackFileText);
    const context = resolveStack(stack, config);
    program ??= require("../../stacks/program") as typeof import("../../stacks/program");
    const build = program.buildPlatform;
    const resources = await captureRegistrations(stack, { config, secretKeys, region: config["aws:region"] }, () => build({ mutate: options.mutate }));
    return { stack, app, env, target: context.target, resources, assumedSecrets };
}
