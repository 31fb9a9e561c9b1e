import type { Runbook } from "../../runbooks";
import { silencedAlertIds, WEEK_MINUTES, weeklyMinutes } from "../../runbooks/language/maintenance";
import type { AlarmSpec } from "./alarms";

/**
 * The runbook's maintenance-window silence for the CloudWatch alarms that notify by themselves
 * (no Alertmanager on their way): EventBridge Scheduler calls CloudWatch's DisableAlarmActions on
 * exactly the silenced alerts' notifying alarms when the window opens and EnableAlarmActions when it
 * closes, so no subscriber of their topics (pager and chat forwarders, e-mail) hears them inside the
 * window, and every other alarm keeps notifying. CloudWatch notifies on state changes only, so an
 * alarm that entered ALARM inside the window would never be announced; Alertmanager re-sends an
 * alert still firing when its mute ends, and so does this: a minute after the actions are back on,
 * one schedule per muted alarm calls CloudWatch's SetAlarmState to OK. CloudWatch evaluates the
 * alarm again at its next period and, still breaching, moves it to ALARM with its actions on: the
 * page (or chat message) goes out. An alarm that is OK stays OK (no change, nothing sent).
 */

/** The universal targets of EventBridge Scheduler that call CloudWatch's API. */
export const ALARM_ACTIONS_TARGET = {
    disable: "arn:aws:scheduler:::aws-sdk:cloudwatch:disableAlarmActions",
    enable: "arn:aws:scheduler:::aws-sdk:cloudwatch:enableAlarmActions",
    reset: "arn:aws:scheduler:::aws-sdk:cloudwatch:setAlarmState",
} as const;
/** What the schedules' role may call, on the muted alarms only. */
export const ALARM_ACTIONS_PERMISSIONS = ["cloudwatch:DisableAlarmActions", "cloudwatch:EnableAlarmActions", "cloudwatch:SetAlarmState"] as const;

/** The state a `reset` schedule sets (SetAlarmState takes one alarm per call), and the reason CloudWatch records. */
export const RESET_STATE = { StateValue: "OK", StateReason: "End of the runbook's maintenance window: evaluate again so an alarm still breaching notifies" } as const;

/** EventBridge Scheduler's limit on a schedule name. */
export const SCHEDULE_NAME_MAX = 64;

/** Minutes after the window's end at which the muted alarms are reset: after their actions are back on. */
export const RESET_DELAY_MINUTES = 1;

export interface AlarmMuteSchedule {
    readonly action: keyof typeof ALARM_ACTIONS_TARGET;
    /** EventBridge Scheduler `cron(minutes hours day-of-month month day-of-week year)`, UTC, day-of-week 1 = Sunday. */
    readonly expression: string;
    /** `reset` only: the one alarm (AlarmSpec.key) it sets to OK. */
    readonly alarmKey?: string;
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
            ...alarmKeys.map((alarmKey) => ({ action: "reset" as const, expression: weeklyCron(start + minutes + RESET_DELAY_MINUTES), alarmKey })),
        ],
    };
}

/** What one schedule sends CloudWatch: the muted alarms' names, or (reset) the one alarm and its new state. */
export function scheduleInput(s: AlarmMuteSchedule, alarmNames: Readonly<Record<string, string>>, mute: AlarmMute): Record<string, unknown> {
    if (s.action === "reset") return { AlarmName: alarmNames[s.alarmKey!], ...RESET_STATE };
    return { AlarmNames: mute.alarmKeys.map((k) => alarmNames[k]) };
}
