import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    datasourcesProvisioningFile,
    GRAFANA_CONTAINER,
    GRAFANA_SERVICE,
    GRAFANA_TASK_SIZE,
    GRAFANA_VOLUME,
    GRAFANA_WRITABLE,
    grafanaContainers,
    PROVISIONING_KEYS,
    type ProvisioningFile,
} from "../../../capabilities/aws/grafana";
import { HEALTH_CHECK_GRACE_SECONDS } from "../../../capabilities/aws/containers";
import { GRAFANA_ADMIN_USER, GRAFANA_PORT } from "../../../capabilities/dashboards";
import { child, fargateTask, jsonSecret, logGroup, policyJson, privateBucket, rolePolicy, serviceRole, singleTaskService, taskExecutionRole, type AwsScope } from "./scope";
import type { GrafanaRouting } from "./ingress";

export interface AwsGrafanaArgs extends AwsScope {
    /** The app's ECS cluster; Grafana runs as one more service in it. */
    readonly cluster: aws.ecs.Cluster;
    /** Private subnets the task runs in (no public IP). */
    readonly privateSubnetIds: pulumi.Input<string>[];
    /** Grafana's security group (AwsFirewall.grafana): its port from the load balancer only. */
    readonly securityGroupId: pulumi.Input<string>;
    /** The data key: the provisioning bucket, the admin secret, the logs. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** The Amazon Managed Prometheus workspace Grafana queries. */
    readonly workspace: aws.amp.Workspace;
    /** The generated admin password (`PlatformSecrets.grafanaAdmin`). */
    readonly adminPassword: pulumi.Output<string>;
    /** Grafana's target group and rule on the load balancer; without it Grafana runs unpublished, reached through ECS Exec port forwarding. */
    readonly routing?: GrafanaRouting;
    /** Seconds the load balancer's failing health checks are ignored after the task starts. Defaults to `HEALTH_CHECK_GRACE_SECONDS`. */
    readonly healthCheckGraceSeconds?: number;
    /** The runbook's dashboards as provisioning files (`dashboardProvisioningFiles`). */
    readonly dashboards: readonly ProvisioningFile[];
}

/**
 * Self-hosted Grafana on ECS Fargate with the runbook's dashboards, Amazon Managed Prometheus
 * (SigV4, by the task role) and CloudWatch as data sources. Fargate has no file uploads, so the
 * provisioning files are objects in a private, KMS-encrypted, versioned bucket, copied into a task
 * volume by an init container before Grafana starts. The admin password reaches the task only as a
 * Secrets Manager reference. One task: its SQLite state is on ephemeral storage (see
 * capabilities/aws/grafana.ts), so users and annotations made in the UI do not survive a restart.
 */
export class AwsGrafana extends pulumi.ComponentResource {
    public readonly bucket: aws.s3.Bucket;
    public readonly objects: aws.s3.BucketObjectv2[];
    public readonly adminSecret: aws.secretsmanager.Secret;
    public readonly taskRole: aws.iam.Role;
    public readonly taskDefinition: aws.ecs.TaskDefinition;
    public readonly service: aws.ecs.Service;

    constructor(name: string, args: AwsGrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Grafana", name, {}, opts);
        const { names } = args;

        // Rebuilt from the runbook on every update, but protected like the platform's other buckets (a versioned bucket keeps every past version).
        const { bucket, versioning } = privateBucket(this, args, `${name}-provisioning`, { forceDestroy: !args.protect }, args.kmsKeyArn, child(this, args, { protect: args.protect }));
        this.bucket = bucket;
        const object = (key: string, content: pulumi.Input<string>, contentType: string) =>
            new aws.s3.BucketObjectv2(
                `${name}-${key.replace(/[^A-Za-z0-9]+/g, "-")}`,
                { bucket: bucket.id, key, content, contentType, serverSideEncryption: "aws:kms", kmsKeyId: args.kmsKeyArn, bucketKeyEnabled: true },
                child(this, args, { dependsOn: [versioning] }),
            );
        const datasources = args.workspace.prometheusEndpoint.apply((prometheusEndpoint) => datasourcesProvisioningFile({ prometheusEndpoint, region: args.region }));
        this.objects = [
            object(PROVISIONING_KEYS.datasources, datasources.content, "application/yaml"),
            ...args.dashboards.map((f) => object(f.key, f.content, f.contentType)),
        ];

        this.adminSecret = jsonSecret(this, args, `${name}-admin`, "Grafana admin login", args.adminPassword.apply((password): Record<string, unknown> => ({ user: GRAFANA_ADMIN_USER, password })));
        const logs = logGroup(this, args, `${name}-logs`, names.logGroup(`ecs/${GRAFANA_SERVICE}`), args.kmsKeyArn);

        const executionRole = taskExecutionRole(this, args, `${name}-execution`, "Pulls Grafana's images, writes its logs, reads its admin secret", [this.adminSecret.arn], args.kmsKeyArn);
        this.taskRole = serviceRole(this, args, `${name}-task-role`, "ecs-tasks.amazonaws.com", [], "Grafana's reads: its provisioning files, AMP queries, CloudWatch metrics and the app's logs");
        const logGroupArn = (pattern: string) => pulumi.interpolate`arn:${args.partition}:logs:${args.region}:${args.accountId}:log-group:${pattern}`;
        const appLogGroups = [names.logGroup("*"), `/aws/rds/instance/${names.prefix}-*`, `/aws/docdb/${names.prefix}-*`].map(logGroupArn);
        rolePolicy(
            this,
            args,
            `${name}-task-reads`,
            this.taskRole,
            policyJson([
                { Action: ["s3:ListBucket"], Resource: bucket.arn },
                { Action: ["s3:GetObject"], Resource: pulumi.interpolate`${bucket.arn}/*` },
                { Action: ["kms:Decrypt"], Resource: args.kmsKeyArn },
                { Action: ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"], Resource: args.workspace.arn },
                // Only actions the Service Authorization Reference lists with no resource type take "*" (capabilities/aws/iam-wildcard.ts).
                { Action: ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics", "cloudwatch:DescribeAlarmsForMetric", "logs:DescribeLogGroups", "logs:StopQuery", "ec2:DescribeRegions", "tag:GetResources"], Resource: "*" },
                // Alarm reads take the alarm as resource: the stack's alarms are all named `<prefix>-…` (monitoring.ts).
                { Action: ["cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory"], Resource: pulumi.interpolate`arn:${args.partition}:cloudwatch:${args.region}:${args.accountId}:alarm:${names.prefix}-*` },
                { Action: ["logs:StartQuery", "logs:GetQueryResults", "logs:GetLogGroupFields", "logs:GetLogEvents", "logs:FilterLogEvents"], Resource: appLogGroups },
            ]),
        );
        if (!args.routing) {
            // No load balancer: an operator forwards a local port to the task through ECS Exec (Session Manager channels, which take no resource scope).
            rolePolicy(
                this,
                args,
                `${name}-task-exec`,
                this.taskRole,
                policyJson([{ Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"], Resource: "*" }]),
            );
        }

        this.taskDefinition = fargateTask(
            this,
            args,
            `${name}-task`,
            {
                family: names.taskFamily(GRAFANA_SERVICE),
                size: GRAFANA_TASK_SIZE,
                executionRole,
                taskRole: this.taskRole,
                containerDefinitions: pulumi
                    .all([bucket.bucket, logs.name, this.adminSecret.arn])
                    .apply(([bucketName, logGroupName, adminSecretArn]) =>
                        JSON.stringify(grafanaContainers({ bucket: bucketName, region: args.region, logGroup: logGroupName, adminSecretArn, host: args.routing?.host })),
                    ),
                volumes: [{ name: GRAFANA_VOLUME }, ...GRAFANA_WRITABLE.map((w) => ({ name: w.volume }))],
            },
            // The task must not start before its files are in the bucket.
            { dependsOn: this.objects },
        );
        // One task: a second would have a database of its own, and logins would not carry over between them.
        this.service = singleTaskService(
            this,
            args,
            `${name}-service`,
            {
                name: GRAFANA_SERVICE,
                cluster: args.cluster,
                taskDefinition: this.taskDefinition,
                subnets: args.privateSubnetIds,
                securityGroupId: args.securityGroupId,
                // Nothing to hand over between tasks: the new one starts before the old one stops.
                deployment: { minimumHealthyPercent: 100, maximumPercent: 200 },
                ...(args.routing
                    ? {
                          healthCheckGracePeriodSeconds: args.healthCheckGraceSeconds ?? HEALTH_CHECK_GRACE_SECONDS,
                          loadBalancers: [{ targetGroupArn: args.routing.targetGroup.arn, containerName: GRAFANA_CONTAINER, containerPort: GRAFANA_PORT }],
                      }
                    : { enableExecuteCommand: true }),
            },
            // ECS refuses a target group that no listener rule forwards to yet.
            args.routing ? { dependsOn: [args.routing.rule] } : {},
        );
        this.registerOutputs({ bucket: bucket.bucket, host: args.routing?.host });
    }
}
