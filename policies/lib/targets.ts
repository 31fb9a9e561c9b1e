import type { Subject, Target } from "./policy";

/** Resources of one target's provider, and the not-applicable reason when a stack has none. */

const PREFIX: Record<Exclude<Target, "any">, string> = { docker: "docker:", kubernetes: "kubernetes:", aws: "aws:" };

export function ofTarget(resources: readonly Subject[], target: Exclude<Target, "any">): Subject[] {
    return resources.filter((r) => r.type.startsWith(PREFIX[target]));
}

export function ofType(resources: readonly Subject[], ...types: string[]): Subject[] {
    return resources.filter((r) => types.includes(r.type));
}

/** "no docker resources in this stack": the target is not built (yet), so there is nothing to hold to the runbook. */
export function absentTarget(resources: readonly Subject[], target: Exclude<Target, "any">): string | undefined {
    return ofTarget(resources, target).length === 0 ? `the stack registers no ${target} resources` : undefined;
}
