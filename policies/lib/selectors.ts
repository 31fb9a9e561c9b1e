import { durationSeconds, type Runbook } from "../../runbooks";
import { provenance } from "./policy";
import { asArray, isRecord } from "./values";

/** Kubernetes label selectors, and the runbook's quickest alert level (how often alert rules must be evaluated). */

export type Labels = Record<string, string>;

/** A Kubernetes label selector (matchLabels + matchExpressions) against labels; an empty selector selects everything. */
export function selects(selector: Record<string, any>, labels: Labels): boolean {
    const matchLabels = isRecord(selector.matchLabels) ? selector.matchLabels : {};
    if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === String(v))) return false;
    return asArray<Record<string, any>>(selector.matchExpressions).every((e) => {
        const values = asArray<unknown>(e.values).map(String);
        const has = Object.prototype.hasOwnProperty.call(labels, String(e.key));
        switch (String(e.operator)) {
            case "In":
                return has && values.includes(labels[e.key]);
            case "NotIn":
                return !has || !values.includes(labels[e.key]);
            case "Exists":
                return has;
            case "DoesNotExist":
                return !has;
            default:
                return false;
        }
    });
}

/** The runbook's quickest alert level: how soon after its condition starts an alert must be able to fire. */
export function quickestLevel(rb: Runbook): { seconds: number; why: string; key: string } | undefined {
    const levels = rb.alerts.flatMap((a) => a.levels.map((l) => ({ a, l, seconds: durationSeconds(l.for) }))).filter((x) => x.seconds > 0);
    const q = levels.sort((x, y) => x.seconds - y.seconds)[0];
    if (!q) return undefined;
    const p = provenance(q.l, "for");
    return { seconds: q.seconds, why: `${p.who} fires ${q.a.id} (${q.l.severity}) after ${q.l.for} ${p.cite}`, key: `alerts.${q.a.id}.${q.l.severity}.for` };
}

