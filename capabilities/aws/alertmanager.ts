import { durationSeconds, type AlertSeverity, type Runbook } from "../../runbooks";
import { alertmanagerConfig, ampAlertManagerDefinition, WATCHDOG_TIMINGS, type PagedByAlarm, type SnsReceivers } from "../alerting/routing";

/**
 * The Amazon Managed Prometheus alert manager definition: the alerting capability's routing
 * (timings from the runbook's response times, inhibitions, the Watchdog route) with one SNS topic
 * per severity (AMP only delivers to SNS). The CloudWatch alarms publish to the same topics, and
 * the severity's channels (`severityChannels`) read them. Built as `npm run render` builds it.
 */

export type TopicPart = AlertSeverity | "heartbeat";

export interface SeverityTopics extends Readonly<Record<AlertSeverity, string>> {
    /** The Watchdog's heartbeat topic: its silence is the dead man's switch. */
    readonly heartbeat: string;
}

/** The topics' physical names: `<app>-<env>-<severity>`, `<app>-<env>-heartbeat`. */
export function topicName(prefix: string, part: TopicPart): string {
    return `${prefix}-${part}`;
}

/** The ARN AWS gives a standard SNS topic of that name (arn:partition:sns:region:account:name). */
export function topicArn(partition: string, region: string, accountId: string, name: string): string {
    return `arn:${partition}:sns:${region}:${accountId}:${name}`;
}

/** The AWS partition a region belongs to. */
export function partitionOf(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    return "aws";
}

/** The ARNs of a stack's topics, as `npm run render` writes them for an account. */
export function stackTopicArns(prefix: string, partition: string, region: string, accountId: string): SeverityTopics {
    const arn = (part: TopicPart) => topicArn(partition, region, accountId, topicName(prefix, part));
    return { critical: arn("critical"), warning: arn("warning"), info: arn("info"), heartbeat: arn("heartbeat") };
}

/** The alerting receivers of the AMP alert manager: one topic per severity, the Watchdog to the heartbeat. */
export function ampReceivers(region: string, topics: SeverityTopics): SnsReceivers {
    return { kind: "sns", region, topicArns: { critical: topics.critical, warning: topics.warning, info: topics.info }, deadMansSwitchTopicArn: topics.heartbeat };
}

/** The routing configuration with one SNS topic per severity; `paged`: the services the Route 53 reachability alarms page for. */
export function ampAlertManagerConfig(rb: Runbook, region: string, topics: SeverityTopics, paged?: PagedByAlarm): Record<string, unknown> {
    return alertmanagerConfig(rb, ampReceivers(region, topics), paged);
}

/** The definition AMP takes (`alertmanager_config` wrapped as YAML text). */
export function ampDefinition(rb: Runbook, region: string, topics: SeverityTopics, paged?: PagedByAlarm): string {
    return ampAlertManagerDefinition(ampAlertManagerConfig(rb, region, topics, paged));
}

/**
 * The dead man's switch on CloudWatch: the Watchdog is re-sent every repeat interval; the alarm
 * fires when that many periods in a row saw no heartbeat at all.
 */
export const HEARTBEAT_MISSED_PERIODS = 3;
export function heartbeatPeriodSeconds(): number {
    return durationSeconds(WATCHDOG_TIMINGS.repeat_interval) + durationSeconds(WATCHDOG_TIMINGS.group_interval);
}
