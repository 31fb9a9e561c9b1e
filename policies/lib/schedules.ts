import { CronExpressionParser } from "cron-parser";

/**
 * How often a schedule runs, whatever the scheduler's dialect: the runbook's five-field cron,
 * six-field cron with seconds (CloudNativePG, ofelia), AWS `cron(...)` / `rate(...)`
 * expressions, and the `@daily` family. "At least as frequent as the runbook" means the LONGEST
 * gap between two runs is no longer than the runbook's interval, so `0 1,2 * * 0` (two runs an
 * hour apart, once a week) does not pass for a daily backup.
 */

const MACROS: Record<string, string> = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
};

const RATE_UNITS: Record<string, number> = { minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86400, days: 86400 };

/** AWS cron fields `min hour dom month dow year` → five-field cron (AWS numbers Sunday 1, cron 0). */
export function fromAwsCron(expr: string): string | undefined {
    const m = /^cron\((.*)\)$/.exec(expr.trim());
    if (!m) return undefined;
    const f = m[1].trim().split(/\s+/);
    if (f.length !== 6) return undefined;
    const [min, hour, dom, month, dow] = f;
    const cronDow = dow === "?" ? "*" : dow.replace(/\d+/g, (d) => `${(Number(d) + 6) % 7}`).replace(/L$/, "");
    return `${min} ${hour} ${dom === "?" ? "*" : dom} ${month} ${cronDow}`;
}

const cache = new Map<string, number | undefined>();

/**
 * The longest gap between consecutive runs, in seconds, over a year of runs from a fixed date;
 * undefined when the expression is not a schedule this understands.
 */
export function longestGapSeconds(expression: string): number | undefined {
    const expr = expression.trim();
    if (cache.has(expr)) return cache.get(expr);
    let result: number | undefined;
    const rate = /^rate\((\d+)\s+([a-z]+)\)$/.exec(expr);
    if (rate && RATE_UNITS[rate[2]]) result = Number(rate[1]) * RATE_UNITS[rate[2]];
    else {
        const cron = MACROS[expr] ?? fromAwsCron(expr) ?? expr;
        const fields = cron.split(/\s+/).length;
        if (fields === 5 || fields === 6) {
            try {
                const start = Date.parse("2026-01-05T00:00:00Z");
                const it = CronExpressionParser.parse(cron, { tz: "UTC", currentDate: new Date(start) });
                let prev = it.next().getTime();
                let longest = 0;
                for (let i = 0; i < 5000 && prev - start < 400 * 86400_000; i++) {
                    const next = it.next().getTime();
                    longest = Math.max(longest, (next - prev) / 1000);
                    prev = next;
                }
                result = longest > 0 ? longest : undefined;
            } catch {
                result = undefined;
            }
        }
    }
    cache.set(expr, result);
    return result;
}

/** Cadence names as the longest gap they allow. */
export const CADENCE_SECONDS = { daily: 86400, weekly: 7 * 86400, monthly: 31 * 86400, quarterly: 92 * 86400 } as const;
