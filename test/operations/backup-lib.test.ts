import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { archiveKey, BACKUP_DIR, listFiles, removeTempDirs, run, runScript, scriptEnv, stampHoursAgo, tempDir } from "./helpers";

// The decisions in lib.sh (what to prune, which archive is the newest good one, what a
// configuration error looks like) checked directly, without servers.

test.after.always(removeTempDirs);

/** Calls a lib.sh function with arguments, feeding `input` on stdin. */
async function lib(fn: string, args: string[], input = "") {
    return run("bash", ["-c", `set -euo pipefail; source "${BACKUP_DIR}/lib.sh"; ${fn} "$@"`, "lib-test", ...args], { input, env: scriptEnv([], {}) });
}

const CUTOFF = "20250110T000000Z";
const key = (dataset: string, stamp: string, ext: string) => archiveKey(dataset, stamp, ext);

test("select_prunable deletes archives and checksums dated before the cutoff, keeps the rest", async (t) => {
    const old1 = key("postgres", "20250101T010000Z", "dump");
    const old2 = key("postgres", "20250109T235959Z", "dump");
    const atCutoff = key("postgres", "20250110T000000Z", "dump");
    const recent = key("postgres", "20250112T010000Z", "dump");
    const listing = [old1, `${old1}.sha256`, old2, `${old2}.sha256`, atCutoff, `${atCutoff}.sha256`, recent, `${recent}.sha256`].join("\n");
    const r = await lib("select_prunable", ["postgres", "dump", CUTOFF], listing);
    t.is(r.code, 0, r.stderr);
    t.deepEqual(r.stdout.trim().split("\n"), [old1, `${old1}.sha256`, old2, `${old2}.sha256`]);
});

test("select_prunable never lists files outside the archive layout", async (t) => {
    const listing = [
        "postgres/README.txt",
        "postgres/2025/01/01/postgres-20250101T010000Z.dump.partial",
        "postgres/2025/01/02/postgres-20250101T010000Z.dump", // folder date disagrees with the name
        "postgres/2025/01/01/postgres-20250101T010000Z.sql.gz",
        "postgres/2025/01/01/redis-20250101T010000Z.rdb",
        "postgres/2025/01/01/postgres-2025010T010000Z.dump",
        "../postgres/2025/01/01/postgres-20250101T010000Z.dump",
        key("postgres", "20250120T010000Z", "dump"),
        `${key("postgres", "20250120T010000Z", "dump")}.sha256`,
    ].join("\n");
    const r = await lib("select_prunable", ["postgres", "dump", CUTOFF], listing);
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, "");
});

test("select_prunable keeps the newest good archive even when every archive is past the retention", async (t) => {
    const a = key("redis", "20241201T000000Z", "rdb");
    const b = key("redis", "20241215T000000Z", "rdb");
    // Newer than b but without its checksum: an interrupted upload, not a good backup.
    const partial = key("redis", "20241220T000000Z", "rdb");
    const orphanSum = `${key("redis", "20241130T000000Z", "rdb")}.sha256`;
    const listing = [a, `${a}.sha256`, b, `${b}.sha256`, partial, orphanSum].join("\n");
    const r = await lib("select_prunable", ["redis", "rdb", CUTOFF], listing);
    t.is(r.code, 0, r.stderr);
    t.deepEqual(r.stdout.trim().split("\n"), [orphanSum, a, `${a}.sha256`, partial].sort());
    t.false(r.stdout.includes(`${b}\n`), "the newest good archive must survive");
});

test("select_latest_good picks the newest archive that has its checksum", async (t) => {
    const a = key("mongodb", "20250101T000000Z", "oplog.archive.gz");
    const b = key("mongodb", "20250105T000000Z", "archive.gz");
    const c = key("mongodb", "20250107T000000Z", "oplog.archive.gz");
    const ext = "oplog\\.archive\\.gz|archive\\.gz";
    const withC = await lib("select_latest_good", ["mongodb", ext], [a, `${a}.sha256`, b, `${b}.sha256`, c].join("\n"));
    t.is(withC.stdout.trim(), b);
    const complete = await lib("select_latest_good", ["mongodb", ext], [a, `${a}.sha256`, b, `${b}.sha256`, c, `${c}.sha256`].join("\n"));
    t.is(complete.stdout.trim(), c);
    const none = await lib("select_latest_good", ["mongodb", ext], [a, b].join("\n"));
    t.is(none.stdout, "");
});

test("stamps and keys follow the dated layout", async (t) => {
    const r = await lib("archive_key", ["postgres", "20250131T010203Z", "dump"]);
    t.is(r.stdout.trim(), "postgres/2025/01/31/postgres-20250131T010203Z.dump");
    // The script reads the clock between these two reads (stamps compare as strings).
    const before = stampHoursAgo(30 * 24, Date.now() - 1000);
    const ago = (await lib("stamp_days_ago", ["30"])).stdout.trim();
    const after = stampHoursAgo(30 * 24, Date.now() + 1000);
    t.regex(ago, /^\d{8}T\d{6}Z$/);
    t.true(before <= ago && ago <= after, `${before} <= ${ago} <= ${after}`);
});

const base = { BACKUP_DEST: "file:///tmp/never-written", RETENTION_DAYS: "7", REDIS_HOST: "127.0.0.1", REDIS_PORT: "1" };

test("a missing variable is a configuration error that names every missing variable", async (t) => {
    const r = await runScript("backup-postgres.sh", [], scriptEnv([], { BACKUP_DEST: base.BACKUP_DEST, RETENTION_DAYS: "7", PGHOST: "127.0.0.1" }));
    t.is(r.code, 2);
    t.regex(r.stderr, /required environment variable\(s\) not set: PGUSER PGDATABASE/);
});

for (const retention of ["0", "7d", "-3", "1.5", "", "1000000"]) {
    test(`RETENTION_DAYS=${JSON.stringify(retention)} is refused before anything is contacted`, async (t) => {
        const dest = tempDir("cfg");
        const r = await runScript("backup-redis.sh", [], scriptEnv([], { ...base, BACKUP_DEST: `file://${dest}`, RETENTION_DAYS: retention }));
        t.is(r.code, 2);
        t.regex(r.stderr, /RETENTION_DAYS/);
        t.deepEqual(listFiles(dest), []);
    });
}

for (const dest of ["ftp://host/x", "file://relative/path", "s3://", "/plain/path", "s3://Bad_Bucket/x"]) {
    test(`BACKUP_DEST=${dest} is refused with a message naming the variable`, async (t) => {
        const r = await runScript("backup-redis.sh", [], scriptEnv([], { ...base, BACKUP_DEST: dest }));
        t.is(r.code, 2);
        t.regex(r.stderr, /BACKUP_DEST must be file:\/\/\/absolute\/path or s3:\/\/bucket/);
    });
}

test("an s3:// destination needs the aws CLI, and says so", async (t) => {
    // A PATH with only what the script needs before it looks for aws.
    const bin = tempDir("nobin");
    for (const tool of ["bash", "basename", "dirname"]) {
        const found = ["/usr/bin", "/bin"].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
        if (!found) throw new Error(`${tool} not found in /usr/bin or /bin`);
        fs.symlinkSync(found, path.join(bin, tool));
    }
    const env = { ...scriptEnv([], { ...base, BACKUP_DEST: "s3://backups/x" }), PATH: bin };
    const r = await run(path.join(bin, "bash"), [path.join(BACKUP_DIR, "backup-redis.sh")], { env });
    t.is(r.code, 2);
    t.regex(r.stderr, /required command\(s\) not found on PATH: aws/);
});

test("RESTORE_KEY outside the archive layout is refused (no path escapes)", async (t) => {
    const dest = tempDir("cfg");
    const dataDir = tempDir("cfg-data");
    for (const restoreKey of ["redis/../../etc/passwd", "/etc/passwd", "redis/2025/01/01/redis-20250101T000000Z.rdb.sha256", "postgres/2025/01/01/postgres-20250101T000000Z.dump"]) {
        const r = await runScript("restore-redis.sh", [], scriptEnv([], { BACKUP_DEST: `file://${dest}`, REDIS_DATA_DIR: dataDir, RESTORE_KEY: restoreKey }));
        t.is(r.code, 2, restoreKey);
        t.regex(r.stderr, /RESTORE_KEY .* is not a redis archive key/);
    }
    t.deepEqual(listFiles(dataDir), []);
});

test("verify-latest.sh names the datasets it knows", async (t) => {
    const r = await runScript("verify-latest.sh", ["mysql"], scriptEnv([], { BACKUP_DEST: "file:///tmp/x" }));
    t.is(r.code, 2);
    t.regex(r.stderr, /unknown dataset 'mysql' \(expected postgres, redis or mongodb\)/);
    t.regex(r.stderr, /VERIFY FAILED/);
});

test("prune.sh on an empty destination deletes nothing and succeeds", async (t) => {
    const dest = tempDir("prune-empty");
    fs.mkdirSync(path.join(dest, "other"));
    fs.writeFileSync(path.join(dest, "other", "keep.txt"), "x");
    const r = await runScript("prune.sh", ["redis"], scriptEnv([], { BACKUP_DEST: `file://${dest}`, RETENTION_DAYS: "1" }));
    t.is(r.code, 0, r.stderr);
    t.deepEqual(listFiles(dest), ["other/keep.txt"]);
});
