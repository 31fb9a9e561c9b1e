import type { PlannedResource } from "./runtime";

/**
 * URNs as the Pulumi engine makes them (pkg/resource/deploy/deployment.go `generateURN`,
 * sdk/go/common/resource/urn/urn.go `New`): the parent's whole qualified type chain, then the
 * type, then the name; the root stack's type is left out. The SDK's mock monitor keeps only the
 * parent's last type, so its URNs differ from the engine's below the second level, and it never
 * refuses a duplicate; the engine does ("Duplicate resource URN '…'; try giving it a unique name").
 */

export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

export function engineUrn(stack: string, project: string, parent: string | undefined, type: string, name: string): string {
    const parentType = parent ? parent.split("::")[2] : "";
    const qualified = parentType && parentType !== ROOT_STACK_TYPE ? `${parentType}$${type}` : type;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** Offline (mock) URN → the URN the engine gives the same resource. */
export function engineUrns(stack: string, project: string, resources: readonly PlannedResource[]): Map<string, string> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const out = new Map<string, string>();
    const resolve = (r: PlannedResource): string => {
        const known = out.get(r.urn);
        if (known) return known;
        let parent: string | undefined;
        if (r.parent) {
            const p = byUrn.get(r.parent);
            if (!p) throw new Error(`stack ${stack}: ${r.type} ${r.name} has parent ${r.parent}, which was never registered`);
            parent = resolve(p);
        }
        const urn = engineUrn(stack, project, parent, r.type, r.name);
        out.set(r.urn, urn);
        return urn;
    };
    resources.forEach(resolve);
    return out;
}

/**
 * Refuses what the engine refuses: two registrations with one engine URN, i.e. the same type and
 * name under the same chain of parent types. Names the stack, the type, the name and both parents.
 */
export function assertUniqueUrns(stack: string, project: string, resources: readonly PlannedResource[]): void {
    const seen = new Map<string, PlannedResource>();
    const parentName = (r: PlannedResource) => (r.parent ? r.parent.split("::")[3] : "(top level)");
    // Resolve one by one: mock URNs can themselves collide, so a map keyed by them would merge two resources.
    const engine = new Map<PlannedResource, string>();
    const byMockUrn = new Map<string, PlannedResource>();
    for (const r of resources) if (!byMockUrn.has(r.urn)) byMockUrn.set(r.urn, r);
    const resolve = (r: PlannedResource): string => {
        const known = engine.get(r);
        if (known) return known;
        const parent = r.parent ? byMockUrn.get(r.parent) : undefined;
        const urn = engineUrn(stack, project, parent ? resolve(parent) : undefined, r.type, r.name);
        engine.set(r, urn);
        return urn;
    };
    for (const r of resources) {
        const urn = resolve(r);
        const first = seen.get(urn);
        if (first) {
            throw new Error(
                `stack ${stack}: two resources of type ${r.type} named ${r.name} under the same parent chain ` +
                    `(parents ${parentName(first)} and ${parentName(r)}): the engine refuses the second with ` +
                    `"Duplicate resource URN '${urn}'; try giving it a unique name"`,
            );
        }
        seen.set(urn, r);
    }
}
