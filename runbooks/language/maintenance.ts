import { z } from "zod";

/**
 * `maintenanceWindow`: when the runbook's maintenance happens (the managed engines' own windows are
 * scheduled in it, capabilities/aws/windows.ts) and, where the runbook says so, which of its alerts
 * are silenced while it lasts (`silences`). Its own module so the language grows outside
 * runbooks/schema.ts; schema.ts hands in the shared `source`, `defaulted` and `converted` schemas
 * (this module imports nothing from schema.ts, so there is no import cycle).
 */

export const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A week in minutes: the cycle the weekly window repeats in. */
export const WEEK_MINUTES = 7 * 1440;

/**
 * The longest maintenance window the runbook language takes: four hours. The window silences the
 * runbook's alerts it names while it lasts, so its length is how long those alerts stay quiet each
 * week; a maintenance that needs longer is a change planned on its own, not a weekly silence
 * (a 10079-minute window would silence them all week but one minute). Four hours is twice the
 * platform's default two-hour window (runbooks/defaults.ts, maintenanceMinutes).
 */
export const MAX_WINDOW_MINUTES = 4 * 60;

export function maintenanceWindowSchema<S extends z.ZodTypeAny, D extends z.ZodTypeAny, C extends z.ZodTypeAny>(source: S, defaulted: D, converted: C) {
    return z
        .object({
            day: z.enum(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]),
            startUtc: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/),
            durationMinutes: z
                .number()
                .int()
                .positive()
                .max(MAX_WINDOW_MINUTES, `a window that silences its alerts at most ${MAX_WINDOW_MINUTES / 60} hours a week (allowed: 1 to ${MAX_WINDOW_MINUTES} minutes)`),
            /**
             * The alerts the runbook silences while the window lasts ("data alerts are silenced
             * during the window"): by id (`alerts`), by what they are about (`subjects`: every runbook
             * alert whose `subject` is one of them), or both. Only the runbook's own alerts; the
             * platform's baseline alerts and every other alert keep notifying. Absent: nothing is
             * silenced, the window only schedules maintenance.
             */
            silences: z
                .object({
                    alerts: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).optional(),
                    subjects: z.array(z.string().min(1)).optional(),
                    source,
                })
                .strict()
                .refine((s) => (s.alerts?.length ?? 0) + (s.subjects?.length ?? 0) > 0, { message: "silences names no alert and no subject (allowed: alerts: [<alert id>], subjects: [<alert subject>])" })
                .optional(),
            source: source.optional(),
            defaulted,
            converted,
        })
        .strict();
}

interface WindowLike {
    readonly day: Weekday | string;
    readonly startUtc: string;
    readonly durationMinutes: number;
    readonly silences?: { readonly alerts?: readonly string[]; readonly subjects?: readonly string[] };
}
interface RunbookLike {
    readonly app: string;
    readonly alerts: readonly { readonly id: string; readonly subject?: string }[];
    readonly maintenanceWindow: WindowLike;
}

/** Problems of `maintenanceWindow.silences` against the runbook's alerts: an id or subject that names no alert of the runbook would silence nothing. */
export function silenceProblems(rb: RunbookLike): { path: (string | number)[]; message: string }[] {
    const s = rb.maintenanceWindow.silences;
    if (!s) return [];
    const ids = rb.alerts.map((a) => a.id);
    const subjects = [...new Set(rb.alerts.flatMap((a) => (a.subject ? [a.subject] : [])))];
    const out: { path: (string | number)[]; message: string }[] = [];
    for (const [i, id] of (s.alerts ?? []).entries()) {
        if (!ids.includes(id)) out.push({ path: ["maintenanceWindow", "silences", "alerts", i], message: `${rb.app}: maintenanceWindow.silences.alerts names "${id}", which is no alert of the runbook; allowed: ${ids.join(", ")}` });
    }
    for (const [i, subject] of (s.subjects ?? []).entries()) {
        if (!subjects.includes(subject)) {
            out.push({
                path: ["maintenanceWindow", "silences", "subjects", i],
                message: `${rb.app}: maintenanceWindow.silences.subjects names "${subject}", which no alert of the runbook is about, so nothing would be silenced; allowed: ${subjects.join(", ") || "none (no alert has a subject)"}`,
            });
        }
    }
    return out;
}

/** The ids of the runbook alerts the maintenance window silences, in the runbook's order; empty when it silences none. */
export function silencedAlertIds(rb: RunbookLike): string[] {
    const s = rb.maintenanceWindow.silences;
    if (!s) return [];
    return rb.alerts.filter((a) => (s.alerts ?? []).includes(a.id) || (a.subject !== undefined && (s.subjects ?? []).includes(a.subject))).map((a) => a.id);
}

/** The window as minutes after Sunday 00:00 UTC, and its length. */
export function weeklyMinutes(w: WindowLike): { start: number; minutes: number } {
    const [h, m] = w.startUtc.split(":").map(Number);
    return { start: WEEKDAYS.indexOf(w.day as Weekday) * 1440 + h * 60 + m, minutes: w.durationMinutes };
}

/** Whether an instant falls inside the weekly window (start inclusive, end exclusive), the window's own definition. */
export function insideWindow(w: WindowLike, at: Date): boolean {
    const { start, minutes } = weeklyMinutes(w);
    const now = at.getUTCDay() * 1440 + at.getUTCHours() * 60 + at.getUTCMinutes();
    const offset = (((now - start) % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES;
    return offset < minutes;
}
