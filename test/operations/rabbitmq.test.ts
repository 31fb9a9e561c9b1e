import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { BACKUP_TASK_METRIC, backupTaskContainers, backupTasks } from "../../capabilities/aws/backups";
import { MANAGEMENT_ENV, rabbitmqAppUser, rabbitmqTopologyScript } from "../../capabilities/rabbitmq";
import type { Runbook } from "../../runbooks";
import { rabbitMqApp } from "../targets/rabbitmq-app";
import { flipBytes, listFiles, removeTempDirs, run, runScript, scriptEnv, standInBin, tempDir } from "./helpers";
import { startManagementStandIn, type Definitions } from "./rabbitmq-management";

/**
 * RabbitMQ's operations through its management API, in one file (one worker's start-up):
 * 1. the Amazon MQ topology task's script, 2. definitions backup and restore. The API is a
 * stand-in (rabbitmq-management.ts); with RABBITMQ_TEST_MANAGEMENT_URL the same scripts also run
 * against that real broker.
 */

/**
 * The Amazon MQ topology task's script (capabilities/rabbitmq.ts `rabbitmqTopologyScript`), run by
 * a POSIX shell with curl against a management API: it creates the runbook's vhost, the app user's
 * permissions on it and the queues, changes nothing when run again, and stops naming the request
 * and the broker's answer when the login or a queue's arguments are wrong. The API is a stand-in
 * (test/operations/rabbitmq-management.ts); with RABBITMQ_TEST_MANAGEMENT_URL (and
 * RABBITMQ_TEST_ADMIN_USER / RABBITMQ_TEST_ADMIN_PASSWORD, an administrator named as the app's
 * user, as Amazon MQ's is) the same script also runs against that real broker.
 */


// A vhost with a slash and a quote: the URL must encode it, the shell must keep it one word.
const RB = rabbitMqApp({ vhost: "bunty/o'brien", bouncesDurable: false });
const MQ = RB.data.rabbitmq!;
const USER = rabbitmqAppUser(RB.app);
const PASSWORD = `generated${process.pid}`;

function topology(url: string, user: string, password: string, rb: Runbook = RB) {
    return run("sh", ["-c", rabbitmqTopologyScript(rb)], { env: scriptEnv([], { [MANAGEMENT_ENV.url]: url, [MANAGEMENT_ENV.user]: user, [MANAGEMENT_ENV.password]: password }) });
}

const expectedQueues = (vhost: string) => MQ.queues.map((q) => ({ name: q.name, vhost, durable: q.durable, auto_delete: false, arguments: { "x-queue-type": q.type } }));

test("creates the runbook's vhost, the app user's full permissions on it and its queues; a second run changes nothing", async (t) => {
    const api = await startManagementStandIn({ user: USER, password: PASSWORD });
    try {
        const first = await topology(`${api.url}/`, USER, PASSWORD);
        t.is(first.code, 0, first.stderr);
        t.true(api.state.vhosts.some((v) => v.name === MQ.vhost));
        t.deepEqual(api.state.permissions, [{ user: USER, vhost: MQ.vhost, configure: ".*", write: ".*", read: ".*" }]);
        t.deepEqual(api.state.queues, expectedQueues(MQ.vhost));
        t.true(api.log.every((l) => l.startsWith("PUT /api/") && l.endsWith(" 201")), api.log.join("\n"));
        t.true(api.log[0].startsWith(`PUT /api/vhosts/${encodeURIComponent(MQ.vhost)} `), "the vhost first, its name URL-encoded");

        const before: Definitions = structuredClone(api.state);
        api.log.length = 0;
        const second = await topology(api.url, USER, PASSWORD);
        t.is(second.code, 0, second.stderr);
        t.deepEqual(api.state, before);
        t.true(api.log.every((l) => l.endsWith(" 204")), "everything already as asked");
    } finally {
        await api.close();
    }
});

test("a wrong login stops at the first request, naming it and the broker's answer", async (t) => {
    const api = await startManagementStandIn({ user: USER, password: PASSWORD });
    try {
        const r = await topology(api.url, USER, "not-the-password");
        t.not(r.code, 0);
        t.regex(r.stderr, new RegExp(`PUT /api/vhosts/${encodeURIComponent(MQ.vhost).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: HTTP 401: .*Login failed`));
        t.deepEqual(api.state.vhosts, [{ name: "/" }], "nothing created");
    } finally {
        await api.close();
    }
});

test("a queue that exists with other arguments is reported, not changed", async (t) => {
    const bounces = MQ.queues.find((q) => !q.durable)!;
    const api = await startManagementStandIn({ user: USER, password: PASSWORD }, { vhosts: [{ name: "/" }, { name: MQ.vhost }], queues: [{ name: bounces.name, vhost: MQ.vhost, durable: true, auto_delete: false, arguments: { "x-queue-type": "classic" } }] });
    try {
        const r = await topology(api.url, USER, PASSWORD);
        t.not(r.code, 0);
        t.regex(r.stderr, /HTTP 400: .*inequivalent arg 'durable'/);
        t.true(api.state.queues.find((q) => q.name === bounces.name)!.durable, "the existing queue is left as it is");
    } finally {
        await api.close();
    }
});

test("missing connection settings are refused before any request", async (t) => {
    const r = await run("sh", ["-c", rabbitmqTopologyScript(RB)], { env: scriptEnv([], { [MANAGEMENT_ENV.user]: USER, [MANAGEMENT_ENV.password]: PASSWORD }) });
    t.not(r.code, 0);
    t.regex(r.stderr, new RegExp(`${MANAGEMENT_ENV.url}`));
});

const real = process.env.RABBITMQ_TEST_MANAGEMENT_URL;
(real ? test : test.skip)("against a real broker (RABBITMQ_TEST_MANAGEMENT_URL): the vhost, permissions and queues exist afterwards", async (t) => {
    const user = process.env.RABBITMQ_TEST_ADMIN_USER ?? "guest";
    const password = process.env.RABBITMQ_TEST_ADMIN_PASSWORD ?? "guest";
    const rb = rabbitMqApp({ vhost: `topology-test-${process.pid}`, bouncesDurable: false });
    const vhost = rb.data.rabbitmq!.vhost;
    // The permissions name the app's user, which on Amazon MQ is the broker's administrator: here, the given one.
    const script = rabbitmqTopologyScript(rb).replaceAll(`/${USER}'`, `/${encodeURIComponent(user)}'`);
    for (const attempt of [1, 2]) {
        const r = await run("sh", ["-c", script], { env: scriptEnv([], { [MANAGEMENT_ENV.url]: real!, [MANAGEMENT_ENV.user]: user, [MANAGEMENT_ENV.password]: password }) });
        t.is(r.code, 0, `run ${attempt}: ${r.stderr}`);
    }
    const auth = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    const get = async (p: string) => (await fetch(`${real!.replace(/\/$/, "")}/api/${p}`, { headers: { authorization: auth } })).json();
    const queues = (await get(`queues/${encodeURIComponent(vhost)}`)) as { name: string; durable: boolean; arguments: Record<string, unknown> }[];
    t.deepEqual(
        queues.map((q) => [q.name, q.durable, q.arguments["x-queue-type"]]).sort(),
        rb.data.rabbitmq!.queues.map((q) => [q.name, q.durable, q.type]).sort(),
    );
    t.like(await get(`permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(user)}`), { configure: ".*", write: ".*", read: ".*" });
    await fetch(`${real!.replace(/\/$/, "")}/api/vhosts/${encodeURIComponent(vhost)}`, { method: "DELETE", headers: { authorization: auth } });
});

// ---- Definitions backup and restore (operations/backup/backup-rabbitmq.sh, restore-rabbitmq.sh) ----

/**
 * RabbitMQ definitions backup and restore (operations/backup/backup-rabbitmq.sh,
 * restore-rabbitmq.sh) against a management API: the stand-in of rabbitmq-management.ts, and with
 * RABBITMQ_TEST_MANAGEMENT_URL (RABBITMQ_TEST_ADMIN_USER / _PASSWORD, default guest) a real broker.
 */

test.after.always(removeTempDirs);

const ADMIN = { user: "platform-admin", password: `pw-${process.pid}` };
const APP_DEFINITIONS: Partial<Definitions> = {
    vhosts: [{ name: "/" }, { name: "ledger" }],
    users: [
        { name: ADMIN.user, password_hash: "admin-hash", hashing_algorithm: "rabbit_password_hashing_sha256", tags: ["administrator"] },
        { name: "ledger-app", password_hash: "app-hash", hashing_algorithm: "rabbit_password_hashing_sha256", tags: [] },
    ],
    permissions: [{ user: "ledger-app", vhost: "ledger", configure: ".*", write: ".*", read: ".*" }],
    queues: [{ name: "settlements", vhost: "ledger", durable: true, auto_delete: false, arguments: { "x-queue-type": "quorum" } }],
};

function env(url: string, dest: string, admin = ADMIN, extra: Record<string, string> = {}) {
    return scriptEnv([], { BACKUP_DEST: `file://${dest}`, RETENTION_DAYS: "7", RABBITMQ_MANAGEMENT_URL: url, RABBITMQ_ADMIN_USER: admin.user, RABBITMQ_ADMIN_PASSWORD: admin.password, ...extra });
}

test("a backup restores into an empty broker: vhosts, users with their hashes, permissions and queues come back", async (t) => {
    const dest = tempDir("rabbitmq-dest");
    const source = await startManagementStandIn(ADMIN, APP_DEFINITIONS);
    const target = await startManagementStandIn(ADMIN);
    try {
        const backup = await runScript("backup-rabbitmq.sh", [], env(source.url, dest));
        t.is(backup.code, 0, backup.stderr);
        const files = listFiles(dest);
        t.is(files.length, 2, files.join(", "));
        t.regex(files[0], /^rabbitmq\/\d{4}\/\d{2}\/\d{2}\/rabbitmq-\d{8}T\d{6}Z\.definitions\.json$/);
        t.is(files[1], `${files[0]}.sha256`);
        t.true(backup.stdout.trim().endsWith(files[0]), "prints where the archive is");

        const restore = await runScript("restore-rabbitmq.sh", [], env(target.url, dest));
        t.is(restore.code, 0, restore.stderr);
        for (const part of ["vhosts", "users", "permissions", "queues"] as const) t.deepEqual(target.state[part], source.state[part], part);
        t.true(target.log.includes("POST /api/definitions 204"));
    } finally {
        await source.close();
        await target.close();
    }
});

test("a corrupt archive is refused before the broker is contacted", async (t) => {
    const dest = tempDir("rabbitmq-dest");
    const source = await startManagementStandIn(ADMIN, APP_DEFINITIONS);
    const target = await startManagementStandIn(ADMIN);
    try {
        t.is((await runScript("backup-rabbitmq.sh", [], env(source.url, dest))).code, 0);
        flipBytes(path.join(dest, listFiles(dest)[0]));
        const restore = await runScript("restore-rabbitmq.sh", [], env(target.url, dest));
        t.is(restore.code, 1);
        t.regex(restore.stderr, /checksum mismatch/);
        t.false(target.log.some((l) => l.startsWith("POST")), "nothing imported");
    } finally {
        await source.close();
        await target.close();
    }
});

test("a refused login uploads nothing and names the broker's answer", async (t) => {
    const dest = tempDir("rabbitmq-dest");
    const source = await startManagementStandIn(ADMIN, APP_DEFINITIONS);
    try {
        const r = await runScript("backup-rabbitmq.sh", [], env(source.url, dest, { user: ADMIN.user, password: "wrong" }));
        t.is(r.code, 1);
        t.regex(r.stderr, /GET \/api\/definitions: HTTP 401: .*Login failed/);
        t.deepEqual(listFiles(dest), []);
    } finally {
        await source.close();
    }
});

test("missing settings are a configuration error naming them; a URL with a path is refused", async (t) => {
    const dest = tempDir("rabbitmq-dest");
    const missing = await runScript("backup-rabbitmq.sh", [], scriptEnv([], { BACKUP_DEST: `file://${dest}`, RETENTION_DAYS: "7" }));
    t.is(missing.code, 2);
    t.regex(missing.stderr, /RABBITMQ_MANAGEMENT_URL RABBITMQ_ADMIN_USER RABBITMQ_ADMIN_PASSWORD/);
    const withPath = await runScript("backup-rabbitmq.sh", [], env("http://127.0.0.1:1/api", dest));
    t.is(withPath.code, 2);
    t.regex(withPath.stderr, /without a path/);
});

(real ? test : test.skip)("against a real broker (RABBITMQ_TEST_MANAGEMENT_URL): a deleted vhost comes back from the backup", async (t) => {
    const admin = { user: process.env.RABBITMQ_TEST_ADMIN_USER ?? "guest", password: process.env.RABBITMQ_TEST_ADMIN_PASSWORD ?? "guest" };
    const auth = { authorization: `Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString("base64")}`, "content-type": "application/json" };
    const api = (p: string, init: RequestInit = {}) => fetch(`${real!.replace(/\/$/, "")}/api/${p}`, { ...init, headers: auth });
    const vhost = `backup-test-${process.pid}`;
    t.true((await api(`vhosts/${vhost}`, { method: "PUT", body: "{}" })).ok);
    t.true((await api(`queues/${vhost}/work`, { method: "PUT", body: JSON.stringify({ durable: true, arguments: { "x-queue-type": "quorum" } }) })).ok);
    const dest = tempDir("rabbitmq-dest");
    try {
        const backup = await runScript("backup-rabbitmq.sh", [], env(real!, dest, admin));
        t.is(backup.code, 0, backup.stderr);
        t.true((await api(`vhosts/${vhost}`, { method: "DELETE" })).ok);
        const restore = await runScript("restore-rabbitmq.sh", [], env(real!, dest, admin));
        t.is(restore.code, 0, restore.stderr);
        const queue = (await (await api(`queues/${vhost}/work`)).json()) as { durable: boolean; arguments: Record<string, unknown> };
        t.like(queue, { durable: true, arguments: { "x-queue-type": "quorum" } });
    } finally {
        await api(`vhosts/${vhost}`, { method: "DELETE" });
    }
});

// ---- The restore check (verify-rabbitmq.sh) and the AWS scheduled task's script ----

/** The names the restore check requires of the export: the stand-in's app vhost and queue. */
const APP_NAMES = ["ledger", "settlements"].join(" ");

test("the restore check passes the newest export holding the runbook's vhost and queues, and fails one that lacks them or is corrupt", async (t) => {
    const dest = tempDir("rabbitmq-dest");
    const source = await startManagementStandIn(ADMIN, APP_DEFINITIONS);
    try {
        t.is((await runScript("backup-rabbitmq.sh", [], env(source.url, dest))).code, 0);
    } finally {
        await source.close();
    }
    const verify = (extra: Record<string, string>) => runScript("verify-rabbitmq.sh", [], scriptEnv([], { BACKUP_DEST: `file://${dest}`, VERIFY_MAX_AGE_HOURS: "26", ...extra }));
    const ok = await verify({ VERIFY_RABBITMQ_NAMES: APP_NAMES });
    t.is(ok.code, 0, ok.stderr);
    t.regex(ok.stdout, /^VERIFY OK: rabbitmq backup rabbitmq\/.*definitions\.json restores \(a definitions export of \d+ bytes naming 2 expected/);

    const missing = await verify({ VERIFY_RABBITMQ_NAMES: `${APP_NAMES} payouts` });
    t.is(missing.code, 1);
    t.regex(missing.stderr, /does not hold payouts \(VERIFY_RABBITMQ_NAMES\)/);
    t.regex(missing.stderr, /VERIFY FAILED: rabbitmq backup/);

    flipBytes(path.join(dest, listFiles(dest)[0]));
    const corrupt = await verify({ VERIFY_RABBITMQ_NAMES: APP_NAMES });
    t.is(corrupt.code, 1);
    t.regex(corrupt.stderr, /checksum mismatch/);
});

test("the AWS scheduled task's script writes the same scripts, backs up into the bucket's prefix and publishes the success; a failed backup publishes nothing", async (t) => {
    const rb = rabbitMqApp({ vhost: "ledger" });
    const [backupSpec, checkSpec] = backupTasks(rb);
    const bucket = "platform-backups-test";
    const s3 = tempDir("fake-s3");
    fs.mkdirSync(path.join(s3, bucket));
    const log = path.join(tempDir("aws-log"), "calls.jsonl");
    const bin = standInBin(["aws"]);
    const source = await startManagementStandIn(ADMIN, APP_DEFINITIONS);
    const runTask = async (spec: typeof backupSpec, admin = ADMIN) => {
        const [c] = backupTaskContainers(rb, spec, { logGroup: "g", region: "us-east-1", bucket, environment: { [MANAGEMENT_ENV.url]: source.url, VERIFY_RABBITMQ_NAMES: APP_NAMES }, secrets: {} });
        const plain = Object.fromEntries(c.environment.map((e) => [e.name, e.value]));
        return run(c.entryPoint![0], [...c.entryPoint!.slice(1), ...c.command!], {
            env: scriptEnv([bin], { ...plain, [MANAGEMENT_ENV.user]: admin.user, [MANAGEMENT_ENV.password]: admin.password, FAKE_S3_ROOT: s3, FAKE_AWS_LOG: log }),
        });
    };
    const metricCalls = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l).argv as string[]) : []).filter((a) => a[0] === "cloudwatch");
    try {
        const failed = await runTask(backupSpec, { user: ADMIN.user, password: "wrong" });
        t.not(failed.code, 0);
        t.deepEqual(metricCalls(), [], "no success published for a failed backup");

        const r = await runTask(backupSpec);
        t.is(r.code, 0, r.stderr);
        const files = listFiles(path.join(s3, bucket));
        t.regex(files[0], /^rabbitmq\/\d{4}\/\d{2}\/\d{2}\/rabbitmq-\d{8}T\d{6}Z\.definitions\.json$/);
        const calls = metricCalls();
        t.is(calls.length, 1);
        t.deepEqual(calls[0].slice(0, 2), ["cloudwatch", "put-metric-data"]);
        t.true(calls[0].includes(BACKUP_TASK_METRIC.namespace) && calls[0].includes(BACKUP_TASK_METRIC.completed));
        t.true(calls[0].includes(`App=${rb.app},Backup=${backupSpec.name}`));

        const check = await runTask(checkSpec);
        t.is(check.code, 0, check.stderr);
        t.regex(check.stdout, /VERIFY OK: rabbitmq backup/);
        t.is(metricCalls().length, 1, "a passing restore check publishes no failure");
    } finally {
        await source.close();
    }
});
