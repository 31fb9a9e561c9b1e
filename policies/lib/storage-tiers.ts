import type { Runbook } from "../../runbooks";
import { cite, finding, type Finding } from "./policy";
import { asArray, isRecord, num } from "./values";

/**
 * A data bucket's S3 lifecycle against the runbook's storage tiers (`data.objectStorage.lifecycle`):
 * each stated transition is there at its day, and nothing moves the bucket's objects to a colder
 * class the runbook does not name, or sooner than it says. Used by aws-s3-bucket-lifecycle-retention.
 */

/** The runbook bucket a lifecycle configuration belongs to: by its bucket's name (`<runbook name>-…`), else its resource name. */
function runbookBucket(rb: Runbook, s: { name: string; props: Record<string, unknown> }): string | undefined {
    const bucket = String(s.props.bucket ?? "");
    const names = [...(rb.data.objectStorage?.buckets ?? [])].sort((a, b) => b.length - a.length);
    return names.find((b) => bucket === b || bucket.startsWith(`${b}-`)) ?? names.find((b) => s.name.endsWith(`-${b}-lifecycle`));
}

export function tierFindings(rb: Runbook, s: { name: string; props: Record<string, unknown> }, where: string): Finding[] {
    const name = runbookBucket(rb, s);
    if (!name) return [];
    const tiers = (rb.data.objectStorage?.lifecycle ?? []).filter((t) => t.bucket === name);
    const rules = asArray(s.props.rules).filter((r): r is Record<string, any> => isRecord(r) && r.status !== "Disabled");
    const prefixOf = (r: Record<string, any>) => String(r.filter?.prefix ?? r.prefix ?? "");
    const out: Finding[] = [];
    const key = "data.objectStorage.lifecycle";
    for (const tier of tiers) {
        for (const t of tier.transitions) {
            const found = rules.flatMap((r) => (prefixOf(r) === (tier.prefix ?? "") ? asArray(r.transitions) : [])).filter((x: any) => isRecord(x) && x.storageClass === t.storageClass);
            if (!found.some((x: any) => num(x.days) === t.days)) {
                out.push(finding(`${where}: no rule moves ${name}${tier.prefix ? `/${tier.prefix}` : ""} to ${t.storageClass} after ${t.days} days${found.length ? ` (found after ${found.map((x: any) => x.days).join(", ")} days)` : ""}; the runbook tiers it so ${cite(tier.source)}`, { key }));
            }
        }
    }
    for (const r of rules) {
        for (const x of asArray(r.transitions).filter(isRecord)) {
            const tier = tiers.find((t) => (t.prefix ?? "") === prefixOf(r));
            const stated = tier?.transitions.find((t) => t.storageClass === x.storageClass);
            const days = num(x.days);
            if (!stated || (days !== undefined && days < stated.days)) {
                out.push(
                    finding(
                        `${where}: rule "${r.id ?? "?"}" moves ${name}${prefixOf(r) ? `/${prefixOf(r)}` : ""} objects to ${x.storageClass} after ${x.days} days; ${stated ? `the runbook says after ${stated.days} days ${cite(tier!.source)}` : "the runbook states no such tier (allowed: the transitions in data.objectStorage.lifecycle)"}`,
                        { key },
                    ),
                );
            }
        }
    }
    return out;
}
