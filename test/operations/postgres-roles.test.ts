import test from "ava";
import { postgresRoles, postgresRolesScript, ROLE_PASSWORD_ENV } from "../../capabilities/postgres-roles";
import { postgresInitScript } from "../../capabilities/docker/postgres";
import { postgresReplicas } from "../../capabilities/docker/topology";
import { allRunbooks } from "../../runbooks";
import { removeTempDirs, run, scriptEnv, startPostgres, type PostgresServer } from "./helpers";

// The roles step every target runs (Docker's first start, the AWS init task) against a real
// PostgreSQL server: as a superuser and as an RDS-like administrator with only CREATEROLE.

let pg: PostgresServer;
const APP_PW = `app'pw;--"${process.pid}`;
const MONITOR_PW = `mon$pw\\${process.pid}`;
const ADMIN_PW = "rds-like-admin-pw";

test.before(async () => {
    pg = await startPostgres();
    // RDS's master user is no superuser: it has CREATEROLE and CREATEDB and owns the database it created.
    await pg.sql("postgres", `CREATE ROLE rds_master LOGIN CREATEROLE CREATEDB PASSWORD '${ADMIN_PW}';`);
});

test.after.always(async () => {
    await pg?.stop();
    removeTempDirs();
});

function rolesRun(database: string, admin: { user: string; password: string }, roles = postgresRoles("test", { user: database })) {
    const env = scriptEnv([pg.binDir], { ...pg.env, PGUSER: admin.user, PGPASSWORD: admin.password, PGDATABASE: database, [ROLE_PASSWORD_ENV.app]: APP_PW, [ROLE_PASSWORD_ENV.monitor]: MONITOR_PW });
    return run("bash", ["-euo", "pipefail", "-c", postgresRolesScript(roles, database)], { env });
}

/** psql as `user` with `password`: its exit code and output. */
function as(user: string, password: string, database: string, query: string) {
    return run("psql", ["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", database], { env: scriptEnv([pg.binDir], { ...pg.env, PGUSER: user, PGPASSWORD: password }), input: query });
}

for (const [label, admin, prepare] of [
    ["a superuser", () => ({ user: "postgres", password: pg.password }), (db: string) => pg.sql("postgres", `CREATE DATABASE ${db};`)],
    ["an RDS-like CREATEROLE administrator", () => ({ user: "rds_master", password: ADMIN_PW }), (db: string) => pg.sql("postgres", `CREATE DATABASE ${db} OWNER rds_master;`)],
] as const) {
    test(`as ${label}: idempotent; the app owns its database but cannot create roles; the monitor reads statistics, not tables`, async (t) => {
        const db = label.startsWith("a super") ? "shop_super" : "shop_rds";
        const roles = postgresRoles("test", { user: db });
        await prepare(db);
        for (const round of [1, 2]) {
            const r = await rolesRun(db, admin(), roles);
            t.is(r.code, 0, `run ${round}: ${r.stderr}`);
        }
        const attrs = await pg.sql("postgres", `SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname IN ('${roles.app}', '${roles.monitor}') ORDER BY 1;`);
        t.is(attrs, `${roles.app}|f|f|f|f|f|t\n${roles.monitor}|f|f|f|f|f|t`);
        t.is(await pg.sql("postgres", `SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '${db}';`), roles.app);

        const app = await as(roles.app, APP_PW, db, "CREATE TABLE orders (id int PRIMARY KEY, total numeric); INSERT INTO orders VALUES (1, 9.5); SELECT count(*) FROM orders;");
        t.is(app.code, 0, app.stderr);
        t.is(app.stdout.trim(), "1");
        const createRole = await as(roles.app, APP_PW, db, "CREATE ROLE intruder LOGIN;");
        t.not(createRole.code, 0);
        t.regex(createRole.stderr, /permission denied to create role/);
        const createDb = await as(roles.app, APP_PW, db, "CREATE DATABASE other;");
        t.regex(createDb.stderr, /permission denied to create database/);

        const read = await as(roles.monitor, MONITOR_PW, db, "SELECT * FROM orders;");
        t.not(read.code, 0);
        t.regex(read.stderr, /permission denied for table orders/);
        const write = await as(roles.monitor, MONITOR_PW, db, "CREATE TABLE spy (x int);");
        t.regex(write.stderr, /read-only transaction|permission denied for schema public/);
        // pg_monitor: every session's query text, not only its own.
        const stats = await as(roles.monitor, MONITOR_PW, db, "SELECT pg_has_role('pg_monitor', 'MEMBER'), pg_has_role('pg_read_all_stats', 'MEMBER');");
        t.is(stats.stdout.trim(), "t|t", stats.stderr);
        // Nobody else connects: the database is closed to PUBLIC.
        await pg.sql("postgres", `DROP ROLE IF EXISTS bystander_${db}; CREATE ROLE bystander_${db} LOGIN PASSWORD 'b';`);
        const bystander = await as(`bystander_${db}`, "b", db, "SELECT 1;");
        t.regex(bystander.stderr, /permission denied for database/);
        // A changed password takes effect on the next run.
        const again = await rolesRun(db, admin(), roles);
        t.is(again.code, 0, again.stderr);
    });
}

test("an app role that was made a superuser stops the step with an error, not silently", async (t) => {
    const db = "shop_strong";
    const roles = postgresRoles("test", { user: db });
    await pg.sql("postgres", `CREATE DATABASE ${db}; CREATE ROLE ${roles.app} LOGIN SUPERUSER;`);
    const r = await rolesRun(db, { user: "postgres", password: pg.password }, roles);
    t.not(r.code, 0);
    t.regex(r.stderr, /SUPERUSER, REPLICATION or BYPASSRLS/);
});

test("a missing password stops the step before psql runs", async (t) => {
    const roles = postgresRoles("test", { user: "shop_super" });
    const env = scriptEnv([pg.binDir], { ...pg.env, PGDATABASE: "shop_super", [ROLE_PASSWORD_ENV.app]: APP_PW });
    const r = await run("bash", ["-euo", "pipefail", "-c", postgresRolesScript(roles, "shop_super")], { env });
    t.not(r.code, 0);
    t.regex(r.stderr, new RegExp(ROLE_PASSWORD_ENV.monitor));
});

test("every runbook's user gives valid role names; a bad one names the app, key and value", (t) => {
    for (const rb of allRunbooks()) {
        if (rb.data.postgres) t.notThrows(() => postgresRoles(rb.app, rb.data.postgres!));
    }
    const err = t.throws(() => postgresRoles("shop", { user: "Bad-User" }));
    t.regex(err!.message, /shop: data\.postgres\.user = "Bad-User".*lower-case/);
});

test("the Docker primary's first-start script, as rendered, creates the app's and the monitor's roles", async (t) => {
    const rb = allRunbooks().find((r) => r.data.postgres && postgresReplicas(r).length === 0);
    if (!rb?.data.postgres) return t.fail("a runbook with PostgreSQL and no read replicas is needed");
    const { database } = rb.data.postgres;
    const roles = postgresRoles(rb.app, rb.data.postgres);
    await pg.sql("postgres", `CREATE DATABASE ${database};`);
    const env = scriptEnv([pg.binDir], { ...pg.env, POSTGRES_USER: "postgres", POSTGRES_DB: database, [ROLE_PASSWORD_ENV.app]: APP_PW, [ROLE_PASSWORD_ENV.monitor]: MONITOR_PW });
    const r = await run("bash", ["-c", postgresInitScript(rb)], { env });
    t.is(r.code, 0, r.stderr);
    t.is(await pg.sql("postgres", `SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '${database}';`), roles.app);
    const monitor = await as(roles.monitor, MONITOR_PW, database, "SELECT pg_has_role('pg_monitor', 'MEMBER');");
    t.is(monitor.stdout.trim(), "t", monitor.stderr);
});
