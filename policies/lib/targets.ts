import type { Subject, Target } from "./policy";

/** Resources of one target's provider, and the not-applicable reason when a stack has none. */

const PREFIX: Record<Exclude<Target, "any">, string> = { docker: "docker:", kubernetes: "kubernetes:", aws: "aws:" };

/**
 * A stack's resources indexed once (by type, URN, parent and dependency), shared by every policy
 * that looks at the same list: a policy asks the index instead of rescanning the stack per subject.
 */
export interface StackIndex {
    readonly byType: ReadonlyMap<string, readonly Subject[]>;
    readonly byUrn: ReadonlyMap<string, Subject>;
    /** Resources by their parent's URN. */
    readonly children: ReadonlyMap<string, readonly Subject[]>;
    /** Resources by the URN of a resource they depend on. */
    readonly dependents: ReadonlyMap<string, readonly Subject[]>;
}

const indexes = new WeakMap<readonly Subject[], StackIndex>();
const NONE: readonly Subject[] = Object.freeze([]);

function push<K>(m: Map<K, Subject[]>, k: K, s: Subject): void {
    const list = m.get(k);
    if (list) list.push(s);
    else m.set(k, [s]);
}

/** The index of a resource list, built on first use and kept as long as the list lives. */
export function indexOf(resources: readonly Subject[]): StackIndex {
    let ix = indexes.get(resources);
    if (!ix) {
        const byType = new Map<string, Subject[]>();
        const byUrn = new Map<string, Subject>();
        const children = new Map<string, Subject[]>();
        const dependents = new Map<string, Subject[]>();
        for (const r of resources) {
            push(byType, r.type, r);
            byUrn.set(r.urn, r);
            if (r.opts.parent) push(children, r.opts.parent, r);
            for (const d of r.dependencies ?? []) push(dependents, d, r);
        }
        ix = { byType, byUrn, children, dependents };
        indexes.set(resources, ix);
    }
    return ix;
}

export function ofTarget(resources: readonly Subject[], target: Exclude<Target, "any">): Subject[] {
    return resources.filter((r) => r.type.startsWith(PREFIX[target]));
}

/** Resources of the given types, in stack order when one type is asked for. */
export function ofType(resources: readonly Subject[], ...types: string[]): Subject[] {
    const ix = indexOf(resources).byType;
    if (types.length === 1) return [...(ix.get(types[0]) ?? NONE)];
    return resources.filter((r) => types.includes(r.type));
}

/** "no docker resources in this stack": the target is not built (yet), so there is nothing to hold to the runbook. */
export function absentTarget(resources: readonly Subject[], target: Exclude<Target, "any">): string | undefined {
    for (const type of indexOf(resources).byType.keys()) if (type.startsWith(PREFIX[target])) return undefined;
    return `the stack registers no ${target} resources`;
}
