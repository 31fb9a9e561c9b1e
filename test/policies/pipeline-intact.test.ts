import test from "ava";
import { check, compliantAndBroken, find, type Fake } from "./helpers";

/**
 * aws-alerting-pipeline-intact (issue 13, class A: the alerting pipeline switched off outside the
 * Alertmanager configuration). The fixture is the path a critical alert takes on AWS: AMP publishes
 * to the critical topic, SNS invokes the pager forwarder, which reads its routing key from a
 * secret; AMP's Watchdog goes to the heartbeat topic, whose silence an alarm pages on.
 */

const ACCOUNT = "123456789012";
const arn = (topic: string) => `arn:aws:sns:us-east-1:${ACCOUNT}:bunty-production-${topic}`;
const topicPolicy = (topic: string) =>
    JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Sid: "AlertPublishers", Effect: "Allow", Principal: { Service: ["aps.amazonaws.com", "cloudwatch.amazonaws.com"] }, Action: ["sns:Publish"], Resource: arn(topic) }],
    });

function fixture(): Fake[] {
    return [
        ...["critical", "heartbeat"].flatMap((t): Fake[] => [
            { type: "aws:sns/topic:Topic", name: `topic-${t}`, props: { name: `bunty-production-${t}` } },
            { type: "aws:sns/topicPolicy:TopicPolicy", name: `policy-${t}`, props: { arn: arn(t), policy: topicPolicy(t) } },
        ]),
        { type: "aws:secretsmanager/secret:Secret", name: "pager-routing-key", props: { description: "PagerDuty routing key" } },
        {
            type: "aws:lambda/function:Function",
            name: "pager",
            props: {
                name: "bunty-production-pager",
                environment: { variables: { EVENTS_URL: "https://events.pagerduty.com/v2/enqueue", ROUTING_KEY_SECRET_ARN: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:pager-routing-key-AbCdEf` } },
            },
        },
        { type: "aws:lambda/permission:Permission", name: "pager-critical", props: { action: "lambda:InvokeFunction", function: "bunty-production-pager", principal: "sns.amazonaws.com", sourceArn: arn("critical") } },
        { type: "aws:sns/topicSubscription:TopicSubscription", name: "critical-pager", props: { topic: arn("critical"), protocol: "lambda", endpoint: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:bunty-production-pager` } },
        {
            type: "aws:amp/alertManagerDefinition:AlertManagerDefinition",
            name: "alertmanager",
            props: { definition: `alertmanager_config: |\n  receivers:\n    - name: pager\n      sns_configs:\n        - topic_arn: ${arn("critical")}\n    - name: deadmans-switch\n      sns_configs:\n        - topic_arn: ${arn("heartbeat")}\n` },
        },
        {
            type: "aws:cloudwatch/metricAlarm:MetricAlarm",
            name: "heartbeat",
            props: {
                namespace: "AWS/SNS",
                metricName: "NumberOfMessagesPublished",
                dimensions: { TopicName: "bunty-production-heartbeat" },
                statistic: "Sum",
                period: 300,
                evaluationPeriods: 3,
                comparisonOperator: "LessThanThreshold",
                threshold: 1,
                treatMissingData: "breaching",
                alarmActions: [arn("critical")],
            },
        },
    ];
}

const statements = (rs: Fake[]) => find(rs, "policy-critical").props;

test("aws-alerting-pipeline-intact: a critical alert's path from AMP to the pager is open, and its silence pages", async (t) => {
    await compliantAndBroken(t, "aws-alerting-pipeline-intact", "bunty-production", fixture, {
        "the critical topic's policy denies publishing": { edit: (rs) => (statements(rs).policy = statements(rs).policy.replace('"Allow"', '"Deny"')), expect: /denies sns:Publish to aps\.amazonaws\.com, cloudwatch\.amazonaws\.com/ },
        "the critical topic's policy allows only CloudWatch": {
            edit: (rs) => (statements(rs).policy = statements(rs).policy.replace('["aps.amazonaws.com","cloudwatch.amazonaws.com"]', '["cloudwatch.amazonaws.com"]')),
            expect: /allows aps\.amazonaws\.com no sns:Publish/,
        },
        "the critical topic's policy deleted": { edit: (rs) => rs.splice(rs.indexOf(find(rs, "policy-critical")), 1), expect: /no aws:sns\/topicPolicy:TopicPolicy/ },
        "the pager's invoke permission deleted": { edit: (rs) => rs.splice(rs.indexOf(find(rs, "pager-critical")), 1), expect: /no aws:lambda\/permission:Permission lets sns\.amazonaws\.com invoke it/ },
        "the pager's permission for another principal": { edit: (rs) => (find(rs, "pager-critical").props.principal = "events.amazonaws.com"), expect: /lets sns\.amazonaws\.com invoke it/ },
        "the pager throttled to zero": { edit: (rs) => (find(rs, "pager").props.reservedConcurrentExecutions = 0), expect: /reservedConcurrentExecutions is 0/ },
        "the pager reads a secret the stack does not manage": {
            edit: (rs) => (find(rs, "pager").props.environment.variables.ROUTING_KEY_SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:someone-elses-key-XyZ123`),
            expect: /ROUTING_KEY_SECRET_ARN = \S+someone-elses-key-XyZ123 is not a secret of this stack \(pager-routing-key\)/,
        },
        "the heartbeat alarm deleted": { edit: (rs) => rs.splice(rs.indexOf(find(rs, "heartbeat")), 1), expect: /has a CloudWatch alarm on NumberOfMessagesPublished, the dead-man's switch/ },
        "the heartbeat alarm's actions off": { edit: (rs) => (find(rs, "heartbeat").props.actionsEnabled = false), expect: /dead-man's switch on AMP's Watchdog but actionsEnabled is false/ },
        "the heartbeat alarm notifies a topic that pages no one": { edit: (rs) => (find(rs, "heartbeat").props.alarmActions = [arn("heartbeat")]), expect: /none of its alarmActions \S+bunty-production-heartbeat\) is a topic that pages/ },
        "the heartbeat alarm treats silence as fine": { edit: (rs) => (find(rs, "heartbeat").props.treatMissingData = "notBreaching"), expect: /treatMissingData is notBreaching, not breaching/ },
    });
});

test("aws-alerting-pipeline-intact: tightening passes (an extra Allow, reserved concurrency above zero, a second heartbeat alarm)", async (t) => {
    const rs = fixture();
    const p = JSON.parse(statements(rs).policy);
    p.Statement.push({ Sid: "Events", Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sns:Publish", Resource: arn("critical") });
    statements(rs).policy = JSON.stringify(p);
    find(rs, "pager").props.reservedConcurrentExecutions = 5;
    rs.push({ ...structuredClone(find(rs, "heartbeat")), name: "heartbeat-2" });
    t.deepEqual((await check("aws-alerting-pipeline-intact", "bunty-production", rs)).messages, []);
});
