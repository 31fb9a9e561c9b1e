import test from "ava";
import { CronExpressionParser } from "cron-parser";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { bucketBackupScript, backupJobs, cronRunnerScript } from "../../../capabilities/docker/backups";
import { kafkaTopicsScript } from "../../../capabilities/docker/kafka";
import { appPolicyJson, bucketsScript, MINIO_APP_POLICY_PATH } from "../../../capabilities/docker/minio";
import { objectStorageAppUser } from "../../../capabilities/datastores";
import { getRunbook } from "../../../runbooks";
import { APPS, run, tempDir } from "./helpers";

/**
 * The shell the local platform runs, run here with bash: the cron runner's schedule matching
 * against cron-parser (the library the runbook schema validates crons with) and its Pushgateway
 * push against a listening server; the one-shot jobs' scripts against stand-in `mc` and
 * `kafka-topics.sh` executables that record their arguments.
 */

const dirs: string[] = [];
test.after.always(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function scratch(prefix: string): string {
    const d = tempDir(prefix);
    dirs.push(d);
    return d;
}

const runnerDir = scratch("runner");
const RUNNER = path.join(runnerDir, "cron-runner.sh");
fs.writeFileSync(RUNNER, cronRunnerScript());

/** Minutes (UTC) at which cron-parser fires, plus the minutes around them and spread-out others, over a year. */
function sampleMinutes(cron: string): { at: Date; fires: boolean }[] {
    const start = new Date("2026-01-01T00:00:00Z");
    const it = CronExpressionParser.parse(cron, { tz: "UTC", currentDate: new Date(start.getTime() - 60000) });
    const fires = new Set<number>();
    for (let i = 0; i < 40; i++) fires.add(it.next().getTime());
    const candidates = new Set<number>();
    for (const f of fires) for (const d of [-60_000, 0, 60_000, 3_600_000, 86_400_000]) candidates.add(f + d);
    for (let i = 0; i < 300; i++) candidates.add(start.getTime() + Math.floor((i * 7919 * 60_000) % (366 * 86_400_000) / 60_000) * 60_000);
    return [...candidates].sort((a, b) => a - b).map((ms) => {
        const at = new Date(ms);
        const exact = CronExpressionParser.parse(cron, { tz: "UTC", currentDate: new Date(ms - 1000) }).next().getTime() === ms;
        return { at, fires: exact };
    });
}

const RUNBOOK_CRONS = [...new Set(APPS.flatMap((app) => getRunbook(app).backups.map((b) => b.cron)))];
const MORE_CRONS = ["*/15 * * * *", "5 4 * * 0", "5 4 * * 7", "0 9-17/2 * * 1-5", "30 2 1,15 * *", "0 0 1 1,4,7,10 *", "0 12 13 * 5", "10 */6 * 2-11 *"];

test("the runner fires exactly when cron-parser does, for every runbook schedule and the other cron forms it accepts", async (t) => {
    const crons = [...RUNBOOK_CRONS, ...MORE_CRONS];
    const cases = crons.flatMap((cron) => sampleMinutes(cron).map((s) => ({ cron, ...s })));
    const input = cases
        .map(({ cron, at }) => `${cron}|${at.getUTCMinutes()} ${at.getUTCHours()} ${at.getUTCDate()} ${at.getUTCMonth() + 1} ${at.getUTCDay()}`)
        .join("\n");
    const script = `source ${JSON.stringify(RUNNER)}\nwhile IFS='|' read -r cron when; do rc=0; cron_matches "$cron" $when || rc=$?; echo "$rc"; done\n`;
    const result = await run("bash", ["-c", script], { input: `${input}\n` });
    t.is(result.code, 0, result.stderr);
    const answers = result.stdout.trim().split("\n");
    t.is(answers.length, cases.length);
    let fired = 0;
    cases.forEach((c, i) => {
        fired += c.fires ? 1 : 0;
        t.is(answers[i], c.fires ? "0" : "1", `${c.cron} at ${c.at.toISOString()}`);
    });
    t.true(fired >= crons.length * 40, "every schedule's fire times were among the cases");
});

test("malformed schedules are configuration errors, before the runner waits for anything", async (t) => {
    for (const cron of ["0 1 * *", "61 * * * *", "0 1 * * MON", "0,MON 1 * * *", "*/0 * * * *", "0 25 * * *", "0 1 * * 1,"]) {
        const direct = await run("bash", ["-c", `source ${JSON.stringify(RUNNER)}; cron_valid "$1"; echo $?`, "_", cron]);
        t.is(direct.stdout.trim(), "1", cron);
        const started = await run("bash", [RUNNER, "true"], { env: { ...process.env, CRON_SCHEDULE: cron, JOB_APP: "a", JOB_DATASET: "d" }, timeoutMs: 10000 });
        t.is(started.code, 2, cron);
        t.regex(started.stderr, /CRON_SCHEDULE/);
    }
    const unlabelled = await run("bash", [RUNNER, "--now", "true"], { env: { ...process.env, JOB_APP: "", JOB_DATASET: "d" } });
    t.is(unlabelled.code, 2);
    t.regex(unlabelled.stderr, /JOB_APP/);
});

interface Received {
    method: string;
    url: string;
    body: string;
    contentType?: string;
}

async function gateway(status: number): Promise<{ port: number; received: Received[]; close: () => Promise<void> }> {
    const received: Received[] = [];
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d: Buffer) => (body += d.toString()));
        req.on("end", () => {
            received.push({ method: req.method ?? "", url: req.url ?? "", body, contentType: req.headers["content-type"] });
            res.writeHead(status);
            res.end();
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    return { port, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test("--now runs the job and, on success, PUTs its time to the Pushgateway under job, app and dataset", async (t) => {
    const gw = await gateway(200);
    const before = Math.floor(Date.now() / 1000);
    const env = { ...process.env, JOB_APP: "formula-pm", JOB_DATASET: "postgres", PUSHGATEWAY: `127.0.0.1:${gw.port}`, PUSH_METRIC: "backup_last_success_timestamp_seconds" };
    const ok = await run("bash", [RUNNER, "--now", "bash", "-c", "echo backed up"], { env });
    t.is(ok.code, 0, ok.stderr);
    t.is(ok.stdout.trim(), "backed up");
    t.is(gw.received.length, 1);
    const [push] = gw.received;
    t.is(push.method, "PUT");
    t.is(push.url, "/metrics/job/backup/app/formula-pm/dataset/postgres");
    t.regex(push.contentType ?? "", /^text\/plain/);
    const m = /^backup_last_success_timestamp_seconds (\d+)$/m.exec(push.body);
    t.truthy(m, push.body);
    t.true(Number(m![1]) >= before && Number(m![1]) <= Math.ceil(Date.now() / 1000));
    t.regex(push.body, /^# TYPE backup_last_success_timestamp_seconds gauge$/m);
    t.true(push.body.endsWith("\n"), "the exposition format ends lines with a newline");

    const failed = await run("bash", [RUNNER, "--now", "bash", "-c", "exit 7"], { env });
    t.is(failed.code, 7, "the job's status");
    t.is(gw.received.length, 1, "a failed backup pushes nothing, so the overdue alert can fire");
    t.regex(failed.stderr, /failed with status 7/);
    await gw.close();

    const refusing = await gateway(500);
    const unrecorded = await run("bash", [RUNNER, "--now", "true"], { env: { ...env, PUSHGATEWAY: `127.0.0.1:${refusing.port}` } });
    t.is(unrecorded.code, 0, "the backup itself succeeded");
    t.regex(unrecorded.stderr, /answered '500'.*\n.*not recorded/);
    await refusing.close();
});

test("the Kafka topic job creates every runbook topic with its partitions, replication and min.insync, retrying until the brokers are up, then the users and ACLs", async (t) => {
    const rb = getRunbook("personal-finance-hub");
    const kafka = rb.data.kafka!;
    const dir = scratch("kafka");
    const calls = path.join(dir, "calls");
    const stand = path.join(dir, "kafka-topics.sh");
    // Fails twice (brokers not up yet), then records its arguments and the files it was given, and succeeds.
    fs.writeFileSync(
        stand,
        `#!/usr/bin/env bash\nn=$(cat ${dir}/n 2>/dev/null || echo 0); echo $((n+1)) > ${dir}/n\n[ "$n" -ge 2 ] || exit 1\necho "$(basename "$0") $*" >> ${calls}\n` +
            `for f in "$@"; do [ -f "$f" ] && { echo "file $f $(stat -c %a "$f")"; cat "$f"; } >> ${calls}.files; done; exit 0\n`,
        { mode: 0o755 },
    );
    for (const tool of ["kafka-configs.sh", "kafka-acls.sh"]) fs.symlinkSync(stand, path.join(dir, tool));
    const standIns = (script: string) =>
        script
            .replace(/^topics=.*$/m, `topics=${stand}`)
            .replace(/^configs=.*$/m, `configs=${path.join(dir, "kafka-configs.sh")}`)
            .replace(/^acls=.*$/m, `acls=${path.join(dir, "kafka-acls.sh")}`);
    const passwords = { KAFKA_ADMIN_PASSWORD: "adminPw1", KAFKA_APP_PASSWORD: "appPw2", KAFKA_MONITOR_PASSWORD: "monitorPw3" };
    const result = await run("bash", ["-c", standIns(kafkaTopicsScript(rb, 5, 0))], { env: { ...process.env, ...passwords, TMPDIR: dir } });
    t.is(result.code, 0, result.stderr);
    t.regex(result.stderr, /attempt 2 of 5/);
    const recorded = fs.readFileSync(calls, "utf8").trim().split("\n");
    const creates = recorded.filter((c) => c.startsWith("kafka-topics.sh"));
    t.is(creates.length, kafka.topics.length);
    kafka.topics.forEach((topic, i) => {
        t.true(creates[i].includes(`--topic ${topic.name}`));
        t.true(creates[i].includes(`--partitions ${topic.partitions}`));
        t.true(creates[i].includes(`--replication-factor ${topic.replicationFactor}`));
        t.true(creates[i].includes(`--config min.insync.replicas=${kafka.minInsyncReplicas}`));
        t.true(creates[i].includes("--if-not-exists"));
        t.true(creates[i].includes(`--bootstrap-server ${Array.from({ length: kafka.brokers }, (_, b) => `kafka-${b + 1}:9092`).join(",")}`));
    });
    // Every call logs in as the administrator through a private file; no password is ever an argument.
    for (const call of recorded) {
        t.regex(call, /--command-config \S+\/admin\.properties/, call);
        for (const pw of Object.values(passwords)) t.false(call.includes(pw), `a password in the arguments: ${call}`);
    }
    const users = recorded.filter((c) => c.startsWith("kafka-configs.sh"));
    t.is(users.length, 2, "the app's and the exporter's SCRAM users");
    const files = fs.readFileSync(`${calls}.files`, "utf8");
    t.regex(files, /file \S+admin\.properties 600\nsecurity\.protocol=SASL_PLAINTEXT\nsasl\.mechanism=PLAIN\nsasl\.jaas\.config=org\.apache\.kafka\.common\.security\.plain\.PlainLoginModule required username="personal-finance-hub-kafka-admin" password="adminPw1";/);
    t.regex(files, /scram\.properties 600\nSCRAM-SHA-512=password=appPw2\n/);
    t.regex(files, /scram\.properties 600\nSCRAM-SHA-512=password=monitorPw3\n/);
    t.true(users[0].includes("--alter --entity-type users --entity-name personal-finance-hub-kafka-app --add-config-file"));
    const acls = recorded.filter((c) => c.startsWith("kafka-acls.sh"));
    t.is(acls.length, 2 * (kafka.topics.length + kafka.consumerGroups.length), "one call per user and resource");
    t.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith("tmp.")), [], "the private directory is removed");
    fs.writeFileSync(path.join(dir, "n"), "-100");
    const never = await run("bash", ["-c", standIns(kafkaTopicsScript(rb, 3, 0))], { env: { ...process.env, ...passwords, TMPDIR: dir } });
    t.not(never.code, 0, "gives up after its attempts");
    const noPassword = await run("bash", ["-c", standIns(kafkaTopicsScript(rb, 3, 0))], { env: { ...process.env, TMPDIR: dir } });
    t.not(noPassword.code, 0, "refuses to run without the administrator's password");
    t.regex(noPassword.stderr, /KAFKA_ADMIN_PASSWORD/);
});

/** A stand-in `mc` on PATH that records its arguments and the alias credentials it was given. */
function standInMc(dir: string): string {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "mc"), `#!/usr/bin/env bash\necho "$* | \${MC_HOST_local:-no alias}" >> ${dir}/mc.calls\n`, { mode: 0o755 });
    return bin;
}

for (const app of APPS) {
    const rb = getRunbook(app);
    if (!rb.data.objectStorage) continue;
    test(`${app}: the MinIO job creates every bucket the runbook and its file backups need`, async (t) => {
        const dir = scratch(`mc-${app}`);
        const bin = standInMc(dir);
        const result = await run("sh", ["-c", bucketsScript(rb)], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, MC_HOST_local: "http://u:p@minio:9000", APP_SECRET_KEY: "app-key" } });
        t.is(result.code, 0, result.stderr);
        const calls = fs.readFileSync(path.join(dir, "mc.calls"), "utf8");
        // The app's own user, with its policy, its generated key and the policy attached (the stand-in knows no user yet).
        const user = objectStorageAppUser(app);
        t.regex(calls, new RegExp(`^admin policy create local ${user} ${MINIO_APP_POLICY_PATH} `, "m"));
        t.regex(calls, new RegExp(`^admin user add local ${user} app-key `, "m"));
        t.regex(calls, new RegExp(`^admin policy attach local ${user} --user ${user} `, "m"));
        t.deepEqual(JSON.parse(appPolicyJson(rb)).Statement[0].Resource, rb.data.objectStorage!.buckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]), "the runbook's buckets only");
        t.regex(calls, /^ready local /m);
        for (const bucket of rb.data.objectStorage!.buckets) t.regex(calls, new RegExp(`^mb --ignore-existing local/${bucket} \\| http://u:p@minio:9000$`, "m"));
        for (const job of backupJobs(rb).filter((j) => j.image === "mc")) {
            const destBucket = job.env.BUCKET_DEST.split("/")[1];
            t.regex(calls, new RegExp(`mb --ignore-existing local/${destBucket} `), `the bucket ${job.dataset} backups go to`);
        }
    });

}

test("every shell script the target ships passes bash -n", async (t) => {
    for (const [name, text] of [
        ["cron-runner.sh", cronRunnerScript()],
        ["backup-bucket.sh", bucketBackupScript()],
        ["kafka-topics.sh", kafkaTopicsScript(getRunbook("personal-finance-hub"))],
    ]) {
        const result = await run("bash", ["-n"], { input: text });
        t.is(result.code, 0, `${name}: ${result.stderr}`);
    }
});
