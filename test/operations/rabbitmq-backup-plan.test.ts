import test from "ava";
import { alarmInventory } from "../../capabilities/aws/inventory";
import { cloudWatchAlarms } from "../../capabilities/aws/alarms";
import { BACKUP_TASK_METRIC, backupRules, backupTaskContainers, backupTasks, restoreTestSpec } from "../../capabilities/aws/backups";
import { awsCron } from "../../capabilities/schedules";
import { coverageRows } from "../../capabilities/alerting/coverage";
import { awsClaim } from "../../capabilities/aws/coverage";
import { awsNames } from "../../capabilities/aws/names";
import { policyCoverage } from "../../policies/coverage";
import { backupPlan, runbookBackups } from "../../capabilities/backups/plan";
import { backupJobs } from "../../capabilities/docker/backups";
import { HOSTS, INTERNAL_PORTS } from "../../capabilities/docker/topology";
import { scheduledJobs } from "../../capabilities/kubernetes/backups";
import { names as kubernetesNames } from "../../capabilities/kubernetes/names";
import { MANAGEMENT_ENV, RABBITMQ_PLATFORM_ADMIN } from "../../capabilities/rabbitmq";
import { APP_IDS, durationSeconds, getRunbook, parseRunbook, type Backup } from "../../runbooks";
import { DEFAULTS } from "../../runbooks/defaults";
import { rabbitMqApp } from "../targets/rabbitmq-app";

/**
 * RabbitMQ's definitions as a dataset of the one backup plan (capabilities/backups/plan.ts) and
 * what each target makes of it: pure functions, no plan. Expected values come from the synthetic
 * runbook's data and the platform default in runbooks/defaults.ts, never from the code under test.
 */

const RB = rabbitMqApp();
const MQ = RB.data.rabbitmq!;
const DEFAULT = DEFAULTS.rabbitmqDefinitionsBackup;
/** The synthetic app with a definitions backup the runbook states itself. */
const STATED: Backup = { dataset: "rabbitmq", cron: "15 4 * * *", every: "1d", retentionDays: 14, source: MQ.source };
const RB_STATED = parseRunbook({ ...RB, backups: [...RB.backups, STATED] });

test("a runbook with RabbitMQ and no definitions backup gets the platform default, every field marked defaulted with its reason", (t) => {
    const planned = backupPlan(RB).filter((p) => p.dataset === "rabbitmq");
    t.is(planned.length, 1);
    const [p] = planned;
    t.like(p, { name: "rabbitmq", tier: undefined, storePath: "", method: "dump", restorable: true, cron: DEFAULT.value.cron, retentionDays: DEFAULT.value.retentionDays });
    t.is(p.everySeconds, durationSeconds(DEFAULT.value.every));
    t.is(p.maxAgeHours, durationSeconds(DEFAULT.value.maxAge) / 3600);
    t.deepEqual(p.source, { kind: "data-service", service: "rabbitmq" });
    t.deepEqual(p.destination, { kind: "platform", prefix: "rabbitmq" });
    t.deepEqual(p.backup.defaulted, { cron: DEFAULT.reason, every: DEFAULT.reason, retentionDays: DEFAULT.reason, maxAge: DEFAULT.reason });
    t.deepEqual(p.backup.source, MQ.source, "cited where the runbook runs RabbitMQ");
    t.is(p.index, RB.backups.length, "after the runbook's own entries");
    t.deepEqual(runbookBackups(RB).slice(0, RB.backups.length), RB.backups, "the runbook's entries first, unchanged");
});

test("a definitions backup the runbook states replaces the default", (t) => {
    const planned = backupPlan(RB_STATED).filter((p) => p.dataset === "rabbitmq");
    t.is(planned.length, 1);
    t.like(planned[0], { cron: STATED.cron, retentionDays: STATED.retentionDays, maxAgeHours: (2 * durationSeconds(STATED.every)) / 3600 });
    t.is(planned[0].backup.defaulted, undefined);
});

test("the five apps have no RabbitMQ: their backups are the runbook's, nothing added", (t) => {
    for (const app of APP_IDS) {
        const rb = getRunbook(app);
        t.deepEqual(runbookBackups(rb), rb.backups, app);
        t.false(backupPlan(rb).some((p) => p.dataset === "rabbitmq"), app);
    }
});

test("a rabbitmq backup entry without data.rabbitmq is refused by name", (t) => {
    const base = getRunbook("bunty");
    const rb = parseRunbook({ ...base, backups: [...base.backups, STATED] });
    t.throws(() => backupPlan(rb), { message: new RegExp(`backups\\[${base.backups.length}\\]\\.dataset = "rabbitmq" but data\\.rabbitmq is not set`) });
});

test("Docker: a container on the plan's cron exporting through the management API as the platform's administrator, in the AWS CLI's image", (t) => {
    const job = backupJobs(RB).find((j) => j.dataset === "rabbitmq")!;
    t.truthy(job);
    t.is(job.image, "awsCli");
    t.is(job.env.CRON_SCHEDULE, DEFAULT.value.cron);
    t.is(job.env.RETENTION_DAYS, `${DEFAULT.value.retentionDays}`);
    t.is(job.env.JOB_DATASET, "rabbitmq");
    t.is(job.env[MANAGEMENT_ENV.url], `http://${HOSTS.rabbitmq}:${INTERNAL_PORTS.rabbitmqManagement}`);
    t.is(job.env[MANAGEMENT_ENV.user], RABBITMQ_PLATFORM_ADMIN);
    t.is(job.secretEnv[MANAGEMENT_ENV.password].secret, "rabbitmqAdmin");
    t.true(job.command.some((c) => c.endsWith("/backup-rabbitmq.sh")));
    for (const f of ["lib.sh", "rabbitmq-api.sh", "backup-rabbitmq.sh", "restore-rabbitmq.sh", "verify-rabbitmq.sh"]) t.true(job.opsScripts.includes(f), f);
    const stated = backupJobs(RB_STATED).find((j) => j.dataset === "rabbitmq")!;
    t.is(stated.env.CRON_SCHEDULE, STATED.cron);
});

test("Kubernetes: a backup CronJob and a restore check, as the operator's default administrator, checking the runbook's vhost and queues", (t) => {
    const n = kubernetesNames(RB.app, RB.app);
    const jobs = scheduledJobs(RB, n).filter((j) => j.dataset === "rabbitmq");
    t.deepEqual(jobs.map((j) => j.kind), ["backup", "restore-check"]);
    const [backup, check] = jobs;
    t.is(backup.schedule, DEFAULT.value.cron);
    t.regex(backup.image, /^amazon\/aws-cli:/);
    t.false(backup.awsCli, "the image has the AWS CLI itself");
    t.deepEqual(backup.secretEnv[MANAGEMENT_ENV.user], [`${n.rabbitmq}-default-user`, "username"]);
    t.deepEqual(backup.secretEnv[MANAGEMENT_ENV.password], [`${n.rabbitmq}-default-user`, "password"]);
    t.regex(backup.env[MANAGEMENT_ENV.url], new RegExp(`^http://${n.rabbitmq}\\.${n.namespace}\\.svc[.a-z]*:15672$`));
    t.is(backup.env.RETENTION_DAYS, `${DEFAULT.value.retentionDays}`);
    t.true(backup.command.some((c) => c.endsWith("/backup-rabbitmq.sh")));
    t.is(check.env.VERIFY_MAX_AGE_HOURS, `${durationSeconds(DEFAULT.value.maxAge) / 3600}`);
    t.deepEqual(check.env.VERIFY_RABBITMQ_NAMES.split(" "), [MQ.vhost, ...MQ.queues.map((q) => q.name)]);
    t.deepEqual(check.command, ["bash", "/opt/backup/verify-rabbitmq.sh"]);
    t.false(Object.keys(check.secretEnv).some((k) => k.startsWith("RABBITMQ_")), "the check reads the store only, never the broker");
});

test("AWS: no AWS Backup rule (Amazon MQ is not a resource of it); a scheduled task and its restore check instead, and a backup-overdue alarm on the task's metric", (t) => {
    t.false(backupRules(RB).some((r) => r.dataset === "rabbitmq"));
    t.false(restoreTestSpec(RB).selections.some((s) => s.dataset === "rabbitmq"));
    const tasks = backupTasks(RB);
    t.deepEqual(tasks.map((x) => [x.kind, x.name]), [["backup", "rabbitmq"], ["restore-check", "rabbitmq"]]);
    t.is(tasks[0].schedule, awsCron(DEFAULT.value.cron));
    t.is(tasks[0].env.RETENTION_DAYS, `${DEFAULT.value.retentionDays}`);
    const alarms = cloudWatchAlarms(RB, alarmInventory(RB, {})).filter((a) => a.subject.kind === "backup-task");
    const backupAlert = RB.alerts.find((a) => a.signal === "backup_age")!;
    t.is(alarms.length, backupAlert.levels.length, "one per level of the runbook's backup-overdue alert");
    for (const a of alarms) {
        t.deepEqual(a.subject, { kind: "backup-task", app: RB.app, dataset: "rabbitmq", backup: "rabbitmq" });
        t.deepEqual(a.metrics.map((m) => [m.namespace, m.metricName, m.stat]), [[BACKUP_TASK_METRIC.namespace, BACKUP_TASK_METRIC.completed, "Sum"]]);
        t.is(a.treatMissingData, "breaching");
    }
    const [container] = backupTaskContainers(RB, tasks[0], { logGroup: "g", region: "us-east-1", bucket: "b", environment: { [MANAGEMENT_ENV.url]: "https://b-1.mq.us-east-1.amazonaws.com" }, secrets: { [MANAGEMENT_ENV.password]: "arn:secret:password::" } });
    t.regex(container.image, /^amazon\/aws-cli:/);
    t.deepEqual(container.secrets, [{ name: MANAGEMENT_ENV.password, valueFrom: "arn:secret:password::" }]);
    t.is(container.environment.find((e) => e.name === "BACKUP_DEST")?.value, "s3://b");
    t.false(JSON.stringify(container.environment).includes("password"), "no secret among the plain values");
    // The scripts travel in the command: the task definition must stay under ECS's 64 KiB task definition size quota.
    t.true(JSON.stringify([container]).length < 48 * 1024, `container definitions of ${JSON.stringify([container]).length} bytes leave too little of ECS's 64 KiB`);
});

test("the five apps' AWS plans schedule no backup task", (t) => {
    for (const app of APP_IDS) t.deepEqual(backupTasks(getRunbook(app)), [], app);
});

test("`npm run coverage` credits the definitions backup: its schedule, retention and interval rows, implemented on AWS by the scheduled task and held by the backup policies", (t) => {
    const rows = coverageRows([RB], [(key) => awsClaim(RB, key), policyCoverage]);
    const names = awsNames(RB.app, "production");
    for (const kind of ["backup-schedule", "backup-retention", "backup-interval"]) {
        const row = rows.find((r) => r.kind === kind && r.id === "rabbitmq");
        if (!row) return t.fail(`no ${kind} row for rabbitmq`);
        t.true(row.implementedBy.length > 0, `${kind}: nothing implements it`);
        t.true(row.enforcedBy.length > 0, `${kind}: no policy holds it`);
    }
    const schedule = rows.find((r) => r.kind === "backup-schedule" && r.id === "rabbitmq")!;
    t.is(schedule.number, `cron ${DEFAULT.value.cron}`);
    t.true(schedule.implementedBy.some((i) => i.includes(`EventBridge Scheduler schedule ${names.prefix}-backup-rabbitmq ${awsCron(DEFAULT.value.cron)}`)), schedule.implementedBy.join("; "));
    const retention = rows.find((r) => r.kind === "backup-retention" && r.id === "rabbitmq")!;
    t.true(retention.implementedBy.some((i) => i.includes(`RETENTION_DAYS ${DEFAULT.value.retentionDays}`)), retention.implementedBy.join("; "));
    const interval = rows.find((r) => r.kind === "backup-interval" && r.id === "rabbitmq")!;
    t.true(interval.implementedBy.some((i) => i.includes(`${BACKUP_TASK_METRIC.namespace} ${BACKUP_TASK_METRIC.completed}`)), interval.implementedBy.join("; "));
});
