import { durationSeconds, type Runbook, type Source } from "./schema";
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

/** How a seed may write a duration: `2 minutes`, `2m`, `2 min`, `30 seconds`, `30s`. */
export function durationPattern(d: string): RegExp {
    const s = durationSeconds(d);
    const parts = s % 60 === 0 ? [`${s / 60} minute`, `${s / 60}m`, `${s / 60} min`] : [`${s} second`, `${s}s`];
    return new RegExp(parts.map((p) => p.replace(/ /g, "\\s*")).join("|"));
}

/** The whole number in the quote: 1 is not read in "15%" nor 5 in "0.5%". */
export function quotesNumber(quote: string, value: number, unit: string): boolean {
    return numberRenderings(value, unit).some((r) => new RegExp(`(^|[^0-9.])${r.replace(".", "\\.")}(?![0-9]|\\.[0-9])`).test(quote));
}

export function provenanceProblems(rb: Runbook): ProvenanceProblem[] {
    const problems: ProvenanceProblem[] = [];
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
            if (!level.defaulted?.threshold && alert.unit !== "bool" && !quotesNumber(level.source.quote, level.threshold, alert.unit)) {
                problems.push({ path: `${path}.threshold`, message: `${alert.id} ${level.severity}: ${level.threshold} is not in the quote "${level.source.quote}" (quote the runbook's words with the number, or mark it defaulted with a reason)` });
            }
            if (!level.defaulted?.for && !durationPattern(level.for).test(level.source.quote)) {
                problems.push({ path: `${path}.for`, message: `${alert.id} ${level.severity}: the duration ${level.for} is not in the quote "${level.source.quote}" (quote it, or mark \`for\` defaulted with a reason)` });
            }
        }),
    );
    rb.backups.forEach((b, i) => {
        if (!b.defaulted?.retentionDays && !b.source.quote.includes(`${b.retentionDays}`)) {
            problems.push({ path: `backups.${i}.retentionDays`, message: `${b.dataset}: ${b.retentionDays} days is not in the quote "${b.source.quote}"` });
        }
    });
    return problems;
}
