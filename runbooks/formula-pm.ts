import { DEFAULTS } from "./defaults";
import { citing, defaultAws, defaultBackupOverdue, defaultCertificateExpiry, defaultRedisSnapshot } from "./define";
import type { Runbook } from "./schema";

const seed = "001_50b6c55037a0b11e.txt";
const at = citing(seed);

const CRITICAL = "Critical Alerts (Immediate Response)";
const WARNING = "Warning Alerts (Response within 30 minutes)";
const baseline = {
    resources: {
        ...DEFAULTS.resources.value,
        source: at("Infrastructure Metrics", "- Memory usage (< 85%)"),
        defaulted: { "*": DEFAULTS.resources.reason },
    },
    scaling: {
        min: DEFAULTS.scaleMin.value,
        desired: DEFAULTS.scaleMin.value,
        max: DEFAULTS.scaleMin.value * DEFAULTS.scaleMaxFactor.value,
        cpuTargetPercent: DEFAULTS.cpuTarget.value,
        memoryTargetPercent: DEFAULTS.memoryTarget.value,
        source: at("Deployment Steps", "# 3. Deploy with zero downtime"),
        defaulted: { min: DEFAULTS.scaleMin.reason, desired: DEFAULTS.scaleMin.reason, max: DEFAULTS.scaleMaxFactor.reason, cpuTargetPercent: DEFAULTS.cpuTarget.reason, memoryTargetPercent: DEFAULTS.memoryTarget.reason },
    },
};

export const formulaPm: Runbook = {
    app: "formula-pm",
    seed,
    title: "Formula PM",
    services: [
        {
            name: "frontend",
            role: "frontend",
            port: DEFAULTS.webPort.value,
            healthPath: "/health",
            host: "formulapm.com",
            ...baseline,
            source: at("Health Check Endpoints", "- **Frontend**: `https://formulapm.com/health`"),
            defaulted: { port: DEFAULTS.webPort.reason },
        },
        {
            name: "backend",
            role: "api",
            port: DEFAULTS.apiPort.value,
            healthPath: "/health",
            host: "api.formulapm.com",
            metricsPath: "/metrics",
            ...baseline,
            source: at("Health Check Endpoints", "- **Backend**: `https://api.formulapm.com/health`"),
            defaulted: { port: DEFAULTS.apiPort.reason, metricsPath: "the runbook tracks response time and error rate; prom-client serves them on /metrics" },
        },
    ],
    data: {
        postgres: {
            version: DEFAULTS.postgresVersion.value,
            database: "formula_pm",
            user: "formula_pm",
            readReplicas: DEFAULTS.replicas.value,
            parameters: { ...DEFAULTS.postgresTuning.value },
            preloadLibraries: ["pg_stat_statements"],
            slowQueryMs: DEFAULTS.slowQueryMs.value,
            source: at("Query Performance", "FROM pg_stat_statements"),
            defaulted: { version: DEFAULTS.postgresVersion.reason, parameters: DEFAULTS.postgresTuning.reason, slowQueryMs: DEFAULTS.slowQueryMs.reason, readReplicas: DEFAULTS.replicas.reason },
        },
        redis: {
            version: DEFAULTS.redisVersion.value,
            maxmemoryMB: DEFAULTS.redisMaxmemory.value,
            maxmemoryPolicy: DEFAULTS.redisPolicy.value,
            save: DEFAULTS.redisSave.value,
            mode: "standalone",
            source: at("Cache Performance", "# Check cache memory usage"),
            defaulted: { version: DEFAULTS.redisVersion.reason, maxmemoryMB: DEFAULTS.redisMaxmemory.reason, maxmemoryPolicy: DEFAULTS.redisPolicy.reason, save: DEFAULTS.redisSave.reason },
        },
        objectStorage: {
            buckets: ["formula-pm-storage", "formula-pm-backup"],
            backupSync: {
                from: "formula-pm-storage",
                to: "formula-pm-backup",
                prefix: "files/",
                source: at("File Storage Backup", "aws s3 sync s3://formula-pm-storage s3://formula-pm-backup/files/$(date +%Y%m%d)/"),
            },
            source: at("Production Services", "Redis Cache          File Storage (AWS S3)"),
        },
    },
    externalDependencies: [],
    alerts: [
        {
            id: "service-down",
            title: "Service down",
            signal: "service_down",
            direction: "above",
            unit: "bool",
            levels: [{ severity: "critical", threshold: 0, for: DEFAULTS.downFor.value, source: at(CRITICAL, "- Service completely down"), defaulted: { for: DEFAULTS.downFor.reason } }],
        },
        {
            id: "http-error-rate",
            title: "High HTTP error rate",
            signal: "http_error_rate",
            direction: "above",
            unit: "percent",
            levels: [
                { severity: "critical", threshold: 5, for: DEFAULTS.alertFor.value, source: at(CRITICAL, "- Error rate > 5%"), defaulted: { for: DEFAULTS.alertFor.reason } },
                { severity: "warning", threshold: 1, for: DEFAULTS.alertFor.value, source: at(WARNING, "- Error rate > 1%"), defaulted: { for: DEFAULTS.alertFor.reason } },
            ],
        },
        {
            id: "http-latency-p95",
            title: "Slow responses (p95)",
            signal: "http_latency_p95",
            direction: "above",
            unit: "seconds",
            levels: [
                { severity: "critical", threshold: 2, for: DEFAULTS.alertFor.value, source: at(CRITICAL, "- Response time > 2 seconds"), defaulted: { for: DEFAULTS.alertFor.reason } },
                { severity: "warning", threshold: 1, for: DEFAULTS.alertFor.value, source: at(WARNING, "- Response time > 1 second"), defaulted: { for: DEFAULTS.alertFor.reason } },
                {
                    severity: "info",
                    threshold: 0.5,
                    for: DEFAULTS.alertFor.value,
                    source: at("Application Metrics", "- Response time (95th percentile < 500ms)"),
                    converted: { threshold: "500ms" },
                    defaulted: { for: DEFAULTS.alertFor.reason, severity: "a key-metric target, not an alert; reported as info so the trend is seen before the warning" },
                },
            ],
        },
        {
            id: "postgres-down",
            title: "Database connection failures",
            signal: "postgres_down",
            direction: "above",
            unit: "bool",
            subject: "postgres",
            levels: [{ severity: "critical", threshold: 0, for: DEFAULTS.downFor.value, source: at(CRITICAL, "- Database connection failures"), defaulted: { for: DEFAULTS.downFor.reason } }],
        },
        {
            id: "disk-usage",
            title: "Disk filling up",
            signal: "disk_usage",
            direction: "above",
            unit: "percent",
            levels: [
                { severity: "critical", threshold: 95, for: DEFAULTS.alertFor.value, source: at(CRITICAL, "- Disk usage > 95%"), defaulted: { for: DEFAULTS.alertFor.reason } },
                { severity: "warning", threshold: 80, for: DEFAULTS.alertFor.value, source: at(WARNING, "- Disk usage > 80%"), defaulted: { for: DEFAULTS.alertFor.reason } },
            ],
        },
        {
            id: "cpu-usage",
            title: "Container CPU high",
            signal: "cpu_usage",
            direction: "above",
            unit: "percent",
            levels: [{ severity: "warning", threshold: 80, for: DEFAULTS.alertFor.value, source: at(WARNING, "- CPU usage > 80%"), defaulted: { for: DEFAULTS.alertFor.reason } }],
        },
        {
            id: "memory-usage",
            title: "Container memory high",
            signal: "memory_usage",
            direction: "above",
            unit: "percent",
            levels: [{ severity: "warning", threshold: 85, for: DEFAULTS.alertFor.value, source: at(WARNING, "- Memory usage > 85%"), defaulted: { for: DEFAULTS.alertFor.reason } }],
        },
        defaultCertificateExpiry(at("External Vendors", "- **SSL Certificate Provider**: Let's Encrypt or your SSL provider")),
        defaultBackupOverdue(at("Health Check Routine", 'echo "Checking backup status..."')),
    ],
    incident: {
        severities: [
            { name: "P0 - Critical", alertSeverity: "critical", responseMinutes: 0, source: at("Severity Levels", "#### P0 - Critical (Response: Immediate)") },
            { name: "P1 - High", alertSeverity: "critical", responseMinutes: 15, source: at("Severity Levels", "#### P1 - High (Response: 15 minutes)") },
            { name: "P2 - Medium", alertSeverity: "warning", responseMinutes: 60, source: at("Severity Levels", "#### P2 - Medium (Response: 1 hour)"), converted: { responseMinutes: "1 hour" } },
            { name: "P3 - Low", alertSeverity: "info", source: at("Severity Levels", "#### P3 - Low (Response: Next business day)") },
        ],
        alertResponse: {
            critical: { minutes: 0, source: at("Alert Thresholds", "#### Critical Alerts (Immediate Response)") },
            warning: { minutes: 30, source: at("Alert Thresholds", "#### Warning Alerts (Response within 30 minutes)") },
            info: { minutes: DEFAULTS.infoResponseMinutes.value, defaulted: { minutes: DEFAULTS.infoResponseMinutes.reason } },
        },
        escalation: [
            { level: 1, afterMinutes: 0, who: "Primary: DevOps Engineer", source: at("On-Call Rotation", "- **Primary**: DevOps Engineer") },
            {
                level: 2,
                afterMinutes: 15,
                who: "Secondary: Senior Developer",
                source: at("On-Call Rotation", "- **Secondary**: Senior Developer"),
                defaulted: { afterMinutes: "the runbook names the secondary without a time; P1's 15-minute response time" },
            },
            {
                level: 3,
                afterMinutes: 30,
                who: "Escalation: Engineering Manager",
                source: at("On-Call Rotation", "- **Escalation**: Engineering Manager"),
                defaulted: { afterMinutes: "the runbook names the manager without a time; the warning class's 30-minute response time" },
            },
        ],
        channels: { chat: "#formula-pm-alerts", email: "alerts@formulapm.com", source: at("Communication Channels", "- **Slack**: #formula-pm-alerts") },
    },
    backups: [
        {
            dataset: "postgres",
            cron: DEFAULTS.backupDailyCron.value,
            every: "1d",
            retentionDays: 30,
            source: at("Log Rotation and Cleanup", "# Clean up old backups (keep last 30 days)"),
            defaulted: { cron: DEFAULTS.backupDailyCron.reason },
        },
        {
            dataset: "files",
            cron: DEFAULTS.backupDailyCron.value,
            every: "1d",
            retentionDays: DEFAULTS.backupRetentionDays.value,
            source: at("File Storage Backup", "aws s3 sync s3://formula-pm-storage s3://formula-pm-backup/files/$(date +%Y%m%d)/"),
            defaulted: { cron: DEFAULTS.backupDailyCron.reason, retentionDays: DEFAULTS.backupRetentionDays.reason },
        },
        defaultRedisSnapshot(at("Cache Performance", "# Check cache memory usage"), "the runbook backs up the database and files only; the cache gets the platform's daily snapshot"),
    ],
    verification: [
        { kind: "integrity-check", cadence: "daily", source: at("Automated Daily Backup", "gunzip -t backups/latest_backup.sql.gz") },
        { kind: "restore-test", cadence: "monthly", source: at("Point-in-Time Recovery", "# For PostgreSQL PITR (if configured)") },
    ],
    maintenanceWindow: {
        day: DEFAULTS.maintenanceDay.value,
        startUtc: DEFAULTS.maintenanceStart.value,
        durationMinutes: DEFAULTS.maintenanceMinutes.value,
        source: at("Security Updates", "sudo apt update && sudo apt upgrade -y"),
        defaulted: { day: DEFAULTS.maintenanceDay.reason, startUtc: DEFAULTS.maintenanceStart.reason, durationMinutes: DEFAULTS.maintenanceMinutes.reason },
    },
    logs: {
        retentionDays: 30,
        rotation: "daily",
        source: at("Log Rotation and Cleanup", 'find /var/log -name "*.log" -mtime +30 -delete'),
        defaulted: { rotation: "the runbook cleans up weekly; logs still rotate daily so one file never holds a week" },
    },
    monitoring: {
        ports: { ...DEFAULTS.monitoringPorts.value },
        dashboards: ["formula-pm-overview"],
        logStack: "loki",
        source: at("Service Dependencies", "- **Monitoring**: Prometheus, Grafana"),
        defaulted: { ports: DEFAULTS.monitoringPorts.reason, dashboards: DEFAULTS.overviewDashboard.reason, logStack: "the runbook reads logs with docker-compose; Loki keeps them centrally" },
    },
    aws: defaultAws("the runbook deploys backend then frontend with --no-deps", at("Service Architecture", "File Storage (AWS S3)")),
    notExpressible: [
        {
            what: "queries running longer than 5 minutes are looked at, longer than 30 minutes killed",
            source: at("High Database Load", "WHERE (now() - pg_stat_activity.query_start) > interval '30 minutes';"),
            reason: "the metrics contract has no long-running-query signal (postgres_slow_queries counts statements over the slow-query threshold per minute), and the runbook sets no statement_timeout that the parameter group could carry",
        },
        {
            what: "a 2-minute load test with 10 virtual users",
            source: at("High Response Times", "k6 run --duration=2m --vus=10 scripts/performance-test.js"),
            reason: "the platform runs no load tests; there is no job or check kind for one",
        },
        {
            what: "P3 incidents answered the next business day",
            source: at("Severity Levels", "#### P3 - Low (Response: Next business day)"),
            reason: "response times are minutes (incident.severities[].responseMinutes); business days and hours have no field, so the P3 severity carries its name without a response time",
        },
    ],
    checks: [
        { id: "health-check", cadence: "daily", what: "Daily health check routine", automation: "alert", source: at("Health Check Routine", "# Daily health check script") },
        { id: "backup-status", cadence: "daily", what: "Check backup status", automation: "alert", source: at("Health Check Routine", 'echo "Checking backup status..."') },
        { id: "disk-usage", cadence: "daily", what: "Check disk usage", automation: "alert", source: at("Health Check Routine", 'echo "Checking disk usage..."') },
        { id: "security-updates", cadence: "weekly", what: "Update packages and images", automation: "manual", source: at("Security Updates", "# Update Docker images") },
        { id: "log-cleanup", cadence: "weekly", what: "Delete logs and backups older than 30 days", automation: "job", source: at("Log Rotation and Cleanup", "# Clean up old logs") },
        { id: "vacuum-analyze", cadence: "monthly", what: "VACUUM ANALYZE", automation: "job", source: at("Performance Review", "# Database maintenance") },
        { id: "performance-review", cadence: "monthly", what: "k6 performance report", automation: "manual", source: at("Performance Review", "# Generate performance report") },
    ],
};
