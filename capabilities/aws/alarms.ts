import { durationSeconds, type Alert, type AlertSeverity, type Dataset, type Level, type Runbook, type Signal } from "../../runbooks";
import { levelCondition } from "../alerting/levels";
import { alertName } from "../alerting/rules";
import { alertsOn, CLOUDWATCH_METRICS } from "../alerting/signals";
import { S3_REQUEST_METRICS } from "../alerting/minio";
import { AMAZON_MQ_BROKER_METRICS } from "../alerting/rabbitmq";
import { backupPlan } from "../backups/plan";
import { AMAZON_MQ_METRICS } from "./amazonmq";
import { BACKUP_TASK_METRIC, backupService, type VaultService } from "./backups";

/**
 * CloudWatch alarms for the runbook thresholds that AWS's managed services report themselves.
 * Each alarm is one runbook alert level on one resource: the threshold is the runbook's number in
 * the runbook's unit (metric math converts the metric into it), and the runbook's `for` becomes
 * period × evaluation periods. Signals no managed service reports stay Amazon Managed Prometheus
 * rules (capabilities/alerting).
 *
 * One page per runbook level and subject: an alert AMP evaluates (its rule is in the AMP rule
 * group) notifies through AMP's alert manager only, and its alarms here are views (the CloudWatch
 * console, the blue/green rollback of capabilities/aws/deployments.ts) with no actions. Only the
 * alerts AMP leaves to CloudWatch (`alertsOn(rb, "aws").cloudwatch`) notify from their alarms.
 */

export type TargetGroupColor = "blue" | "green";

/** What an alarm watches; the component turns each kind into the metric's dimensions. */
export type AlarmSubject =
    | { readonly kind: "ecs-service"; readonly service: string }
    | { readonly kind: "target-group"; readonly service: string; readonly color?: TargetGroupColor }
    | { readonly kind: "rds-instance"; readonly instance: string }
    | { readonly kind: "cache-node"; readonly member: string }
    | { readonly kind: "docdb-instance"; readonly index: number }
    | { readonly kind: "msk-broker"; readonly brokerId: number }
    | { readonly kind: "msk-consumer"; readonly group: string; readonly topic: string }
    | { readonly kind: "mq-queue"; readonly vhost: string; readonly queue: string }
    | { readonly kind: "mq-broker" }
    | { readonly kind: "s3-bucket"; /** The runbook's bucket name. */ readonly bucket: string }
    | { readonly kind: "certificate" }
    | { readonly kind: "backup-vault"; readonly dataset: Dataset; /** The vault's backup: the dataset, or `<dataset>-<tier>`. */ readonly backup: string; readonly resourceType: VaultService }
    /** A backup a scheduled ECS task takes (capabilities/aws/backups.ts `backupTasks`): its success metric's App and Backup dimensions. */
    | { readonly kind: "backup-task"; readonly app: string; readonly dataset: Dataset; readonly backup: string };

/**
 * AWS Backup publishes its job counts (`NumberOfBackupJobsCompleted` …) per resource type and
 * backup vault together (the metrics table of
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/cloudwatch.html gives both dimensions
 * for the job metrics); CloudWatch does not
 * aggregate over a dimension left out, so an alarm must name both. ResourceType takes the values
 * of the BackupJob `ResourceType` (RDS, DocumentDB, S3: BackupService).
 */
export const BACKUP_JOB_DIMENSIONS = ["BackupVaultName", "ResourceType"] as const;

/** What exists on the target, so alarms are made for real resources only. */
export interface AlarmInventory {
    /** ECS services, by runbook service name. */
    readonly services: readonly string[];
    /** Target groups behind the load balancer: one per public service, two (blue, green) for blue/green. */
    readonly targetGroups: readonly { readonly service: string; readonly color?: TargetGroupColor }[];
    readonly rds?: { readonly instances: readonly string[]; readonly allocatedGiB: number; readonly maxConnections: number };
    readonly cache?: { readonly members: readonly string[] };
    readonly docdb?: { readonly instances: number; readonly maxConnections: number };
    readonly msk?: { readonly brokers: number; readonly consumers: readonly { readonly group: string; readonly topic: string }[] };
    /** The Amazon MQ broker's vhost and queues (its metrics are per Broker, VirtualHost and Queue). */
    readonly rabbitmq?: { readonly vhost: string; readonly queues: readonly string[] };
    /**
     * The runbook's S3 buckets, each with request metrics over the whole bucket, and the requests a
     * minute under which their 5xx share is not read (the app's minimum traffic, as MinIO's rule).
     */
    readonly s3?: { readonly buckets: readonly string[]; readonly minRequestsPerMinute: number; readonly minErrorsPerMinute: number };
    /** Whether an ACM certificate is served. */
    readonly certificate: boolean;
    /** AWS Backup vaults, one per dataset, with the dataset's interval. */
    readonly backupVaults: readonly { readonly dataset: Dataset; readonly name: string; readonly everySeconds: number }[];
    /** Backups scheduled ECS tasks take (no vault: each success is a `BACKUP_TASK_METRIC` datapoint), with their interval. Defaults to none. */
    readonly backupTasks?: readonly { readonly dataset: Dataset; readonly name: string; readonly everySeconds: number }[];
}

export interface MetricRef {
    readonly id: string;
    readonly namespace: string;
    readonly metricName: string;
    /** `Maximum`, `Sum`, `Average`, `Minimum`, or a percentile such as `p95`. */
    readonly stat: string;
}

export type Comparison = "GreaterThanThreshold" | "LessThanThreshold";

export interface AlarmSpec {
    /** Unique within the app: `<alert id>-<severity>-<subject>`. */
    readonly key: string;
    readonly alertId: string;
    readonly severity: AlertSeverity;
    readonly signal: Signal;
    readonly subject: AlarmSubject;
    readonly comparison: Comparison;
    /** In the runbook alert's unit. */
    readonly threshold: number;
    readonly period: number;
    readonly evaluationPeriods: number;
    readonly datapointsToAlarm: number;
    readonly treatMissingData: "notBreaching" | "breaching" | "missing";
    /** One metric (then no expression), or the inputs of `expression`. */
    readonly metrics: readonly MetricRef[];
    readonly expression?: string;
    readonly description: string;
    /**
     * Whether the alarm notifies its severity's topic: true only where it is the level's one
     * notifying evaluator (`notifyingEvaluator`); otherwise a view, with no actions.
     */
    readonly notifies: boolean;
}

/** Which evaluator notifies for a runbook alert on AWS. */
export type Evaluator = "amp" | "cloudwatch";

/**
 * The one evaluator that notifies for `alert` on AWS: CloudWatch for the alerts AMP leaves to it
 * (the rule generator decides which, `alertsOn`), Amazon Managed Prometheus for every other.
 */
export function notifyingEvaluator(rb: Runbook, alert: Alert): Evaluator {
    let ids = cloudWatchNotified.get(rb);
    if (!ids) cloudWatchNotified.set(rb, (ids = new Set(alertsOn(rb, "aws").cloudwatch.map((a) => a.id))));
    return ids.has(alert.id) ? "cloudwatch" : "amp";
}

/** The ids of the alerts CloudWatch notifies for, per runbook object: asked per alert and alarm, computed once. */
const cloudWatchNotified = new WeakMap<Runbook, ReadonlySet<string>>();

/** Standard AWS metrics arrive every minute; the shortest period an alarm on them can have. */
export const STANDARD_RESOLUTION_SECONDS = 60;
/** ACM publishes DaysToExpiry once a day. */
export const DAILY_RESOLUTION_SECONDS = 86400;
/** Backup-age alarms count completed AWS Backup jobs per hour. */
export const BACKUP_COUNT_PERIOD_SECONDS = 3600;
/** CloudWatch evaluates an alarm over at most seven days (periods of an hour or more). */
export const MAX_ALARM_WINDOW_SECONDS = 7 * 86400;

interface Source {
    readonly subject: AlarmSubject;
    readonly metrics: readonly MetricRef[];
    readonly expression?: string;
    /** How often the metric is published. */
    readonly resolution: number;
    readonly treatMissingData: AlarmSpec["treatMissingData"];
    readonly what: string;
}

const m = (id: string, namespace: string, metricName: string, stat: string): MetricRef => ({ id, namespace, metricName, stat });
const std = (subject: AlarmSubject, what: string, metrics: MetricRef[], expression?: string): Source => ({
    subject,
    metrics,
    ...(expression ? { expression } : {}),
    resolution: STANDARD_RESOLUTION_SECONDS,
    treatMissingData: "notBreaching",
    what,
});

/** Services an alert is about: its subject where that names a service, otherwise every service. */
function servicesOf(alert: Alert, inv: AlarmInventory): string[] {
    // Whether the subject names a service, asked once (not once per service: quadratic in services).
    const namesService = alert.subject !== undefined && inv.services.includes(alert.subject);
    return inv.services.filter((s) => !alert.subject || alert.subject === s || !namesService);
}

const ecsSubjects = (alert: Alert, inv: AlarmInventory) => servicesOf(alert, inv).map((service) => ({ kind: "ecs-service" as const, service }));
const tgSubjects = (alert: Alert, inv: AlarmInventory) => {
    const services = new Set(servicesOf(alert, inv));
    return inv.targetGroups.filter((tg) => services.has(tg.service)).map((tg) => ({ kind: "target-group" as const, service: tg.service, ...(tg.color ? { color: tg.color } : {}) }));
};
const rdsSubjects = (inv: AlarmInventory) => (inv.rds?.instances ?? []).map((instance) => ({ kind: "rds-instance" as const, instance }));
/** The read replicas: every RDS instance but the primary (the inventory lists the primary first). */
const rdsReplicaSubjects = (inv: AlarmInventory) => rdsSubjects(inv).slice(1);
const cacheSubjects = (inv: AlarmInventory) => (inv.cache?.members ?? []).map((member) => ({ kind: "cache-node" as const, member }));
const docdbSubjects = (inv: AlarmInventory) => Array.from({ length: inv.docdb?.instances ?? 0 }, (_, index) => ({ kind: "docdb-instance" as const, index }));
const mqQueueSubjects = (inv: AlarmInventory) => (inv.rabbitmq?.queues ?? []).map((queue) => ({ kind: "mq-queue" as const, vhost: inv.rabbitmq!.vhost, queue }));
const mqQueueMetric = (id: string, metric: string) => m(id, AMAZON_MQ_METRICS.namespace, metric, "Maximum");
const mqBrokerSubjects = (inv: AlarmInventory) => (inv.rabbitmq ? [{ kind: "mq-broker" as const }] : []);
const mqBrokerMetric = (id: string, metric: string, stat: "Maximum" | "Minimum") => m(id, AMAZON_MQ_METRICS.namespace, metric, stat);
const s3Subjects = (inv: AlarmInventory) => (inv.s3?.buckets ?? []).map((bucket) => ({ kind: "s3-bucket" as const, bucket }));
const s3Metric = (id: string, metric: string) => m(id, S3_REQUEST_METRICS.namespace, metric, "Sum");
const brokerSubjects = (inv: AlarmInventory) => Array.from({ length: inv.msk?.brokers ?? 0 }, (_, i) => ({ kind: "msk-broker" as const, brokerId: i + 1 }));

const ecsMetric = (signal: "cpu_usage" | "memory_usage") => CLOUDWATCH_METRICS[signal];

/**
 * The signal → CloudWatch metric mapping: for each runbook signal a managed service reports,
 * the resources and the metric (or metric math) that give its value in the signal's unit.
 */
export const CLOUDWATCH_SOURCES: Partial<Record<Signal, (alert: Alert, inv: AlarmInventory) => Source[]>> = {
    cpu_usage: (alert, inv) => [
        ...ecsSubjects(alert, inv).map((s) => std(s, "busiest task's CPU, percent of the task's CPU", [m("m1", ecsMetric("cpu_usage").namespace, ecsMetric("cpu_usage").metric, "Maximum")])),
        ...(alert.subject ? [] : rdsSubjects(inv).map((s) => std(s, "database instance CPU, percent", [m("m1", "AWS/RDS", "CPUUtilization", "Maximum")]))),
    ],
    memory_usage: (alert, inv) =>
        ecsSubjects(alert, inv).map((s) => std(s, "fullest task's memory, percent of the task's memory", [m("m1", ecsMetric("memory_usage").namespace, ecsMetric("memory_usage").metric, "Maximum")])),
    disk_usage: (alert, inv) => [
        ...ecsSubjects(alert, inv).map((s) =>
            std(
                s,
                "task ephemeral storage used, percent of reserved (Container Insights)",
                [m("m1", CLOUDWATCH_METRICS.disk_usage.namespace, CLOUDWATCH_METRICS.disk_usage.metric, "Maximum"), m("m2", CLOUDWATCH_METRICS.disk_usage.namespace, "EphemeralStorageReserved", "Maximum")],
                "100 * m1 / m2",
            ),
        ),
        ...(alert.subject || !inv.rds
            ? []
            : rdsSubjects(inv).map((s) =>
                  std(s, `database storage used, percent of ${inv.rds!.allocatedGiB} GiB`, [m("m1", "AWS/RDS", "FreeStorageSpace", "Minimum")], `100 * (1 - m1 / ${inv.rds!.allocatedGiB * 1024 ** 3})`),
              )),
        ...(alert.subject ? [] : brokerSubjects(inv).map((s) => std(s, "broker data-log volume used, percent", [m("m1", "AWS/Kafka", "KafkaDataLogsDiskUsed", "Maximum")]))),
    ],
    postgres_pool_usage: (_alert, inv) =>
        rdsSubjects(inv).map((s) => std(s, `connections, percent of max_connections ${inv.rds!.maxConnections}`, [m("m1", "AWS/RDS", "DatabaseConnections", "Maximum")], `100 * m1 / ${inv.rds!.maxConnections}`)),
    postgres_replication_lag: (_alert, inv) =>
        rdsReplicaSubjects(inv).map((s) => std(s, "read replica's replay lag behind the primary, seconds", [m("m1", CLOUDWATCH_METRICS.postgres_replication_lag.namespace, CLOUDWATCH_METRICS.postgres_replication_lag.metric, "Maximum")])),
    redis_memory_usage: (_alert, inv) => cacheSubjects(inv).map((s) => std(s, "memory used, percent of maxmemory", [m("m1", "AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "Maximum")])),
    redis_hit_rate: (_alert, inv) => cacheSubjects(inv).map((s) => std(s, "keyspace hits, percent of lookups", [m("m1", "AWS/ElastiCache", "CacheHitRate", "Average")])),
    kafka_consumer_lag: (_alert, inv) =>
        (inv.msk?.consumers ?? []).map((c) => std({ kind: "msk-consumer", group: c.group, topic: c.topic }, "messages behind, summed over the topic's partitions", [m("m1", "AWS/Kafka", "SumOffsetLag", "Maximum")])),
    mongodb_replication_lag: (_alert, inv) => docdbSubjects(inv).map((s) => std(s, "replica lag, seconds", [m("m1", "AWS/DocDB", "DBInstanceReplicaLag", "Maximum")], "m1 / 1000")),
    mongodb_connections_usage: (_alert, inv) =>
        docdbSubjects(inv).map((s) => std(s, `connections, percent of the class's ${inv.docdb!.maxConnections}`, [m("m1", "AWS/DocDB", "DatabaseConnections", "Maximum")], `100 * m1 / ${inv.docdb!.maxConnections}`)),
    http_error_rate: (alert, inv) =>
        tgSubjects(alert, inv).map((s) =>
            std(s, "target 5xx answers, percent of requests", [m("m1", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum"), m("m2", "AWS/ApplicationELB", "RequestCount", "Sum")], "100 * FILL(m1, 0) / m2"),
        ),
    http_latency_p95: (alert, inv) => tgSubjects(alert, inv).map((s) => std(s, "target response time p95, seconds", [m("m1", "AWS/ApplicationELB", "TargetResponseTime", "p95")])),
    service_down: (alert, inv) =>
        tgSubjects(alert, inv).map((s) =>
            s.color
                ? // The idle colour of a blue/green pair has no targets: only unhealthy ones count there.
                  std(s, "targets failing the health check", [m("m1", "AWS/ApplicationELB", "UnHealthyHostCount", "Maximum")])
                : std(
                      s,
                      "1 while any target fails the health check or none is healthy",
                      [m("m1", "AWS/ApplicationELB", "UnHealthyHostCount", "Maximum"), m("m2", "AWS/ApplicationELB", "HealthyHostCount", "Minimum")],
                      "IF(m1 > 0 OR m2 < 1, 1, 0)",
                  ),
        ),
    rabbitmq_queue_depth: (_alert, inv) => mqQueueSubjects(inv).map((s) => std(s, "messages ready in the queue", [mqQueueMetric("m1", AMAZON_MQ_METRICS.messagesReady)])),
    // Missing consumer data is no consumer reported: FILL keeps a queue with messages and no consumer series breaching.
    rabbitmq_queue_no_consumer: (_alert, inv) =>
        mqQueueSubjects(inv).map((s) =>
            std(
                s,
                "1 while the queue has messages ready and no consumer",
                [mqQueueMetric("m1", AMAZON_MQ_METRICS.messagesReady), mqQueueMetric("m2", AMAZON_MQ_METRICS.consumers)],
                "IF(m1 > 0 AND FILL(m2, 0) < 1, 1, 0)",
            ),
        ),
    // Amazon MQ publishes no node count: a broker that reports no RabbitMQMemUsed at all is down
    // (missing data breaching); while it reports, the value is 0.
    rabbitmq_down: (_alert, inv) =>
        mqBrokerSubjects(inv).map((s) => ({
            ...std(s, "1 while the Amazon MQ broker publishes no RabbitMQMemUsed (no metrics: the broker is down)", [mqBrokerMetric("m1", AMAZON_MQ_BROKER_METRICS.memUsed, "Maximum")], "IF(m1 >= 0, 0, 1)"),
            treatMissingData: "breaching" as const,
        })),
    // RabbitMQ's own alarm conditions, worst node against the tightest limit: memory above the high watermark, free disk below its limit.
    rabbitmq_resource_alarm: (_alert, inv) =>
        mqBrokerSubjects(inv).map((s) =>
            std(
                s,
                "1 while RabbitMQMemUsed is above RabbitMQMemLimit or RabbitMQDiskFree below RabbitMQDiskFreeLimit: the broker blocks publishers",
                [
                    mqBrokerMetric("m1", AMAZON_MQ_BROKER_METRICS.memUsed, "Maximum"),
                    mqBrokerMetric("m2", AMAZON_MQ_BROKER_METRICS.memLimit, "Minimum"),
                    mqBrokerMetric("m3", AMAZON_MQ_BROKER_METRICS.diskFree, "Minimum"),
                    mqBrokerMetric("m4", AMAZON_MQ_BROKER_METRICS.diskFreeLimit, "Maximum"),
                ],
                "IF(m1 > m2 OR m3 < m4, 1, 0)",
            ),
        ),
    // S3 publishes request metrics only for minutes with requests; a minute under the app's minimum traffic reads 0, as MinIO's rule leaves it
    // unread, unless its 5xx reach the app's floor of errors a minute (MinIO's rule's guard, selectors.ts enoughTrafficOrErrors): a bucket failing every request pages.
    minio_error_rate: (_alert, inv) =>
        s3Subjects(inv).map((s) =>
            std(
                s,
                `S3 requests to the bucket answered 5xx, percent of all its requests (request metrics ${S3_REQUEST_METRICS.filter}), while it serves at least ${inv.s3!.minRequestsPerMinute} requests a minute or answers at least ${inv.s3!.minErrorsPerMinute} 5xx a minute`,
                [s3Metric("m1", S3_REQUEST_METRICS.errors5xx), s3Metric("m2", S3_REQUEST_METRICS.requests)],
                `IF(m2 >= ${inv.s3!.minRequestsPerMinute} OR FILL(m1, 0) >= ${inv.s3!.minErrorsPerMinute}, 100 * FILL(m1, 0) / m2, 0)`,
            ),
        ),
    certificate_expiry: (_alert, inv) =>
        inv.certificate
            ? [{ subject: { kind: "certificate" }, metrics: [m("m1", "AWS/CertificateManager", "DaysToExpiry", "Minimum")], resolution: DAILY_RESOLUTION_SECONDS, treatMissingData: "missing", what: "days until the ACM certificate expires" }]
            : [],
};

/** Signals the CloudWatch mapping covers (backup_age is handled on its own below). */
export const CLOUDWATCH_ALARM_SIGNALS = [...(Object.keys(CLOUDWATCH_SOURCES) as Signal[]), "backup_age" as const];

/**
 * The runbook's `for` as period × evaluation periods: periods of the metric's resolution, as many
 * as fit in `for` (rounded up to a whole period); a `for` shorter than the metric's resolution
 * becomes one period, the fastest the metric can be judged.
 */
export function alarmTiming(forDuration: string, resolutionSeconds: number): { period: number; evaluationPeriods: number; datapointsToAlarm: number } {
    const seconds = durationSeconds(forDuration);
    const evaluationPeriods = Math.max(1, Math.ceil(seconds / resolutionSeconds));
    return { period: resolutionSeconds, evaluationPeriods, datapointsToAlarm: evaluationPeriods };
}

export function subjectSlug(s: AlarmSubject): string {
    const clean = (x: string) => x.replace(/[^a-zA-Z0-9]+/g, "-").replace(/^-|-$/g, "").toLowerCase();
    switch (s.kind) {
        case "ecs-service":
            return `ecs-${s.service}`;
        case "target-group":
            return `alb-${s.service}${s.color ? `-${s.color}` : ""}`;
        case "rds-instance":
            return `rds-${s.instance}`;
        case "cache-node":
            return `redis-${s.member}`;
        case "docdb-instance":
            return `docdb-${s.index + 1}`;
        case "msk-broker":
            return `kafka-broker-${s.brokerId}`;
        case "msk-consumer":
            return `kafka-lag-${clean(s.group)}-${clean(s.topic)}`;
        case "mq-queue":
            return `mq-${clean(s.vhost)}-${clean(s.queue)}`;
        case "mq-broker":
            return "mq-broker";
        case "s3-bucket":
            return `s3-${clean(s.bucket)}`;
        case "certificate":
            return "acm";
        case "backup-vault":
        case "backup-task":
            return `backup-${s.backup}`;
    }
}

function describe(rb: Runbook, alert: Alert, level: Level, what: string): string {
    const view = notifyingEvaluator(rb, alert) === "amp" ? ` View only: Amazon Managed Prometheus rule ${alertName(rb.app, alert.id, level.severity)} notifies for this level.` : "";
    return `${alert.title} (${level.severity}): ${levelCondition(alert, level)}. Measures ${what}. Runbook ${rb.app}, ${level.source.seed} "${level.source.section}".${view}`;
}

/**
 * Backup-overdue on AWS: AWS Backup reports completed jobs per vault; no completed job for
 * `threshold` backup intervals (counted in hourly periods) is the runbook's overdue backup.
 */
function backupAgeAlarms(rb: Runbook, alert: Alert, inv: AlarmInventory): AlarmSpec[] {
    const backups = [...inv.backupVaults.map((v) => ({ ...v, task: false })), ...(inv.backupTasks ?? []).map((v) => ({ ...v, task: true }))];
    return alert.levels.flatMap((level) =>
        backups.map((vault): AlarmSpec => {
            const windowSeconds = level.threshold * vault.everySeconds;
            // A weekly tier's 1.5 intervals (252 h) is beyond what CloudWatch evaluates: the alarm then
            // looks at the longest window it can, seven days, which fires sooner (stricter), never later.
            const capped = windowSeconds > MAX_ALARM_WINDOW_SECONDS;
            const periods = Math.ceil(Math.min(windowSeconds, MAX_ALARM_WINDOW_SECONDS) / BACKUP_COUNT_PERIOD_SECONDS);
            const planned = backupPlan(rb).find((p) => p.name === vault.name);
            if (!planned) throw new Error(`${rb.app}: backup vault of ${vault.name} has no backup in the runbook`);
            const resourceType = backupService(planned);
            if (resourceType === "ElastiCache") throw new Error(`${rb.app}: ${vault.dataset} is backed up by ElastiCache, not AWS Backup: it has no vault`);
            if ((resourceType === "ECS") !== vault.task) throw new Error(`${rb.app}: ${vault.name} is backed up by ${resourceType}, not ${vault.task ? "a scheduled task" : "an AWS Backup vault"}`);
            const subject: AlarmSubject = resourceType === "ECS" ? { kind: "backup-task", app: rb.app, dataset: vault.dataset, backup: vault.name } : { kind: "backup-vault", dataset: vault.dataset, backup: vault.name, resourceType };
            const metric = resourceType === "ECS" ? m("m1", BACKUP_TASK_METRIC.namespace, BACKUP_TASK_METRIC.completed, "Sum") : m("m1", CLOUDWATCH_METRICS.backup_age.namespace, CLOUDWATCH_METRICS.backup_age.metric, "Sum");
            return {
                key: `${alert.id}-${level.severity}-${subjectSlug(subject)}`,
                alertId: alert.id,
                severity: level.severity,
                signal: alert.signal,
                subject,
                comparison: "LessThanThreshold",
                threshold: 1,
                period: BACKUP_COUNT_PERIOD_SECONDS,
                evaluationPeriods: periods,
                datapointsToAlarm: periods,
                // No job reported at all is exactly the overdue backup.
                treatMissingData: "breaching",
                metrics: [metric],
                description: describe(
                    rb,
                    alert,
                    level,
                    `completed ${vault.name} backup ${vault.task ? "tasks" : "jobs"}: none in ${level.threshold} × ${vault.everySeconds / 3600} h${capped ? ` (CloudWatch's longest window, ${MAX_ALARM_WINDOW_SECONDS / 3600} h, evaluated: stricter)` : ""}`,
                ),
                notifies: notifyingEvaluator(rb, alert) === "cloudwatch",
            };
        }),
    );
}

/**
 * Every CloudWatch alarm the runbook's alerts call for on the resources in `inv`, and those of the
 * platform's defaults (capabilities/alerting/baseline.ts) only CloudWatch evaluates on AWS: without
 * their alarm nothing would (PostgreSQL replica lag: the collector's exporter reads the primary).
 */
export function cloudWatchAlarms(rb: Runbook, inv: AlarmInventory): AlarmSpec[] {
    const specs: AlarmSpec[] = [];
    const ids = new Set(rb.alerts.map((a) => a.id));
    const defaults = alertsOn(rb, "aws").cloudwatch.filter((a) => !ids.has(a.id));
    for (const alert of [...rb.alerts, ...defaults]) {
        if (alert.signal === "backup_age") {
            specs.push(...backupAgeAlarms(rb, alert, inv));
            continue;
        }
        const sources = CLOUDWATCH_SOURCES[alert.signal]?.(alert, inv) ?? [];
        const notifies = notifyingEvaluator(rb, alert) === "cloudwatch";
        for (const level of alert.levels) {
            for (const src of sources) {
                specs.push({
                    key: `${alert.id}-${level.severity}-${subjectSlug(src.subject)}`,
                    alertId: alert.id,
                    severity: level.severity,
                    signal: alert.signal,
                    subject: src.subject,
                    comparison: alert.direction === "above" ? "GreaterThanThreshold" : "LessThanThreshold",
                    threshold: level.threshold,
                    ...alarmTiming(level.for, src.resolution),
                    treatMissingData: src.treatMissingData,
                    metrics: src.metrics,
                    ...(src.expression ? { expression: src.expression } : {}),
                    description: describe(rb, alert, level, src.what),
                    notifies,
                });
            }
        }
    }
    const keys = new Set<string>();
    for (const s of specs) {
        if (keys.has(s.key)) throw new Error(`${rb.app}: two alarms are keyed ${s.key}`);
        keys.add(s.key);
    }
    return specs;
}
