import { asArray, durationToSeconds, isRecord, structuredIn } from "./values";

/**
 * Prometheus alerting rules wherever a target puts them: a rules file uploaded into a container,
 * a PrometheusRule's `spec.groups`, Helm values, a ConfigMap, or AMP rule-group `data`.
 */

export interface PromRule {
    readonly alert: string;
    readonly expr: string;
    readonly forSeconds: number;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
    readonly group: string;
    /** The group's `interval` in seconds, when it sets one. */
    readonly groupInterval?: number;
    /** The group's `limit`, as written, when it sets one. */
    readonly groupLimit?: unknown;
}

function stringMap(v: unknown): Record<string, string> {
    if (!isRecord(v)) return {};
    return Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === "string" || typeof x === "number").map(([k, x]) => [k, String(x)]));
}

/** Alerting rules (not recording rules) in some inputs; duplicates from one object seen twice are kept once. */
export function alertingRules(props: unknown): PromRule[] {
    const seen = new Set<string>();
    const out: PromRule[] = [];
    for (const { value } of structuredIn(props, ["alert", "expr"])) {
        if (!Array.isArray(value.groups)) continue;
        for (const group of value.groups) {
            if (!isRecord(group)) continue;
            for (const rule of asArray(group.rules)) {
                if (!isRecord(rule) || typeof rule.alert !== "string" || typeof rule.expr !== "string") continue;
                const r: PromRule = {
                    alert: rule.alert,
                    expr: rule.expr,
                    forSeconds: durationToSeconds(rule.for) ?? 0,
                    labels: stringMap(rule.labels),
                    annotations: stringMap(rule.annotations),
                    group: String(group.name ?? ""),
                    ...(group.interval !== undefined ? { groupInterval: durationToSeconds(group.interval) ?? Number.POSITIVE_INFINITY } : {}),
                    ...(group.limit !== undefined ? { groupLimit: group.limit } : {}),
                };
                const id = JSON.stringify(r);
                if (!seen.has(id)) {
                    seen.add(id);
                    out.push(r);
                }
            }
        }
    }
    return out;
}

export type Comparison = { readonly op: ">" | ">=" | "<" | "<=" | "==" | "!="; readonly value: number };

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i;

/**
 * Top-level comparisons against a number literal in a PromQL expression: `<value> > 5` gives
 * `{op: ">", value: 5}`; `5 < <value>` is read the same way. Comparisons inside parentheses,
 * brackets or label matchers are parts of the value, not the alert's threshold.
 */
export function thresholds(expr: string): Comparison[] {
    const parts: { op: Comparison["op"]; at: number; len: number }[] = [];
    let depth = 0;
    let quote: string | undefined;
    for (let i = 0; i < expr.length; i++) {
        const c = expr[i];
        if (quote) {
            if (c === "\\") i++;
            else if (c === quote) quote = undefined;
            continue;
        }
        if (c === '"' || c === "'" || c === "`") quote = c;
        else if (c === "(" || c === "{" || c === "[") depth++;
        else if (c === ")" || c === "}" || c === "]") depth--;
        else if (depth === 0) {
            const two = expr.slice(i, i + 2);
            if (two === ">=" || two === "<=" || two === "==" || two === "!=") {
                parts.push({ op: two as Comparison["op"], at: i, len: 2 });
                i++;
            } else if (c === ">" || c === "<") parts.push({ op: c, at: i, len: 1 });
        }
    }
    const out: Comparison[] = [];
    const boundaries = [-1, ...parts.map((p) => p.at), expr.length];
    parts.forEach((p, idx) => {
        const rhs = expr
            .slice(p.at + p.len, boundaries[idx + 2])
            .replace(/^\s*bool\b/, "")
            .replace(/\b(and|or|unless)\b[\s\S]*$/, "")
            .trim();
        const lhsStart = idx === 0 ? 0 : parts[idx - 1].at + parts[idx - 1].len;
        const lhs = expr.slice(lhsStart, p.at).replace(/^[\s\S]*\b(and|or|unless)\b/, "").trim();
        if (NUMBER.test(rhs)) out.push({ op: p.op, value: Number(rhs) });
        else if (NUMBER.test(lhs)) out.push({ op: flip(p.op), value: Number(lhs) });
    });
    return out;
}

function flip(op: Comparison["op"]): Comparison["op"] {
    return ({ ">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!=" } as const)[op];
}
