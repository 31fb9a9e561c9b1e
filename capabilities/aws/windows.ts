import { CronExpressionParser } from "cron-parser";
import type { Runbook } from "../../runbooks";

/**
 * Maintenance, backup and snapshot windows for the managed data services. The maintenance window
 * is the runbook's; the daily windows are placed so they never overlap it (RDS, DocumentDB and
 * ElastiCache refuse overlapping windows) nor the AWS Backup jobs' start windows.
 */

const WEEK = 7 * 1440;
/** AWS's three-letter days, Sunday first (minute 0 of the week is Sunday 00:00 UTC). */
export const AWS_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const RUNBOOK_DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;

/** RDS and DocumentDB automated-backup windows must be at least 30 minutes. */
export const BACKUP_WINDOW_MINUTES = 30;
/** ElastiCache snapshot windows must be at least 60 minutes. */
export const SNAPSHOT_WINDOW_MINUTES = 60;
/** Gap between the maintenance window's end and the automated-backup window, so a late patch does not run into it. */
export const WINDOW_GAP_MINUTES = 30;

export interface WeeklyWindow {
    /** Minutes after Sunday 00:00 UTC. */
    readonly start: number;
    readonly minutes: number;
}

const hhmm = (minuteOfDay: number) => `${String(Math.floor(minuteOfDay / 60)).padStart(2, "0")}:${String(minuteOfDay % 60).padStart(2, "0")}`;

export function maintenanceWindow(rb: Runbook): WeeklyWindow {
    const { day, startUtc, durationMinutes } = rb.maintenanceWindow;
    const [h, m] = startUtc.split(":").map(Number);
    if (durationMinutes < 60 || durationMinutes > 24 * 60) {
        throw new Error(`${rb.app}: maintenanceWindow.durationMinutes = ${durationMinutes}: AWS maintenance windows last 60 minutes to 24 hours`);
    }
    return { start: RUNBOOK_DAYS.indexOf(day) * 1440 + h * 60 + m, minutes: durationMinutes };
}

/** `wed:03:00-wed:05:00`, as RDS, DocumentDB, ElastiCache and MSK write it. */
export function formatWeekly(w: WeeklyWindow): string {
    const at = (minute: number) => {
        const m = ((minute % WEEK) + WEEK) % WEEK;
        return `${AWS_DAYS[Math.floor(m / 1440)]}:${hhmm(m % 1440)}`;
    };
    return `${at(w.start)}-${at(w.start + w.minutes)}`;
}

/** `05:30-06:00`. */
export function formatDaily(startMinuteOfDay: number, minutes: number): string {
    return `${hhmm(startMinuteOfDay % 1440)}-${hhmm((startMinuteOfDay + minutes) % 1440)}`;
}

/** Whether a window that recurs every day at `startMinuteOfDay` ever overlaps the weekly window. */
export function dailyOverlapsWeekly(startMinuteOfDay: number, minutes: number, weekly: WeeklyWindow): boolean {
    for (let day = 0; day < 7; day++) {
        const s = day * 1440 + startMinuteOfDay;
        for (const shift of [-WEEK, 0, WEEK]) {
            const ws = weekly.start + shift;
            if (s < ws + weekly.minutes && ws < s + minutes) return true;
        }
    }
    return false;
}

function overlapsDaily(a: number, aMinutes: number, b: number, bMinutes: number): boolean {
    for (const shift of [-1440, 0, 1440]) {
        if (a < b + shift + bMinutes && b + shift < a + aMinutes) return true;
    }
    return false;
}

/**
 * The minute of the day a daily cron fires at; throws for crons that fire more or less than once a
 * day, since a daily window (snapshot, automated backup) cannot follow them.
 */
export function dailyCronMinute(cron: string, field: string): number {
    const it = CronExpressionParser.parse(cron, { tz: "UTC", currentDate: new Date("2026-01-05T00:00:00Z") });
    const times = Array.from({ length: 8 }, () => it.next().getTime());
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    if (gaps.some((g) => g !== 86400_000)) {
        throw new Error(`${field} = "${cron}": a managed daily snapshot can only follow a cron that fires once a day at a fixed time`);
    }
    const first = new Date(times[0]);
    return first.getUTCHours() * 60 + first.getUTCMinutes();
}

/** Minutes of the day at which each backup job's start window opens, for every run of `cron` within a day. */
export function cronStartsWithinDay(cron: string): number[] {
    const it = CronExpressionParser.parse(cron, { tz: "UTC", currentDate: new Date("2026-01-04T23:59:00Z") });
    const starts = new Set<number>();
    for (let i = 0; i < 2000; i++) {
        const t = new Date(it.next().getTime());
        if (t.getTime() >= Date.parse("2026-01-11T00:00:00Z")) break;
        starts.add(t.getUTCHours() * 60 + t.getUTCMinutes());
    }
    return [...starts].sort((a, b) => a - b);
}

/**
 * The daily automated-backup window of RDS or DocumentDB: 30 minutes, starting 30 minutes after
 * the runbook's maintenance window ends (on every day, not only the maintenance day, so it is one
 * fixed time). It must miss the maintenance window and the AWS Backup jobs' start windows.
 */
export function automatedBackupWindow(rb: Runbook, awsBackupStarts: readonly { cron: string; startWindowMinutes: number }[] = []): string {
    const maint = maintenanceWindow(rb);
    const start = (((maint.start + maint.minutes + WINDOW_GAP_MINUTES) % 1440) + 1440) % 1440;
    if (dailyOverlapsWeekly(start, BACKUP_WINDOW_MINUTES, maint)) {
        throw new Error(`${rb.app}: maintenanceWindow lasts ${maint.minutes} minutes; no daily backup window fits outside it`);
    }
    for (const job of awsBackupStarts) {
        for (const s of cronStartsWithinDay(job.cron)) {
            if (overlapsDaily(start, BACKUP_WINDOW_MINUTES, s, job.startWindowMinutes)) {
                throw new Error(`${rb.app}: the automated backup window ${formatDaily(start, BACKUP_WINDOW_MINUTES)} overlaps the AWS Backup job at "${job.cron}"; move maintenanceWindow.startUtc or the backup cron`);
            }
        }
    }
    return formatDaily(start, BACKUP_WINDOW_MINUTES);
}

/**
 * ElastiCache's daily snapshot window opens when the runbook's Redis backup runs; it must miss the
 * maintenance window (ElastiCache refuses an overlap).
 */
export function snapshotWindow(rb: Runbook, cron: string, field: string): string {
    const start = dailyCronMinute(cron, field);
    const maint = maintenanceWindow(rb);
    if (dailyOverlapsWeekly(start, SNAPSHOT_WINDOW_MINUTES, maint)) {
        throw new Error(
            `${field} = "${cron}": ElastiCache's snapshot window ${formatDaily(start, SNAPSHOT_WINDOW_MINUTES)} would overlap maintenanceWindow ${formatWeekly(maint)}; allowed: a time outside it`,
        );
    }
    return formatDaily(start, SNAPSHOT_WINDOW_MINUTES);
}
