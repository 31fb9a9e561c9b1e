import test from "ava";
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { platformScripts } from "../../../capabilities/kubernetes/backups";
import { REDIS_AUTH_DIR, REDIS_AUTH_FILE, redisAuthConf, redisConfig } from "../../../capabilities/kubernetes/redis";
import { getRunbook } from "../../../runbooks";
import { APPS, run, tempDir } from "./helpers";
import { freePort } from "../../operations/helpers";

/**
 * The target's shell scripts and rendered configuration against real engines on loopback:
 * redis-server with the rendered redis.conf, the backup runner's Pushgateway push, the per-shard
 * loop, the bucket copy (with a stand-in `mc`), and the restore check end to end with the
 * operations team's scripts: a real backup, a scratch restore, and a corrupt archive that fails.
 */

const REPO = path.resolve(__dirname, "..", "..", "..");
const SCRIPTS = path.join(REPO, "capabilities", "kubernetes", "scripts");
const OPS = path.join(REPO, "operations", "backup");
const dirs: string[] = [];
const children: ChildProcess[] = [];
test.after.always(() => {
    children.forEach((c) => c.kill("SIGKILL"));
    dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});
function scratch(prefix: string): string {
    const d = tempDir(prefix);
    fs.chmodSync(d, 0o777);
    dirs.push(d);
    return d;
}


/** A stand-in Pushgateway: records each request's method, path and body. */
async function pushgateway(status = 200): Promise<{ address: string; requests: { method: string; url: string; body: string }[]; close(): void }> {
    const requests: { method: string; url: string; body: string }[] = [];
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
            requests.push({ method: req.method ?? "", url: req.url ?? "", body });
            res.writeHead(status).end();
        });
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    return { address: `127.0.0.1:${port}`, requests, close: () => server.close() };
}

function bash(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
    return exec("bash", [script, ...args], { PATH: process.env.PATH ?? "", ...env });
}

function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; out: string }> {
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { env });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("close", (code) => resolve({ code: code ?? 1, out }));
    });
}

test("every script of the target parses, and the ConfigMap carries them as they are", (t) => {
    const scripts = platformScripts();
    t.deepEqual(Object.keys(scripts).sort(), fs.readdirSync(SCRIPTS).filter((f) => f.endsWith(".sh")).sort());
    for (const [file, text] of Object.entries(scripts)) {
        t.is(run("bash", ["-n", path.join(SCRIPTS, file)]).status, 0, file);
        t.true(text.startsWith("#!/usr/bin/env bash\n"), file);
    }
});

test("run-job.sh: pushes the success time to the Pushgateway after a success, never after a failure; the job's status is the command's", async (t) => {
    const gw = await pushgateway();
    try {
        const env = { JOB_APP: "bunty", JOB_DATASET: "redis", PUSHGATEWAY: gw.address, PUSH_METRIC: "backup_last_success_timestamp_seconds" };
        const before = Math.floor(Date.now() / 1000);
        const ok = await bash(path.join(SCRIPTS, "run-job.sh"), ["true"], env);
        t.is(ok.code, 0, ok.out);
        t.is(gw.requests.length, 1);
        t.is(gw.requests[0].method, "PUT");
        t.is(gw.requests[0].url, "/metrics/job/backup/app/bunty/dataset/redis");
        const m = /^backup_last_success_timestamp_seconds (\d+)$/m.exec(gw.requests[0].body);
        t.truthy(m, gw.requests[0].body);
        t.true(Number(m![1]) >= before && Number(m![1]) <= Math.floor(Date.now() / 1000) + 1);
        const failed = await bash(path.join(SCRIPTS, "run-job.sh"), ["bash", "-c", "exit 3"], env);
        t.is(failed.code, 3);
        t.regex(failed.out, /FAILED with status 3/);
        t.is(gw.requests.length, 1, "no push after a failure");
        const misconfigured = await bash(path.join(SCRIPTS, "run-job.sh"), ["true"], { PUSHGATEWAY: gw.address });
        t.is(misconfigured.code, 2);
        t.regex(misconfigured.out, /JOB_APP is not set/);
    } finally {
        gw.close();
    }
    const down = await bash(path.join(SCRIPTS, "run-job.sh"), ["true"], { JOB_APP: "bunty", JOB_DATASET: "redis", PUSHGATEWAY: `127.0.0.1:${await freePort()}` });
    t.is(down.code, 0, "a backup that succeeded is not failed by an unreachable Pushgateway");
    t.regex(down.out, /not recorded/);
});

test("each-shard.sh: runs the command per shard with the shard's host and destination, tries every shard, fails if one did", async (t) => {
    const dir = scratch("shards");
    const log = path.join(dir, "log");
    const cmd = ["bash", "-c", `echo "$REDIS_HOST $BACKUP_DEST" >>${log}; [[ $REDIS_HOST != b ]]`];
    const res = await bash(path.join(SCRIPTS, "each-shard.sh"), cmd, { REDIS_SHARD_HOSTS: "a b c", BACKUP_DEST: "s3://bucket/dumps/" });
    t.is(res.code, 1);
    t.regex(res.out, /shard\(s\) 1 failed/);
    t.deepEqual(fs.readFileSync(log, "utf8").trim().split("\n"), ["a s3://bucket/dumps/shard-0", "b s3://bucket/dumps/shard-1", "c s3://bucket/dumps/shard-2"]);
    fs.rmSync(log);
    t.is((await bash(path.join(SCRIPTS, "each-shard.sh"), ["true"], { REDIS_SHARD_HOSTS: "a b c", BACKUP_DEST: "file:///x" })).code, 0);
});

test("redis-start.sh: standalone as configured, replicas follow pod 0, cluster pods announce their DNS names", async (t) => {
    const dir = scratch("redis-start");
    fs.writeFileSync(path.join(dir, "redis-server"), '#!/bin/sh\necho "$@"\n', { mode: 0o755 });
    const start = (env: Record<string, string>) => bash(path.join(SCRIPTS, "redis-start.sh"), [], { PATH: `${dir}:${process.env.PATH}`, ...env });
    t.is((await start({ REDIS_MODE: "standalone", POD_NAME: "x-redis-0" })).out.trim(), "/etc/redis/redis.conf");
    t.is((await start({ REDIS_MODE: "replicated", POD_NAME: "x-redis-0", REDIS_PRIMARY_HOST: "p" })).out.trim(), "/etc/redis/redis.conf");
    t.is((await start({ REDIS_MODE: "replicated", POD_NAME: "x-redis-1", REDIS_PRIMARY_HOST: "p" })).out.trim(), "/etc/redis/redis.conf --replicaof p 6379");
    t.is((await start({ REDIS_MODE: "cluster", POD_NAME: "x-redis-4", HEADLESS_DOMAIN: "h.ns.svc" })).out.trim(), "/etc/redis/redis.conf --cluster-announce-hostname x-redis-4.h.ns.svc --cluster-preferred-endpoint-type hostname");
    t.is((await start({ REDIS_MODE: "sentinel", POD_NAME: "x-redis-0" })).code, 2);
});

/** Starts redis-server with an app's rendered redis.conf, its paths moved into `dir`. */
async function startRedis(app: (typeof APPS)[number], dir: string, password: string): Promise<number> {
    const port = await freePort();
    fs.mkdirSync(path.join(dir, "data"), { recursive: true });
    fs.writeFileSync(path.join(dir, REDIS_AUTH_FILE), redisAuthConf(password));
    const conf = redisConfig(getRunbook(app)).replace(/^dir \/data$/m, `dir ${dir}/data`).replace("cluster-config-file /data/", `cluster-config-file ${dir}/data/`).replace(`include ${REDIS_AUTH_DIR}/`, `include ${dir}/`);
    fs.writeFileSync(path.join(dir, "redis.conf"), conf);
    // No 5 s wait before serving `redis-cli --rdb` (repl-diskless-sync-delay): the test's server only.
    const child = spawn("redis-server", [path.join(dir, "redis.conf"), "--port", `${port}`, "--bind", "127.0.0.1", "--repl-diskless-sync-delay", "0"], { stdio: "ignore" });
    children.push(child);
    for (let i = 0; i < 100; i++) {
        if ((await exec("redis-cli", ["-p", `${port}`, "--no-auth-warning", "-a", password, "ping"])).out.trim() === "PONG") return port;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`redis-server did not start for ${app}`);
}

test("the rendered redis.conf runs on a real redis-server: the runbook's maxmemory and policy, a password, cluster mode where the runbook says", async (t) => {
    for (const app of APPS) {
        const rb = getRunbook(app);
        if (!rb.data.redis) continue;
        const dir = scratch(`redis-${app}`);
        const port = await startRedis(app, dir, "s3cret-for-test");
        const cli = (...args: string[]) => run("redis-cli", ["-p", `${port}`, "--no-auth-warning", "-a", "s3cret-for-test", ...args]).out.trim();
        t.is(cli("config", "get", "maxmemory").split("\n")[1], `${rb.data.redis.maxmemoryMB * 1024 * 1024}`, app);
        t.is(cli("config", "get", "maxmemory-policy").split("\n")[1], rb.data.redis.maxmemoryPolicy);
        t.is(cli("config", "get", "save").split("\n")[1], rb.data.redis.save.map(([s, c]) => `${s} ${c}`).join(" "));
        t.regex(cli("info", "cluster"), new RegExp(`cluster_enabled:${rb.data.redis.mode === "cluster" ? 1 : 0}`));
        t.regex(run("redis-cli", ["-p", `${port}`, "ping"]).out, /NOAUTH/, "a password is required");
    }
});

test("restore check, Redis: a real backup through run-job.sh restores in restore-check.sh; a corrupt archive fails it loudly", async (t) => {
    const dir = scratch("restore-redis");
    const port = await startRedis("bunty", path.join(dir, "server"), "pw-restore-test");
    run("redis-cli", ["-p", `${port}`, "--no-auth-warning", "-a", "pw-restore-test", "set", "k", "v"]);
    const dest = `file://${path.join(dir, "dest")}`;
    const gw = await pushgateway();
    try {
        const backup = await bash(path.join(SCRIPTS, "run-job.sh"), ["bash", path.join(OPS, "backup-redis.sh")], {
            BACKUP_DEST: dest,
            RETENTION_DAYS: "30",
            REDIS_HOST: "127.0.0.1",
            REDIS_PORT: `${port}`,
            REDISCLI_AUTH: "pw-restore-test",
            JOB_APP: "bunty",
            JOB_DATASET: "redis",
            PUSHGATEWAY: gw.address,
            TMPDIR: dir,
        });
        t.is(backup.code, 0, backup.out);
        t.is(gw.requests.length, 1, "success pushed");
    } finally {
        gw.close();
    }
    const verifyEnv = { BACKUP_DEST: dest, OPS_DIR: OPS, VERIFY_REDIS_PORT: `${await freePort()}`, VERIFY_MAX_AGE_HOURS: "48", TMPDIR: dir };
    const ok = await bash(path.join(SCRIPTS, "restore-check.sh"), ["redis"], verifyEnv);
    t.is(ok.code, 0, ok.out);
    t.regex(ok.out, /VERIFY OK: redis backup .* restores \(1 key\(s\) loaded\)/);
    const archive = run("find", [path.join(dir, "dest"), "-name", "*.rdb"]).out.trim();
    fs.writeFileSync(archive, "REDIS0011-truncated");
    const bad = await bash(path.join(SCRIPTS, "restore-check.sh"), ["redis"], verifyEnv);
    t.not(bad.code, 0);
    t.regex(bad.out, /VERIFY FAILED/);
    t.is((await bash(path.join(SCRIPTS, "restore-check.sh"), ["cassandra"], verifyEnv)).code, 2);
});

const PG_BIN = (() => {
    const root = "/usr/lib/postgresql";
    const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb"))) : [];
    return versions.length ? path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], "bin") : undefined;
})();

test("restore check, PostgreSQL: restore-check.sh starts its own scratch server in the pod and restores the latest dump into it", async (t) => {
    t.truthy(PG_BIN, "PostgreSQL server binaries are installed (.ci/setup)");
    const dir = scratch("restore-pg");
    const port = await freePort();
    const asRoot = process.getuid?.() === 0;
    // As a container runs: one unprivileged user (postgres), the server binaries on PATH.
    const script = `
set -euo pipefail
export PATH=${PG_BIN}:$PATH TMPDIR=${dir}
initdb -D ${dir}/source -U platform --auth=trust --no-sync >/dev/null
pg_ctl -D ${dir}/source -o "-p ${port} -c listen_addresses=127.0.0.1 -c fsync=off -k ${dir}" -l ${dir}/source.log -w start >/dev/null
trap 'pg_ctl -D ${dir}/source -m immediate stop >/dev/null 2>&1 || true' EXIT
psql -h 127.0.0.1 -p ${port} -U platform -d postgres -qc "CREATE DATABASE app" 
psql -h 127.0.0.1 -p ${port} -U platform -d app -qc "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)"
BACKUP_DEST=file://${dir}/dest RETENTION_DAYS=30 PGHOST=127.0.0.1 PGPORT=${port} PGUSER=platform PGDATABASE=app bash ${OPS}/backup-postgres.sh >/dev/null
BACKUP_DEST=file://${dir}/dest OPS_DIR=${OPS} PGHOST=127.0.0.1 PGPORT=${port} PGUSER=platform PGDATABASE=app PGPASSWORD=unused \\
  VERIFY_SQL="SELECT count(*) FROM t" bash ${SCRIPTS}/restore-check.sh postgres
echo "scratch databases on the source: $(psql -h 127.0.0.1 -p ${port} -U platform -d postgres -tAc "SELECT count(*) FROM pg_database WHERE datname = 'restore_check'")"
`;
    fs.writeFileSync(path.join(dir, "run.sh"), script);
    const res = asRoot ? await exec("runuser", ["-u", "postgres", "--", "bash", path.join(dir, "run.sh")]) : await exec("bash", [path.join(dir, "run.sh")]);
    t.is(res.code, 0, res.out);
    t.regex(res.out, /VERIFY OK: postgres backup .* restores \(sanity query returned 2\)/);
    t.regex(res.out, /scratch databases on the source: 0/, "the live server is never touched");
});
