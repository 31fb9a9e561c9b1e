import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { CronExpressionParser } from "cron-parser";
import { allRunbooks, durationSeconds, getRunbook, nextIntervalsSeconds, type Resources, type Runbook } from "../../runbooks";
import { applyOverrides } from "../../runbooks/overrides";
import { kafkaBrokerConfig, postgresSettings, redisDirectives } from "../../capabilities/datastores";
import { awsCron, restoreTestPlan, restoreVerification } from "../../capabilities/schedules";
import { backupPlan } from "../../capabilities/backups/plan";
import { bucketsFor } from "../../capabilities/aws/backups";
import { backupJobs } from "../../capabilities/docker/backups";
import { bucketBackup } from "../../capabilities/docker/minio";
import { bucketCopy, scheduledJobs } from "../../capabilities/kubernetes/backups";
import { names } from "../../capabilities/kubernetes/names";
import { restoreCadence } from "../../policies/lib/backups";
import { dockerResources, fargateSize, kubernetesResources } from "../../capabilities/sizing";

/** The shared pure decisions every target uses, checked without the mock engine. */

/** AWS's six-field cron back to the five-field form (AWS day-of-week is 1-7 from Sunday). */
function fromAws(expr: string): string {
    const [min, hour, dom, month, dow] = /^cron\((.*)\)$/.exec(expr)![1].split(" ");
    const fiveDow = dow === "?" ? "*" : dow.replace(/\d/g, (d) => `${Number(d) - 1}`);
    return [min, hour, dom === "?" ? "*" : dom, month, fiveDow].join(" ");
}

function fireTimes(cron: string, n: number): number[] {
    const it = CronExpressionParser.parse(cron, { tz: "UTC", currentDate: new Date("2026-03-01T00:00:00Z") });
    return Array.from({ length: n }, () => it.next().getTime());
}

test("AWS Backup cron fires exactly when each runbook backup does", (t) => {
    for (const rb of allRunbooks()) {
        for (const b of rb.backups) {
            const aws = awsCron(b.cron);
            t.regex(aws, /^cron\(\S+ \S+ \S+ \S+ \S+ \*\)$/);
            t.true(aws.includes("?"), `${aws}: AWS needs ? in day-of-month or day-of-week`);
            t.deepEqual(fireTimes(fromAws(aws), 20), fireTimes(b.cron, 20), `${rb.app} ${b.dataset}`);
        }
    }
    t.is(fromAws(awsCron("30 5 * * 1")), "30 5 * * 1");
    t.deepEqual(fireTimes(fromAws(awsCron("0 4 * * 0")), 3), fireTimes("0 4 * * 0", 3), "Sunday maps to AWS 1 and back");
});

test("restore tests run at the runbook's most frequent restore cadence, monthly where it names none", (t) => {
    t.deepEqual(restoreTestPlan(getRunbook("gravitypm")), { cadence: "monthly", cron: restoreTestPlan(getRunbook("gravitypm")).cron, defaulted: false });
    t.is(restoreTestPlan(getRunbook("bunty")).cadence, "quarterly");
    t.like(restoreTestPlan(getRunbook("personal-finance-hub")), { cadence: "monthly", defaulted: true });
    const quarterly = restoreTestPlan(getRunbook("bunty")).cron;
    t.is(nextIntervalsSeconds(quarterly) >= 89 * 86400, true, "quarterly means about every three months");
});

test("the backup plan: one entry per runbook backup with its schedule, retention, restore cadence and maximum age", (t) => {
    for (const rb of allRunbooks()) {
        const plan = backupPlan(rb);
        t.deepEqual(
            plan.map((p) => [p.dataset, p.cron, p.retentionDays, p.everySeconds]),
            rb.backups.map((b) => [b.dataset, b.cron, b.retentionDays, nextIntervalsSeconds(b.cron)]),
            rb.app,
        );
        for (const p of plan) {
            const database = ["postgres", "redis", "mongodb"].includes(p.dataset);
            t.is(p.method, database ? "dump" : "bucket-copy", `${rb.app} ${p.dataset}`);
            t.is(p.restorable, database);
            t.deepEqual(p.restoreCheck, restoreTestPlan(rb));
            // Two intervals in whole hours: one missed backup makes the newest copy too old.
            t.true(p.maxAgeHours * 3600 >= 2 * durationSeconds(p.backup.every) && (p.maxAgeHours - 1) * 3600 < 2 * durationSeconds(p.backup.every), `${rb.app} ${p.dataset}`);
        }
    }
});

test("the backup plan decides a bucket dataset's source once: the three targets copy the same bucket", (t) => {
    for (const rb of allRunbooks()) {
        for (const p of backupPlan(rb).filter((x) => x.source.kind === "bucket")) {
            const bucket = p.source.kind === "bucket" ? p.source.bucket : "";
            const store = rb.data.objectStorage!;
            t.is(bucket as string | undefined, p.dataset === "files" && store.backupSync ? store.backupSync.from : store.buckets.find((b) => b.endsWith(`-${p.dataset}`)), `${rb.app} ${p.dataset}`);
            t.is(bucketBackup(rb, p).source, `local/${bucket}`, "Docker");
            t.is(bucketCopy(p, names(rb.app, rb.app)).source, `minio/${bucket}`, "Kubernetes");
            t.deepEqual(bucketsFor(rb, p.dataset as "files" | "config"), [bucket], "AWS");
        }
    }
});

/** gravitypm with its buckets replaced: backs up files and config, has no backupSync. */
function withBuckets(buckets: string[]): Runbook {
    const rb = structuredClone(getRunbook("gravitypm"));
    rb.data.objectStorage!.buckets = buckets;
    return rb;
}

test("a bucket dataset without exactly one bucket for it stops every target with the key, the buckets and what is allowed", (t) => {
    // No *-config bucket: once Kubernetes fell back to the first bucket and AWS dropped the dataset.
    const missing = withBuckets(["gravitypm-files", "gravitypm-uploads"]);
    const twice = withBuckets(["gravitypm-files", "gravitypm-config", "gravitypm-old-config"]);
    const i = missing.backups.findIndex((b) => b.dataset === "config");
    for (const [rb, found] of [
        [missing, "no bucket"],
        [twice, "2 buckets (gravitypm-config, gravitypm-old-config)"],
    ] as const) {
        const message = `gravitypm: backups[${i}].dataset = "config" but ${found} in data.objectStorage.buckets (${rb.data.objectStorage!.buckets.join(", ")}) is named *-config; allowed: exactly one bucket named *-config`;
        for (const [target, build] of [
            ["plan", () => backupPlan(rb)],
            ["docker", () => backupJobs(rb)],
            ["kubernetes", () => scheduledJobs(rb, names(rb.app, rb.app))],
            ["aws", () => bucketsFor(rb, "config")],
        ] as const) {
            t.throws(build, { message }, `${target} ${found}`);
        }
    }
    const files = structuredClone(getRunbook("gravitypm"));
    files.data.objectStorage!.buckets = ["gravitypm-uploads", "gravitypm-config"];
    t.throws(() => backupPlan(files), { message: /"files" but no bucket .* allowed: exactly one bucket named \*-files, or objectStorage\.backupSync\.from/ });
    const dup = structuredClone(getRunbook("bunty"));
    dup.backups.push({ ...dup.backups[0] });
    t.throws(() => backupPlan(dup), {
        message: `bunty: backups[0] and backups[${dup.backups.length - 1}] both back up ${dup.backups[0].dataset} without a tier; allowed: one entry per dataset and tier (a further backup of ${dup.backups[0].dataset} names its own \`tier\`)`,
    });
    const noMongo = structuredClone(getRunbook("bunty"));
    noMongo.backups.push({ ...noMongo.backups[0], dataset: "mongodb" });
    t.throws(() => backupPlan(noMongo), { message: /backups\[\d+\]\.dataset = "mongodb" but data\.mongodb is not set; allowed: a dataset the runbook runs \(postgres, redis\)/ });
});

test("the policy pack's restore cadence is the targets' own decision, not a second copy", (t) => {
    for (const rb of allRunbooks()) {
        const v = restoreVerification(rb);
        t.is(restoreCadence(rb)?.cadence, v?.cadence, rb.app);
        if (v) t.is(restoreTestPlan(rb).cadence, v.cadence);
        else t.true(restoreTestPlan(rb).defaulted);
    }
    // The more frequent of a runbook's restore test and DR drill wins, wherever it is listed.
    const rb = structuredClone(getRunbook("bunty"));
    rb.verification = [
        { kind: "dr-drill", cadence: "quarterly", source: rb.verification[0].source },
        { kind: "restore-test", cadence: "weekly", source: rb.verification[0].source },
    ];
    t.is(restoreVerification(rb)?.cadence, "weekly");
    t.is(restoreCadence(rb)?.cadence, "weekly");
});

test("Fargate sizes are the smallest valid size that covers the runbook's limits", (t) => {
    const r = (cpu: number, memoryMiB: number): Resources => ({ limits: { cpu, memoryMiB }, reservations: { cpu: cpu / 2, memoryMiB: memoryMiB / 2 }, source: getRunbook("bunty").services[0].resources.source });
    const backend = getRunbook("pfm-community").services[0].resources;
    const size = fargateSize(backend);
    t.true(size.cpu >= backend.limits.cpu * 1024 && size.memory >= backend.limits.memoryMiB);
    t.deepEqual(fargateSize(r(0.25, 512)), { cpu: 256, memory: 512 });
    t.deepEqual(fargateSize(r(1, 3000)), { cpu: 1024, memory: 3072 });
    t.deepEqual(fargateSize(r(0.25, 3000)), { cpu: 512, memory: 3072 }, "memory beyond 0.25 vCPU's range moves up a CPU size");
    t.throws(() => fargateSize(r(8, 1024)), { message: /no Fargate task size has 8 vCPU/ });
});

test("Kubernetes and Docker units carry the runbook's limits exactly", (t) => {
    const res = getRunbook("pfm-community").services[0].resources;
    const k = kubernetesResources(res);
    t.is(k.limits.memory, `${res.limits.memoryMiB}Mi`);
    t.is(Number(k.limits.cpu.replace("m", "")) / 1000, res.limits.cpu);
    t.is(Number(k.requests.cpu.replace("m", "")) / 1000, res.reservations.cpu);
    const d = dockerResources(res);
    t.is(d.memory, res.limits.memoryMiB, "MiB, as @pulumi/docker's memory takes it");
    t.is(d.memoryReservation, res.reservations.memoryMiB);
    t.is(Number(d.cpus), res.limits.cpu);
});

test("data-service settings carry the runbook's tuning", (t) => {
    const pfm = getRunbook("pfm-community");
    const pg = postgresSettings(pfm.data.postgres!);
    for (const [k, v] of Object.entries(pfm.data.postgres!.parameters)) t.is(pg[k], v);
    t.is(pg.shared_preload_libraries, "pg_stat_statements");
    t.is(Number(pg.log_min_duration_statement), pfm.data.postgres!.slowQueryMs);
    const redis = Object.fromEntries(redisDirectives(pfm.data.redis!).filter(([k]) => k !== "save"));
    t.is(redis.maxmemory, `${pfm.data.redis!.maxmemoryMB}mb`);
    t.is(redis["maxmemory-policy"], pfm.data.redis!.maxmemoryPolicy);
    t.deepEqual(
        redisDirectives(pfm.data.redis!).filter(([k]) => k === "save").map(([, v]) => v.split(" ").map(Number)),
        pfm.data.redis!.save,
    );
    const kafka = getRunbook("personal-finance-hub").data.kafka!;
    t.is(kafkaBrokerConfig(kafka)["min.insync.replicas"], `${kafka.minInsyncReplicas}`);
    t.true(Number(kafkaBrokerConfig(kafka)["min.insync.replicas"]) < kafka.topics[0].replicationFactor, "a write survives one broker");
});

test("overrides: a tighter cron recomputes the interval; a below-alert tightens upwards", (t) => {
    const rb = getRunbook("gravitypm");
    const { runbook, applied } = applyOverrides(
        rb,
        [
            { key: "backups.mongodb.cron", value: "0 */4 * * *" },
            { key: "alerts.certificate-expiry.critical.threshold", value: 45 },
        ],
        [],
    );
    t.is(runbook.backups.find((b) => b.dataset === "mongodb")!.every, `${4 * 3600}s`);
    t.true(applied.every((a) => a.tightens));
    t.throws(() => applyOverrides(rb, [{ key: "alerts.certificate-expiry.critical.threshold", value: 14 }], []), { message: /loosens the runbook; allowed: a number >= 30/ });
    t.is(rb.backups.find((b) => b.dataset === "mongodb")!.cron, "0 */6 * * *", "the runbook itself is never modified");
});

test("overrides: a schedule with two runs an hour apart once a week is weekly, not tighter than daily (review finding)", (t) => {
    const rb = getRunbook("bunty");
    t.throws(() => applyOverrides(rb, [{ key: "backups.postgres.cron", value: "0 3,4 * * 0" }], []), { message: /backups\.postgres\.cron.*loosens the runbook/ });
    const { runbook } = applyOverrides(rb, [{ key: "backups.postgres.cron", value: "0 3,4 * * 0" }], [{ key: "backups.postgres.cron", reason: "a test: the weekly window is all this database may use" }]);
    t.is(runbook.backups.find((b) => b.dataset === "postgres")!.every, `${(7 * 24 - 1) * 3600}s`, "the overdue alert waits for the longest gap");
});

const ROOT = path.join(__dirname, "..", "..");
/** Layers above the pure ones: runbooks ← capabilities ← components ← stacks/cli, and the pack beside them. */
const UPPER_LAYERS = ["components", "policies", "stacks", "cli"];

/** Every module a TypeScript source names: static and type imports, re-exports, `require` and `import()`. */
function importedModules(source: string): string[] {
    const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;
    return [...source.matchAll(re)].map((m) => m[1]);
}

/** The upper-layer folders a file under ROOT reaches through its relative imports. */
function upperLayerImports(file: string, source: string): string[] {
    return importedModules(source)
        .filter((m) => m.startsWith("."))
        .map((m) => path.relative(ROOT, path.resolve(path.dirname(file), m)))
        .filter((rel) => UPPER_LAYERS.includes(rel.split(path.sep)[0]));
}

function sourcesUnder(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return sourcesUnder(p);
        return /\.(ts|js)$/.test(e.name) ? [p] : [];
    });
}

test("the import scanner sees every way a module is named", (t) => {
    const file = path.join(ROOT, "capabilities", "alerting", "x.ts");
    const cases = [
        'import { a } from "../../policies/coverage";',
        'import type { A } from "../../components/platform";',
        'export { b } from "../../stacks/settings";',
        'import "../../cli/plan";',
        'const c = require("../../policies/index");',
        'const d = await import("../../components/targets/aws");',
    ];
    for (const c of cases) t.is(upperLayerImports(file, c).length, 1, c);
    t.deepEqual(upperLayerImports(file, 'import { e } from "../../runbooks";\nimport { f } from "../schedules";\nimport * as g from "@pulumi/pulumi";'), []);
});

test("layers point one way: nothing in capabilities/ or runbooks/ imports components/, policies/, stacks/ or cli/", (t) => {
    const files = ["capabilities", "runbooks"].flatMap((d) => sourcesUnder(path.join(ROOT, d)));
    t.true(files.length > 50, `scanned ${files.length} files`);
    const wrong = files.flatMap((f) => upperLayerImports(f, fs.readFileSync(f, "utf8")).map((target) => `${path.relative(ROOT, f)} imports ${target}`));
    t.deepEqual(wrong, []);
});

test("the pack reads only runbooks/ and pure capabilities/: nothing in policies/ imports components/, stacks/ or cli/ (the offline check may name the plan's types)", (t) => {
    const files = sourcesUnder(path.join(ROOT, "policies"));
    t.true(files.length > 50, `scanned ${files.length} files`);
    // `import type` is erased: the offline check (policies/offline.ts, wire.ts) names the plan's shape, it runs none of the program.
    const runtimeImports = (source: string) => source.replace(/^import type [^;]+;$/gm, "");
    const wrong = files.flatMap((f) =>
        upperLayerImports(f, runtimeImports(fs.readFileSync(f, "utf8")))
            .filter((target) => !target.startsWith("policies"))
            .map((target) => `${path.relative(ROOT, f)} imports ${target}`),
    );
    t.deepEqual(wrong, []);
});

test("files a reader can hold: no program, pack, CLI or test source file is over 600 lines", (t) => {
    const long = ["runbooks", "capabilities", "components", "stacks", "policies", "cli", "operations", "test"]
        .flatMap((dir) => sourcesUnder(path.join(ROOT, dir)))
        .map((file) => ({ file: path.relative(ROOT, file), lines: fs.readFileSync(file, "utf8").replace(/\n$/, "").split("\n").length }))
        .filter((f) => f.lines > 600);
    t.deepEqual(long, [], "split the file along its seams");
});
