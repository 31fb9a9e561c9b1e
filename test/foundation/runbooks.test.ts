import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { allRunbooks, durationSeconds, getRunbook, nextIntervalsSeconds, parseRunbook, type Runbook } from "../../runbooks";
import { SEEDS_DIR, seedSections } from "../../runbooks/seeds";
import { provenanceProblems, sourcesOf } from "../../runbooks/provenance";

/**
 * The runbook data against the runbooks themselves. Two kinds of check: every cited quote stands
 * in its seed section and carries the number it is cited for; and for a sample of numbers per app,
 * the number is read out of the seed text here, independently, with its own pattern.
 */

/** A number as a runbook writes it: whole or decimal (`5`, `0.5`); thresholds may be either. */
const N = String.raw`(\d+(?:\.\d+)?)`;
const re = (strings: TemplateStringsArray, ...parts: string[]) => new RegExp(String.raw(strings, ...parts));

function seedText(rb: Runbook): string {
    return fs.readFileSync(path.join(SEEDS_DIR, rb.seed), "utf8");
}

function section(rb: Runbook, heading: string): string {
    const found = seedSections(rb.seed).find((s) => s.heading === heading);
    if (!found) throw new Error(`${rb.seed} has no section ${heading}`);
    return found.body;
}

test("the seeds in the project are the teams' runbooks, byte for byte", (t) => {
    const shared = path.resolve(__dirname, "..", "..", "..", "shared", "seeds");
    if (!fs.existsSync(shared)) {
        t.pass("no shared/ beside this clone to compare with");
        return;
    }
    for (const file of fs.readdirSync(shared)) {
        t.is(fs.readFileSync(path.join(SEEDS_DIR, file), "utf8"), fs.readFileSync(path.join(shared, file), "utf8"), file);
    }
});

test("every quote stands in its seed section, and every number not defaulted or converted is in its quote (the check npm run check runs)", (t) => {
    let count = 0;
    for (const rb of allRunbooks()) {
        count += sourcesOf(rb).length;
        t.deepEqual(provenanceProblems(rb), [], rb.app);
        for (const b of rb.backups) t.is(nextIntervalsSeconds(b.cron), durationSeconds(b.every), `${rb.app} ${b.dataset}`);
    }
    t.true(count > 200, `only ${count} sources`);
});

test("pfm-community: alert table, tuning and limits read from the seed", (t) => {
    const rb = getRunbook("pfm-community");
    const critical = section(rb, "Critical Alerts (Immediate Response Required)");
    const m = re`High Error Rate: > ${N}% error rate for > (\d+) minutes`.exec(critical)!;
    const errorRate = rb.alerts.find((a) => a.id === "http-error-rate")!.levels.find((l) => l.severity === "critical")!;
    t.is(errorRate.threshold, Number(m[1]));
    t.is(durationSeconds(errorRate.for), Number(m[2]) * 60);
    const dbDown = /Database Down: PostgreSQL unavailable for > (\d+) seconds/.exec(critical)!;
    t.is(durationSeconds(rb.alerts.find((a) => a.id === "postgres-down")!.levels[0].for), Number(dbDown[1]));
    const mem = re`Memory Critical: > ${N}% memory usage for > (\d+) minutes`.exec(critical)!;
    const memCrit = rb.alerts.find((a) => a.id === "memory-usage")!.levels.find((l) => l.severity === "critical")!;
    t.deepEqual([memCrit.threshold, durationSeconds(memCrit.for)], [Number(mem[1]), Number(mem[2]) * 60]);
    const warning = section(rb, "Warning Alerts (Response Within 15 Minutes)");
    const hit = re`< ${N}% hit rate for > (\d+) minutes`.exec(warning)!;
    const hitRate = rb.alerts.find((a) => a.id === "redis-hit-rate")!;
    t.is(hitRate.direction, "below");
    t.deepEqual([hitRate.levels[0].threshold, durationSeconds(hitRate.levels[0].for)], [Number(hit[1]), Number(hit[2]) * 60]);
    t.is(rb.incident.alertResponse.warning.minutes, Number(/Response Within (\d+) Minutes/.exec("Warning Alerts (Response Within 15 Minutes)")![1]));

    const text = seedText(rb);
    t.is(rb.data.postgres!.parameters.shared_buffers, /shared_buffers = (\S+)/.exec(text)![1]);
    t.is(rb.data.postgres!.parameters.effective_cache_size, /effective_cache_size = (\S+)/.exec(text)![1]);
    t.is(rb.data.postgres!.parameters.random_page_cost, /random_page_cost = (\S+)/.exec(text)![1]);
    t.is(rb.data.redis!.maxmemoryMB, Number(/maxmemory (\d+)mb/.exec(text)![1]));
    t.is<string, string>(rb.data.redis!.maxmemoryPolicy, /maxmemory-policy (\S+)/.exec(text)![1]);
    const save = /save ((?:\d+ \d+ ?)+)/.exec(text)![1].trim().split(" ").map(Number);
    t.deepEqual(rb.data.redis!.save.flat(), save);
    const backend = rb.services.find((s) => s.name === "backend")!;
    t.is(backend.resources.limits.memoryMiB, Number(/limits:\s+memory: (\d+)G/.exec(text)![1]) * 1024);
    t.is(backend.resources.limits.cpu, Number(/limits:\s+memory: \S+\s+cpus: '([\d.]+)'/.exec(text)![1]));
    t.is(backend.resources.reservations.memoryMiB, Number(/reservations:\s+memory: (\d+)M/.exec(text)![1]));
    t.is(backend.scaling.desired, Number(/scale backend=(\d+)/.exec(text)![1]));
    t.is(rb.monitoring.ports.grafana, Number(/Grafana Dashboard:\s+\S+:(\d+)/.exec(text)![1]));
    t.is(rb.maintenanceWindow.day, "wednesday");
    t.is(rb.incident.severities.find((s) => s.name.startsWith("Severity 1"))!.responseMinutes, Number(/Immediate \(< (\d+) minutes\)/.exec(text)![1]));
});

test("formula-pm: warning and critical tables, channel and retention read from the seed", (t) => {
    const rb = getRunbook("formula-pm");
    const levelsOf = (id: string) => Object.fromEntries(rb.alerts.find((a) => a.id === id)!.levels.map((l) => [l.severity, l.threshold]));
    const warning = section(rb, "Warning Alerts (Response within 30 minutes)");
    const critical = section(rb, "Critical Alerts (Immediate Response)");
    t.is(levelsOf("http-error-rate").warning, Number(re`Error rate > ${N}%`.exec(warning)![1]));
    t.is(levelsOf("http-error-rate").critical, Number(re`Error rate > ${N}%`.exec(critical)![1]));
    t.is(levelsOf("http-latency-p95").warning, Number(re`Response time > ${N} second`.exec(warning)![1]));
    t.is(levelsOf("http-latency-p95").critical, Number(re`Response time > ${N} seconds`.exec(critical)![1]));
    t.is(levelsOf("http-latency-p95").info * 1000, Number(re`95th percentile < ${N}ms`.exec(seedText(rb))![1]));
    t.is(levelsOf("cpu-usage").warning, Number(re`CPU usage > ${N}%`.exec(warning)![1]));
    t.is(levelsOf("memory-usage").warning, Number(re`Memory usage > ${N}%`.exec(warning)![1]));
    t.is(levelsOf("disk-usage").warning, Number(re`Disk usage > ${N}%`.exec(warning)![1]));
    t.is(levelsOf("disk-usage").critical, Number(re`Disk usage > ${N}%`.exec(critical)![1]));
    t.is(rb.incident.alertResponse.warning.minutes, 30);
    t.is(rb.incident.channels.chat, /\*\*Slack\*\*: (#\S+)/.exec(seedText(rb))![1]);
    t.is(rb.incident.channels.email, /\*\*Email\*\*: (\S+)/.exec(seedText(rb))![1]);
    t.is(rb.backups.find((b) => b.dataset === "postgres")!.retentionDays, Number(/keep last (\d+) days/.exec(seedText(rb))![1]));
    t.is(rb.logs.retentionDays, Number(/find \/var\/log -name "\*\.log" -mtime \+(\d+)/.exec(seedText(rb))![1]));
    const sync = /aws s3 sync s3:\/\/(\S+) s3:\/\/([^/]+)\/(\w+)\//.exec(seedText(rb))!;
    t.deepEqual([rb.data.objectStorage!.backupSync!.from, rb.data.objectStorage!.backupSync!.to, rb.data.objectStorage!.backupSync!.prefix], [sync[1], sync[2], `${sync[3]}/`]);
});

test("personal-finance-hub: threshold table, Kafka, Mongo and dashboards read from the seed", (t) => {
    const rb = getRunbook("personal-finance-hub");
    const table = section(rb, "Alert Thresholds");
    const pairs: [string, string][] = [
        ["API Response Time", "http-latency-p95"],
        ["Error Rate", "http-error-rate"],
        ["Kafka Consumer Lag", "kafka-consumer-lag"],
        ["Redis Memory", "redis-memory-usage"],
        ["Disk Space", "disk-usage"],
    ];
    for (const [label, id] of pairs) {
        const line = table.split("\n").find((l) => l.includes(`**${label}**`))!;
        const [warn, crit] = [...line.matchAll(new RegExp(String.raw`> (?:P95 > )?${N}`, "g"))].map((m) => Number(m[1]));
        const levels = Object.fromEntries(rb.alerts.find((a) => a.id === id)!.levels.map((l) => [l.severity, l.threshold]));
        t.deepEqual([levels.warning, levels.critical], [warn, crit], label);
    }
    const text = seedText(rb);
    t.is(rb.data.kafka!.topics[0].name, /--topic (\S+)/.exec(text)![1]);
    t.is(rb.data.kafka!.consumerGroups[0], /--group (\S+)/.exec(text)![1]);
    t.is(rb.data.mongodb!.oplogSizeMB, Number(/replSetResizeOplog: 1, size: (\d+)/.exec(text)![1]));
    t.is(rb.services[0].port, Number(/localhost:(\d+)\/api\/health/.exec(text)![1]));
    t.deepEqual(rb.monitoring.dashboards, [...text.matchAll(/localhost:3001\/d\/(pfh-\w+)/g)].map((m) => m[1]));
    t.is(rb.monitoring.ports.grafana, Number(/Main Dashboard\*\*: http:\/\/localhost:(\d+)/.exec(text)![1]));
    t.is(rb.logs.retentionDays, Number(/retain (\d+) days/.exec(text)![1]));
    t.deepEqual(
        rb.incident.escalation.map((e) => e.afterMinutes),
        [...text.matchAll(/\*\*Level \d\*\* \((\d+)[-+]/g)].map((m) => Number(m[1])),
    );
});

test("bunty: P2 latency, log rotation and external APIs read from the seed", (t) => {
    const rb = getRunbook("bunty");
    const text = seedText(rb);
    t.is(rb.alerts.find((a) => a.id === "http-latency-p95")!.levels[0].threshold, Number(re`API response times > ${N} seconds`.exec(text)![1]));
    t.is(rb.logs.rotateMaxSizeMB, Number(/max_size (\d+)M/.exec(text)![1]));
    t.is(rb.logs.retentionDays, Number(/pm2-logrotate:retain (\d+)/.exec(text)![1]));
    t.deepEqual(rb.externalDependencies.map((d) => d.url), [...text.matchAll(/- \w+: (https:\/\/status\.\S+)/g)].map((m) => m[1]));
    t.is(rb.data.postgres!.database, /pg_database_size\('(\w+)'\)/.exec(text)![1]);
    t.deepEqual(rb.verification.find((v) => v.kind === "dr-drill")?.cadence, "quarterly");
});

test("gravitypm: backup schedule, escalation, severities and AWS layout read from the seed", (t) => {
    const rb = getRunbook("gravitypm");
    const schedule = section(rb, "Backup Schedule");
    const every = Number(/Database\*\*: Every (\d+) hours/.exec(schedule)![1]);
    t.is(nextIntervalsSeconds(rb.backups.find((b) => b.dataset === "mongodb")!.cron), every * 3600);
    t.is(rb.backups.find((b) => b.dataset === "files")!.cron.split(" ")[1], /File System\*\*: Daily at (\d+) AM/.exec(schedule)![1]);
    t.is(rb.backups.find((b) => b.dataset === "config")!.cron.split(" ")[1], /Configuration\*\*: Daily at (\d+) AM/.exec(schedule)![1]);
    const text = seedText(rb);
    const escalation = [...text.matchAll(/\*\*Level \d\*\*: [^(\n]+\(after (\d+) (minutes|hours?)/g)].map((m) => Number(m[1]) * (m[2].startsWith("hour") ? 60 : 1));
    t.deepEqual(rb.incident.escalation.slice(1).map((e) => e.afterMinutes), escalation);
    const resolution = [...text.matchAll(/\*\*Resolution Time\*\*: < (\d+) (hours?)/g)].map((m) => Number(m[1]) * 60);
    t.deepEqual(rb.incident.severities.map((s) => s.resolutionMinutes), resolution);
    t.is(rb.aws.region, /\*\*Region\*\*: (\S+)/.exec(text)![1]);
    t.is(rb.aws.availabilityZones, Number(/across (\d+) AZs/.exec(text)![1]));
    t.is(rb.services.find((s) => s.name === "backend")!.scaling.desired, Number(/--desired-count (\d+)/.exec(text)![1]));
    t.is(rb.logs.retentionDays, Number(/rotate (\d+)/.exec(text)![1]));
    const dbMetrics = section(rb, "Database Metrics");
    t.is(rb.alerts.find((a) => a.id === "mongodb-replication-lag")!.levels[0].threshold, Number(re`Replication Lag\*\*: < ${N} seconds`.exec(dbMetrics)![1]));
    t.is(rb.alerts.find((a) => a.id === "mongodb-lock-wait")!.levels[0].threshold, Number(re`Lock Wait Time\*\*: < ${N} seconds`.exec(dbMetrics)![1]));
    t.is(rb.alerts.find((a) => a.id === "certificate-expiry")!.levels[0].threshold, Number(re`Certificate expiration \(< ${N} days\)`.exec(text)![1]));
    const blueGreen = section(rb, "Blue-Green Deployment");
    t.is(rb.aws.blueGreen && rb.aws.blueGreen.bakeMinutes, Number(/Monitor and Cleanup\*\*[\s\S]*?Monitor for (\d+) minutes/.exec(blueGreen)![1]));
});

function broken(mutate: (rb: Runbook) => void): unknown {
    const copy = structuredClone(getRunbook("gravitypm")) as Runbook;
    mutate(copy);
    return copy;
}

test("invalid runbook data is refused with the path of each problem", (t) => {
    const cases: [string, (rb: Runbook) => void, RegExp][] = [
        ["warning beyond critical", (rb) => (rb.alerts.find((a) => a.id === "cpu-usage")!.levels[0].threshold = 70), /alerts\.\d+\.levels: info level 80 is beyond its warning level 70/],
        ["negative retention", (rb) => (rb.backups[0].retentionDays = -1), /backups\.0\.retentionDays/],
        ["unparsable schedule", (rb) => (rb.backups[0].cron = "every six hours"), /backups\.0\.cron: an unparsable schedule/],
        ["cron that disagrees with its interval", (rb) => (rb.backups[0].cron = "0 */4 * * *"), /fires every 14400s, not every 6h/],
        ["unparsable duration", (rb) => (rb.alerts[0].levels[0].for = "five minutes"), /alerts\.0\.levels\.0\.for: a duration like 30s/],
        ["percentage over 100", (rb) => (rb.alerts.find((a) => a.id === "disk-usage")!.levels[0].threshold = 120), /120 is not a percentage/],
        ["reservation above limit", (rb) => (rb.services[0].resources.reservations.memoryMiB = 4096), /reservation 4096 MiB exceeds the limit/],
        ["source without a quote", (rb) => ((rb.alerts[0].levels[0].source as { quote?: string }).quote = undefined), /alerts\.0\.levels\.0\.source\.quote/],
        ["unknown subject", (rb) => (rb.alerts[1].subject = "cassandra"), /gravitypm: alert [a-z-]+ has subject "cassandra", which is neither a service, a data service nor an external dependency; allowed: a service \(backend, frontend\)/],
    ];
    for (const [name, mutate, message] of cases) {
        const err = t.throws(() => parseRunbook(broken(mutate)), undefined, name);
        t.regex(err!.message, message, name);
        t.regex(err!.message, /runbook data for gravitypm is invalid/, name);
    }
    t.notThrows(() => parseRunbook(broken(() => undefined)));
});
