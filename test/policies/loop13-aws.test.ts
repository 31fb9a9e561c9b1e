import test from "ava";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { planStack } from "../../cli/harness/runtime";
import { STACKS_DIR } from "../../cli/harness/stack-files";
import { runPolicies } from "../../policies/offline";
import { PROJECT } from "../../stacks/settings";
import { UNKNOWN_STRING } from "../../policies/lib/inputs";
import { adminClientConfig, aclCommands, kafkaUsers, mskServerProperties, scramSecretName, topicCommands } from "../../capabilities/aws/msk";
import { healthCommand, HEALTH_CHECK, HEALTH_CHECK_GRACE_SECONDS } from "../../capabilities/aws/containers";
import { TARGET_HEALTH } from "../../capabilities/aws/target-health";
import { ALARM_ACTIONS_TARGET } from "../../capabilities/aws/maintenance-mute";
import { PAGERDUTY_EVENTS_URL } from "../../capabilities/aws/pager";
import { getRunbook } from "../../runbooks";
import { serviceDownBudget } from "../../policies/lib/probes";
import { durationSeconds } from "../../runbooks/units";
import { check, compliantAndBroken, find, type Fake } from "./helpers";

/**
 * Issue 13's remaining AWS loopholes (loop13): the MSK ACL task, the MSK cluster's configuration,
 * ECS health timing, EventBridge Scheduler schedules and where the alert forwarders send. One
 * compliant fixture per policy, built from the platform's own generators and the runbook data,
 * then broken one field at a time; tightening edits pass.
 */

const ACCOUNT = "123456789012";

// ---- aws-msk-acls-runbook and aws-msk-cluster-configuration ----
const PFH = "personal-finance-hub";
const PFH_STACK = `${PFH}-production`;
const kafka = getRunbook(PFH).data.kafka!;
const CLUSTER_NAME = `${PFH_STACK}-kafka`;
const users = kafkaUsers(CLUSTER_NAME);
const BOOT = "b-1.kafka.example:9096";
const CONF = "/tmp/client.properties";
const topic = kafka.topics[0];
const group = kafka.consumerGroups[0];

function msk(): Fake[] {
    const script = [adminClientConfig(users, CONF), ...topicCommands(kafka, BOOT, CONF), ...aclCommands(kafka, users, BOOT, CONF)].join(" && ");
    return [
        { type: "aws:msk/configuration:Configuration", name: "kafka-config", props: { name: CLUSTER_NAME, serverProperties: mskServerProperties(kafka) } },
        {
            type: "aws:msk/cluster:Cluster",
            name: "kafka-cluster",
            props: { clusterName: CLUSTER_NAME, configurationInfo: { arn: `arn:aws:kafka:us-east-1:${ACCOUNT}:configuration/${CLUSTER_NAME}/0a1b2c3d-1`, revision: 1 } },
            dependsOn: ["kafka-config"],
        },
        ...Object.entries(users).map(([role, user]): Fake => ({ type: "aws:secretsmanager/secret:Secret", name: `kafka-${role}-scram`, props: { name: scramSecretName(user), kmsKeyId: "data-key" } })),
        {
            type: "aws:msk/scramSecretAssociation:ScramSecretAssociation",
            name: "kafka-scram",
            props: { secretArnLists: Object.keys(users).map((role) => `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:kafka-${role}-scram-AbCdEf`) },
            dependsOn: ["kafka-cluster"],
        },
        {
            type: "aws:ecs/taskDefinition:TaskDefinition",
            name: "kafka-topics",
            props: { family: `${PFH_STACK}-kafka-topics`, containerDefinitions: JSON.stringify([{ name: "kafka-topics", image: "apache/kafka:3.8.1", entryPoint: ["/bin/sh", "-c"], command: [script] }]) },
        },
        {
            type: "aws:lambda/invocation:Invocation",
            name: "run-kafka-topics",
            props: { functionName: `${PFH_STACK}-one-off-tasks`, input: JSON.stringify({ taskDefinition: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/${PFH_STACK}-kafka-topics:1` }) },
        },
    ];
}

/** Edits the ACL task's script (and optionally its environment). */
function script(rs: Fake[], edit: (text: string) => string, environment?: { name: string; value: string }[]): void {
    const td = find(rs, "kafka-topics");
    const cs = JSON.parse(td.props.containerDefinitions);
    cs[0].command = [edit(cs[0].command[0])];
    if (environment) cs[0].environment = environment;
    td.props.containerDefinitions = JSON.stringify(cs);
}
const acl = (args: string) => `/opt/kafka/bin/kafka-acls.sh --bootstrap-server ${BOOT} --command-config ${CONF} ${args}`;

test("aws-msk-acls-runbook: the ACL task grants the model's ACLs only, on every runbook topic and group, and is run", async (t) => {
    const appTopicOps = `User:${users.app} --operation Read --operation Write --operation Describe --topic ${topic.name}`;
    await compliantAndBroken(t, "aws-msk-acls-runbook", PFH_STACK, msk, {
        "a wildcard principal": { edit: (rs) => script(rs, (s) => s.replace(appTopicOps, `User:* --operation Read --operation Write --operation Describe --topic ${topic.name}`)), expect: /allows User:\* Read, Write, Describe on topic .*a wildcard/ },
        "operation All for the app": { edit: (rs) => script(rs, (s) => s.replace(appTopicOps, `User:${users.app} --operation All --topic ${topic.name}`)), expect: new RegExp(`allows User:${users.app} All on topic ${topic.name}; the model grants it Read, Write, Describe`) },
        "no operation (kafka-acls.sh's default: All)": { edit: (rs) => script(rs, (s) => s.replace(appTopicOps, `User:${users.app} --topic ${topic.name}`)), expect: /All on topic/ },
        "a wildcard topic": { edit: (rs) => script(rs, (s) => `${s} && ${acl(`--add --allow-principal User:${users.monitor} --operation Describe --topic '*'`)}`), expect: /on topic \*: a wildcard/ },
        "a prefixed pattern": { edit: (rs) => script(rs, (s) => `${s} && ${acl(`--add --allow-principal User:${users.app} --operation Read --resource-pattern-type prefixed --group ${group}`)}`), expect: /--resource-pattern-type prefixed/ },
        "the app on the cluster": { edit: (rs) => script(rs, (s) => `${s} && ${acl(`--add --allow-principal User:${users.app} --operation Alter --cluster`)}`), expect: /allows User:\S+-app Alter on cluster: not a login and resource the model grants/ },
        "a --producer grant to the exporter": { edit: (rs) => script(rs, (s) => `${s} && ${acl(`--add --allow-principal User:${users.monitor} --producer --topic ${topic.name}`)}`), expect: /-monitor Write, Create on topic/ },
        "a principal from an environment variable": { edit: (rs) => script(rs, (s) => s.replace(`User:${users.monitor} --operation Describe --cluster`, "$PRINCIPAL --operation Describe --cluster"), [{ name: "PRINCIPAL", value: "User:*" }]), expect: /allows User:\* Describe on cluster/ },
        "an unreadable principal": { edit: (rs) => script(rs, (s) => s.replace(`User:${users.monitor} --operation Describe --cluster`, "$PRINCIPAL --operation Describe --cluster")), expect: /allows \$PRINCIPAL Describe on cluster: a wildcard or unreadable name/ },
        "an ACL removed": { edit: (rs) => script(rs, (s) => `${s} && ${acl(`--remove --force --allow-principal User:${users.app} --topic ${topic.name}`)}`), expect: /removes ACLs/ },
        "no ACL at all": { edit: (rs) => script(rs, (s) => s.split(" && ").filter((c) => !c.includes("kafka-acls.sh")).join(" && ")), expect: new RegExp(`no task grants an ACL on topic ${topic.name.replace(/\./g, "\\.")}, group ${group}`) },
        "the group's ACLs dropped": { edit: (rs) => script(rs, (s) => s.split(" && ").filter((c) => !c.includes(`--group ${group}`)).join(" && ")), expect: new RegExp(`no task grants an ACL on group ${group}`) },
        "a fourth SCRAM login associated": {
            edit: (rs) => {
                rs.push({ type: "aws:secretsmanager/secret:Secret", name: "kafka-extra-scram", props: { name: scramSecretName(`${CLUSTER_NAME}-ops`), kmsKeyId: "data-key" } });
                find(rs, "kafka-scram").props.secretArnLists.push(`arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:kafka-extra-scram-AbCdEf`);
            },
            expect: new RegExp(`\\(login ${scramSecretName(`${CLUSTER_NAME}-ops`)}\\) .*a SCRAM login the ACL model does not name`),
        },
        "a login secret from another account": { edit: (rs) => find(rs, "kafka-scram").props.secretArnLists.push("arn:aws:secretsmanager:us-east-1:210987654321:secret:AmazonMSK_ops-AbCdEf"), expect: /\(not a secret of this stack\) with/ },
        "the task never run": { edit: (rs) => rs.splice(rs.findIndex((r) => r.name === "run-kafka-topics"), 1), expect: /no aws:lambda\/invocation of the stack runs it/ },
        "the topic's replication lowered": { edit: (rs) => script(rs, (s) => s.replace(`--replication-factor ${topic.replicationFactor}`, `--replication-factor ${topic.replicationFactor - 1}`)), expect: new RegExp(`--replication-factor ${topic.replicationFactor - 1}; the platform default gives .* replication factor ${topic.replicationFactor} \\(a platform default`) },
        "a topic's min.insync.replicas altered after": { edit: (rs) => script(rs, (s) => `${s} && /opt/kafka/bin/kafka-configs.sh --bootstrap-server ${BOOT} --command-config ${CONF} --alter --entity-type topics --entity-name ${topic.name} --add-config min.insync.replicas=1`), expect: /kafka-configs\.sh .*--alter.*" changes Kafka's settings or topics after the platform made them/ },
        "a runbook topic deleted after": { edit: (rs) => script(rs, (s) => `${s} && /opt/kafka/bin/kafka-topics.sh --bootstrap-server ${BOOT} --command-config ${CONF} --delete --topic ${topic.name}`), expect: /--delete --topic .*" changes Kafka's settings or topics/ },
        "a topic setting added": { edit: (rs) => script(rs, (s) => s.replace(`--partitions ${topic.partitions}`, `--partitions ${topic.partitions} --config min.insync.replicas=1`)), expect: /--config min\.insync\.replicas=1, a topic setting the platform does not generate/ },
    });
    // Tightening: a deny, a host restriction, a listing, more partitions: nothing new.
    const tight = msk();
    script(tight, (s) => `${s.replace(`--partitions ${topic.partitions}`, `--partitions ${topic.partitions * 2}`)} && ${acl(`--add --deny-principal User:* --operation Delete --topic ${topic.name}`)} && ${acl(`--list --topic ${topic.name}`)}`);
    t.deepEqual((await check("aws-msk-acls-runbook", PFH_STACK, tight)).messages, []);
    // Brokers that refuse unnamed resources need no ACL on every resource.
    const closed = msk();
    find(closed, "kafka-config").props.serverProperties += "allow.everyone.if.no.acl.found=false\n";
    script(closed, (s) => s.split(" && ").filter((c) => !c.includes(`--group ${group}`)).join(" && "));
    t.deepEqual((await check("aws-msk-acls-runbook", PFH_STACK, closed)).messages, []);
    // Before the first deploy the task's shell is unknown (it names the brokers): no ACL can be counted, none is asked for.
    const first = msk();
    find(first, "kafka-topics").props.containerDefinitions = UNKNOWN_STRING;
    t.deepEqual((await check("aws-msk-acls-runbook", PFH_STACK, first)).messages, []);
});

test("aws-msk-cluster-configuration: the brokers run the stack's configuration", async (t) => {
    await compliantAndBroken(t, "aws-msk-cluster-configuration", PFH_STACK, msk, {
        "no configurationInfo": { edit: (rs) => delete find(rs, "kafka-cluster").props.configurationInfo, expect: /configurationInfo is unset: the brokers run MSK's default configuration/ },
        "another configuration": { edit: (rs) => (find(rs, "kafka-cluster").props.configurationInfo.arn = `arn:aws:kafka:us-east-1:${ACCOUNT}:configuration/loose/0a1b2c3d-2`), expect: /configurationInfo\.arn is "arn:aws:kafka:.*configuration\/loose\/.*", not a configuration of this stack/ },
        "revision 0": { edit: (rs) => (find(rs, "kafka-cluster").props.configurationInfo.revision = 0), expect: /configurationInfo\.revision is 0/ },
        // What the engine sends a stack policy: the configuration's outputs, its latestRevision among them.
        "pinned below an existing configuration's latestRevision": {
            edit: (rs) => (find(rs, "kafka-config").props.latestRevision = 3),
            expect: /configurationInfo\.revision is 1, not the configuration's latestRevision 3: the brokers stay on a pinned revision of .*kafka-config/,
        },
        "a literal revision while the configuration changes": {
            edit: (rs) => (find(rs, "kafka-config").props.latestRevision = UNKNOWN_STRING),
            expect: /configurationInfo\.revision is 1, a literal while the configuration's latestRevision is unknown until deploy/,
        },
    });
    // Compliant as the engine sends it: the revision is the configuration's latestRevision, known or (while it changes) unknown alike.
    for (const [latest, revision] of [[3, 3], [UNKNOWN_STRING, UNKNOWN_STRING], [1, UNKNOWN_STRING]] as const) {
        const rs = msk();
        find(rs, "kafka-config").props.latestRevision = latest;
        find(rs, "kafka-cluster").props.configurationInfo.revision = revision;
        t.deepEqual((await check("aws-msk-cluster-configuration", PFH_STACK, rs)).messages, [], `latestRevision ${latest}, revision ${revision}`);
    }
});

// ---- aws-ecs-health-timing ----
const BUNTY = "bunty";
const BUNTY_STACK = `${BUNTY}-production`;
const bunty = getRunbook(BUNTY);
const svc = bunty.services[0];
const down = bunty.alerts.find((a) => a.id === "service-down")!.levels[0];

function ecs(): Fake[] {
    return [
        {
            type: "aws:ecs/taskDefinition:TaskDefinition",
            name: `${BUNTY}-services-${svc.name}`,
            props: { family: `${BUNTY_STACK}-${svc.name}`, containerDefinitions: JSON.stringify([{ name: svc.name, image: "x@sha256:0", essential: true, healthCheck: { command: healthCommand(svc), ...HEALTH_CHECK } }]) },
        },
        { type: "aws:ecs/service:Service", name: `${BUNTY}-services-${svc.name}`, props: { name: svc.name, healthCheckGracePeriodSeconds: HEALTH_CHECK_GRACE_SECONDS } },
        { type: "aws:lb/targetGroup:TargetGroup", name: `${BUNTY}-ingress-${svc.name}`, props: { name: `${BUNTY_STACK}-${svc.name}`, healthCheck: { enabled: true, path: svc.healthPath, ...TARGET_HEALTH } } },
    ];
}
function hc(rs: Fake[], edit: (h: Record<string, any>) => void, container?: (c: Record<string, any>) => void): void {
    const td = rs[0];
    const cs = JSON.parse(td.props.containerDefinitions);
    edit(cs[0].healthCheck);
    container?.(cs[0]);
    td.props.containerDefinitions = JSON.stringify(cs);
}

test("aws-ecs-health-timing: a dead task is replaced and drained on time, and its check can fail", async (t) => {
    const budget = serviceDownBudget(bunty)!;
    const { interval, retries, timeout } = HEALTH_CHECK;
    t.true(interval * retries + timeout <= budget.seconds, "the platform's check replaces a dead task within ServiceDown");
    const late = interval * retries * 2 + timeout;
    await compliantAndBroken(t, "aws-ecs-health-timing", BUNTY_STACK, ecs, {
        "interval × retries doubled": {
            edit: (rs) => hc(rs, (h) => (h.retries = retries * 2)),
            expect: new RegExp(`retries ${retries * 2} \\+ timeout ${timeout}s keeps a dead ${svc.name} task for up to ${late}s before ECS replaces it, later than ${budget.seconds}s: the service-down critical level pages after ${down.for}.*\\[runbook key: ${budget.key.replace(/\./g, "\\.")}\\]`),
        },
        // The part of the timing the old bound left out: interval × retries exactly the level, the last check's timeout past it.
        "interval × retries at the level, the timeout past it": {
            edit: (rs) => hc(rs, (h) => (h.interval = budget.seconds / retries)),
            expect: new RegExp(`interval ${budget.seconds / retries}s × retries ${retries} \\+ timeout ${timeout}s keeps a dead ${svc.name} task for up to ${budget.seconds + timeout}s`),
        },
        "retries left out with a longer interval": { edit: (rs) => hc(rs, (h) => ((h.interval = HEALTH_CHECK.interval * 2), delete h.retries)), expect: /interval \d+s × retries 3/ },
        "a longer timeout": { edit: (rs) => hc(rs, (h) => (h.timeout = HEALTH_CHECK.timeout * 4)), expect: /timeout \d+s lets a hung/ },
        "a longer start period": { edit: (rs) => hc(rs, (h) => (h.startPeriod = HEALTH_CHECK.startPeriod * 5)), expect: new RegExp(`startPeriod ${HEALTH_CHECK.startPeriod * 5}s`) },
        "a check that always passes (|| true)": { edit: (rs) => hc(rs, (h) => (h.command = [h.command[0], `${h.command[1]} || true`])), expect: /reports healthy whatever/ },
        "a check that always passes (; exit 0)": { edit: (rs) => hc(rs, (h) => (h.command = [h.command[0], h.command[1].replace(/\|\| exit 1$/, "; exit 0")])), expect: /reports healthy whatever/ },
        "a non-essential app container": { edit: (rs) => hc(rs, () => undefined, (c) => (c.essential = false)), expect: new RegExp(`container "${svc.name}": essential is false: ECS keeps the task running`) },
        "a long grace period": { edit: (rs) => (rs[1].props.healthCheckGracePeriodSeconds = HEALTH_CHECK_GRACE_SECONDS * 10), expect: /healthCheckGracePeriodSeconds \d+ ignores/ },
        "a target group draining slower than service-down": {
            edit: (rs) => (rs[2].props.healthCheck = { ...rs[2].props.healthCheck, interval: durationSeconds(down.for), unhealthyThreshold: 2 }),
            expect: new RegExp(`for ${durationSeconds(down.for) * 2}s, longer than the ${down.for} after which service-down pages`),
        },
    });
    const tight = ecs();
    hc(tight, (h) => ((h.interval = HEALTH_CHECK.interval / 2), (h.startPeriod = HEALTH_CHECK.startPeriod / 2), (h.timeout = HEALTH_CHECK.timeout - 1)));
    tight[1].props.healthCheckGracePeriodSeconds = HEALTH_CHECK_GRACE_SECONDS / 2;
    t.deepEqual((await check("aws-ecs-health-timing", BUNTY_STACK, tight)).messages, []);
});

// ---- aws-scheduler-schedule-effective ----
const trust = (service: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });
const roleArn = (logical: string) => `arn:aws:iam::${ACCOUNT}:role/${logical}-1a2b3c4`;

function schedules(): Fake[] {
    return [
        { type: "aws:ecs/cluster:Cluster", name: "services-cluster", props: { name: BUNTY_STACK } },
        { type: "aws:ecs/taskDefinition:TaskDefinition", name: "backup-definitions-task", props: { family: `${BUNTY_STACK}-backup-definitions` } },
        { type: "aws:iam/role:Role", name: "backup-scheduler", props: { assumeRolePolicy: trust("scheduler.amazonaws.com") } },
        { type: "aws:iam/role:Role", name: "maintenance-role", props: { assumeRolePolicy: trust("scheduler.amazonaws.com") } },
        {
            type: "aws:scheduler/schedule:Schedule",
            name: "backup-definitions",
            props: {
                name: `${BUNTY_STACK}-backup-definitions`,
                scheduleExpression: "cron(0 2 * * ? *)",
                flexibleTimeWindow: { mode: "OFF" },
                state: "ENABLED",
                target: { arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${BUNTY_STACK}`, roleArn: roleArn("backup-scheduler"), ecsParameters: { taskDefinitionArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/${BUNTY_STACK}-backup-definitions:3`, taskCount: 1 } },
            },
        },
        ...(["disable", "enable"] as const).map((action): Fake => ({
            type: "aws:scheduler/schedule:Schedule",
            name: `maintenance-${action}`,
            props: { name: `${BUNTY_STACK}-maintenance-${action}`, scheduleExpression: "cron(0 3 ? * 1 *)", flexibleTimeWindow: { mode: "OFF" }, target: { arn: ALARM_ACTIONS_TARGET[action], roleArn: roleArn("maintenance-role"), input: "{}" } },
        })),
    ];
}
const target = (rs: Fake[], name = "backup-definitions") => find(rs, name).props.target;

test("aws-scheduler-schedule-effective: the platform's schedules are on, run with the stack's role and start the stack's task or the mute", async (t) => {
    await compliantAndBroken(t, "aws-scheduler-schedule-effective", BUNTY_STACK, schedules, {
        "the backup schedule DISABLED": { edit: (rs) => (find(rs, "backup-definitions").props.state = "DISABLED"), expect: /"backup-definitions" \(bunty-production-backup-definitions\) starts an ECS task but its state is DISABLED/ },
        "the mute's end DISABLED": { edit: (rs) => (find(rs, "maintenance-enable").props.state = "DISABLED"), expect: /calls CloudWatch enableAlarmActions but its state is DISABLED/ },
        "a role from another account": { edit: (rs) => (target(rs).roleArn = "arn:aws:iam::210987654321:role/scheduler"), expect: /target\.roleArn "arn:aws:iam::210987654321:role\/scheduler" is not a role of this stack/ },
        "the mute's role from outside the stack": { edit: (rs) => (target(rs, "maintenance-enable").roleArn = `arn:aws:iam::${ACCOUNT}:role/ops-admin`), expect: /"maintenance-enable".*is not a role of this stack/ },
        "a role the scheduler may not assume": { edit: (rs) => (find(rs, "backup-scheduler").props.assumeRolePolicy = trust("ecs-tasks.amazonaws.com")), expect: /which scheduler\.amazonaws\.com may not assume/ },
        "another cluster": { edit: (rs) => (target(rs).arn = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/scratch`), expect: /target\.arn ".*cluster\/scratch" is not this stack's ECS cluster/ },
        "another task definition": { edit: (rs) => (target(rs).ecsParameters.taskDefinitionArn = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/noop:1`), expect: /taskDefinitionArn ".*noop:1" is not a task definition of this stack/ },
        "no task started": { edit: (rs) => (target(rs).ecsParameters.taskCount = 0), expect: /taskCount is 0/ },
        "a Lambda target": { edit: (rs) => (find(rs, "backup-definitions").props.target = { arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:noop`, roleArn: roleArn("backup-scheduler") }), expect: /targets "arn:aws:lambda.*neither a task of the stack nor the maintenance mute/ },
        "a flexible window": { edit: (rs) => (find(rs, "backup-definitions").props.flexibleTimeWindow = { mode: "FLEXIBLE", maximumWindowInMinutes: 1440 }), expect: /flexibleTimeWindow is FLEXIBLE \(up to 1440 min\)/ },
        "a start date years ahead": { edit: (rs) => (find(rs, "backup-definitions").props.startDate = "2999-01-01T00:00:00Z"), expect: /startDate 2999-01-01T00:00:00Z is in the future/ },
        "an end date": { edit: (rs) => (find(rs, "backup-definitions").props.endDate = "2027-01-01T00:00:00Z"), expect: /endDate 2027-01-01T00:00:00Z: the schedule stops/ },
    });
    // The mute's start switched off only silences less.
    const tight = schedules();
    find(tight, "maintenance-disable").props.state = "DISABLED";
    find(tight, "backup-definitions").props.startDate = "2020-01-01T00:00:00Z";
    t.deepEqual((await check("aws-scheduler-schedule-effective", BUNTY_STACK, tight)).messages, []);
});

// ---- aws-alert-forwarder-destinations ----
const FORMULA = "formula-pm";
const FORMULA_STACK = `${FORMULA}-production`;
const channels = getRunbook(FORMULA).incident.channels;
const secretArn = (name: string) => `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${name}-AbCdEf`;

function forwarders(): Fake[] {
    return [
        ...["pager-routing-key", "chat-webhook"].map((n): Fake => ({ type: "aws:secretsmanager/secret:Secret", name: n, props: {} })),
        { type: "aws:secretsmanager/secretVersion:SecretVersion", name: "pager-routing-key-v", props: { secretId: "pager-routing-key-id", secretString: "0123456789abcdef0123456789ABCDEF" }, dependsOn: ["pager-routing-key"] },
        { type: "aws:secretsmanager/secretVersion:SecretVersion", name: "chat-webhook-v", props: { secretId: "chat-webhook-id", secretString: "https://hooks.slack.com/services/T0000/B0000/XXXXXXXX" }, dependsOn: ["chat-webhook"] },
        { type: "aws:lambda/function:Function", name: "pager", props: { environment: { variables: { APP: FORMULA, EVENTS_URL: PAGERDUTY_EVENTS_URL, ROUTING_KEY_SECRET_ARN: secretArn("pager-routing-key") } } } },
        { type: "aws:lambda/function:Function", name: "chat", props: { environment: { variables: { APP: FORMULA, CHANNEL: channels.chat, WEBHOOK_SECRET_ARN: secretArn("chat-webhook") } } } },
        { type: "aws:sns/topicSubscription:TopicSubscription", name: "warning-email", props: { topic: "arn:aws:sns:us-east-1:x:warning", protocol: "email", endpoint: channels.email } },
    ];
}
const vars = (rs: Fake[], n: string) => find(rs, n).props.environment.variables;

test("aws-alert-forwarder-destinations: pages, chat and e-mail go where the runbook and the operator's secrets say", async (t) => {
    t.truthy(channels.email, "formula-pm's runbook names an alert e-mail address");
    await compliantAndBroken(t, "aws-alert-forwarder-destinations", FORMULA_STACK, forwarders, {
        "the pager posting elsewhere": { edit: (rs) => (vars(rs, "pager").EVENTS_URL = "https://events.example.com/v2/enqueue"), expect: /EVENTS_URL is "https:\/\/events\.example\.com\/v2\/enqueue": pages go to another host/ },
        "the chat to another channel": { edit: (rs) => (vars(rs, "chat").CHANNEL = "#random"), expect: new RegExp(`CHANNEL is "#random".*allowed: the runbook's ${channels.chat} \\(runbook ${channels.source!.seed}`) },
        "a webhook to another host": { edit: (rs) => (find(rs, "chat-webhook-v").props.secretString = "https://webhook.example.com/collect"), expect: /slackWebhookUrl\) posts to webhook\.example\.com/ },
        "a plain-http Slack webhook": { edit: (rs) => (find(rs, "chat-webhook-v").props.secretString = "http://hooks.slack.com/services/T0000/B0000/XXXXXXXX"), expect: /posts to hooks\.slack\.com/ },
        "a routing key that is none": { edit: (rs) => (find(rs, "pager-routing-key-v").props.secretString = ""), expect: /pagerdutyRoutingKey\) is empty: PagerDuty refuses every event/ },
        "a routing key that is a placeholder word": { edit: (rs) => (find(rs, "pager-routing-key-v").props.secretString = "changeme"), expect: /is 8 character\(s\) that are not a PagerDuty integration key/ },
        "e-mail to another address": { edit: (rs) => (find(rs, "warning-email").props.endpoint = "someone@example.com"), expect: new RegExp(`alert e-mail goes to "someone@example\\.com"; allowed: the runbook's ${channels.email!.replace(/\./g, "\\.")}`) },
    });
    // Offline plans hold the operator's secrets as placeholders: nothing to judge, nothing reported.
    const offline = forwarders();
    find(offline, "chat-webhook-v").props.secretString = "[secret]";
    find(offline, "pager-routing-key-v").props.secretString = "[secret]";
    t.deepEqual((await check("aws-alert-forwarder-destinations", FORMULA_STACK, offline)).messages, []);
});

// ---- item 6: aws.backupCopy.account equal to the stack's own account, no aws:allowedAccountIds ----
test("bunty-production planned with aws.backupCopy.account = its own account (nothing in config refuses it): the pack reports it as mandatory", async (t) => {
    t.timeout(5 * 60_000);
    // The account the stack's own resources are in: read from its backup vaults' keys in the committed plan.
    const base = await planStack(BUNTY_STACK);
    const own = base.resources.filter((r) => r.type === "aws:backup/vault:Vault").map((r) => /^arn:aws:kms:[^:]+:(\d{12}):/.exec(String((r.props as Record<string, unknown>).kmsKeyArn))?.[1])[0];
    if (!own) return t.fail("the committed plan's backup vault has no KMS key ARN to read its account from");
    const doc = YAML.parse(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${BUNTY_STACK}.yaml`), "utf8")) as { config: Record<string, unknown> };
    t.false("aws:allowedAccountIds" in doc.config, "the committed stack sets no aws:allowedAccountIds, so its config cannot refuse its own account");
    const text = YAML.stringify({ config: { ...doc.config, [`${PROJECT}:aws`]: { backupCopy: { account: own, roleArn: `arn:aws:iam::${own}:role/backup-copy-deployer` } } } });
    const plan = await planStack(BUNTY_STACK, { stackFileText: text });
    const report = await runPolicies(plan, { stackFileText: text });
    const found = report.outcomes.flatMap((o) => o.violations).filter((v) => v.level === "mandatory" && v.policy === "aws-backup-plan-copy-account");
    t.true(found.length > 0, "aws-backup-plan-copy-account reports the copy next to the original");
    t.true(found.every((v) => new RegExp(`copies to account ${own}, the account its own backups are in`).test(v.message)), found.map((v) => v.message).join("\n"));
});
