import type { EngineEvent, OpMap, OpType, StepEventMetadata, StepEventStateMetadata } from "@pulumi/pulumi/automation";

/**
 * Turns the engine events of the two read-only checks into a drift report. Pure: the events,
 * the commands' failures (if any) and the time come in as arguments, so the same streams always
 * give the same report.
 *
 * - `pulumi refresh --preview-only`: `old` is the state Pulumi recorded at the last deployment and
 *   `new` is what the provider read from the cloud, so every change reads "state → live": someone
 *   changed the platform outside the code.
 * - `pulumi preview`: `old` is the recorded state and `new` is what the program declares now, so
 *   every change reads "state → code": code that is not deployed (what `pulumi up` would do).
 */

/** How a resource differs from its recorded state, folded from the engine's step operations. */
export type DriftOperation = "update" | "replace" | "create" | "delete";

/** A value as it appears in a report: JSON, with secrets and unknowns replaced by markers. */
export type ReportValue = null | boolean | number | string | ReportValue[] | { [key: string]: ReportValue };

export interface PropertyChange {
    /** Property path in Pulumi's syntax: `versioningConfiguration.status`, `tags["a.b"]`, `rules[0]`. */
    readonly path: string;
    /** The engine's diff kind (`update`, `add`, `delete`, `update-replace`, ...), or `update` when inferred. */
    readonly kind: string;
    /** The value in the recorded state; absent when the property was not set. */
    readonly old?: ReportValue;
    /** The value read from the cloud; absent when the property is no longer set. */
    readonly new?: ReportValue;
}

export interface DriftedResource {
    readonly urn: string;
    readonly type: string;
    /** The resource's name, the last part of its URN. */
    readonly name: string;
    readonly operation: DriftOperation;
    readonly properties: PropertyChange[];
}

export type StackStatus = "clean" | "drift" | "error";

export interface StackDriftReport {
    readonly stack: string;
    readonly status: StackStatus;
    /** ISO 8601 time of the check. */
    readonly checkedAt: string;
    /** Live resources that differ from the recorded state (the refresh): changed outside the code. */
    readonly resources: DriftedResource[];
    /** The code against the recorded state (the preview): changes `pulumi up` would make. */
    readonly undeployed: DriftedResource[];
    /** Error diagnostics, failed resource operations and the command's own failure, in order. */
    readonly errors: string[];
    /** Things the report could not account for, e.g. changes counted without resource events. */
    readonly warnings: string[];
    /** The engine's count of resources per operation, from the refresh's summary event. */
    readonly changeSummary: OpMap;
    /** The same count from the preview's summary event; empty when the preview did not run. */
    readonly undeployedSummary: OpMap;
}

export const SECRET_MARKER = "[secret]";
export const UNKNOWN_MARKER = "[unknown]";

/** The signature key and value Pulumi puts on a secret in serialized state and events. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** What a preview shows for a value that is only known after an update. */
const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const OPERATION_OF: Partial<Record<OpType, DriftOperation>> = {
    update: "update",
    replace: "replace",
    "create-replacement": "replace",
    "delete-replaced": "replace",
    "read-replacement": "replace",
    "import-replacement": "replace",
    create: "create",
    import: "create",
    delete: "delete",
    discard: "delete",
};

/** When one resource shows several steps (a replacement is three), the strongest one names it. */
const STRENGTH: Record<DriftOperation, number> = { update: 0, create: 1, delete: 2, replace: 3 };

/** The drift operation an engine step operation stands for; undefined for `same`, `refresh`, `read` and the like. */
export function driftOperation(op: string | undefined): DriftOperation | undefined {
    return op === undefined ? undefined : OPERATION_OF[op as OpType];
}

function isSecret(v: unknown): boolean {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** A copy of a value fit to print: secrets become `[secret]` (even when the CLI was asked to show them), unknowns `[unknown]`. */
export function maskValue(v: unknown): ReportValue {
    if (isSecret(v)) return SECRET_MARKER;
    if (v === UNKNOWN_VALUE) return UNKNOWN_MARKER;
    if (v === null || typeof v === "boolean" || typeof v === "number" || typeof v === "string") return v;
    if (Array.isArray(v)) return v.map(maskValue);
    if (typeof v === "object") {
        const out: { [key: string]: ReportValue } = {};
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
            if (x !== undefined) out[k] = maskValue(x);
        }
        return out;
    }
    return String(v);
}

/**
 * Splits a Pulumi property path into keys and indices: `a.b[0]["c.d"]` → `["a", "b", 0, "c.d"]`.
 * Throws on a path it cannot read, so a report never silently looks up the wrong value.
 */
export function parsePropertyPath(path: string): (string | number)[] {
    const parts: (string | number)[] = [];
    let i = 0;
    while (i < path.length) {
        const c = path[i];
        if (c === ".") {
            i++;
            continue;
        }
        if (c === "[") {
            if (path[i + 1] === '"') {
                let j = i + 2;
                while (j < path.length && path[j] !== '"') j += path[j] === "\\" ? 2 : 1;
                if (path[j + 1] !== "]") throw new Error(`property path ${path}: unterminated ["..."] at ${i}`);
                parts.push(JSON.parse(path.slice(i + 1, j + 1)) as string);
                i = j + 2;
            } else {
                const close = path.indexOf("]", i);
                const inner = close < 0 ? "" : path.slice(i + 1, close);
                if (!/^(\d+|\*)$/.test(inner)) throw new Error(`property path ${path}: bad index at ${i}`);
                parts.push(inner === "*" ? inner : Number(inner));
                i = close + 1;
            }
            continue;
        }
        let j = i;
        while (j < path.length && path[j] !== "." && path[j] !== "[") j++;
        parts.push(path.slice(i, j));
        i = j;
    }
    return parts;
}

const MISSING = Symbol("missing");

/** The value at a path, `[secret]` as soon as the walk enters a secret, MISSING when absent. */
function lookup(root: unknown, parts: (string | number)[]): unknown {
    let v: unknown = root;
    for (const part of parts) {
        if (isSecret(v)) return SECRET_MARKER;
        if (v === null || typeof v !== "object") return MISSING;
        const next = (v as Record<string | number, unknown>)[part];
        if (next === undefined) return MISSING;
        v = next;
    }
    return v;
}

/** Reads a path from inputs or outputs; a diff of inputs is looked up in inputs first. */
function valueAt(state: StepEventStateMetadata | undefined, path: string, inputFirst: boolean): ReportValue | undefined {
    if (!state) return undefined;
    let parts: (string | number)[];
    try {
        parts = parsePropertyPath(path);
    } catch {
        return undefined;
    }
    const sources = inputFirst ? [state.inputs, state.outputs] : [state.outputs, state.inputs];
    for (const source of sources) {
        const v = lookup(source ?? {}, parts);
        if (v !== MISSING) return maskValue(v);
    }
    return undefined;
}

function sameValue(a: unknown, b: unknown): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Leaf paths where two property maps differ, for steps that carry no diff of their own (the
 * legacy refresh diff compares outputs only). Secrets compare by their masked form, so a
 * changed secret is only found when the engine names it.
 */
export function changedPaths(oldProps: Record<string, unknown>, newProps: Record<string, unknown>, limit = 50): string[] {
    const out: string[] = [];
    const visit = (a: unknown, b: unknown, path: string) => {
        if (out.length >= limit) return;
        const plain = (x: unknown) => typeof x === "object" && x !== null && !isSecret(x) && !Array.isArray(x);
        if (plain(a) && plain(b)) {
            const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
            for (const k of [...keys].sort()) {
                const child = /^[A-Za-z_$][\w$-]*$/.test(k) ? (path ? `${path}.${k}` : k) : `${path}[${JSON.stringify(k)}]`;
                visit((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], child);
            }
            return;
        }
        if (!sameValue(maskValue(a), maskValue(b))) out.push(path);
    };
    visit(oldProps, newProps, "");
    return out;
}

function propertyChanges(m: StepEventMetadata): PropertyChange[] {
    const change = (path: string, kind: string, inputFirst: boolean): PropertyChange => {
        const old = valueAt(m.old, path, inputFirst);
        const now = valueAt(m.new, path, inputFirst);
        return { path, kind, ...(old !== undefined ? { old } : {}), ...(now !== undefined ? { new: now } : {}) };
    };
    const detailed = Object.entries(m.detailedDiff ?? {});
    if (detailed.length > 0) {
        return detailed.map(([path, d]) => change(path, d.diffKind, d.inputDiff !== false)).sort((a, b) => a.path.localeCompare(b.path));
    }
    if (m.diffs && m.diffs.length > 0) {
        return [...m.diffs].sort().map((path) => change(path, "update", true));
    }
    if (m.old && m.new) {
        return changedPaths(m.old.outputs ?? {}, m.new.outputs ?? {}).map((path) => change(path, "update", false));
    }
    return [];
}

/** A later event's fields over an earlier one's, skipping the ones it leaves empty. */
function mergeMetadata(earlier: StepEventMetadata, later: StepEventMetadata): StepEventMetadata {
    const merged: Record<string, unknown> = { ...earlier };
    for (const [k, v] of Object.entries(later)) {
        if (v !== undefined && v !== null) merged[k] = v;
    }
    return merged as unknown as StepEventMetadata;
}

/** The name part of a URN (`urn:pulumi:stack::project::type::name`). */
export function urnName(urn: string): string {
    const at = urn.lastIndexOf("::");
    return at < 0 ? urn : urn.slice(at + 2);
}

/** Diagnostic text without colour codes and trailing blank space. */
function plainText(s: string): string {
    return s.replace(/\u001b\[[0-9;]*m/g, "").replace(/<\{%[^%]*%\}>/g, "").trimEnd();
}

/** A Pulumi command that did not succeed. */
export interface CommandFailure {
    /** What was running, e.g. `selecting stack gravitypm-production`. */
    readonly phase: string;
    /** The CLI's exit code, when it got as far as exiting. */
    readonly exitCode?: number;
    /** The CLI's `error:` lines without the prefix, or the last lines of its output. */
    readonly lines: readonly string[];
}

/** One command's event stream, and why it failed when it did. */
export interface CheckRun {
    readonly events: readonly EngineEvent[];
    readonly failure?: CommandFailure;
}

export interface CollectInput extends CheckRun {
    readonly stack: string;
    /** The preview's run; absent when it did not run (an earlier step failed). */
    readonly preview?: CheckRun;
    readonly checkedAt: Date;
}

interface Folded {
    readonly resources: DriftedResource[];
    readonly errors: string[];
    readonly changeSummary: OpMap;
    /** Resources the summary counted as changed, whether or not their events arrived. */
    readonly counted: number;
}

/** Folds one engine event stream into the resources it changes, its errors and its summary. */
function fold({ events, failure }: CheckRun): Folded {
    const byUrn = new Map<string, { operation: DriftOperation; metadata: StepEventMetadata }>();
    const errors: string[] = [];
    let changeSummary: OpMap = {};

    const sorted = [...events].sort((a, b) => a.sequence - b.sequence);
    for (const event of sorted) {
        const step = event.resOutputsEvent?.metadata ?? event.resourcePreEvent?.metadata;
        if (step) {
            const operation = driftOperation(step.op);
            if (operation) {
                const seen = byUrn.get(step.urn);
                // The outputs event comes after the pre event and carries what the provider read;
                // a stronger operation (a replacement's steps) names the resource.
                if (!seen || STRENGTH[operation] > STRENGTH[seen.operation]) {
                    byUrn.set(step.urn, { operation, metadata: step });
                } else if (STRENGTH[operation] === STRENGTH[seen.operation]) {
                    byUrn.set(step.urn, { operation, metadata: mergeMetadata(seen.metadata, step) });
                }
            }
        }
        const diag = event.diagnosticEvent;
        if (diag && diag.severity === "error") {
            errors.push(plainText(diag.message));
        }
        const failed = event.resOpFailedEvent;
        if (failed) {
            errors.push(`${failed.metadata.op} of ${failed.metadata.urn} failed`);
        }
        if (event.summaryEvent) {
            changeSummary = event.summaryEvent.resourceChanges ?? {};
        }
    }
    if (failure) {
        errors.push(failureText(failure, errors));
    }

    const resources: DriftedResource[] = [...byUrn.entries()]
        .map(([urn, { operation, metadata }]) => ({
            urn,
            type: metadata.type,
            name: urnName(urn),
            operation,
            properties: operation === "update" || operation === "replace" ? propertyChanges(metadata) : [],
        }))
        .sort((a, b) => a.urn.localeCompare(b.urn));
    const counted = Object.entries(changeSummary)
        .filter(([op]) => driftOperation(op) !== undefined)
        .reduce((n, [, count]) => n + (count ?? 0), 0);
    return { resources, errors, changeSummary, counted };
}

/** Folds the refresh's (and the preview's) event streams into one stack's drift report. */
export function collectDrift({ stack, events, failure, preview, checkedAt }: CollectInput): StackDriftReport {
    const live = fold({ events, failure });
    const code = preview ? fold(preview) : undefined;
    const warnings: string[] = [];
    // A summary that counts changes the events never showed is drift nobody can see: say so.
    if (live.counted > 0 && live.resources.length === 0) {
        warnings.push(`the engine counted ${live.counted} changed resource(s) but sent no resource events for them; run \`pulumi refresh --preview-only --stack ${stack}\` to see them`);
    }
    if (code && code.counted > 0 && code.resources.length === 0) {
        warnings.push(`the preview counted ${code.counted} change(s) but sent no resource events for them; run \`pulumi preview --diff --stack ${stack}\` to see them`);
    }
    const errors = [...live.errors, ...(code?.errors ?? [])];
    const undeployed = code?.resources ?? [];
    return {
        stack,
        status: decideStatus(errors.length > 0, live.resources.length > 0 || undeployed.length > 0 || warnings.length > 0),
        checkedAt: checkedAt.toISOString(),
        resources: live.resources,
        undeployed,
        errors,
        warnings,
        changeSummary: live.changeSummary,
        undeployedSummary: code?.changeSummary ?? {},
    };
}

/** One line for a failed command, leaving out the error lines the diagnostics already gave. */
export function failureText(failure: CommandFailure, diagnostics: readonly string[]): string {
    const known = new Set(diagnostics.map((d) => d.split("\n")[0].trim()));
    const fresh = failure.lines.filter((l) => !known.has(l));
    const code = failure.exitCode !== undefined ? ` (exit code ${failure.exitCode})` : "";
    return `${failure.phase} failed${code}${fresh.length > 0 ? `: ${fresh.join("; ")}` : ""}`;
}

/** An error outranks drift: a check that did not finish cannot call the stack clean or fully drifted. */
export function decideStatus(failed: boolean, drifted: boolean): StackStatus {
    if (failed) return "error";
    return drifted ? "drift" : "clean";
}

export const EXIT_CODES: Record<StackStatus, number> = { clean: 0, drift: 2, error: 1 };

/** The exit status for a run over several stacks: 1 if any check failed, else 2 if any drifted, else 0. */
export function exitCodeFor(reports: readonly StackDriftReport[]): number {
    if (reports.some((r) => r.status === "error")) return EXIT_CODES.error;
    if (reports.some((r) => r.status === "drift")) return EXIT_CODES.drift;
    return EXIT_CODES.clean;
}
