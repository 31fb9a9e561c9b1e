import { durationSeconds, type AlertSeverity, type Runbook } from "../../runbooks";
import { alertmanagerConfig, ampAlertManagerDefinition, receiverName, WATCHDOG_TIMINGS } from "../alerting/routing";

/**
 * The Amazon Managed Prometheus alert manager definition. The routing (timings from the runbook's
 * response times, inhibitions, the Watchdog route) is the alerting capability's, with SNS receivers:
 * AMP only delivers to SNS. The AWS target keeps one topic per severity (the CloudWatch alarms
 * publish to the same three), so the info receiver is pointed at the info topic rather than the
 * chat topic the capability shares between warning and info.
 */

export interface SeverityTopics {
    readonly critical: string;
    readonly warning: string;
    readonly info: string;
    /** The Watchdog's heartbeat topic: its silence is the dead man's switch. */
    readonly heartbeat: string;
}

interface SnsReceiver {
    name: string;
    sns_configs: { topic_arn: string }[];
}

/** The routing configuration with one SNS topic per severity. */
export function ampAlertManagerConfig(rb: Runbook, region: string, topics: SeverityTopics): Record<string, unknown> {
    const config = alertmanagerConfig(rb, { kind: "sns", region, pageTopicArn: topics.critical, chatTopicArn: topics.warning, deadMansSwitchTopicArn: topics.heartbeat });
    const receivers = config.receivers as SnsReceiver[];
    const info = receivers.find((r) => r.name === receiverName(rb.app, "info"));
    if (!info) throw new Error(`${rb.app}: the alerting routing has no ${receiverName(rb.app, "info")} receiver`);
    info.sns_configs = info.sns_configs.map((c) => ({ ...c, topic_arn: topics.info }));
    return config;
}

/** The definition AMP takes (`alertmanager_config` wrapped as YAML text). */
export function ampDefinition(rb: Runbook, region: string, topics: SeverityTopics): string {
    return ampAlertManagerDefinition(ampAlertManagerConfig(rb, region, topics));
}

/** Which topic each severity's notifications land on. */
export function topicFor(topics: SeverityTopics, severity: AlertSeverity): string {
    return topics[severity];
}

/**
 * The dead man's switch on CloudWatch: the Watchdog is re-sent every repeat interval; the alarm
 * fires when that many periods in a row saw no heartbeat at all.
 */
export const HEARTBEAT_MISSED_PERIODS = 3;
export function heartbeatPeriodSeconds(): number {
    return durationSeconds(WATCHDOG_TIMINGS.repeat_interval) + durationSeconds(WATCHDOG_TIMINGS.group_interval);
}
