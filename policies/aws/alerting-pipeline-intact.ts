import { finding, label, stackRule, type Finding, type Subject } from "../lib/policy";
import { snsTopicPages, unpagedEnv } from "../lib/routing";
import { isUnknown } from "../lib/inputs";
import { absentTarget, ofTarget, ofType } from "../lib/targets";
import { asArray, isRecord, num } from "../lib/values";
import { FORWARDER_TIMEOUT_SECONDS } from "../../capabilities/aws/chat";
import { alertTopicArns, subscriptionFilterProblems } from "../lib/alert-topics";
import { alarmMuteProblems } from "../lib/alarm-mute";

const TOPIC = "aws:sns/topic:Topic";
const TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const FUNCTION = "aws:lambda/function:Function";
const PERMISSION = "aws:lambda/permission:Permission";
const SECRET = "aws:secretsmanager/secret:Secret";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const AMP_DEFINITION = "aws:amp/alertManagerDefinition:AlertManagerDefinition";

/** The services that publish alerts to a paging topic: AMP's alert manager and CloudWatch alarms. */
const PUBLISHERS = ["aps.amazonaws.com", "cloudwatch.amazonaws.com"] as const;

const KEY = "incident.alertResponse.critical";

function parsePolicy(text: unknown): Record<string, any>[] | undefined {
    if (typeof text !== "string") return isRecord(text) ? asArray(text.Statement) : undefined;
    try {
        const doc = JSON.parse(text) as unknown;
        return isRecord(doc) ? asArray(doc.Statement) : undefined;
    } catch {
        return undefined;
    }
}

const actionsOf = (s: Record<string, any>): string[] => asArray<unknown>(s.Action).filter((a): a is string => typeof a === "string");
const coversPublish = (actions: readonly string[]) => actions.some((a) => ["sns:publish", "sns:*", "*"].includes(a.toLowerCase()));
function principalsOf(s: Record<string, any>): string[] {
    const p = s.Principal;
    if (p === "*") return ["*"];
    if (!isRecord(p)) return [];
    return [...asArray<unknown>(p.Service), ...asArray<unknown>(p.AWS)].filter((x): x is string => typeof x === "string");
}

/**
 * Whether the topic's policy lets the alert publishers publish: one Allow of sns:Publish to AMP and
 * to CloudWatch, and no Deny of sns:Publish (a Deny wins over every Allow). Returns the problems.
 */
function topicPolicyProblems(policy: Subject | undefined, arn: string): string[] {
    if (!policy) return [`no aws:sns/topicPolicy:TopicPolicy: a KMS-encrypted topic's default policy lets neither AMP nor CloudWatch publish to ${arn}`];
    if (isUnknown(policy.props.policy)) return [];
    const statements = parsePolicy(policy.props.policy);
    if (!statements) return [`${label(policy)}'s policy is not a JSON policy document`];
    const out: string[] = [];
    for (const s of statements) {
        if (String(s.Effect).toLowerCase() === "deny" && coversPublish(actionsOf(s))) out.push(`${label(policy)} denies ${actionsOf(s).join(", ")} to ${principalsOf(s).join(", ") || "everyone"}: a Deny wins over every Allow, so alerts published to ${arn} are refused`);
    }
    for (const service of PUBLISHERS) {
        const allowed = statements.some((s) => String(s.Effect).toLowerCase() === "allow" && coversPublish(actionsOf(s)) && (principalsOf(s).includes(service) || principalsOf(s).includes("*")));
        if (!allowed) out.push(`${label(policy)} allows ${service} no sns:Publish to ${arn}: its alerts never reach the topic`);
    }
    return out;
}

/** The forwarder functions a subscription invokes (by name, ARN or, while the ARN is unknown, by dependency). */
function functionsOf(resources: readonly Subject[], sub: Subject): Subject[] {
    const endpoint = typeof sub.props.endpoint === "string" ? sub.props.endpoint : undefined;
    const tail = endpoint?.split(":").pop();
    return ofType(resources, FUNCTION).filter((f) => (endpoint === undefined ? (sub.dependencies ?? []).includes(f.urn) : f.props.name === tail || f.name === tail || f.props.arn === endpoint));
}

/** A forwarder that cannot run: throttled to zero, or cut off before it has called the paging or chat API. */
function forwarderLimits(fn: Subject): string[] {
    const out: string[] = [];
    if (num(fn.props.reservedConcurrentExecutions) === 0) out.push("reservedConcurrentExecutions is 0: Lambda throttles every invocation, so no notification is sent");
    const timeout = num(fn.props.timeout);
    if (timeout !== undefined && timeout < FORWARDER_TIMEOUT_SECONDS)
        out.push(`timeout is ${timeout} s, below the platform's forwarder timeout of ${FORWARDER_TIMEOUT_SECONDS} s (capabilities/aws/chat.ts: reading the secret and calling the API, with retries): Lambda cuts it off before the notification is sent`);
    return out;
}

/** Problems with a forwarder SNS invokes to page: no permission for SNS, no concurrency, a secret that is not the stack's. */
function forwarderProblems(resources: readonly Subject[], fn: Subject, topicArn: string): string[] {
    const out: string[] = [];
    const fnNames = [fn.props.name, fn.name, fn.props.arn].filter((x) => typeof x === "string");
    const permissions = ofType(resources, PERMISSION).filter((p) => fnNames.includes(p.props.function) || (isUnknown(p.props.function) && (p.dependencies ?? []).includes(fn.urn)));
    const lets = permissions.some(
        (p) =>
            String(p.props.principal) === "sns.amazonaws.com" &&
            ["lambda:InvokeFunction", "lambda:*"].includes(String(p.props.action)) &&
            (p.props.sourceArn === undefined || p.props.sourceArn === topicArn || isUnknown(p.props.sourceArn)),
    );
    if (!lets) out.push(`no aws:lambda/permission:Permission lets sns.amazonaws.com invoke it from ${topicArn}: SNS's deliveries are refused and no one is paged`);
    out.push(...forwarderLimits(fn));
    const vars = fn.props.environment?.variables;
    if (isRecord(vars)) {
        const secrets = ofType(resources, SECRET);
        for (const [k, v] of Object.entries(vars)) {
            if (!/_SECRET_ARN$/.test(k) || typeof v !== "string") continue;
            const part = /:secret:(.+)$/.exec(v)?.[1];
            const ours = part !== undefined && secrets.some((s) => [s.props.name, s.name].some((n) => typeof n === "string" && (part === n || part.startsWith(`${n}-`))));
            if (!ours) out.push(`${k} = ${v} is not a secret of this stack (${secrets.map((s) => s.props.name ?? s.name).join(", ") || "none"}): the forwarder reads a key the stack does not manage, or none`);
        }
    }
    return out;
}

/**
 * Ways the path from an alert to a person is cut outside the Alertmanager configuration: the
 * paging topic's policy denies (or does not allow) AMP and CloudWatch to publish; the forwarder
 * SNS invokes may not be invoked, is throttled to zero, or reads a secret the stack does not
 * manage; the dead-man's switch on AMP's Watchdog heartbeat is gone or silenced.
 */
export const awsAlertingPipelineIntact = stackRule({
    name: "aws-alerting-pipeline-intact",
    description:
        "Every SNS topic that pages lets AMP and CloudWatch publish (no Deny), its Lambda forwarder may be invoked by SNS, is not throttled to zero nor cut below the platform's timeout and reads a secret of the stack; no subscription of an alert topic (pager, chat, e-mail) has a filter policy; AMP's Watchdog heartbeat has a switched-on alarm (missing data breaching) that pages when it stops; and nothing but the runbook's maintenance mute (its schedules, its role) may disable, reset, rewrite or delete an alarm.",
    tier: "runbook",
    target: "aws",
    remediationSteps: "Keep the topic policies, subscriptions, lambda permissions, forwarder settings, heartbeat alarm and maintenance schedules as components/targets/aws/monitoring.ts creates them; grant no other role CloudWatch's alarm-changing calls.",
    notApplicable: (resources, ctx) => absentTarget(resources, "aws") ?? unpagedEnv(ctx),
    check: (resources, ctx) => {
        const aws = ofTarget(resources, "aws");
        const out: Finding[] = [];
        const topicPages = snsTopicPages(aws);
        const subs = ofType(aws, SUBSCRIPTION);
        const paging = [...new Set(subs.map((s) => s.props.topic).filter((arn): arn is string => typeof arn === "string" && topicPages(arn) === true))];
        const policies = ofType(aws, TOPIC_POLICY);
        const checked = new Set<string>();
        for (const arn of paging) {
            const policy = policies.find((p) => p.props.arn === arn);
            for (const p of topicPolicyProblems(policy, arn)) out.push(finding(`paging topic ${arn}: ${p}`, { urn: policy?.urn, key: KEY }));
            for (const sub of subs.filter((s) => s.props.topic === arn && String(s.props.protocol).toLowerCase() === "lambda")) {
                for (const fn of functionsOf(aws, sub)) {
                    checked.add(fn.urn);
                    for (const p of forwarderProblems(aws, fn, arn)) out.push(finding(`${label(fn)} (pages from ${arn}): ${p}`, { urn: fn.urn, key: KEY }));
                }
            }
        }
        // Every delivery of an alert topic (pager, chat, e-mail): no filter policy may drop notifications; chat forwarders run like the pager's.
        const alertTopics = alertTopicArns(aws);
        for (const sub of subs.filter((s) => typeof s.props.topic === "string" && alertTopics.has(s.props.topic))) {
            for (const p of subscriptionFilterProblems(sub)) out.push(finding(`${label(sub)} (delivers ${sub.props.topic} by ${sub.props.protocol}): ${p}`, { urn: sub.urn, key: KEY }));
            if (String(sub.props.protocol).toLowerCase() !== "lambda") continue;
            for (const fn of functionsOf(aws, sub).filter((f) => !checked.has(f.urn))) {
                checked.add(fn.urn);
                for (const p of forwarderLimits(fn)) out.push(finding(`${label(fn)} (forwards ${sub.props.topic}): ${p}`, { urn: fn.urn, key: KEY }));
            }
        }
        out.push(...heartbeatProblems(aws, (arn) => paging.includes(arn)));
        out.push(...alarmMuteProblems(ctx.runbook, aws));
        return out;
    },
});

/**
 * AMP's Watchdog fires always and its route sends it to a heartbeat topic; an alarm on that topic's
 * published messages (below 1, missing data breaching, actions on, notifying a paging topic) is the
 * dead-man's switch that pages when AMP, its rules or its alert manager stop.
 */
function heartbeatProblems(aws: readonly Subject[], pages: (arn: string) => boolean): Finding[] {
    const definitions = ofType(aws, AMP_DEFINITION).filter((d) => typeof d.props.definition === "string");
    if (definitions.length === 0) return [];
    const topicNames = new Set(ofType(aws, TOPIC).map((t) => t.props.name ?? t.name));
    const sent = new Set(definitions.flatMap((d) => [...String(d.props.definition).matchAll(/arn:aws:sns:[^:\s"']+:\d+:([A-Za-z0-9_-]+)/g)].map((m) => m[1])));
    const watches = ofType(aws, ALARM).filter(
        (a) => a.props.namespace === "AWS/SNS" && a.props.metricName === "NumberOfMessagesPublished" && isRecord(a.props.dimensions) && sent.has(String(a.props.dimensions.TopicName)) && topicNames.has(a.props.dimensions.TopicName),
    );
    const problems = (a: Subject): string[] => {
        const p = a.props;
        const why: string[] = [];
        if (p.actionsEnabled === false || p.actionsEnabled === "false") why.push("actionsEnabled is false");
        if (!isUnknown(p.alarmActions) && !asArray<unknown>(p.alarmActions).some((x) => typeof x !== "string" || pages(x))) why.push(`none of its alarmActions (${asArray(p.alarmActions).join(", ") || "none"}) is a topic that pages`);
        if (p.treatMissingData !== "breaching") why.push(`treatMissingData is ${p.treatMissingData ?? "missing"}, not breaching: a heartbeat that stops sends no data at all`);
        if (p.comparisonOperator !== "LessThanThreshold" && p.comparisonOperator !== "LessThanOrEqualToThreshold") why.push(`comparisonOperator is ${p.comparisonOperator}: it must fire when the heartbeat falls silent`);
        return why;
    };
    if (watches.length === 0) {
        return [
            finding(
                `none of the topics AMP's alert manager publishes to (${[...sent].filter((n) => topicNames.has(n)).join(", ") || "none of the stack's"}) has a CloudWatch alarm on NumberOfMessagesPublished, the dead-man's switch on the Watchdog heartbeat: if AMP, its rules or its alert manager stop, no alert arrives and no one is told`,
                { key: KEY },
            ),
        ];
    }
    if (watches.some((a) => problems(a).length === 0)) return [];
    return watches.map((a) => finding(`${label(a)} is the dead-man's switch on AMP's Watchdog but ${problems(a).join("; ")}`, { urn: a.urn, key: KEY }));
}
