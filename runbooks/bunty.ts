import { DEFAULTS } from "./defaults";
import { citing, defaultAws, defaultBackupOverdue, defaultCertificateExpiry, defaultRedisSnapshot } from "./define";
import type { Alert, Runbook } from "./schema";

const seed = "003_d763fc27b5356eb7.txt";
const at = citing(seed);

const baseline = {
    resources: { ...DEFAULTS.resources.value, source: at("P1: High Memory Usage", "- OOM (Out of Memory) errors"), defaulted: { "*": DEFAULTS.resources.reason } },
    scaling: {
        min: DEFAULTS.scaleMin.value,
        desired: DEFAULTS.scaleMin.value,
        max: DEFAULTS.scaleMin.value * DEFAULTS.scaleMaxFactor.value,
        cpuTargetPercent: DEFAULTS.cpuTarget.value,
        memoryTargetPercent: DEFAULTS.memoryTarget.value,
        source: at("Horizontal Scaling (Add Instances)", "1. **Create new droplet from snapshot**"),
        defaulted: { min: DEFAULTS.scaleMin.reason, desired: DEFAULTS.scaleMin.reason, max: DEFAULTS.scaleMaxFactor.reason, cpuTargetPercent: DEFAULTS.cpuTarget.reason, memoryTargetPercent: DEFAULTS.memoryTarget.reason },
    },
};

/** The external APIs the P1 playbook checks, probed at their status pages (their APIs need credentials). */
const EXTERNAL = [
    { name: "plaid", label: "Plaid", url: "https://status.plaid.com", quote: "- Plaid: https://status.plaid.com" },
    { name: "stripe", label: "Stripe", url: "https://status.stripe.com", quote: "- Stripe: https://status.stripe.com" },
    { name: "sila", label: "Sila", url: "https://status.silamoney.com", quote: "- Sila: https://status.silamoney.com" },
] as const;

export const bunty: Runbook = {
    app: "bunty",
    seed,
    title: "Bunty ZKP Platform",
    services: [
        {
            name: "backend",
            role: "api",
            port: DEFAULTS.apiPort.value,
            healthPath: "/health",
            host: "api.bunty.io",
            metricsPath: "/metrics",
            ...baseline,
            source: at("Service URLs", "- Health Check: https://api.bunty.io/health"),
            defaulted: { port: DEFAULTS.apiPort.reason, metricsPath: "the runbook greps pm2 logs for rates; the platform exposes prom-client metrics on /metrics instead" },
        },
        {
            name: "frontend",
            role: "frontend",
            port: DEFAULTS.webPort.value,
            healthPath: DEFAULTS.healthPath.value,
            host: "bunty.io",
            ...baseline,
            source: at("Service URLs", "- Frontend: https://bunty.io"),
            defaulted: { port: DEFAULTS.webPort.reason, healthPath: DEFAULTS.healthPath.reason },
        },
    ],
    data: {
        postgres: {
            version: DEFAULTS.postgresVersion.value,
            database: "bunty_prod",
            user: "bunty",
            readReplicas: DEFAULTS.replicas.value,
            parameters: { ...DEFAULTS.postgresTuning.value },
            preloadLibraries: ["pg_stat_statements"],
            slowQueryMs: DEFAULTS.slowQueryMs.value,
            source: at("P2: Slow Response Times", "FROM pg_stat_statements"),
            defaulted: {
                version: DEFAULTS.postgresVersion.reason,
                user: "the runbook connects through $DATABASE_URL; the user is named after the app",
                parameters: DEFAULTS.postgresTuning.reason,
                slowQueryMs: DEFAULTS.slowQueryMs.reason,
                readReplicas: DEFAULTS.replicas.reason,
            },
        },
        redis: {
            version: DEFAULTS.redisVersion.value,
            maxmemoryMB: DEFAULTS.redisMaxmemory.value,
            maxmemoryPolicy: DEFAULTS.redisPolicy.value,
            save: DEFAULTS.redisSave.value,
            mode: "standalone",
            source: at("Redis Health", 'redis-cli -a "$REDIS_PASSWORD" info memory'),
            defaulted: { version: DEFAULTS.redisVersion.reason, maxmemoryMB: DEFAULTS.redisMaxmemory.reason, maxmemoryPolicy: DEFAULTS.redisPolicy.reason, save: DEFAULTS.redisSave.reason },
        },
    },
    externalDependencies: EXTERNAL.map((e) => ({ name: e.name, url: e.url, probe: "http" as const, source: at("P1: External API Failures", e.quote) })),
    alerts: [
        {
            id: "service-down",
            title: "Complete service outage",
            signal: "service_down",
            direction: "above",
            unit: "bool",
            levels: [
                {
                    severity: "critical",
                    threshold: 0,
                    for: DEFAULTS.downFor.value,
                    source: at("P0: Complete Service Outage", "- Health check endpoint returns 5xx errors"),
                    defaulted: { for: DEFAULTS.downFor.reason },
                },
            ],
        },
        {
            id: "postgres-down",
            title: "Database connection issues",
            signal: "postgres_down",
            direction: "above",
            unit: "bool",
            subject: "postgres",
            levels: [
                {
                    severity: "critical",
                    threshold: 0,
                    for: DEFAULTS.downFor.value,
                    source: at("P1: Database Connection Issues", "- Application logs show database connection errors"),
                    defaulted: { for: DEFAULTS.downFor.reason },
                },
            ],
        },
        {
            id: "redis-down",
            title: "Redis not answering",
            signal: "redis_down",
            direction: "above",
            unit: "bool",
            subject: "redis",
            levels: [{ severity: "critical", threshold: 0, for: DEFAULTS.downFor.value, source: at("Redis Health", 'redis-cli -a "$REDIS_PASSWORD" ping'), defaulted: { for: DEFAULTS.downFor.reason, severity: "the P0 playbook checks Redis among the dependencies of an outage" } }],
        },
        {
            id: "memory-usage",
            title: "High memory usage",
            signal: "memory_usage",
            direction: "above",
            unit: "percent",
            levels: [
                {
                    severity: "critical",
                    threshold: DEFAULTS.memoryWarning.value,
                    for: DEFAULTS.alertFor.value,
                    source: at("P1: High Memory Usage", "- Server becoming unresponsive"),
                    defaulted: { threshold: DEFAULTS.memoryWarning.reason, for: DEFAULTS.alertFor.reason },
                },
            ],
        },
        {
            id: "http-latency-p95",
            title: "Slow API responses (p95)",
            signal: "http_latency_p95",
            direction: "above",
            unit: "seconds",
            levels: [{ severity: "warning", threshold: 2, for: DEFAULTS.alertFor.value, source: at("P2: Slow Response Times", "- API response times > 2 seconds"), defaulted: { for: DEFAULTS.alertFor.reason } }],
        },
        {
            id: "http-error-rate",
            title: "High HTTP error rate",
            signal: "http_error_rate",
            direction: "above",
            unit: "percent",
            levels: [
                { severity: "critical", threshold: DEFAULTS.errorRateCritical.value, for: DEFAULTS.alertFor.value, source: at("Daily", "- Review error logs"), defaulted: { threshold: DEFAULTS.errorRateCritical.reason, for: DEFAULTS.alertFor.reason } },
                { severity: "warning", threshold: DEFAULTS.errorRateWarning.value, for: DEFAULTS.alertFor.value, source: at("Daily", "- Review error logs"), defaulted: { threshold: DEFAULTS.errorRateWarning.reason, for: DEFAULTS.alertFor.reason } },
            ],
        },
        {
            id: "disk-usage",
            title: "Disk filling up",
            signal: "disk_usage",
            direction: "above",
            unit: "percent",
            levels: [
                { severity: "critical", threshold: DEFAULTS.diskCritical.value, for: DEFAULTS.alertFor.value, source: at("Daily", "- Monitor disk space"), defaulted: { threshold: DEFAULTS.diskCritical.reason, for: DEFAULTS.alertFor.reason } },
                { severity: "warning", threshold: DEFAULTS.diskWarning.value, for: DEFAULTS.alertFor.value, source: at("Daily", "- Monitor disk space"), defaulted: { threshold: DEFAULTS.diskWarning.reason, for: DEFAULTS.alertFor.reason } },
            ],
        },
        ...EXTERNAL.map(
            (e): Alert => ({
                id: `${e.name}-down`,
                title: `${e.label} API failing`,
                signal: "external_down",
                direction: "above",
                unit: "bool",
                subject: e.name,
                levels: [{ severity: "critical", threshold: 0, for: DEFAULTS.alertFor.value, source: at("P1: External API Failures", "- Plaid/Stripe/Sila API calls failing"), defaulted: { for: DEFAULTS.alertFor.reason } }],
            }),
        ),
        defaultCertificateExpiry(at("Monthly", "- Certificate renewal check")),
        defaultBackupOverdue(at("Weekly", "- Check backup integrity")),
    ],
    incident: {
        severities: [
            { name: "P0 (Critical)", alertSeverity: "critical", source: at("Severity Levels", "- **P0 (Critical)**: Complete service outage, data loss risk") },
            { name: "P1 (High)", alertSeverity: "critical", source: at("Severity Levels", "- **P1 (High)**: Major functionality broken, significant user impact") },
            { name: "P2 (Medium)", alertSeverity: "warning", source: at("Severity Levels", "- **P2 (Medium)**: Partial functionality impaired, workaround available") },
            { name: "P3 (Low)", alertSeverity: "info", source: at("Severity Levels", "- **P3 (Low)**: Minor issues, minimal user impact") },
        ],
        alertResponse: {
            critical: { minutes: DEFAULTS.criticalResponseMinutes.value, defaulted: { minutes: DEFAULTS.criticalResponseMinutes.reason } },
            warning: { minutes: DEFAULTS.warningResponseMinutes.value, defaulted: { minutes: DEFAULTS.warningResponseMinutes.reason } },
            info: { minutes: DEFAULTS.infoResponseMinutes.value, defaulted: { minutes: DEFAULTS.infoResponseMinutes.reason } },
        },
        escalation: [
            { level: 1, afterMinutes: 0, who: "On-Call Engineer", source: at("Emergency Contacts", "- **On-Call Engineer**: [phone/pager]") },
            { level: 2, afterMinutes: DEFAULTS.escalationAfter.value, who: "DevOps Lead", source: at("Emergency Contacts", "- **DevOps Lead**: [phone/email]"), defaulted: { afterMinutes: DEFAULTS.escalationAfter.reason } },
            { level: 3, afterMinutes: 2 * DEFAULTS.escalationAfter.value, who: "CTO", source: at("Emergency Contacts", "- **CTO**: [phone/email]"), defaulted: { afterMinutes: "the runbook names the CTO without a time; two escalation windows" } },
        ],
        channels: { chat: "#bunty-alerts", defaulted: { chat: DEFAULTS.chatChannel.reason } },
    },
    backups: [
        {
            dataset: "postgres",
            cron: DEFAULTS.backupDailyCron.value,
            every: "1d",
            retentionDays: DEFAULTS.backupRetentionDays.value,
            source: at("Creating Database Backup", 'pg_dump "$DATABASE_URL" | gzip > bunty-backup-$(date +%Y%m%d-%H%M%S).sql.gz'),
            defaulted: { cron: DEFAULTS.backupDailyCron.reason, every: "the runbook backs up by hand; the platform runs it daily", retentionDays: DEFAULTS.backupRetentionDays.reason },
        },
        defaultRedisSnapshot(at("Redis Health", 'redis-cli -a "$REDIS_PASSWORD" info memory'), "the runbook backs up the database only; the cache gets the platform's daily snapshot"),
    ],
    verification: [
        { kind: "backup-validation", cadence: "weekly", source: at("Weekly", "- Check backup integrity") },
        { kind: "dr-drill", cadence: "quarterly", source: at("Quarterly", "- Disaster recovery drill") },
    ],
    maintenanceWindow: {
        day: DEFAULTS.maintenanceDay.value,
        startUtc: DEFAULTS.maintenanceStart.value,
        durationMinutes: DEFAULTS.maintenanceMinutes.value,
        source: at("Weekly", "- Update dependencies (security patches)"),
        defaulted: { day: DEFAULTS.maintenanceDay.reason, startUtc: DEFAULTS.maintenanceStart.reason, durationMinutes: DEFAULTS.maintenanceMinutes.reason },
    },
    logs: {
        retentionDays: 7,
        rotation: "size",
        rotateMaxSizeMB: 10,
        compressAfterDays: 0,
        source: at("Log Rotation", "pm2 set pm2-logrotate:max_size 10M\npm2 set pm2-logrotate:retain 7\npm2 set pm2-logrotate:compress true"),
        defaulted: { retentionDays: "pm2-logrotate keeps 7 rotated files; with at least one rotation a day that is at most 7 days, so 7 days is kept" },
    },
    monitoring: {
        ports: { ...DEFAULTS.monitoringPorts.value },
        dashboards: ["bunty-overview"],
        logStack: "loki",
        source: at("Performance Metrics", "# Error rate"),
        defaulted: { ports: DEFAULTS.monitoringPorts.reason, dashboards: DEFAULTS.overviewDashboard.reason, logStack: "the runbook reads pm2 logs on the host; Loki keeps them centrally" },
    },
    aws: defaultAws("the runbook swaps directories to roll back; ECS rolls back with its circuit breaker"),
    notExpressible: [
        {
            what: "switch on maintenance mode or disable the features of a failed external API",
            source: at("Actions", "# Set maintenance mode or disable affected features"),
            reason: "the platform has no maintenance-mode or feature-flag switch; it probes the external APIs and alerts, and the switch stays in the app's environment",
        },
    ],
    checks: [
        { id: "health-endpoints", cadence: "daily", what: "Check health endpoints", automation: "alert", source: at("Daily", "- Check health endpoints") },
        { id: "error-logs", cadence: "daily", what: "Review error logs", automation: "alert", source: at("Daily", "- Review error logs") },
        { id: "disk-space", cadence: "daily", what: "Monitor disk space", automation: "alert", source: at("Daily", "- Monitor disk space") },
        { id: "performance-review", cadence: "weekly", what: "Review performance metrics", automation: "manual", source: at("Weekly", "- Review performance metrics") },
        { id: "backup-integrity", cadence: "weekly", what: "Check backup integrity", automation: "job", source: at("Weekly", "- Check backup integrity") },
        { id: "dependency-updates", cadence: "weekly", what: "Update dependencies (security patches)", automation: "manual", source: at("Weekly", "- Update dependencies (security patches)") },
        { id: "database-optimization", cadence: "monthly", what: "Database optimization (VACUUM ANALYZE)", automation: "job", source: at("Monthly", "- Database optimization") },
        { id: "log-cleanup", cadence: "monthly", what: "Log cleanup", automation: "job", source: at("Monthly", "- Log cleanup") },
        { id: "security-audit", cadence: "monthly", what: "Security audit", automation: "manual", source: at("Monthly", "- Security audit") },
        { id: "certificate-check", cadence: "monthly", what: "Certificate renewal check", automation: "alert", source: at("Monthly", "- Certificate renewal check") },
        { id: "dr-drill", cadence: "quarterly", what: "Disaster recovery drill", automation: "job", source: at("Quarterly", "- Disaster recovery drill") },
        { id: "capacity-review", cadence: "quarterly", what: "Capacity planning review", automation: "manual", source: at("Quarterly", "- Capacity planning review") },
    ],
};
