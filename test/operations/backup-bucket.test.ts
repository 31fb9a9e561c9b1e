import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { backupPlan } from "../../capabilities/backups/plan";
import { backupJobs } from "../../capabilities/docker/backups";
import { scheduledJobs } from "../../capabilities/kubernetes/backups";
import { names } from "../../capabilities/kubernetes/names";
import { allRunbooks, type Runbook } from "../../runbooks";
import { BACKUP_DIR, removeTempDirs, run, tempDir } from "./helpers";

test.after.always(removeTempDirs);

const SCRIPT = path.join(BACKUP_DIR, "backup-bucket.sh");
const DAY_MS = 86400000;
const ymd = (ms: number) => new Date(ms).toISOString().slice(0, 10).replace(/-/g, "");

/**
 * A stand-in `mc` that logs its arguments and answers `ls` with a listing of dated copies (and
 * one folder that is not a copy); `MC_FAIL=<subcommand>` makes that subcommand fail.
 */
function standInMc(dir: string, listing: readonly string[]): string {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const lines = listing.map((e) => `[2026-01-01 00:00:00 UTC]     0B ${e}`).join("\\n");
    fs.writeFileSync(
        path.join(bin, "mc"),
        `#!/usr/bin/env bash\necho "$*" >> ${dir}/mc.calls\n[[ $2 == "\${MC_FAIL:-}" ]] && exit 1\nif [[ $2 == ls ]]; then printf '${lines}\\n'; fi\nexit 0\n`,
        { mode: 0o755 },
    );
    return bin;
}

interface BucketJob {
    readonly target: string;
    readonly app: string;
    readonly dataset: string;
    readonly env: Readonly<Record<string, string>>;
    /** The mc alias the target's jobs reach the object store through, and its `MC_HOST_` variable. */
    readonly alias: string;
}

/** Every bucket backup job the Docker and Kubernetes targets schedule, with the environment each gives the script. */
function bucketJobs(rb: Runbook): BucketJob[] {
    const docker = backupJobs(rb)
        .filter((j) => j.image === "mc")
        .map((j) => ({ target: "docker", app: rb.app, dataset: j.dataset, env: j.env, alias: "local" }));
    const kubernetes = scheduledJobs(rb, names(rb.app, rb.app))
        .filter((j) => j.kind === "backup" && (j.dataset === "files" || j.dataset === "config"))
        .map((j) => ({ target: "kubernetes", app: rb.app, dataset: j.dataset, env: j.env, alias: "minio" }));
    return [...docker, ...kubernetes];
}

const JOBS = allRunbooks().flatMap(bucketJobs);

test("both targets that copy buckets run this one script, for every bucket dataset of the plan", (t) => {
    for (const rb of allRunbooks()) {
        const datasets = backupPlan(rb)
            .filter((p) => p.method === "bucket-copy")
            .map((p) => p.dataset);
        for (const target of ["docker", "kubernetes"]) {
            t.deepEqual(
                JOBS.filter((j) => j.app === rb.app && j.target === target).map((j) => j.dataset),
                datasets,
                `${rb.app} ${target}`,
            );
        }
    }
    t.true(JOBS.length >= 6, "formula-pm files, gravitypm files and config, on two targets");
});

for (const job of JOBS) {
    test(`${job.app} ${job.target} ${job.dataset}: mirrors the plan's bucket into today's dated prefix and prunes only dated copies older than the retention`, async (t) => {
        const rb = allRunbooks().find((r) => r.app === job.app)!;
        const planned = backupPlan(rb).find((p) => p.dataset === job.dataset)!;
        const retention = Number(job.env.RETENTION_DAYS);
        t.is(retention, planned.retentionDays);
        // Source and destination as the runbook states them: its backupSync, else the dataset's bucket into the platform's backup bucket.
        const store = rb.data.objectStorage!;
        const source = job.dataset === "files" && store.backupSync ? store.backupSync.from : store.buckets.find((b) => b.endsWith(`-${job.dataset}`));
        t.is(job.env.BUCKET_SOURCE, `${job.alias}/${source}`);
        if (job.dataset === "files" && store.backupSync) t.is(job.env.BUCKET_DEST, `${job.alias}/${store.backupSync.to}/${store.backupSync.prefix.replace(/^\/+|\/+$/g, "")}`);
        else t.regex(job.env.BUCKET_DEST, new RegExp(`^${job.alias}/[a-z0-9.-]+/${job.dataset}$`));

        const now = Date.now();
        const expired = ymd(now - (retention + 1) * DAY_MS);
        const kept = ymd(now - (retention - 1) * DAY_MS);
        const dir = tempDir(`bucket-${job.app}-${job.target}-${job.dataset}`);
        const bin = standInMc(dir, [`${expired}/`, `${kept}/`, "notes/"]);
        const env = { ...process.env, ...job.env, PATH: `${bin}:${process.env.PATH}`, [`MC_HOST_${job.alias}`]: "http://u:p@minio:9000" };
        const result = await run("bash", [SCRIPT], { env });
        t.is(result.code, 0, result.stderr);
        const today = ymd(Date.now());
        const dest = job.env.BUCKET_DEST;
        const calls = fs.readFileSync(path.join(dir, "mc.calls"), "utf8").trim().split("\n");
        t.deepEqual(calls, [`--quiet mirror --overwrite ${job.env.BUCKET_SOURCE} ${dest}/${today}/`, `--quiet ls ${dest}/`, `--quiet rm --recursive --force ${dest}/${expired}/`]);
        t.is(result.stdout, `${dest}/${today}/\n`);
        t.regex(result.stderr, new RegExp(`pruned ${dest}/${expired}/`));
    });
}

test("a failed copy exits 1 and prunes nothing; a failed listing exits 1", async (t) => {
    const job = JOBS[0];
    const dir = tempDir("bucket-fail");
    const bin = standInMc(dir, ["20000101/"]);
    const env = { ...process.env, ...job.env, PATH: `${bin}:${process.env.PATH}`, [`MC_HOST_${job.alias}`]: "http://u:p@minio:9000" };
    const mirror = await run("bash", [SCRIPT], { env: { ...env, MC_FAIL: "mirror" } });
    t.is(mirror.code, 1);
    t.regex(mirror.stderr, /copying .* failed/);
    t.false(fs.readFileSync(path.join(dir, "mc.calls"), "utf8").includes(" rm "), "nothing pruned after a failed copy");
    const ls = await run("bash", [SCRIPT], { env: { ...env, MC_FAIL: "ls" } });
    t.is(ls.code, 1);
    t.regex(ls.stderr, /listing .* failed/);
});

test("configuration errors exit 2 and name the variable", async (t) => {
    const dir = tempDir("bucket-config");
    const bin = standInMc(dir, []);
    const good = { PATH: `${bin}:${process.env.PATH}`, BUCKET_SOURCE: "local/a-files", BUCKET_DEST: "local/a-backups/files", RETENTION_DAYS: "30", MC_HOST_local: "http://u:p@minio:9000" };
    t.is((await run("bash", [SCRIPT], { env: { ...process.env, ...good } })).code, 0);
    const cases: [Record<string, string>, RegExp][] = [
        [{ BUCKET_SOURCE: "" }, /BUCKET_SOURCE is not set/],
        [{ BUCKET_DEST: "" }, /BUCKET_DEST is not set/],
        [{ RETENTION_DAYS: "0" }, /RETENTION_DAYS must be a positive whole number \(got '0'\)/],
        [{ RETENTION_DAYS: "7d" }, /RETENTION_DAYS must be a positive whole number/],
        [{ BUCKET_SOURCE: "a-files" }, /BUCKET_SOURCE must be an mc path/],
        [{ BUCKET_DEST: "local/../x" }, /BUCKET_DEST must be an mc path/],
        [{ MC_HOST_local: "" }, /MC_HOST_local is not set/],
        [{ BUCKET_DEST: "other/a-backups/files" }, /MC_HOST_other is not set/],
    ];
    for (const [change, message] of cases) {
        const r = await run("bash", [SCRIPT], { env: { ...process.env, ...good, ...change } });
        t.is(r.code, 2, JSON.stringify(change));
        t.regex(r.stderr, message);
    }
});
