import type { queueDepthTracking } from "../../../capabilities/aws/amazonmq";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    appContainer,
    appInitContainer,
    appTaskVolumes,
    awslogs,
    HEALTH_CHECK_GRACE_SECONDS,
    secretKey,
    type ContainerDefinition,
    type CredentialArns,
    type DataEndpoints,
    type KeyValue,
    type SecretRef,
} from "../../../capabilities/aws/containers";
import type { DeploymentGuard } from "../../../capabilities/aws/deployments";
import { IMAGES } from "../../../capabilities/aws/collector";
import { aclCommands, adminClientConfig, KAFKA_ADMIN_PASSWORD_ENV, kafkaUsers, topicCommands } from "../../../capabilities/aws/msk";
import { fargateSize } from "../../../capabilities/sizing";
import type { Runbook, Service } from "../../../runbooks";
import { child, fargateTask, logGroup, policyJson, rolePolicy, serviceRole, taskExecutionRole, type AwsScope } from "./scope";
import type { ServiceRouting } from "./ingress";
import { scaleInRule } from "../../../runbooks/language/scale-in";

export interface AwsServicesArgs extends AwsScope {
    /** The stack's pinned image per runbook service (`images`). */
    readonly images: Readonly<Record<string, string>>;
    /** Private subnets the tasks run in (no public IPs). */
    readonly privateSubnetIds: pulumi.Input<string>[];
    /** The VPC (AwsNetwork). */
    readonly vpcId: pulumi.Input<string>;
    /** The security group of these resources (see AwsFirewall). */
    readonly securityGroupId: pulumi.Input<string>;
    /** The extra security group of each service port past the tasks' group's (AwsFirewall.servicePortGroups). Defaults to none. */
    readonly portSecurityGroupIds?: Readonly<Record<number, pulumi.Input<string>>>;
    /** Key of the data services, secrets and logs. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Load-balancer routing per public service; services not in it run without one (workers, APIs without a host). */
    readonly routing: Readonly<Record<string, ServiceRouting>>;
    /** Resolved data-service endpoints the tasks connect to. */
    readonly endpoints: pulumi.Input<DataEndpoints>;
    /** Secrets Manager secrets of the data services' credentials. */
    readonly credentials: { readonly postgres?: aws.secretsmanager.Secret; readonly redis?: aws.secretsmanager.Secret; readonly mongodb?: aws.secretsmanager.Secret; readonly kafka?: aws.secretsmanager.Secret; readonly rabbitmq?: aws.secretsmanager.Secret };
    /** Kafka's admin login (a JSON secret with `password`): only the topics task reads it. */
    readonly kafkaAdmin?: aws.secretsmanager.Secret;
    /** The app's buckets, by runbook name. */
    readonly buckets: Readonly<Record<string, aws.s3.Bucket>>;
    /** MSK bootstrap brokers, where the runbook has Kafka: the topic task creates its topics there. */
    readonly kafkaBootstrap?: pulumi.Input<string>;
    /** The Amazon MQ broker's name, where a worker scales on its queues' depth. */
    readonly rabbitmqBroker?: pulumi.Input<string>;
    /** Seconds the load balancer's failing health checks are ignored after a task starts. Defaults to `HEALTH_CHECK_GRACE_SECONDS`. */
    readonly healthCheckGraceSeconds?: number;
    /** The runbook's services, in runbook order: one ECS service each (size, port, scaling, health check). */
    readonly services: readonly Service[];
    /** Read-write or read-only per bucket (`bucketAccess`: the backup copy is read-only). Defaults to read-write. */
    readonly bucketAccess: Readonly<Record<string, "read-write" | "read-only">>;
    /** Whether the app's tasks get the RDS CA bundle (`needsCaBundle`: the runbook has PostgreSQL or MongoDB). */
    readonly caBundle: boolean;
    /** The runbook's `data.kafka`, where it has Kafka: the topics task creates its topics and ACLs. */
    readonly kafka?: NonNullable<Runbook["data"]["kafka"]>;
    /** A service's environment and secret references for the resolved endpoints and credential ARNs (`appEnvironment` of the runbook, env and region). */
    readonly environment: (svc: Service, endpoints: DataEndpoints, creds: CredentialArns) => { environment: KeyValue[]; secrets: SecretRef[] };
    /** How a service's deployment is guarded (`deploymentGuard`: the circuit breaker, or the critical alarms on its host a blue/green deployment rolls back on). */
    readonly deploymentGuard: (service: string, blueGreenRouting: boolean) => DeploymentGuard;
    /** Whether a worker scales on its RabbitMQ queues' depth (`scaledOnQueueDepth`). */
    readonly scaledOnQueueDepth: (svc: Service) => boolean;
    /** The queue-depth target tracking of such a worker (`queueDepthTracking` of the runbook's queues). */
    readonly queueDepthTracking: (svc: Service, broker: string, cluster: string, ecsService: string) => ReturnType<typeof queueDepthTracking>;
}

/** Scale out within a minute; scale-in follows the runbook's rule (scaleInTracking, runbooks/language/scale-in.ts). */
export const SCALE_OUT_COOLDOWN_SECONDS = 60;

/** Target tracking's scale-in settings from the service's rule: its cooldown, and `disableScaleIn` only where the runbook disables it. */
export function scaleInTracking(svc: Service): { scaleInCooldown?: number; disableScaleIn?: true } {
    const rule = scaleInRule(svc.scaling);
    return rule.enabled ? { scaleInCooldown: rule.cooldownSeconds } : { disableScaleIn: true };
}
/** Cloud Map record TTL: a replaced task leaves the collector's scrape list within 10 s. */
const DISCOVERY_TTL_SECONDS = 10;

export interface AppService {
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly taskDefinition: aws.ecs.TaskDefinition;
    readonly service: aws.ecs.Service;
    readonly discovery: aws.servicediscovery.Service;
    readonly scaling: aws.appautoscaling.Target;
    readonly cpuPolicy: aws.appautoscaling.Policy;
    readonly memoryPolicy: aws.appautoscaling.Policy;
    /** Target tracking on messages ready per task, for a worker that consumes RabbitMQ queues. */
    readonly queuePolicy?: aws.appautoscaling.Policy;
}

/**
 * The app's services on ECS Fargate: one service per runbook service, sized by the runbook's
 * limits, health-checked on its health path, given credentials only as Secrets Manager references,
 * logging to a group with the runbook's retention, registered in Cloud Map (so the collector finds
 * every task), scaled by Application Auto Scaling on the runbook's CPU and memory targets between
 * its min and max, and rolled back by the deployment circuit breaker (blue/green, where the
 * runbook deploys that way: by the runbook's critical alarms on its target groups).
 */
export class AwsServices extends pulumi.ComponentResource {
    public readonly cluster: aws.ecs.Cluster;
    public readonly namespace: aws.servicediscovery.PrivateDnsNamespace;
    public readonly executionRole: aws.iam.Role;
    public readonly taskRole: aws.iam.Role;
    public readonly services: Record<string, AppService>;
    /** Where the runbook has Kafka: the one-off task that creates its topics. */
    public readonly topicsTask?: aws.ecs.TaskDefinition;

    constructor(name: string, args: AwsServicesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Services", name, {}, opts);
        const grace = args.healthCheckGraceSeconds ?? HEALTH_CHECK_GRACE_SECONDS;
        for (const svc of args.services) {
            if (!args.images[svc.name]) throw new Error(`${args.stack}: runbook-platform:images.${svc.name} is missing`);
        }

        this.cluster = new aws.ecs.Cluster(`${name}-cluster`, { name: args.names.cluster, settings: [{ name: "containerInsights", value: "enabled" }] }, child(this, args));
        this.namespace = new aws.servicediscovery.PrivateDnsNamespace(
            `${name}-discovery`,
            { name: args.names.serviceDiscoveryNamespace, vpc: args.vpcId, description: `${args.names.prefix} service discovery` },
            child(this, args),
        );

        const credentialArns = Object.values(args.credentials)
            .filter((s): s is aws.secretsmanager.Secret => !!s)
            .map((s) => s.arn);
        this.executionRole = taskExecutionRole(this, args, `${name}-execution`, "Pulls images, writes logs, reads the data-service secrets", credentialArns, args.kmsKeyArn);
        this.taskRole = serviceRole(this, args, `${name}-task`, "ecs-tasks.amazonaws.com", [], "The app's own AWS access: its buckets");
        const bucketArns = Object.values(args.buckets).map((b) => b.arn);
        if (bucketArns.length) {
            // The backup copy is read-only to the app (bucketAccess): it cannot delete what the backup keeps.
            const access = args.bucketAccess;
            const objects = (mode: "read-write" | "read-only") => Object.entries(args.buckets).filter(([runbookName]) => (access[runbookName] ?? "read-write") === mode).map(([, b]) => pulumi.interpolate`${b.arn}/*`);
            const writable = objects("read-write");
            rolePolicy(
                this,
                args,
                `${name}-task-buckets`,
                this.taskRole,
                policyJson([
                    { Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArns },
                    ...(writable.length ? [{ Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectVersion"], Resource: writable }] : []),
                    ...(objects("read-only").length ? [{ Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: objects("read-only") }] : []),
                    { Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: args.kmsKeyArn },
                ]),
            );
        }
        const blueGreen = Object.values(args.routing).some((r) => r.alternate);
        const infrastructureRole = blueGreen
            ? serviceRole(this, args, `${name}-blue-green`, "ecs.amazonaws.com", ["AmazonECSInfrastructureRolePolicyForLoadBalancers"], "Lets ECS shift listener weights in blue/green deployments")
            : undefined;

        const caBundle = args.caBundle;
        const resolved = pulumi.output({
            endpoints: args.endpoints,
            postgres: args.credentials.postgres?.arn,
            redis: args.credentials.redis?.arn,
            mongodb: args.credentials.mongodb?.arn,
            kafka: args.credentials.kafka?.arn,
            rabbitmq: args.credentials.rabbitmq?.arn,
        }) as pulumi.Output<{ endpoints: DataEndpoints; postgres?: string; redis?: string; mongodb?: string; kafka?: string; rabbitmq?: string }>;
        this.services = {};
        for (const svc of args.services) {
            const group = logGroup(this, args, `${name}-${svc.name}-logs`, args.names.logGroup(`ecs/${svc.name}`), args.kmsKeyArn);
            const containers = pulumi.all([resolved, group.name]).apply(([{ endpoints, postgres, redis, mongodb, kafka, rabbitmq }, logGroupName]) => {
                const creds: CredentialArns = { ...(postgres ? { postgres } : {}), ...(redis ? { redis } : {}), ...(mongodb ? { mongodb } : {}), ...(kafka ? { kafka } : {}), ...(rabbitmq ? { rabbitmq } : {}) };
                const { environment, secrets } = args.environment(svc, endpoints, creds);
                const defs: ContainerDefinition[] = [
                    appInitContainer(logGroupName, args.region, caBundle),
                    appContainer(svc, { image: args.images[svc.name], logGroup: logGroupName, region: args.region, environment, secrets, caBundle }),
                ];
                return JSON.stringify(defs);
            });
            const taskDefinition = fargateTask(this, args, `${name}-${svc.name}`, {
                family: args.names.taskFamily(svc.name),
                size: fargateSize(svc.resources),
                executionRole: this.executionRole,
                taskRole: this.taskRole,
                containerDefinitions: containers,
                volumes: appTaskVolumes(caBundle),
            });
            const discovery = new aws.servicediscovery.Service(
                `${name}-${svc.name}-discovery`,
                {
                    name: svc.name,
                    namespaceId: this.namespace.id,
                    dnsConfig: { namespaceId: this.namespace.id, routingPolicy: "MULTIVALUE", dnsRecords: [{ type: "A", ttl: DISCOVERY_TTL_SECONDS }] },
                    forceDestroy: true,
                },
                child(this, args),
            );
            const routing = args.routing[svc.name];
            const guard = args.deploymentGuard(svc.name, !!routing?.alternate && infrastructureRole !== undefined);
            const service = new aws.ecs.Service(
                `${name}-${svc.name}`,
                {
                    name: args.names.ecsService(svc.name),
                    cluster: this.cluster.arn,
                    taskDefinition: taskDefinition.arn,
                    desiredCount: svc.scaling.desired,
                    launchType: "FARGATE",
                    networkConfiguration: { subnets: args.privateSubnetIds, securityGroups: [args.securityGroupId, ...(args.portSecurityGroupIds?.[svc.port] ? [args.portSecurityGroupIds[svc.port]] : [])], assignPublicIp: false },
                    // The circuit breaker guards rolling updates only; blue/green rolls back on the runbook's critical alarms.
                    ...(guard.strategy === "BLUE_GREEN"
                        ? {
                              deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: String(guard.bakeMinutes) },
                              alarms: { alarmNames: guard.alarmKeys.map((key) => `${args.names.prefix}-${key}`), enable: true, rollback: true },
                          }
                        : { deploymentCircuitBreaker: { enable: true, rollback: true }, deploymentConfiguration: { strategy: "ROLLING" } }),
                    deploymentMinimumHealthyPercent: 100,
                    deploymentMaximumPercent: 200,
                    ...(routing
                        ? {
                              healthCheckGracePeriodSeconds: grace,
                              loadBalancers: [
                                  {
                                      targetGroupArn: routing.primary.arn,
                                      containerName: svc.name,
                                      containerPort: svc.port,
                                      ...(routing.alternate && infrastructureRole
                                          ? {
                                                advancedConfiguration: {
                                                    alternateTargetGroupArn: routing.alternate.arn,
                                                    productionListenerRule: routing.productionRule.arn,
                                                    ...(routing.testRule ? { testListenerRule: routing.testRule.arn } : {}),
                                                    roleArn: infrastructureRole.arn,
                                                },
                                            }
                                          : {}),
                                  },
                              ],
                          }
                        : {}),
                    serviceRegistries: { registryArn: discovery.arn },
                    availabilityZoneRebalancing: "ENABLED",
                    propagateTags: "SERVICE",
                    enableEcsManagedTags: true,
                },
                // Autoscaling owns the running count after creation; blue/green deployments own the target group pairing.
                child(this, args, { ignoreChanges: routing?.alternate ? ["desiredCount", "loadBalancers"] : ["desiredCount"] }),
            );
            const scaling = new aws.appautoscaling.Target(
                `${name}-${svc.name}-scaling`,
                {
                    serviceNamespace: "ecs",
                    scalableDimension: "ecs:service:DesiredCount",
                    resourceId: pulumi.interpolate`service/${this.cluster.name}/${service.name}`,
                    minCapacity: svc.scaling.min,
                    maxCapacity: svc.scaling.max,
                },
                child(this, args),
            );
            const policy = (kind: "cpu" | "memory", metric: string, target: number) =>
                new aws.appautoscaling.Policy(
                    `${name}-${svc.name}-${kind}`,
                    {
                        policyType: "TargetTrackingScaling",
                        resourceId: scaling.resourceId,
                        scalableDimension: scaling.scalableDimension,
                        serviceNamespace: scaling.serviceNamespace,
                        targetTrackingScalingPolicyConfiguration: {
                            targetValue: target,
                            predefinedMetricSpecification: { predefinedMetricType: metric },
                            scaleOutCooldown: SCALE_OUT_COOLDOWN_SECONDS,
                            ...scaleInTracking(svc),
                        },
                    },
                    child(this, args),
                );
            this.services[svc.name] = {
                logGroup: group,
                taskDefinition,
                service,
                discovery,
                scaling,
                cpuPolicy: policy("cpu", "ECSServiceAverageCPUUtilization", svc.scaling.cpuTargetPercent),
                memoryPolicy: policy("memory", "ECSServiceAverageMemoryUtilization", svc.scaling.memoryTargetPercent),
                ...(args.scaledOnQueueDepth(svc) && args.rabbitmqBroker
                    ? {
                          queuePolicy: new aws.appautoscaling.Policy(
                              `${name}-${svc.name}-queue-depth`,
                              {
                                  policyType: "TargetTrackingScaling",
                                  resourceId: scaling.resourceId,
                                  scalableDimension: scaling.scalableDimension,
                                  serviceNamespace: scaling.serviceNamespace,
                                  targetTrackingScalingPolicyConfiguration: pulumi.all([args.rabbitmqBroker, this.cluster.name, service.name]).apply(([broker, cluster, ecsService]) => {
                                      const tracking = args.queueDepthTracking(svc, broker, cluster, ecsService);
                                      return {
                                          targetValue: tracking.targetValue,
                                          customizedMetricSpecification: { metrics: tracking.metrics },
                                          scaleOutCooldown: SCALE_OUT_COOLDOWN_SECONDS,
                                          ...scaleInTracking(svc),
                                      };
                                  }),
                              },
                              child(this, args),
                          ),
                      }
                    : {}),
            };
        }

        const kafka = args.kafka;
        if (kafka && args.kafkaBootstrap) {
            const adminSecret = args.kafkaAdmin;
            if (!adminSecret) throw new Error(`${args.stack}: the Kafka topics task needs the admin's SCRAM secret (kafkaAdmin)`);
            const users = kafkaUsers(args.names.kafka);
            // Its own execution role: the app's cannot read the Kafka admin's secret.
            const topicsExecution = taskExecutionRole(this, args, `${name}-kafka-topics-execution`, "Pulls Kafka's CLI, writes its logs, reads the Kafka admin's secret", [adminSecret.arn], args.kmsKeyArn);
            const group = logGroup(this, args, `${name}-kafka-topics-logs`, args.names.logGroup("ecs/kafka-topics"), args.kmsKeyArn);
            const clientConfig = "/tmp/client.properties";
            const admin: Pick<Service, "resources"> = args.services[0];
            const size = fargateSize(admin.resources);
            this.topicsTask = new aws.ecs.TaskDefinition(
                `${name}-kafka-topics`,
                {
                    family: args.names.taskFamily("kafka-topics"),
                    requiresCompatibilities: ["FARGATE"],
                    networkMode: "awsvpc",
                    cpu: String(size.cpu),
                    memory: String(size.memory),
                    executionRoleArn: topicsExecution.arn,
                    containerDefinitions: pulumi.all([args.kafkaBootstrap, group.name, adminSecret.arn]).apply(([bootstrap, logGroupName, adminArn]) =>
                        JSON.stringify([
                            {
                                name: "kafka-topics",
                                image: IMAGES.kafkaAdmin,
                                essential: true,
                                entryPoint: ["/bin/sh", "-c"],
                                command: [[adminClientConfig(users, clientConfig), ...topicCommands(kafka, bootstrap, clientConfig), ...aclCommands(kafka, users, bootstrap, clientConfig)].join(" && ")],
                                secrets: [{ name: KAFKA_ADMIN_PASSWORD_ENV, valueFrom: secretKey(adminArn, "password") }],
                                logConfiguration: awslogs(logGroupName, args.region, "kafka-topics"),
                            },
                        ]),
                    ),
                },
                child(this, args),
            );
        }
        this.registerOutputs({ cluster: this.cluster.name });
    }
}
