import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { flipBytes, listFiles, onlyArchive, removeTempDirs, runScript, scriptEnv, standInBin, tempDir } from "./helpers";

// There is no MongoDB server on these machines: these tests run the real scripts against
// stand-in mongodump, mongorestore and mongosh executables that record their arguments and the
// config file they were given, and check how the scripts build those commands. The archive
// handling (checksum, gzip -t, layout, pruning) is real.

test.after.always(removeTempDirs);

const PASSWORD = "s3cr3t-mongo-pass";
const URI = `mongodb://backup:${PASSWORD}@mongo-0.mongo.svc:27017,mongo-1.mongo.svc:27017/?authSource=admin`;

interface Call {
    readonly tool: string;
    readonly argv: string[];
    readonly config: string | null;
    readonly archive?: { oplog: boolean };
    readonly script?: string;
    readonly uri?: string;
}

function setup() {
    const dest = tempDir("mongo-dest");
    const log = path.join(tempDir("mongo-log"), "calls.jsonl");
    const bin = standInBin(["mongodump", "mongorestore", "mongosh"]);
    const calls = (): Call[] => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Call) : []);
    const env = (vars: Record<string, string | undefined>) => scriptEnv([bin], { FAKE_MONGO_LOG: log, BACKUP_DEST: `file://${dest}`, ...vars });
    return { dest, calls, env };
}

test("without a replica set: mongodump --archive --gzip, no oplog, the URI only in a private config file", async (t) => {
    const { dest, calls, env } = setup();
    const b = await runScript("backup-mongodb.sh", [], env({ MONGO_URI: URI, RETENTION_DAYS: "30" }));
    t.is(b.code, 0, b.stderr);
    const key = onlyArchive(dest, "mongodb");
    t.regex(key, /^mongodb\/\d{4}\/\d{2}\/\d{2}\/mongodb-\d{8}T\d{6}Z\.archive\.gz$/);

    const [dump] = calls();
    t.is(dump.tool, "mongodump");
    t.deepEqual(
        dump.argv.map((a) => a.replace(/=.*/, "=…")),
        ["--config=…", "--archive=…", "--gzip"],
    );
    t.is(dump.config, `uri: '${URI}'\n`);
    t.false(dump.argv.join(" ").includes(PASSWORD), "the password must not be on the command line");
    t.false(b.stderr.includes(PASSWORD), "nor in the log");
    t.regex(b.stderr, /dumping MongoDB at mongodb:\/\/\*\*\*@mongo-0/);

    const r = await runScript("restore-mongodb.sh", [], env({ MONGO_URI: URI }));
    t.is(r.code, 0, r.stderr);
    const restore = calls()[1];
    t.is(restore.tool, "mongorestore");
    t.deepEqual(
        restore.argv.map((a) => a.replace(/=.*/, "=…")),
        ["--config=…", "--archive=…", "--gzip", "--stopOnError"],
    );
    t.is(restore.config, `uri: '${URI}'\n`);
    t.false(restore.archive?.oplog);

    const dropped = await runScript("restore-mongodb.sh", [], env({ MONGO_URI: URI, RESTORE_DROP: "yes" }));
    t.is(dropped.code, 0, dropped.stderr);
    t.true(calls()[2].argv.includes("--drop"));
});

test("with MONGO_REPLICA_SET: --oplog, replicaSet= added to the URI, an .oplog archive, and --oplogReplay on restore", async (t) => {
    const { dest, calls, env } = setup();
    const b = await runScript("backup-mongodb.sh", [], env({ MONGO_URI: URI, MONGO_REPLICA_SET: "rs0", RETENTION_DAYS: "30" }));
    t.is(b.code, 0, b.stderr);
    t.regex(onlyArchive(dest, "mongodb"), /\.oplog\.archive\.gz$/);
    const [dump] = calls();
    t.true(dump.argv.includes("--oplog"));
    t.is(dump.config, `uri: '${URI}&replicaSet=rs0'\n`);

    const r = await runScript("restore-mongodb.sh", [], env({ MONGO_URI: "mongodb://restore:pw@mongo-restore.svc:27017/" }));
    t.is(r.code, 0, r.stderr);
    const restore = calls()[1];
    t.true(restore.argv.includes("--oplogReplay"));
    t.true(restore.archive?.oplog);
});

test("a URI without options gets ?replicaSet=, one that already names the set is kept", async (t) => {
    const { calls, env } = setup();
    t.is((await runScript("backup-mongodb.sh", [], env({ MONGO_URI: "mongodb://u:p@db:27017", MONGO_REPLICA_SET: "rs0", RETENTION_DAYS: "3" }))).code, 0);
    t.is(calls()[0].config, "uri: 'mongodb://u:p@db:27017/?replicaSet=rs0'\n");
    t.is((await runScript("backup-mongodb.sh", [], env({ MONGO_URI: "mongodb://u:p@db:27017/?replicaSet=rs0&tls=true", MONGO_REPLICA_SET: "rs0", RETENTION_DAYS: "3" }))).code, 0);
    t.is(calls()[1].config, "uri: 'mongodb://u:p@db:27017/?replicaSet=rs0&tls=true'\n");
});

test("configuration errors stop the backup before mongodump runs, without printing the password", async (t) => {
    const { dest, calls, env } = setup();
    const cases: [Record<string, string>, RegExp][] = [
        [{ MONGO_URI: `mongodb://u:${PASSWORD}@db:27017/gravitypm`, MONGO_REPLICA_SET: "rs0" }, /names the database 'gravitypm', but with MONGO_REPLICA_SET the oplog covers every database/],
        [{ MONGO_URI: `mongodb://u:${PASSWORD}@db:27017/?replicaSet=other`, MONGO_REPLICA_SET: "rs0" }, /sets replicaSet=other but MONGO_REPLICA_SET is 'rs0'/],
        [{ MONGO_URI: `postgres://u:${PASSWORD}@db:5432/x` }, /MONGO_URI is not a mongodb:\/\/ or mongodb\+srv:\/\/ URI/],
        [{ MONGO_URI: URI, MONGO_REPLICA_SET: "rs 0" }, /MONGO_REPLICA_SET must be a replica set name/],
        [{}, /required environment variable\(s\) not set: MONGO_URI/],
    ];
    for (const [vars, message] of cases) {
        const r = await runScript("backup-mongodb.sh", [], env({ RETENTION_DAYS: "30", ...vars }));
        t.is(r.code, 2, JSON.stringify(vars));
        t.regex(r.stderr, message);
        t.false(r.stderr.includes(PASSWORD));
    }
    t.deepEqual(calls(), []);
    t.deepEqual(listFiles(dest), []);
});

test("a failed mongodump uploads nothing", async (t) => {
    const { dest, env } = setup();
    const r = await runScript("backup-mongodb.sh", [], env({ MONGO_URI: URI, RETENTION_DAYS: "30", FAKE_MONGO_FAIL: "1" }));
    t.is(r.code, 1);
    t.regex(r.stderr, /mongodump failed .*nothing was uploaded or pruned/);
    t.deepEqual(listFiles(dest), []);
});

test("restore refuses a corrupt archive before mongorestore runs", async (t) => {
    const { dest, calls, env } = setup();
    t.is((await runScript("backup-mongodb.sh", [], env({ MONGO_URI: URI, RETENTION_DAYS: "30" }))).code, 0);
    flipBytes(path.join(dest, onlyArchive(dest, "mongodb")), 4);
    const r = await runScript("restore-mongodb.sh", [], env({ MONGO_URI: URI }));
    t.is(r.code, 1);
    t.regex(r.stderr, /checksum mismatch/);
    t.deepEqual(calls().map((c) => c.tool), ["mongodump"]);
});

test("restore of an oplog archive refuses a URI that names a database", async (t) => {
    const { calls, env } = setup();
    t.is((await runScript("backup-mongodb.sh", [], env({ MONGO_URI: URI, MONGO_REPLICA_SET: "rs0", RETENTION_DAYS: "30" }))).code, 0);
    const r = await runScript("restore-mongodb.sh", [], env({ MONGO_URI: "mongodb://u:p@db:27017/gravitypm" }));
    t.is(r.code, 2);
    t.regex(r.stderr, /carries an oplog, which replays into every database; MONGO_URI must not name a database/);
    t.deepEqual(calls().map((c) => c.tool), ["mongodump"]);
});

test("verify-latest.sh restores into the scratch deployment with --drop and checks it with mongosh", async (t) => {
    const { calls, env } = setup();
    t.is((await runScript("backup-mongodb.sh", [], env({ MONGO_URI: URI, MONGO_REPLICA_SET: "rs0", RETENTION_DAYS: "30" }))).code, 0);
    const scratch = "mongodb://verify:scratch-pw@mongo-verify.svc:27017/";
    const ok = await runScript("verify-latest.sh", ["mongodb"], env({ VERIFY_MONGO_URI: scratch, MONGO_URI: URI, MONGO_REPLICA_SET: "rs0" }));
    t.is(ok.code, 0, ok.stderr);
    t.regex(ok.stdout, /^VERIFY OK: mongodb backup mongodb\/.*\.oplog\.archive\.gz restores \(sanity check returned 2\)/);
    const [, restore, shell] = calls();
    t.is(restore.config, `uri: '${scratch}'\n`, "the scratch URI, not the live one, without replicaSet= added");
    t.true(restore.argv.includes("--drop") && restore.argv.includes("--oplogReplay"));
    t.is(shell.tool, "mongosh");
    t.is(shell.uri, scratch);
    t.false(shell.argv.join(" ").includes("scratch-pw"));
    t.regex(shell.script ?? "", /listDatabases/);

    const empty = await runScript("verify-latest.sh", ["mongodb"], env({ VERIFY_MONGO_URI: scratch, FAKE_MONGOSH_PRINT: "0" }));
    t.is(empty.code, 1);
    t.regex(empty.stderr, /the sanity check returned '0'/);
    t.regex(empty.stderr, /VERIFY FAILED: mongodb backup/);
});
