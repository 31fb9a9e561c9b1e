import type { Subject } from "./policy";
import { isUnknown } from "./inputs";
import { asArray } from "./values";

/**
 * The SNS topics alerts are published to: those a CloudWatch alarm notifies (alarm, OK and
 * insufficient-data actions) and those AMP's alert manager definition names. Their subscriptions
 * are the runbook's channels (pager, chat, e-mail).
 */
export function alertTopicArns(resources: readonly Subject[]): Set<string> {
    const out = new Set<string>();
    for (const r of resources) {
        if (r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" || r.type === "aws:cloudwatch/compositeAlarm:CompositeAlarm") {
            for (const a of [...asArray<unknown>(r.props.alarmActions), ...asArray<unknown>(r.props.okActions), ...asArray<unknown>(r.props.insufficientDataActions)]) {
                if (typeof a === "string" && a.startsWith("arn:aws:sns:")) out.add(a);
            }
        }
        if (r.type === "aws:amp/alertManagerDefinition:AlertManagerDefinition" && typeof r.props.definition === "string") {
            for (const m of r.props.definition.matchAll(/arn:aws:sns:[^\s"'\\]+/g)) out.add(m[0]);
        }
    }
    return out;
}

/**
 * A filter policy on a subscription of an alert topic drops every notification it does not match,
 * and the platform sets none (components/targets/aws/monitoring.ts): each severity's topic carries
 * exactly the notifications its channels must hear. A policy matching nothing silences the channel.
 */
export function subscriptionFilterProblems(sub: Subject): string[] {
    const policy = sub.props.filterPolicy;
    if (policy === undefined || policy === null || policy === "" || isUnknown(policy)) return [];
    const scope = typeof sub.props.filterPolicyScope === "string" ? sub.props.filterPolicyScope : "MessageAttributes";
    return [
        `filterPolicy ${typeof policy === "string" ? policy : JSON.stringify(policy)} (scope ${scope}) is set: SNS delivers only the notifications it matches and drops the rest without a trace; the platform sets no filter on an alert channel, whose topic already carries exactly that severity's notifications`,
    ];
}
