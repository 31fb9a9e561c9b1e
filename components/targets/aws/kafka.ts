import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MSK_BROKER_VOLUME_GIB, mskBrokerInstance, mskKafkaVersion, mskServerProperties, mskSubnetCount } from "../../../capabilities/aws/msk";
import { formatWeekly, maintenanceWindow } from "../../../capabilities/aws/windows";
import { child, logGroup, stateful, type AwsDataServiceArgs } from "./scope";

/** MSK's placement: the private subnets, its security group and the data key. */
export type AwsKafkaArgs = AwsDataServiceArgs;

/**
 * Amazon MSK: the runbook's brokers spread evenly over the AZs, the replication guarantees in an
 * MSK configuration, TLS between clients and brokers and inside the cluster, encryption at rest,
 * per-partition metrics (consumer lag per group and topic) and open monitoring for Prometheus.
 */
export class AwsKafka extends pulumi.ComponentResource {
    public readonly cluster: aws.msk.Cluster;
    public readonly configuration: aws.msk.Configuration;
    /** `host:9094,...`, for clients over TLS. */
    public readonly bootstrapBrokers: pulumi.Output<string>;

    constructor(name: string, args: AwsKafkaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Kafka", name, {}, opts);
        const rb = args.runbook;
        const kafka = rb.data.kafka;
        if (!kafka) throw new Error(`${rb.app}: AwsKafka needs data.kafka`);
        const version = mskKafkaVersion(kafka);
        const subnetCount = mskSubnetCount(kafka, rb.aws.availabilityZones);

        this.configuration = new aws.msk.Configuration(
            `${name}-config`,
            { name: args.names.kafka, kafkaVersions: [version], description: `${rb.app} runbook replication guarantees`, serverProperties: mskServerProperties(kafka) },
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
                // Only the app's tasks reach the brokers (security group); they connect over TLS without client certificates.
                clientAuthentication: { unauthenticated: true },
                enhancedMonitoring: "PER_TOPIC_PER_PARTITION",
                openMonitoring: { prometheus: { jmxExporter: { enabledInBroker: true }, nodeExporter: { enabledInBroker: true } } },
                loggingInfo: { brokerLogs: { cloudwatchLogs: { enabled: true, logGroup: brokerLogs.name } } },
            },
            stateful(this, args),
        );
        // MSK patches brokers in its own windows; the runbook's window is recorded for operators.
        this.bootstrapBrokers = this.cluster.bootstrapBrokersTls;
        this.registerOutputs({ bootstrapBrokers: this.bootstrapBrokers, maintenanceWindow: formatWeekly(maintenanceWindow(rb)) });
    }
}
