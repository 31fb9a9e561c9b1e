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

/**
 * The engine URN of each resource, from its parent's. Resolved per resource, not per mock URN:
 * mock URNs can themselves collide, and a map keyed by them would merge two resources.
 */
function engineUrnResolver(stack: string, project: string, resources: readonly PlannedResource[]): (r: PlannedResource) => string {
    const byMockUrn = new Map<string, PlannedResource>();
    for (const r of resources) if (!byMockUrn.has(r.urn)) byMockUrn.set(r.urn, r);
    const memo = new Map<PlannedResource, string>();
    const resolve = (r: PlannedResource): string => {
        const known = memo.get(r);
        if (known) return known;
        let parent: string | undefined;
        if (r.parent) {
            const p = byMockUrn.get(r.parent);
            if (!p) throw new Error(`stack ${stack}: ${r.type} ${r.name} has parent ${r.parent}, which was never registered`);
            parent = resolve(p);
        }
        const urn = engineUrn(stack, project, parent, r.type, r.name);
        memo.set(r, urn);
        return urn;
    };
    return resolve;
}

/** Offline (mock) URN → the URN the engine gives the same resource. */
export function engineUrns(stack: string, project: string, resources: readonly PlannedResource[]): Map<string, string> {
    const resolve = engineUrnResolver(stack, project, resources);
    return new Map(resources.map((r) => [r.urn, resolve(r)]));
}

/**
 * Refuses what the engine refuses: two registrations with one engine URN, i.e. the same type and
 * name under the same chain of parent types. Names the stack, the type, the name and both parents.
 */
export function assertUniqueUrns(stack: string, project: string, resources: readonly PlannedResource[]): void {
    const resolve = engineUrnResolver(stack, project, resources);
    const parentName = (r: PlannedResource) => (r.parent ? r.parent.split("::")[3] : "(top level)");
    const seen = new Map<string, PlannedResource>();
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
