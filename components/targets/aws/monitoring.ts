import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import type { AlarmSpec } from "../../../capabilities/aws/alarms";
import { alarmMetricArgs, subjectDimensions, type AlarmDimensionValues } from "../../../capabilities/aws/alarm-metrics";
import { HEARTBEAT_MISSED_PERIODS, heartbeatPeriodSeconds, topicName, type SeverityTopics, type TopicPart } from "../../../capabilities/aws/alertmanager";
import { CHAT_FORWARDER_SOURCE, DEAD_LETTER_RETENTION_SECONDS, failureTopic, FORWARDER_HANDLER, FORWARDER_RUNTIME, FORWARDER_TIMEOUT_SECONDS } from "../../../capabilities/aws/chat";
import { PAGER_FORWARDER_SOURCE, PAGERDUTY_EVENTS_URL } from "../../../capabilities/aws/pager";
import { ALARM_ACTIONS_PERMISSIONS, ALARM_ACTIONS_TARGET, RESET_DELAY_MINUTES, SCHEDULE_NAME_MAX, scheduleInput, type AlarmMute } from "../../../capabilities/aws/maintenance-mute";
import { fitName } from "../../../capabilities/aws/names";
import { CHECKER_REGIONS, FAILURE_THRESHOLD, REQUEST_INTERVAL_SECONDS, reachabilityRegionProblem, type ReachabilityCheck } from "../../../capabilities/aws/reachability";
import type { RuleFile } from "../../../capabilities/alerting/rules";
import { ALERT_SEVERITIES, type AlertSeverity, type Runbook } from "../../../runbooks";
import type { TargetArgs } from "../../platform";
import { child, logGroup, policyJson, rolePolicy, serviceRole, type AwsScope } from "./scope";

/** The values of each alarm subject's CloudWatch dimensions, from the resources that exist (capabilities/aws/alarm-metrics.ts). */
export type AlarmDimensions = AlarmDimensionValues<pulumi.Input<string>>;

/** One notification forwarder: which operator credential it holds and which topics feed it. */
interface ForwarderSpec {
    /** Name part: `chat`, `pager`. */
    readonly part: string;
    /** The credential, in words, for descriptions. */
    readonly what: string;
    /** Name part of its Secrets Manager secret: `webhook`, `routing-key`. */
    readonly secretPart: string;
    readonly secret: pulumi.Output<string>;
    /** The function's `index.js`. */
    readonly source: string;
    readonly environment: (secretArn: string) => Record<string, string>;
    readonly topics: readonly AlertSeverity[];
}

export interface AwsMonitoringArgs extends AwsScope {
    /** The customer-managed key that encrypts them (AwsKeys.data, or .backup for vaults). */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Pager and chat credentials (Pulumi secrets). */
    readonly receivers: TargetArgs["receivers"];
    /** Metric dimension values of the resources alarmed on. */
    readonly dimensions: AlarmDimensions;
    /** The severities each of the runbook's channels receives (`severitiesReaching`; `email` none where the runbook has no email). */
    readonly severities: { readonly pager: readonly AlertSeverity[]; readonly email: readonly AlertSeverity[]; readonly chat: readonly AlertSeverity[] };
    /** The runbook's `incident.channels`: the email address subscribed to its severities, the chat channel the forwarder names. */
    readonly channels: Runbook["incident"]["channels"];
    /** The alerting contract's rule groups for the runbook on target `aws` (`rulesFor`), which AMP evaluates. */
    readonly rules: RuleFile;
    /** AMP's alert manager definition for the topics' ARNs (`ampDefinition` of the runbook, region and the alerts the reachability alarms page for). */
    readonly alertManagerDefinition: (topics: SeverityTopics) => string;
    /** The CloudWatch alarms over what exists to alarm on (`cloudWatchAlarms` of the runbook and the stack's alarm inventory). */
    readonly alarms: readonly AlarmSpec[];
    /** The runbook's maintenance-window silence of the alarms that notify by themselves (`alarmMute`); none: nothing is silenced. */
    readonly mute?: AlarmMute;
    /** A Route 53 health check per host the stack publishes (`reachabilityChecks`): each pages when it fails. */
    readonly reachability: readonly ReachabilityCheck[];
}

/**
 * Alerting on AWS. Amazon Managed Prometheus evaluates the generated rule groups (the alerting
 * contract's rules for target `aws`) and routes by severity to SNS topics; CloudWatch alarms cover
 * the runbook thresholds that managed services report themselves, and notify only for the alerts
 * AMP leaves to them (capabilities/aws/alarms.ts: one page per level and subject). Each severity's
 * topic feeds the channels the routing gives it (`severityChannels`). The Watchdog's heartbeat
 * topic going silent pages too.
 */
export class AwsMonitoring extends pulumi.ComponentResource {
    public readonly topics: Record<AlertSeverity | "heartbeat", aws.sns.Topic>;
    public readonly workspace: aws.amp.Workspace;
    public readonly ruleGroups: aws.amp.RuleGroupNamespace;
    public readonly alertManager: aws.amp.AlertManagerDefinition;
    public readonly alarms: Record<string, aws.cloudwatch.MetricAlarm>;
    public readonly specs: AlarmSpec[];
    public readonly heartbeatAlarm: aws.cloudwatch.MetricAlarm;
    /** Per public host (by check key): its Route 53 health check and the alarm that pages when it fails. */
    public readonly reachability: Record<string, { check: ReachabilityCheck; healthCheck: aws.route53.HealthCheck; alarm: aws.cloudwatch.MetricAlarm }> = {};
    public readonly chat?: aws.lambda.Function;
    public readonly pager?: aws.lambda.Function;
    /** Per forwarder: the queue its undeliverable notifications land in, and the alarms on its errors and on that queue. */
    public readonly forwarderFailures: Record<string, { queue: aws.sqs.Queue; errors: aws.cloudwatch.MetricAlarm; dropped: aws.cloudwatch.MetricAlarm }> = {};

    constructor(name: string, args: AwsMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Monitoring", name, {}, opts);
        const { receivers } = args;

        const topic = (part: TopicPart) => new aws.sns.Topic(`${name}-${part}`, { name: topicName(args.names.prefix, part), kmsMasterKeyId: args.kmsKeyArn }, child(this, args));
        this.topics = { critical: topic("critical"), warning: topic("warning"), info: topic("info"), heartbeat: topic("heartbeat") };
        for (const [part, t] of Object.entries(this.topics)) {
            new aws.sns.TopicPolicy(
                `${name}-${part}`,
                {
                    arn: t.arn,
                    policy: pulumi.jsonStringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Sid: "AlertPublishers",
                                Effect: "Allow",
                                Principal: { Service: ["aps.amazonaws.com", "cloudwatch.amazonaws.com"] },
                                Action: ["sns:Publish", "sns:GetTopicAttributes"],
                                Resource: t.arn,
                                Condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
                            },
                        ],
                    }),
                },
                child(this, args),
            );
        }

        if (receivers.pagerdutyRoutingKey) {
            // Events API v2 through a forwarder (capabilities/aws/pager.ts): one incident per alert group, resolved when it clears.
            this.pager = this.forwarder(name, args, {
                part: "pager",
                what: "PagerDuty routing key",
                secretPart: "routing-key",
                secret: receivers.pagerdutyRoutingKey,
                source: PAGER_FORWARDER_SOURCE,
                environment: (secretArn) => ({ ROUTING_KEY_SECRET_ARN: secretArn, APP: args.app, EVENTS_URL: PAGERDUTY_EVENTS_URL }),
                topics: args.severities.pager,
            });
        }
        const email = args.channels.email;
        const emailed = args.severities.email;
        for (const severity of emailed) {
            new aws.sns.TopicSubscription(`${name}-${severity}-email`, { topic: this.topics[severity].arn, protocol: "email", endpoint: email! }, child(this, args));
        }
        if (receivers.slackWebhookUrl) {
            this.chat = this.forwarder(name, args, {
                part: "chat",
                what: "chat webhook",
                secretPart: "webhook",
                secret: receivers.slackWebhookUrl,
                source: CHAT_FORWARDER_SOURCE,
                environment: (secretArn) => ({ WEBHOOK_SECRET_ARN: secretArn, APP: args.app, CHANNEL: args.channels.chat }),
                topics: args.severities.chat,
            });
        }

        // A forwarder that fails is itself alarmed, on a topic another receiver reads (capabilities/aws/chat.ts).
        const subscribers: Record<AlertSeverity, string[]> = { critical: [], warning: [], info: [] };
        for (const severity of emailed) subscribers[severity].push("email");
        for (const [part, f] of this.forwarders) for (const t of f.topics) subscribers[t].push(part);
        for (const [part, { fn, queue }] of this.forwarders) {
            const target = this.topics[failureTopic(part, ALERT_SEVERITIES, subscribers)].arn;
            const alarm = (key: string, description: string, metric: Pick<aws.cloudwatch.MetricAlarmArgs, "namespace" | "metricName" | "dimensions" | "period">) =>
                new aws.cloudwatch.MetricAlarm(
                    `${name}-${part}-${key}`,
                    {
                        name: `${args.names.prefix}-${part}-forwarder-${key}`,
                        alarmDescription: description,
                        ...metric,
                        statistic: key === "errors" ? "Sum" : "Maximum",
                        evaluationPeriods: 1,
                        comparisonOperator: "GreaterThanThreshold",
                        threshold: 0,
                        treatMissingData: "notBreaching",
                        alarmActions: [target],
                        okActions: [target],
                        tags: { "runbook:kind": "platform" },
                    },
                    child(this, args),
                );
            this.forwarderFailures[part] = {
                queue,
                errors: alarm("errors", `The ${part} forwarder of ${args.app} failed to deliver a notification (Lambda retries twice, then keeps it in its dead-letter queue).`, {
                    namespace: "AWS/Lambda",
                    metricName: "Errors",
                    dimensions: { FunctionName: fn.name },
                    period: 60,
                }),
                dropped: alarm("dropped", `Notifications of ${args.app} the ${part} forwarder could not deliver wait in its dead-letter queue: read them there, fix the receiver, then replay or purge.`, {
                    namespace: "AWS/SQS",
                    metricName: "ApproximateNumberOfMessagesVisible",
                    dimensions: { QueueName: queue.name },
                    period: 300,
                }),
            };
        }

        const ampLogs = logGroup(this, args, `${name}-amp-logs`, `/aws/vendedlogs/prometheus/${args.names.prefix}`, args.kmsKeyArn);
        this.workspace = new aws.amp.Workspace(
            `${name}-amp`,
            { alias: args.names.prefix, kmsKeyArn: args.kmsKeyArn, loggingConfiguration: { logGroupArn: pulumi.interpolate`${ampLogs.arn}:*` } },
            child(this, args, { protect: args.protect }),
        );
        this.ruleGroups = new aws.amp.RuleGroupNamespace(
            `${name}-rules`,
            { workspaceId: this.workspace.id, name: `${args.app}-${args.env}`, data: YAML.stringify(args.rules, { lineWidth: 0 }) },
            child(this, args),
        );
        this.alertManager = new aws.amp.AlertManagerDefinition(
            `${name}-alertmanager`,
            {
                workspaceId: this.workspace.id,
                definition: pulumi
                    .all([this.topics.critical.arn, this.topics.warning.arn, this.topics.info.arn, this.topics.heartbeat.arn])
                    .apply(([critical, warning, info, heartbeat]) => args.alertManagerDefinition({ critical, warning, info, heartbeat })),
            },
            child(this, args),
        );

        this.heartbeatAlarm = new aws.cloudwatch.MetricAlarm(
            `${name}-heartbeat`,
            {
                name: `${args.names.prefix}-alerting-heartbeat`,
                alarmDescription: `The Watchdog heartbeat from Amazon Managed Prometheus stopped: no alert of ${args.app} can arrive. Check the AMP workspace, its rules and alert manager.`,
                namespace: "AWS/SNS",
                metricName: "NumberOfMessagesPublished",
                dimensions: { TopicName: this.topics.heartbeat.name },
                statistic: "Sum",
                period: heartbeatPeriodSeconds(),
                evaluationPeriods: HEARTBEAT_MISSED_PERIODS,
                datapointsToAlarm: HEARTBEAT_MISSED_PERIODS,
                comparisonOperator: "LessThanThreshold",
                threshold: 1,
                treatMissingData: "breaching",
                alarmActions: [this.topics.critical.arn],
                okActions: [this.topics.critical.arn],
                tags: { "runbook:kind": "platform" },
            },
            child(this, args),
        );

        this.specs = [...args.alarms];
        this.alarms = {};
        for (const spec of this.specs) {
            // The metric side, as the pack's aws-cloudwatch-alarm-metric-spec expects it (capabilities/aws/alarm-metrics.ts `expectedAlarms`).
            const metric = alarmMetricArgs(spec, subjectDimensions(spec.subject, args.dimensions));
            const target = this.topics[spec.severity].arn;
            // A view (AMP notifies for this level) keeps its state for the console and rollbacks, and notifies no one.
            const actions = spec.notifies ? { alarmActions: [target], okActions: [target] } : { actionsEnabled: false };
            this.alarms[spec.key] = new aws.cloudwatch.MetricAlarm(
                `${name}-${spec.key}`,
                {
                    name: `${args.names.prefix}-${spec.key}`,
                    alarmDescription: spec.description,
                    ...metric,
                    ...actions,
                    tags: { "runbook:alert": spec.alertId, "runbook:severity": spec.severity, "runbook:signal": spec.signal, "runbook:notifies": String(spec.notifies) },
                },
                child(this, args),
            );
        }
        this.muteInMaintenance(name, args);
        this.reachabilityChecks(name, args);
        this.registerOutputs({ workspace: this.workspace.prometheusEndpoint, alarms: Object.keys(this.alarms).length });
    }

    /**
     * The runbook's maintenance-window silence for the alarms that notify by themselves: two
     * weekly schedules switch exactly those alarms' actions off and on, and one per alarm sets it to
     * OK just after, so one still breaching notifies (capabilities/aws/maintenance-mute.ts).
     */
    private muteInMaintenance(name: string, args: AwsMonitoringArgs): void {
        const mute = args.mute;
        if (!mute) return;
        const alarms = mute.alarmKeys.map((k) => this.alarms[k]);
        const role = serviceRole(this, args, `${name}-maintenance-role`, "scheduler.amazonaws.com", [], "Switches the silenced alerts' alarm actions off and on in the runbook's maintenance window");
        rolePolicy(this, args, `${name}-maintenance-alarm-actions`, role, policyJson([{ Action: [...ALARM_ACTIONS_PERMISSIONS], Resource: alarms.map((a) => a.arn) }]));
        const alarmNames = pulumi.all(alarms.map((a) => a.name)).apply((names) => Object.fromEntries(mute.alarmKeys.map((k, i) => [k, names[i]])));
        const what = { disable: "Silences", enable: "Restores", reset: "Re-evaluates" } as const;
        const when = { disable: "start", enable: "end", reset: `end (+${RESET_DELAY_MINUTES} min, actions on: an alarm still breaching notifies)` } as const;
        for (const s of mute.schedules) {
            const id = s.action === "reset" ? `reset-${s.alarmKey}` : s.action;
            new aws.scheduler.Schedule(
                `${name}-maintenance-${id}`,
                {
                    name: fitName(`${args.names.prefix}-maintenance-${id}`, SCHEDULE_NAME_MAX),
                    description: `${what[s.action]} ${s.alarmKey ?? mute.alarmKeys.join(", ")} at the ${when[s.action]} of the runbook's maintenance window`,
                    scheduleExpression: s.expression,
                    scheduleExpressionTimezone: "UTC",
                    flexibleTimeWindow: { mode: "OFF" },
                    target: { arn: ALARM_ACTIONS_TARGET[s.action], roleArn: role.arn, input: alarmNames.apply((n) => JSON.stringify(scheduleInput(s, n, mute))) },
                },
                child(this, args),
            );
        }
    }

    /**
     * A Route 53 health check per public host, from several regions, and its alarm on the critical
     * topic. HealthCheckStatus exists only in us-east-1, so the alarm and its topic must be there.
     */
    private reachabilityChecks(name: string, args: AwsMonitoringArgs): void {
        const checks = args.reachability;
        const problem = reachabilityRegionProblem(args.stack, args.region, checks);
        if (problem) throw new Error(problem);
        for (const check of checks) {
            const healthCheck = new aws.route53.HealthCheck(
                `${name}-${check.key}`,
                {
                    type: "HTTPS",
                    fqdn: check.endpoint.host,
                    port: 443,
                    resourcePath: check.endpoint.path,
                    enableSni: true,
                    requestInterval: REQUEST_INTERVAL_SECONDS,
                    failureThreshold: FAILURE_THRESHOLD,
                    regions: [...CHECKER_REGIONS],
                    tags: { Name: `${args.names.prefix}-${check.key}`, "runbook:host": check.endpoint.host, "runbook:kind": "reachability" },
                },
                child(this, args),
            );
            const target = this.topics.critical.arn;
            const alarm = new aws.cloudwatch.MetricAlarm(
                `${name}-${check.key}`,
                {
                    name: `${args.names.prefix}-${check.key}`,
                    alarmDescription: check.description,
                    namespace: "AWS/Route53",
                    metricName: "HealthCheckStatus",
                    dimensions: { HealthCheckId: healthCheck.id },
                    statistic: "Minimum",
                    period: check.period,
                    evaluationPeriods: check.evaluationPeriods,
                    datapointsToAlarm: check.datapointsToAlarm,
                    comparisonOperator: "LessThanThreshold",
                    threshold: 1,
                    // No status at all (the check deleted or not reporting) is no proof the host answers.
                    treatMissingData: "breaching",
                    alarmActions: [target],
                    okActions: [target],
                    tags: { "runbook:kind": "reachability", "runbook:severity": "critical", "runbook:host": check.endpoint.host, "runbook:follows": `${check.alertId}/critical` },
                },
                child(this, args),
            );
            this.reachability[check.key] = { check, healthCheck, alarm };
        }
    }

    /**
     * A Lambda function that forwards the notifications of `topics` to an operator's service (SNS
     * cannot post to a webhook or the Events API itself); the operator's credential stays in
     * Secrets Manager, read at run time.
     */
    /** Each forwarder by its part (`pager`, `chat`): its function, dead-letter queue and the topics that feed it. */
    private readonly forwarders = new Map<string, { fn: aws.lambda.Function; queue: aws.sqs.Queue; topics: readonly AlertSeverity[] }>();

    private forwarder(name: string, args: AwsMonitoringArgs, f: ForwarderSpec): aws.lambda.Function {
        const part = `${name}-${f.part}`;
        // SNS invokes the function asynchronously: after Lambda's two retries a notification lands here instead of vanishing.
        const deadLetters = new aws.sqs.Queue(
            `${part}-dead-letters`,
            { name: `${args.names.prefix}-${f.part}-dead-letters`, messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS, sqsManagedSseEnabled: true },
            child(this, args),
        );
        const secret = new aws.secretsmanager.Secret(`${part}-${f.secretPart}`, { description: `${args.names.prefix} ${f.what} (operator secret)`, kmsKeyId: args.kmsKeyArn }, child(this, args));
        new aws.secretsmanager.SecretVersion(`${part}-${f.secretPart}`, { secretId: secret.id, secretString: pulumi.secret(f.secret) }, child(this, args));
        const functionName = `${args.names.prefix}-${f.part}`;
        const logs = logGroup(this, args, `${part}-logs`, `/aws/lambda/${functionName}`, args.kmsKeyArn);
        const role = serviceRole(this, args, part, "lambda.amazonaws.com", ["service-role/AWSLambdaBasicExecutionRole"], `Forwards alert notifications: ${f.what}`);
        rolePolicy(
            this,
            args,
            part,
            role,
            policyJson([
                { Action: ["secretsmanager:GetSecretValue"], Resource: secret.arn },
                { Action: ["kms:Decrypt"], Resource: args.kmsKeyArn },
                { Action: ["sqs:SendMessage"], Resource: deadLetters.arn },
            ]),
        );
        const fn = new aws.lambda.Function(
            part,
            {
                name: functionName,
                runtime: FORWARDER_RUNTIME,
                handler: FORWARDER_HANDLER,
                role: role.arn,
                timeout: FORWARDER_TIMEOUT_SECONDS,
                code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(f.source) }),
                environment: { variables: secret.arn.apply(f.environment) },
                loggingConfig: { logFormat: "Text", logGroup: logs.name },
                deadLetterConfig: { targetArn: deadLetters.arn },
            },
            child(this, args),
        );
        for (const topic of f.topics) {
            const permission = new aws.lambda.Permission(
                `${part}-${topic}`,
                { action: "lambda:InvokeFunction", function: fn.name, principal: "sns.amazonaws.com", sourceArn: this.topics[topic].arn },
                child(this, args),
            );
            new aws.sns.TopicSubscription(`${name}-${topic}-${f.part}`, { topic: this.topics[topic].arn, protocol: "lambda", endpoint: fn.arn }, child(this, args, { dependsOn: [permission] }));
        }
        this.forwarders.set(f.part, { fn, queue: deadLetters, topics: f.topics });
        return fn;
    }
}
