/**
 * Platform defaults: what fills in where a runbook is silent. Every use is recorded in the
 * runbook data's `defaulted` field with the reason below, so a reader (and `npm run coverage`)
 * can tell a runbook number from a platform choice. Change a default here, once.
 */
export const DEFAULTS = {
    alertFor: { value: "5m", reason: "the runbook gives no duration; 5m rides out a scrape gap or a rolling deploy without hiding a real problem" },
    downFor: { value: "1m", reason: "the runbook gives no duration for an outage; 1m matches pfm-community's 'unavailable for > 1 minute'" },
    infoResponseMinutes: { value: 240, reason: "the runbook gives no response time for informational alerts; 4 hours, as the runbooks' lowest severity" },
    criticalResponseMinutes: { value: 0, reason: "the runbook gives no response time per alert class; critical alerts page immediately" },
    warningResponseMinutes: { value: 30, reason: "the runbook gives no response time for warnings; 30 minutes, the middle of the five runbooks' 15-60" },
    backupRetentionDays: { value: 30, reason: "the runbook gives no retention; 30 days, as formula-pm's runbook keeps its backups" },
    backupDailyCron: { value: "0 1 * * *", reason: "the runbook says daily but not when; 01:00 UTC, outside the app's busy hours" },
    logRetentionDays: { value: 30, reason: "the runbook gives no log retention; 30 days, as formula-pm and personal-finance-hub keep" },
    postgresVersion: { value: "16", reason: "the runbook names no version; PostgreSQL 16, as personal-finance-hub runs" },
    postgresTuning: {
        value: { shared_buffers: "256MB", effective_cache_size: "1GB", random_page_cost: "1.1" },
        reason: "the runbook gives no tuning; pfm-community's runbook tuning is the platform baseline",
    },
    slowQueryMs: { value: 1000, reason: "the runbook counts slow queries without defining slow; statements over 1 s are logged and counted" },
    redisVersion: { value: "7.2", reason: "the runbook names no version; Redis 7.2, the current stable line" },
    redisMaxmemory: { value: 512, reason: "the runbook gives no maxmemory; pfm-community's 512mb is the platform baseline" },
    redisPolicy: { value: "allkeys-lru" as const, reason: "the runbook gives no eviction policy; allkeys-lru, as pfm-community and personal-finance-hub use" },
    redisSave: {
        value: [
            [900, 1],
            [300, 10],
            [60, 10000],
        ] as [number, number][],
        reason: "the runbook gives no snapshot schedule; pfm-community's save points are the platform baseline",
    },
    resources: {
        value: { limits: { memoryMiB: 1024, cpu: 0.5 }, reservations: { memoryMiB: 512, cpu: 0.25 } },
        reason: "the runbook gives no resource limits; pfm-community's backend limits are the platform baseline",
    },
    scaleMin: { value: 2, reason: "the runbook gives no minimum; two replicas so one can fail or roll without an outage" },
    scaleMaxFactor: { value: 2, reason: "the runbook gives no ceiling; twice the count it scales to" },
    cpuTarget: { value: 70, reason: "autoscaling target: scale out before the 80% CPU warning fires" },
    memoryTarget: { value: 75, reason: "autoscaling target: scale out before the memory warning fires" },
    scaleInCooldown: {
        value: "5m",
        reason: "the runbook gives no scale-in rule; replicas go after 5 minutes below target (AWS target tracking's scale-in cooldown here, the Kubernetes HPA's own default stabilization window), so a dip between bursts does not shed capacity",
    },
    maintenanceDay: { value: "sunday" as const, reason: "the runbook names no maintenance day; Sunday, the lowest-traffic day" },
    maintenanceStart: { value: "03:00", reason: "the runbook gives no time of day; 03:00 UTC" },
    maintenanceMinutes: { value: 120, reason: "the runbook gives no length; two hours" },
    awsRegion: { value: "us-east-1", reason: "the runbook names no region; us-east-1, gravitypm's region, so the five apps share one" },
    availabilityZones: { value: 3, reason: "the runbook names no layout; three AZs, as gravitypm's runbook runs" },
    waf: { value: true, reason: "the runbook names no WAF; every public ALB gets one (gravitypm's runbook requires it)" },
    monitoringPorts: {
        value: { grafana: 3000, prometheus: 9090, alertmanager: 9093, loki: 3100 },
        reason: "the runbook names no ports; the upstream defaults",
    },
    diskWarning: { value: 80, reason: "the runbook sets no disk threshold; 80% warning, as four of the five runbooks do" },
    diskCritical: { value: 95, reason: "the runbook sets no disk threshold; 95% critical, as the other runbooks do" },
    memoryWarning: { value: 85, reason: "the runbook sets no memory threshold; 85%, as formula-pm and gravitypm do" },
    cpuWarning: { value: 80, reason: "the runbook sets no CPU threshold; 80%, as the other runbooks do" },
    certExpiryDays: { value: 30, reason: "the runbook checks certificates without a horizon; 30 days, as gravitypm's runbook alerts" },
    errorRateWarning: { value: 1, reason: "the runbook sets no error-rate threshold; 1% warning, as four of the five runbooks do" },
    errorRateCritical: { value: 5, reason: "the runbook sets no error-rate threshold; 5% critical, as the other runbooks do" },
    backupAgeFactor: { value: 1.5, reason: "a backup is overdue when one and a half intervals pass without a success" },
    dataDownSeverity: {
        value: "critical" as const,
        reason: "the runbook has no alert for this data service being down; the platform pages, as the runbooks page for their own data services' outages",
    },
    dataDownFor: { value: "1m", reason: "the runbook gives no alert for this data service; down for 1m, as the runbooks' own data-service outages" },
    postgresPoolWarning: { value: 80, reason: "the runbook watches no connection pool; 80% of max_connections, as personal-finance-hub's runbook warns" },
    redisMemoryWarning: { value: 90, reason: "the runbook watches no Redis memory; 90% of maxmemory, before evictions or refusals start" },
    objectStorageCapacityWarning: {
        value: 85,
        reason: "the runbook watches no object storage capacity; 85% of MinIO's usable capacity, time to grow the volume before writes are refused at 100%",
    },
    objectStorageErrorWarning: {
        value: 5,
        reason: "the runbook watches no object storage errors; 5% of MinIO's S3 requests answered 5xx, the platform's default error-rate threshold, as a warning: the app's own error rate pages where it hurts users",
    },
    mongoConnectionsWarning: { value: 80, reason: "the runbook watches no MongoDB connections; 80%, as gravitypm's runbook alerts" },
    replicationLagWarning: { value: 30, reason: "the runbook watches no replication lag; 30 s, as gravitypm's runbook alerts on MongoDB" },
    replicaDownSeverity: {
        value: "warning" as const,
        reason: "one replica failing its health check while others answer degrades capacity, not service: a warning; no replica answering is the runbook's outage",
    },
    tlsProbeSeverity: {
        value: "critical" as const,
        reason: "a public host whose TLS probe fails serves an expired or invalid certificate, or no TLS at all: every browser refuses it, so it pages",
    },
    tlsProbeFor: { value: "2m", reason: "the runbook gives no duration for a failing TLS probe; 2m rides out one failed probe without leaving users refused for long" },
    metricNaming: { reason: "the runbook names no metrics; prom-client conventions (no prefix, the status code in a `status` label on http_requests_total)" },
    minRequestsPerSecond: {
        value: 0.5,
        reason: "a ratio of few requests is noise (1 error in 10 requests at night is 10%): HTTP error-rate and latency alerts need 30 requests a minute; an app's metrics contract may set its own",
    },
    minErrorsPerMinute: {
        value: 5,
        reason: "below the minimum traffic a ratio is read only while the failures themselves are many: 5 failed requests (or dependency calls) a minute, sustained for the alert's duration, are users turned away, not noise (1 error in 10 requests is 0.1 a minute); under 30 requests a minute (minRequestsPerSecond) a service that fails every request still pages; an app's metrics contract may set its own",
    },
    signalAbsentFor: {
        value: "2m",
        reason: "a series the alerts read has vanished (exporter stopped, target gone): 2m rides out an exporter restart, longer would leave the levels it feeds blind",
    },
    kafkaUnderMinIsrSeverity: {
        value: "critical" as const,
        reason: "a partition below min.insync.replicas refuses every acks=all write: producers fail as if Kafka were down, so it pages like a data-service outage",
    },
    rateFor: { value: "1m", reason: "the runbook states a per-minute rate without a duration; one full minute above it" },
    apiPort: { value: 3000, reason: "the runbook names no port for the API; 3000, the Node.js convention" },
    webPort: { value: 8080, reason: "the runbook names no port for the web tier; 8080, so Nginx runs unprivileged" },
    chatChannel: { reason: "the runbook names no alert channel; #<app>-alerts" },
    overviewDashboard: { reason: "the runbook names no dashboards; one overview per app" },
    escalationAfter: { value: 15, reason: "the runbook names who is brought in but not when; after 15 minutes, the usual first-response window" },
    replicas: { value: 0, reason: "the runbook runs a single database instance" },
    mongoVersion: { value: "7.0", reason: "the runbook names no version; MongoDB 7.0, the current supported line" },
    mongoMembers: { value: 3, reason: "the runbook runs a replica set without a size; three voting members keep a majority when one fails" },
    mongoOplogMB: { value: 2048, reason: "the runbook gives no oplog size; personal-finance-hub's 2048 MB is the platform baseline" },
    kafkaVersion: { value: "3.8.0", reason: "the runbook names no version; Kafka 3.8 in KRaft mode" },
    kafkaBrokers: { value: 3, reason: "the runbook names no broker count; three, so replication 3 with min.insync 2 survives one broker" },
    kafkaPartitions: { value: 6, reason: "the runbook gives no partition count; six, so consumers can scale past the runbook's three" },
    kafkaReplication: { value: 3, reason: "the runbook gives no replication factor; three copies across brokers" },
    kafkaMinInsync: { value: 2, reason: "the runbook gives no min.insync.replicas; two, so an acknowledged write survives one broker" },
    postgresReadReplicas: { value: 1, reason: "the runbook turns on read replicas without a count; one" },
    healthPath: { value: "/health", reason: "the runbook names no health path for this service; /health, as for its other services" },
    metricsRetention: {
        value: 31,
        /** Checks (by id) in which a person reads metric history: their period sets the retention. */
        trendChecks: ["capacity-review", "performance-review"],
        slackDays: 7,
        reason: "the runbook gives no metrics retention and no longer trend review; 31 days, so last month's incidents and a monthly look back stay queryable",
    },
    backupJobMinSeconds: {
        value: 600,
        reason: "a backup job starts a pod, pulls its image, dumps and uploads; a deadline under 10 minutes kills it before any real dataset's dump can finish (the platform gives its jobs 3 hours)",
    },
    scaleOutDelaySeconds: {
        value: 300,
        reason: "the runbook gives no scale-out delay; capacity is added within the 5 minutes an alert waits before firing (alertFor), so it arrives before the CPU warning, and no later than ECS target tracking's own 300 s default cooldown",
    },
    rabbitmqDefinitionsBackup: {
        value: { cron: "30 1 * * *", every: "1d", retentionDays: 30, maxAge: "26h" },
        reason: "the runbook runs RabbitMQ but backs up no definitions; the platform exports them daily at 01:30 UTC (after the nightly database backups), keeps 30 days as the backup retention default, and a restore check fails past 26 h, so one missed night is caught the next day",
    },
    reachabilityDetectionSeconds: {
        value: 90,
        reason: "the runbook's outage duration counts from the first failed request; an outside checker cannot call a host down sooner than Route 53's default detection (3 consecutive failures 30 s apart = 90 s) without paging on one lost packet, so that much more is allowed",
    },
} as const;

/** Every backup whose runbook gives no cadence for restore tests gets a monthly one. */
export const DEFAULT_RESTORE_TEST = "monthly" as const;
