import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type * as random from "@pulumi/random";
import { amazonMqDeploymentMode, amazonMqEngineVersion, amazonMqInstanceType, amazonMqMaintenanceStart, amazonMqSubnets } from "../../../capabilities/aws/amazonmq";
import { RABBITMQ_PORTS, amqpUrl, queueConsumers, rabbitmqAppUser, requireRabbitMq } from "../../../capabilities/rabbitmq";
import { credentialsSecret, stateful, type AwsDataServiceArgs } from "./scope";

export interface AwsRabbitMqArgs extends AwsDataServiceArgs {
    /** The generated password of the broker's user (`PlatformSecrets` `rabbitmq`). */
    readonly password: random.RandomPassword;
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

    constructor(name: string, args: AwsRabbitMqArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:RabbitMq", name, {}, opts);
        const rb = args.runbook;
        const mq = requireRabbitMq(rb);
        queueConsumers(rb);
        const mode = amazonMqDeploymentMode(rb);
        this.broker = new aws.mq.Broker(
            `${name}-broker`,
            {
                brokerName: args.names.rabbitmq,
                engineType: "RabbitMQ",
                engineVersion: amazonMqEngineVersion(rb),
                autoMinorVersionUpgrade: true,
                deploymentMode: mode,
                hostInstanceType: amazonMqInstanceType(mode, args.env),
                publiclyAccessible: false,
                subnetIds: amazonMqSubnets(mode, args.subnetIds),
                securityGroups: [args.securityGroupId],
                encryptionOptions: { useAwsOwnedKey: true },
                logs: { general: true },
                maintenanceWindowStartTime: amazonMqMaintenanceStart(rb),
                users: [{ username: rabbitmqAppUser(rb.app), password: pulumi.secret(args.password.result) }],
                applyImmediately: false,
            },
            stateful(this, args),
        );
        // Every instance of a cluster answers on the broker's one AMQPS endpoint; its host is what clients dial.
        this.host = this.broker.instances.apply((instances) => {
            const endpoint = instances?.[0]?.endpoints?.[0];
            if (!endpoint) throw new Error(`${rb.app}: Amazon MQ reported no AMQPS endpoint for broker ${args.names.rabbitmq}`);
            return new URL(endpoint).hostname;
        });
        this.credentials = credentialsSecret(this, args, `${name}-credentials`, `RabbitMQ credentials (${mq.vhost})`, args.password.result, this.host, (password, host) => ({
            username: rabbitmqAppUser(rb.app),
            password,
            url: amqpUrl({ scheme: "amqps", host, port: RABBITMQ_PORTS.amqps }, rabbitmqAppUser(rb.app), password, mq.vhost),
        }));
        this.registerOutputs({});
    }
}
