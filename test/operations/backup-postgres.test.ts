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
    run,
    runScript,
    scriptEnv,
    stampHoursAgo,
    startPostgres,
    tempDir,
    truncate,
    writeChecksum,
    type PostgresServer,
} from "./helpers";

// backup-postgres.sh, restore-postgres.sh, prune.sh and verify-latest.sh against a real
// PostgreSQL server started for this file.

let pg: PostgresServer;

const SCHEMA = `
CREATE TYPE invoice_state AS ENUM ('draft', 'sent', 'paid');
CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE, created_at timestamptz NOT NULL);
INSERT INTO customers (name, email, created_at)
  SELECT 'customer ' || g, 'c' || g || '@example.test', timestamptz '2025-01-01 00:00:00+00' + g * interval '1 hour'
  FROM generate_series(1, 2000) g;
CREATE TABLE invoices (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id), amount numeric(12, 2), state invoice_state, lines jsonb);
INSERT INTO invoices (customer_id, amount, state, lines)
  SELECT 1 + g % 2000, round((g * 7.31)::numeric % 10000, 2), (ARRAY['draft', 'sent', 'paid']::invoice_state[])[1 + g % 3],
         jsonb_build_object('n', g, 'sku', 'SKU-' || g % 97, 'note', E'tab\\there, quote '' and "double"')
  FROM generate_series(1, 5000) g;
CREATE INDEX invoices_customer ON invoices (customer_id);
CREATE TABLE audit_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz, payload bytea);
INSERT INTO audit_log (at, payload) SELECT timestamptz '2025-02-01 00:00:00+00' + g * interval '1 minute', decode(md5(g::text), 'hex') FROM generate_series(1, 3000) g;
CREATE VIEW paid_totals AS SELECT customer_id, sum(amount) AS total FROM invoices WHERE state = 'paid' GROUP BY customer_id;
`;

/** Row counts and an md5 over every row, table by table, plus the sequences' positions. */
const FINGERPRINT = `
SELECT 'customers', count(*), md5(string_agg(c::text, ',' ORDER BY id)) FROM customers c
UNION ALL SELECT 'invoices', count(*), md5(string_agg(i::text, ',' ORDER BY id)) FROM invoices i
UNION ALL SELECT 'audit_log', count(*), md5(string_agg(a::text, ',' ORDER BY id)) FROM audit_log a
UNION ALL SELECT 'paid_totals', count(*), md5(string_agg(p::text, ',' ORDER BY customer_id)) FROM paid_totals p
UNION ALL SELECT 'customers_id_seq', last_value, '' FROM customers_id_seq
ORDER BY 1;`;

test.before(async () => {
    pg = await startPostgres();
    await pg.sql("postgres", "CREATE DATABASE source;");
    await pg.sql("source", SCHEMA);
});

test.after.always(async () => {
    await pg?.stop();
    removeTempDirs();
});

function env(vars: Record<string, string | undefined>): NodeJS.ProcessEnv {
    return scriptEnv([pg.binDir], { ...pg.env, ...vars });
}

async function backup(dest: string, vars: Record<string, string> = {}) {
    return runScript("backup-postgres.sh", [], env({ PGDATABASE: "source", BACKUP_DEST: `file://${dest}`, RETENTION_DAYS: "30", ...vars }));
}

async function createDatabase(name: string, sql = ""): Promise<void> {
    await pg.sql("postgres", `CREATE DATABASE ${name};`);
    if (sql) await pg.sql(name, sql);
}

test("backup, then restore into a fresh database, reproduces every row", async (t) => {
    const dest = tempDir("pg-dest");
    const b = await backup(dest);
    t.is(b.code, 0, b.stderr);

    const key = onlyArchive(dest, "postgres");
    t.regex(key, /^postgres\/\d{4}\/\d{2}\/\d{2}\/postgres-\d{8}T\d{6}Z\.dump$/);
    t.is(b.stdout.trim(), path.join(dest, key));
    const check = await run("sha256sum", ["-c", `${path.basename(key)}.sha256`], { cwd: path.dirname(path.join(dest, key)) });
    t.is(check.code, 0, "the checksum file works with sha256sum -c");

    await createDatabase("restored_fresh");
    const r = await runScript("restore-postgres.sh", [], env({ PGDATABASE: "restored_fresh", BACKUP_DEST: `file://${dest}` }));
    t.is(r.code, 0, r.stderr);

    const source = await pg.sql("source", FINGERPRINT);
    const restored = await pg.sql("restored_fresh", FINGERPRINT);
    t.is(restored, source);
    t.regex(source, /^audit_log\|3000\|[0-9a-f]{32}\ncustomers\|2000\|[0-9a-f]{32}\ncustomers_id_seq\|2000\|\ninvoices\|5000\|[0-9a-f]{32}\npaid_totals\|\d+\|[0-9a-f]{32}$/);
    // The fingerprint notices a single changed value, so the equality above means something.
    await pg.sql("restored_fresh", "UPDATE invoices SET amount = amount + 0.01 WHERE id = 4321;");
    t.not(await pg.sql("restored_fresh", FINGERPRINT), source);
});

test("restore refuses an archive whose bytes changed, before touching the target", async (t) => {
    const dest = tempDir("pg-flip");
    t.is((await backup(dest)).code, 0);
    flipBytes(path.join(dest, onlyArchive(dest, "postgres")));
    await createDatabase("target_flip", "CREATE TABLE sentinel (v text); INSERT INTO sentinel VALUES ('untouched');");
    const before = await pg.sql("target_flip", "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public';");

    const r = await runScript("restore-postgres.sh", [], env({ PGDATABASE: "target_flip", BACKUP_DEST: `file://${dest}`, RESTORE_CLEAN: "yes" }));
    t.is(r.code, 1);
    t.regex(r.stderr, /checksum mismatch for postgres\/.*\.dump/);
    t.is(await pg.sql("target_flip", "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public';"), before);
    t.is(await pg.sql("target_flip", "SELECT v FROM sentinel;"), "untouched");
});

test("restore refuses a truncated archive even when its checksum was rewritten to match", async (t) => {
    const dest = tempDir("pg-trunc");
    t.is((await backup(dest)).code, 0);
    const archive = path.join(dest, onlyArchive(dest, "postgres"));
    truncate(archive, 0.5);
    writeChecksum(archive);
    await createDatabase("target_trunc");

    const r = await runScript("restore-postgres.sh", [], env({ PGDATABASE: "target_trunc", BACKUP_DEST: `file://${dest}` }));
    t.is(r.code, 1);
    t.regex(r.stderr, /corrupt although its checksum matches; the target database was not touched/);
    t.is(await pg.sql("target_trunc", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public';"), "0");
});

test("restore over existing tables needs RESTORE_CLEAN=yes, and then replaces them", async (t) => {
    const dest = tempDir("pg-clean");
    t.is((await backup(dest)).code, 0);
    await createDatabase("target_clean", "CREATE TABLE customers (id int PRIMARY KEY, name text); INSERT INTO customers VALUES (1, 'stale');");

    const refused = await runScript("restore-postgres.sh", [], env({ PGDATABASE: "target_clean", BACKUP_DEST: `file://${dest}` }));
    t.is(refused.code, 2);
    t.regex(refused.stderr, /already holds 1 relation\(s\).*RESTORE_CLEAN=yes/);
    t.is(await pg.sql("target_clean", "SELECT name FROM customers;"), "stale");

    const r = await runScript("restore-postgres.sh", [], env({ PGDATABASE: "target_clean", BACKUP_DEST: `file://${dest}`, RESTORE_CLEAN: "yes" }));
    t.is(r.code, 0, r.stderr);
    t.is(await pg.sql("target_clean", FINGERPRINT), await pg.sql("source", FINGERPRINT));
});

test("an unreachable server fails the backup and deletes nothing", async (t) => {
    const dest = tempDir("pg-down");
    const old = archiveKey("postgres", stampHoursAgo(24 * 90), "dump");
    const dummy = path.join(tempDir("pg-dummy"), "old.dump");
    fs.writeFileSync(dummy, "an old archive");
    placeArchive(dest, old, dummy);
    const before = listFiles(dest);

    const r = await backup(dest, { PGPORT: String(await freePort()), RETENTION_DAYS: "7", PGCONNECT_TIMEOUT: "3" });
    t.is(r.code, 1);
    t.regex(r.stderr, /pg_dump of database 'source' on 127\.0\.0\.1:\d+ failed .*nothing was uploaded or pruned/);
    t.deepEqual(listFiles(dest), before);
});

test("a wrong password fails the backup without prompting", async (t) => {
    const dest = tempDir("pg-auth");
    const r = await backup(dest, { PGPASSWORD: "not-the-password" });
    t.is(r.code, 1);
    t.regex(r.stderr, /password authentication failed/);
    t.deepEqual(listFiles(dest), []);
});

test("a backup prunes exactly the archives older than RETENTION_DAYS", async (t) => {
    const dest = tempDir("pg-prune");
    const dummy = path.join(tempDir("pg-dummy"), "x.dump");
    fs.writeFileSync(dummy, "placeholder archive");
    const ageHours = { inside: [20, 24 * 3, 24 * 7 - 1], outside: [24 * 7 + 1, 24 * 10, 24 * 40] };
    const inside = ageHours.inside.map((h) => archiveKey("postgres", stampHoursAgo(h), "dump"));
    const outside = ageHours.outside.map((h) => archiveKey("postgres", stampHoursAgo(h), "dump"));
    for (const k of [...inside, ...outside]) placeArchive(dest, k, dummy);
    const unrelated = ["postgres/README.txt", `${outside[2]}.partial`, archiveKey("redis", stampHoursAgo(24 * 40), "rdb")];
    for (const k of unrelated) {
        fs.mkdirSync(path.dirname(path.join(dest, k)), { recursive: true });
        fs.writeFileSync(path.join(dest, k), "not ours to delete");
    }

    const r = await backup(dest, { RETENTION_DAYS: "7" });
    t.is(r.code, 0, r.stderr);
    const fresh = path.relative(dest, r.stdout.trim());
    const expected = [...inside, fresh].flatMap((k) => [k, `${k}.sha256`]).concat(unrelated).sort();
    t.deepEqual(listFiles(dest), expected);
});

test("prune.sh keeps the newest good archive even when all are older than the retention", async (t) => {
    const dest = tempDir("pg-keep");
    const dummy = path.join(tempDir("pg-dummy"), "x.dump");
    fs.writeFileSync(dummy, "placeholder archive");
    const older = archiveKey("postgres", stampHoursAgo(24 * 60), "dump");
    const newestGood = archiveKey("postgres", stampHoursAgo(24 * 45), "dump");
    const incomplete = archiveKey("postgres", stampHoursAgo(24 * 40), "dump");
    placeArchive(dest, older, dummy);
    placeArchive(dest, newestGood, dummy);
    placeArchive(dest, incomplete, dummy, false);

    const r = await runScript("prune.sh", ["postgres"], scriptEnv([], { BACKUP_DEST: `file://${dest}`, RETENTION_DAYS: "30" }));
    t.is(r.code, 0, r.stderr);
    t.deepEqual(listFiles(dest), [newestGood, `${newestGood}.sha256`]);
});

test("verify-latest.sh restores the newest backup into a scratch database and drops it", async (t) => {
    const dest = tempDir("pg-verify");
    t.is((await backup(dest)).code, 0);
    const r = await runScript("verify-latest.sh", ["postgres"], env({ BACKUP_DEST: `file://${dest}`, VERIFY_PGDATABASE: "verify_scratch", VERIFY_SQL: "SELECT count(*) = 5000 FROM invoices", VERIFY_MAX_AGE_HOURS: "1" }));
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /^VERIFY OK: postgres backup postgres\/.*\.dump restores \(sanity query returned t\)/);
    t.is(await pg.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'verify_scratch';"), "0");
});

test("verify-latest.sh fails loudly on a corrupt newest backup, a failing sanity query or a stale backup", async (t) => {
    const dest = tempDir("pg-verify-bad");
    t.is((await backup(dest)).code, 0);
    const verifyEnv = { BACKUP_DEST: `file://${dest}`, VERIFY_PGDATABASE: "verify_bad" };

    const sanity = await runScript("verify-latest.sh", ["postgres"], env({ ...verifyEnv, VERIFY_SQL: "SELECT count(*) FROM invoices WHERE amount < 0" }));
    t.is(sanity.code, 1);
    t.regex(sanity.stderr, /the sanity query returned '0'/);
    t.regex(sanity.stderr, /VERIFY FAILED: postgres backup postgres\/.*\.dump/);

    const archive = path.join(dest, onlyArchive(dest, "postgres"));
    const stale = archiveKey("postgres", stampHoursAgo(48), "dump");
    fs.mkdirSync(path.dirname(path.join(dest, stale)), { recursive: true });
    fs.renameSync(archive, path.join(dest, stale));
    writeChecksum(path.join(dest, stale));
    fs.rmSync(`${archive}.sha256`);
    const old = await runScript("verify-latest.sh", ["postgres"], env({ ...verifyEnv, VERIFY_MAX_AGE_HOURS: "24" }));
    t.is(old.code, 1);
    t.regex(old.stderr, /older than VERIFY_MAX_AGE_HOURS=24/);

    flipBytes(path.join(dest, stale));
    const corrupt = await runScript("verify-latest.sh", ["postgres"], env(verifyEnv));
    t.is(corrupt.code, 1);
    t.regex(corrupt.stderr, /checksum mismatch/);
    t.regex(corrupt.stderr, /VERIFY FAILED/);
    t.is(await pg.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'verify_bad';"), "0");
});

test("verify-latest.sh never replaces a database it did not create", async (t) => {
    const dest = tempDir("pg-verify-foreign");
    t.is((await backup(dest)).code, 0);
    await createDatabase("someone_elses", "CREATE TABLE keep (v int); INSERT INTO keep VALUES (42);");
    const r = await runScript("verify-latest.sh", ["postgres"], env({ BACKUP_DEST: `file://${dest}`, VERIFY_PGDATABASE: "someone_elses" }));
    t.is(r.code, 2);
    t.regex(r.stderr, /exists and was not created by verify-latest\.sh; refusing to replace it/);
    t.is(await pg.sql("someone_elses", "SELECT v FROM keep;"), "42");
});
