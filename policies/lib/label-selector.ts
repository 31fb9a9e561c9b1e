import { asArray, isRecord } from "./values";

/** Whether a label selector picks a pod with `labels` (matchLabels and the four matchExpressions operators). */
export function selects(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
    if (!isRecord(selector)) return true;
    const match = isRecord(selector.matchLabels) ? selector.matchLabels : {};
    if (!Object.entries(match).every(([k, v]) => labels[k] === v)) return false;
    return asArray(selector.matchExpressions)
        .filter(isRecord)
        .every((e) => {
            const has = e.key in labels;
            const values = asArray<string>(e.values);
            if (e.operator === "In") return has && values.includes(labels[e.key]);
            if (e.operator === "NotIn") return !has || !values.includes(labels[e.key]);
            if (e.operator === "Exists") return has;
            if (e.operator === "DoesNotExist") return !has;
            return true;
        });
}
