import test from "ava";
import { postgresRoles, ROLE_PASSWORD_ENV } from "../../../capabilities/postgres-roles";
import * as fs from "fs";
import * as path from "path";
import { routingCases } from "../../../capabilities/alerting";
import { localArtifacts } from "../../../capabilities/docker/artifacts";
import { localPostgresConf, pgHbaConf, postgresInitScript, postgresReplicaScript, PG_DATA, PG_HBA_PATH, REPLICATION_USER } from "../../../capabilities/docker/postgres";
import { prometheusYaml, PROMETHEUS_RULES_DIR } from "../../../capabilities/docker/prometheus";
import { localRedisConf, redisStartScript } from "../../../capabilities/docker/redis";
import { postgresReplicas } from "../../../capabilities/docker/topology";
import { getRunbook, type Runbook } from "../../../runbooks";
import { APPS, freePort, run, tempDir } from "./helpers";

/**
 * The rendered configuration against the real engines this machine has: redis-server,
 * PostgreSQL (primary, first-start script, a streaming replica cloned by the rendered script),
 * promtool and amtool. What a Docker engine would run is the same text.
 */

const dirs: string[] = [];
const stops: (() => Promise<unknown>)[] = [];
test.after.always(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function scratch(prefix: string): string {
    const d = tempDir(prefix);
    dirs.push(d);
    return d;
}

const PG_BIN = (() => {
    const root = "/usr/lib/postgresql";
    const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "postgres"))) : [];
    return versions.length ? path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], "bin") : undefined;
})();

async function waitFor(check: () => Promise<boolean>, what: string, ms = 15000): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
        if (await check()) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
}

/**
 * Apps whose rendered files are identical share one run (the file is what is tested); the test's
 * title names them all, and the values checked are each app's runbook numbers.
 */
function byRendered<T>(render: (rb: Runbook) => T | undefined): { apps: string[]; rb: Runbook; value: T }[] {
    const groups = new Map<string, { apps: string[]; rb: Runbook; value: T }>();
    for (const app of APPS) {
        const rb = getRunbook(app);
        const value = render(rb);
        if (value === undefined) continue;
        const key = JSON.stringify(value);
        const group = groups.get(key);
        if (group) group.apps.push(app);
        else groups.set(key, { apps: [app], rb, value });
    }
    return [...groups.values()];
}

for (const { apps, rb, value: rendered } of byRendered((rb) => (rb.data.redis ? { conf: localRedisConf(rb.data.redis), script: redisStartScript() } : undefined))) {
    const app = apps.join(", ");
    test(`${app}: redis-server accepts the rendered redis.conf and runs with the runbook's memory policy and snapshots`, async (t) => {
        const dir = scratch(`redis-${rb.app}`);
        const port = await freePort();
        const password = "Local0nlyTestPassw0rd";
        // Only what a laptop's engine provides differently: the data directory, the port, loopback.
        const conf = rendered.conf
            .replace(/^dir .*$/m, `dir ${dir}`)
            .replace(/^port .*$/m, `port ${port}`)
            .replace(/^bind .*$/m, "bind 127.0.0.1");
        fs.writeFileSync(path.join(dir, "redis.conf"), conf);
        const script = redisStartScript({ confPath: path.join(dir, "redis.conf"), authPath: path.join(dir, "auth.conf") });
        const server = run("sh", ["-c", script], { env: { ...process.env, REDIS_PASSWORD: password }, timeoutMs: 30000 });
        const cli = (args: string[], auth = true) => run("redis-cli", ["-h", "127.0.0.1", "-p", `${port}`, ...args], { env: { ...process.env, ...(auth ? { REDISCLI_AUTH: password } : {}) } });
        stops.push(() => cli(["shutdown", "nosave"]));
        await waitFor(async () => (await cli(["ping"])).stdout.trim() === "PONG", "redis-server");
        const get = async (key: string) => (await cli(["--raw", "config", "get", key])).stdout.trim().split("\n")[1];
        for (const other of apps.map((a) => getRunbook(a as Runbook["app"]).data.redis!)) {
            t.is(await get("maxmemory"), `${other.maxmemoryMB * 1024 * 1024}`);
            t.is(await get("maxmemory-policy"), other.maxmemoryPolicy);
            t.is(await get("save"), other.save.map(([s, n]) => `${s} ${n}`).join(" "));
        }
        t.is(await get("appendonly"), "yes");
        t.regex((await cli(["ping"], false)).stdout, /NOAUTH/, "the generated password is required");
        t.is((fs.statSync(path.join(dir, "auth.conf")).mode & 0o777).toString(8), "600", "the password file is private");
        t.is(await get("requirepass"), password, "the password came from the private include file");
        const exec = script.split("\n").find((line) => line.startsWith("exec "));
        t.notRegex(exec ?? "", /PASSWORD/, "the server's command line never holds the password");
        await cli(["shutdown", "nosave"]);
        t.is((await server).code, 0);
    });
}

test("the Redis start script refuses a password that would break out of its directive", async (t) => {
    const result = await run("sh", ["-c", redisStartScript({ confPath: "/nonexistent", authPath: "/nonexistent" })], { env: { ...process.env, REDIS_PASSWORD: 'a"b' } });
    t.is(result.code, 2);
    t.regex(result.stderr, /double quote/);
});

/** Runs a PostgreSQL binary as the postgres user (the server refuses root). */
const pg = (bin: string, args: string[], env: Record<string, string> = {}, input?: string) =>
    run("runuser", ["-u", "postgres", "--", "env", ...Object.entries({ PATH: `${PG_BIN}:/usr/bin:/bin`, ...env }).map(([k, v]) => `${k}=${v}`), bin, ...args], { timeoutMs: 60000, input });

/** One initdb for every app (it is the slow part): each test starts from a copy and adds the app's owner role, as the image's entrypoint would. */
let template: Promise<string> | undefined;
function clusterTemplate(): Promise<string> {
    template ??= (async () => {
        const dir = scratch("pg-template");
        fs.chmodSync(dir, 0o755);
        await run("chown", ["postgres:", dir]);
        const data = path.join(dir, "data");
        const init = await pg(path.join(PG_BIN!, "initdb"), ["-D", data, "-U", "platform_template", "--auth-local=trust", "--auth-host=scram-sha-256"]);
        if (init.code !== 0) throw new Error(`initdb failed: ${init.stderr}`);
        return data;
    })();
    return template;
}

async function startPostgres(dir: string, data: string, port: number): Promise<void> {
    const started = await pg(path.join(PG_BIN!, "pg_ctl"), ["-D", data, "-l", path.join(dir, `${port}.log`), "-w", "-o", `-c config_file=${dir}/postgresql.conf -p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir}`, "start"]);
    if (started.code !== 0) throw new Error(`postgres did not start: ${started.stderr}${fs.existsSync(path.join(dir, `${port}.log`)) ? fs.readFileSync(path.join(dir, `${port}.log`), "utf8") : ""}`);
    stops.push(() => pg(path.join(PG_BIN!, "pg_ctl"), ["-D", data, "-m", "immediate", "stop"]));
}

const postgresGroups = byRendered((rb) =>
    rb.data.postgres ? { conf: localPostgresConf(rb.data.postgres), hba: pgHbaConf(), init: postgresInitScript(rb), replicas: postgresReplicas(rb).map(postgresReplicaScript) } : undefined,
);
for (const { apps, rb } of postgresGroups) {
    const postgres = rb.data.postgres!;
    const app = apps.join(", ");
    test(`${app}: PostgreSQL runs with the rendered postgresql.conf, access rules and first-start script${postgres.readReplicas ? ", and the replica script clones a streaming standby" : ""}`, async (t) => {
        t.truthy(PG_BIN, "PostgreSQL server binaries (bash .ci/setup installs them)");
        const dir = scratch(`pg-${rb.app}`);
        fs.chmodSync(dir, 0o755);
        const data = path.join(dir, "data");
        const password = "Local0nlyTestPassw0rd";
        fs.writeFileSync(path.join(dir, "postgresql.conf"), localPostgresConf(postgres).replace(PG_HBA_PATH, path.join(dir, "pg_hba.conf")));
        fs.writeFileSync(path.join(dir, "pg_hba.conf"), pgHbaConf());
        fs.writeFileSync(path.join(dir, "init.sh"), postgresInitScript(rb));
        await run("chown", ["-R", "postgres:", dir]);
        const copied = await run("cp", ["-a", await clusterTemplate(), data]);
        t.is(copied.code, 0, copied.stderr);
        const shown = await pg(path.join(PG_BIN!, "postgres"), ["-D", data, "-c", `config_file=${dir}/postgresql.conf`, "-C", "shared_preload_libraries"]);
        t.is(shown.stdout.trim(), postgres.preloadLibraries.join(","), "postgres -C reads the rendered file");

        const port = await freePort();
        await startPostgres(dir, data, port);
        const local = { PGHOST: dir, PGPORT: `${port}`, PGUSER: postgres.user };
        const owner = await pg(path.join(PG_BIN!, "psql"), ["-X", "-v", "ON_ERROR_STOP=1", "-v", `pw=${password}`, "-d", "postgres"], { ...local, PGUSER: "platform_template" }, `CREATE ROLE ${postgres.user} SUPERUSER LOGIN PASSWORD :'pw';`);
        t.is(owner.code, 0, owner.stderr);
        t.is((await pg(path.join(PG_BIN!, "createdb"), [postgres.database], local)).code, 0);
        // The image's entrypoint runs the script the same way: over the socket, POSTGRES_USER/DB set.
        const roles = postgresRoles(rb.app, postgres);
        const rolePasswords = { [ROLE_PASSWORD_ENV.app]: `${password}-app`, [ROLE_PASSWORD_ENV.monitor]: `${password}-monitor` };
        const first = await pg("bash", [path.join(dir, "init.sh")], { ...local, POSTGRES_USER: postgres.user, POSTGRES_DB: postgres.database, REPLICATION_PASSWORD: password, ...rolePasswords });
        t.is(first.code, 0, first.stderr);

        const sql = async (query: string, env: Record<string, string> = local, db = postgres.database) => {
            const r = await pg(path.join(PG_BIN!, "psql"), ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", query], env);
            if (r.code !== 0) throw new Error(r.stderr);
            return r.stdout.trim();
        };
        const names = Object.keys(postgres.parameters);
        const settings = await sql(`SELECT ${[...names.map((n) => `current_setting('${n}')`), "(SELECT setting FROM pg_settings WHERE name = 'log_min_duration_statement')", "current_setting('shared_preload_libraries')", "(SELECT count(*) FROM pg_stat_statements)"].join(" || '|' || ")}`);
        const values = settings.split("|");
        for (const other of apps.map((a) => getRunbook(a as Runbook["app"]).data.postgres!)) {
            names.forEach((name, i) => t.is(values[i], other.parameters[name], `${name} as in the runbook`));
            t.is(values[names.length], `${other.slowQueryMs}`, "slow-query log at the runbook's threshold");
        }
        t.is(values[names.length + 1], postgres.preloadLibraries.join(","));
        t.regex(values[names.length + 2], /^\d+$/, "pg_stat_statements is installed in the app database");

        const tcp = { PGHOST: "127.0.0.1", PGPORT: `${port}`, PGUSER: postgres.user };
        t.not((await pg(path.join(PG_BIN!, "psql"), ["-X", "-w", "-d", postgres.database, "-c", "SELECT 1"], tcp)).code, 0, "over the network a password is required");
        t.is(await sql("SELECT 1", { ...tcp, PGPASSWORD: password }), "1", "and the right one is accepted (SCRAM)");
        // The app and the exporter log in as their own roles, made by the first-start script.
        t.is(await sql("SELECT current_user || '|' || pg_has_role('pg_monitor', 'MEMBER')", { ...tcp, PGUSER: roles.app, PGPASSWORD: rolePasswords[ROLE_PASSWORD_ENV.app] }), `${roles.app}|false`);
        t.is(await sql("SELECT current_user || '|' || pg_has_role('pg_monitor', 'MEMBER')", { ...tcp, PGUSER: roles.monitor, PGPASSWORD: rolePasswords[ROLE_PASSWORD_ENV.monitor] }), `${roles.monitor}|true`);

        const replicas = postgresReplicas(rb);
        t.is(replicas.length, postgres.readReplicas);
        for (const host of replicas) {
            t.is(await sql(`SELECT rolreplication FROM pg_roles WHERE rolname = '${REPLICATION_USER}'`), "t");
            const replicaData = path.join(dir, host);
            const replicaPort = await freePort();
            // The script as rendered, pointed at this machine: the primary's address, the data directory, no exec.
            const script = postgresReplicaScript(host)
                .replace(/-h postgres -p 5432/g, `-h 127.0.0.1 -p ${port}`)
                .replace("--host=postgres --port=5432", `--host=127.0.0.1 --port=${port}`)
                .replaceAll(PG_DATA, replicaData)
                .replace(/^exec postgres .*$/m, "echo cloned");
            fs.writeFileSync(path.join(dir, `${host}.sh`), script);
            await run("chown", ["postgres:", path.join(dir, `${host}.sh`)]);
            const clone = await pg("bash", [path.join(dir, `${host}.sh`)], { PGPASSWORD: password });
            t.is(clone.code, 0, clone.stderr);
            t.true(fs.existsSync(path.join(replicaData, "standby.signal")), "pg_basebackup -R made a standby");
            await startPostgres(dir, replicaData, replicaPort);
            const onReplica = { PGHOST: dir, PGPORT: `${replicaPort}`, PGUSER: postgres.user };
            t.is(await sql("SELECT pg_is_in_recovery()", onReplica), "t");
            await sql("CREATE TABLE replicated (v text); INSERT INTO replicated VALUES ('from the primary')");
            await waitFor(async () => (await sql("SELECT count(*) FROM pg_class WHERE relname = 'replicated'", onReplica)) === "1", "the table on the replica");
            await waitFor(async () => (await sql("SELECT v FROM replicated", onReplica)) === "from the primary", "the row on the replica");
            t.is(await sql(`SELECT active FROM pg_replication_slots WHERE slot_name = '${host.replace(/[^a-z0-9]/g, "_")}'`), "t", "streaming through its slot");
        }
    });
}

for (const app of APPS) {
    test(`${app}: promtool accepts the rendered prometheus.yml with the rendered rules; amtool the Alertmanager configuration and its routes`, async (t) => {
        const rb = getRunbook(app);
        const dir = scratch(`prom-${app}`);
        const artifacts = localArtifacts(rb, "local");
        fs.mkdirSync(path.join(dir, "rules"));
        fs.writeFileSync(path.join(dir, "rules", `${app}.yml`), artifacts.rules);
        fs.writeFileSync(path.join(dir, "prometheus.yml"), prometheusYaml(rb).replace(PROMETHEUS_RULES_DIR, path.join(dir, "rules")));
        const prom = await run("promtool", ["check", "config", path.join(dir, "prometheus.yml")]);
        t.is(prom.code, 0, prom.stdout + prom.stderr);
        t.regex(prom.stdout, /SUCCESS: \d+ rules found/);

        for (const [label, content] of [
            ["without operator secrets", artifacts.alertmanager],
            ["with operator secrets", localArtifacts(rb, "local", { pagerdutyRoutingKey: "0123456789abcdef0123456789abcdef", slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/XXXX" }).alertmanager],
            [
                "with-switch-and-relay",
                localArtifacts(rb, "local", {
                    deadMansSwitchUrl: "https://hc-ping.example.com/0b1c",
                    ...(rb.incident.channels.email ? { smtp: { smarthost: "smtp.example.com:587", from: "alertmanager@example.com", authUsername: "am", authPassword: "relay" } } : {}),
                }).alertmanager,
            ],
        ] as const) {
            const file = path.join(dir, `alertmanager-${label.split(" ")[0]}.yml`);
            fs.writeFileSync(file, content);
            const check = await run("amtool", ["check-config", file]);
            t.is(check.code, 0, `${label}: ${check.stdout}${check.stderr}`);
            for (const c of routingCases(rb, "local")) {
                const routed = await run("amtool", ["config", "routes", "test", `--config.file=${file}`, ...Object.entries(c.labels).map(([k, v]) => `${k}=${v}`)]);
                t.is(routed.stdout.trim(), c.receiver, `${label}: ${c.name}`);
            }
        }
    });
}
