import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type * as random from "@pulumi/random";
import { amazonMqInstanceType, amazonMqSubnets, type amazonMqMaintenanceStart, type AmazonMqDeploymentMode } from "../../../capabilities/aws/amazonmq";
import { MANAGEMENT_ENV, RABBITMQ_PORTS, amqpUrl, rabbitmqAppUser, type RabbitMq } from "../../../capabilities/rabbitmq";
import type { RabbitMqTopologyTaskArgs } from "../../../capabilities/aws/rabbitmq";
import type { ContainerDefinition } from "../../../capabilities/aws/containers";
import type { BackupTaskSource } from "./backups";
import { credentialsSecret, fargateTask, logGroup, serviceRole, stateful, taskExecutionRole, type AwsDataServiceArgs } from "./scope";

const TOPOLOGY_TASK_SIZE = { cpu: 256, memory: 512 };

export interface AwsRabbitMqArgs extends AwsDataServiceArgs {
    /** The generated password of the broker's user (`PlatformSecrets` `rabbitmq`). */
    readonly password: random.RandomPassword;
    /** The runbook's `data.rabbitmq`: version, nodes, vhost, queues (every queue with its consumer). */
    readonly rabbitmq: RabbitMq;
    /** One instance, or a three-node cluster where the runbook asks for more than one node (`amazonMqDeploymentMode`). */
    readonly deploymentMode: AmazonMqDeploymentMode;
    /** The Amazon MQ engine version of the runbook's RabbitMQ version (`amazonMqEngineVersion`). */
    readonly engineVersion: string;
    /** Where the runbook's maintenance window starts, as Amazon MQ takes it (`amazonMqMaintenanceStart`). */
    readonly maintenanceStart: ReturnType<typeof amazonMqMaintenanceStart>;
    /** The topology task's containers for the resolved log group, management URL and credentials (`rabbitmqTopologyContainers`). */
    readonly topologyContainers: (task: RabbitMqTopologyTaskArgs) => ContainerDefinition[];
    /** What the definitions backup's restore check expects in an export (`rabbitmqVerifyEnv`: VERIFY_RABBITMQ_NAMES, the runbook's vhost and queues). */
    readonly backupVerifyEnv: Readonly<Record<string, string>>;
}

/**
 * Amazon MQ for RabbitMQ: a three-node cluster over three AZs where the runbook asks for more
 * than one node (a single instance otherwise), never publicly accessible, in the private subnets
 * behind its own security group (AMQPS only), general logs to CloudWatch, automatic minor
 * upgrades in the runbook's maintenance window. Encrypted at rest with AWS's own key: Amazon MQ
 * takes no customer key for RabbitMQ. Its one user is the app's (Amazon MQ creates only one with
 * the broker), its password the generated one, with the AMQPS URL in Secrets Manager.
 */
export class AwsRabbitMq extends pulumi.ComponentResource {
    public readonly broker: aws.mq.Broker;
    public readonly credentials: aws.secretsmanager.Secret;
    /** The AMQPS host of the broker (the first endpoint's host). */
    public readonly host: pulumi.Output<string>;
    /** The one-off task that creates the runbook's vhost, the user's permissions on it and the queues (capabilities/aws/rabbitmq.ts). */
    public readonly topologyTask: aws.ecs.TaskDefinition;
    /**
     * The definitions backup's connection (AwsBackupTasks): the management API over HTTPS (the
     * console endpoint, which the tasks' security group reaches), as the broker's user, Amazon MQ's
     * administrator, from its Secrets Manager secret; and the names the restore check expects.
     */
    public readonly backupSource: BackupTaskSource;

    constructor(name: string, args: AwsRabbitMqArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:RabbitMq", name, {}, opts);
        const mq = args.rabbitmq;
        const mode = args.deploymentMode;
        this.broker = new aws.mq.Broker(
            `${name}-broker`,
            {
                brokerName: args.names.rabbitmq,
                engineType: "RabbitMQ",
                engineVersion: args.engineVersion,
                autoMinorVersionUpgrade: true,
                deploymentMode: mode,
                hostInstanceType: amazonMqInstanceType(mode, args.env),
                publiclyAccessible: false,
                subnetIds: amazonMqSubnets(mode, args.subnetIds),
                securityGroups: [args.securityGroupId],
                encryptionOptions: { useAwsOwnedKey: true },
                logs: { general: true },
                maintenanceWindowStartTime: args.maintenanceStart,
                users: [{ username: rabbitmqAppUser(args.app), password: pulumi.secret(args.password.result) }],
                applyImmediately: false,
            },
            stateful(this, args),
        );
        // Every instance of a cluster answers on the broker's one AMQPS endpoint; its host is what clients dial.
        this.host = this.broker.instances.apply((instances) => {
            const endpoint = instances?.[0]?.endpoints?.[0];
            if (!endpoint) throw new Error(`${args.app}: Amazon MQ reported no AMQPS endpoint for broker ${args.names.rabbitmq}`);
            return new URL(endpoint).hostname;
        });
        this.credentials = credentialsSecret(this, args, `${name}-credentials`, `RabbitMQ credentials (${mq.vhost})`, args.password.result, this.host, (password, host) => ({
            username: rabbitmqAppUser(args.app),
            password,
            url: amqpUrl({ scheme: "amqps", host, port: RABBITMQ_PORTS.amqps }, rabbitmqAppUser(args.app), password, mq.vhost),
        }));
        // Amazon MQ creates no vhost but `/`: the runbook's, its permissions and queues come from this task, run once
        // after the first update (docs/aws.md), like the PostgreSQL roles task; the management API answers on the console URL.
        const managementUrl = this.broker.instances.apply((instances) => {
            const url = instances?.[0]?.consoleUrl;
            if (!url) throw new Error(`${args.app}: Amazon MQ reported no console URL for broker ${args.names.rabbitmq}`);
            return url;
        });
        const topologyLogs = logGroup(this, args, `${name}-topology-logs`, args.names.logGroup("ecs/rabbitmq-topology"), args.kmsKeyArn);
        this.topologyTask = fargateTask(this, args, `${name}-topology`, {
            family: args.names.taskFamily("rabbitmq-topology"),
            size: TOPOLOGY_TASK_SIZE,
            executionRole: taskExecutionRole(this, args, `${name}-topology-execution`, "Pulls curl, writes its logs, reads the broker user's secret", [this.credentials.arn], args.kmsKeyArn),
            taskRole: serviceRole(this, args, `${name}-topology-task`, "ecs-tasks.amazonaws.com", [], "The RabbitMQ topology task: no AWS access"),
            containerDefinitions: pulumi.all([topologyLogs.name, managementUrl, this.credentials.arn]).apply(([group, url, credentials]) =>
                JSON.stringify(args.topologyContainers({ logGroup: group, region: args.region, managementUrl: url, credentials })),
            ),
        });
        this.backupSource = {
            environment: { [MANAGEMENT_ENV.url]: managementUrl, ...args.backupVerifyEnv },
            secrets: { [MANAGEMENT_ENV.user]: pulumi.interpolate`${this.credentials.arn}:username::`, [MANAGEMENT_ENV.password]: pulumi.interpolate`${this.credentials.arn}:password::` },
            secretArns: [this.credentials.arn],
        };
        this.registerOutputs({ topologyTask: this.topologyTask.arn });
    }
}
