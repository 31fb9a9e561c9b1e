import { DEFAULTS } from "./defaults";
import { citing, defaultRedisSnapshot } from "./define";
import type { Alert, Level, Runbook } from "./schema";

const seed = "004_afec73c802af7300.txt";
const at = citing(seed);

const CRITICAL = "Critical Alerts (Immediate Response)";
const WARNING = "Warning Alerts (Response within 1 hour)";
const PERFORMANCE_WARNING = 'a key-metric target; the runbook lists "Performance degradation" among its warning alerts';
const KEY_METRIC_INFO = "a key-metric target below the runbook's warning level; reported as info so the trend is seen";

function lvl(severity: Level["severity"], threshold: number, section: string, quote: string, severityReason?: string): Level {
    return {
        severity,
        threshold,
        for: DEFAULTS.alertFor.value,
        source: at(section, quote),
        defaulted: severityReason ? { for: DEFAULTS.alertFor.reason, severity: severityReason } : { for: DEFAULTS.alertFor.reason },
    };
}

function alert(id: string, title: string, signal: Alert["signal"], direction: Alert["direction"], unit: Alert["unit"], levels: Level[], subject?: string): Alert {
    return subject ? { id, title, signal, direction, unit, subject, levels } : { id, title, signal, direction, unit, levels };
}

const appBaseline = {
    resources: { ...DEFAULTS.resources.value, source: at("Infrastructure", "- **Auto Scaling**: ECS with CPU/memory based scaling"), defaulted: { "*": DEFAULTS.resources.reason } },
};

export const gravitypm: Runbook = {
    app: "gravitypm",
    seed,
    title: "GravityPM",
    services: [
        {
            name: "backend",
            role: "api",
            port: DEFAULTS.apiPort.value,
            healthPath: "/health",
            host: "api.gravitypm.com",
            metricsPath: "/metrics",
            ...appBaseline,
            scaling: {
                min: DEFAULTS.availabilityZones.value,
                desired: 5,
                max: 5 * DEFAULTS.scaleMaxFactor.value,
                cpuTargetPercent: DEFAULTS.cpuTarget.value,
                memoryTargetPercent: DEFAULTS.memoryTarget.value,
                source: at("Infrastructure Scaling", "aws ecs update-service --cluster gravitypm --service app --desired-count 5"),
                defaulted: {
                    min: "the runbook gives no minimum; one task per availability zone",
                    max: DEFAULTS.scaleMaxFactor.reason,
                    cpuTargetPercent: DEFAULTS.cpuTarget.reason,
                    memoryTargetPercent: DEFAULTS.memoryTarget.reason,
                },
            },
            source: at("Health Check Endpoints", "- Application: https://api.gravitypm.com/health"),
            defaulted: { port: DEFAULTS.apiPort.reason, metricsPath: "the runbook scrapes the API with Prometheus; prom-client serves /metrics" },
        },
        {
            name: "frontend",
            role: "frontend",
            port: DEFAULTS.webPort.value,
            healthPath: "/health",
            host: "gravitypm.com",
            ...appBaseline,
            scaling: {
                min: DEFAULTS.availabilityZones.value,
                desired: DEFAULTS.availabilityZones.value,
                max: DEFAULTS.availabilityZones.value * DEFAULTS.scaleMaxFactor.value,
                cpuTargetPercent: DEFAULTS.cpuTarget.value,
                memoryTargetPercent: DEFAULTS.memoryTarget.value,
                source: at("Infrastructure", "- **Auto Scaling**: ECS with CPU/memory based scaling"),
                defaulted: { "*": "the runbook scales the API service; the frontend runs one task per availability zone", cpuTargetPercent: DEFAULTS.cpuTarget.reason, memoryTargetPercent: DEFAULTS.memoryTarget.reason },
            },
            source: at("Health Check Endpoints", "- Load Balancer: https://gravitypm.com/health"),
            defaulted: { port: DEFAULTS.webPort.reason },
        },
    ],
    data: {
        redis: {
            version: DEFAULTS.redisVersion.value,
            maxmemoryMB: DEFAULTS.redisMaxmemory.value,
            maxmemoryPolicy: DEFAULTS.redisPolicy.value,
            save: DEFAULTS.redisSave.value,
            mode: "cluster",
            source: at("Core Components", "- **Cache**: Redis cluster"),
            defaulted: { version: DEFAULTS.redisVersion.reason, maxmemoryMB: DEFAULTS.redisMaxmemory.reason, maxmemoryPolicy: DEFAULTS.redisPolicy.reason, save: DEFAULTS.redisSave.reason },
        },
        mongodb: {
            version: DEFAULTS.mongoVersion.value,
            database: "gravitypm_production",
            replicaSetMembers: DEFAULTS.mongoMembers.value,
            oplogSizeMB: DEFAULTS.mongoOplogMB.value,
            source: at("Database Recovery", "mongorestore --db gravitypm_production /opt/gravitypm/backups/db_backup.gz"),
            defaulted: { version: DEFAULTS.mongoVersion.reason, replicaSetMembers: DEFAULTS.mongoMembers.reason, oplogSizeMB: DEFAULTS.mongoOplogMB.reason },
        },
        objectStorage: {
            buckets: ["gravitypm-files", "gravitypm-config"],
            source: at("Backup Schedule", "- **File System**: Daily at 2 AM"),
        },
    },
    externalDependencies: [],
    alerts: [
        alert("service-down", "Service down or unavailable", "service_down", "above", "bool", [
            { severity: "critical", threshold: 0, for: DEFAULTS.downFor.value, source: at(CRITICAL, "- Service down/unavailable"), defaulted: { for: DEFAULTS.downFor.reason } },
        ]),
        alert(
            "mongodb-down",
            "Database connection failure",
            "mongodb_down",
            "above",
            "bool",
            [{ severity: "critical", threshold: 0, for: DEFAULTS.downFor.value, source: at(CRITICAL, "- Database connection failure"), defaulted: { for: DEFAULTS.downFor.reason } }],
            "mongodb",
        ),
        alert(
            "certificate-expiry",
            "TLS certificate expires within 30 days",
            "certificate_expiry",
            "below",
            "days",
            [{ severity: "critical", threshold: 30, for: DEFAULTS.alertFor.value, source: at(CRITICAL, "- Certificate expiration (< 30 days)"), defaulted: { for: DEFAULTS.alertFor.reason } }],
            "tls",
        ),
        alert("cpu-usage", "High CPU usage", "cpu_usage", "above", "percent", [
            lvl("warning", 90, WARNING, "- High resource usage (> 90%)"),
            lvl("info", 80, "System Metrics", "- **CPU Usage**: < 80%", KEY_METRIC_INFO),
        ]),
        alert("memory-usage", "High memory usage", "memory_usage", "above", "percent", [
            lvl("warning", 90, WARNING, "- High resource usage (> 90%)"),
            lvl("info", 85, "System Metrics", "- **Memory Usage**: < 85%", KEY_METRIC_INFO),
        ]),
        alert("disk-usage", "High disk usage", "disk_usage", "above", "percent", [
            lvl("warning", 90, WARNING, "- High resource usage (> 90%)"),
            lvl("info", 80, "System Metrics", "- **Disk Usage**: < 80%", KEY_METRIC_INFO),
        ]),
        alert("http-error-rate", "Increased error rate", "http_error_rate", "above", "percent", [
            lvl("warning", 5, WARNING, "- Increased error rates (> 5%)"),
            lvl("info", 1, "Application Metrics", "- **Error Rate**: < 1%", KEY_METRIC_INFO),
        ]),
        alert("http-latency-p95", "Performance degradation: p95 response time", "http_latency_p95", "above", "seconds", [
            lvl("warning", 0.5, "Application Metrics", "- **Response Time**: < 500ms (95th percentile)", PERFORMANCE_WARNING),
        ]),
        alert("availability", "Availability below target", "availability", "below", "percent", [
            lvl("warning", 99.9, "Application Metrics", "- **Availability**: > 99.9%", PERFORMANCE_WARNING),
        ]),
        alert(
            "mongodb-connections",
            "Database connections near the maximum",
            "mongodb_connections_usage",
            "above",
            "percent",
            [lvl("info", 80, "Database Metrics", "- **Connection Count**: < 80% of max", KEY_METRIC_INFO)],
            "mongodb",
        ),
        alert(
            "mongodb-query-time",
            "Performance degradation: slow queries",
            "mongodb_query_time",
            "above",
            "seconds",
            [lvl("warning", 0.1, "Database Metrics", "- **Query Response Time**: < 100ms", PERFORMANCE_WARNING)],
            "mongodb",
        ),
        alert(
            "mongodb-replication-lag",
            "Replication lag",
            "mongodb_replication_lag",
            "above",
            "seconds",
            [lvl("warning", 30, "Database Metrics", "- **Replication Lag**: < 30 seconds", PERFORMANCE_WARNING)],
            "mongodb",
        ),
        alert(
            "mongodb-lock-wait",
            "Lock wait time",
            "mongodb_lock_wait",
            "above",
            "seconds",
            [lvl("warning", 5, "Database Metrics", "- **Lock Wait Time**: < 5 seconds", PERFORMANCE_WARNING)],
            "mongodb",
        ),
        alert("backup-overdue", "Backup failures", "backup_age", "above", "intervals", [
            {
                severity: "warning",
                threshold: DEFAULTS.backupAgeFactor.value,
                for: DEFAULTS.alertFor.value,
                source: at(WARNING, "- Backup failures"),
                defaulted: { threshold: DEFAULTS.backupAgeFactor.reason, for: DEFAULTS.alertFor.reason },
            },
        ]),
    ],
    incident: {
        severities: [
            { name: "Severity 1 (Critical)", alertSeverity: "critical", responseMinutes: 0, resolutionMinutes: 60, source: at("Severity 1 (Critical)", "- **Resolution Time**: < 1 hour"), converted: { resolutionMinutes: "1 hour" } },
            { name: "Severity 2 (High)", alertSeverity: "critical", responseMinutes: 15, resolutionMinutes: 240, source: at("Severity 2 (High)", "- **Response Time**: < 15 minutes\n- **Resolution Time**: < 4 hours"), converted: { resolutionMinutes: "4 hours" } },
            { name: "Severity 3 (Medium)", alertSeverity: "warning", responseMinutes: 60, resolutionMinutes: 1440, source: at("Severity 3 (Medium)", "- **Response Time**: < 1 hour\n- **Resolution Time**: < 24 hours"), converted: { responseMinutes: "1 hour", resolutionMinutes: "24 hours" } },
            { name: "Severity 4 (Low)", alertSeverity: "info", responseMinutes: 240, resolutionMinutes: 4320, source: at("Severity 4 (Low)", "- **Response Time**: < 4 hours\n- **Resolution Time**: < 72 hours"), converted: { responseMinutes: "4 hours", resolutionMinutes: "72 hours" } },
        ],
        alertResponse: {
            critical: { minutes: 0, source: at("Alert Categories", "#### Critical Alerts (Immediate Response)") },
            warning: { minutes: 60, source: at("Alert Categories", "#### Warning Alerts (Response within 1 hour)"), converted: { minutes: "1 hour" } },
            info: { minutes: 240, source: at("Severity 4 (Low)", "- **Response Time**: < 4 hours"), converted: { minutes: "4 hours" } },
        },
        escalation: [
            { level: 1, afterMinutes: 0, who: "On-call engineer", source: at("Escalation Matrix", "- **Level 1**: On-call engineer") },
            { level: 2, afterMinutes: 30, who: "Engineering manager", source: at("Escalation Matrix", "- **Level 2**: Engineering manager (after 30 minutes)") },
            { level: 3, afterMinutes: 60, who: "CTO", onlyFor: ["Severity 1 (Critical)"], source: at("Escalation Matrix", "- **Level 3**: CTO (after 1 hour for Sev 1 incidents)"), converted: { afterMinutes: "1 hour" } },
            { level: 4, afterMinutes: 120, who: "CEO", onlyFor: ["Severity 1 (Critical)"], source: at("Escalation Matrix", "- **Level 4**: CEO (after 2 hours for Sev 1 incidents)"), converted: { afterMinutes: "2 hours" } },
        ],
        channels: { chat: "#incidents", source: at("Internal Communication", "- Use Slack channel: #incidents") },
    },
    backups: [
        { dataset: "mongodb", cron: "0 */6 * * *", every: "6h", retentionDays: DEFAULTS.backupRetentionDays.value, source: at("Backup Schedule", "- **Database**: Every 6 hours"), defaulted: { retentionDays: DEFAULTS.backupRetentionDays.reason } },
        { dataset: "files", cron: "0 2 * * *", every: "1d", retentionDays: DEFAULTS.backupRetentionDays.value, source: at("Backup Schedule", "- **File System**: Daily at 2 AM"), defaulted: { retentionDays: DEFAULTS.backupRetentionDays.reason } },
        { dataset: "config", cron: "0 3 * * *", every: "1d", retentionDays: DEFAULTS.backupRetentionDays.value, source: at("Backup Schedule", "- **Configuration**: Daily at 3 AM"), defaulted: { retentionDays: DEFAULTS.backupRetentionDays.reason } },
        defaultRedisSnapshot(at("Core Components", "- **Cache**: Redis cluster"), "the runbook's schedule has no cache line; the cache gets the platform's daily snapshot"),
    ],
    verification: [
        { kind: "integrity-check", cadence: "weekly", source: at("Weekly Tasks", "- [ ] Check backup integrity") },
        { kind: "failover-test", cadence: "weekly", source: at("Weekly Tasks", "- [ ] Test failover procedures") },
        { kind: "restore-test", cadence: "monthly", source: at("Monthly Tasks", "- [ ] Full backup verification") },
        { kind: "dr-drill", cadence: "quarterly", source: at("Quarterly Tasks", "- [ ] Disaster recovery test") },
    ],
    maintenanceWindow: {
        day: DEFAULTS.maintenanceDay.value,
        startUtc: DEFAULTS.maintenanceStart.value,
        durationMinutes: DEFAULTS.maintenanceMinutes.value,
        source: at("System Updates", "   - Schedule maintenance window"),
        defaulted: { day: DEFAULTS.maintenanceDay.reason, startUtc: DEFAULTS.maintenanceStart.reason, durationMinutes: DEFAULTS.maintenanceMinutes.reason },
    },
    logs: {
        retentionDays: 30,
        rotation: "daily",
        compressAfterDays: 1,
        source: at("Log Rotation", "    daily\n    rotate 30\n    compress"),
    },
    monitoring: {
        ports: { ...DEFAULTS.monitoringPorts.value },
        dashboards: ["gravitypm-overview"],
        logStack: "elk",
        source: at("Core Components", "- **Monitoring**: Prometheus + Grafana + ELK Stack"),
        defaulted: { ports: DEFAULTS.monitoringPorts.reason, dashboards: DEFAULTS.overviewDashboard.reason },
    },
    aws: {
        region: "us-east-1",
        availabilityZones: 3,
        waf: true,
        blueGreen: {
            bakeMinutes: 30,
            source: at("Blue-Green Deployment", "4. **Monitor and Cleanup**\n   ```bash\n   # Monitor for 30 minutes\n   # If successful, decommission blue environment"),
        },
        source: at("Infrastructure", "- **Region**: us-east-1\n- **VPC**: gravitypm-production\n- **Subnets**: Public and private subnets across 3 AZs"),
    },
    notExpressible: [
        {
            what: "a throughput of 100 to 1000 requests per second",
            source: at("Application Metrics", "- **Throughput**: 100-1000 req/sec"),
            reason: "the metrics contract has no request-rate signal, so a throughput range can be neither alerted on nor charted against",
        },
        {
            what: "notify stakeholders when downtime exceeds 5 minutes",
            source: at("Service Down Alert", "Notify stakeholders if downtime > 5 minutes"),
            reason: "alert routing pages the on-call and the chat channel by severity; a stakeholder list and a downtime-length rule have no field",
        },
        {
            what: "update the incident status every 30 minutes",
            source: at("Internal Communication", "- Update incident status every 30 minutes"),
            reason: "the platform has no status page or incident-update reminder; the cadence is a human procedure",
        },
        {
            what: "watch a standard (rolling) deployment for 30 minutes",
            source: at("Standard Deployment", "# Monitor for 30 minutes"),
            reason: "only a blue/green release has a watch period (aws.blueGreen.bakeMinutes); a rolling update has no field for one, and ECS and Kubernetes roll on health checks instead",
        },
    ],
    checks: [
        { id: "error-rates", cadence: "daily", what: "Check error rates (< 1%)", automation: "alert", source: at("Morning Checklist", "   - Check error rates (< 1%)") },
        { id: "backup-completion", cadence: "daily", what: "Verify backup completion", automation: "alert", source: at("Morning Checklist", "   - Verify backup completion") },
        { id: "disk-free", cadence: "daily", what: "Check disk space (> 20% free)", automation: "alert", source: at("Evening Checklist", "   - Check disk space (> 20% free)") },
        { id: "ssl-validity", cadence: "daily", what: "Verify SSL certificate validity", automation: "alert", source: at("Evening Checklist", "   - Verify SSL certificate validity") },
        { id: "backup-integrity", cadence: "weekly", what: "Check backup integrity", automation: "job", source: at("Weekly Tasks", "- [ ] Check backup integrity") },
        { id: "failover-test", cadence: "weekly", what: "Test failover procedures", automation: "manual", source: at("Weekly Tasks", "- [ ] Test failover procedures") },
        { id: "full-backup-verification", cadence: "monthly", what: "Full backup verification", automation: "job", source: at("Monthly Tasks", "- [ ] Full backup verification") },
        { id: "vulnerability-scan", cadence: "weekly", what: "Weekly automated vulnerability scans", automation: "manual", source: at("Security Monitoring", "- **Vulnerability Scanning**: Weekly automated scans") },
        { id: "dr-test", cadence: "quarterly", what: "Disaster recovery test", automation: "job", source: at("Quarterly Tasks", "- [ ] Disaster recovery test") },
        { id: "load-testing", cadence: "quarterly", what: "Load testing", automation: "manual", source: at("Quarterly Tasks", "- [ ] Load testing") },
    ],
};
