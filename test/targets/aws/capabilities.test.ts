import test from "ava";
import { POSTGRES_ROLES_SQL, postgresRoles } from "../../../capabilities/postgres-roles";
import { execFile } from "child_process";
import { promisify } from "util";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import * as vm from "vm";
import YAML from "yaml";
import { allRunbooks, APP_IDS, durationSeconds, getRunbook, type Runbook } from "../../../runbooks";
import { CLOUDWATCH_ONLY_SIGNALS } from "../../../capabilities/alerting/signals";
import { allAlerts } from "../../../capabilities/alerting/baseline";
import { rulesFor } from "../../../capabilities/alerting/rules";
import { METRICS } from "../../../capabilities/alerting/metrics";
import { alarmInventory } from "../../../capabilities/aws/inventory";
import type { CoverageKey } from "../../../capabilities/alerting/coverage-claims";
import { awsCoverage } from "../../../capabilities/aws/coverage";
import { requiredExporters } from "../../../capabilities/alerting/exporters";
import { alarmTiming, cloudWatchAlarms, type AlarmInventory } from "../../../capabilities/aws/alarms";
import { receiverName, SNS_MESSAGE } from "../../../capabilities/alerting/routing";
import { ampAlertManagerConfig, ampDefinition, heartbeatPeriodSeconds } from "../../../capabilities/aws/alertmanager";
import { backupRules, bucketsFor, noncurrentVersionDays, restoreTestSpec } from "../../../capabilities/aws/backups";
import { CHAT_FORWARDER_SOURCE } from "../../../capabilities/aws/chat";
import { PAGER_FORWARDER_SOURCE, PAGERDUTY_EVENTS_URL } from "../../../capabilities/aws/pager";
import { collectorConfig } from "../../../capabilities/aws/collector";
import { APP_SCRATCH, APP_UID } from "../../../capabilities/hardening";
import { APP_INIT_CONTAINER, appContainer, appEnvironment, appInitContainer, CA_CONTAINER, CA_DIR, healthCommand, postgresRolesContainers, POSTGRES_ROLES_CONTAINER } from "../../../capabilities/aws/containers";
import { ROLE_PASSWORD_ENV } from "../../../capabilities/postgres-roles";
import { aclCommands, adminClientConfig, KAFKA_ADMIN_PASSWORD_ENV, kafkaUsers, scramSecretName } from "../../../capabilities/aws/msk";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import { documentDbEngine, documentDbUser } from "../../../capabilities/aws/documentdb";
import { cacheNodeType, cacheParameters, cacheTopology, elastiCacheEngineVersion } from "../../../capabilities/aws/elasticache";
import { CLOUDWATCH_RETENTION_DAYS, cloudWatchRetentionDays } from "../../../capabilities/aws/logs";
import { mskKafkaVersion, mskServerProperties, mskSubnetCount } from "../../../capabilities/aws/msk";
import { awsNames, fitName } from "../../../capabilities/aws/names";
import { cidrContains, cidrsOverlap, cidrSubnet, subnetLayout, VPC_CIDR } from "../../../capabilities/aws/network";
import { memoryKb, rdsBackupRetention, rdsParameters, rdsParameterValue, rdsSize } from "../../../capabilities/aws/rds";
import { automatedBackupWindow, dailyCronMinute, dailyOverlapsWeekly, formatWeekly, maintenanceWindow, snapshotWindow } from "../../../capabilities/aws/windows";
import { kafkaBrokerConfig } from "../../../capabilities/datastores";

const run = promisify(execFile);

/** The AWS target's pure decisions, checked without the mock engine, against the runbooks' numbers. */

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

test("subnets: one public and one private per AZ, inside the VPC, none overlapping", (t) => {
    t.is(cidrSubnet("10.0.0.0/16", 4, 0), "10.0.0.0/20");
    t.is(cidrSubnet("10.0.0.0/16", 4, 9), "10.0.144.0/20");
    t.is(cidrSubnet("10.1.0.0/16", 8, 255), "10.1.255.0/24");
    t.throws(() => cidrSubnet("10.0.0.0/16", 4, 16), { message: /does not fit in 4 bits/ });
    t.throws(() => cidrSubnet("10.0.0.1/16", 4, 0), { message: /host bits set/ });
    for (const rb of allRunbooks()) {
        const layout = subnetLayout(VPC_CIDR, rb.aws.availabilityZones);
        t.is(layout.public.length, rb.aws.availabilityZones);
        t.is(layout.private.length, rb.aws.availabilityZones);
        const all = [...layout.public, ...layout.private];
        for (const [i, a] of all.entries()) {
            t.true(cidrContains(VPC_CIDR, a), `${a} inside ${VPC_CIDR}`);
            for (const b of all.slice(i + 1)) t.false(cidrsOverlap(a, b), `${a} and ${b} overlap`);
        }
    }
    t.throws(() => subnetLayout(VPC_CIDR, 9), { message: /aws\.availabilityZones = 9/ });
});

test("log retention: the shortest CloudWatch value that keeps logs at least as long as the runbook", (t) => {
    for (const rb of allRunbooks()) {
        const days = cloudWatchRetentionDays(rb.logs.retentionDays);
        t.true(days >= rb.logs.retentionDays);
        t.true((CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(days));
        t.false(CLOUDWATCH_RETENTION_DAYS.some((d) => d >= rb.logs.retentionDays && d < days), `${rb.app}: a shorter valid retention exists`);
    }
    t.is(cloudWatchRetentionDays(7), 7);
    t.is(cloudWatchRetentionDays(10), 14);
    t.is(cloudWatchRetentionDays(31), 60);
    t.throws(() => cloudWatchRetentionDays(4000), { message: /logs\.retentionDays = 4000/ });
});

test("RDS parameters: the runbook's tuning in RDS's units, static ones applied at reboot", (t) => {
    t.is(memoryKb("256MB", "x"), 262144);
    t.is(rdsParameterValue("shared_buffers", "256MB"), "32768", "8 kB pages");
    t.is(rdsParameterValue("effective_cache_size", "1GB"), "131072", "8 kB pages");
    t.is(rdsParameterValue("work_mem", "4MB"), "4096", "kB");
    t.is(rdsParameterValue("random_page_cost", "1.1"), "1.1");
    t.throws(() => rdsParameterValue("shared_buffers", "lots"), { message: /data\.postgres\.parameters\.shared_buffers = "lots"/ });
    for (const rb of allRunbooks()) {
        const pg = rb.data.postgres;
        if (!pg) continue;
        const size = rdsSize(pg);
        const params = Object.fromEntries(rdsParameters(pg, size).map((p) => [p.name, p]));
        for (const [name, value] of Object.entries(pg.parameters)) {
            const m = /^(\d+)(MB|GB)$/.exec(value);
            const expected = m ? String((Number(m[1]) * (m[2] === "GB" ? 1024 : 1) * 1024) / 8) : value;
            t.is(params[name].value, expected, `${rb.app} ${name}`);
        }
        t.is(params.shared_buffers.applyMethod, "pending-reboot");
        t.is(params.shared_preload_libraries.value, pg.preloadLibraries.join(","));
        t.is(params.shared_preload_libraries.applyMethod, "pending-reboot");
        t.is(params.log_min_duration_statement.value, String(pg.slowQueryMs));
        t.is(params.log_min_duration_statement.applyMethod, "immediate");
        t.is(params["rds.force_ssl"].value, "1");
        t.is(Number(params.max_connections.value), size.maxConnections);
        // The class is big enough for the tuning: shared_buffers <= 25 %, effective_cache_size <= 75 % of memory.
        t.true(memoryKb(pg.parameters.shared_buffers ?? "0kB", "") / 1024 <= size.memoryMiB / 4);
        t.true(memoryKb(pg.parameters.effective_cache_size ?? "0kB", "") / 1024 <= (size.memoryMiB * 3) / 4);
    }
});

test("RDS retention: the runbook's, capped at 35 days and said so", (t) => {
    t.deepEqual(rdsBackupRetention(30), { days: 30, capped: false });
    t.deepEqual(rdsBackupRetention(90), { days: 35, capped: true });
});

test("windows: maintenance is the runbook's; backup and snapshot windows never overlap it", (t) => {
    for (const rb of allRunbooks()) {
        const maint = maintenanceWindow(rb);
        const text = formatWeekly(maint);
        t.regex(text, new RegExp(`^${rb.maintenanceWindow.day.slice(0, 3)}:${rb.maintenanceWindow.startUtc}-`));
        const backup = automatedBackupWindow(rb, rb.backups.map((b) => ({ cron: b.cron, startWindowMinutes: 60 })));
        const [from, to] = backup.split("-");
        t.is((minutes(to) - minutes(from) + 1440) % 1440, 30);
        t.false(dailyOverlapsWeekly(minutes(from), 30, maint), `${rb.app}: ${backup} overlaps ${text}`);
        const redis = rb.backups.find((b) => b.dataset === "redis");
        if (redis) {
            const snap = snapshotWindow(rb, redis.cron, "backups.redis.cron");
            t.is(minutes(snap.split("-")[0]), dailyCronMinute(redis.cron, "x"));
            t.false(dailyOverlapsWeekly(minutes(snap.split("-")[0]), 60, maint));
        }
    }
    const pfm = structuredClone(getRunbook("pfm-community")) as Runbook;
    t.throws(() => snapshotWindow(pfm, "30 3 * * *", "backups[1].cron"), { message: /backups\[1\]\.cron = "30 3 \* \* \*": .*overlap maintenanceWindow wed:03:00-wed:05:00/ });
    t.throws(() => snapshotWindow(pfm, "0 */6 * * *", "backups[1].cron"), { message: /backups\[1\]\.cron = "0 \*\/6 \* \* \*": a managed daily snapshot/ });
    t.throws(() => automatedBackupWindow(pfm, [{ cron: "0 5 * * *", startWindowMinutes: 60 }]), { message: /overlaps the AWS Backup job at "0 5 \* \* \*"/ });
});

test("ElastiCache: Redis OSS within the runbook's version, a node that holds its maxmemory, its eviction policy", (t) => {
    for (const rb of allRunbooks()) {
        const redis = rb.data.redis;
        if (!redis) continue;
        const version = elastiCacheEngineVersion(redis);
        t.is(version.split(".")[0], redis.version.split(".")[0]);
        t.true(Number(version.split(".")[1]) <= Number(redis.version.split(".")[1]));
        const node = cacheNodeType(redis);
        t.true(node.maxmemoryMiB * 0.75 >= redis.maxmemoryMB, `${rb.app}: ${node.nodeType} too small`);
        const params: Record<string, string | undefined> = Object.fromEntries(cacheParameters(redis).map((p) => [p.name, p.value]));
        t.is(params["maxmemory-policy"], redis.maxmemoryPolicy);
        t.is(params["cluster-enabled"], redis.mode === "cluster" ? "yes" : undefined);
        const topo = cacheTopology(redis, rb.aws.availabilityZones);
        t.is(topo.clusterMode, redis.mode === "cluster");
        if (topo.clusterMode) t.is(topo.memberSuffixes.length, topo.numNodeGroups! * (topo.replicasPerNodeGroup! + 1));
        else t.is(topo.memberSuffixes.length, topo.numCacheClusters!);
        t.true(topo.memberSuffixes.length >= 2, "failover needs a replica");
    }
    t.deepEqual(cacheTopology(getRunbook("gravitypm").data.redis!, 3).memberSuffixes.slice(0, 2), ["0001-001", "0001-002"]);
    t.throws(() => elastiCacheEngineVersion({ ...getRunbook("bunty").data.redis!, version: "5.0" }), { message: /data\.redis\.version = "5\.0"/ });
});

test("MSK and DocumentDB: versions, broker spread, replication settings", (t) => {
    const kafka = getRunbook("personal-finance-hub").data.kafka!;
    t.is(mskKafkaVersion(kafka), "3.8.x");
    t.is(mskSubnetCount(kafka, 3), 3);
    t.is(mskSubnetCount({ ...kafka, brokers: 4 }, 3), 2);
    t.throws(() => mskSubnetCount({ ...kafka, brokers: 5 }, 3), { message: /data\.kafka\.brokers = 5/ });
    const props = Object.fromEntries(
        mskServerProperties(kafka)
            .trim()
            .split("\n")
            .map((l) => l.split("=")),
    );
    t.deepEqual(props, kafkaBrokerConfig(kafka));
    t.is(props["min.insync.replicas"], String(kafka.minInsyncReplicas));
    t.deepEqual(documentDbEngine(getRunbook("gravitypm").data.mongodb!), { engine: "5.0.0", family: "docdb5.0" });
    t.is(documentDbUser("personal-finance-hub"), "personalfinancehub");
});

test("names fit the services' limits", (t) => {
    for (const app of APP_IDS) {
        const n = awsNames(app, "production");
        t.true(n.redis.length <= 40);
        t.true(n.loadBalancer.length <= 32);
        for (const svc of getRunbook(app).services) for (const c of [undefined, "blue", "green"]) t.true(n.targetGroup(svc.name, c).length <= 32);
        t.regex(n.restoreTesting, /^[A-Za-z0-9_]{1,50}$/);
    }
    t.not(fitName("a".repeat(40) + "x", 32), fitName("a".repeat(40) + "y", 32), "long names stay distinct");
    t.is(awsNames("formula-pm", "production").bucket("formula-pm-storage", "123456789012", "eu-west-1"), "formula-pm-storage-123456789012-eu-west-1");
    t.is(awsNames("formula-pm", "staging").bucket("formula-pm-storage", "123456789012", "eu-west-1"), "formula-pm-storage-staging-123456789012-eu-west-1");
});

test("backups: one AWS Backup rule per runbook backup AWS Backup can take; Redis is left to ElastiCache", (t) => {
    for (const rb of allRunbooks()) {
        const rules = backupRules(rb);
        t.deepEqual(
            rules.map((r) => r.dataset),
            rb.backups.filter((b) => b.dataset !== "redis").map((b) => b.dataset),
        );
        for (const r of rules) {
            const b = rb.backups.find((x) => x.dataset === r.dataset)!;
            t.is(r.deleteAfterDays, b.retentionDays);
            t.true(r.completionWindowMinutes >= r.startWindowMinutes + 60);
            t.true(r.startWindowMinutes + r.completionWindowMinutes <= durationSeconds(b.every) / 60 + r.startWindowMinutes);
        }
        t.deepEqual(
            restoreTestSpec(rb).selections.map((s) => s.dataset),
            rules.map((r) => r.dataset),
        );
    }
    const fpm = getRunbook("formula-pm");
    t.deepEqual(bucketsFor(fpm, "files"), ["formula-pm-storage"]);
    t.is(noncurrentVersionDays(fpm, "formula-pm-backup"), fpm.backups.find((b) => b.dataset === "files")!.retentionDays);
    t.deepEqual(bucketsFor(getRunbook("gravitypm"), "config"), ["gravitypm-config"]);
    const broken = structuredClone(getRunbook("gravitypm")) as Runbook;
    broken.data.objectStorage!.buckets = ["gravitypm-uploads"];
    t.throws(() => backupRules(broken), { message: /backups\[1\]\.dataset = "files" but no bucket/ });
});

test("alarm timing: the runbook's `for` as period x evaluation periods", (t) => {
    t.deepEqual(alarmTiming("5m", 60), { period: 60, evaluationPeriods: 5, datapointsToAlarm: 5 });
    t.deepEqual(alarmTiming("10m", 60), { period: 60, evaluationPeriods: 10, datapointsToAlarm: 10 });
    t.deepEqual(alarmTiming("30s", 60), { period: 60, evaluationPeriods: 1, datapointsToAlarm: 1 }, "no faster than the metric");
    t.deepEqual(alarmTiming("5m", 86400), { period: 86400, evaluationPeriods: 1, datapointsToAlarm: 1 });
});

/** Everything exists: every mapping has a resource to alarm on. */
function fullInventory(rb: Runbook): AlarmInventory {
    return {
        services: rb.services.map((s) => s.name),
        targetGroups: rb.services.map((s) => ({ service: s.name })),
        rds: rb.data.postgres ? { instances: ["primary"], allocatedGiB: 100, maxConnections: 450 } : undefined,
        cache: rb.data.redis ? { members: ["001", "002"] } : undefined,
        docdb: rb.data.mongodb ? { instances: 3, maxConnections: 1700 } : undefined,
        msk: rb.data.kafka ? { brokers: 3, consumers: [{ group: rb.data.kafka.consumerGroups[0], topic: rb.data.kafka.topics[0].name }] } : undefined,
        certificate: true,
        backupVaults: rb.backups.filter((b) => b.dataset !== "redis").map((b) => ({ dataset: b.dataset, name: b.tier ? `${b.dataset}-${b.tier}` : b.dataset, everySeconds: durationSeconds(b.every) })),
    };
}

test("CloudWatch alarms: every level of every CloudWatch signal, the runbook's threshold, direction and duration", (t) => {
    for (const rb of allRunbooks()) {
        const specs = cloudWatchAlarms(rb, fullInventory(rb));
        for (const alert of rb.alerts.filter((a) => (CLOUDWATCH_ONLY_SIGNALS as readonly string[]).includes(a.signal))) {
            for (const level of alert.levels) {
                const mine = specs.filter((s) => s.alertId === alert.id && s.severity === level.severity);
                if (alert.signal === "backup_age") {
                    // One alarm per dataset AWS Backup takes (Redis snapshots are ElastiCache's own).
                    t.deepEqual(
                        mine.map((s) => (s.subject as { dataset: string }).dataset).sort(),
                        rb.backups.filter((b) => b.dataset !== "redis").map((b) => b.dataset).sort(),
                    );
                    continue;
                }
                // The contract's container signals are per app service.
                const ecs = mine.filter((s) => s.subject.kind === "ecs-service").map((s) => (s.subject as { service: string }).service);
                t.deepEqual(ecs.sort(), rb.services.map((s) => s.name).sort(), `${rb.app} ${alert.id} ${level.severity}`);
            }
        }
        t.true(CLOUDWATCH_ONLY_SIGNALS.every((signal) => specs.some((s) => s.signal === signal) || !rb.alerts.some((a) => a.signal === signal)));
        for (const s of specs) {
            const alert = allAlerts(rb).find((a) => a.id === s.alertId)!;
            const level = alert.levels.find((l) => l.severity === s.severity)!;
            if (alert.signal === "backup_age") {
                t.is(s.comparison, "LessThanThreshold");
                t.is(s.threshold, 1, "fewer than one completed job");
                const every = durationSeconds(rb.backups.find((b) => b.dataset === (s.subject as { dataset: string }).dataset)!.every);
                t.is(s.period * s.evaluationPeriods, level.threshold * every, `${rb.app} ${s.key}: the window is threshold x interval`);
                t.is(s.treatMissingData, "breaching");
                continue;
            }
            t.is(s.threshold, level.threshold, s.key);
            t.is(s.comparison, alert.direction === "above" ? "GreaterThanThreshold" : "LessThanThreshold", s.key);
            const forSeconds = durationSeconds(level.for);
            t.is(s.period * s.evaluationPeriods, Math.max(s.period, Math.ceil(forSeconds / s.period) * s.period), s.key);
            if (s.subject.kind !== "certificate") t.is(s.period, 60, `${s.key}: AWS metrics arrive every minute`);
            else t.is(s.period, 86400, "ACM publishes DaysToExpiry daily");
            t.is(s.datapointsToAlarm, s.evaluationPeriods);
        }
    }
});

test("PostgreSQL replica lag on AWS: an RDS ReplicaLag alarm per read replica is the level's one notifying evaluator; no AMP rule reads the exporter, which logs in to the primary (lag always 0)", (t) => {
    for (const app of APP_IDS) {
        const rb = getRunbook(app);
        if (!rb.data.postgres) continue;
        for (const replicas of [rb.data.postgres.readReplicas, 0, 2]) {
            const mutated = structuredClone(rb) as Runbook;
            mutated.data.postgres!.readReplicas = replicas;
            const where = `${app} with ${replicas} read replicas`;
            const inv = alarmInventory(mutated, {});
            const lag = allAlerts(mutated).filter((a) => a.signal === "postgres_replication_lag");
            t.is(lag.length > 0, replicas > 0, `${where}: the default replica-lag alert exists exactly where replicas do`);
            const alarms = cloudWatchAlarms(mutated, inv).filter((s) => s.signal === "postgres_replication_lag");
            const expected = lag.flatMap((a) => a.levels.map((l) => ({ id: a.id, severity: l.severity, threshold: l.threshold })));
            t.is(alarms.length, expected.length * replicas, `${where}: one alarm per level and read replica`);
            for (const e of expected) {
                const mine = alarms.filter((s) => s.alertId === e.id && s.severity === e.severity);
                // Each replica by its own identifier, never the primary (which replays nothing).
                t.deepEqual(
                    mine.map((s) => s.subject),
                    inv.rds!.instances.slice(1).map((instance) => ({ kind: "rds-instance", instance })),
                    where,
                );
                for (const s of mine) {
                    t.like(s.metrics[0], { namespace: "AWS/RDS", metricName: "ReplicaLag", stat: "Maximum" }, where);
                    t.is(s.threshold, e.threshold, where);
                    t.true(s.notifies, `${where}: the alarm is the level's notifying evaluator`);
                }
            }
            const rules = JSON.stringify(rulesFor(mutated, "production", "aws"));
            t.false(rules.includes(METRICS.pgReplicationLag), `${where}: no AMP rule or absence rule reads ${METRICS.pgReplicationLag}`);
        }
    }
});

test("CloudWatch alarms: the managed services' metrics, in the runbook's unit", (t) => {
    const pfh = getRunbook("personal-finance-hub");
    const specs = cloudWatchAlarms(pfh, fullInventory(pfh));
    const lag = specs.find((s) => s.alertId === "kafka-consumer-lag" && s.severity === "critical")!;
    t.like(lag.metrics[0], { namespace: "AWS/Kafka", metricName: "SumOffsetLag" });
    t.deepEqual(lag.subject, { kind: "msk-consumer", group: "pfh-dashboard-consumer", topic: "personal_finance.transactions.v1" });
    const pool = specs.find((s) => s.alertId === "postgres-pool-usage")!;
    t.is(pool.expression, "100 * m1 / 450");
    t.like(pool.metrics[0], { namespace: "AWS/RDS", metricName: "DatabaseConnections" });
    const redisMem = specs.find((s) => s.alertId === "redis-memory-usage")!;
    t.like(redisMem.metrics[0], { namespace: "AWS/ElastiCache", metricName: "DatabaseMemoryUsagePercentage" });
    const errors = specs.find((s) => s.alertId === "http-error-rate")!;
    t.is(errors.expression, "100 * FILL(m1, 0) / m2");
    t.deepEqual(
        errors.metrics.map((m) => m.metricName),
        ["HTTPCode_Target_5XX_Count", "RequestCount"],
    );
    t.is(specs.find((s) => s.alertId === "http-latency-p95")!.metrics[0].stat, "p95");
    const gp = getRunbook("gravitypm");
    const g = cloudWatchAlarms(gp, fullInventory(gp));
    t.like(g.find((s) => s.alertId === "mongodb-replication-lag")!, { expression: "m1 / 1000", threshold: 30 });
    t.like(g.find((s) => s.alertId === "certificate-expiry")!, { comparison: "LessThanThreshold", threshold: 30, severity: "critical" });
    const pfm = getRunbook("pfm-community");
    t.like(cloudWatchAlarms(pfm, fullInventory(pfm)).find((s) => s.alertId === "redis-hit-rate")!, { comparison: "LessThanThreshold", threshold: 80, evaluationPeriods: 10 });
});

test("AMP alert manager: the alerting routing, one SNS topic per severity, the Watchdog to the heartbeat (checked by amtool)", async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), "aws-am-"));
    const checks: Promise<void>[] = [];
    const topics = { critical: "arn:aws:sns:us-east-1:1:c", warning: "arn:aws:sns:us-east-1:1:w", info: "arn:aws:sns:us-east-1:1:i", heartbeat: "arn:aws:sns:us-east-1:1:h" };
    for (const rb of allRunbooks()) {
        const outer = YAML.parse(ampDefinition(rb, "us-east-1", topics)) as { alertmanager_config: string };
        const config = YAML.parse(outer.alertmanager_config) as { receivers: { name: string; sns_configs: { topic_arn: string; sigv4: { region: string } }[] }[] };
        t.deepEqual(config, JSON.parse(JSON.stringify(ampAlertManagerConfig(rb, "us-east-1", topics))));
        const topicOf = Object.fromEntries(config.receivers.map((r) => [r.name, r.sns_configs[0].topic_arn]));
        t.deepEqual(topicOf, {
            [receiverName(rb.app, "critical")]: topics.critical,
            [receiverName(rb.app, "warning")]: topics.warning,
            [receiverName(rb.app, "info")]: topics.info,
            [receiverName(rb.app, "watchdog")]: topics.heartbeat,
        });
        for (const r of config.receivers) t.is(r.sns_configs[0].sigv4.region, "us-east-1");
        const file = path.join(dir, `${rb.app}.yml`);
        writeFileSync(file, outer.alertmanager_config);
        checks.push(run("amtool", ["check-config", file]).then(() => undefined));
        for (const [labels, role] of [
            [["severity=critical", "alertname=X"], "critical"],
            [["severity=warning", "alertname=X"], "warning"],
            [["severity=info", "alertname=X"], "info"],
            [["alertname=Watchdog", "severity=none"], "watchdog"],
        ] as const) {
            const receiver = receiverName(rb.app, role);
            checks.push(
                run("amtool", ["config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${receiver}`, ...labels]).then(({ stdout }) => {
                    t.is(stdout.trim(), receiver, `${rb.app} ${labels.join(",")}`);
                }),
            );
        }
    }
    await Promise.all(checks);
    t.is(heartbeatPeriodSeconds(), 360, "repeat 5m + group interval 1m: one heartbeat per period at the latest");
});

test("collector: a valid Prometheus agent config scraping what the contract requires (checked by promtool)", async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), "aws-prom-"));
    for (const rb of allRunbooks()) {
        const required = requiredExporters(rb, "aws");
        const text = collectorConfig(rb, "production", required, { region: "us-east-1", remoteWriteUrl: "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", namespace: `${rb.app}.production.internal`, kafkaBrokers: ["b-1.x", "b-2.x"] });
        const file = path.join(dir, `${rb.app}.yml`);
        writeFileSync(file, text);
        await run("promtool", ["check", "config", "--agent", file]);
        const jobs = (YAML.parse(text) as { scrape_configs: { job_name: string }[] }).scrape_configs.map((j) => j.job_name);
        for (const r of required) {
            if (["postgres", "redis", "kafka", "mongodb"].includes(r.exporter)) t.true(jobs.includes(r.exporter), `${rb.app}: ${r.exporter}`);
            if (r.exporter === "app") for (const c of r.components) t.true(jobs.includes(`app-${c}`));
            if (r.exporter === "blackbox") for (const p of r.probes ?? []) t.true(jobs.includes(`probe-${p.probe}-${p.component}`));
        }
    }
});

test("containers: limits, health check on the runbook's path, credentials only by reference", (t) => {
    const rb = getRunbook("personal-finance-hub");
    const svc = rb.services[0];
    const endpoints = { postgres: { host: "db", port: 5432, readHosts: ["r1"] }, redis: { host: "cache", port: 6379 }, kafka: { bootstrapServers: "b-1:9094" }, mongodb: { host: "docdb", port: 27017 }, buckets: { "pfh-bucket": "pfh-bucket" } };
    const creds = { postgres: "arn:pg", redis: "arn:redis", mongodb: "arn:mongo", kafka: "arn:kafka" };
    const { environment, secrets } = appEnvironment(rb, "production", "us-east-1", svc, endpoints, creds);
    t.deepEqual(
        secrets.map((s) => s.name).sort(),
        ["DATABASE_URL", "KAFKA_PASSWORD", "KAFKA_USERNAME", "MONGO_PASSWORD", "MONGO_URI", "PGPASSWORD", "REDIS_PASSWORD", "REDIS_URL"],
    );
    for (const s of secrets) t.regex(s.valueFrom, /^arn:(pg|redis|mongo):(password|url)::$|^arn:kafka:(username|password)::$/);
    t.false(environment.some((e) => /PASSWORD|SECRET|TOKEN/.test(e.name)));
    t.like(Object.fromEntries(environment.map((e) => [e.name, e.value])), { PGDATABASE: rb.data.postgres!.database, PGUSER: postgresRoles(rb.app, rb.data.postgres!).app, PORT: String(svc.port), PGHOST_READ: "r1", S3_BUCKET_PFH_BUCKET: "pfh-bucket" });
    const c = appContainer(svc, { image: "img:1", logGroup: "g", region: "us-east-1", environment, secrets, caBundle: true });
    t.is(c.memory, svc.resources.limits.memoryMiB);
    t.is(c.memoryReservation, svc.resources.reservations.memoryMiB);
    t.is(c.cpu, svc.resources.limits.cpu * 1024);
    t.true(healthCommand(svc)[1].includes(`http://127.0.0.1:${svc.port}${svc.healthPath}`));
    // Read-only root, unprivileged, writing only to the scratch volume the init step opened for it.
    t.deepEqual(c.dependsOn, [{ containerName: APP_INIT_CONTAINER, condition: "SUCCESS" }]);
    t.is(c.readonlyRootFilesystem, true);
    t.is(c.user, `${APP_UID}`);
    t.deepEqual(c.mountPoints?.filter((m) => !m.readOnly).map((m) => m.containerPath), [APP_SCRATCH]);
    const init = appInitContainer("g", "us-east-1", true);
    t.like(init, { essential: false, user: "0", readonlyRootFilesystem: true, linuxParameters: { capabilities: { drop: ["ALL"] } } });
    t.deepEqual(init.mountPoints?.map((m) => m.sourceVolume).sort(), [...new Set(c.mountPoints?.map((m) => m.sourceVolume))].sort(), "the init step prepares exactly the volumes the app mounts");
    t.true(init.mountPoints!.some((m) => m.containerPath === CA_DIR) && /curl .* -o \/certs\//.test(init.command!.join(" ")), "it fetches the CA bundle where the app needs it");
    t.false(appInitContainer("g", "us-east-1", false).command!.join(" ").includes("curl"), "a frontend's task fetches no CA bundle");
});

/** Runs a forwarder's `index.js` as Lambda would, with Secrets Manager and fetch stood in; returns its exports and what it posted. */
function loadForwarder(t: import("ava").ExecutionContext, source: string, env: Record<string, string>) {
    const posted: { url: string; body: Record<string, any> }[] = [];
    const module = { exports: {} as Record<string, (e: unknown) => any> };
    class GetSecretValueCommand {
        constructor(readonly input: { SecretId: string }) {}
    }
    const sandbox = {
        module,
        exports: module.exports,
        require: (name: string) => {
            if (name === "crypto") return require("crypto");
            t.is(name, "@aws-sdk/client-secrets-manager");
            return { SecretsManagerClient: class { send = async (cmd: GetSecretValueCommand) => ({ SecretString: `secret-of:${cmd.input.SecretId}` }) }, GetSecretValueCommand };
        },
        process: { env },
        fetch: async (url: string, init: { body: string }) => {
            posted.push({ url, body: JSON.parse(init.body) });
            return { ok: true, status: 202 };
        },
    };
    vm.runInNewContext(`(function (module, exports) { ${source} })(module, module.exports)`, sandbox);
    return { exports: module.exports, posted };
}

test("chat forwarder: posts each notification to the webhook read from Secrets Manager", async (t) => {
    const { exports, posted } = loadForwarder(t, CHAT_FORWARDER_SOURCE, { WEBHOOK_SECRET_ARN: "arn:secret", APP: "bunty", CHANNEL: "#bunty-alerts" });
    const alarm = { AlarmName: "bunty-production-memory-usage-critical-ecs-backend", NewStateValue: "ALARM", AlarmDescription: "High memory usage", NewStateReason: "threshold crossed" };
    await exports.handler({ Records: [{ Sns: { Message: JSON.stringify(alarm), Subject: "ALARM" } }, { Sns: { Message: "AMP says hi", Subject: "[bunty] warning: X", MessageAttributes: { severity: { Value: "warning" } } } }] });
    t.is(posted.length, 2);
    t.is(posted[0].url, "secret-of:arn:secret");
    t.is(posted[0].body.channel, "#bunty-alerts");
    t.regex(posted[0].body.text, /^\[bunty\] ALARM: bunty-production-memory-usage-critical-ecs-backend/);
    t.regex(posted[1].body.text, /^\[bunty\] warning \[bunty\] warning: X\nAMP says hi$/);
});

test("pager forwarder: AMP notifications (rendered by amtool from the real template) and CloudWatch alarms become Events API v2 triggers and resolves, one dedup key per alert group", async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), "pager-"));
    writeFileSync(path.join(dir, "empty.tmpl"), '{{ define "unused" }}{{ end }}');
    // amtool renders the SNS message Amazon Managed Prometheus will publish, with its example alert data.
    const rendered = (await run("amtool", ["template", "render", `--template.glob=${path.join(dir, "empty.tmpl")}`, `--template.text=${SNS_MESSAGE}`])).stdout;
    const { exports, posted } = loadForwarder(t, PAGER_FORWARDER_SOURCE, { ROUTING_KEY_SECRET_ARN: "arn:key", APP: "gravitypm", EVENTS_URL: PAGERDUTY_EVENTS_URL });
    const fields = exports.fields(rendered);
    t.regex(fields.group, /^grouplabelkey1:grouplabelvalue1;/, "the group's labels identify the incident");
    const resolved = rendered.replace(/^status=.*$/m, "status=resolved");
    const alarm = { AlarmName: "gravitypm-production-heartbeat", AlarmArn: "arn:aws:cloudwatch:us-east-1:1:alarm:gravitypm-production-heartbeat", NewStateValue: "ALARM", NewStateReason: "no heartbeat" };
    await exports.handler({ Records: [{ Sns: { Message: rendered, Subject: "x" } }, { Sns: { Message: resolved, Subject: "x" } }, { Sns: { Message: JSON.stringify(alarm) } }, { Sns: { Message: JSON.stringify({ ...alarm, NewStateValue: "OK" }) } }] });
    t.is(posted.length, 4);
    for (const p of posted) {
        t.is(p.url, PAGERDUTY_EVENTS_URL);
        t.is(p.body.routing_key, "secret-of:arn:key");
        t.regex(p.body.dedup_key, /^[0-9a-f]{64}$/);
    }
    t.deepEqual(posted.map((p) => p.body.event_action), ["trigger", "resolve", "trigger", "resolve"]);
    t.is(posted[0].body.dedup_key, posted[1].body.dedup_key, "the resolve closes the incident the trigger opened");
    t.is(posted[2].body.dedup_key, posted[3].body.dedup_key);
    t.not(posted[0].body.dedup_key, posted[2].body.dedup_key);
    t.is(posted[0].body.payload.severity, "critical");
    t.is(posted[0].body.payload.source, "gravitypm");
    t.regex(posted[2].body.payload.summary, /^\[gravitypm\] gravitypm-production-heartbeat: no heartbeat/);
    t.is(posted[1].body.payload, undefined, "a resolve carries no payload");
});

test("coverage: the AWS target claims every CloudWatch alert level, backup, log retention, scaling and tuning number, and every dashboard", (t) => {
    for (const rb of allRunbooks()) {
        const claimed = (kind: CoverageKey["kind"], id: string) => awsCoverage({ app: rb.app, kind, id })?.implementedBy ?? [];
        for (const alert of rb.alerts.filter((a) => (CLOUDWATCH_ONLY_SIGNALS as readonly string[]).includes(a.signal))) {
            for (const level of alert.levels) t.true(claimed("alert-level", `${alert.id}/${level.severity}`).length > 0, `${rb.app} ${alert.id}/${level.severity}`);
        }
        for (const b of rb.backups) {
            t.true(claimed("backup-schedule", b.dataset).length > 0);
            t.regex(claimed("backup-retention", b.dataset)[0], new RegExp(`\\b${b.retentionDays}\\b`));
        }
        t.regex(claimed("log-retention", "logs")[0], new RegExp(`retention ${cloudWatchRetentionDays(rb.logs.retentionDays)} days`));
        for (const s of rb.services) t.regex(claimed("scaling", s.name)[0], new RegExp(`desiredCount ${s.scaling.desired}; Application Auto Scaling ${s.scaling.min}-${s.scaling.max}`));
        t.deepEqual(claimed("alert-level", "no-such-alert/critical"), []);
        // Each runbook dashboard is a Grafana provisioning object on AWS.
        for (const id of rb.monitoring.dashboards) t.regex(claimed("dashboard", id)[0], new RegExp(`S3 object dashboards/${id}\\.json in the Grafana provisioning bucket`));
        t.deepEqual(claimed("dashboard", "no-such-dashboard"), []);
    }
});

test("PostgreSQL roles task: psql as the master user over verified TLS, the three passwords by reference, after the CA bundle", (t) => {
    for (const rb of allRunbooks().filter((r) => r.data.postgres)) {
        const pg = rb.data.postgres!;
        const roles = postgresRoles(rb.app, pg);
        const defs = postgresRolesContainers(rb, { image: "postgres:16.4-alpine", logGroup: "g", region: "us-east-1", host: "db.example", port: 5432, admin: "arn:master", app: "arn:app", monitor: "arn:monitor" });
        const task = defs.find((d) => d.name === POSTGRES_ROLES_CONTAINER)!;
        const env = Object.fromEntries(task.environment.map((e) => [e.name, e.value]));
        t.like(env, { PGHOST: "db.example", PGPORT: "5432", PGDATABASE: pg.database, PGUSER: roles.admin, PGSSLMODE: "verify-full" });
        t.deepEqual(Object.fromEntries(task.secrets.map((s) => [s.name, s.valueFrom])), {
            PGPASSWORD: "arn:master:password::",
            [ROLE_PASSWORD_ENV.app]: "arn:app:password::",
            [ROLE_PASSWORD_ENV.monitor]: "arn:monitor:password::",
        });
        t.deepEqual(task.dependsOn, [{ containerName: CA_CONTAINER, condition: "SUCCESS" }]);
        t.true(task.command![0].includes(POSTGRES_ROLES_SQL.trimEnd()), `${rb.app}: runs the tested SQL`);
        t.true(task.command![0].includes(`-v app_role=${roles.app}`) && task.command![0].includes(`-v monitor_role=${roles.monitor}`));
    }
    const none = structuredClone(getRunbook("gravitypm"));
    t.throws(() => postgresRolesContainers(none, { image: "i", logGroup: "g", region: "r", host: "h", port: 1, admin: "a", app: "b", monitor: "c" }), { message: /gravitypm: `data\.postgres`/ });
});

test("MSK SASL/SCRAM: the admin's client config as sh writes it, and ACLs for exactly the runbook's topics and groups", async (t) => {
    const rb = allRunbooks().find((r) => r.data.kafka?.topics.length && r.data.kafka.consumerGroups.length);
    if (!rb?.data.kafka) return t.fail("a runbook with Kafka topics and consumer groups is needed");
    const kafka = rb.data.kafka;
    const users = kafkaUsers("shop-kafka");
    t.is(scramSecretName(users.app), `AmazonMSK_${users.app}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msk-"));
    const file = path.join(dir, "client.properties");
    const password = `p'w"$x\\y`;
    const r = spawnSync("sh", ["-c", adminClientConfig(users, file)], { env: { PATH: process.env.PATH, [KAFKA_ADMIN_PASSWORD_ENV]: password }, encoding: "utf8" });
    t.is(r.status, 0, r.stderr);
    t.is(
        fs.readFileSync(file, "utf8"),
        `security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${users.admin}" password="${password}";\n`,
    );
    t.is((fs.statSync(file).mode & 0o077), 0, "only the task's user reads the password file");
    const missing = spawnSync("sh", ["-c", adminClientConfig(users, file)], { env: { PATH: process.env.PATH }, encoding: "utf8" });
    t.not(missing.status, 0);
    fs.rmSync(dir, { recursive: true, force: true });

    const acls = aclCommands(kafka, users, "b-1:9096", "/tmp/c");
    const grants = (user: string) => acls.filter((a) => a.includes(`User:${user} `));
    for (const topic of kafka.topics) {
        t.true(grants(users.app).some((a) => a.includes(`--topic ${topic.name}`) && /--operation Read --operation Write --operation Describe/.test(a)), `${topic.name}: the app reads and writes`);
        t.true(grants(users.monitor).some((a) => a.includes(`--topic ${topic.name}`) && !/Read|Write/.test(a)), `${topic.name}: the exporter only describes`);
    }
    for (const group of kafka.consumerGroups) t.true(grants(users.app).some((a) => a.includes(`--group ${group}`) && a.includes("--operation Read")));
    t.false(grants(users.app).some((a) => a.includes("--cluster")), "the app holds no cluster rights");
    t.true(acls.every((a) => a.includes("--command-config /tmp/c --add ")));
    t.deepEqual(aclCommands({ ...kafka, topics: [], consumerGroups: [] }, users, "b", "c").length, 2, "no topic or group: only the cluster ACLs, never a bare --topic");
});
