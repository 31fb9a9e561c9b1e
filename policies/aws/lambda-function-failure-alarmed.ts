import { finding, label, stackRule, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { isUnknown } from "../lib/inputs";
import { isRecord } from "../lib/values";

const FUNCTION = "aws:lambda/function:Function";
const INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const QUEUE = "aws:sqs/queue:Queue";

const physicalName = (fn: Subject): string => String(fn.props.name ?? fn.name);

function hasFailureDestination(fn: Subject, configs: readonly Subject[], queues: readonly Subject[]): boolean {
    const target = fn.props.deadLetterConfig?.targetArn;
    if (typeof target === "string" && target) return true;
    // A first preview: the queue's ARN is unknown until it exists; the function depends on the queue it names.
    if (isUnknown(target) && queues.some((q) => (fn.dependencies ?? []).includes(q.urn))) return true;
    return configs.some((c) => (c.props.functionName === physicalName(fn) || (c.dependencies ?? []).includes(fn.urn)) && isRecord(c.props.destinationConfig?.onFailure) && !!c.props.destinationConfig.onFailure.destination);
}

function alarmsErrors(fn: Subject, alarms: readonly Subject[]): boolean {
    return alarms.some((a) => {
        const direct = a.props.namespace === "AWS/Lambda" && a.props.metricName === "Errors" && a.props.dimensions?.FunctionName === physicalName(fn);
        const query = (a.props.metricQueries ?? []).some((q: any) => q?.metric?.namespace === "AWS/Lambda" && q.metric.metricName === "Errors" && q.metric.dimensions?.FunctionName === physicalName(fn));
        return (direct || query) && Array.isArray(a.props.alarmActions) && a.props.alarmActions.length > 0;
    });
}

/**
 * An asynchronously invoked function (the alert forwarders SNS calls) must not lose an event
 * silently (checkov CKV_AWS_116, FSBP's Lambda DLQ guidance): it has a failure destination (a
 * dead-letter queue or an on-failure destination), and an alarm with an action on its Errors.
 */
export const awsLambdaFunctionFailureAlarmed = stackRule({
    name: "aws-lambda-function-failure-alarmed",
    description: "Every Lambda function has a failure destination (deadLetterConfig or an on-failure destination) and a CloudWatch alarm with an action on its AWS/Lambda Errors metric.",
    tier: "security",
    target: "aws",
    remediationSteps: "Give the function deadLetterConfig.targetArn (an SQS queue its role may sqs:SendMessage to) and a MetricAlarm on AWS/Lambda Errors (FunctionName = the function) > 0 that notifies a topic another receiver reads.",
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, FUNCTION).length ? undefined : "the stack has no Lambda function"),
    check: (resources) => {
        const configs = ofType(resources, INVOKE_CONFIG);
        const alarms = ofType(resources, ALARM);
        const queues = ofType(resources, QUEUE);
        return ofType(resources, FUNCTION).flatMap((fn) => [
            ...(hasFailureDestination(fn, configs, queues) ? [] : [finding(`${label(fn)} has no failure destination; an event it fails on after Lambda's retries is dropped without a trace`, { urn: fn.urn })]),
            ...(alarmsErrors(fn, alarms) ? [] : [finding(`${label(fn)} has no alarm (with an action) on its AWS/Lambda Errors; a failing forwarder drops pages silently`, { urn: fn.urn })]),
        ]);
    },
});
