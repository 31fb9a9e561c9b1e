import type { Runbook } from "../../runbooks";
import { tierRuleId } from "../../runbooks/language/lifecycle";

/**
 * The runbook's storage tiers of one bucket as S3 lifecycle rules: one rule per tier entry (the
 * whole bucket, or a prefix), its transitions in the runbook's order. Current versions only: old
 * versions keep the backup retention rule beside them (components/targets/aws/storage.ts).
 */
export interface TierRule {
    readonly id: string;
    readonly status: "Enabled";
    readonly filter: { readonly prefix?: string };
    readonly transitions: { days: number; storageClass: string }[];
}

export function tierRules(rb: Runbook, bucket: string): TierRule[] {
    return (rb.data.objectStorage?.lifecycle ?? [])
        .filter((t) => t.bucket === bucket)
        .map((t) => ({ id: tierRuleId(t), status: "Enabled" as const, filter: t.prefix ? { prefix: t.prefix } : {}, transitions: t.transitions.map((x) => ({ days: x.days, storageClass: x.storageClass })) }));
}
