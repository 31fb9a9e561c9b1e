import test from "ava";
import * as fs from "fs";
import * as path from "path";
import type { EngineEvent, PropertyDiff, StepEventMetadata } from "@pulumi/pulumi/automation";
import { renderJson, renderMarkdown, renderTable } from "../../operations/drift/render";
import { changedPaths, collectDrift, exitCodeFor, failureText, maskValue, parsePropertyPath, type StackDriftReport } from "../../operations/drift/report";
import { DRIFT_STACKS, selectStacks, STACKS } from "../../operations/drift/stacks";
import { APP_IDS, ENVS } from "../../runbooks";
import { EVENTS } from "./helpers";

// The pure half of drift detection: recorded engine event streams in, reports and their
// renderings out. No CLI, no Automation API.

const STACK = "gravitypm-production";
const AT = new Date("2026-01-15T06:00:00Z");
const URN = (type: string, name: string) => `urn:pulumi:${STACK}::runbook-platform::${type}::${name}`;
const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "[secret]" };
const SHOWN_SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: '"hunter2"' };

function recorded(kind: "clean" | "drift" | "error" | "preview-clean" | "preview-changes"): EngineEvent[] {
    return fs
        .readFileSync(path.join(EVENTS, `${STACK}.${kind}.jsonl`), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as EngineEvent);
}

function report(events: EngineEvent[]): StackDriftReport {
    return collectDrift({ stack: STACK, events, checkedAt: AT });
}

let seq = 0;
function outputs(metadata: Partial<StepEventMetadata> & { op: StepEventMetadata["op"]; urn: string }): EngineEvent {
    return { sequence: seq++, timestamp: 0, resOutputsEvent: { metadata: { type: metadata.urn.split("::")[2], provider: "", ...metadata } } };
}

const diff = (kind: string): PropertyDiff => ({ diffKind: kind as PropertyDiff["diffKind"], inputDiff: true });
const state = (inputs: Record<string, unknown>, outputs: Record<string, unknown> = inputs) => ({ type: "t", urn: "u", id: "i", parent: "", provider: "", inputs, outputs });

test("the recorded drift stream reports the four drifted resources, state → live", (t) => {
    const r = report(recorded("drift"));
    t.is(r.status, "drift");
    t.deepEqual(r.errors, []);
    t.deepEqual(r.changeSummary, { same: 3, update: 3, delete: 1 });
    t.deepEqual(
        r.resources.map((x) => [x.type, x.name, x.operation]),
        [
            ["aws:cloudwatch/metricAlarm:MetricAlarm", "gravitypm-production-backup-age", "delete"],
            ["aws:rds/instance:Instance", "gravitypm-production-db", "update"],
            ["aws:s3/bucketVersioning:BucketVersioning", "gravitypm-production-files-versioning", "update"],
            ["aws:secretsmanager/secretVersion:SecretVersion", "gravitypm-production-mongodb-uri", "update"],
        ],
    );
    const byName = Object.fromEntries(r.resources.map((x) => [x.name, x]));
    t.is(byName["gravitypm-production-db"].urn, "urn:pulumi:gravitypm-production::runbook-platform::aws:rds/instance:Instance::gravitypm-production-db");
    t.deepEqual(byName["gravitypm-production-db"].properties, [{ path: "backupRetentionPeriod", kind: "update", old: 30, new: 7 }]);
    t.deepEqual(byName["gravitypm-production-files-versioning"].properties, [{ path: "versioningConfiguration.status", kind: "update", old: "Enabled", new: "Suspended" }]);
    t.deepEqual(byName["gravitypm-production-mongodb-uri"].properties, [{ path: "secretString", kind: "update", old: "[secret]", new: "[secret]" }]);
    t.deepEqual(byName["gravitypm-production-backup-age"].properties, []);
});

test("the recorded clean stream is clean, and the error stream is an error naming the cause", (t) => {
    const clean = report(recorded("clean"));
    t.is(clean.status, "clean");
    t.deepEqual(clean.resources, []);
    t.deepEqual(clean.errors, []);

    const failed = collectDrift({ stack: STACK, events: recorded("error"), checkedAt: AT, failure: { phase: "pulumi refresh --preview-only", exitCode: 255, lines: ["preview failed"] } });
    t.is(failed.status, "error");
    t.regex(failed.errors[0], /ExpiredToken: The security token included in the request is expired/);
    t.is(failed.errors[1], "refresh of urn:pulumi:gravitypm-production::runbook-platform::aws:rds/instance:Instance::gravitypm-production-db failed");
    // The CLI's own "error: preview failed" is already a diagnostic; it is not repeated.
    t.is(failed.errors[failed.errors.length - 1], "pulumi refresh --preview-only failed (exit code 255)");
});

test("secrets stay masked even when the CLI was asked to show them, and inside containers", (t) => {
    t.is(maskValue(SECRET), "[secret]");
    t.is(maskValue(SHOWN_SECRET), "[secret]");
    t.deepEqual(maskValue({ a: [1, SHOWN_SECRET], b: { c: SECRET } }), { a: [1, "[secret]"], b: { c: "[secret]" } });
    t.is(maskValue("04da6b54-80e4-46f7-96ec-b56ff0331ba9"), "[unknown]");

    const r = report([
        outputs({
            op: "update",
            urn: URN("aws:rds/instance:Instance", "db"),
            old: state({ masterUserSecret: SHOWN_SECRET, config: { password: SHOWN_SECRET } }),
            new: state({ masterUserSecret: SHOWN_SECRET, config: { password: { ...SHOWN_SECRET, plaintext: '"rotated-hunter3"' } } }),
            detailedDiff: { "config.password": diff("update"), "masterUserSecret.inner": diff("update") },
        }),
    ]);
    const rendered = renderTable([r]) + renderMarkdown([r]) + renderJson([r]);
    t.false(rendered.includes("hunter2"));
    t.false(rendered.includes("rotated-hunter3"));
    t.deepEqual(r.resources[0].properties.map((p) => [p.path, p.old, p.new]), [
        ["config.password", "[secret]", "[secret]"],
        ["masterUserSecret.inner", "[secret]", "[secret]"],
    ]);
});

test("property paths: dots, indices and quoted keys", (t) => {
    t.deepEqual(parsePropertyPath("versioningConfiguration.status"), ["versioningConfiguration", "status"]);
    t.deepEqual(parsePropertyPath('tags["kubernetes.io/role"]'), ["tags", "kubernetes.io/role"]);
    t.deepEqual(parsePropertyPath("ingress[2].cidrBlocks[0]"), ["ingress", 2, "cidrBlocks", 0]);
    t.deepEqual(parsePropertyPath('["a\\"b"].c'), ['a"b', "c"]);
    t.throws(() => parsePropertyPath("a[x]"), { message: /bad index/ });
    t.throws(() => parsePropertyPath('a["open'), { message: /unterminated/ });

    const r = report([
        outputs({
            op: "update",
            urn: URN("aws:ec2/securityGroup:SecurityGroup", "web"),
            old: state({ ingress: [{ cidrBlocks: ["10.0.0.0/8"] }], tags: { "kubernetes.io/role": "elb" } }),
            new: state({ ingress: [{ cidrBlocks: ["0.0.0.0/0"] }], tags: {} }),
            detailedDiff: { "ingress[0].cidrBlocks[0]": diff("update"), 'tags["kubernetes.io/role"]': diff("delete") },
        }),
    ]);
    t.deepEqual(r.resources[0].properties, [
        { path: "ingress[0].cidrBlocks[0]", kind: "update", old: "10.0.0.0/8", new: "0.0.0.0/0" },
        { path: 'tags["kubernetes.io/role"]', kind: "delete", old: "elb" },
    ]);
});

test("without a detailed diff, the top-level diff keys are used; without either, the outputs are compared", (t) => {
    const urn = URN("aws:s3/bucket:Bucket", "files");
    const withKeys = report([outputs({ op: "update", urn, diffs: ["tags"], old: state({ tags: { env: "production" } }), new: state({ tags: { env: "prod" } }) })]);
    t.deepEqual(withKeys.resources[0].properties, [{ path: "tags", kind: "update", old: { env: "production" }, new: { env: "prod" } }]);

    const legacy = report([outputs({ op: "update", urn, old: state({}, { acl: "private", tags: { env: "production", "a.b": "1" } }), new: state({}, { acl: "public-read", tags: { env: "production", "a.b": "2" } }) })]);
    t.deepEqual(legacy.resources[0].properties.map((p) => [p.path, p.old, p.new]), [
        ["acl", "private", "public-read"],
        ['tags["a.b"]', "1", "2"],
    ]);
    t.deepEqual(changedPaths({ a: 1, b: [1, 2] }, { a: 1, b: [1, 2] }), []);
    t.deepEqual(changedPaths({ a: SECRET }, { a: SHOWN_SECRET }), [], "secrets compare by their masked form");
});

test("a replacement's three steps fold into one resource, and refresh/same steps are not drift", (t) => {
    const urn = URN("aws:rds/instance:Instance", "db");
    const meta = { urn, old: state({ engineVersion: "15.4" }), new: state({ engineVersion: "16.4" }), detailedDiff: { engineVersion: diff("update-replace") } };
    const r = report([
        { sequence: 1, timestamp: 0, resourcePreEvent: { metadata: { ...meta, type: "aws:rds/instance:Instance", provider: "", op: "refresh" } } },
        outputs({ ...meta, op: "create-replacement" }),
        outputs({ ...meta, op: "replace" }),
        outputs({ ...meta, op: "delete-replaced" }),
        outputs({ urn: URN("aws:s3/bucket:Bucket", "same"), op: "same" }),
        outputs({ urn: URN("aws:s3/bucket:Bucket", "read"), op: "read" }),
    ]);
    t.deepEqual(r.resources.map((x) => [x.name, x.operation]), [["db", "replace"]]);
    t.deepEqual(r.resources[0].properties, [{ path: "engineVersion", kind: "update-replace", old: "15.4", new: "16.4" }]);
});

test("changes the summary counts without resource events are drift with a warning, not silence", (t) => {
    const r = report([{ sequence: 0, timestamp: 0, summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: { same: 10, update: 2 }, policyPacks: {} } }]);
    t.is(r.status, "drift");
    t.regex(r.warnings[0], /counted 2 changed resource\(s\) but sent no resource events/);
    t.is(exitCodeFor([r]), 2);
});

test("exit codes: an error outranks drift, drift outranks clean", (t) => {
    const clean = report(recorded("clean"));
    const drift = report(recorded("drift"));
    const error = collectDrift({ stack: STACK, events: [], checkedAt: AT, failure: { phase: "selecting stack x", exitCode: 255, lines: ["no stack named 'x' found"] } });
    t.is(exitCodeFor([clean]), 0);
    t.is(exitCodeFor([clean, drift]), 2);
    t.is(exitCodeFor([drift, error, clean]), 1);
    t.is(exitCodeFor([]), 0);
    t.is(error.errors[0], "selecting stack x failed (exit code 255): no stack named 'x' found");
    t.is(failureText({ phase: "p", lines: ["a", "b"] }, ["a\nmore detail"]), "p failed: b");
});

test("the preview's stream is the code against the state: its changes are `undeployed`, beside the refresh's", (t) => {
    const both = collectDrift({ stack: STACK, events: recorded("drift"), preview: { events: recorded("preview-changes") }, checkedAt: AT });
    t.is(both.status, "drift");
    t.is(both.resources.length, 4, "the refresh's findings stay where they were");
    t.deepEqual(both.undeployed.map((r) => r.operation), ["delete", "create", "update"]);
    t.deepEqual(both.undeployedSummary, { same: 1, update: 1, create: 1, delete: 1 });
    const text = renderTable([both]);
    t.regex(text, /^ {2}Changed outside the code \(state → live\):$/m);
    t.regex(text, /^ {2}Code not deployed \(state → code\):$/m);
    t.regex(text, /^ {2}OPERATION +TYPE +NAME +PROPERTY +STATE → CODE$/m);
    t.regex(text, /^ {2}update +aws:cloudwatch\/logGroup:LogGroup +gravitypm-network-flow-logs +retentionInDays +30 → 90$/m);
    t.regex(text, /^ {2}create +aws:sns\/topicSubscription:TopicSubscription +gravitypm-monitoring-warning-email +in the code, not deployed$/m);

    const clean = collectDrift({ stack: STACK, events: recorded("clean"), preview: { events: recorded("preview-clean") }, checkedAt: AT });
    t.is(clean.status, "clean");
    t.deepEqual(clean.undeployed, []);

    const silent = collectDrift({ stack: STACK, events: recorded("clean"), preview: { events: [{ sequence: 0, timestamp: 0, summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: { update: 2 }, policyPacks: {} } }] }, checkedAt: AT });
    t.is(silent.status, "drift");
    t.regex(silent.warnings[0], /the preview counted 2 change\(s\) but sent no resource events for them; run `pulumi preview --diff --stack gravitypm-production`/);
});

test("the table shows each changed property as state → live", (t) => {
    const text = renderTable([report(recorded("drift")), report(recorded("clean"))]);
    t.regex(text, /^gravitypm-production: drift, 4 resource\(s\) changed outside the code \(checked 2026-01-15T06:00:00\.000Z\)$/m);
    t.regex(text, /^ {2}update +aws:rds\/instance:Instance +gravitypm-production-db +backupRetentionPeriod +30 → 7$/m);
    t.regex(text, /^ {2}update +aws:s3\/bucketVersioning:BucketVersioning +gravitypm-production-files-versioning +versioningConfiguration\.status +"Enabled" → "Suspended"$/m);
    t.regex(text, /^ {2}delete +aws:cloudwatch\/metricAlarm:MetricAlarm +gravitypm-production-backup-age +no longer exists$/m);
    t.regex(text, /^gravitypm-production: clean, no drift/m);
});

test("the Markdown has a table row per property, the URNs, and escapes pipes", (t) => {
    const md = renderMarkdown([report(recorded("drift"))]);
    t.true(md.includes("## Drift check: `gravitypm-production`: drift, 4 resource(s) changed outside the code"));
    t.true(md.includes("| update | `gravitypm-production-db` | `aws:rds/instance:Instance` | `backupRetentionPeriod` | `30` | `7` |"));
    t.true(md.includes('| update | `gravitypm-production-files-versioning` | `aws:s3/bucketVersioning:BucketVersioning` | `versioningConfiguration.status` | `"Enabled"` | `"Suspended"` |'));
    t.true(md.includes("- `urn:pulumi:gravitypm-production::runbook-platform::aws:s3/bucketVersioning:BucketVersioning::gravitypm-production-files-versioning`"));

    const piped = report([outputs({ op: "update", urn: URN("aws:ssm/parameter:Parameter", "p"), old: state({ value: "a|b" }), new: state({ value: "a`c" }), diffs: ["value"] })]);
    const line = renderMarkdown([piped]).split("\n").find((l) => l.startsWith("| update"));
    t.is(line, '| update | `p` | `aws:ssm/parameter:Parameter` | `value` | `"a\\|b"` | `` "a`c" `` |');
});

test("the JSON carries the exit code and the reports as they are", (t) => {
    const parsed = JSON.parse(renderJson([report(recorded("drift"))])) as { exitCode: number; stacks: StackDriftReport[] };
    t.is(parsed.exitCode, 2);
    t.is(parsed.stacks[0].resources.length, 4);
    t.deepEqual(parsed.stacks[0].resources[1].properties[0], { path: "backupRetentionPeriod", kind: "update", old: 30, new: 7 });
});

test("stack selection: every app × env, --all without the -local ones, and clear refusals", (t) => {
    t.is(STACKS.length, APP_IDS.length * ENVS.length);
    t.true(STACKS.includes("pfm-community-local") && STACKS.includes("gravitypm-production"));
    t.deepEqual(selectStacks({ all: true }), [...DRIFT_STACKS]);
    t.deepEqual(DRIFT_STACKS, STACKS.filter((s) => !s.endsWith("-local")));
    t.deepEqual(selectStacks({ stack: ["bunty-local"] }), ["bunty-local"]);
    t.deepEqual(selectStacks({ stack: ["bunty-staging", "bunty-staging"] }), ["bunty-staging"]);
    t.throws(() => selectStacks({ stack: ["gravitypm-prod"] }), { message: /unknown stack "gravitypm-prod"; stacks are <app>-<env>/ });
    t.throws(() => selectStacks({}), { message: /name a stack with --stack/ });
    t.throws(() => selectStacks({ all: true, stack: ["bunty-local"] }), { message: /either --stack or --all/ });
});
