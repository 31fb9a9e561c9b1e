import type { Runbook } from "../../runbooks";
import { silencedAlertIds, WEEK_MINUTES, weeklyMinutes } from "../../runbooks/language/maintenance";
import type { AlarmSpec } from "./alarms";

/**
 * The runbook's maintenance-window silence for the CloudWatch alarms that notify by themselves
 * (no Alertmanager on their way): EventBridge Scheduler calls CloudWatch's DisableAlarmActions on
 * exactly the silenced alerts' notifying alarms when the window opens and EnableAlarmActions when it
 * closes, so no subscriber of their topics (pager and chat forwarders, e-mail) hears them inside the
 * window, and every other alarm keeps notifying. Like Alertmanager's mute, an alarm that enters
 * ALARM inside the window is not announced when the window closes (CloudWatch notifies on state
 * changes only); the alarm's state stays visible in the console and in Grafana.
 */

/** The universal targets of EventBridge Scheduler that call CloudWatch's API. */
export const ALARM_ACTIONS_TARGET = {
    disable: "arn:aws:scheduler:::aws-sdk:cloudwatch:disableAlarmActions",
    enable: "arn:aws:scheduler:::aws-sdk:cloudwatch:enableAlarmActions",
} as const;
/** What the schedules' role may call, on the muted alarms only. */
export const ALARM_ACTIONS_PERMISSIONS = ["cloudwatch:DisableAlarmActions", "cloudwatch:EnableAlarmActions"] as const;

export interface AlarmMuteSchedule {
    readonly action: keyof typeof ALARM_ACTIONS_TARGET;
    /** EventBridge Scheduler `cron(minutes hours day-of-month month day-of-week year)`, UTC, day-of-week 1 = Sunday. */
    readonly expression: string;
}

export interface AlarmMute {
    /** Keys of the alarms (AlarmSpec.key) whose actions are switched off in the window. */
    readonly alarmKeys: readonly string[];
    readonly schedules: readonly AlarmMuteSchedule[];
}

/** A minute of the week (Sunday 00:00 UTC = 0) as a weekly Scheduler cron. */
export function weeklyCron(minuteOfWeek: number): string {
    const m = ((minuteOfWeek % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES;
    const day = Math.floor(m / 1440);
    return `cron(${m % 60} ${Math.floor((m % 1440) / 60)} ? * ${day + 1} *)`;
}

/** The silence of the notifying alarms of the alerts the window silences; undefined when none is silenced or none of them notifies from CloudWatch. */
export function alarmMute(rb: Runbook, specs: readonly AlarmSpec[]): AlarmMute | undefined {
    const ids = silencedAlertIds(rb);
    const alarmKeys = specs.filter((s) => s.notifies && ids.includes(s.alertId)).map((s) => s.key);
    if (alarmKeys.length === 0) return undefined;
    const { start, minutes } = weeklyMinutes(rb.maintenanceWindow);
    return {
        alarmKeys,
        schedules: [
            { action: "disable", expression: weeklyCron(start) },
            { action: "enable", expression: weeklyCron(start + minutes) },
        ],
    };
}
