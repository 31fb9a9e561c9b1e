import { CronExpressionParser } from "cron-parser";
import { durationSeconds, largestIntervalSeconds, type Runbook } from "./schema";

/**
 * A stack may tighten a runbook number (alert sooner, keep backups longer, run more replicas);
 * loosening one is refused unless the stack declares an exception with a reason. This module
 * decides which is which, as a pure function of the runbook and the stack's overrides.
 */

export interface Override {
    /** Dotted runbook path, e.g. `alerts.http-error-rate.critical.threshold`. */
    readonly key: string;
    readonly value: number | string;
}

export interface Exception {
    readonly key: string;
    readonly reason: string;
}

export interface AppliedOverride {
    readonly key: string;
    readonly from: number | string;
    readonly to: number | string;
    readonly tightens: boolean;
    /** The declared exception that allows a loosening. */
    readonly exception?: string;
}

/** Raised for an override the stack may not make; `key` and `allowed` feed the config error. */
export class OverrideError extends Error {
    constructor(
        readonly key: string,
        readonly value: unknown,
        readonly allowed: string,
        /** Which list of the stack config the key sits in. */
        readonly list: "overrides" | "exceptions" = "overrides",
    ) {
        super(`${key} = ${JSON.stringify(value)}: ${allowed}`);
    }
}

type Kind = "threshold" | "duration" | "min-int" | "cron";

/**
 * The longest backup retention a stack may set: ten years. On the aws target the retention is the
 * vault lock's minimum (compliance mode), which nobody, AWS included, can lower once the lock's
 * cooling-off has passed; a mistyped 100000 would keep every recovery point, and its bill, for
 * 270 years. A hold longer than ten years is a change to the runbook, reviewed there.
 */
export const MAX_BACKUP_RETENTION_DAYS = 3650;

interface Slot {
    kind: Kind;
    /** For thresholds: which way is tighter. */
    tighterWhen?: "lower" | "higher";
    /** The largest value a stack may set, and why (a tightening that cannot be undone). */
    max?: { readonly value: number; readonly why: string };
    get(): number | string;
    set(v: number | string): void;
}

/** Every runbook number a stack may override, by key. */
export function overridableKeys(rb: Runbook): Map<string, Slot> {
    const slots = new Map<string, Slot>();
    for (const alert of rb.alerts) {
        for (const level of alert.levels) {
            const base = `alerts.${alert.id}.${level.severity}`;
            slots.set(`${base}.threshold`, {
                kind: "threshold",
                tighterWhen: alert.direction === "above" ? "lower" : "higher",
                get: () => level.threshold,
                set: (v) => {
                    level.overridden = { ...level.overridden, threshold: `overrides.${base}.threshold (the runbook's: ${level.threshold})` };
                    level.threshold = v as number;
                },
            });
            slots.set(`${base}.for`, {
                kind: "duration",
                get: () => level.for,
                set: (v) => {
                    level.overridden = { ...level.overridden, for: `overrides.${base}.for (the runbook's: ${level.for})` };
                    level.for = v as string;
                },
            });
        }
    }
    for (const backup of rb.backups) {
        const base = `backups.${backup.dataset}`;
        slots.set(`${base}.retentionDays`, {
            kind: "min-int",
            max: { value: MAX_BACKUP_RETENTION_DAYS, why: "the retention becomes the backup vault lock's minimum, which cannot be lowered after the lock's cooling-off (runbooks/overrides.ts, MAX_BACKUP_RETENTION_DAYS)" },
            get: () => backup.retentionDays,
            set: (v) => (backup.retentionDays = v as number),
        });
        slots.set(`${base}.cron`, {
            kind: "cron",
            get: () => backup.cron,
            set: (v) => {
                backup.cron = v as string;
                backup.every = `${largestIntervalSeconds(v as string)}s`;
            },
        });
    }
    slots.set("logs.retentionDays", { kind: "min-int", get: () => rb.logs.retentionDays, set: (v) => (rb.logs.retentionDays = v as number) });
    for (const svc of rb.services) {
        for (const field of ["min", "desired", "max"] as const) {
            slots.set(`services.${svc.name}.scaling.${field}`, {
                kind: "min-int",
                get: () => svc.scaling[field],
                set: (v) => (svc.scaling[field] = v as number),
            });
        }
    }
    return slots;
}

function isTighter(slot: Slot, from: number | string, to: number | string): boolean {
    switch (slot.kind) {
        case "threshold":
            return slot.tighterWhen === "lower" ? (to as number) <= (from as number) : (to as number) >= (from as number);
        case "duration":
            return durationSeconds(to as string) <= durationSeconds(from as string);
        case "min-int":
            return (to as number) >= (from as number);
        case "cron":
            // The longest gap decides how old the last backup gets: two runs an hour apart once a week are weekly.
            return largestIntervalSeconds(to as string) <= largestIntervalSeconds(from as string);
    }
}

function describe(slot: Slot, from: number | string): string {
    switch (slot.kind) {
        case "threshold":
            return slot.tighterWhen === "lower" ? `a number <= ${from} (the runbook's)` : `a number >= ${from} (the runbook's)`;
        case "duration":
            return `a duration no longer than ${from} (the runbook's)`;
        case "min-int":
            return `a whole number >= ${from} (the runbook's)`;
        case "cron":
            return `a cron schedule at least as frequent as "${from}" (the runbook's)`;
    }
}

function checkShape(slot: Slot, key: string, value: unknown): void {
    const ok =
        slot.kind === "threshold"
            ? typeof value === "number" && Number.isFinite(value)
            : slot.kind === "min-int"
              ? typeof value === "number" && Number.isInteger(value) && value > 0
              : typeof value === "string";
    if (!ok) throw new OverrideError(key, value, `expected ${slot.kind === "threshold" ? "a number" : slot.kind === "min-int" ? "a positive whole number" : "a string"}`);
    if (slot.kind === "duration" && !/^[0-9]+(s|m|h|d)$/.test(value as string)) throw new OverrideError(key, value, "expected a duration like 30s, 5m, 1h");
    if (slot.max && (value as number) > slot.max.value) {
        throw new OverrideError(key, value, `above the platform's maximum of ${slot.max.value}: ${slot.max.why}; allowed: ${describe(slot, slot.get())} and <= ${slot.max.value}`);
    }
    if (slot.kind === "cron") cronProblem(slot, key, value as string);
}

/** A backup cron a stack sets: five fields (minute hour day-of-month month day-of-week, UTC), parsable, and firing at all. */
function cronProblem(slot: Slot, key: string, value: string): void {
    const allowed = `allowed: ${describe(slot, slot.get())}, five fields (minute hour day-of-month month day-of-week, in UTC)`;
    const fields = value.trim().split(/\s+/).filter(Boolean).length;
    if (fields !== 5) throw new OverrideError(key, value, `a cron expression of ${fields} field${fields === 1 ? "" : "s"}, not five (a sixth field is read as seconds or years by other tools); ${allowed}`);
    const never = `a schedule that never fires (no date has that day of month in that month, e.g. 31 February); ${allowed}`;
    let runs;
    try {
        runs = CronExpressionParser.parse(value, { tz: "UTC" });
    } catch (e) {
        // cron-parser refuses a day of month no listed month has at parse time.
        if (/day of month/i.test((e as Error).message)) throw new OverrideError(key, value, never);
        throw new OverrideError(key, value, `not a cron expression (${(e as Error).message}); ${allowed}`);
    }
    try {
        runs.next();
    } catch {
        throw new OverrideError(key, value, never);
    }
}

/**
 * Applies the stack's overrides to a copy of the runbook. Throws OverrideError for an unknown
 * key, a value of the wrong kind, or a loosening with no declared exception.
 */
export function applyOverrides(
    runbook: Runbook,
    overrides: readonly Override[],
    exceptions: readonly Exception[],
): { runbook: Runbook; applied: AppliedOverride[] } {
    const copy = structuredClone(runbook) as Runbook;
    const slots = overridableKeys(copy);
    const applied: AppliedOverride[] = [];
    for (const ex of exceptions) {
        if (!overrides.some((o) => o.key === ex.key)) {
            throw new OverrideError(ex.key, ex.reason, "an exception must name a key this stack overrides", "exceptions");
        }
    }
    for (const o of overrides) {
        const slot = slots.get(o.key);
        if (!slot) {
            const sample = [...slots.keys()].slice(0, 4).join(", ");
            throw new OverrideError(o.key, o.value, `not a runbook number this app has (e.g. ${sample}; see runbooks/${runbook.app}.ts)`);
        }
        checkShape(slot, o.key, o.value);
        const from = slot.get();
        const tightens = isTighter(slot, from, o.value);
        const exception = exceptions.find((e) => e.key === o.key);
        if (!tightens && !exception) {
            throw new OverrideError(o.key, o.value, `loosens the runbook; allowed: ${describe(slot, from)}, or declare an exception with a reason under \`exceptions\``);
        }
        slot.set(o.value);
        applied.push({ key: o.key, from, to: o.value, tightens, ...(exception && !tightens ? { exception: exception.reason } : {}) });
    }
    return { runbook: copy, applied };
}
