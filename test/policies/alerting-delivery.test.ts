import test from "ava";
import { planStack, type StackPlan } from "../../cli/harness/runtime";
import { getRunbook, parseRunbook, type Runbook } from "../../runbooks";
import { alertmanagerConfig, receiverName } from "../../capabilities/alerting/routing";
import { ALARM_ACTIONS_PERMISSIONS, ALARM_ACTIONS_TARGET, alarmMute, RESET_DELAY_MINUTES, RESET_STATE, weeklyCron } from "../../capabilities/aws/maintenance-mute";
import { cloudWatchAlarms } from "../../capabilities/aws/alarms";
import { alarmInventory } from "../../capabilities/aws/inventory";
import { weeklyMinutes } from "../../runbooks/language/maintenance";
import { PAGERDUTY_EVENTS_URL } from "../../capabilities/aws/pager";
import { alertmanagerConfigs } from "../../policies/lib/alertmanager";
import { checkReceiversAsGenerated } from "../../policies/lib/receivers";
import { alarmMuteProblems } from "../../policies/lib/alarm-mute";
import { alertTopicArns, subscriptionFilterProblems } from "../../policies/lib/alert-topics";
import type { Subject } from "../../policies/lib/policy";
import { fixtureReceivers } from "../alerting/helpers";
import { compliantAndBroken, find, type Fake } from "./helpers";
import { FORWARDER_TIMEOUT_SECONDS } from "../../capabilities/aws/chat";
import { TASK_RUNNER_SOURCE, TASK_RUNNER_TIMEOUT_SECONDS } from "../../capabilities/aws/task-runner";

/**
 * Alert delivery loopholes (review of issue 13, items 1, 2, 3, 8, 22, 23): the Alertmanager
 * receivers and inhibit rules held to the generated ones, no filter on an alert channel, and on
 * AWS nothing but the runbook's maintenance mute switching alarms off — which now also makes an
 * alarm still breaching at the window's end notify. Pure checks on generated configurations, and
 * one planned stack for the mute.
 */

const rb = getRunbook("bunty");
type Cfg = Record<string, any>;

function findings(runbook: Runbook, cfg: Cfg, env = "production"): string[] {
    const [am] = alertmanagerConfigs([{ type: "test:Alertmanager", name: "am", urn: "urn:test:am", props: cfg, opts: { protect: false } }]);
    return checkReceiversAsGenerated(runbook, env, am, () => []).map((f) => f.message);
}

const direct = () => structuredClone(alertmanagerConfig(rb, fixtureReceivers(rb, "kubernetes"))) as Cfg;
const sns = () => structuredClone(alertmanagerConfig(rb, fixtureReceivers(rb, "aws"))) as Cfg;
const route = (c: Cfg, severity: string) => c.route.routes.find((r: Cfg) => (r.matchers ?? []).includes(`severity="${severity}"`));
const receiver = (c: Cfg, role: Parameters<typeof receiverName>[1]) => c.receivers.find((r: Cfg) => r.name === receiverName(rb.app, role));

test("the generated configurations (direct and SNS) pass; each reviewer edit of a receiver, a route or an inhibit rule is a finding", (t) => {
    t.deepEqual(findings(rb, direct()), []);
    t.deepEqual(findings(rb, sns()), []);
    const edits: [string, () => Cfg, (c: Cfg) => void, RegExp][] = [
        ["warning → null receiver", direct, (c) => (c.receivers.push({ name: "null" }), (route(c, "warning").receiver = "null")), /routes warning alerts .* to "null" \(not defined|routes warning alerts .* to "null" \(no integrations/],
        ["info → null receiver", direct, (c) => (c.receivers.push({ name: "null" }), (route(c, "info").receiver = "null")), /routes info alerts/],
        ["Watchdog → null receiver", sns, (c) => (c.receivers.push({ name: "null" }), (c.route.routes[0].receiver = "null")), /routes the Watchdog .* to "null"/],
        ["Watchdog inhibits every warning", direct, (c) => c.inhibit_rules.push({ source_matchers: ['alertname="Watchdog"'], target_matchers: ['severity="warning"'], equal: ["app"] }), /inhibit rule .*Watchdog.* is not one the platform generates/],
        ["critical inhibit equal → [app]", direct, (c) => (c.inhibit_rules[0].equal = ["app"]), /inhibit rule .*"equal":\["app"\]\} is not one the platform generates/],
        ["PagerDuty url → another host", direct, (c) => (receiver(c, "critical").pagerduty_configs[0].url = "https://events.pagerduty.invalid/v2/enqueue"), /pagerduty_configs\[0\]: url "https:\/\/events\.pagerduty\.invalid\/v2\/enqueue" is not PagerDuty's Events API v2/],
        ["PagerDuty proxy", direct, (c) => (receiver(c, "critical").pagerduty_configs[0].http_config = { proxy_url: "http://10.9.9.9:3128" }), /http_config .*proxy_url.* is set, the platform sets no http_config/],
        ["PagerDuty severity info", direct, (c) => (receiver(c, "critical").pagerduty_configs[0].severity = "info"), /severity "info" is set/],
        ["warning receiver loses chat", direct, (c) => delete receiver(c, "warning").slack_configs, /receiver "bunty-chat-warning" has no slack_configs/],
        ["AMP pager message junk", sns, (c) => (receiver(c, "critical").sns_configs[0].message = "an alert"), /sns_configs\[0\]: message is "an alert", not the generated/],
        ["AMP pager subject empty, no attributes", sns, (c) => ((receiver(c, "critical").sns_configs[0].subject = ""), delete receiver(c, "critical").sns_configs[0].attributes), /attributes is missing/],
    ];
    for (const [what, base, edit, expected] of edits) {
        const c = base();
        edit(c);
        const got = findings(rb, c);
        t.true(got.some((m) => expected.test(m)), `${what}: ${got.join("\n") || "no finding"}`);
    }
    // The official events URL itself is accepted (it is Alertmanager's default).
    const official = direct();
    receiver(official, "critical").pagerduty_configs[0].url = PAGERDUTY_EVENTS_URL;
    t.deepEqual(findings(rb, official), []);
});

test("a stack without a credential keeps fewer integrations and passes; the dropped one is not asked for", (t) => {
    const c = direct();
    for (const r of c.receivers) delete r.pagerduty_configs;
    t.false(findings(rb, c, "staging").some((m) => /has no pagerduty_configs/.test(m)), "no routing key: no PagerDuty anywhere is the stack's credentials, not a loophole");
    delete receiver(c, "warning").slack_configs;
    t.true(findings(rb, c, "staging").some((m) => /"bunty-chat-warning" has no slack_configs/.test(m)), "chat kept elsewhere but dropped from warnings");
});

const sub = (props: Record<string, any>): Subject => ({ type: "aws:sns/topicSubscription:TopicSubscription", name: "bunty-monitoring-critical-pager", urn: "urn:sub", props, opts: { protect: false } });

test("a filter policy on an alert topic's subscription is a finding, in either scope; alert topics are those alarms and AMP publish to", (t) => {
    const topic = "arn:aws:sns:us-east-1:123456789012:bunty-production-critical";
    t.deepEqual(subscriptionFilterProblems(sub({ topic, protocol: "lambda", endpoint: "arn:aws:lambda:us-east-1:123456789012:bunty-monitoring-pager" })), []);
    t.regex(subscriptionFilterProblems(sub({ topic, protocol: "lambda", filterPolicy: JSON.stringify({ nothing: ["never"] }) }))[0], /filterPolicy \{"nothing":\["never"\]\} \(scope MessageAttributes\) is set/);
    t.regex(subscriptionFilterProblems(sub({ topic, protocol: "lambda", filterPolicyScope: "MessageBody", filterPolicy: JSON.stringify({ AlarmName: ["none"] }) }))[0], /scope MessageBody/);
    const arns = alertTopicArns([
        { type: "aws:cloudwatch/metricAlarm:MetricAlarm", name: "a", urn: "urn:a", props: { alarmActions: [topic] }, opts: { protect: false } },
        { type: "aws:amp/alertManagerDefinition:AlertManagerDefinition", name: "d", urn: "urn:d", props: { definition: "topic_arn: arn:aws:sns:us-east-1:123456789012:bunty-production-warning\n" }, opts: { protect: false } },
    ]);
    t.deepEqual([...arns].sort(), [topic, "arn:aws:sns:us-east-1:123456789012:bunty-production-warning"]);
});

const SOURCE = { seed: "000_ec4a227eb36bc2f0.txt", section: "Maintenance", quote: "silenced" };
const silenced = (r: Runbook): Runbook => ({ ...r, maintenanceWindow: { ...r.maintenanceWindow, silences: { alerts: ["disk-usage"], source: SOURCE } } });
const STACK = "pfm-community-production";
let planned: Promise<StackPlan> | undefined;
const plan = () => (planned ??= planStack(STACK, { mutate: (c) => ({ ...c, runbook: silenced(c.runbook), baseline: silenced(c.baseline) }) }));
const subjects = (p: StackPlan): Subject[] => p.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: r.props as Record<string, any>, opts: { protect: r.options.protect, parent: r.parent }, dependencies: r.options.dependsOn }));

test("the maintenance mute resets each muted alarm to OK a minute after its actions are back on, with the role allowed exactly that", async (t) => {
    const runbook = parseRunbook(JSON.parse(JSON.stringify(silenced(getRunbook("pfm-community")))));
    const specs = cloudWatchAlarms(runbook, alarmInventory(runbook, {}));
    const mute = alarmMute(runbook, specs)!;
    const { start, minutes } = weeklyMinutes(runbook.maintenanceWindow);
    const resets = mute.schedules.filter((s) => s.action === "reset");
    t.deepEqual(resets.map((s) => s.alarmKey), [...mute.alarmKeys], "one reset per muted alarm");
    t.true(resets.every((s) => s.expression === weeklyCron(start + minutes + RESET_DELAY_MINUTES)));
    t.is(mute.schedules.find((s) => s.action === "enable")?.expression, weeklyCron(start + minutes));

    const p = await plan();
    const schedules = p.resources.filter((r) => r.type === "aws:scheduler/schedule:Schedule");
    const resetPlanned = schedules.filter((r) => (r.props as Cfg).target.arn === ALARM_ACTIONS_TARGET.reset);
    t.is(resetPlanned.length, mute.alarmKeys.length);
    const alarmNames = p.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm").map((r) => (r.props as Cfg).name);
    for (const r of resetPlanned) {
        const input = JSON.parse((r.props as Cfg).target.input);
        t.true(alarmNames.includes(input.AlarmName), input.AlarmName);
        t.is(input.StateValue, RESET_STATE.StateValue);
        t.true((r.props as Cfg).name.length <= 64, (r.props as Cfg).name);
    }
    const policy = p.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && /maintenance/.test(r.name));
    const statement = JSON.parse((policy!.props as Cfg).policy).Statement;
    t.deepEqual(statement.map((s: Cfg) => s.Action), [[...ALARM_ACTIONS_PERMISSIONS]]);
    t.true(ALARM_ACTIONS_PERMISSIONS.includes("cloudwatch:SetAlarmState" as never));
    t.is(statement[0].Resource.length, mute.alarmKeys.length, "on the muted alarms only");
});

test("the pack accepts the generated mute and flags any other schedule or grant that can switch alarms off, and a mute left half", async (t) => {
    const runbook = parseRunbook(JSON.parse(JSON.stringify(silenced(getRunbook("pfm-community")))));
    const base = subjects(await plan());
    t.deepEqual(alarmMuteProblems(runbook, base).map((f) => f.message), []);
    const alarm = base.find((s) => s.type === "aws:cloudwatch/metricAlarm:MetricAlarm")!;
    const names = base.filter((s) => s.type === "aws:cloudwatch/metricAlarm:MetricAlarm").map((s) => s.props.name);
    const extra = (type: string, props: Record<string, any>): Subject[] => [...base, { ...alarm, type, name: "extra", urn: "urn:extra", props }];
    const cases: [string, Subject[], RegExp][] = [
        [
            "the reviewer's schedule: every alarm's actions off every minute",
            extra("aws:scheduler/schedule:Schedule", { scheduleExpression: "rate(1 minutes)", target: { arn: ALARM_ACTIONS_TARGET.disable, roleArn: "arn:aws:iam::123456789012:role/x", input: JSON.stringify({ AlarmNames: names }) } }),
            /"extra" calls CloudWatch disableAlarmActions \(rate\(1 minutes\).*allowed is only the runbook's maintenance mute/,
        ],
        ["an alarm held in OK", extra("aws:scheduler/schedule:Schedule", { scheduleExpression: "rate(5 minutes)", target: { arn: ALARM_ACTIONS_TARGET.reset, input: JSON.stringify({ AlarmName: names[0], StateValue: "OK", StateReason: "x" }) } }), /calls CloudWatch setAlarmState/],
        ["alarms deleted on a schedule", extra("aws:scheduler/schedule:Schedule", { scheduleExpression: "cron(0 3 ? * 4 *)", target: { arn: "arn:aws:scheduler:::aws-sdk:cloudwatch:deleteAlarms", input: JSON.stringify({ AlarmNames: names }) } }), /calls CloudWatch deleteAlarms/],
        ["a Lambda role that may disable alarms", extra("aws:iam/rolePolicy:RolePolicy", { role: "r", policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["cloudwatch:Disable*"], Resource: "*" }] }) }), /allows cloudwatch:Disable\* on \*: whoever holds it can DisableAlarmActions/],
        ["CloudWatchFullAccess attached", extra("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r", policyArn: "arn:aws:iam::aws:policy/CloudWatchFullAccessV2" }), /attaches arn:aws:iam::aws:policy\/CloudWatchFullAccessV2/],
        ["the enable schedule removed", base.filter((s) => !(s.type === "aws:scheduler/schedule:Schedule" && s.props.target?.arn === ALARM_ACTIONS_TARGET.enable)), /no schedule calls EnableAlarmActions/],
        [
            "a reset schedule switched off",
            base.map((s) => (s === base.find((x) => x.type === "aws:scheduler/schedule:Schedule" && x.props.target?.arn === ALARM_ACTIONS_TARGET.reset) ? { ...s, props: { ...s.props, state: "DISABLED" } } : s)),
            /resets .* at the window's end but its state is DISABLED/,
        ],
        ["a reset schedule removed", base.filter((s) => s !== base.find((x) => x.type === "aws:scheduler/schedule:Schedule" && x.props.target?.arn === ALARM_ACTIONS_TARGET.reset)), /no schedule sets .* to OK .*never notifies/],
    ];
    for (const [what, resources, expected] of cases) {
        const got = alarmMuteProblems(runbook, resources).map((f) => f.message);
        t.true(got.some((m) => expected.test(m)), `${what}: ${got.join("\n") || "no finding"}`);
    }
    // With no silence in the runbook, the generated schedules themselves are findings.
    t.true(alarmMuteProblems(getRunbook("pfm-community"), base).length > 0);
});

// ---- the same through the policies, on fixtures ----

const ACCOUNT = "123456789012";
const topicArn = `arn:aws:sns:us-east-1:${ACCOUNT}:bunty-production-critical`;

/** The critical path on AWS: an alarm publishes to the critical topic, SNS invokes the pager forwarder (the platform's timeout). */
function pipeline(): Fake[] {
    return [
        { type: "aws:sns/topic:Topic", name: "topic-critical", props: { name: "bunty-production-critical" } },
        {
            type: "aws:sns/topicPolicy:TopicPolicy",
            name: "policy-critical",
            props: { arn: topicArn, policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: ["aps.amazonaws.com", "cloudwatch.amazonaws.com"] }, Action: ["sns:Publish"], Resource: topicArn }] }) },
        },
        { type: "aws:secretsmanager/secret:Secret", name: "pager-routing-key", props: {} },
        {
            type: "aws:lambda/function:Function",
            name: "pager",
            props: { name: "bunty-production-pager", timeout: FORWARDER_TIMEOUT_SECONDS, environment: { variables: { EVENTS_URL: PAGERDUTY_EVENTS_URL, ROUTING_KEY_SECRET_ARN: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:pager-routing-key-AbCdEf` } } },
        },
        { type: "aws:lambda/permission:Permission", name: "pager-critical", props: { action: "lambda:InvokeFunction", function: "bunty-production-pager", principal: "sns.amazonaws.com", sourceArn: topicArn } },
        { type: "aws:sns/topicSubscription:TopicSubscription", name: "critical-pager", props: { topic: topicArn, protocol: "lambda", endpoint: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:bunty-production-pager` } },
        { type: "aws:cloudwatch/metricAlarm:MetricAlarm", name: "disk", props: { name: "bunty-production-disk-usage-critical-rds-primary", alarmActions: [topicArn] } },
    ];
}

test("aws-alerting-pipeline-intact: a filter on the pager's subscription, a forwarder cut short, a schedule or a grant that switches alarms off", async (t) => {
    await compliantAndBroken(t, "aws-alerting-pipeline-intact", "bunty-production", pipeline, {
        "the pager's subscription filters out everything": { edit: (rs) => (find(rs, "critical-pager").props.filterPolicy = JSON.stringify({ nothing: ["never"] })), expect: /"critical-pager" \(delivers \S+bunty-production-critical by lambda\): filterPolicy/ },
        "the pager's subscription filters on the body": {
            edit: (rs) => Object.assign(find(rs, "critical-pager").props, { filterPolicyScope: "MessageBody", filterPolicy: JSON.stringify({ AlarmName: ["none"] }) }),
            expect: /scope MessageBody/,
        },
        "the pager's timeout cut to 1 s": { edit: (rs) => (find(rs, "pager").props.timeout = 1), expect: /timeout is 1 s, below the platform's forwarder timeout/ },
        "a schedule disables every alarm's actions every minute": {
            edit: (rs) => rs.push({ type: "aws:scheduler/schedule:Schedule", name: "mute-all", props: { scheduleExpression: "rate(1 minutes)", target: { arn: ALARM_ACTIONS_TARGET.disable, input: JSON.stringify({ AlarmNames: ["bunty-production-disk-usage-critical-rds-primary"] }) } } }),
            expect: /"mute-all" calls CloudWatch disableAlarmActions .*allowed is none: the runbook silences no alert/,
        },
        "a role may set alarm states": {
            edit: (rs) => rs.push({ type: "aws:iam/rolePolicy:RolePolicy", name: "lambda-extra", props: { role: "r", policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "cloudwatch:SetAlarmState", Resource: `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:*` }] }) } }),
            expect: /"lambda-extra" allows cloudwatch:SetAlarmState/,
        },
    });
});

const runner = (): Fake[] => [
    { type: "aws:lambda/function:Function", name: "one-off-tasks-runner", props: { name: "bunty-one-off-tasks", timeout: TASK_RUNNER_TIMEOUT_SECONDS, code: { assets: { "index.js": { text: TASK_RUNNER_SOURCE } } } } },
];

test("aws-lambda-task-runner-limits: the one-off runner throttled to zero or cut short", async (t) => {
    await compliantAndBroken(t, "aws-lambda-task-runner-limits", "bunty-production", runner, {
        "reserved concurrency 0": { edit: (rs) => (find(rs, "one-off-tasks-runner").props.reservedConcurrentExecutions = 0), expect: /reservedConcurrentExecutions is 0/ },
        "timeout 1 s": { edit: (rs) => (find(rs, "one-off-tasks-runner").props.timeout = 1), expect: new RegExp(`timeout is 1 s, below the platform's ${TASK_RUNNER_TIMEOUT_SECONDS} s`) },
    });
});
