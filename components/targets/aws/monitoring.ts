import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { cloudWatchAlarms, type AlarmInventory, type AlarmSpec, type AlarmSubject } from "../../../capabilities/aws/alarms";
import { ampDefinition, HEARTBEAT_MISSED_PERIODS, heartbeatPeriodSeconds, topicName, type TopicPart } from "../../../capabilities/aws/alertmanager";
import { CHAT_FORWARDER_SOURCE, DEAD_LETTER_RETENTION_SECONDS, failureTopic, FORWARDER_HANDLER, FORWARDER_RUNTIME, FORWARDER_TIMEOUT_SECONDS } from "../../../capabilities/aws/chat";
import { PAGER_FORWARDER_SOURCE, PAGERDUTY_EVENTS_URL } from "../../../capabilities/aws/pager";
import { ALARM_ACTIONS_PERMISSIONS, ALARM_ACTIONS_TARGET, alarmMute } from "../../../capabilities/aws/maintenance-mute";
import { CHECKER_REGIONS, FAILURE_THRESHOLD, reachabilityChecks, reachabilityPages, REQUEST_INTERVAL_SECONDS, reachabilityRegionProblem, type ReachabilityCheck } from "../../../capabilities/aws/reachability";
import type { PublicEndpoint } from "../../../capabilities/reachability";
import { rulesFor } from "../../../capabilities/alerting";
import { severitiesReaching } from "../../../capabilities/alerting/routing";
import { ALERT_SEVERITIES, type AlertSeverity } from "../../../runbooks";
import type { TargetArgs } from "../../platform";
import { child, logGroup, policyJson, rolePolicy, serviceRole, type AwsScope } from "./scope";

/** The values of each alarm subject's CloudWatch dimensions, from the resources that exist. */
export interface AlarmDimensions {
    readonly ecsCluster: pulumi.Input<string>;
    readonly ecsServices: Readonly<Record<string, pulumi.Input<string>>>;
    readonly loadBalancer?: pulumi.Input<string>;
    /** The load balancer (ARN suffix) of each target group, by the `targetGroups` key, where services are spread over several; `loadBalancer` otherwise. */
    readonly targetGroupLoadBalancers?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Target group ARN suffix by `<service>` or `<service>-<color>`. */
    readonly targetGroups: Readonly<Record<string, pulumi.Input<string>>>;
    /** RDS instance identifier by inventory key (`primary`, `replica-1`). */
    readonly rdsInstances: Readonly<Record<string, pulumi.Input<string>>>;
    readonly cacheGroupId?: string;
    readonly docdbInstances: readonly pulumi.Input<string>[];
    readonly kafkaCluster?: pulumi.Input<string>;
    /** The Amazon MQ broker's name (its metrics' `Broker` dimension). */
    readonly rabbitmqBroker?: pulumi.Input<string>;
    readonly certificateArn?: pulumi.Input<string>;
    /** Backup vault names by backup (`postgres`, `postgres-weekly`). */
    readonly vaults: Readonly<Record<string, pulumi.Input<string>>>;
}

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
    /** What exists to alarm on. */
    readonly inventory: AlarmInventory;
    /** Metric dimension values of the resources alarmed on. */
    readonly dimensions: AlarmDimensions;
    /** The hosts the stack publishes (capabilities/reachability.ts): each gets a Route 53 health check that pages when it fails. */
    readonly publicEndpoints: readonly PublicEndpoint[];
}

/** Resolves an alarm subject to its metric dimensions; throws if the subject names nothing that exists. */
export function subjectDimensions(s: AlarmSubject, d: AlarmDimensions): Record<string, pulumi.Input<string>> {
    const need = <T>(v: T | undefined, what: string): T => {
        if (v === undefined) throw new Error(`alarm subject ${s.kind}: no ${what} to alarm on`);
        return v;
    };
    switch (s.kind) {
        case "ecs-service":
            return { ClusterName: d.ecsCluster, ServiceName: need(d.ecsServices[s.service], `ECS service ${s.service}`) };
        case "target-group": {
            const key = s.color ? `${s.service}-${s.color}` : s.service;
            return { LoadBalancer: need(d.targetGroupLoadBalancers?.[key] ?? d.loadBalancer, "load balancer"), TargetGroup: need(d.targetGroups[key], `target group of ${s.service}`) };
        }
        case "rds-instance":
            return { DBInstanceIdentifier: need(d.rdsInstances[s.instance], `RDS instance ${s.instance}`) };
        case "cache-node":
            return { CacheClusterId: `${need(d.cacheGroupId, "replication group")}-${s.member}` };
        case "docdb-instance":
            return { DBInstanceIdentifier: need(d.docdbInstances[s.index], `DocumentDB instance ${s.index + 1}`) };
        case "msk-broker":
            return { "Cluster Name": need(d.kafkaCluster, "MSK cluster"), "Broker ID": String(s.brokerId) };
        case "msk-consumer":
            return { "Cluster Name": need(d.kafkaCluster, "MSK cluster"), "Consumer Group": s.group, Topic: s.topic };
        case "mq-queue":
            return { Broker: need(d.rabbitmqBroker, "Amazon MQ broker"), VirtualHost: s.vhost, Queue: s.queue };
        case "certificate":
            return { CertificateArn: need(d.certificateArn, "certificate") };
        case "backup-vault":
            return { BackupVaultName: need(d.vaults[s.backup], `vault of ${s.backup}`), ResourceType: s.resourceType };
        case "backup-task":
            return { App: s.app, Backup: s.backup };
    }
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
        const rb = args.runbook;

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
                environment: (secretArn) => ({ ROUTING_KEY_SECRET_ARN: secretArn, APP: rb.app, EVENTS_URL: PAGERDUTY_EVENTS_URL }),
                topics: severitiesReaching(rb, "pager"),
            });
        }
        const email = rb.incident.channels.email;
        const emailed = email ? severitiesReaching(rb, "email") : [];
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
                environment: (secretArn) => ({ WEBHOOK_SECRET_ARN: secretArn, APP: rb.app, CHANNEL: rb.incident.channels.chat }),
                topics: severitiesReaching(rb, "chat"),
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
                errors: alarm("errors", `The ${part} forwarder of ${rb.app} failed to deliver a notification (Lambda retries twice, then keeps it in its dead-letter queue).`, {
                    namespace: "AWS/Lambda",
                    metricName: "Errors",
                    dimensions: { FunctionName: fn.name },
                    period: 60,
                }),
                dropped: alarm("dropped", `Notifications of ${rb.app} the ${part} forwarder could not deliver wait in its dead-letter queue: read them there, fix the receiver, then replay or purge.`, {
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
            { workspaceId: this.workspace.id, name: `${rb.app}-${args.env}`, data: YAML.stringify(rulesFor(rb, args.env, "aws"), { lineWidth: 0 }) },
            child(this, args),
        );
        // Decided now, not inside the apply: a runbook it cannot serve is refused before anything is registered.
        const pagedByAlarm = reachabilityPages(rb, args.publicEndpoints);
        this.alertManager = new aws.amp.AlertManagerDefinition(
            `${name}-alertmanager`,
            {
                workspaceId: this.workspace.id,
                definition: pulumi
                    .all([this.topics.critical.arn, this.topics.warning.arn, this.topics.info.arn, this.topics.heartbeat.arn])
                    .apply(([critical, warning, info, heartbeat]) => ampDefinition(rb, args.region, { critical, warning, info, heartbeat }, pagedByAlarm)),
            },
            child(this, args),
        );

        this.heartbeatAlarm = new aws.cloudwatch.MetricAlarm(
            `${name}-heartbeat`,
            {
                name: `${args.names.prefix}-alerting-heartbeat`,
                alarmDescription: `The Watchdog heartbeat from Amazon Managed Prometheus stopped: no alert of ${rb.app} can arrive. Check the AMP workspace, its rules and alert manager.`,
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

        this.specs = cloudWatchAlarms(rb, args.inventory);
        this.alarms = {};
        for (const spec of this.specs) {
            const dims = subjectDimensions(spec.subject, args.dimensions);
            const single = spec.expression === undefined && spec.metrics.length === 1 ? spec.metrics[0] : undefined;
            const percentile = single && /^p\d+(\.\d+)?$/.test(single.stat);
            const target = this.topics[spec.severity].arn;
            // A view (AMP notifies for this level) keeps its state for the console and rollbacks, and notifies no one.
            const actions = spec.notifies ? { alarmActions: [target], okActions: [target] } : { actionsEnabled: false };
            this.alarms[spec.key] = new aws.cloudwatch.MetricAlarm(
                `${name}-${spec.key}`,
                {
                    name: `${args.names.prefix}-${spec.key}`,
                    alarmDescription: spec.description,
                    comparisonOperator: spec.comparison,
                    threshold: spec.threshold,
                    evaluationPeriods: spec.evaluationPeriods,
                    datapointsToAlarm: spec.datapointsToAlarm,
                    treatMissingData: spec.treatMissingData,
                    ...actions,
                    ...(single
                        ? { namespace: single.namespace, metricName: single.metricName, dimensions: dims, period: spec.period, ...(percentile ? { extendedStatistic: single.stat } : { statistic: single.stat }) }
                        : {
                              metricQueries: [
                                  { id: "e1", expression: spec.expression, label: spec.alertId, returnData: true },
                                  ...spec.metrics.map((m) => ({ id: m.id, returnData: false, metric: { namespace: m.namespace, metricName: m.metricName, dimensions: dims, period: spec.period, stat: m.stat } })),
                              ],
                          }),
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
     * weekly schedules switch exactly those alarms' actions off and on (capabilities/aws/maintenance-mute.ts).
     */
    private muteInMaintenance(name: string, args: AwsMonitoringArgs): void {
        const mute = alarmMute(args.runbook, this.specs);
        if (!mute) return;
        const alarms = mute.alarmKeys.map((k) => this.alarms[k]);
        const role = serviceRole(this, args, `${name}-maintenance-role`, "scheduler.amazonaws.com", [], "Switches the silenced alerts' alarm actions off and on in the runbook's maintenance window");
        rolePolicy(this, args, `${name}-maintenance-alarm-actions`, role, policyJson([{ Action: [...ALARM_ACTIONS_PERMISSIONS], Resource: alarms.map((a) => a.arn) }]));
        for (const s of mute.schedules) {
            new aws.scheduler.Schedule(
                `${name}-maintenance-${s.action}`,
                {
                    name: `${args.names.prefix}-maintenance-${s.action}`,
                    description: `${s.action === "disable" ? "Silences" : "Restores"} ${mute.alarmKeys.join(", ")} at the ${s.action === "disable" ? "start" : "end"} of the runbook's maintenance window`,
                    scheduleExpression: s.expression,
                    scheduleExpressionTimezone: "UTC",
                    flexibleTimeWindow: { mode: "OFF" },
                    target: { arn: ALARM_ACTIONS_TARGET[s.action], roleArn: role.arn, input: pulumi.jsonStringify({ AlarmNames: alarms.map((a) => a.name) }) },
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
        const checks = reachabilityChecks(args.runbook, args.publicEndpoints);
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
