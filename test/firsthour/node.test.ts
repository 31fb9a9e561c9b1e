import test from "ava";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";

/**
 * One Node story: the Node the project declares (package.json `engines`), the one CI installs
 * (the workflows' setup-node) and the one the README names agree; the packages that declare a
 * newer Node than that work on it; `.ci/setup` installs the npm dependencies only once.
 */

const ROOT = path.resolve(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    engines: { node: string };
    dependencies: Record<string, string>;
};

/** The lowest major of each `||` alternative of an engines range (`^20.8.0 || >=22` → 20, 22). */
function declaredMajors(range: string): number[] {
    return range.split("||").map((alt) => Number(/(\d+)/.exec(alt)![1]));
}

test("CI's Node, the README's and this machine's are the first Node package.json declares", (t) => {
    const supported = declaredMajors(pkg.engines.node)[0];
    const workflows = fs.readdirSync(path.join(ROOT, ".github", "workflows")).map((f) => path.join(ROOT, ".github", "workflows", f));
    const versions = workflows.flatMap((f) => [...fs.readFileSync(f, "utf8").matchAll(/node-version: *(\S+)/g)].map((m) => m[1]));
    t.true(versions.length > 0);
    for (const v of versions) t.is(Number(v), supported, `a workflow installs Node ${v}`);
    t.regex(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"), new RegExp(`with Node\\.js ${supported} \\(`));
    t.is(Number(process.versions.node.split(".")[0]) >= supported, true);
});

test("the kubernetes-models packages that declare node >=22 load and validate on this Node", async (t) => {
    // Every direct dependency whose own package.json declares a newer Node than ours.
    const newer = Object.keys(pkg.dependencies).filter((name) => {
        const own = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as { engines?: { node?: string } };
        return own.engines?.node && declaredMajors(own.engines.node)[0] > declaredMajors(pkg.engines.node)[0];
    });
    // .npmrc explains EBADENGINE for the kubernetes-models packages only; another one needs its own reason.
    for (const name of newer) t.regex(name, /^(@kubernetes-models\/|kubernetes-models$)/, `${name} declares a newer Node than package.json`);
    t.true(newer.length > 0, "no dependency declares a newer Node: .npmrc's explanation of the EBADENGINE warnings is stale");
    const objects: [string, string, unknown][] = [
        ["kubernetes-models/v1/ConfigMap", "ConfigMap", { metadata: { name: "x" }, data: { a: "b" } }],
        ["@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule", "PrometheusRule", { metadata: { name: "x" }, spec: { groups: [{ name: "g", rules: [{ alert: "A", expr: "up == 0", for: "5m" }] }] } }],
        ["@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1beta2/KafkaTopic", "KafkaTopic", { metadata: { name: "x" }, spec: { partitions: 3, replicas: 3 } }],
        ["@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/ScheduledBackup", "ScheduledBackup", { metadata: { name: "x" }, spec: { schedule: "0 0 * * * *", cluster: { name: "db" } } }],
    ];
    for (const [spec, kind, data] of objects) {
        const mod = (await import(spec)) as Record<string, new (d: unknown) => { validate(): void }>;
        t.notThrows(() => new mod[kind](data).validate(), spec);
        // validate() really checks on this Node: a wrong type is refused.
        t.throws(() => new mod[kind]({ ...(data as object), metadata: { name: 5 } }).validate(), undefined, `${spec} accepts a numeric name`);
    }
});

/** The `.ci/setup` function that decides whether node_modules already holds the lockfile's install. */
function installedFromLockfile(dir: string): boolean {
    const setup = fs.readFileSync(path.join(ROOT, ".ci", "setup"), "utf8");
    const fn = /^installed_from_lockfile\(\) \{[\s\S]*?^\}$/m.exec(setup);
    if (!fn) throw new Error(".ci/setup has no installed_from_lockfile function");
    return spawnSync("bash", ["-c", `${fn[0]}\ninstalled_from_lockfile`], { cwd: dir }).status === 0;
}

test(".ci/setup installs once: it skips npm ci when node_modules matches the lockfile, and only then", (t) => {
    t.true(installedFromLockfile(ROOT), "this checkout's node_modules is not recognised as installed from its lockfile");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "setup-once-"));
    try {
        const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };
        const installed = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", ".package-lock.json"), "utf8")) as typeof lock;
        fs.mkdirSync(path.join(dir, "node_modules"));
        const write = (l: typeof lock, i: typeof lock) => {
            fs.writeFileSync(path.join(dir, "package-lock.json"), JSON.stringify(l));
            fs.writeFileSync(path.join(dir, "node_modules", ".package-lock.json"), JSON.stringify(i));
        };
        write(lock, installed);
        t.true(installedFromLockfile(dir));
        const bumped = structuredClone(lock);
        bumped.packages["node_modules/yaml"].version = "0.0.1";
        write(bumped, installed);
        t.false(installedFromLockfile(dir), "a lockfile that changed a version is not installed yet");
        const missing = structuredClone(installed);
        delete missing.packages["node_modules/zod"];
        write(lock, missing);
        t.false(installedFromLockfile(dir), "a package missing from node_modules is not installed yet");
        fs.rmSync(path.join(dir, "node_modules", ".package-lock.json"));
        t.false(installedFromLockfile(dir), "no node_modules install at all");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("the workflows install with the README's command and .npmrc's settings, not flags of their own", (t) => {
    const dir = path.join(ROOT, ".github", "workflows");
    for (const f of fs.readdirSync(dir)) {
        const doc = YAML.parse(fs.readFileSync(path.join(dir, f), "utf8")) as { jobs: Record<string, { steps?: { run?: string }[] }> };
        for (const [job, { steps = [] }] of Object.entries(doc.jobs)) {
            for (const run of steps.map((s) => s.run ?? "").filter((r) => /\bnpm (ci|install)\b/.test(r))) {
                t.regex(run, /^npm ci --loglevel=error\b/, `${f} ${job}: ${run}`);
                t.notRegex(run, /--ignore-scripts/, `${f} ${job}: install scripts are declared once, in .npmrc`);
            }
        }
    }
});
