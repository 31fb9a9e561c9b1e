import type { Runbook } from "../../runbooks";
import { silencedAlertIds, WEEK_MINUTES, WEEKDAYS, weeklyMinutes } from "../../runbooks/language/maintenance";

/**
 * The runbook's maintenance window as Alertmanager mutes it: one named time interval (UTC, the
 * window's days and times, split at midnight), muted on the routes of exactly the alerts the
 * runbook silences in it (`maintenanceWindow.silences`). Every target's Alertmanager (Docker,
 * Kubernetes, Amazon Managed Prometheus) gets it from `alertmanagerConfig`; the pack accepts this
 * mute, and no other, on a critical alert's route (policies/lib/paging.ts).
 */

export interface AmTimeRange {
    readonly weekdays: readonly string[];
    readonly times: readonly { readonly start_time: string; readonly end_time: string }[];
}

export interface MaintenanceMute {
    /** The time interval's name, referenced by the muted routes' `mute_time_intervals`. */
    readonly name: string;
    /** Alertmanager `time_intervals[].time_intervals`: location absent = UTC. */
    readonly intervals: readonly AmTimeRange[];
    /** The runbook alert ids whose routes mute it. */
    readonly alertIds: readonly string[];
}

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;

export function maintenanceIntervalName(app: string): string {
    return `${app}-maintenance-window`;
}

/** The window's day-by-day pieces as Alertmanager time ranges (end_time 24:00 closes a day). */
export function windowTimeRanges(rb: Pick<Runbook, "maintenanceWindow">): AmTimeRange[] {
    const { start, minutes } = weeklyMinutes(rb.maintenanceWindow);
    const out: AmTimeRange[] = [];
    for (let at = start, left = minutes; left > 0; ) {
        const dayStart = Math.floor(at / 1440) * 1440;
        const end = Math.min(at + left, dayStart + 1440);
        out.push({ weekdays: [WEEKDAYS[(dayStart / 1440) % 7]], times: [{ start_time: hhmm(at - dayStart), end_time: hhmm(end - dayStart) }] });
        left -= end - at;
        at = end % WEEK_MINUTES;
    }
    return out;
}

/** The runbook's mute, or undefined when its window silences nothing. */
export function maintenanceMute(rb: Runbook): MaintenanceMute | undefined {
    const alertIds = silencedAlertIds(rb);
    if (alertIds.length === 0) return undefined;
    return { name: maintenanceIntervalName(rb.app), intervals: windowTimeRanges(rb), alertIds };
}

/** An `alert_id` matcher accepting exactly these ids (ids are kebab-case: nothing to escape). */
export function alertIdMatcher(ids: readonly string[]): string {
    return `alert_id=~"${ids.join("|")}"`;
}
