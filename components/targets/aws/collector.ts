import { createHash } from "crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { agentEntryPoint, blackboxConfig, COLLECTOR_CONFIG, configFromEnv, EXPORTER_PORTS, exporterImage, IMAGES, sidecarExporters, type CollectorEndpoints } from "../../../capabilities/aws/collector";
import { CA_CONTAINER, CA_DIR, CA_VOLUME, caBundleContainer, ROOT_WITHOUT_CAPABILITIES, secretKey, type ContainerDefinition, type DataEndpoints } from "../../../capabilities/aws/containers";
import { EXPORTERS, type ExporterId, type ExporterRequirement } from "../../../capabilities/alerting/exporters";
import { child, fargateTask, logGroup, policyJson, privateBucket, rolePolicy, serviceRole, singleTaskService, taskExecutionRole, type AwsScope } from "./scope";

/**
 * The collector's containers run on read-only roots; what they write is on task volumes (Fargate
 * ephemeral storage): the agent's write-ahead log below the prom/prometheus image's data directory
 * (`--storage.agent.path` in agentEntryPoint is below it), and the blackbox exporter's /tmp, where
 * it writes its configuration from the environment. Fargate makes them root's, 0755: the config init
 * container opens them (sticky, like /tmp) before anything else starts.
 */
export const COLLECTOR_WRITABLE = {
    agent: { volume: "agent-data", path: "/prometheus" },
    scratch: { volume: "exporter-scratch", path: "/tmp" },
} as const;
/** `nobody`: the prom/* images' own user; the exporters need no user of their own (they read flags and secrets from the environment and serve). */
export const COLLECTOR_UID = 65534;
const UNPRIVILEGED = { user: `${COLLECTOR_UID}`, readonlyRootFilesystem: true, linuxParameters: { capabilities: { drop: ["ALL"] as string[] } } };
const INIT_MOUNTS = "/init";

export interface AwsCollectorArgs extends AwsScope {
    /** The app's ECS cluster; the collector runs as one more service in it. */
    readonly cluster: aws.ecs.Cluster;
    /** The Cloud Map namespace the app services register in. */
    readonly namespace: pulumi.Input<string>;
    /** Private subnets the tasks run in (no public IPs). */
    readonly privateSubnetIds: pulumi.Input<string>[];
    /** The security group of these resources (see AwsFirewall). */
    readonly securityGroupId: pulumi.Input<string>;
    /** The customer-managed key that encrypts them (AwsKeys.data, or .backup for vaults). */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** The Amazon Managed Prometheus workspace the agent remote-writes to. */
    readonly workspace: aws.amp.Workspace;
    /** Resolved data-service endpoints. */
    readonly endpoints: pulumi.Input<DataEndpoints>;
    /** Secrets Manager secrets of the data services' credentials (referenced, never copied). */
    readonly credentials: { readonly postgres?: aws.secretsmanager.Secret; readonly redis?: aws.secretsmanager.Secret; readonly mongodb?: aws.secretsmanager.Secret; readonly kafka?: aws.secretsmanager.Secret };
    /** MSK bootstrap brokers (`host:port,...`), where the runbook has Kafka. */
    readonly kafkaBootstrap?: pulumi.Input<string>;
    /** Task size of the collector. Defaults to 1 vCPU and 2 GiB: an agent and up to five exporters. */
    readonly cpu?: number;
    /** Memory of the collector task, MiB. Defaults to 2048. */
    readonly memory?: number;
    /** The exporters the metrics contract requires on AWS for the runbook (`requiredExporters`). */
    readonly exporters: readonly ExporterRequirement[];
    /** The agent's prometheus.yml for the resolved endpoints (`collectorConfig` of the runbook, env and `exporters`). */
    readonly config: (at: CollectorEndpoints) => string;
    /** Whether the runbook's Redis is a cluster (`data.redis.mode`), which the redis exporter is told. */
    readonly redisCluster: boolean;
}

/**
 * The metrics collector: one Fargate task with a Prometheus agent and the data exporters the
 * metrics contract requires on AWS. It scrapes the app services (found through Cloud Map), probes
 * their health and public hosts, reads the managed data services through their exporters, and
 * remote-writes everything to the Amazon Managed Prometheus workspace where the rules run.
 *
 * The agent's prometheus.yml grows with the app's services, so it is not in the task definition
 * (64 KiB at most): it is an object in a private, KMS-encrypted bucket, copied into a task volume
 * by an init container before the agent starts; its digest in the agent's environment makes a
 * changed file a new task definition, which ECS rolls out.
 */
export class AwsCollector extends pulumi.ComponentResource {
    public readonly taskDefinition: aws.ecs.TaskDefinition;
    public readonly service: aws.ecs.Service;
    public readonly exporters: ExporterId[];
    /** The bucket holding the agent's configuration, and the object. */
    public readonly configBucket: aws.s3.Bucket;
    public readonly configObject: aws.s3.BucketObjectv2;

    constructor(name: string, args: AwsCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Collector", name, {}, opts);
        const required = args.exporters;
        const sidecars = sidecarExporters(required);
        this.exporters = sidecars.map((s) => s.exporter);
        const needsCa = this.exporters.includes("postgres") || this.exporters.includes("mongodb");
        // The agent's data volume always; the exporters' /tmp where the blackbox exporter runs.
        const writable = [COLLECTOR_WRITABLE.agent, ...(this.exporters.includes("blackbox") ? [COLLECTOR_WRITABLE.scratch] : [])];

        const logs = logGroup(this, args, `${name}-logs`, args.names.logGroup("ecs/collector"), args.kmsKeyArn);
        const secretArns = Object.values(args.credentials)
            .filter((s): s is aws.secretsmanager.Secret => !!s)
            .map((s) => s.arn);
        const executionRole = taskExecutionRole(this, args, `${name}-execution`, "Pulls the collector's images, writes its logs, reads exporter credentials", secretArns, args.kmsKeyArn);
        const taskRole = serviceRole(this, args, `${name}-task-role`, "ecs-tasks.amazonaws.com", [], "Remote-writes metrics to Amazon Managed Prometheus");
        rolePolicy(this, args, `${name}-remote-write`, taskRole, policyJson([{ Action: ["aps:RemoteWrite"], Resource: args.workspace.arn }]));

        // Rebuilt from the runbook on every update, but protected like the platform's other buckets (a versioned bucket keeps every past version).
        const { bucket, versioning } = privateBucket(this, args, `${name}-config`, { forceDestroy: !args.protect }, args.kmsKeyArn, child(this, args, { protect: args.protect }));
        this.configBucket = bucket;
        const configText = pulumi
            .all([args.workspace.prometheusEndpoint, args.namespace, args.kafkaBootstrap ?? ""])
            .apply(([prometheusEndpoint, namespace, bootstrap]) =>
                args.config({
                    region: args.region,
                    remoteWriteUrl: `${prometheusEndpoint}api/v1/remote_write`,
                    namespace,
                    kafkaBrokers: bootstrap ? bootstrap.split(",").map((b) => b.split(":")[0]) : [],
                }),
            );
        this.configObject = new aws.s3.BucketObjectv2(
            `${name}-config-prometheus`,
            { bucket: bucket.id, key: COLLECTOR_CONFIG.key, content: configText, contentType: "application/yaml", serverSideEncryption: "aws:kms", kmsKeyId: args.kmsKeyArn, bucketKeyEnabled: true },
            child(this, args, { dependsOn: [versioning] }),
        );
        rolePolicy(
            this,
            args,
            `${name}-config-read`,
            taskRole,
            policyJson([
                { Action: ["s3:GetObject"], Resource: pulumi.interpolate`${bucket.arn}/${COLLECTOR_CONFIG.key}` },
                { Action: ["kms:Decrypt"], Resource: args.kmsKeyArn },
            ]),
        );

        const containers = pulumi
            .all([
                args.endpoints,
                configText,
                bucket.bucket,
                args.kafkaBootstrap ?? "",
                logs.name,
                args.credentials.postgres?.arn,
                args.credentials.redis?.arn,
                pulumi.all([args.credentials.mongodb?.arn, args.credentials.kafka?.arn]),
            ])
            .apply(([endpoints, config, bucketName, bootstrap, logGroupName, postgresArn, redisArn, [mongoArn, kafkaArn]]) => {
                const at = endpoints as DataEndpoints;
                const brokers = bootstrap ? bootstrap.split(",").map((b) => b.split(":")[0]) : [];
                const awslogs = (prefix: string) => ({ logDriver: "awslogs" as const, options: { "awslogs-group": logGroupName, "awslogs-region": args.region, "awslogs-stream-prefix": prefix } });
                const base = (id: ExporterId, rest: Partial<ContainerDefinition>): ContainerDefinition => ({
                    name: `${id}-exporter`,
                    image: exporterImage(id),
                    essential: true,
                    environment: [],
                    secrets: [],
                    logConfiguration: awslogs(`${id}-exporter`),
                    ...UNPRIVILEGED,
                    ...rest,
                });
                const withCa = { mountPoints: [{ sourceVolume: CA_VOLUME, containerPath: CA_DIR, readOnly: true }], dependsOn: [{ containerName: CA_CONTAINER, condition: "SUCCESS" as const }] };
                const defs: ContainerDefinition[] = [
                    ...(needsCa ? [caBundleContainer(logGroupName, args.region)] : []),
                    {
                        name: COLLECTOR_CONFIG.initContainer,
                        image: IMAGES.awsCli,
                        essential: false,
                        ...ROOT_WITHOUT_CAPABILITIES,
                        entryPoint: ["/bin/sh", "-c"],
                        command: [
                            `chmod 1777 ${writable.map((w) => `${INIT_MOUNTS}/${w.volume}`).join(" ")} && exec aws s3 cp s3://${bucketName}/${COLLECTOR_CONFIG.key} ${COLLECTOR_CONFIG.syncDir}/${COLLECTOR_CONFIG.key} --only-show-errors --no-progress`,
                        ],
                        environment: [{ name: "AWS_DEFAULT_REGION", value: args.region }],
                        secrets: [],
                        mountPoints: [
                            { sourceVolume: COLLECTOR_CONFIG.volume, containerPath: COLLECTOR_CONFIG.syncDir, readOnly: false },
                            ...writable.map((w) => ({ sourceVolume: w.volume, containerPath: `${INIT_MOUNTS}/${w.volume}`, readOnly: false })),
                        ],
                        logConfiguration: awslogs(COLLECTOR_CONFIG.initContainer),
                    },
                    {
                        name: "prometheus-agent",
                        image: IMAGES.prometheus,
                        essential: true,
                        entryPoint: agentEntryPoint(),
                        environment: [{ name: COLLECTOR_CONFIG.digestVariable, value: createHash("sha256").update(config).digest("hex") }],
                        secrets: [],
                        ...UNPRIVILEGED,
                        mountPoints: [
                            { sourceVolume: COLLECTOR_CONFIG.volume, containerPath: COLLECTOR_CONFIG.dir, readOnly: true },
                            { sourceVolume: COLLECTOR_WRITABLE.agent.volume, containerPath: COLLECTOR_WRITABLE.agent.path, readOnly: false },
                        ],
                        dependsOn: [{ containerName: COLLECTOR_CONFIG.initContainer, condition: "SUCCESS" }],
                        logConfiguration: awslogs("prometheus-agent"),
                    },
                ];
                for (const id of this.exporters) {
                    const flags = [...EXPORTERS[id].flags];
                    switch (id) {
                        case "blackbox":
                            defs.push(
                                base(id, {
                                    entryPoint: configFromEnv("BLACKBOX_CONFIG", "/tmp/blackbox.yml", ["/bin/blackbox_exporter", "--config.file=/tmp/blackbox.yml", `--web.listen-address=:${EXPORTER_PORTS.blackbox}`]),
                                    environment: [{ name: "BLACKBOX_CONFIG", value: blackboxConfig() }],
                                    mountPoints: [{ sourceVolume: COLLECTOR_WRITABLE.scratch.volume, containerPath: COLLECTOR_WRITABLE.scratch.path, readOnly: false }],
                                    dependsOn: [{ containerName: COLLECTOR_CONFIG.initContainer, condition: "SUCCESS" }],
                                }),
                            );
                            break;
                        case "postgres":
                            if (!postgresArn) throw new Error(`${args.app}: the postgres exporter needs the PostgreSQL credentials`);
                            defs.push(base(id, { command: flags, secrets: [{ name: "DATA_SOURCE_NAME", valueFrom: secretKey(postgresArn, "url") }], ...withCa }));
                            break;
                        case "redis":
                            if (!redisArn || !at.redis) throw new Error(`${args.app}: the redis exporter needs the Redis endpoint and AUTH token`);
                            defs.push(
                                base(id, {
                                    command: flags,
                                    environment: [
                                        { name: "REDIS_ADDR", value: `rediss://${at.redis.host}:${at.redis.port}` },
                                        { name: "REDIS_EXPORTER_IS_CLUSTER", value: String(args.redisCluster) },
                                    ],
                                    secrets: [{ name: "REDIS_PASSWORD", valueFrom: secretKey(redisArn, "password") }],
                                }),
                            );
                            break;
                        case "kafka":
                            if (!brokers.length) throw new Error(`${args.app}: the kafka exporter needs the MSK bootstrap brokers`);
                            if (!kafkaArn) throw new Error(`${args.app}: the kafka exporter needs its MSK SASL/SCRAM login`);
                            // kafka_exporter takes its SASL login only as flags: a shell passes them from the secrets at start.
                            defs.push(
                                base(id, {
                                    entryPoint: [
                                        "/bin/sh",
                                        "-c",
                                        [
                                            "exec /bin/kafka_exporter",
                                            ...flags,
                                            ...bootstrap.split(",").map((b) => `--kafka.server=${b}`),
                                            "--tls.enabled --sasl.enabled --sasl.mechanism=scram-sha512",
                                            '--sasl.username="$KAFKA_USERNAME" --sasl.password="$KAFKA_PASSWORD"',
                                        ].join(" "),
                                    ],
                                    secrets: [
                                        { name: "KAFKA_USERNAME", valueFrom: secretKey(kafkaArn, "username") },
                                        { name: "KAFKA_PASSWORD", valueFrom: secretKey(kafkaArn, "password") },
                                    ],
                                }),
                            );
                            break;
                        case "mongodb":
                            if (!mongoArn) throw new Error(`${args.app}: the mongodb exporter needs the DocumentDB credentials`);
                            defs.push(base(id, { command: flags, secrets: [{ name: "MONGODB_URI", valueFrom: secretKey(mongoArn, "url") }], ...withCa }));
                            break;
                        default:
                            throw new Error(`exporter ${id} has no container on aws`);
                    }
                }
                return JSON.stringify(defs);
            });

        this.taskDefinition = fargateTask(
            this,
            args,
            `${name}-task`,
            {
                family: args.names.taskFamily("collector"),
                size: { cpu: args.cpu ?? 1024, memory: args.memory ?? 2048 },
                executionRole,
                taskRole,
                containerDefinitions: containers,
                volumes: [{ name: COLLECTOR_CONFIG.volume }, ...writable.map((w) => ({ name: w.volume })), ...(needsCa ? [{ name: CA_VOLUME }] : [])],
            },
            // The agent must not start before its configuration is in the bucket.
            { dependsOn: [this.configObject] },
        );
        // One agent: a second would write every sample twice.
        this.service = singleTaskService(this, args, `${name}-service`, {
            name: "collector",
            cluster: args.cluster,
            taskDefinition: this.taskDefinition,
            subnets: args.privateSubnetIds,
            securityGroupId: args.securityGroupId,
            deployment: { minimumHealthyPercent: 0, maximumPercent: 100 },
        });
        this.registerOutputs({ exporters: this.exporters });
    }
}
