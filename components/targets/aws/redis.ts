import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type * as random from "@pulumi/random";
import { connectionUrl } from "../../../capabilities/aws/containers";
import {
    cacheNodeType,
    cacheParameters,
    cacheTopology,
    ELASTICACHE_MAX_SNAPSHOT_DAYS,
    elastiCacheEngineVersion,
    elastiCacheFamily,
    type CacheTopology,
} from "../../../capabilities/aws/elasticache";
import type { Backup, Runbook } from "../../../runbooks";
import { child, credentialsSecret, logGroup, privateSubnetGroup, stateful, type AwsDataServiceArgs } from "./scope";
import { DATA_PORTS } from "./firewall";

export interface AwsRedisArgs extends AwsDataServiceArgs {
    /** The generated AUTH token (`PlatformSecrets.redis`). */
    readonly authToken: random.RandomPassword;
    /** The runbook's `data.redis`: version, mode, size, eviction policy. */
    readonly redis: NonNullable<Runbook["data"]["redis"]>;
    /** The runbook's redis backup: snapshots are kept its retention (at most ElastiCache's 35 days). */
    readonly backup: Backup;
    /** The backup's index in the runbook's `backups`, for the messages that name it. */
    readonly backupIndex: number;
    /** How many availability zones the group spreads over: the runbook's `aws.availabilityZones`. */
    readonly zoneCount: number;
    /** The daily snapshot window (`snapshotWindow`: when the runbook's Redis backup runs, clear of the maintenance window). */
    readonly snapshotWindow: string;
    /** The runbook's maintenance window as ElastiCache writes it (`wed:03:00-wed:05:00`). */
    readonly maintenanceWindow: string;
}

/**
 * ElastiCache for Redis OSS: a replication group with automatic failover across AZs (or the
 * runbook's Redis cluster as a cluster-mode group), encrypted at rest and in transit, AUTH token
 * from the generated secret, the runbook's eviction policy, and daily snapshots at the runbook's
 * Redis backup time, kept as long as the runbook's retention (ElastiCache keeps at most 35 days).
 */
export class AwsRedis extends pulumi.ComponentResource {
    public readonly replicationGroup: aws.elasticache.ReplicationGroup;
    public readonly parameterGroup: aws.elasticache.ParameterGroup;
    public readonly credentials: aws.secretsmanager.Secret;
    public readonly topology: CacheTopology;
    /** Where clients connect: the primary endpoint, or the configuration endpoint in cluster mode. */
    public readonly endpoint: pulumi.Output<string>;

    constructor(name: string, args: AwsRedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Redis", name, {}, opts);
        const { redis, backup } = args;
        // The runbook's append-only requirement is met by the replicas and snapshots below (checked in args.ts).
        const index = args.backupIndex;
        if (backup.retentionDays > ELASTICACHE_MAX_SNAPSHOT_DAYS) {
            throw new Error(`${args.app}: backups[${index}].retentionDays = ${backup.retentionDays}: ElastiCache keeps snapshots at most ${ELASTICACHE_MAX_SNAPSHOT_DAYS} days`);
        }
        const engineVersion = elastiCacheEngineVersion(redis);
        const { nodeType } = cacheNodeType(redis);
        this.topology = cacheTopology(redis, args.zoneCount);

        const subnets = privateSubnetGroup(aws.elasticache.SubnetGroup, this, args, `${name}-subnets`, "Redis");
        this.parameterGroup = new aws.elasticache.ParameterGroup(
            `${name}-params`,
            { family: elastiCacheFamily(engineVersion), description: `${args.app} runbook: maxmemory-policy ${redis.maxmemoryPolicy}`, parameters: cacheParameters(redis) },
            child(this, args),
        );
        const slowLog = logGroup(this, args, `${name}-slow-log`, args.names.logGroup("redis/slow-log"), args.kmsKeyArn);
        const engineLog = logGroup(this, args, `${name}-engine-log`, args.names.logGroup("redis/engine-log"), args.kmsKeyArn);

        const topology = this.topology.clusterMode
            ? { numNodeGroups: this.topology.numNodeGroups, replicasPerNodeGroup: this.topology.replicasPerNodeGroup, clusterMode: "enabled" }
            : { numCacheClusters: this.topology.numCacheClusters };
        this.replicationGroup = new aws.elasticache.ReplicationGroup(
            `${name}-group`,
            {
                replicationGroupId: args.names.redis,
                description: `${args.app} ${args.env} Redis (${redis.mode})`,
                engine: "redis",
                engineVersion,
                nodeType,
                port: DATA_PORTS.redis,
                parameterGroupName: this.parameterGroup.name,
                subnetGroupName: subnets.name,
                securityGroupIds: [args.securityGroupId],
                ...topology,
                automaticFailoverEnabled: true,
                multiAzEnabled: true,
                atRestEncryptionEnabled: true,
                kmsKeyId: args.kmsKeyArn,
                transitEncryptionEnabled: true,
                authToken: args.authToken.result,
                authTokenUpdateStrategy: "ROTATE",
                snapshotRetentionLimit: backup.retentionDays,
                snapshotWindow: args.snapshotWindow,
                maintenanceWindow: args.maintenanceWindow,
                finalSnapshotIdentifier: `${args.names.redis}-final`,
                autoMinorVersionUpgrade: true,
                applyImmediately: false,
                logDeliveryConfigurations: [
                    { destination: slowLog.name, destinationType: "cloudwatch-logs", logFormat: "json", logType: "slow-log" },
                    { destination: engineLog.name, destinationType: "cloudwatch-logs", logFormat: "json", logType: "engine-log" },
                ],
            },
            stateful(this, args, { additionalSecretOutputs: ["authToken"] }),
        );
        this.endpoint = this.topology.clusterMode ? this.replicationGroup.configurationEndpointAddress : this.replicationGroup.primaryEndpointAddress;

        this.credentials = credentialsSecret(this, args, `${name}-credentials`, "Redis AUTH token (generated)", args.authToken.result, this.endpoint, (password, host) => ({
            password,
            host,
            port: DATA_PORTS.redis,
            tls: true,
            url: connectionUrl.redis(password, host, DATA_PORTS.redis),
        }));
        this.registerOutputs({ endpoint: this.endpoint });
    }
}
