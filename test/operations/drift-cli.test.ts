import test, { type ExecutionContext } from "ava";
import * as fs from "fs";
import * as path from "path";
import type { StackDriftReport } from "../../operations/drift/report";
import { DRIFT_STACKS, PRIVATE_ENVS, STACKS } from "../../operations/drift/stacks";
import { main } from "../../cli/drift";
import { EVENTS, REPO, removeTempDirs, run, standInBin, tempDir } from "./helpers";

// `npm run drift` end to end: the CLI's main and the real Automation API code of
// @pulumi/pulumi, driving a stand-in `pulumi` executable first on PATH (there is no Pulumi CLI
// on these machines). The stand-in answers `version` and `stack select`, and replays a
// engine event stream for `refresh --preview-only` and for `preview`, over the gRPC event stream the SDK
// opens for CLIs newer than 3.205, or into the --event-log file for older ones. Most tests call
// main in this process (loading the SDK once); the last one runs the command as a process to
// check its exit statuses.

test.after.always(removeTempDirs);

const DRIFT = path.join(EVENTS, "gravitypm-production.drift.jsonl");
const CLEAN = path.join(EVENTS, "gravitypm-production.clean.jsonl");
const ERROR = path.join(EVENTS, "gravitypm-production.error.jsonl");
const PREVIEW_CLEAN = path.join(EVENTS, "gravitypm-production.preview-clean.jsonl");
const PREVIEW_CHANGES = path.join(EVENTS, "gravitypm-production.preview-changes.jsonl");

interface Drift {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    /** The stand-in's calls, argv each. */
    readonly calls: string[][];
}

function readCalls(log: string): string[][] {
    return fs.existsSync(log)
        ? fs
              .readFileSync(log, "utf8")
              .trim()
              .split("\n")
              .map((l) => (JSON.parse(l) as { argv: string[] }).argv)
        : [];
}

function fakeEnv(fake: Record<string, string>, log: string, noPulumi = false): Record<string, string> {
    const bin = noPulumi ? tempDir("empty-bin") : standInBin(["pulumi"]);
    return {
        PATH: [bin, path.dirname(process.execPath), "/usr/bin", "/bin"].join(":"),
        // The stand-in is a copy outside the repository; it loads the SDK's gRPC code from here.
        NODE_PATH: path.join(REPO, "node_modules"),
        FAKE_PULUMI_LOG: log,
        FAKE_PULUMI_PREVIEW_EVENTS: PREVIEW_CLEAN,
        ...fake,
    };
}

/**
 * `main` of cli/drift.ts in this process, with the stand-in first on PATH. The Automation API
 * finds `pulumi` through process.env, so these tests run one at a time (test.serial) and put
 * the environment back afterwards.
 */
async function drift(args: string[], fake: Record<string, string> = {}, opts: { noPulumi?: boolean } = {}): Promise<Drift> {
    const log = path.join(tempDir("pulumi-log"), "calls.jsonl");
    const vars = fakeEnv(fake, log, opts.noPulumi);
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    Object.assign(process.env, vars);
    let stdout = "";
    let stderr = "";
    try {
        const code = await main(["node", "drift", ...args], { out: (s) => (stdout += s), err: (s) => (stderr += s) });
        return { code, stdout, stderr, calls: readCalls(log) };
    } finally {
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
    }
}

/** The drift check must only ever read: no refresh without --preview-only, no up, no --yes; a plain preview. */
function assertReadOnly(t: ExecutionContext, calls: string[][]): void {
    for (const argv of calls) {
        const [cmd] = argv;
        t.true(["version", "stack", "refresh", "preview"].includes(cmd), `unexpected pulumi ${argv.join(" ")}`);
        if (cmd === "refresh") t.true(argv.includes("--preview-only") && !argv.includes("--yes") && !argv.includes("--skip-preview"), argv.join(" "));
        if (cmd === "preview") t.false(argv.includes("--refresh") || argv.includes("--yes") || argv.includes("--save-plan"), argv.join(" "));
        if (cmd === "stack") t.is(argv[1], "select");
    }
}

test.serial("a clean stack returns 0 and says so", async (t) => {
    const r = await drift(["--stack", "gravitypm-production"], { FAKE_PULUMI_EVENTS: CLEAN });
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /^gravitypm-production: clean, no drift/);
    t.is(r.stderr, "");
    assertReadOnly(t, r.calls);
});

test.serial("drift returns 2; --json prints only JSON, with the drifted resources and their changes", async (t) => {
    const r = await drift(["--stack", "gravitypm-production", "--json"], { FAKE_PULUMI_EVENTS: DRIFT });
    t.is(r.code, 2, r.stderr);
    const parsed = JSON.parse(r.stdout) as { exitCode: number; stacks: StackDriftReport[] };
    t.is(parsed.exitCode, 2);
    const [report] = parsed.stacks;
    t.is(report.stack, "gravitypm-production");
    t.is(report.status, "drift");
    const rds = report.resources.find((x) => x.urn === "urn:pulumi:gravitypm-production::runbook-platform::aws:rds/instance:Instance::gravitypm-production-db");
    t.deepEqual(rds?.properties, [{ path: "backupRetentionPeriod", kind: "update", old: 30, new: 7 }]);
    const versioning = report.resources.find((x) => x.type === "aws:s3/bucketVersioning:BucketVersioning");
    t.deepEqual(versioning?.properties, [{ path: "versioningConfiguration.status", kind: "update", old: "Enabled", new: "Suspended" }]);
    t.deepEqual(report.resources.map((x) => x.operation).sort(), ["delete", "update", "update", "update"]);

    // What the Automation API asked of the CLI: its version, the stack, then a read-only refresh
    // whose events came back over gRPC, then a preview of the code.
    t.deepEqual(r.calls[0], ["version"]);
    t.deepEqual(r.calls[1], ["stack", "select", "--stack", "gravitypm-production", "--non-interactive"]);
    const refresh = r.calls[2];
    t.is(refresh[0], "refresh");
    t.regex(refresh[refresh.indexOf("--event-log") + 1], /^tcp:\/\/127\.0\.0\.1:\d+$/);
    t.is(refresh[refresh.indexOf("--stack") + 1], "gravitypm-production");
    t.is(r.calls[3][0], "preview");
    t.is(r.calls[3][r.calls[3].indexOf("--stack") + 1], "gravitypm-production");
    t.is(r.calls.length, 4);
    t.deepEqual(report.undeployed, [], "the code matches the recorded state");
    assertReadOnly(t, r.calls);
});

test.serial("with a CLI older than 3.206 the events come through the --event-log file, with the same report", async (t) => {
    const r = await drift(["--stack", "gravitypm-production", "--json"], { FAKE_PULUMI_EVENTS: DRIFT, FAKE_PULUMI_VERSION: "3.200.0" });
    t.is(r.code, 2, r.stderr);
    const refresh = r.calls.find((c) => c[0] === "refresh")!;
    t.false(refresh[refresh.indexOf("--event-log") + 1].startsWith("tcp://"));
    const [report] = (JSON.parse(r.stdout) as { stacks: StackDriftReport[] }).stacks;
    t.is(report.resources.length, 4);
});

test.serial("--markdown renders the drift as a table for an issue", async (t) => {
    const r = await drift(["--stack", "gravitypm-production", "--markdown"], { FAKE_PULUMI_EVENTS: DRIFT });
    t.is(r.code, 2, r.stderr);
    t.true(r.stdout.startsWith("## Drift check: `gravitypm-production`: drift, 4 resource(s) changed outside the code"));
    t.true(r.stdout.includes("### Changed outside the code (state → live)"));
    t.false(r.stdout.includes("### Code not deployed"));
    t.true(r.stdout.includes("| update | `gravitypm-production-db` | `aws:rds/instance:Instance` | `backupRetentionPeriod` | `30` | `7` |"));
    t.true(r.stdout.includes("| update | `gravitypm-production-mongodb-uri` | `aws:secretsmanager/secretVersion:SecretVersion` | `secretString` | `[secret]` | `[secret]` |"));
});

test.serial("code not deployed is drift too: the preview's changes, state → code, in their own section", async (t) => {
    const r = await drift(["--stack", "gravitypm-production", "--json"], { FAKE_PULUMI_EVENTS: CLEAN, FAKE_PULUMI_PREVIEW_EVENTS: PREVIEW_CHANGES });
    t.is(r.code, 2, r.stderr);
    const [report] = (JSON.parse(r.stdout) as { stacks: StackDriftReport[] }).stacks;
    t.is(report.status, "drift");
    t.deepEqual(report.resources, [], "nothing changed outside the code");
    // In URN order: the Monitoring component's two, then the Network's.
    t.deepEqual(
        report.undeployed.map((x) => [x.operation, x.name]),
        [
            ["delete", "gravitypm-monitoring-legacy-cpu"],
            ["create", "gravitypm-monitoring-warning-email"],
            ["update", "gravitypm-network-flow-logs"],
        ],
    );
    t.deepEqual(report.undeployed.find((x) => x.operation === "update")?.properties, [{ path: "retentionInDays", kind: "update", old: 30, new: 90 }]);
    t.deepEqual(report.undeployedSummary, { same: 1, update: 1, create: 1, delete: 1 });

    const md = await drift(["--stack", "gravitypm-production", "--markdown"], { FAKE_PULUMI_EVENTS: CLEAN, FAKE_PULUMI_PREVIEW_EVENTS: PREVIEW_CHANGES });
    t.true(md.stdout.startsWith("## Drift check: `gravitypm-production`: drift, 3 change(s) in the code not deployed"));
    t.true(md.stdout.includes("### Code not deployed (state → code)"));
    t.true(md.stdout.includes("| update | `gravitypm-network-flow-logs` | `aws:cloudwatch/logGroup:LogGroup` | `retentionInDays` | `30` | `90` |"));
    t.true(md.stdout.includes("| create | `gravitypm-monitoring-warning-email` | `aws:sns/topicSubscription:TopicSubscription` | in the code, not deployed |"));
    t.true(md.stdout.includes("| delete | `gravitypm-monitoring-legacy-cpu` | `aws:cloudwatch/metricAlarm:MetricAlarm` | deployed, no longer in the code |"));
    assertReadOnly(t, md.calls);
});

test.serial("a failing preview returns 1, and the refresh's findings are still reported", async (t) => {
    const r = await drift(["--stack", "gravitypm-production", "--json"], { FAKE_PULUMI_EVENTS: DRIFT, FAKE_PULUMI_PREVIEW_EVENTS: ERROR });
    t.is(r.code, 1);
    t.regex(r.stderr, /pulumi preview failed \(exit code 255\)/);
    const [report] = (JSON.parse(r.stdout) as { stacks: StackDriftReport[] }).stacks;
    t.is(report.status, "error");
    t.is(report.resources.length, 4, "the refresh's drift is kept");
});

test.serial("a failing refresh returns 1 with the engine's error on stderr", async (t) => {
    const r = await drift(["--stack", "gravitypm-production"], { FAKE_PULUMI_EVENTS: ERROR });
    t.is(r.code, 1);
    t.regex(r.stderr, /drift: gravitypm-production: refreshing urn:pulumi:gravitypm-production::runbook-platform::aws:rds\/instance:Instance::gravitypm-production-db: 1 error occurred/);
    t.regex(r.stderr, /ExpiredToken/);
    t.regex(r.stderr, /pulumi refresh --preview-only failed \(exit code 255\)/);
    t.regex(r.stdout, /^gravitypm-production: error, the check did not finish/);
});

test.serial("a stack the backend does not know returns 1, naming it", async (t) => {
    const r = await drift(["--stack", "bunty-staging", "--json"], { FAKE_PULUMI_EVENTS: CLEAN, FAKE_PULUMI_MISSING_STACKS: "bunty-staging" });
    t.is(r.code, 1);
    t.regex(r.stderr, /selecting stack bunty-staging failed \(exit code 255\): no stack named 'bunty-staging' found/);
    t.is((JSON.parse(r.stdout) as { stacks: StackDriftReport[] }).stacks[0].status, "error");
    t.false(r.calls.some((c) => c[0] === "refresh"));
});

test.serial("no pulumi on PATH, an unknown stack, or clashing options: a clear message", async (t) => {
    const missing = await drift(["--stack", "gravitypm-production"], {}, { noPulumi: true });
    t.is(missing.code, 1);
    t.regex(missing.stderr, /starting the Pulumi CLI failed: the Pulumi CLI \(`pulumi`\) was not found on PATH/);

    await t.throwsAsync(drift(["--stack", "gravitypm-prod"]), { message: /unknown stack "gravitypm-prod"/ });
    await t.throwsAsync(drift(["--stack", "gravitypm-production", "--json", "--markdown"]), { message: /at most one of --json and --markdown/ });
    const bad = await drift(["--stack", "gravitypm-production", "--bogus"]);
    t.is(bad.code, 1);
    t.regex(bad.stderr, /unknown option '--bogus'/);
    t.deepEqual(bad.calls, []);
});

test.serial("--all checks the shared stacks (no -local one) one by one and returns 2 when one drifted", async (t) => {
    const r = await drift(["--all", "--json"], { FAKE_PULUMI_EVENTS: CLEAN, FAKE_PULUMI_EVENTS_BY_STACK: JSON.stringify({ "gravitypm-production": DRIFT }) });
    t.is(r.code, 2, r.stderr);
    const parsed = JSON.parse(r.stdout) as { stacks: StackDriftReport[] };
    const shared = STACKS.filter((s) => !PRIVATE_ENVS.some((env) => s.endsWith(`-${env}`)));
    t.deepEqual(parsed.stacks.map((s) => s.stack), shared);
    t.true(shared.length > 0 && shared.length < STACKS.length);
    t.deepEqual(parsed.stacks.filter((s) => s.status !== "clean").map((s) => s.stack), ["gravitypm-production"]);
    t.deepEqual(r.calls.filter((c) => c[0] === "refresh").map((c) => c[c.indexOf("--stack") + 1]), shared);
    assertReadOnly(t, r.calls);
});

test.serial("a -local stack is checked when named", async (t) => {
    const r = await drift(["--stack", "bunty-local", "--json"], { FAKE_PULUMI_EVENTS: CLEAN });
    t.is(r.code, 0, r.stderr);
    t.deepEqual(r.calls.filter((c) => c[0] === "refresh").map((c) => c[c.indexOf("--stack") + 1]), ["bunty-local"]);
});

test.serial("--all without the Pulumi CLI: one message, not one per stack", async (t) => {
    const human = await drift(["--all"], {}, { noPulumi: true });
    t.is(human.code, 1);
    const text = human.stdout + human.stderr;
    t.is(text.match(/was not found on PATH/g)?.length, 1, text);
    t.regex(human.stdout, new RegExp(`^none of the ${DRIFT_STACKS.length} stacks was checked: starting the Pulumi CLI failed: the Pulumi CLI \\(\`pulumi\`\\) was not found on PATH`));
    const json = await drift(["--all", "--json"], {}, { noPulumi: true });
    t.is(json.code, 1);
    t.is(json.stderr.match(/was not found on PATH/g)?.length, 1, json.stderr);
    t.regex(json.stderr, new RegExp(`^drift: all ${DRIFT_STACKS.length} stacks: starting the Pulumi CLI failed`));
    t.is((JSON.parse(json.stdout) as { stacks: StackDriftReport[] }).stacks.length, DRIFT_STACKS.length, "the JSON still has a report per stack");
});

test.serial("--list prints the stacks --all checks, as JSON, without running pulumi", async (t) => {
    const r = await drift(["--list"]);
    t.is(r.code, 0);
    t.deepEqual(JSON.parse(r.stdout), [...DRIFT_STACKS]);
    t.deepEqual(r.calls, []);
});

test("as a process: exit 0 when clean, 2 on drift with only JSON on stdout, 1 with the message on a bad stack", async (t) => {
    const spawnDrift = async (args: string[], fake: Record<string, string>) => {
        const log = path.join(tempDir("pulumi-log"), "calls.jsonl");
        return run(process.execPath, ["--import", "tsx", path.join(REPO, "cli/drift.ts"), ...args], { env: { HOME: tempDir("home"), ...fakeEnv(fake, log) }, cwd: REPO });
    };
    // A failed check returns 1 through the same path as 0 and 2 (tested in-process above); a
    // thrown error is the one exit the process wrapper decides on its own.
    const [clean, drifted, unknown] = await Promise.all([
        spawnDrift(["--stack", "gravitypm-production"], { FAKE_PULUMI_EVENTS: CLEAN }),
        spawnDrift(["--stack", "gravitypm-production", "--json"], { FAKE_PULUMI_EVENTS: DRIFT }),
        spawnDrift(["--stack", "gravitypm-prod"], { FAKE_PULUMI_EVENTS: CLEAN }),
    ]);
    t.is(clean.code, 0, clean.stderr);
    t.regex(clean.stdout, /clean, no drift/);
    t.is(drifted.code, 2, drifted.stderr);
    t.is((JSON.parse(drifted.stdout) as { stacks: StackDriftReport[] }).stacks[0].resources.length, 4);
    t.is(unknown.code, 1);
    t.regex(unknown.stderr, /^drift: unknown stack "gravitypm-prod"/);
});
