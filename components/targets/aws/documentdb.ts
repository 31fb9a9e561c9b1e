import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type * as random from "@pulumi/random";
import { backupTag } from "../../../capabilities/aws/backups";
import { CA_VOLUME, connectionUrl, type ContainerDefinition } from "../../../capabilities/aws/containers";
import type { DocumentDbUsersTaskArgs } from "../../../capabilities/aws/documentdb-users";
import type { MongoUsers } from "../../../capabilities/mongodb-users";
import { DOCUMENTDB_MAX_CONNECTIONS, documentDbEngine, documentDbInstanceClass, documentDbParameters, documentDbUser } from "../../../capabilities/aws/documentdb";
import { rdsBackupRetention } from "../../../capabilities/aws/rds";
import type { Backup, Runbook } from "../../../runbooks";
import { child, credentialsSecret, fargateTask, logGroup, managedMasterSecretArn, privateSubnetGroup, serviceRole, stateful, taskExecutionRole, type AwsDatabaseArgs } from "./scope";
import { DATA_PORTS } from "./firewall";

/** The users task runs one mongosh: Fargate's smallest size. */
const USERS_TASK_SIZE = { cpu: 256, memory: 512 };

/** DocumentDB's placement and windows, plus the runbook's MongoDB settings. */
export interface AwsDocumentDbArgs extends AwsDatabaseArgs {
    /** The runbook's `data.mongodb`: version, size, replica-set members. */
    readonly mongodb: NonNullable<Runbook["data"]["mongodb"]>;
    /** The runbook's mongodb backup: its retention is the continuous-backup window (capped at 35 days). */
    readonly backup: Backup;
    /** The master user and the app's and the monitoring user (`documentDbUsers`). */
    readonly users: MongoUsers;
    /** The users task's containers for the resolved log group, host and secrets (`documentDbUsersContainers`, with the runbook's MongoDB shell image). */
    readonly usersContainers: (task: Omit<DocumentDbUsersTaskArgs, "image">) => ContainerDefinition[];
    /** The app's user's generated password (`PlatformSecrets.mongodbApp`). */
    readonly appPassword: random.RandomPassword;
    /** The exporters' monitoring user's generated password (`PlatformSecrets.mongodbMonitor`). */
    readonly monitorPassword: random.RandomPassword;
}

/**
 * DocumentDB for the runbook's MongoDB replica set: one instance per replica-set member, TLS
 * required by the cluster parameter group, encrypted storage, deletion protection, a final
 * snapshot, and continuous backups for the runbook's retention (35 days at most; AWS Backup keeps
 * the full retention on the runbook's schedule). DocumentDB manages the master password in Secrets
 * Manager and rotates it (every 7 days, its default): no password is generated or passed. The
 * provider has no input for that secret's key, so it is under the AWS-managed `aws/secretsmanager`
 * key. The master user is for administration only: the app and the exporters get their own users'
 * secrets, which the one-off users task (the only reader of the master's secret) creates.
 */
export class AwsDocumentDb extends pulumi.ComponentResource {
    public readonly cluster: aws.docdb.Cluster;
    public readonly instances: aws.docdb.ClusterInstance[];
    public readonly parameterGroup: aws.docdb.ClusterParameterGroup;
    public readonly subnetGroup: aws.docdb.SubnetGroup;
    /** ARN of the master user's secret DocumentDB manages and rotates (JSON `username`, `password`). Administration only: the users task. */
    public readonly masterSecretArn: pulumi.Output<string>;
    /** The app's user (readWrite on its database), the same fields. */
    public readonly appCredentials: aws.secretsmanager.Secret;
    /** The exporters' monitoring user (clusterMonitor), the same fields. */
    public readonly monitorCredentials: aws.secretsmanager.Secret;
    /** The one-off task that creates the app's and the monitoring user as the master user. */
    public readonly usersTask: aws.ecs.TaskDefinition;
    public readonly maxConnections: number;

    constructor(name: string, args: AwsDocumentDbArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:DocumentDb", name, {}, opts);
        const { mongodb: mongo, backup } = args;
        const engine = documentDbEngine(mongo);
        const user = documentDbUser(args.app);
        const instanceClass = documentDbInstanceClass(mongo);
        this.maxConnections = DOCUMENTDB_MAX_CONNECTIONS[instanceClass];

        const subnets = (this.subnetGroup = privateSubnetGroup(aws.docdb.SubnetGroup, this, args, `${name}-subnets`, "DocumentDB"));
        this.parameterGroup = new aws.docdb.ClusterParameterGroup(
            `${name}-params`,
            { family: engine.family, description: `${args.app}: TLS required, audit and profiler logs`, parameters: documentDbParameters() },
            child(this, args),
        );
        const logGroups = ["audit", "profiler"].map((kind) => logGroup(this, args, `${name}-${kind}-logs`, `/aws/docdb/${args.names.documentdb}/${kind}`, args.kmsKeyArn));
        const maintenance = args.maintenanceWindow;
        this.cluster = new aws.docdb.Cluster(
            `${name}-cluster`,
            {
                clusterIdentifier: args.names.documentdb,
                engine: "docdb",
                engineVersion: engine.engine,
                masterUsername: user,
                // DocumentDB generates, stores and rotates the master password (never in state or in a preview).
                manageMasterUserPassword: true,
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
                preferredBackupWindow: args.automatedBackupWindow,
                preferredMaintenanceWindow: maintenance,
                enabledCloudwatchLogsExports: ["audit", "profiler"],
                tags: { [backupTag("mongodb").key]: backupTag("mongodb").value },
            },
            stateful(this, args, { dependsOn: logGroups }),
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

        this.masterSecretArn = managedMasterSecretArn(`${args.stack}: DocumentDB cluster ${args.names.documentdb}`, this.cluster.masterUserSecrets);
        const users = args.users;
        const userSecret = (part: string, what: string, login: string, password: random.RandomPassword) =>
            credentialsSecret(this, args, `${name}-${part}-credentials`, `DocumentDB ${what} user (generated)`, password.result, this.cluster.endpoint, (password, host) => ({
                username: login,
                password,
                host,
                port: DATA_PORTS.mongodb,
                database: mongo.database,
                // The users live in admin, as DocumentDB keeps every user.
                url: connectionUrl.mongodb(login, password, host, DATA_PORTS.mongodb, mongo.database) + "&authSource=admin",
            }));
        this.appCredentials = userSecret("app", "app", users.app, args.appPassword);
        this.monitorCredentials = userSecret("monitor", "monitoring", users.monitor, args.monitorPassword);

        const usersLogs = logGroup(this, args, `${name}-users-logs`, args.names.logGroup("ecs/documentdb-users"), args.kmsKeyArn);
        const secrets = [this.masterSecretArn, this.appCredentials.arn, this.monitorCredentials.arn];
        this.usersTask = fargateTask(this, args, `${name}-users`, {
            family: args.names.taskFamily("documentdb-users"),
            size: USERS_TASK_SIZE,
            executionRole: taskExecutionRole(this, args, `${name}-users-execution`, "Pulls mongosh, writes its logs, reads the master and the users' secrets", secrets, args.kmsKeyArn),
            taskRole: serviceRole(this, args, `${name}-users-task`, "ecs-tasks.amazonaws.com", [], "The DocumentDB users task: no AWS access"),
            containerDefinitions: pulumi.all([usersLogs.name, this.cluster.endpoint, ...secrets]).apply(([group, host, admin, app, monitor]) =>
                JSON.stringify(args.usersContainers({ logGroup: group, region: args.region, host, port: DATA_PORTS.mongodb, admin, app, monitor })),
            ),
            volumes: [{ name: CA_VOLUME }],
        });
        this.registerOutputs({ endpoint: this.cluster.endpoint, usersTask: this.usersTask.arn });
    }
}
