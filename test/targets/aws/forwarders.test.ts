import test from "ava";
import * as vm from "vm";
import { planStack, type StackPlan } from "../../../cli/harness/runtime";
import { CHAT_FORWARDER_SOURCE, failureTopic } from "../../../capabilities/aws/chat";
import { ALERT_SEVERITIES, type AppId } from "../../../runbooks";
import { mockId, named, ofType, prop, PRODUCTION } from "./helpers";

/**
 * Alert forwarders that cannot drop a page silently and cannot be made to ping a channel
 * (issue 15): each Lambda has a dead-letter queue it may write to, an alarm on its errors and one
 * on that queue, routed to a topic another receiver reads; the chat text is escaped as Slack's
 * formatting docs say (https://api.slack.com/reference/surfaces/formatting#escaping).
 */

const plans = new Map<AppId, StackPlan>();
test.before(async () => {
    for (const app of PRODUCTION) plans.set(app, await planStack(`${app}-production`));
});

function loadChat(env: Record<string, string>) {
    const posted: Record<string, any>[] = [];
    const module = { exports: {} as Record<string, (e: unknown) => any> };
    const sandbox = {
        module,
        require: () => ({ SecretsManagerClient: class { send = async () => ({ SecretString: "https://hooks.example/x" }) }, GetSecretValueCommand: class {} }),
        process: { env },
        fetch: async (_url: string, init: { body: string }) => {
            posted.push(JSON.parse(init.body));
            return { ok: true, status: 200 };
        },
    };
    vm.runInNewContext(`(function (module, exports) { ${CHAT_FORWARDER_SOURCE} })(module, module.exports)`, sandbox);
    return { exports: module.exports, posted };
}

test("chat forwarder: <, > and & in an alarm or an AMP alert reach Slack as entities, so <!channel> cannot be injected", async (t) => {
    const { exports, posted } = loadChat({ WEBHOOK_SECRET_ARN: "arn", APP: "bunty", CHANNEL: "#alerts" });
    const hostile = "<!channel> <@U123> <https://evil.example|login> & more";
    const alarm = { AlarmName: "bunty-production-x", NewStateValue: "ALARM", AlarmDescription: hostile, NewStateReason: "a > b" };
    await exports.handler({ Records: [{ Sns: { Message: JSON.stringify(alarm) } }, { Sns: { Message: `summary=${hostile}`, Subject: "[bunty] <!here>" } }] });
    t.is(posted.length, 2);
    for (const { text } of posted) {
        t.false(/[<>]/.test(text), text);
        t.true(text.includes("&lt;!channel&gt;"), text);
        t.true(text.includes("&amp; more"), text);
    }
    t.true(posted[1].text.includes("&lt;!here&gt;"));
    // Slack reads the entities back as the characters: unescaping gives the original text.
    const unescape = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
    t.true(unescape(posted[0].text).includes(hostile));
    t.is(exports.escapeText("&lt;"), "&amp;lt;", "escaping twice would show the entity, so & goes first");
});

test("failureTopic: the most severe topic another receiver reads; else one the forwarder does not read", (t) => {
    const sev = ALERT_SEVERITIES;
    t.is(failureTopic("pager", sev, { critical: ["pager", "chat"], warning: ["chat"], info: ["chat"] }), "critical", "chat hears about the pager on critical");
    t.is(failureTopic("chat", sev, { critical: ["pager", "chat"], warning: ["chat"], info: ["chat"] }), "critical", "the pager hears about chat");
    t.is(failureTopic("chat", sev, { critical: ["chat"], warning: ["email", "chat"], info: ["chat"] }), "warning", "no pager: e-mail on warning");
    t.is(failureTopic("pager", sev, { critical: ["pager"], warning: [], info: [] }), "warning", "nobody else: a topic the pager does not read");
    t.is(failureTopic("chat", sev, { critical: ["chat"], warning: ["chat"], info: ["chat"] }), "critical");
});

test("every forwarder has a dead-letter queue it alone may write to, and alarms on its errors and its queue, routed to another receiver", (t) => {
    for (const app of PRODUCTION) {
        const plan = plans.get(app)!;
        const subs = ofType(plan, "aws:sns/topicSubscription:TopicSubscription");
        // The forwarders: the functions SNS feeds (the one-off task runner is invoked by Pulumi, held by aws-lambda-function-failure-alarmed).
        const fns = ofType(plan, "aws:lambda/function:Function").filter((fn) => subs.some((s) => String(prop(s, "endpoint")).endsWith(`:${fn.name}`)));
        t.true(fns.length > 0, app);
        for (const fn of fns) {
            const queueArn = prop<string>(fn, "deadLetterConfig.targetArn");
            const queue = ofType(plan, "aws:sqs/queue:Queue").find((q) => queueArn?.endsWith(`:${q.name}`) || queueArn === mockId(q));
            t.truthy(queue, `${app} ${fn.name}: dead-letter queue in the stack (${queueArn})`);
            t.true(prop<boolean>(queue!, "sqsManagedSseEnabled") || !!prop(queue!, "kmsMasterKeyId"), "encrypted");
            t.is(prop(queue!, "messageRetentionSeconds"), 14 * 24 * 3600, "SQS's longest retention");
            const statements = JSON.parse(prop<string>(named(plan, "aws:iam/rolePolicy:RolePolicy", fn.name), "policy")).Statement as { Action: string[]; Resource: string }[];
            t.deepEqual(statements.filter((s) => s.Action.some((a) => a.startsWith("sqs:"))), [{ Effect: "Allow", Action: ["sqs:SendMessage"], Resource: queueArn }] as any);
            const alarms = ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm");
            const errors = alarms.find((a) => prop(a, "namespace") === "AWS/Lambda" && prop(a, "metricName") === "Errors" && prop(a, "dimensions.FunctionName") === prop(fn, "name"));
            const dropped = alarms.find((a) => prop(a, "namespace") === "AWS/SQS" && prop(a, "dimensions.QueueName") === prop(queue!, "name"));
            for (const [what, a] of [["errors", errors], ["dead letters", dropped]] as const) {
                t.truthy(a, `${app} ${fn.name}: an alarm on its ${what}`);
                t.is(prop(a!, "comparisonOperator"), "GreaterThanThreshold");
                t.is(prop(a!, "threshold"), 0, "a single failure alarms");
                const [action] = prop<string[]>(a!, "alarmActions");
                const topicName = action.split(":").pop();
                const readers = subs.filter((s) => prop<string>(s, "topic").split(":").pop() === topicName && !String(prop(s, "endpoint")).endsWith(`:${fn.name}`));
                t.true(readers.length > 0, `${app} ${fn.name} ${what}: topic ${topicName} is read by another receiver`);
            }
        }
    }
});
