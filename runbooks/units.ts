import { CronExpressionParser } from "cron-parser";
/**
 * Units of the runbook language: durations as Prometheus writes them, and the conversion a
 * runbook module records when the seed states a number in another unit than the field's
 * (`converted: { retentionDays: "12 weeks" }` for 84). Pure; the schema checks every conversion
 * at parse time and the seeds test checks the words stand in the cited quote.
 */

/** Seconds per duration unit, largest first: the order Prometheus requires in a compound duration. */
export const DURATION_UNITS = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 } as const;
export type DurationUnit = keyof typeof DURATION_UNITS;

/**
 * A Prometheus-style duration in any unit the runbooks use: `30s`, `5m`, `1h`, `7d`, `12w`, or a
 * compound of them largest unit first, `1h30m`, `1d12h` (what Prometheus, PrometheusRule and
 * AMP accept verbatim). Fractions are refused: `1.5h` is written `1h30m`.
 */
export const DURATION_RE = /^(?=\d)(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
export const DURATION_ALLOWED = "a whole number followed by w, d, h, m or s, or a compound of them largest unit first, like 30s, 5m, 1h30m, 7d or 12w";

export function durationSeconds(d: string): number {
    const m = DURATION_RE.exec(d);
    if (!m) {
        throw new Error(`"${d}" is not a duration (allowed: ${DURATION_ALLOWED})`);
    }
    const units = Object.values(DURATION_UNITS);
    return m.slice(1).reduce((total, n, i) => total + Number(n ?? 0) * units[i], 0);
}

/** A quantity's kind and its size in the kind's base unit (seconds; MiB, binary as Redis, PostgreSQL and Compose write sizes). */
export interface Quantity {
    readonly kind: "time" | "size";
    readonly base: number;
}

/** The words a runbook writes a unit in, to the unit's size in its kind's base unit. */
const WORD_UNITS: readonly [RegExp, Quantity["kind"], number][] = [
    [/^(ms|milliseconds?)$/i, "time", 0.001],
    [/^(s|secs?|seconds?)$/i, "time", 1],
    [/^(m|mins?|minutes?)$/, "time", 60],
    [/^(mins?|minutes?)$/i, "time", 60],
    [/^(h|hrs?|hours?)$/i, "time", 3600],
    [/^(d|days?)$/i, "time", 86400],
    [/^(w|wks?|weeks?)$/i, "time", 604800],
    [/^(k|kb|kib)$/i, "size", 1 / 1024],
    [/^(M|MB|MiB|mb)$/, "size", 1],
    [/^(g|gb|gib)$/i, "size", 1024],
    [/^(t|tb|tib)$/i, "size", 1024 * 1024],
];

/** Months and years have no fixed length: a conversion from them would be a choice, so it is a default, not a conversion. */
const UNFIXED = /^(months?|years?|yrs?|quarters?)$/i;

/** `12 weeks`, `1 hour`, `500ms`, `1G` → the quantity; throws on words that are not one number and one unit. */
export function parseQuantity(words: string): Quantity {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$/.exec(words);
    if (!m) throw new Error(`"${words}" is not one number and one unit (allowed: e.g. "12 weeks", "1 hour", "500ms", "1G")`);
    if (UNFIXED.test(m[2])) throw new Error(`"${words}": ${m[2]} have no fixed length (allowed: ms, s, min, h, d, w, K, M, G, T); mark the field defaulted with the length chosen`);
    const unit = WORD_UNITS.find(([re]) => re.test(m[2]));
    if (!unit) throw new Error(`"${words}": unknown unit "${m[2]}" (allowed: ms, s, min, h, d, w, K, M, G, T)`);
    return { kind: unit[1], base: Number(m[1]) * unit[2] };
}

/** Field name suffixes that carry their unit, to the unit's size in its kind's base unit. */
const FIELD_SUFFIXES: readonly [RegExp, Quantity["kind"], number][] = [
    [/Ms$/, "time", 0.001],
    [/Seconds$/, "time", 1],
    [/(^m|M)inutes$/, "time", 60],
    [/Hours$/, "time", 3600],
    [/Days$/, "time", 86400],
    [/(MB|MiB)$/, "size", 1],
];
/** Fields that hold a duration string. */
const DURATION_FIELDS = new Set(["for", "every", "maxAge"]);
/** Alert units a threshold can be converted into. */
const THRESHOLD_UNITS: Record<string, number | undefined> = { seconds: 1, days: 86400 };

/**
 * The value of `field` in its kind's base unit, or a reason it has no unit a conversion could
 * reach. `alertUnit` is the enclosing alert's unit, for a level's `threshold`.
 */
export function fieldQuantity(field: string, value: unknown, alertUnit?: string): Quantity | string {
    if (DURATION_FIELDS.has(field)) {
        if (typeof value !== "string" || !DURATION_RE.test(value)) return `${field} = ${JSON.stringify(value)} is not a duration`;
        return { kind: "time", base: durationSeconds(value) };
    }
    if (typeof value !== "number") return `${field} = ${JSON.stringify(value)} is not a number`;
    if (field === "threshold") {
        const factor = alertUnit ? THRESHOLD_UNITS[alertUnit] : undefined;
        if (factor === undefined) return `a threshold in ${alertUnit ?? "no unit"} has no unit to convert into (allowed: an alert in seconds or days)`;
        return { kind: "time", base: value * factor };
    }
    const suffix = FIELD_SUFFIXES.find(([re]) => re.test(field));
    if (!suffix) return `field ${field} names no unit (allowed: ${[...DURATION_FIELDS].join(", ")}, threshold, or a field ending in Ms, Seconds, Minutes, Hours, Days, MB or MiB)`;
    return { kind: suffix[1], base: value * suffix[2] };
}

/** Why `value` of `field` is not the runbook's `words` converted, or undefined when it is. */
export function conversionProblem(field: string, value: unknown, words: string, alertUnit?: string): string | undefined {
    let stated: Quantity;
    try {
        stated = parseQuantity(words);
    } catch (e) {
        return (e as Error).message;
    }
    const held = fieldQuantity(field, value, alertUnit);
    if (typeof held === "string") return held;
    if (held.kind !== stated.kind) return `"${words}" is a ${stated.kind}, but ${field} holds a ${held.kind}`;
    if (Math.abs(held.base - stated.base) > 1e-9 * Math.max(1, Math.abs(stated.base))) {
        return `${field} = ${JSON.stringify(value)} is not "${words}" (${stated.base} ${stated.kind === "time" ? "s" : "MiB"} stated, ${held.base} held)`;
    }
    return undefined;
}

/**
 * Every conversion recorded anywhere in a runbook that does not hold, with its path: the
 * converted field must exist, equal the stated words in its own unit, and not also be defaulted.
 */
export function conversionProblems(value: unknown, path: (string | number)[] = [], alertUnit?: string): { path: (string | number)[]; message: string }[] {
    if (!value || typeof value !== "object") return [];
    const obj = value as Record<string, unknown>;
    const unit = typeof obj.unit === "string" && Array.isArray(obj.levels) ? obj.unit : alertUnit;
    const out: { path: (string | number)[]; message: string }[] = [];
    const converted = obj.converted;
    if (converted && typeof converted === "object" && !Array.isArray(converted)) {
        for (const [field, words] of Object.entries(converted as Record<string, unknown>)) {
            const at = [...path, "converted", field];
            if (!(field in obj)) out.push({ path: at, message: `converted names ${field}, which this entry does not set` });
            else if ((obj.defaulted as Record<string, unknown> | undefined)?.[field] !== undefined) out.push({ path: at, message: `${field} is both converted from the runbook and defaulted; it is one or the other` });
            else {
                const problem = conversionProblem(field, obj[field], String(words), unit);
                if (problem) out.push({ path: at, message: problem });
            }
        }
    }
    for (const [k, child] of Object.entries(obj)) {
        if (k === "converted") continue;
        out.push(...conversionProblems(child, [...path, Array.isArray(obj) ? Number(k) : k], unit));
    }
    return out;
}

/**
 * The steady interval between runs of a cron schedule, in seconds (the smallest gap over a week),
 * so `0 *\/6 * * *` is 21600 and `0 2 * * *` is 86400.
 */
export function nextIntervalsSeconds(cron: string): number {
    return cronGapsSeconds(cron).smallest;
}

/**
 * The longest gap between two runs of a cron schedule over its next 200 runs: how old the last
 * backup can get. Equal to `nextIntervalsSeconds` for an even schedule; `0 3,4 * * 0` (two runs an
 * hour apart on Sundays) is 3600 s at its smallest and 601200 s at its largest.
 */
export function largestIntervalSeconds(cron: string): number {
    return cronGapsSeconds(cron).largest;
}

function cronGapsSeconds(cron: string): { smallest: number; largest: number } {
    const it = CronExpressionParser.parse(cron, { tz: "UTC", currentDate: new Date("2026-01-05T00:00:00Z") });
    let prev = it.next().getTime();
    let smallest = Infinity;
    let largest = 0;
    for (let i = 0; i < 200; i++) {
        const next = it.next().getTime();
        smallest = Math.min(smallest, (next - prev) / 1000);
        largest = Math.max(largest, (next - prev) / 1000);
        prev = next;
    }
    return { smallest, largest };
}
