import { durationSeconds, type Runbook, type Source } from "./schema";
import { DEFAULTS } from "./defaults";
import { checkSource } from "./seeds";

/**
 * Whether the runbook data says where each number came from, checked against the seed itself:
 * every cited quote stands in the section it names, in the runbook's own seed, and every alert
 * threshold, duration and backup retention not marked `defaulted` is written in its quote. The
 * foundation tests and `npm run check` both read these problems, so a new app's module gets the
 * same verdict from the command as from CI.
 */

export interface ProvenanceProblem {
    /** Dotted path in the runbook data, e.g. `alerts.3.levels.0.source`. */
    readonly path: string;
    readonly message: string;
}

/** Every `source` in the data, with its dotted path. */
export function sourcesOf(value: unknown, at = ""): { path: string; source: Source }[] {
    if (!value || typeof value !== "object") return [];
    const v = value as Record<string, unknown>;
    if (typeof v.seed === "string" && typeof v.section === "string" && typeof v.quote === "string") return [{ path: at, source: v as unknown as Source }];
    return Object.entries(v).flatMap(([k, child]) => sourcesOf(child, at ? `${at}.${k}` : k));
}

/** How a seed may write a number: 5, 2 seconds / 2s, 500ms. */
export function numberRenderings(value: number, unit: string): string[] {
    const out = [`${value}`];
    if (unit === "seconds") out.push(`${value * 1000}ms`, `${value}s`);
    return out;
}

/** How a seed may write a duration: in any whole unit of seconds, minutes, hours, days or weeks (`5 minutes`, `5m`, `1 hour`, `60 minutes`). */
export function durationPattern(d: string): RegExp {
    const s = durationSeconds(d);
    const units: [number, string[]][] = [
        [604800, ["week", "w"]],
        [86400, ["day", "d"]],
        [3600, ["hour", "h"]],
        [60, ["minute", "m", "min"]],
        [1, ["second", "s"]],
    ];
    const parts = units.filter(([size]) => s % size === 0).flatMap(([size, names]) => names.map((n) => (n.length > 1 ? `${s / size} ${n}` : `${s / size}${n}`)));
    return new RegExp(parts.map((p) => `(^|[^0-9.])${p.replace(/ /g, "\\s*")}`).join("|"));
}

/** The whole number in the quote: 1 is not read in "15%" nor 5 in "0.5%". */
export function quotesNumber(quote: string, value: number, unit: string): boolean {
    return numberRenderings(value, unit).some((r) => new RegExp(`(^|[^0-9.])${r.replace(".", "\\.")}(?![0-9]|\\.[0-9])`).test(quote));
}

/** DEFAULTS' reasons, each with its value: a number marked defaulted with one of these reasons must be that default. */
function defaultsByReason(): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const d of Object.values(DEFAULTS) as { reason?: string; value?: unknown }[]) if (d.reason && "value" in d) out.set(d.reason, d.value);
    return out;
}

/** Percentages a quote states (`> 5%`, `5 %`): a defaulted percent threshold must not hide one of them. */
function quotedPercents(quote: string): number[] {
    return [...quote.matchAll(/(^|[^0-9.])(\d+(?:\.\d+)?)\s*%/g)].map((m) => Number(m[2]));
}

export function provenanceProblems(rb: Runbook): ProvenanceProblem[] {
    const problems: ProvenanceProblem[] = [];
    const defaults = defaultsByReason();
    const defaultedAs = (path: string, what: string, value: unknown, reason: string | undefined) => {
        if (reason === undefined || !defaults.has(reason)) return;
        const expected = defaults.get(reason);
        if (JSON.stringify(expected) !== JSON.stringify(value)) problems.push({ path, message: `${what}: ${JSON.stringify(value)} is marked defaulted with the reason of the platform default ${JSON.stringify(expected)}; allowed: the default's value, or the runbook's own number with its quote` });
    };
    for (const { path, source } of sourcesOf(rb)) {
        if (source.seed !== rb.seed) problems.push({ path, message: `cites ${source.seed}, not the app's own seed ${rb.seed}` });
        else {
            let why: string | undefined;
            try {
                why = checkSource(source);
            } catch (e) {
                why = (e as Error).message;
            }
            if (why) problems.push({ path, message: why });
        }
    }
    rb.alerts.forEach((alert, i) =>
        alert.levels.forEach((level, j) => {
            const path = `alerts.${i}.levels.${j}`;
            const what = `${alert.id} ${level.severity}`;
            // A converted number is checked as its words when the runbook is parsed (runbooks/units.ts).
            if (level.defaulted?.threshold) {
                defaultedAs(`${path}.threshold`, what, level.threshold, level.defaulted.threshold);
                const stated = alert.unit === "percent" ? quotedPercents(level.source.quote) : [];
                if (stated.length && !stated.includes(level.threshold)) problems.push({ path: `${path}.threshold`, message: `${what}: ${level.threshold} is marked defaulted, but its quote "${level.source.quote}" states ${stated.map((n) => `${n}%`).join(", ")}; allowed: the runbook's number, or a quote that states none` });
            } else if (!level.converted?.threshold && alert.unit !== "bool" && !quotesNumber(level.source.quote, level.threshold, alert.unit)) {
                problems.push({ path: `${path}.threshold`, message: `${what}: ${level.threshold} is not in the quote "${level.source.quote}" (quote the runbook's words with the number, or mark it defaulted with a reason)` });
            }
            if (level.defaulted?.for) defaultedAs(`${path}.for`, what, level.for, level.defaulted.for);
            else if (!level.converted?.for && !durationPattern(level.for).test(level.source.quote)) {
                problems.push({ path: `${path}.for`, message: `${what}: the duration ${level.for} is not in the quote "${level.source.quote}" (quote it, or mark \`for\` defaulted with a reason)` });
            }
        }),
    );
    rb.backups.forEach((b, i) => {
        const path = `backups.${i}.retentionDays`;
        if (b.defaulted?.retentionDays) defaultedAs(path, b.dataset, b.retentionDays, b.defaulted.retentionDays);
        else if (!b.converted?.retentionDays && !quotesNumber(b.source.quote, b.retentionDays, "days")) {
            problems.push({ path, message: `${b.dataset}: ${b.retentionDays} days is not in the quote "${b.source.quote}"` });
        }
    });
    return problems;
}
