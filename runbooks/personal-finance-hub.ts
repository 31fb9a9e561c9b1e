import { DEFAULTS } from "./defaults";
import { citing, defaultAws } from "./define";
import type { Level, Runbook } from "./schema";

const seed = "002_f61d0db255be6539.txt";
const at = citing(seed);

const THRESHOLDS = "Alert Thresholds";
/** The runbook's threshold table gives levels but no durations. */
function level(severity: Level["severity"], threshold: number, quote: string): Level {
    return { severity, threshold, for: DEFAULTS.alertFor.value, source: at(THRESHOLDS, quote), defaulted: { for: DEFAULTS.alertFor.reason } };
}
const appResources = { ...DEFAULTS.resources.value, source: at("Vertical Scaling", "# Increase database resources"), defaulted: { "*": DEFAULTS.resources.reason } };
const horizontal = (quote: string) => ({
    min: DEFAULTS.scaleMin.value,
    desired: 3,
    max: 3 * DEFAULTS.scaleMaxFactor.value,
    cpuTargetPercent: DEFAULTS.cpuTarget.value,
    memoryTargetPercent: DEFAULTS.memoryTarget.value,
    source: at("Horizontal Scaling", quote),
    defaulted: { min: DEFAULTS.scaleMin.reason, max: DEFAULTS.scaleMaxFactor.reason, cpuTargetPercent: DEFAULTS.cpuTarget.reason, memoryTargetPercent: DEFAULTS.memoryTarget.reason },
});

export const personalFinanceHub: Runbook = {
    app: "personal-finance-hub",
    seed,
    title: "Personal Finance Hub",
    services: [
        {
            name: "backend",
            role: "api",
            port: 3333,
            healthPath: "/api/health",
            metricsPath: "/api/metrics",
            resources: appResources,
            scaling: horizontal("docker-compose up -d --scale backend=3"),
            source: at("Service Health Endpoints", "curl http://localhost:3333/api/health"),
        },
        {
            name: "consumer",
            role: "worker",
            port: 3333,
            healthPath: "/api/health",
            metricsPath: "/api/metrics",
            resources: appResources,
            scaling: horizontal("docker-compose up -d --scale consumer=3"),
            source: at("Horizontal Scaling", "export KAFKA_CONSUMER_INSTANCES=3"),
            defaulted: {
                port: "the runbook runs the consumer from the backend's image; same port",
                healthPath: "the runbook runs the consumer from the backend's image; same health endpoint",
            },
        },
    ],
    data: {
        postgres: {
            version: "16",
            database: "personal_finance",
            user: "pfh_admin",
            readReplicas: DEFAULTS.postgresReadReplicas.value,
            parameters: { ...DEFAULTS.postgresTuning.value },
            preloadLibraries: ["pg_stat_statements"],
            slowQueryMs: DEFAULTS.slowQueryMs.value,
            source: at("Vertical Scaling", "postgres:16-alpine"),
            defaulted: { readReplicas: DEFAULTS.postgresReadReplicas.reason, parameters: DEFAULTS.postgresTuning.reason, slowQueryMs: DEFAULTS.slowQueryMs.reason },
        },
        redis: {
            version: DEFAULTS.redisVersion.value,
            maxmemoryMB: DEFAULTS.redisMaxmemory.value,
            maxmemoryPolicy: "allkeys-lru",
            save: DEFAULTS.redisSave.value,
            mode: "replicated",
            source: at("Redis Memory Exhaustion", "redis-cli -h localhost -p 6379 -a redis_secure_2024 config set maxmemory-policy allkeys-lru"),
            defaulted: {
                version: DEFAULTS.redisVersion.reason,
                maxmemoryMB: "the runbook raises maxmemory to 2gb only during an incident; the steady value is the platform baseline",
                save: DEFAULTS.redisSave.reason,
                mode: "the runbook runs redis-master, so a replica follows it",
            },
        },
        kafka: {
            version: DEFAULTS.kafkaVersion.value,
            brokers: DEFAULTS.kafkaBrokers.value,
            topics: [{ name: "personal_finance.transactions.v1", partitions: DEFAULTS.kafkaPartitions.value, replicationFactor: DEFAULTS.kafkaReplication.value }],
            consumerGroups: ["pfh-dashboard-consumer"],
            minInsyncReplicas: DEFAULTS.kafkaMinInsync.value,
            source: at("Kafka Consumer Lag", "--describe --group pfh-dashboard-consumer"),
            defaulted: {
                version: DEFAULTS.kafkaVersion.reason,
                brokers: DEFAULTS.kafkaBrokers.reason,
                partitions: DEFAULTS.kafkaPartitions.reason,
                replicationFactor: DEFAULTS.kafkaReplication.reason,
                minInsyncReplicas: DEFAULTS.kafkaMinInsync.reason,
            },
        },
        mongodb: {
            version: DEFAULTS.mongoVersion.value,
            database: "personal_finance",
            replicaSetMembers: DEFAULTS.mongoMembers.value,
            oplogSizeMB: 2048,
            source: at("MongoDB Replica Set Issues", "db.adminCommand({replSetResizeOplog: 1, size: 2048})"),
            defaulted: { version: DEFAULTS.mongoVersion.reason, replicaSetMembers: DEFAULTS.mongoMembers.reason, database: "the runbook names no Mongo database; the app's name, as PostgreSQL's" },
        },
        objectStorage: {
            buckets: ["pfh-bucket"],
            source: at("Dependency Health Checks", "mc admin info minio/pfh-bucket"),
        },
    },
    externalDependencies: [
        { name: "sendgrid", url: "https://api.sendgrid.com/v3/", probe: "http", source: at("Dependency Health Checks", "curl -I https://api.sendgrid.com/v3/") },
        { name: "openai", url: "https://api.openai.com/v1/", probe: "http", source: at("Dependency Health Checks", "curl -I https://api.openai.com/v1/") },
    ],
    alerts: [
        {
            id: "http-latency-p95",
            title: "Slow API responses (p95)",
            signal: "http_latency_p95",
            direction: "above",
            unit: "seconds",
            levels: [level("warning", 2, "- **API Response Time**: P95 > 2s (Warning), P95 > 5s (Critical)"), level("critical", 5, "- **API Response Time**: P95 > 2s (Warning), P95 > 5s (Critical)")],
        },
        {
            id: "http-error-rate",
            title: "High HTTP error rate",
            signal: "http_error_rate",
            direction: "above",
            unit: "percent",
            levels: [level("warning", 1, "- **Error Rate**: > 1% (Warning), > 5% (Critical)"), level("critical", 5, "- **Error Rate**: > 1% (Warning), > 5% (Critical)")],
        },
        {
            id: "postgres-pool-usage",
            title: "Database connections near the pool size",
            signal: "postgres_pool_usage",
            direction: "above",
            unit: "percent",
            subject: "postgres",
            levels: [level("warning", 80, "- **Database Connections**: > 80% pool usage (Warning)")],
        },
        {
            id: "kafka-consumer-lag",
            title: "Kafka consumer lag",
            signal: "kafka_consumer_lag",
            direction: "above",
            unit: "messages",
            subject: "kafka",
            levels: [level("warning", 1000, "- **Kafka Consumer Lag**: > 1000 messages (Warning), > 5000 (Critical)"), level("critical", 5000, "- **Kafka Consumer Lag**: > 1000 messages (Warning), > 5000 (Critical)")],
        },
        {
            id: "redis-memory-usage",
            title: "Redis memory near maxmemory",
            signal: "redis_memory_usage",
            direction: "above",
            unit: "percent",
            subject: "redis",
            levels: [level("warning", 80, "- **Redis Memory**: > 80% usage (Warning), > 95% (Critical)"), level("critical", 95, "- **Redis Memory**: > 80% usage (Warning), > 95% (Critical)")],
        },
        {
            id: "disk-usage",
            title: "Disk filling up",
            signal: "disk_usage",
            direction: "above",
            unit: "percent",
            levels: [level("warning", 80, "- **Disk Space**: > 80% usage (Warning), > 95% (Critical)"), level("critical", 95, "- **Disk Space**: > 80% usage (Warning), > 95% (Critical)")],
        },
        {
            id: "service-down",
            title: "Service health check failing",
            signal: "service_down",
            direction: "above",
            unit: "bool",
            levels: [
                {
                    severity: "critical",
                    threshold: 0,
                    for: DEFAULTS.downFor.value,
                    source: at("Service Health Endpoints", "curl http://localhost:3333/api/health"),
                    defaulted: { severity: "the runbook checks health first in every procedure but classes no outage; an outage pages", for: DEFAULTS.downFor.reason },
                },
            ],
        },
        ...(["sendgrid", "openai"] as const).map((name) => ({
            id: `${name}-down`,
            title: `${name === "sendgrid" ? "SendGrid" : "OpenAI"} API unreachable`,
            signal: "external_down" as const,
            direction: "above" as const,
            unit: "bool" as const,
            subject: name,
            levels: [
                {
                    severity: "warning" as const,
                    threshold: 0,
                    for: DEFAULTS.alertFor.value,
                    source: at("Dependency Health Checks", "# Check external API status"),
                    defaulted: { severity: "the runbook checks third-party status without classing it; email and AI features degrade, the app stays up", for: DEFAULTS.alertFor.reason },
                },
            ],
        })),
        {
            id: "backup-overdue",
            title: "Backup overdue",
            signal: "backup_age",
            direction: "above",
            unit: "intervals",
            levels: [
                {
                    severity: "warning",
                    threshold: DEFAULTS.backupAgeFactor.value,
                    for: DEFAULTS.alertFor.value,
                    source: at("Database Backup", "# PostgreSQL backup"),
                    defaulted: { threshold: DEFAULTS.backupAgeFactor.reason, for: DEFAULTS.alertFor.reason, severity: "the runbook schedules no backups; a missed one is a warning" },
                },
            ],
        },
    ],
    incident: {
        severities: [
            { name: "Critical", alertSeverity: "critical", responseMinutes: 0, source: at("Additional Resources", "In case of critical production issues, contact the on-call engineer immediately") },
            {
                name: "Warning",
                alertSeverity: "warning",
                responseMinutes: 15,
                source: at("Escalation Matrix", "1. **Level 1** (0-15 min): On-call engineer"),
                defaulted: { responseMinutes: "the runbook gives warnings no response time; the first escalation window, 15 minutes" },
            },
        ],
        alertResponse: {
            critical: { minutes: 0, source: at("Additional Resources", "In case of critical production issues, contact the on-call engineer immediately") },
            warning: { minutes: 15, source: at("Escalation Matrix", "1. **Level 1** (0-15 min): On-call engineer"), defaulted: { minutes: "the first escalation window" } },
            info: { minutes: DEFAULTS.infoResponseMinutes.value, defaulted: { minutes: DEFAULTS.infoResponseMinutes.reason } },
        },
        escalation: [
            { level: 1, afterMinutes: 0, who: "On-call engineer", source: at("Escalation Matrix", "1. **Level 1** (0-15 min): On-call engineer") },
            { level: 2, afterMinutes: 15, who: "Team lead + DevOps", source: at("Escalation Matrix", "2. **Level 2** (15-30 min): Team lead + DevOps") },
            { level: 3, afterMinutes: 30, who: "Management + All hands", source: at("Escalation Matrix", "3. **Level 3** (30+ min): Management + All hands") },
        ],
        channels: { chat: "#personal-finance-hub-alerts", defaulted: { chat: DEFAULTS.chatChannel.reason } },
    },
    backups: (["postgres", "mongodb", "redis"] as const).map((dataset) => ({
        dataset,
        cron: DEFAULTS.backupDailyCron.value,
        every: "1d",
        retentionDays: DEFAULTS.backupRetentionDays.value,
        source: at("Database Backup", { postgres: "# PostgreSQL backup", mongodb: "# MongoDB backup", redis: "# Redis backup" }[dataset]),
        defaulted: { cron: DEFAULTS.backupDailyCron.reason, every: "the runbook gives backup commands without a schedule; daily", retentionDays: DEFAULTS.backupRetentionDays.reason },
    })),
    verification: [],
    maintenanceWindow: {
        day: DEFAULTS.maintenanceDay.value,
        startUtc: DEFAULTS.maintenanceStart.value,
        durationMinutes: DEFAULTS.maintenanceMinutes.value,
        source: at("Rolling Deployment", "# 4. Rolling update production"),
        defaulted: { day: DEFAULTS.maintenanceDay.reason, startUtc: DEFAULTS.maintenanceStart.reason, durationMinutes: DEFAULTS.maintenanceMinutes.reason },
    },
    logs: {
        retentionDays: 30,
        rotation: "daily",
        compressAfterDays: 7,
        source: at("Log Rotation & Cleanup", "# Clean old logs (retain 30 days)"),
        defaulted: { rotation: "the runbook compresses and deletes by age; files rotate daily so age is meaningful" },
    },
    monitoring: {
        ports: { grafana: 3001, prometheus: DEFAULTS.monitoringPorts.value.prometheus, alertmanager: DEFAULTS.monitoringPorts.value.alertmanager, loki: 3100, jaeger: 16686 },
        dashboards: ["pfh-overview", "pfh-database", "pfh-kafka", "pfh-api", "pfh-business"],
        logStack: "loki",
        source: at("Critical Metrics Dashboard URLs", "- **Main Dashboard**: http://localhost:3001/d/pfh-overview"),
        defaulted: { prometheus: DEFAULTS.monitoringPorts.reason, alertmanager: DEFAULTS.monitoringPorts.reason },
    },
    aws: defaultAws("the runbook deploys by rolling update"),
    notExpressible: [
        {
            what: "raise the backend's PostgreSQL connection pool to 50 during pool exhaustion",
            source: at("Database Connection Pool Exhaustion", "export POSTGRES_POOL_SIZE=50"),
            reason: "the application's own pool size is app configuration the platform does not set, and an incident-time change has no field",
        },
        {
            what: "PostgreSQL queries active longer than 5 minutes are killed; longer than 1 minute listed; MongoDB operations over 5 seconds listed",
            source: at("Database Connection Pool Exhaustion", "AND query_start < now() - interval '5 minutes';\""),
            reason: "the metrics contract has no long-running-query or long-running-operation signal, and the runbook sets no statement_timeout the parameter group could carry",
        },
        {
            what: "vertical scaling of PostgreSQL to 4 GB and 2 CPUs, and of Redis to a 4 GB maxmemory",
            source: at("Vertical Scaling", "--memory=4g --cpus=2"),
            reason: "an incident-time size is a manual procedure; the runbook data holds one steady size per data service",
        },
        {
            what: "scaling MongoDB to 3 secondaries on demand",
            source: at("Horizontal Scaling", "docker-compose up -d --scale mongo-secondary=3"),
            reason: "the replica set has one steady size per stack (data.mongodb.replicaSetMembers); a data service has no scaling rule",
        },
    ],
    checks: [
        { id: "log-cleanup", cadence: "daily", what: "Delete logs older than 30 days, compress after 7", automation: "job", source: at("Log Rotation & Cleanup", "# Compress old logs") },
        { id: "kafka-lag", cadence: "daily", what: "Check consumer group lag", automation: "alert", source: at("Kafka Consumer Lag", "# Check consumer group lag") },
        { id: "replication-status", cadence: "daily", what: "Check MongoDB replica set status", automation: "alert", source: at("MongoDB Replica Set Issues", "# Check replica set status") },
        { id: "dependency-status", cadence: "daily", what: "Check external API status", automation: "alert", source: at("Dependency Health Checks", "# Check external API status") },
    ],
};
