import test from "ava";
import * as fs from "fs";
import * as path from "path";
import {
    archiveKey,
    flipBytes,
    freePort,
    listFiles,
    onlyArchive,
    placeArchive,
    removeTempDirs,
    runScript,
    scriptEnv,
    stampHoursAgo,
    standInBin,
    startRedis,
    tempDir,
    truncate,
    writeChecksum,
    type RedisServer,
} from "./helpers";

// backup-redis.sh, restore-redis.sh and verify-latest.sh against real redis-server processes,
// to a file destination and to an S3 destination served by the stand-in `aws`.

const PASSWORD = "redis-test-password";
let source: RedisServer;
let expectedDigest: string;
const servers: RedisServer[] = [];

/** Strings, a hash, a list, a set, a sorted set, binary data and a key with a TTL. */
const LOAD = `
for i = 1, 500 do redis.call('SET', 'user:' .. i, 'name-' .. i) end
for i = 1, 200 do redis.call('HSET', 'settings', 'field' .. i, i * 3) end
for i = 1, 300 do redis.call('RPUSH', 'queue:jobs', 'job-' .. i) end
for i = 1, 100 do redis.call('SADD', 'tags', 'tag-' .. i) end
for i = 1, 150 do redis.call('ZADD', 'leaderboard', i * 1.5, 'player-' .. i) end
redis.call('SET', 'binary', string.char(0, 255, 10, 13, 7))
redis.call('SET', 'session:abc', 'live', 'EX', 86400)
return redis.call('DBSIZE')`;

test.before(async () => {
    // Redis waits repl-diskless-sync-delay (5 s) for more replicas before it streams a snapshot;
    // the tests take many snapshots and need no such wait.
    source = await startRedis({ password: PASSWORD, extraArgs: ["--repl-diskless-sync-delay", "0"] });
    servers.push(source);
    const loaded = await source.cli(["EVAL", LOAD, "0"]);
    if (loaded.stdout.trim() !== "506") throw new Error(`loading test data failed: ${loaded.stdout} ${loaded.stderr}`);
    expectedDigest = await digest(source);
});

test.after.always(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    removeTempDirs();
});

/** A digest of the whole keyspace (types, values, TTL presence), computed inside Redis. */
const DIGEST = `
local keys = redis.call('KEYS', '*')
table.sort(keys)
local parts = {}
for _, k in ipairs(keys) do
  local t = redis.call('TYPE', k)['ok']
  local v
  if t == 'string' then v = redis.call('GET', k)
  elseif t == 'hash' then v = table.concat(redis.call('HGETALL', k), ',')
  elseif t == 'list' then v = table.concat(redis.call('LRANGE', k, 0, -1), ',')
  elseif t == 'set' then local m = redis.call('SMEMBERS', k); table.sort(m); v = table.concat(m, ',')
  elseif t == 'zset' then v = table.concat(redis.call('ZRANGE', k, 0, -1, 'WITHSCORES'), ',') end
  parts[#parts + 1] = k .. '=' .. t .. ':' .. v .. ':' .. tostring(redis.call('TTL', k) > 0)
end
return redis.sha1hex(table.concat(parts, '\\n')) .. ' ' .. #keys`;

async function digest(server: RedisServer): Promise<string> {
    const r = await server.cli(["EVAL", DIGEST, "0"]);
    if (r.code !== 0 || r.stdout.startsWith("ERR")) throw new Error(`digest failed: ${r.stdout} ${r.stderr}`);
    return r.stdout.trim();
}

function env(dirs: string[], vars: Record<string, string | undefined>): NodeJS.ProcessEnv {
    return scriptEnv(dirs, vars);
}

function backupEnv(dest: string, vars: Record<string, string> = {}): NodeJS.ProcessEnv {
    return env([], { BACKUP_DEST: dest, RETENTION_DAYS: "14", REDIS_HOST: "127.0.0.1", REDIS_PORT: String(source.port), REDISCLI_AUTH: PASSWORD, ...vars });
}

async function restoreAndStart(dest: string, vars: Record<string, string> = {}, dirs: string[] = []): Promise<RedisServer> {
    const dataDir = tempDir("redis-restored");
    const r = await runScript("restore-redis.sh", [], env(dirs, { BACKUP_DEST: dest, REDIS_DATA_DIR: dataDir, ...vars }));
    if (r.code !== 0) throw new Error(`restore failed: ${r.stderr}`);
    const server = await startRedis({ dir: dataDir });
    servers.push(server);
    return server;
}

test("backup, flush, restore into a fresh server: every key, type and value comes back", async (t) => {
    const dest = tempDir("redis-dest");
    const b = await runScript("backup-redis.sh", [], backupEnv(`file://${dest}`));
    t.is(b.code, 0, b.stderr);
    const key = onlyArchive(dest, "redis");
    t.regex(key, /^redis\/\d{4}\/\d{2}\/\d{2}\/redis-\d{8}T\d{6}Z\.rdb$/);
    t.regex(b.stderr, /passes redis-check-rdb/);
    t.false(b.stderr.includes(PASSWORD));

    // The source is flushed in a copy, not here: other tests in this file read it concurrently.
    const copy = await restoreAndStart(`file://${dest}`);
    await copy.cli(["FLUSHALL"]);
    t.is((await copy.cli(["DBSIZE"])).stdout.trim(), "0");

    const restored = await restoreAndStart(`file://${dest}`);
    t.is(await digest(restored), expectedDigest);
    t.is(expectedDigest.split(" ")[1], "506");
    t.is((await restored.cli(["GET", "user:321"])).stdout.trim(), "name-321");
    t.is((await restored.cli(["ZSCORE", "leaderboard", "player-150"])).stdout.trim(), "225");
    t.true(Number((await restored.cli(["TTL", "session:abc"])).stdout.trim()) > 0);
    // The digest notices one changed value.
    await restored.cli(["HSET", "settings", "field7", "changed"]);
    t.not(await digest(restored), expectedDigest);
});

test("restore refuses a corrupt snapshot and leaves the data directory as it was", async (t) => {
    const dest = tempDir("redis-corrupt");
    t.is((await runScript("backup-redis.sh", [], backupEnv(`file://${dest}`))).code, 0);
    const archive = path.join(dest, onlyArchive(dest, "redis"));
    const dataDir = tempDir("redis-target");
    fs.writeFileSync(path.join(dataDir, "dump.rdb"), "the previous snapshot");

    flipBytes(archive);
    const flipped = await runScript("restore-redis.sh", [], env([], { BACKUP_DEST: `file://${dest}`, REDIS_DATA_DIR: dataDir }));
    t.is(flipped.code, 1);
    t.regex(flipped.stderr, /checksum mismatch/);

    truncate(archive, 0.7);
    writeChecksum(archive);
    const truncated = await runScript("restore-redis.sh", [], env([], { BACKUP_DEST: `file://${dest}`, REDIS_DATA_DIR: dataDir }));
    t.is(truncated.code, 1);
    t.regex(truncated.stderr, /fails redis-check-rdb/);
    t.regex(truncated.stderr, /corrupt although its checksum matches/);

    t.deepEqual(listFiles(dataDir), ["dump.rdb"]);
    t.is(fs.readFileSync(path.join(dataDir, "dump.rdb"), "utf8"), "the previous snapshot");
});

test("restore refuses while a server still answers at REDIS_HOST:REDIS_PORT, and keeps the old file otherwise", async (t) => {
    const dest = tempDir("redis-running");
    t.is((await runScript("backup-redis.sh", [], backupEnv(`file://${dest}`))).code, 0);
    const dataDir = tempDir("redis-live");
    fs.writeFileSync(path.join(dataDir, "dump.rdb"), "live data");

    const refused = await runScript("restore-redis.sh", [], env([], { BACKUP_DEST: `file://${dest}`, REDIS_DATA_DIR: dataDir, REDIS_HOST: "127.0.0.1", REDIS_PORT: String(source.port) }));
    t.is(refused.code, 2);
    t.regex(refused.stderr, /a Redis server answers at 127\.0\.0\.1:\d+; stop it before restoring/);
    t.deepEqual(listFiles(dataDir), ["dump.rdb"]);

    const stopped = await runScript("restore-redis.sh", [], env([], { BACKUP_DEST: `file://${dest}`, REDIS_DATA_DIR: dataDir, REDIS_HOST: "127.0.0.1", REDIS_PORT: String(await freePort()) }));
    t.is(stopped.code, 0, stopped.stderr);
    const files = listFiles(dataDir);
    t.is(files.length, 2);
    const kept = files.find((f) => f.startsWith("dump.rdb.before-restore-"));
    t.truthy(kept);
    t.is(fs.readFileSync(path.join(dataDir, kept!), "utf8"), "live data");
    t.is(fs.readFileSync(path.join(dataDir, "dump.rdb")).subarray(0, 5).toString(), "REDIS");
});

test("an unreachable server or a wrong password fails the backup and uploads nothing", async (t) => {
    const dest = tempDir("redis-fail");
    const down = await runScript("backup-redis.sh", [], backupEnv(`file://${dest}`, { REDIS_PORT: String(await freePort()) }));
    t.is(down.code, 1);
    t.regex(down.stderr, /snapshot of Redis at 127\.0\.0\.1:\d+ failed/);
    const denied = await runScript("backup-redis.sh", [], backupEnv(`file://${dest}`, { REDISCLI_AUTH: "wrong" }));
    t.is(denied.code, 1);
    t.regex(denied.stderr, /AUTH failed|WRONGPASS/);
    t.false(denied.stderr.includes("wrong\n"));
    t.deepEqual(listFiles(dest), []);
});

test("verify-latest.sh loads the newest snapshot into a throwaway server and counts the keys", async (t) => {
    const dest = tempDir("redis-verify");
    t.is((await runScript("backup-redis.sh", [], backupEnv(`file://${dest}`))).code, 0);
    const port = String(await freePort());
    // The job's own REDIS_HOST and password point at the live server; verify must not use them.
    const vars = { BACKUP_DEST: `file://${dest}`, VERIFY_REDIS_PORT: port, REDIS_HOST: "127.0.0.1", REDIS_PORT: String(source.port), REDISCLI_AUTH: PASSWORD };
    const ok = await runScript("verify-latest.sh", ["redis"], env([], { ...vars, VERIFY_MIN_KEYS: "506" }));
    t.is(ok.code, 0, ok.stderr);
    t.regex(ok.stdout, /^VERIFY OK: redis backup redis\/.*\.rdb restores \(506 key\(s\) loaded\)/);

    const tooFew = await runScript("verify-latest.sh", ["redis"], env([], { ...vars, VERIFY_MIN_KEYS: "507" }));
    t.is(tooFew.code, 1);
    t.regex(tooFew.stderr, /holds 506 key\(s\), fewer than VERIFY_MIN_KEYS=507/);
    t.regex(tooFew.stderr, /VERIFY FAILED: redis backup/);
});

test("verify-latest.sh will not count keys of a server it did not start", async (t) => {
    const dest = tempDir("redis-verify-port");
    t.is((await runScript("backup-redis.sh", [], backupEnv(`file://${dest}`))).code, 0);
    const r = await runScript("verify-latest.sh", ["redis"], env([], { BACKUP_DEST: `file://${dest}`, VERIFY_REDIS_PORT: String(source.port) }));
    t.is(r.code, 1);
    t.regex(r.stderr, /did not start on port|served by another process/);
});

test("an s3:// destination: upload under the prefix, prune with aws s3 rm, restore, all through --endpoint-url", async (t) => {
    const s3Root = tempDir("s3");
    fs.mkdirSync(path.join(s3Root, "platform-backups"));
    const log = path.join(tempDir("s3-log"), "aws.jsonl");
    const bin = standInBin(["aws"]);
    const prefix = "gravitypm/production";
    const bucketDir = path.join(s3Root, "platform-backups");
    const dummy = path.join(tempDir("s3-dummy"), "x.rdb");
    fs.writeFileSync(dummy, "REDIS0009 old");
    const oldKey = archiveKey("redis", stampHoursAgo(24 * 20), "rdb");
    const keptKey = archiveKey("redis", stampHoursAgo(24 * 2), "rdb");
    placeArchive(path.join(bucketDir, prefix), oldKey, dummy);
    placeArchive(path.join(bucketDir, prefix), keptKey, dummy);
    const s3 = { FAKE_S3_ROOT: s3Root, FAKE_AWS_LOG: log, S3_ENDPOINT_URL: "http://minio.backup.svc:9000" };
    const dest = `s3://platform-backups/${prefix}/`;

    const b = await runScript("backup-redis.sh", [], env([bin], { ...s3, BACKUP_DEST: dest, RETENTION_DAYS: "14", REDIS_HOST: "127.0.0.1", REDIS_PORT: String(source.port), REDISCLI_AUTH: PASSWORD }));
    t.is(b.code, 0, b.stderr);
    t.regex(b.stdout.trim(), /^s3:\/\/platform-backups\/gravitypm\/production\/redis\/\d{4}\/\d{2}\/\d{2}\/redis-\d{8}T\d{6}Z\.rdb$/);
    const newKey = b.stdout.trim().slice(`s3://platform-backups/${prefix}/`.length);
    t.deepEqual(listFiles(bucketDir), [keptKey, `${keptKey}.sha256`, newKey, `${newKey}.sha256`].map((k) => `${prefix}/${k}`).sort());

    const calls = fs.readFileSync(log, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { argv: string[] }).argv);
    t.true(calls.every((argv) => argv[0] === "--endpoint-url" && argv[1] === "http://minio.backup.svc:9000"));
    const removed = calls.filter((argv) => argv.includes("rm")).map((argv) => argv[argv.length - 1]);
    t.deepEqual(removed.sort(), [`s3://platform-backups/${prefix}/${oldKey}`, `s3://platform-backups/${prefix}/${oldKey}.sha256`]);

    const restored = await restoreAndStart(dest, s3, [bin]);
    t.is(await digest(restored), expectedDigest);
});

test("an s3:// listing that is denied fails the backup after the upload and deletes nothing", async (t) => {
    const s3Root = tempDir("s3-deny");
    fs.mkdirSync(path.join(s3Root, "platform-backups"));
    const bin = standInBin(["aws"]);
    const old = archiveKey("redis", stampHoursAgo(24 * 90), "rdb");
    const dummy = path.join(tempDir("s3-dummy"), "x.rdb");
    fs.writeFileSync(dummy, "REDIS0009 old");
    placeArchive(path.join(s3Root, "platform-backups"), old, dummy);
    const r = await runScript("backup-redis.sh", [], env([bin], { FAKE_S3_ROOT: s3Root, FAKE_AWS_DENY: "ls", BACKUP_DEST: "s3://platform-backups", RETENTION_DAYS: "7", REDIS_HOST: "127.0.0.1", REDIS_PORT: String(source.port), REDISCLI_AUTH: PASSWORD }));
    t.is(r.code, 1);
    t.regex(r.stderr, /listing s3:\/\/platform-backups\/redis\/ failed: An error occurred \(AccessDenied\)/);
    t.true(listFiles(path.join(s3Root, "platform-backups")).includes(old));

    const missing = await runScript("backup-redis.sh", [], env([bin], { FAKE_S3_ROOT: s3Root, BACKUP_DEST: "s3://no-such-bucket", RETENTION_DAYS: "7", REDIS_HOST: "127.0.0.1", REDIS_PORT: String(source.port), REDISCLI_AUTH: PASSWORD }));
    t.is(missing.code, 1);
    t.regex(missing.stderr, /NoSuchBucket/);
});
