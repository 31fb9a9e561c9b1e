import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type * as random from "@pulumi/random";
import { backupTag } from "../../../capabilities/aws/backups";
import { CA_VOLUME, connectionUrl, type ContainerDefinition, type PostgresRolesTaskArgs } from "../../../capabilities/aws/containers";
import { postgresRoles } from "../../../capabilities/postgres-roles";
import {
    ENHANCED_MONITORING_SECONDS,
    PERFORMANCE_INSIGHTS_RETENTION_DAYS,
    RDS_ALLOCATED_STORAGE_GIB,
    rdsBackupRetention,
    rdsParameterFamily,
    rdsParameters,
    rdsSize,
    type RdsSize,
} from "../../../capabilities/aws/rds";
import type { Backup, Runbook } from "../../../runbooks";
import { child, credentialsSecret, fargateTask, logGroup, managedMasterSecretArn, privateSubnetGroup, serviceRole, stateful, taskExecutionRole, type AwsDatabaseArgs } from "./scope";
import { DATA_PORTS } from "./firewall";

/** The roles task runs one psql: Fargate's smallest size. */
const ROLES_TASK_SIZE = { cpu: 256, memory: 512 };

/** RDS's placement and windows, plus the AZs and the runbook's PostgreSQL settings. */
export interface AwsPostgresArgs extends AwsDatabaseArgs {
    /** The runbook's `data.postgres`: version, size, database, user, read replicas, tuning. */
    readonly postgres: NonNullable<Runbook["data"]["postgres"]>;
    /** The runbook's postgres backup: its retention is the point-in-time window (capped at RDS's 35 days). */
    readonly backup: Backup;
    /** The roles task's containers for the resolved log group, host and secrets (`postgresRolesContainers`, with the runbook's PostgreSQL image). */
    readonly rolesContainers: (task: Omit<PostgresRolesTaskArgs, "image">) => ContainerDefinition[];
    /** The VPC's AZs; read replicas go to the zones after the primary's. */
    readonly availabilityZones: pulumi.Input<string>[];
    /** The app's role's generated password (`PlatformSecrets.postgresApp`). */
    readonly appPassword: random.RandomPassword;
    /** The exporters' read-only role's generated password (`PlatformSecrets.postgresMonitor`). */
    readonly monitorPassword: random.RandomPassword;
}

/**
 * RDS for PostgreSQL: a Multi-AZ primary and the runbook's read replicas, encrypted with the data
 * key, tuned by the runbook through a parameter group (pg_stat_statements, slow-query log), with
 * point-in-time recovery for the runbook's retention (capped at RDS's 35 days; AWS Backup keeps
 * the full retention), deletion protection and a final snapshot. IAM database authentication is on
 * (primary and replicas). RDS manages the master password in Secrets Manager under the data key and
 * rotates it (every 7 days, RDS's default): no password is generated or passed. The master user is
 * for administration only: the app and the exporters get their own roles' secrets, which the
 * one-off roles task (the only reader of the master's secret, idempotent) creates in the database.
 */
export class AwsPostgres extends pulumi.ComponentResource {
    public readonly primary: aws.rds.Instance;
    public readonly replicas: aws.rds.Instance[];
    public readonly parameterGroup: aws.rds.ParameterGroup;
    public readonly subnetGroup: aws.rds.SubnetGroup;
    /** ARN of the master user's secret RDS manages and rotates (JSON `username`, `password`). Administration only: the roles task. */
    public readonly masterSecretArn: pulumi.Output<string>;
    /** The app's role, the same fields. */
    public readonly appCredentials: aws.secretsmanager.Secret;
    /** The exporters' read-only role, the same fields. */
    public readonly monitorCredentials: aws.secretsmanager.Secret;
    /** The one-off task that creates the app's and the monitoring roles as the master user. */
    public readonly rolesTask: aws.ecs.TaskDefinition;
    public readonly size: RdsSize;
    public readonly identifiers: string[];

    constructor(name: string, args: AwsPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Postgres", name, {}, opts);
        const { postgres: pg, backup } = args;
        this.size = rdsSize(pg);
        const retention = rdsBackupRetention(backup.retentionDays);

        const subnets = (this.subnetGroup = privateSubnetGroup(aws.rds.SubnetGroup, this, args, `${name}-subnets`, "PostgreSQL"));
        this.parameterGroup = new aws.rds.ParameterGroup(
            `${name}-params`,
            { family: rdsParameterFamily(pg), description: `${args.app} runbook tuning: pg_stat_statements, slow-query log over ${pg.slowQueryMs} ms`, parameters: rdsParameters(pg, this.size) },
            child(this, args),
        );
        const monitoringRole = serviceRole(this, args, `${name}-monitoring`, "monitoring.rds.amazonaws.com", ["service-role/AmazonRDSEnhancedMonitoringRole"], "RDS Enhanced Monitoring");

        const identifiers = [args.names.postgres, ...Array.from({ length: pg.readReplicas }, (_, i) => args.names.postgresReplica(i))];
        this.identifiers = identifiers;
        // RDS would create these groups itself, kept forever; created first, they keep the runbook's retention.
        const logGroups = identifiers.flatMap((id, i) =>
            ["postgresql", "upgrade"].map((kind) => logGroup(this, args, `${name}-${i === 0 ? "primary" : `replica-${i}`}-${kind}-logs`, `/aws/rds/instance/${id}/${kind}`, args.kmsKeyArn)),
        );

        const common = {
            instanceClass: this.size.instanceClass,
            storageEncrypted: true,
            parameterGroupName: this.parameterGroup.name,
            vpcSecurityGroupIds: [args.securityGroupId],
            publiclyAccessible: false,
            port: DATA_PORTS.postgres,
            deletionProtection: true,
            autoMinorVersionUpgrade: true,
            copyTagsToSnapshot: true,
            performanceInsightsEnabled: true,
            performanceInsightsKmsKeyId: args.kmsKeyArn,
            performanceInsightsRetentionPeriod: PERFORMANCE_INSIGHTS_RETENTION_DAYS,
            monitoringInterval: ENHANCED_MONITORING_SECONDS,
            monitoringRoleArn: monitoringRole.arn,
            // FSBP RDS.10: IAM tokens are accepted for a role granted rds_iam (none is by the platform; the roles log in with passwords).
            iamDatabaseAuthenticationEnabled: true,
            enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
            maintenanceWindow: args.maintenanceWindow,
            caCertIdentifier: "rds-ca-rsa2048-g1",
        };
        this.primary = new aws.rds.Instance(
            `${name}-primary`,
            {
                ...common,
                // Only the primary names the key: a same-region replica is always encrypted with its
                // source's key, and RDS refuses KmsKeyId on one (InvalidParameterCombination).
                kmsKeyId: args.kmsKeyArn,
                identifier: args.names.postgres,
                engine: "postgres",
                engineVersion: pg.version,
                allocatedStorage: RDS_ALLOCATED_STORAGE_GIB,
                storageType: "gp3",
                multiAz: true,
                dbSubnetGroupName: subnets.name,
                dbName: pg.database,
                username: pg.user,
                // RDS generates, stores and rotates the master password (never in state or in a preview).
                manageMasterUserPassword: true,
                masterUserSecretKmsKeyId: args.kmsKeyArn,
                backupRetentionPeriod: retention.days,
                backupWindow: args.automatedBackupWindow,
                deleteAutomatedBackups: false,
                skipFinalSnapshot: false,
                finalSnapshotIdentifier: `${args.names.postgres}-final`,
                tags: { [backupTag("postgres").key]: backupTag("postgres").value },
            },
            stateful(this, args, { dependsOn: logGroups }),
        );
        this.replicas = identifiers.slice(1).map(
            (identifier, i) =>
                new aws.rds.Instance(
                    `${name}-replica-${i + 1}`,
                    {
                        ...common,
                        identifier,
                        replicateSourceDb: this.primary.identifier,
                        availabilityZone: args.availabilityZones[(i + 1) % args.availabilityZones.length],
                        multiAz: false,
                        // A replica's data is its primary's; its snapshots would duplicate the primary's backups.
                        skipFinalSnapshot: true,
                    },
                    stateful(this, args, { dependsOn: logGroups }),
                ),
        );

        this.masterSecretArn = managedMasterSecretArn(`${args.stack}: RDS instance ${args.names.postgres}`, this.primary.masterUserSecrets);
        const roles = postgresRoles(args.app, pg);
        const roleSecret = (part: string, what: string, user: string, password: random.RandomPassword) =>
            credentialsSecret(this, args, `${name}-${part}-credentials`, `PostgreSQL ${what} role (generated)`, password.result, this.primary.address, (password, host) => ({
                username: user,
                password,
                host,
                port: DATA_PORTS.postgres,
                dbname: pg.database,
                url: connectionUrl.postgres(user, password, host, DATA_PORTS.postgres, pg.database),
            }));
        this.appCredentials = roleSecret("app", "app", roles.app, args.appPassword);
        this.monitorCredentials = roleSecret("monitor", "read-only monitoring", roles.monitor, args.monitorPassword);

        const rolesLogs = logGroup(this, args, `${name}-roles-logs`, args.names.logGroup("ecs/postgres-roles"), args.kmsKeyArn);
        const secrets = [this.masterSecretArn, this.appCredentials.arn, this.monitorCredentials.arn];
        this.rolesTask = fargateTask(this, args, `${name}-roles`, {
            family: args.names.taskFamily("postgres-roles"),
            size: ROLES_TASK_SIZE,
            executionRole: taskExecutionRole(this, args, `${name}-roles-execution`, "Pulls psql, writes its logs, reads the master and the roles' secrets", secrets, args.kmsKeyArn),
            taskRole: serviceRole(this, args, `${name}-roles-task`, "ecs-tasks.amazonaws.com", [], "The PostgreSQL roles task: no AWS access"),
            containerDefinitions: pulumi.all([rolesLogs.name, this.primary.address, ...secrets]).apply(([group, host, admin, app, monitor]) =>
                JSON.stringify(args.rolesContainers({ logGroup: group, region: args.region, host, port: DATA_PORTS.postgres, admin, app, monitor })),
            ),
            volumes: [{ name: CA_VOLUME }],
        });
        this.registerOutputs({ rolesTask: this.rolesTask.arn, address: this.primary.address, replicas: this.replicas.map((r) => r.address), backupRetentionCapped: retention.capped });
    }
}
