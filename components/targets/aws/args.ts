import { amazonMqDeploymentMode, amazonMqEngineVersion, amazonMqMaintenanceStart, queueDepthTracking } from "../../../capabilities/aws/amazonmq";
import { ampDefinition } from "../../../capabilities/aws/alertmanager";
import { cloudWatchAlarms, type AlarmInventory } from "../../../capabilities/aws/alarms";
import { backupRules, backupTaskContainers, backupTasks, bucketDataset, noncurrentVersionDays, PLATFORM_BACKUP_BUCKET, restoreTestSpec, START_WINDOW_MINUTES } from "../../../capabilities/aws/backups";
import { collectorConfig } from "../../../capabilities/aws/collector";
import { appEnvironment, bucketAccess, needsCaBundle, postgresRolesContainers } from "../../../capabilities/aws/containers";
import { deploymentGuard } from "../../../capabilities/aws/deployments";
import { documentDbUsers, documentDbUsersContainers } from "../../../capabilities/aws/documentdb-users";
import { dashboardProvisioningFiles } from "../../../capabilities/aws/grafana";
import { tierRules } from "../../../capabilities/aws/lifecycle-tiers";
import { alarmMute } from "../../../capabilities/aws/maintenance-mute";
import { rabbitmqTopologyContainers } from "../../../capabilities/aws/rabbitmq";
import { reachabilityChecks, reachabilityPages } from "../../../capabilities/aws/reachability";
import { elastiCacheAppendOnly } from "../../../capabilities/aws/redis-durability";
import { automatedBackupWindow, formatWeekly, maintenanceWindow, snapshotWindow } from "../../../capabilities/aws/windows";
import { rulesFor } from "../../../capabilities/alerting";
import { requiredExporters } from "../../../capabilities/alerting/exporters";
import { severitiesReaching } from "../../../capabilities/alerting/routing";
import { dataImage } from "../../../capabilities/docker/versions";
import { queueConsumers, rabbitmqVerifyEnv, requireRabbitMq, scaledOnQueueDepth } from "../../../capabilities/rabbitmq";
import type { PublicEndpoint } from "../../../capabilities/reachability";
import { backupFor } from "../../../capabilities/schedules";
import type { Env, Runbook } from "../../../runbooks";
import type { AwsBackupsArgs, AwsBackupTasksArgs } from "./backups";
import type { AwsCollectorArgs } from "./collector";
import type { AwsDocumentDbArgs } from "./documentdb";
import type { AwsFirewallArgs } from "./firewall";
import type { AwsGrafanaArgs } from "./grafana";
import type { AwsIngressArgs } from "./ingress";
import type { AwsKafkaArgs } from "./kafka";
import type { AwsMonitoringArgs } from "./monitoring";
import type { AwsNetworkArgs } from "./network";
import type { AwsPostgresArgs } from "./postgres";
import type { AwsRabbitMqArgs } from "./rabbitmq";
import type { AwsRedisArgs } from "./redis";
import type { AwsScope } from "./scope";
import type { AwsServicesArgs } from "./services";
import type { AwsStorageArgs } from "./storage";

/**
 * The one place the AWS target reads the runbook: each function here gives one component the
 * runbook slices and derived settings its Args name (the rest of its Args are the stack's and the
 * other components' outputs, which index.ts and data-services.ts add). The components never see
 * the runbook; where a setting needs values known only once resources exist (container
 * definitions, the alert manager's topics), the Arg is a function of those values, bound to the
 * runbook here.
 */

/** The runbook's part of every component's scope. */
export function scopeSettings(rb: Runbook): Pick<AwsScope, "app" | "logRetentionDays"> {
    return { app: rb.app, logRetentionDays: rb.logs.retentionDays };
}

/** AwsNetwork: how many AZs the VPC spans. */
export function networkSettings(rb: Runbook): Pick<AwsNetworkArgs, "zoneCount"> {
    return { zoneCount: rb.aws.availabilityZones };
}

/** AwsFirewall: the service ports, the external dependencies' ports, the data services to guard. */
export function firewallSettings(rb: Runbook): Pick<AwsFirewallArgs, "servicePorts" | "externalDependencies" | "data"> {
    return { servicePorts: rb.services.map((s) => s.port), externalDependencies: rb.externalDependencies, data: rb.data };
}

/** The runbook's settings for the data service a component builds; throws, naming it, when the runbook has none. */
function dataSettings<D extends keyof Runbook["data"]>(rb: Runbook, kind: D, component: string): NonNullable<Runbook["data"][D]> {
    const settings = rb.data[kind];
    if (!settings) throw new Error(`${rb.app}: ${component} needs data.${kind}`);
    return settings as NonNullable<Runbook["data"][D]>;
}

/**
 * The runbook's settings for the data store a component builds, and that store's backup entry;
 * throws, naming the fix, when the runbook has either one missing.
 */
function backedUpStore<D extends "postgres" | "redis" | "mongodb">(
    rb: Runbook,
    dataset: D,
    component: string,
): { settings: NonNullable<Runbook["data"][D]>; backup: Runbook["backups"][number] } {
    const settings = dataSettings(rb, dataset, component);
    const backup = backupFor(rb, dataset);
    if (!backup) throw new Error(`${rb.app}: data.${dataset} is set but backups has no ${dataset} entry; allowed: add one (dataset: ${dataset})`);
    return { settings, backup };
}

/** AWS Backup's start times for a dataset, so the engine's own automated-backup window stays clear of them. */
function awsBackupStarts(rb: Runbook, dataset: "postgres" | "mongodb"): { cron: string; startWindowMinutes: number }[] {
    const backup = backupFor(rb, dataset);
    return backup ? [{ cron: backup.cron, startWindowMinutes: START_WINDOW_MINUTES }] : [];
}

/** AwsPostgres: `data.postgres`, its backup, the windows, the roles task's containers. */
export function postgresSettings(rb: Runbook): Pick<AwsPostgresArgs, "postgres" | "backup" | "maintenanceWindow" | "automatedBackupWindow" | "rolesContainers"> {
    const { settings, backup } = backedUpStore(rb, "postgres", "AwsPostgres");
    return {
        postgres: settings,
        backup,
        maintenanceWindow: formatWeekly(maintenanceWindow(rb)),
        automatedBackupWindow: automatedBackupWindow(rb, awsBackupStarts(rb, "postgres")),
        rolesContainers: (task) => postgresRolesContainers(rb, { image: dataImage(rb, "postgres"), ...task }),
    };
}

/** AwsDocumentDb: `data.mongodb`, its backup, the users, the windows, the users task's containers. */
export function documentDbSettings(rb: Runbook): Pick<AwsDocumentDbArgs, "mongodb" | "backup" | "users" | "maintenanceWindow" | "automatedBackupWindow" | "usersContainers"> {
    const { settings, backup } = backedUpStore(rb, "mongodb", "AwsDocumentDb");
    const maintenance = formatWeekly(maintenanceWindow(rb));
    return {
        mongodb: settings,
        backup,
        maintenanceWindow: maintenance,
        automatedBackupWindow: automatedBackupWindow(rb, awsBackupStarts(rb, "mongodb")),
        users: documentDbUsers(rb),
        usersContainers: (task) => documentDbUsersContainers(rb, { image: dataImage(rb, "mongodb"), ...task }),
    };
}

/** AwsRedis: `data.redis`, its backup, the AZs, the snapshot and maintenance windows; refuses a runbook whose append-only requirement ElastiCache cannot meet. */
export function redisSettings(rb: Runbook, stack: string): Pick<AwsRedisArgs, "redis" | "backup" | "backupIndex" | "zoneCount" | "snapshotWindow" | "maintenanceWindow"> {
    const { settings, backup } = backedUpStore(rb, "redis", "AwsRedis");
    // The runbook's append-only requirement: met by the replicas and snapshots AwsRedis makes, or refused here.
    elastiCacheAppendOnly(rb, stack);
    const index = rb.backups.indexOf(backup);
    return {
        redis: settings,
        backup,
        backupIndex: index,
        zoneCount: rb.aws.availabilityZones,
        snapshotWindow: snapshotWindow(rb, backup.cron, `backups[${index}].cron`),
        maintenanceWindow: formatWeekly(maintenanceWindow(rb)),
    };
}

/** AwsKafka: `data.kafka`, the AZs, the maintenance window. */
export function kafkaSettings(rb: Runbook): Pick<AwsKafkaArgs, "kafka" | "zoneCount" | "maintenanceWindow"> {
    const kafka = dataSettings(rb, "kafka", "AwsKafka");
    return { kafka, zoneCount: rb.aws.availabilityZones, maintenanceWindow: formatWeekly(maintenanceWindow(rb)) };
}

/** AwsRabbitMq: `data.rabbitmq` (every queue with its consumer), the Amazon MQ mode, version and maintenance start, the topology task's containers, what the definitions backup's restore check expects. */
export function rabbitMqSettings(rb: Runbook): Pick<AwsRabbitMqArgs, "rabbitmq" | "deploymentMode" | "engineVersion" | "maintenanceStart" | "topologyContainers" | "backupVerifyEnv"> {
    const rabbitmq = requireRabbitMq(rb);
    // Every queue has its consumer: refused here otherwise.
    queueConsumers(rb);
    return {
        rabbitmq,
        deploymentMode: amazonMqDeploymentMode(rb),
        engineVersion: amazonMqEngineVersion(rb),
        maintenanceStart: amazonMqMaintenanceStart(rb),
        topologyContainers: (task) => rabbitmqTopologyContainers(rb, task),
        backupVerifyEnv: rabbitmqVerifyEnv(rb),
    };
}

/** AwsStorage: `data.objectStorage` and what the backups make of each bucket. */
export function storageSettings(rb: Runbook): Pick<AwsStorageArgs, "objectStorage" | "bucketSettings"> {
    const store = dataSettings(rb, "objectStorage", "AwsStorage");
    return {
        objectStorage: store,
        bucketSettings: Object.fromEntries(
            store.buckets.map((bucket) => [bucket, { dataset: bucketDataset(rb, bucket), noncurrentVersionDays: noncurrentVersionDays(rb, bucket), tierRules: tierRules(rb, bucket) }]),
        ),
    };
}

/** AwsIngress: the services, blue/green, the WAF. */
export function ingressSettings(rb: Runbook): Pick<AwsIngressArgs, "services" | "blueGreen" | "waf"> {
    return { services: rb.services, blueGreen: rb.aws.blueGreen, waf: rb.aws.waf };
}

/** AwsServices: the services and what each task gets from the runbook (environment, buckets, CA bundle, deployment guard, queue-depth scaling, Kafka topics). */
export function servicesSettings(
    rb: Runbook,
    env: Env,
    region: string,
    hosts: Readonly<Record<string, string>>,
): Pick<AwsServicesArgs, "services" | "bucketAccess" | "caBundle" | "kafka" | "environment" | "deploymentGuard" | "scaledOnQueueDepth" | "queueDepthTracking"> {
    return {
        services: rb.services,
        bucketAccess: bucketAccess(rb),
        caBundle: needsCaBundle(rb),
        kafka: rb.data.kafka,
        environment: (svc, endpoints, creds) => appEnvironment(rb, env, region, svc, endpoints, creds),
        deploymentGuard: (service, blueGreenRouting) => deploymentGuard(rb, hosts, service, blueGreenRouting),
        scaledOnQueueDepth: (svc) => scaledOnQueueDepth(rb, svc),
        queueDepthTracking: (svc, broker, cluster, ecsService) => queueDepthTracking(rb, svc, broker, cluster, ecsService),
    };
}

/** AwsBackups: the AWS Backup rules and the restore test. */
export function backupsSettings(rb: Runbook): Pick<AwsBackupsArgs, "rules" | "restoreTest"> {
    return { rules: backupRules(rb), restoreTest: restoreTestSpec(rb) };
}

/** AwsBackupTasks: the backups AWS Backup cannot take and their restore checks (`backupTasks`; none: no AwsBackupTasks), the platform backup bucket's old-version days, the tasks' containers. */
export function backupTasksSettings(rb: Runbook): Pick<AwsBackupTasksArgs, "tasks" | "noncurrentVersionDays" | "containers"> {
    return {
        tasks: backupTasks(rb),
        noncurrentVersionDays: noncurrentVersionDays(rb, PLATFORM_BACKUP_BUCKET),
        containers: (spec, at) => backupTaskContainers(rb, spec, at),
    };
}

/** AwsMonitoring: the channels' severities, the AMP rules and alert manager, the CloudWatch alarms with their maintenance silence, the reachability checks. */
export function monitoringSettings(
    rb: Runbook,
    env: Env,
    region: string,
    inventory: AlarmInventory,
    publicEndpoints: readonly PublicEndpoint[],
): Pick<AwsMonitoringArgs, "severities" | "channels" | "rules" | "alertManagerDefinition" | "alarms" | "mute" | "reachability"> {
    const email = rb.incident.channels.email;
    const severities = { pager: severitiesReaching(rb, "pager"), email: email ? severitiesReaching(rb, "email") : [], chat: severitiesReaching(rb, "chat") };
    const rules = rulesFor(rb, env, "aws");
    // Decided now, not inside the apply: a runbook it cannot serve is refused before anything is registered.
    const pagedByAlarm = reachabilityPages(rb, publicEndpoints);
    const alarms = cloudWatchAlarms(rb, inventory);
    const mute = alarmMute(rb, alarms);
    return {
        severities,
        channels: rb.incident.channels,
        rules,
        alertManagerDefinition: (topics) => ampDefinition(rb, region, topics, pagedByAlarm),
        alarms,
        ...(mute ? { mute } : {}),
        reachability: reachabilityChecks(rb, publicEndpoints),
    };
}

/** AwsCollector: the required exporters, the agent's configuration, Redis's mode. */
export function collectorSettings(rb: Runbook, env: Env): Pick<AwsCollectorArgs, "exporters" | "config" | "redisCluster"> {
    const exporters = requiredExporters(rb, "aws");
    return { exporters, config: (at) => collectorConfig(rb, env, exporters, at), redisCluster: rb.data.redis?.mode === "cluster" };
}

/** AwsGrafana: the dashboards' provisioning files. */
export function grafanaSettings(rb: Runbook): Pick<AwsGrafanaArgs, "dashboards"> {
    return { dashboards: dashboardProvisioningFiles(rb) };
}
