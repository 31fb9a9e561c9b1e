import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DataEndpoints } from "../../../capabilities/aws/containers";
import { grafanaHost } from "../../../capabilities/aws/grafana";
import { alarmInventory } from "../../../capabilities/aws/inventory";
import { awsNames } from "../../../capabilities/aws/names";
import { quotaLimits } from "../../../capabilities/quotas";
import { awsProblems } from "../../../capabilities/aws/validate";
import type { Runbook } from "../../../runbooks";
import type { TargetArgs } from "../../platform";
import { backupsSettings, backupTasksSettings, collectorSettings, firewallSettings, grafanaSettings, ingressSettings, monitoringSettings, networkSettings, scopeSettings, servicesSettings } from "./args";
import { AwsBackups, AwsBackupTasks } from "./backups";
import { AwsCollector } from "./collector";
import { AwsApiEndpoints } from "./endpoints";
import { DATA_SERVICES, type AwsDataInputs, type AwsDataOutputs } from "./data-services";
import { AwsFirewall } from "./firewall";
import { AwsGrafana } from "./grafana";
import { AwsIngress } from "./ingress";
import { AwsAccessLogs } from "./storage";
import { AwsKeys } from "./keys";
import { AwsMonitoring } from "./monitoring";
import { AwsNetwork } from "./network";
import { AwsOneOffTasks } from "./one-off-tasks";
import type { AwsScope } from "./scope";
import { AwsServices } from "./services";
import { publicEndpoints } from "../../../capabilities/reachability";

/**
 * The app's production platform on AWS managed services, built from `context.runbook`: a VPC
 * over the runbook's AZs; the data services the runbook has (`DATA_SERVICES`: RDS PostgreSQL,
 * ElastiCache Redis, MSK, DocumentDB, S3 buckets); ECS Fargate services behind an ALB with ACM, WAF and autoscaling; Amazon
 * Managed Prometheus rules with SNS routing and CloudWatch alarms; Grafana with the runbook's
 * dashboards on ECS; AWS Backup with restore tests.
 * Every resource is created with this target's provider (region from config, default tags).
 * This is the one place the stack (`args.context`) and the credentials become the children's Args;
 * the runbook's slices come from args.ts, and no child gets the whole runbook.
 */
export class AwsPlatform extends pulumi.ComponentResource {
    /** Public URL per service, and Grafana's where it is published. */
    public readonly endpoints: pulumi.Output<Record<string, string>>;
    public readonly provider: aws.Provider;
    public readonly keys: AwsKeys;
    public readonly network: AwsNetwork;
    public readonly firewall: AwsFirewall;
    public readonly apiEndpoints: AwsApiEndpoints;
    /** The runbook's data services (`DATA_SERVICES`), by runbook data key. */
    public readonly dataServices: Readonly<Partial<Record<keyof Runbook["data"], pulumi.ComponentResource>>>;
    public readonly ingress?: AwsIngress;
    public readonly services: AwsServices;
    public readonly backups: AwsBackups;
    /** The scheduled backup tasks, where the runbook has a dataset AWS Backup cannot take. */
    public readonly backupTasks?: AwsBackupTasks;
    public readonly monitoring: AwsMonitoring;
    public readonly collector: AwsCollector;
    public readonly grafana: AwsGrafana;
    /** Runs the one-off tasks on deploy, where the stack has any. */
    public readonly oneOffTasks?: AwsOneOffTasks;
    /** The bucket every other bucket's S3 server access logs go to. */
    public readonly accessLogs: AwsAccessLogs;

    constructor(name: string, args: TargetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Platform", name, {}, opts);
        const { context, receivers, secrets } = args;
        const rb = context.runbook;
        if (!context.region) throw new Error(`${context.stack}: aws:region is required for the aws target (the runbook's is ${rb.aws.region})`);
        // Refuse what AWS cannot run before registering anything, with every problem named.
        const problems = awsProblems(rb);
        if (problems.length) throw new Error(`${context.stack}: the aws target cannot build this runbook:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        const names = awsNames(context.app, context.env);

        const providerArgs = (region: string): aws.ProviderArgs => ({
            region,
            // An explicit provider reads no `aws:*` stack config by itself: the ones the stack may set are passed on.
            ...(context.awsAccess?.profile ? { profile: context.awsAccess.profile } : {}),
            ...(context.awsAccess?.allowedAccountIds ? { allowedAccountIds: [...context.awsAccess.allowedAccountIds] } : {}),
            defaultTags: { tags: { app: context.app, env: context.env, "managed-by": "pulumi" } },
        });
        this.provider = new aws.Provider(`${name}-aws`, providerArgs(context.region), { parent: this });
        const invoke = { parent: this, provider: this.provider };
        const unlogged: AwsScope = {
            stack: context.stack,
            env: context.env,
            protect: context.protect,
            ...scopeSettings(rb),
            names,
            provider: this.provider,
            region: context.region,
            partition: aws.getPartitionOutput({}, invoke).partition,
            accountId: aws.getCallerIdentityOutput({}, invoke).accountId,
        };
        const opt = { parent: this };
        this.accessLogs = new AwsAccessLogs(`${name}-s3-access-logs`, unlogged, opt);
        const scope: AwsScope = { ...unlogged, serverAccessLogs: this.accessLogs.bucket.id };

        const copyAccount = context.settings.aws?.backupCopy?.account;
        this.keys = new AwsKeys(`${name}-keys`, { ...scope, ...(copyAccount ? { copyAccountId: copyAccount } : {}) }, opt);
        const dataKey = this.keys.data.arn;
        this.network = new AwsNetwork(`${name}-network`, { ...scope, ...networkSettings(rb), logKeyArn: dataKey }, opt);
        const privateSubnetIds = this.network.privateSubnets.map((s) => s.id);
        this.firewall = new AwsFirewall(`${name}-firewall`, { ...scope, ...firewallSettings(rb), vpcId: this.network.vpc.id, s3PrefixListId: this.network.s3Endpoint.prefixListId }, opt);

        const inputs: AwsDataInputs = {
            scope,
            runbook: rb,
            subnetIds: privateSubnetIds,
            availabilityZones: this.network.availabilityZones,
            kmsKeyArn: dataKey,
            firewall: this.firewall,
            secrets,
        };
        const built = DATA_SERVICES.filter((kind) => rb.data[kind.kind] !== undefined).map((kind) => [kind.kind, kind.create(`${name}-${kind.part}`, inputs, opt)] as const);
        this.dataServices = Object.fromEntries(built.map(([kind, b]) => [kind, b.component]));
        const data = built.map(([, b]) => b);
        // What the kinds contribute, merged in DATA_SERVICES order (endpoints, credentials, buckets, restore targets, alarm dimensions).
        const merged = <K extends keyof AwsDataOutputs>(key: K) => Object.assign({}, ...data.map((b) => b[key] ?? {})) as NonNullable<AwsDataOutputs[K]>;
        const buckets = merged("buckets");
        const kafkaBootstrap = data.find((b) => b.kafkaBootstrap)?.kafkaBootstrap;
        const rabbitmqBroker = data.find((b) => b.rabbitmqBroker)?.rabbitmqBroker;
        const kafkaAdmin = data.find((b) => b.kafkaAdmin)?.kafkaAdmin;

        // Grafana is published where it has a host: the stack's aws.grafanaHost, or one derived from the app's hosts.
        const dashboardsHost = grafanaHost(context.settings.aws?.grafanaHost, context.hosts);
        if (Object.keys(context.hosts).length || dashboardsHost) {
            this.ingress = new AwsIngress(
                `${name}-ingress`,
                {
                    ...scope,
                    ...ingressSettings(rb),
                    vpcId: this.network.vpc.id,
                    publicSubnetIds: this.network.publicSubnets.map((s) => s.id),
                    securityGroupId: this.firewall.loadBalancer.id,
                    logKeyArn: dataKey,
                    hosts: context.hosts,
                    hostedZoneId: context.settings.aws?.hostedZoneId,
                    grafanaHost: dashboardsHost,
                    quotaLimits: quotaLimits(context.exceptions.map((e) => e.key)),
                    grafanaAllowedCidrs: context.settings.aws?.grafanaAllowedCidrs,
                },
                opt,
            );
        }

        // The AWS APIs' interface endpoints; ECS Exec (ssmmessages) is on for Grafana where it is not published (grafana.ts).
        this.apiEndpoints = new AwsApiEndpoints(
            `${name}-api-endpoints`,
            { ...scope, vpcId: this.network.vpc.id, privateSubnetIds, securityGroupId: this.firewall.endpoints.id, execute: !this.ingress?.grafana },
            opt,
        );

        const endpoints: pulumi.Output<DataEndpoints> = pulumi.output({
            ...merged("endpoints"),
            buckets: Object.fromEntries(Object.entries(buckets).map(([k, b]) => [k, b.bucket])),
        }) as pulumi.Output<DataEndpoints>;
        const credentials = merged("credentials");
        const monitorCredentials = { ...credentials, ...merged("monitorCredentials") };

        this.services = new AwsServices(
            `${name}-services`,
            {
                ...scope,
                ...servicesSettings(rb, context.env, context.region, context.hosts),
                images: context.settings.images,
                vpcId: this.network.vpc.id,
                privateSubnetIds,
                securityGroupId: this.firewall.tasks.id,
                portSecurityGroupIds: Object.fromEntries(Object.entries(this.firewall.servicePortGroups).map(([port, sg]) => [port, sg.id])),
                kmsKeyArn: dataKey,
                routing: this.ingress?.routing ?? {},
                endpoints,
                credentials,
                buckets,
                kafkaBootstrap,
                rabbitmqBroker,
                kafkaAdmin,
            },
            opt,
        );

        this.backups = new AwsBackups(
            `${name}-backups`,
            {
                ...scope,
                ...backupsSettings(rb),
                kmsKeyArn: this.keys.backup.arn,
                restoreTargets: merged("restoreTargets"),
                // The stack's aws.backupCopy: the same account in another region, through a provider of its own.
                ...(context.settings.aws?.backupCopy?.region
                    ? { copy: { region: context.settings.aws.backupCopy.region, provider: new aws.Provider(`${name}-aws-backup-copy`, providerArgs(context.settings.aws.backupCopy.region), { parent: this }) } }
                    : {}),
                // The stack's aws.backupCopy.account: another account in the stack's region, through a role the deploy assumes there.
                ...(copyAccount && context.settings.aws?.backupCopy?.roleArn
                    ? {
                          copyAccount: {
                              accountId: copyAccount,
                              provider: new aws.Provider(
                                  `${name}-aws-backup-account`,
                                  { ...providerArgs(context.region!), assumeRoles: [{ roleArn: context.settings.aws.backupCopy.roleArn, sessionName: `${context.stack}-backup-copy` }], allowedAccountIds: [copyAccount] },
                                  { parent: this },
                              ),
                          },
                      }
                    : {}),
            },
            opt,
        );

        const routing = this.ingress?.routing ?? {};
        const inventory = alarmInventory(rb, context.hosts);
        // Every target group on the load balancer is a runbook service's, which the alarms cover, or Grafana's: the platform's own
        // tool, which no runbook alert names (a broken Grafana loses no alert: alerts are evaluated by AMP and CloudWatch).
        const grafanaGroups = this.ingress?.grafana ? [this.ingress.grafana.targetGroup] : [];
        const serviceGroups = Object.values(routing).flatMap((r) => (r.alternate ? [r.primary, r.alternate] : [r.primary]));
        if (inventory.targetGroups.length !== serviceGroups.length || serviceGroups.length + grafanaGroups.length !== (this.ingress?.targetGroups.length ?? 0)) {
            throw new Error(`${context.stack}: the alarm inventory and the load balancer disagree on target groups`);
        }
        this.monitoring = new AwsMonitoring(
            `${name}-monitoring`,
            {
                ...scope,
                ...monitoringSettings(rb, context.env, context.region, inventory, publicEndpoints(rb, context.hosts, this.ingress?.grafana ? dashboardsHost : undefined)),
                kmsKeyArn: dataKey,
                receivers,
                dimensions: {
                    ecsCluster: this.services.cluster.name,
                    ecsServices: Object.fromEntries(Object.entries(this.services.services).map(([k, s]) => [k, s.service.name])),
                    ...(this.ingress ? { loadBalancer: this.ingress.loadBalancer.arnSuffix, certificateArn: this.ingress.certificate.arn } : {}),
                    targetGroups: Object.fromEntries(
                        Object.entries(routing).flatMap(([service, r]) => (r.alternate ? [[`${service}-blue`, r.primary.arnSuffix], [`${service}-green`, r.alternate.arnSuffix]] : [[service, r.primary.arnSuffix]])),
                    ),
                    ...(this.ingress && this.ingress.loadBalancers.length > 1
                        ? {
                              targetGroupLoadBalancers: Object.fromEntries(
                                  Object.keys(routing).flatMap((service) => {
                                      const lb = this.ingress!.loadBalancerOf[service].arnSuffix;
                                      return routing[service].alternate ? [[`${service}-blue`, lb], [`${service}-green`, lb]] : [[service, lb]];
                                  }),
                              ),
                          }
                        : {}),
                    rdsInstances: {},
                    docdbInstances: [],
                    ...merged("dimensions"),
                    vaults: Object.fromEntries(Object.entries(this.backups.datasets).map(([k, d]) => [k, d!.vault.name])),
                },
            },
            opt,
        );

        this.collector = new AwsCollector(
            `${name}-collector`,
            {
                ...scope,
                ...collectorSettings(rb, context.env),
                cluster: this.services.cluster,
                namespace: this.services.namespace.name,
                privateSubnetIds,
                securityGroupId: this.firewall.collector.id,
                kmsKeyArn: dataKey,
                workspace: this.monitoring.workspace,
                endpoints,
                credentials: monitorCredentials,
                kafkaBootstrap,
            },
            opt,
        );

        this.grafana = new AwsGrafana(
            `${name}-grafana`,
            {
                ...scope,
                ...grafanaSettings(rb),
                cluster: this.services.cluster,
                privateSubnetIds,
                securityGroupId: this.firewall.grafana.id,
                kmsKeyArn: dataKey,
                workspace: this.monitoring.workspace,
                adminPassword: secrets.grafanaAdmin.result,
                routing: this.ingress?.grafana,
            },
            opt,
        );

        // The one-off tasks (PostgreSQL roles, DocumentDB users, Kafka topics and ACLs) run on deploy, after what they write to exists.
        const kafkaComponent = this.dataServices.kafka;
        const oneOff = [
            ...data.flatMap((b) => b.oneOffTasks ?? []),
            ...(this.services.topicsTask && kafkaComponent ? [{ part: "kafka-topics", taskDefinition: this.services.topicsTask, after: [kafkaComponent] }] : []),
        ];
        if (oneOff.length) {
            this.oneOffTasks = new AwsOneOffTasks(
                `${name}-one-off-tasks`,
                {
                    ...scope,
                    cluster: this.services.cluster,
                    privateSubnetIds,
                    securityGroupId: this.firewall.tasks.id,
                    kmsKeyArn: dataKey,
                    alarmTopicArn: this.monitoring.topics.warning.arn,
                    tasks: oneOff,
                },
                opt,
            );
        }

        // The backups AWS Backup cannot take (Amazon MQ's definitions): the operations scripts as scheduled ECS tasks.
        const taskBackups = backupTasksSettings(rb);
        if (taskBackups.tasks.length) {
            this.backupTasks = new AwsBackupTasks(
                `${name}-backup-tasks`,
                {
                    ...scope,
                    ...taskBackups,
                    cluster: this.services.cluster,
                    privateSubnetIds,
                    securityGroupId: this.firewall.tasks.id,
                    kmsKeyArn: this.keys.backup.arn,
                    logsKmsKeyArn: dataKey,
                    alarmTopicArn: this.monitoring.topics.warning.arn,
                    sources: merged("backupTaskSources"),
                },
                opt,
            );
        }

        const published = { ...context.hosts, ...(this.ingress?.grafana ? { grafana: this.ingress.grafana.host } : {}) };
        this.endpoints = pulumi.output(Object.fromEntries(Object.entries(published).map(([svc, host]) => [svc, `https://${host}`])));
        this.registerOutputs({
            endpoints: this.endpoints,
            loadBalancer: this.ingress?.loadBalancer.dnsName,
            prometheusEndpoint: this.monitoring.workspace.prometheusEndpoint,
            kafkaTopicsTask: this.services.topicsTask?.arn,
            postgresRolesTask: data.find((b) => b.postgresRolesTask)?.postgresRolesTask?.arn,
            documentDbUsersTask: data.find((b) => b.documentDbUsersTask)?.documentDbUsersTask?.arn,
        });
    }
}
