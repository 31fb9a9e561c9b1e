import type { PlannedResource } from "../runtime";
import { engineUrns, ROOT_STACK_TYPE } from "../urn";

/**
 * Compares what a program registered under the real entry point with the offline plan of the
 * same stack, and names the first difference.
 *
 * Two things differ by construction and are mapped, not ignored:
 * - the SDK's mock monitor builds a child's URN from its parent's last type only, the engine from
 *   the parent's whole type chain; offline URNs (in parents, dependencies, providers, resource
 *   references) are translated to the engine's before comparing;
 * - under `cmd/run` every top-level resource is parented to the root `pulumi:pulumi:Stack`, which
 *   the offline plan (the program called directly) does not have.
 * In a preview, an input the run sent as unknown matches whatever the offline plan computed there,
 * and a provider reference's id is unknown; everything else must be equal.
 */

const UNKNOWN_ID = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function show(v: unknown): string {
    const s = JSON.stringify(v);
    return s === undefined ? "(absent)" : s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

function join(path: string, key: string | number): string {
    return typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

/** First path where `actual` differs from `expected`, or undefined; `unknown` paths in `actual` match anything. */
function firstDifference(expected: unknown, actual: unknown, path: string, unknown: Set<string>, mapUrn: (s: string) => string): string | undefined {
    if (unknown.has(path)) return undefined;
    if (typeof expected === "string") expected = mapUrn(expected);
    if (Array.isArray(expected) && Array.isArray(actual)) {
        if (expected.length !== actual.length) return `${path || "(inputs)"}: ${expected.length} items offline, ${actual.length} under cmd/run (offline ${show(expected)}, cmd/run ${show(actual)})`;
        for (let i = 0; i < expected.length; i++) {
            const d = firstDifference(expected[i], actual[i], join(path, i), unknown, mapUrn);
            if (d) return d;
        }
        return undefined;
    }
    if (expected && actual && typeof expected === "object" && typeof actual === "object" && !Array.isArray(expected) && !Array.isArray(actual)) {
        const e = expected as Record<string, unknown>;
        const a = actual as Record<string, unknown>;
        for (const key of [...new Set([...Object.keys(e), ...Object.keys(a)])].sort()) {
            const d = firstDifference(e[key], a[key], join(path, key), unknown, mapUrn);
            if (d) return d;
        }
        return undefined;
    }
    if (expected === actual) return undefined;
    return `${path || "(inputs)"}: offline ${show(expected)}, cmd/run ${show(actual)}`;
}

export interface Comparison {
    /** Resources compared (the root stack excluded). */
    readonly compared: number;
    /** The first difference, naming the resource and field; undefined when equal. */
    readonly difference?: string;
}

/**
 * The offline plan of `stack` against a run's registrations. `preview` allows unknowns where the
 * run had no value yet (computed outputs, provider ids).
 */
export function compareWithPlan(stack: string, project: string, offline: readonly PlannedResource[], run: readonly PlannedResource[], preview: boolean): Comparison {
    const urns = engineUrns(stack, project, offline);
    const mapUrn = (s: string) => urns.get(s) ?? s;
    const roots = run.filter((r) => r.type === ROOT_STACK_TYPE && !r.parent);
    if (roots.length !== 1) return { compared: 0, difference: `stack ${stack}: expected one root ${ROOT_STACK_TYPE}, cmd/run registered ${roots.length}` };
    const root = roots[0].urn;
    const registered = run.filter((r) => r.urn !== root);
    const byUrn = new Map(registered.map((r) => [r.urn, r]));
    const label = (r: PlannedResource, urn: string) => `stack ${stack}: ${r.type} ${r.name} (${urn})`;

    for (const expected of offline) {
        const urn = mapUrn(expected.urn);
        const actual = byUrn.get(urn);
        if (!actual) return { compared: 0, difference: `${label(expected, urn)}: in the offline plan, not registered under cmd/run` };
        const unknownPaths = preview ? (actual.unknownPaths ?? []) : [];
        // The SDK sends an unknown value as the bare unknown, secret or not: its secrecy shows once known.
        const underUnknown = (p: string) => unknownPaths.some((u) => p === u || p.startsWith(`${u}.`) || p.startsWith(`${u}[`) || u === "");
        const fields: [string, unknown, unknown][] = [
            ["type", expected.type, actual.type],
            ["name", expected.name, actual.name],
            ["custom", expected.custom, actual.custom],
            ["parent", expected.parent ? mapUrn(expected.parent) : root, actual.parent],
            ["protect", expected.options.protect, actual.options.protect],
            ["retainOnDelete", expected.options.retainOnDelete, actual.options.retainOnDelete],
            ["deleteBeforeReplace", expected.options.deleteBeforeReplace, actual.options.deleteBeforeReplace],
            ["ignoreChanges", expected.options.ignoreChanges, actual.options.ignoreChanges],
            ["replaceOnChanges", expected.options.replaceOnChanges, actual.options.replaceOnChanges],
            ["additionalSecretOutputs", expected.options.additionalSecretOutputs, actual.options.additionalSecretOutputs],
            ["aliases", expected.aliasSpecs ?? expected.options.aliases, actual.aliasSpecs ?? actual.options.aliases],
            ["dependsOn", expected.options.dependsOn.map(mapUrn), preview ? explainedDependencies(actual, expected.options.dependsOn.map(mapUrn), unknownPaths) : actual.options.dependsOn],
            ["provider", providerRef(expected.options.provider, mapUrn, preview), providerRef(actual.options.provider, mapUrn, preview)],
            ["secretPaths", expected.secretPaths.filter((p) => !underUnknown(p)).sort(), [...actual.secretPaths].sort()],
        ];
        for (const [field, e, a] of fields) {
            const d = firstDifference(e, a, "", new Set(), mapUrn);
            if (d) return { compared: 0, difference: `${label(expected, urn)}: option ${field} differs: ${d}` };
        }
        const unknown = new Set(unknownPaths);
        if (!preview && actual.unknownPaths?.length) return { compared: 0, difference: `${label(expected, urn)}: unknown inputs in an update: ${actual.unknownPaths.join(", ")}` };
        const d = firstDifference(expected.props, actual.props, "", unknown, mapUrn);
        if (d) return { compared: 0, difference: `${label(expected, urn)}: input ${d}` };
    }
    const expectedUrns = new Set(offline.map((r) => mapUrn(r.urn)));
    const extra = registered.find((r) => !expectedUrns.has(r.urn));
    if (extra) return { compared: 0, difference: `${label(extra, extra.urn)}: registered under cmd/run, not in the offline plan` };
    return { compared: offline.length };
}

/**
 * In a preview an input the offline mocks leave out (a name the provider generates) is unknown and
 * still depends on the resource it comes from: a dependency the offline plan lacks is accepted
 * when the run's property dependencies tie it to an unknown input. What is left must equal the plan.
 */
function explainedDependencies(actual: PlannedResource, expected: string[], unknownPaths: string[]): string[] {
    const unknownTop = new Set(unknownPaths.map((p) => p.split(/[.[]/)[0]));
    const explained = new Set(Object.entries(actual.propertyDependencies ?? {}).filter(([k]) => unknownTop.has(k)).flatMap(([, urns]) => urns));
    return actual.options.dependsOn.filter((u) => expected.includes(u) || !explained.has(u));
}

/** A provider reference `urn::id` with the urn mapped; in a preview a new provider's id is unknown, so only its urn counts. */
function providerRef(ref: string | undefined, mapUrn: (s: string) => string, preview: boolean): string | undefined {
    if (!ref) return undefined;
    const at = ref.lastIndexOf("::");
    const urn = mapUrn(ref.slice(0, at));
    const id = ref.slice(at + 2);
    return preview || id === UNKNOWN_ID ? urn : `${urn}::${id}`;
}
