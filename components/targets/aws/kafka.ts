import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { kafkaUsers, MSK_BROKER_VOLUME_GIB, mskBrokerInstance, mskKafkaVersion, mskServerProperties, mskSubnetCount, scramSecretName, type KafkaUsers } from "../../../capabilities/aws/msk";
import type { Runbook } from "../../../runbooks";
import { child, logGroup, stateful, type AwsDataServiceArgs } from "./scope";

/** MSK's placement (the private subnets, its security group and the data key) and the runbook's Kafka settings. */
export interface AwsKafkaArgs extends AwsDataServiceArgs {
    /** The runbook's `data.kafka`: version, brokers, replication guarantees, topics, consumer groups. */
    readonly kafka: NonNullable<Runbook["data"]["kafka"]>;
    /** How many availability zones the VPC spans (the runbook's `aws.availabilityZones`); the brokers spread evenly over as many as divide them. */
    readonly zoneCount: number;
    /** The runbook's maintenance window as MSK's neighbours write it (`wed:03:00-wed:05:00`), recorded for operators: MSK patches in its own windows. */
    readonly maintenanceWindow: string;
}

/**
 * Amazon MSK: the runbook's brokers spread evenly over the AZs, the replication guarantees in an
 * MSK configuration, TLS between clients and brokers and inside the cluster, encryption at rest,
 * per-partition metrics (consumer lag per group and topic) and open monitoring for Prometheus.
 * Clients authenticate with SASL/SCRAM (FSBP MSK.6: no unauthenticated access): one login each for
 * the app, the lag exporter and the admin task that creates topics and ACLs, kept in Secrets
 * Manager under MSK's `AmazonMSK_` prefix with the customer-managed data key and associated with
 * the cluster.
 */
export class AwsKafka extends pulumi.ComponentResource {
    public readonly cluster: aws.msk.Cluster;
    public readonly configuration: aws.msk.Configuration;
    /** `host:9096,...`, for SASL/SCRAM clients over TLS. */
    public readonly bootstrapBrokers: pulumi.Output<string>;
    /** The SCRAM logins' names. */
    public readonly users: KafkaUsers;
    /** Each login's secret (JSON `username`, `password`), by role. */
    public readonly credentials: Record<keyof KafkaUsers, aws.secretsmanager.Secret>;
    public readonly scramSecrets: aws.msk.ScramSecretAssociation;

    constructor(name: string, args: AwsKafkaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Kafka", name, {}, opts);
        const kafka = args.kafka;
        const version = mskKafkaVersion(kafka);
        const subnetCount = mskSubnetCount(kafka, args.zoneCount);

        this.configuration = new aws.msk.Configuration(
            `${name}-config`,
            { name: args.names.kafka, kafkaVersions: [version], description: `${args.app} runbook replication guarantees`, serverProperties: mskServerProperties(kafka) },
            child(this, args),
        );
        const brokerLogs = logGroup(this, args, `${name}-broker-logs`, args.names.logGroup("kafka/brokers"), args.kmsKeyArn);
        this.cluster = new aws.msk.Cluster(
            `${name}-cluster`,
            {
                clusterName: args.names.kafka,
                kafkaVersion: version,
                numberOfBrokerNodes: kafka.brokers,
                brokerNodeGroupInfo: {
                    instanceType: mskBrokerInstance(kafka),
                    clientSubnets: args.subnetIds.slice(0, subnetCount),
                    securityGroups: [args.securityGroupId],
                    storageInfo: { ebsStorageInfo: { volumeSize: MSK_BROKER_VOLUME_GIB } },
                },
                configurationInfo: { arn: this.configuration.arn, revision: this.configuration.latestRevision },
                encryptionInfo: { encryptionAtRestKmsKeyArn: args.kmsKeyArn, encryptionInTransit: { clientBroker: "TLS", inCluster: true } },
                // Every client logs in (SASL/SCRAM over TLS); the security group still admits only the app's tasks and the collector.
                clientAuthentication: { sasl: { scram: true }, unauthenticated: false },
                enhancedMonitoring: "PER_TOPIC_PER_PARTITION",
                openMonitoring: { prometheus: { jmxExporter: { enabledInBroker: true }, nodeExporter: { enabledInBroker: true } } },
                loggingInfo: { brokerLogs: { cloudwatchLogs: { enabled: true, logGroup: brokerLogs.name } } },
            },
            stateful(this, args),
        );
        // MSK patches brokers in its own windows; the runbook's window is recorded for operators.
        this.bootstrapBrokers = this.cluster.bootstrapBrokersSaslScram;
        this.users = kafkaUsers(args.names.kafka);
        const versions: aws.secretsmanager.SecretVersion[] = [];
        const login = (role: keyof KafkaUsers) => {
            const user = this.users[role];
            const password = new random.RandomPassword(`${name}-${role}-password`, { length: 40, special: false }, { parent: this });
            const secret = new aws.secretsmanager.Secret(
                `${name}-${role}-scram`,
                // MSK refuses secrets under the AWS-managed key: the customer-managed data key.
                { name: scramSecretName(user), description: `${args.names.prefix} MSK SASL/SCRAM login ${user} (generated)`, kmsKeyId: args.kmsKeyArn },
                child(this, args),
            );
            const version = new aws.secretsmanager.SecretVersion(`${name}-${role}-scram`, { secretId: secret.id, secretString: pulumi.secret(pulumi.jsonStringify({ username: user, password: password.result })) }, child(this, args));
            versions.push(version);
            return secret;
        };
        this.credentials = { app: login("app"), monitor: login("monitor"), admin: login("admin") };
        this.scramSecrets = new aws.msk.ScramSecretAssociation(
            `${name}-scram`,
            { clusterArn: this.cluster.arn, secretArnLists: Object.values(this.credentials).map((s) => s.arn) },
            // MSK reads each secret's value when it is associated.
            child(this, args, { dependsOn: versions }),
        );
        this.registerOutputs({ bootstrapBrokers: this.bootstrapBrokers, maintenanceWindow: args.maintenanceWindow });
    }
}
