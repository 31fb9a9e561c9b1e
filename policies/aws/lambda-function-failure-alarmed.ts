import { finding, label, stackRule, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { isRecord } from "../lib/values";

const FUNCTION = "aws:lambda/function:Function";
const INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

const physicalName = (fn: Subject): string => String(fn.props.name ?? fn.name);

function hasFailureDestination(fn: Subject, configs: readonly Subject[]): boolean {
    if (typeof fn.props.deadLetterConfig?.targetArn === "string" && fn.props.deadLetterConfig.targetArn) return true;
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
        return ofType(resources, FUNCTION).flatMap((fn) => [
            ...(hasFailureDestination(fn, configs) ? [] : [finding(`${label(fn)} has no failure destination; an event it fails on after Lambda's retries is dropped without a trace`, { urn: fn.urn })]),
            ...(alarmsErrors(fn, alarms) ? [] : [finding(`${label(fn)} has no alarm (with an action) on its AWS/Lambda Errors; a failing forwarder drops pages silently`, { urn: fn.urn })]),
        ]);
    },
});
