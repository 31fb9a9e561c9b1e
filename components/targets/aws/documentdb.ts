import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { backupTag } from "../../../capabilities/aws/backups";
import { connectionUrl } from "../../../capabilities/aws/containers";
import { DOCUMENTDB_MAX_CONNECTIONS, documentDbEngine, documentDbInstanceClass, documentDbParameters, documentDbUser } from "../../../capabilities/aws/documentdb";
import { rdsBackupRetention } from "../../../capabilities/aws/rds";
import { automatedBackupWindow, formatWeekly, maintenanceWindow } from "../../../capabilities/aws/windows";
import { backedUpStore, child, credentialsSecret, logGroup, privateSubnetGroup, stateful, type AwsDatabaseArgs } from "./scope";
import { DATA_PORTS } from "./firewall";

/** DocumentDB's placement, master password (`PlatformSecrets.mongodb`) and the AWS Backup schedules to keep clear of. */
export type AwsDocumentDbArgs = AwsDatabaseArgs;

/**
 * DocumentDB for the runbook's MongoDB replica set: one instance per replica-set member, TLS
 * required by the cluster parameter group, encrypted storage, deletion protection, a final
 * snapshot, and continuous backups for the runbook's retention (35 days at most; AWS Backup keeps
 * the full retention on the runbook's schedule).
 */
export class AwsDocumentDb extends pulumi.ComponentResource {
    public readonly cluster: aws.docdb.Cluster;
    public readonly instances: aws.docdb.ClusterInstance[];
    public readonly parameterGroup: aws.docdb.ClusterParameterGroup;
    public readonly subnetGroup: aws.docdb.SubnetGroup;
    public readonly credentials: aws.secretsmanager.Secret;
    public readonly maxConnections: number;

    constructor(name: string, args: AwsDocumentDbArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:DocumentDb", name, {}, opts);
        const rb = args.runbook;
        const { settings: mongo, backup } = backedUpStore(args, "mongodb", "AwsDocumentDb");
        const engine = documentDbEngine(mongo);
        const user = documentDbUser(rb.app);
        const instanceClass = documentDbInstanceClass(mongo);
        this.maxConnections = DOCUMENTDB_MAX_CONNECTIONS[instanceClass];

        const subnets = (this.subnetGroup = privateSubnetGroup(aws.docdb.SubnetGroup, this, args, `${name}-subnets`, "DocumentDB"));
        this.parameterGroup = new aws.docdb.ClusterParameterGroup(
            `${name}-params`,
            { family: engine.family, description: `${rb.app}: TLS required, audit and profiler logs`, parameters: documentDbParameters() },
            child(this, args),
        );
        const logGroups = ["audit", "profiler"].map((kind) => logGroup(this, args, `${name}-${kind}-logs`, `/aws/docdb/${args.names.documentdb}/${kind}`, args.kmsKeyArn));
        const maintenance = formatWeekly(maintenanceWindow(rb));
        this.cluster = new aws.docdb.Cluster(
            `${name}-cluster`,
            {
                clusterIdentifier: args.names.documentdb,
                engine: "docdb",
                engineVersion: engine.engine,
                masterUsername: user,
                masterPassword: args.password.result,
                port: DATA_PORTS.mongodb,
                dbSubnetGroupName: subnets.name,
                vpcSecurityGroupIds: [args.securityGroupId],
                dbClusterParameterGroupName: this.parameterGroup.name,
                storageEncrypted: true,
                kmsKeyId: args.kmsKeyArn,
                deletionProtection: true,
                skipFinalSnapshot: false,
                finalSnapshotIdentifier: `${args.names.documentdb}-final`,
                backupRetentionPeriod: rdsBackupRetention(backup.retentionDays).days,
                preferredBackupWindow: automatedBackupWindow(rb, args.awsBackupStarts),
                preferredMaintenanceWindow: maintenance,
                enabledCloudwatchLogsExports: ["audit", "profiler"],
                tags: { [backupTag("mongodb").key]: backupTag("mongodb").value },
            },
            stateful(this, args, { dependsOn: logGroups, additionalSecretOutputs: ["masterPassword"] }),
        );
        this.instances = Array.from(
            { length: mongo.replicaSetMembers },
            (_, i) =>
                new aws.docdb.ClusterInstance(
                    `${name}-instance-${i + 1}`,
                    {
                        identifier: args.names.documentdbInstance(i),
                        clusterIdentifier: this.cluster.id,
                        instanceClass,
                        preferredMaintenanceWindow: maintenance,
                        autoMinorVersionUpgrade: true,
                        // Failover prefers lower tiers: members in creation order.
                        promotionTier: i,
                    },
                    stateful(this, args),
                ),
        );

        this.credentials = credentialsSecret(this, args, `${name}-credentials`, "DocumentDB credentials (generated)", args.password.result, this.cluster.endpoint, (password, host) => ({
            username: user,
            password,
            host,
            port: DATA_PORTS.mongodb,
            database: mongo.database,
            url: connectionUrl.mongodb(user, password, host, DATA_PORTS.mongodb, mongo.database),
        }));
        this.registerOutputs({ endpoint: this.cluster.endpoint });
    }
}
