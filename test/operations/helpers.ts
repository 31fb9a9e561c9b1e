import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

/** Shared by the operations tests: temp dirs, free ports, real servers, the scripts, the stand-ins. */

export const REPO = path.resolve(__dirname, "../..");
export const BACKUP_DIR = path.join(REPO, "operations/backup");
export const STAND_INS = path.join(__dirname, "fixtures/stand-ins");
export const EVENTS = path.join(__dirname, "fixtures/engine-events");

export interface RunResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs a command to completion; never throws on a non-zero exit, the tests look at the code. */
export function run(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr }));
        if (child.stdin) {
            // A child that exits without reading its input is the child's business, not a test crash.
            child.stdin.on("error", () => undefined);
            child.stdin.end(opts.input);
        }
    });
}

const tempDirs: string[] = [];

/**
 * Synchronous clean-ups run when the worker exits, also when it crashes before
 * `test.after.always` runs: servers are stopped, so a failed run leaves no process behind.
 */
const atProcessExit = new Set<() => void>();
process.on("exit", () => {
    // Newest first: servers stop before the directories they live in are removed.
    for (const cleanup of [...atProcessExit].reverse()) cleanup();
});

/** A fresh directory under the system temp dir; removed by `removeTempDirs`. */
export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ops-${prefix}-`));
    tempDirs.push(dir);
    return dir;
}

atProcessExit.add(() => removeTempDirs());

export function removeTempDirs(): void {
    for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** A bin directory holding copies of the named stand-ins, executable whatever git kept of their mode. */
export function standInBin(names: readonly string[]): string {
    const bin = tempDir("bin");
    for (const name of names) {
        fs.copyFileSync(path.join(STAND_INS, name), path.join(bin, name));
        fs.chmodSync(path.join(bin, name), 0o755);
    }
    return bin;
}

/**
 * The environment a backup script sees: only PATH, HOME and what the test gives, so a
 * developer's own PGHOST or BACKUP_DEST can never leak into a test.
 */
export function scriptEnv(pathDirs: readonly string[], vars: Record<string, string | undefined>): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
        PATH: [...pathDirs, process.env.PATH ?? "/usr/bin:/bin"].join(":"),
        HOME: process.env.HOME ?? "/root",
        LANG: "C.UTF-8",
        TMPDIR: os.tmpdir(),
    };
    for (const [k, v] of Object.entries(vars)) if (v !== undefined) env[k] = v;
    return env;
}

export function runScript(name: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
    return run("bash", [path.join(BACKUP_DIR, name), ...args], { env });
}

/** Every file under a directory, as paths relative to it, sorted. */
export function listFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    const out: string[] = [];
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else out.push(path.relative(dir, p));
        }
    };
    walk(dir);
    return out.sort();
}

/** An archive stamp `YYYYMMDDTHHMMSSZ` for a time `ageHours` before now. */
export function stampHoursAgo(ageHours: number, now = Date.now()): string {
    return new Date(now - ageHours * 3600_000).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** The layout key of an archive: `<dataset>/<YYYY>/<MM>/<DD>/<dataset>-<stamp>.<ext>`. */
export function archiveKey(dataset: string, stamp: string, ext: string): string {
    return `${dataset}/${stamp.slice(0, 4)}/${stamp.slice(4, 6)}/${stamp.slice(6, 8)}/${dataset}-${stamp}.${ext}`;
}

/** Places a copy of `source` at `key` under `root` with a correct `.sha256` beside it (unless `withChecksum` is false). */
export function placeArchive(root: string, key: string, source: string, withChecksum = true): void {
    const target = path.join(root, key);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(source, target);
    if (withChecksum) writeChecksum(target);
}

export function writeChecksum(file: string): void {
    const out = spawnSync("sha256sum", [file], { encoding: "utf8" });
    fs.writeFileSync(`${file}.sha256`, `${out.stdout.split(" ")[0]}  ${path.basename(file)}\n`);
}

/** Flips bytes in the middle of a file, keeping its size. */
export function flipBytes(file: string, count = 16): void {
    const buf = fs.readFileSync(file);
    const start = Math.floor(buf.length / 2);
    for (let i = start; i < Math.min(buf.length, start + count); i++) buf[i] = buf[i] ^ 0xff;
    fs.writeFileSync(file, buf);
}

export function truncate(file: string, keepFraction = 0.6): void {
    const buf = fs.readFileSync(file);
    fs.writeFileSync(file, buf.subarray(0, Math.floor(buf.length * keepFraction)));
}

/** The single archive of a dataset under a file destination; fails the caller when there is not exactly one. */
export function onlyArchive(root: string, dataset: string): string {
    const archives = listFiles(root).filter((f) => f.startsWith(`${dataset}/`) && !f.endsWith(".sha256"));
    if (archives.length !== 1) throw new Error(`expected one ${dataset} archive under ${root}, found ${archives.join(", ") || "none"}`);
    return archives[0];
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
        if (await check()) return;
        await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** The bin directory of the newest PostgreSQL under /usr/lib/postgresql (Debian's layout). */
export function postgresBinDir(): string {
    const base = "/usr/lib/postgresql";
    const versions = fs.existsSync(base)
        ? fs
              .readdirSync(base)
              .filter((v) => fs.existsSync(path.join(base, v, "bin", "initdb")))
              .sort((a, b) => Number(b) - Number(a))
        : [];
    if (versions.length === 0) throw new Error(`no PostgreSQL server under ${base}; install the postgresql package (bash .ci/setup)`);
    return path.join(base, versions[0], "bin");
}

export interface PostgresServer {
    readonly binDir: string;
    readonly port: number;
    readonly password: string;
    /** libpq variables for the scripts. */
    readonly env: Record<string, string>;
    sql(database: string, query: string): Promise<string>;
    stop(): Promise<void>;
}

/**
 * A throwaway PostgreSQL on a loopback port, password-authenticated over TCP. initdb refuses to
 * run as root, so as root the cluster belongs to the `postgres` user and the server binaries run
 * through `runuser`; as anyone else they run directly.
 */
export async function startPostgres(): Promise<PostgresServer> {
    const binDir = postgresBinDir();
    const dir = tempDir("pg");
    const port = await freePort();
    const password = `pw-${process.pid}-${port}`;
    const asOwner = (cmd: string, args: string[]) => (isRoot ? run("runuser", ["-u", "postgres", "--", path.join(binDir, cmd), ...args]) : run(path.join(binDir, cmd), args));
    fs.writeFileSync(path.join(dir, "pwfile"), `${password}\n`);
    if (isRoot) {
        const ids = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
        const gids = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
        if (ids.status !== 0) throw new Error("running as root needs a `postgres` user to own the test cluster (the postgresql package creates it)");
        const uid = Number(ids.stdout.trim());
        const gid = Number(gids.stdout.trim());
        fs.chownSync(dir, uid, gid);
        fs.chownSync(path.join(dir, "pwfile"), uid, gid);
    }
    const data = path.join(dir, "data");
    const init = await asOwner("initdb", ["-D", data, "-U", "postgres", `--pwfile=${path.join(dir, "pwfile")}`, "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]);
    if (init.code !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    const start = await asOwner("pg_ctl", ["-D", data, "-l", path.join(dir, "server.log"), "-w", "-t", "30", "-o", serverOptions, "start"]);
    if (start.code !== 0) throw new Error(`pg_ctl start failed: ${start.stderr}\n${fs.readFileSync(path.join(dir, "server.log"), "utf8")}`);
    const env = { PGHOST: "127.0.0.1", PGPORT: String(port), PGUSER: "postgres", PGPASSWORD: password };
    const stopArgs = ["-D", data, "-m", "immediate", "-w", "stop"];
    const stopNow = () => {
        const pgCtl = path.join(binDir, "pg_ctl");
        spawnSync(isRoot ? "runuser" : pgCtl, isRoot ? ["-u", "postgres", "--", pgCtl, ...stopArgs] : stopArgs, { stdio: "ignore" });
    };
    atProcessExit.add(stopNow);
    return {
        binDir,
        port,
        password,
        env,
        async sql(database, query) {
            const r = await run(path.join(binDir, "psql"), ["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", database], { env: { ...process.env, ...env }, input: query });
            if (r.code !== 0) throw new Error(`psql on ${database} failed: ${r.stderr}`);
            return r.stdout.trim();
        },
        async stop() {
            atProcessExit.delete(stopNow);
            await asOwner("pg_ctl", stopArgs);
        },
    };
}

export interface RedisServer {
    readonly port: number;
    readonly dir: string;
    cli(args: readonly string[]): Promise<RunResult>;
    stop(): Promise<void>;
}

/** A throwaway redis-server in the foreground on a loopback port, optionally password-protected. */
export async function startRedis(opts: { password?: string; dir?: string; dbfilename?: string; extraArgs?: readonly string[] } = {}): Promise<RedisServer> {
    const port = await freePort();
    const dir = opts.dir ?? tempDir("redis");
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--daemonize", "no", "--dir", dir, "--dbfilename", opts.dbfilename ?? "dump.rdb", "--save", "", "--appendonly", "no"];
    if (opts.password) args.push("--requirepass", opts.password);
    args.push(...(opts.extraArgs ?? []));
    const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout.on("data", (d: Buffer) => (log += d.toString()));
    child.stderr.on("data", (d: Buffer) => (log += d.toString()));
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    const killNow = () => child.kill("SIGKILL");
    atProcessExit.add(killNow);
    const cliEnv = { ...process.env, ...(opts.password ? { REDISCLI_AUTH: opts.password } : {}) };
    const cli = (a: readonly string[]) => run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...a], { env: cliEnv });
    try {
        await waitFor(`redis-server on port ${port}`, async () => (await cli(["ping"])).stdout.trim() === "PONG");
    } catch (err) {
        child.kill("SIGKILL");
        throw new Error(`${(err as Error).message}\n${log}`);
    }
    return {
        port,
        dir,
        cli,
        async stop() {
            atProcessExit.delete(killNow);
            if (child.exitCode === null && child.signalCode === null) {
                child.kill("SIGTERM");
                await exited;
            }
        },
    };
}
