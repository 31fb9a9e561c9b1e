import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { DataEndpoints } from "../../../capabilities/aws/containers";
import type { Dataset, Runbook } from "../../../runbooks";
import type { PlatformSecrets } from "../../secrets";
import type { BackupTaskSource, RestoreTarget } from "./backups";
import { AwsDocumentDb } from "./documentdb";
import { AwsFirewall, DATA_PORTS } from "./firewall";
import { AwsKafka } from "./kafka";
import type { OneOffTask } from "./one-off-tasks";
import type { AlarmDimensions } from "./monitoring";
import { documentDbSettings, kafkaSettings, postgresSettings, rabbitMqSettings, redisSettings, storageSettings } from "./args";
import { AwsPostgres } from "./postgres";
import { AwsRabbitMq } from "./rabbitmq";
import { AwsRedis } from "./redis";
import type { AwsScope } from "./scope";
import { AwsStorage } from "./storage";

/**
 * The extension point for data services on AWS: one entry per managed service the target can
 * run, each building its component (one module per service: postgres.ts, redis.ts, kafka.ts,
 * documentdb.ts, storage.ts) and saying what the rest of the platform needs from it: where the
 * app's tasks and the collector connect, its credentials secret, the AWS Backup restore target,
 * the CloudWatch alarm dimensions. The platform (index.ts) builds each whose `data.<kind>` the
 * runbook has and merges what they return; it has no per-kind branch. Adding a kind is adding
 * its module and an entry here (and its security group in firewall.ts).
 */

/** What the platform hands every kind, built once from the stack. */
export interface AwsDataInputs {
    readonly scope: AwsScope;
    /** The runbook with the stack's overrides: each kind gives its component the slices it reads (args.ts), never the whole. */
    readonly runbook: Runbook;
    /** Private subnets, one per AZ. */
    readonly subnetIds: pulumi.Input<string>[];
    /** The VPC's AZs, in order. */
    readonly availabilityZones: pulumi.Input<string>[];
    /** The customer-managed key of the data services (AwsKeys.data). */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** The security groups, one per data service the runbook has. */
    readonly firewall: AwsFirewall;
    /** The generated credentials. */
    readonly secrets: PlatformSecrets;
}

/** A built data service and what it contributes to the platform; every field but `component` defaults to nothing. */
export interface AwsDataOutputs {
    readonly component: pulumi.ComponentResource;
    /** Its part of the endpoints the tasks and the collector connect to (values may be outputs). */
    readonly endpoints?: { readonly [K in Exclude<keyof DataEndpoints, "buckets">]?: unknown };
    /** Secrets Manager secret of the app's generated credentials, by service. */
    readonly credentials?: { readonly postgres?: aws.secretsmanager.Secret; readonly redis?: aws.secretsmanager.Secret; readonly mongodb?: aws.secretsmanager.Secret; readonly kafka?: aws.secretsmanager.Secret; readonly rabbitmq?: aws.secretsmanager.Secret };
    /** The Amazon MQ broker's name, where it is RabbitMQ (the consuming workers' scaling reads its queue metrics). */
    readonly rabbitmqBroker?: pulumi.Output<string>;
    /** The exporters' read-only credentials where they differ from the app's, by service. Defaults to the app's. */
    readonly monitorCredentials?: { readonly postgres?: aws.secretsmanager.Secret; readonly mongodb?: aws.secretsmanager.Secret; readonly kafka?: aws.secretsmanager.Secret };
    /** Kafka's admin login, for the one-off task that creates topics and ACLs. */
    readonly kafkaAdmin?: aws.secretsmanager.Secret;
    /** The one-off task that creates the database's app and monitoring roles, where it has one. */
    readonly postgresRolesTask?: aws.ecs.TaskDefinition;
    /** The one-off task that creates DocumentDB's app and monitoring users, where it has one. */
    readonly documentDbUsersTask?: aws.ecs.TaskDefinition;
    /** One-off tasks the platform runs on deploy (AwsOneOffTasks). Defaults to none. */
    readonly oneOffTasks?: readonly OneOffTask[];
    /** The runbook's buckets, by runbook name. */
    readonly buckets?: Readonly<Record<string, aws.s3.Bucket>>;
    /** Bootstrap brokers, where it is Kafka. */
    readonly kafkaBootstrap?: pulumi.Output<string>;
    /** The connection of each dataset an ECS task backs up (AwsBackupTasks: RabbitMQ's definitions), by dataset. */
    readonly backupTaskSources?: Readonly<Partial<Record<Dataset, BackupTaskSource>>>;
    /** Where AWS Backup restore testing restores its recovery points. */
    readonly restoreTargets?: { readonly RDS?: RestoreTarget; readonly DocumentDB?: RestoreTarget };
    /** The CloudWatch dimensions of its alarms. */
    readonly dimensions?: Partial<Pick<AlarmDimensions, "rdsInstances" | "cacheGroupId" | "docdbInstances" | "kafkaCluster" | "rabbitmqBroker" | "buckets">>;
}

export interface AwsDataService {
    /** The runbook's `data.<kind>`: the service is built when it is set. */
    readonly kind: keyof Runbook["data"];
    /** Part of the component's Pulumi name: `<app>-<part>`. */
    readonly part: string;
    create(name: string, inputs: AwsDataInputs, opts: pulumi.ComponentResourceOptions): AwsDataOutputs;
}

/** A value the platform must have built for this kind; fails naming the stack and what is missing. */
function need<T>(inputs: AwsDataInputs, value: T | undefined, what: string): T {
    if (!value) throw new Error(`${inputs.scope.stack}: ${what}`);
    return value;
}

const postgres: AwsDataService = {
    kind: "postgres",
    part: "postgres",
    create: (name, inputs, opts) => {
        const { scope, firewall } = inputs;
        const appPassword = need(inputs, inputs.secrets.postgresApp, "no generated postgres app password");
        const monitorPassword = need(inputs, inputs.secrets.postgresMonitor, "no generated postgres monitoring password");
        const db = new AwsPostgres(
            name,
            {
                ...scope,
                ...postgresSettings(inputs.runbook),
                subnetIds: inputs.subnetIds,
                securityGroupId: need(inputs, firewall.postgres, "no postgres security group").id,
                kmsKeyArn: inputs.kmsKeyArn,
                appPassword,
                monitorPassword,
                availabilityZones: inputs.availabilityZones,
            },
            opts,
        );
        return {
            component: db,
            endpoints: { postgres: { host: db.primary.address, port: DATA_PORTS.postgres, readHosts: db.replicas.map((r) => r.address) } },
            // The app and the exporters get their own roles' secrets; the master's stays with the roles task.
            credentials: { postgres: db.appCredentials },
            monitorCredentials: { postgres: db.monitorCredentials },
            postgresRolesTask: db.rolesTask,
            oneOffTasks: [{ part: "postgres-roles", taskDefinition: db.rolesTask, credentials: [appPassword.result, monitorPassword.result], after: [db] }],
            restoreTargets: { RDS: { subnetGroupName: db.subnetGroup.name, securityGroupId: firewall.postgres!.id } },
            dimensions: { rdsInstances: Object.fromEntries([db.primary, ...db.replicas].map((instance, i) => [i === 0 ? "primary" : `replica-${i}`, instance.identifier])) },
        };
    },
};

const redis: AwsDataService = {
    kind: "redis",
    part: "redis",
    create: (name, inputs, opts) => {
        const { scope, firewall } = inputs;
        const cache = new AwsRedis(
            name,
            {
                ...scope,
                ...redisSettings(inputs.runbook, scope.stack),
                subnetIds: inputs.subnetIds,
                securityGroupId: need(inputs, firewall.redis, "no redis security group").id,
                kmsKeyArn: inputs.kmsKeyArn,
                authToken: need(inputs, inputs.secrets.redis, "no generated redis token"),
            },
            opts,
        );
        return {
            component: cache,
            endpoints: { redis: { host: cache.endpoint, port: DATA_PORTS.redis } },
            credentials: { redis: cache.credentials },
            dimensions: { cacheGroupId: scope.names.redis },
        };
    },
};

const kafka: AwsDataService = {
    kind: "kafka",
    part: "kafka",
    create: (name, inputs, opts) => {
        const { scope, firewall } = inputs;
        const msk = new AwsKafka(name, { ...scope, ...kafkaSettings(inputs.runbook), subnetIds: inputs.subnetIds, securityGroupId: need(inputs, firewall.kafka, "no kafka security group").id, kmsKeyArn: inputs.kmsKeyArn }, opts);
        return {
            component: msk,
            endpoints: { kafka: { bootstrapServers: msk.bootstrapBrokers } },
            kafkaBootstrap: msk.bootstrapBrokers,
            credentials: { kafka: msk.credentials.app },
            monitorCredentials: { kafka: msk.credentials.monitor },
            kafkaAdmin: msk.credentials.admin,
            dimensions: { kafkaCluster: msk.cluster.clusterName },
        };
    },
};

const mongodb: AwsDataService = {
    kind: "mongodb",
    part: "documentdb",
    create: (name, inputs, opts) => {
        const { scope, firewall } = inputs;
        const appPassword = need(inputs, inputs.secrets.data.mongodbApp, "no generated mongodb app password");
        const monitorPassword = need(inputs, inputs.secrets.data.mongodbMonitor, "no generated mongodb monitoring password");
        const docdb = new AwsDocumentDb(
            name,
            {
                ...scope,
                ...documentDbSettings(inputs.runbook),
                subnetIds: inputs.subnetIds,
                securityGroupId: need(inputs, firewall.mongodb, "no mongodb security group").id,
                kmsKeyArn: inputs.kmsKeyArn,
                appPassword,
                monitorPassword,
            },
            opts,
        );
        return {
            component: docdb,
            endpoints: { mongodb: { host: docdb.cluster.endpoint, port: DATA_PORTS.mongodb } },
            // The app and the exporters get their own users' secrets; the master's stays with the users task.
            credentials: { mongodb: docdb.appCredentials },
            monitorCredentials: { mongodb: docdb.monitorCredentials },
            documentDbUsersTask: docdb.usersTask,
            oneOffTasks: [{ part: "documentdb-users", taskDefinition: docdb.usersTask, credentials: [appPassword.result, monitorPassword.result], after: [docdb] }],
            restoreTargets: { DocumentDB: { subnetGroupName: docdb.subnetGroup.name, securityGroupId: firewall.mongodb!.id } },
            dimensions: { docdbInstances: docdb.instances.map((i) => i.identifier) },
        };
    },
};

const objectStorage: AwsDataService = {
    kind: "objectStorage",
    part: "storage",
    create: (name, inputs, opts) => {
        const storage = new AwsStorage(name, { ...inputs.scope, ...storageSettings(inputs.runbook), kmsKeyArn: inputs.kmsKeyArn }, opts);
        return { component: storage, buckets: storage.buckets, dimensions: { buckets: Object.fromEntries(Object.entries(storage.buckets).map(([k, b]) => [k, b.bucket])) } };
    },
};

const rabbitmq: AwsDataService = {
    kind: "rabbitmq",
    part: "rabbitmq",
    create: (name, inputs, opts) => {
        const { scope, firewall } = inputs;
        const password = need(inputs, inputs.secrets.data.rabbitmq, "no generated rabbitmq password");
        const broker = new AwsRabbitMq(
            name,
            {
                ...scope,
                ...rabbitMqSettings(inputs.runbook),
                subnetIds: inputs.subnetIds,
                securityGroupId: need(inputs, firewall.rabbitmq, "no rabbitmq security group").id,
                kmsKeyArn: inputs.kmsKeyArn,
                password,
            },
            opts,
        );
        return {
            component: broker,
            credentials: { rabbitmq: broker.credentials },
            rabbitmqBroker: broker.broker.brokerName,
            dimensions: { rabbitmqBroker: broker.broker.brokerName },
            backupTaskSources: { rabbitmq: broker.backupSource },
            // Amazon MQ creates only the `/` vhost: the topology task creates the runbook's vhost, permissions and queues.
            oneOffTasks: [{ part: "rabbitmq-topology", taskDefinition: broker.topologyTask, credentials: [password.result], after: [broker.broker] }],
        };
    },
};

/** The data services the AWS target can run, in the order the platform builds them. */
export const DATA_SERVICES: readonly AwsDataService[] = [postgres, redis, kafka, mongodb, rabbitmq, objectStorage];
