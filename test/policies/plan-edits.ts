import type { StackPlan } from "../../cli/harness/runtime";

/** A planned resource's inputs or properties, edited freely by a mutation. */
export type Props = Record<string, any>;

/**
 * The plan with one resource (by URN) copied and edited: its properties, and its inputs where
 * they are a separate object, so the pack sees the edit whichever it reads. The other resources
 * are shared with the baseline plan, not copied.
 */
export function editUrn(plan: StackPlan, urn: string, edit: (props: Props) => void): StackPlan {
    const copy = { ...plan, resources: plan.resources.map((r) => (r.urn === urn ? structuredClone(r) : r)) };
    const r = copy.resources.find((x) => x.urn === urn)!;
    edit(r.props as Props);
    if (r.inputs && r.inputs !== r.props) edit(r.inputs as Props);
    return copy;
}
