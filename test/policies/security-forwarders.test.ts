import test from "ava";
import { awsLambdaFunctionFailureAlarmed } from "../../policies/aws/lambda-function-failure-alarmed";
import { allStacks } from "../../stacks/settings";
import { find, type Fake } from "./helpers";
import { compliantAndBroken, planPasses } from "./security-helpers";

/** Alert forwarders that cannot fail silently (issue 15): a failure destination and an alarm on errors, per function. */

const fixture = (): Fake[] => [
    { type: "aws:sqs/queue:Queue", name: "dlq", props: { name: "bunty-production-chat-dead-letters", sqsManagedSseEnabled: true } },
    { type: "aws:lambda/function:Function", name: "chat", props: { name: "bunty-production-chat", runtime: "nodejs22.x", deadLetterConfig: { targetArn: "arn:aws:sqs:us-east-1:1:bunty-production-chat-dead-letters" } } },
    {
        type: "aws:cloudwatch/metricAlarm:MetricAlarm",
        name: "errors",
        props: { namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: "bunty-production-chat" }, threshold: 0, comparisonOperator: "GreaterThanThreshold", alarmActions: ["arn:aws:sns:us-east-1:1:critical"] },
    },
];

test("aws-lambda-function-failure-alarmed: compliant fixture passes; no destination, no alarm, an alarm on another function or without action are reported", async (t) => {
    await compliantAndBroken(t, "aws-lambda-function-failure-alarmed", "bunty-production", fixture, {
        "no dead-letter queue (as before)": { edit: (r) => delete find(r, "chat").props.deadLetterConfig, expect: /has no failure destination/ },
        "no errors alarm": { edit: (r) => (find(r, "errors").props.metricName = "Throttles"), expect: /no alarm \(with an action\) on its AWS\/Lambda Errors/ },
        "an alarm on another function": { edit: (r) => (find(r, "errors").props.dimensions.FunctionName = "other"), expect: /no alarm/ },
        "an alarm nobody hears": { edit: (r) => (find(r, "errors").props.alarmActions = []), expect: /no alarm \(with an action\)/ },
    });
    // An on-failure destination counts as a failure destination.
    await compliantAndBroken(t, "aws-lambda-function-failure-alarmed",
        "bunty-production",
        () => {
            const r = fixture();
            delete find(r, "chat").props.deadLetterConfig;
            r.push({ type: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", name: "invoke", props: { functionName: "bunty-production-chat", destinationConfig: { onFailure: { destination: "arn:aws:sqs:us-east-1:1:q" } } } });
            return r;
        },
        { "an on-success destination only": { edit: (r) => (find(r, "invoke").props.destinationConfig = { onSuccess: { destination: "arn:aws:sqs:us-east-1:1:q" } }), expect: /has no failure destination/ } },
    );
});

test("every production stack's forwarders pass", async (t) => {
    t.timeout(10 * 60_000);
    await planPasses(t, allStacks().filter((s) => s.endsWith("-production")), [awsLambdaFunctionFailureAlarmed]);
});
