import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { compareWithPlan } from "../../cli/harness/engine/compare";
import { readProjectRuntime, runProgram, shlexSplit } from "../../cli/harness/engine/launcher";
import { planStack, type PlannedResource } from "../../cli/harness/runtime";
import { engineUrns, ROOT_STACK_TYPE } from "../../cli/harness/urn";

/**
 * The launcher reads Pulumi.yaml as the language host does, the stand-in engine refuses what the
 * engine refuses, and the comparison with the offline plan names the first difference.
 */

const made: string[] = [];
test.after.always(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function project(yaml: string, files: Record<string, string> = {}): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runtime-harness-"));
    made.push(dir);
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), yaml);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
}

test("runtime options become what pulumi-language-nodejs sets: typescript defaults to true, tsconfig and nodeargs as written", (t) => {
    const bare = readProjectRuntime(project("name: p\nruntime: nodejs\n"));
    t.deepEqual(bare.env, { PULUMI_NODEJS_TYPESCRIPT: "true" });
    t.deepEqual(bare.nodeargs, []);
    t.is(bare.entryPoint, ".");

    const dir = project(
        "name: p\nmain: src/index.ts\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n    tsconfig: tsconfig.pulumi.json\n    nodeargs: \"--import tsx --title='a b'\"\n",
    );
    fs.mkdirSync(path.join(dir, "src"));
    fs.writeFileSync(path.join(dir, "src", "index.ts"), "");
    const r = readProjectRuntime(dir);
    t.deepEqual(r.env, { PULUMI_NODEJS_TSCONFIG_PATH: "tsconfig.pulumi.json" });
    t.deepEqual(r.nodeargs, ["--import", "tsx", "--title=a b"]);
    t.is(r.pwd, path.join(dir, "src"), "getPwdMain: the program directory is main's directory");
    t.is(r.entryPoint, "index.ts");
});

test("a wrongly typed runtime option is refused, as the language host refuses it", (t) => {
    const e = t.throws(() => readProjectRuntime(project("name: p\nruntime:\n  name: nodejs\n  options:\n    typescript: \"yes\"\n")));
    t.regex(e!.message, /Pulumi\.yaml runtime\.options\.typescript = "yes": must be a boolean/);
});

test("nodeargs split like shlex: quotes group, backslashes escape, nothing expands", (t) => {
    t.deepEqual(shlexSplit(`--a "b c" 'd e' f\\ g $HOME`), ["--a", "b c", "d e", "f g", "$HOME"]);
    t.deepEqual(shlexSplit("  "), []);
    t.throws(() => shlexSplit(`--a "b`), { message: /unclosed/ });
});

test("this project's Pulumi.yaml is what the runs use: tsx loaded through nodeargs, ts-node off", (t) => {
    const r = readProjectRuntime();
    t.false(r.typescript);
    t.false("PULUMI_NODEJS_TYPESCRIPT" in r.env);
    t.deepEqual(r.nodeargs.slice(0, 2), ["--import", "tsx"]);
    t.is(r.entryPoint, "index.ts");
});

test("through cmd/run: nodeargs reach node, and a duplicate URN is refused with the engine's message and a failed exit", async (t) => {
    const runtime = readProjectRuntime(path.join(__dirname, "fixtures", "duplicate"));
    const r = await runProgram("fixture-dev", { mode: "preview", runtime, config: { config: {}, secretKeys: [] } });
    t.not(r.exitCode, 0);
    t.deepEqual(r.engine.errors, ["Duplicate resource URN 'urn:pulumi:fixture-dev::duplicate-urn::fixture:index:Holder$fixture:index:Part::shared'; try giving it a unique name"]);
    const first = r.engine.registrations.find((x) => x.name === "first")!;
    t.is(first.parent, r.engine.registrations.find((x) => x.type === ROOT_STACK_TYPE)!.urn);
    const processInfo = r.engine.registrations.find((x) => x.type === "fixture:index:Process")!;
    t.is(processInfo.props.title, "duplicate urn", "the quoted --title=… from nodeargs reached node as one argument");
});

/** What a faithful run of `plan` registers: engine URNs, the root stack, top-level resources under it. */
function asRun(stack: string, resources: readonly PlannedResource[]): PlannedResource[] {
    const urns = engineUrns(stack, "runbook-platform", resources);
    const root = `urn:pulumi:${stack}::runbook-platform::${ROOT_STACK_TYPE}::runbook-platform-${stack}`;
    const rootResource: PlannedResource = { ...resources[0], urn: root, type: ROOT_STACK_TYPE, name: `runbook-platform-${stack}`, parent: undefined, custom: false, props: {}, inputs: {}, secretPaths: [] };
    return [
        rootResource,
        ...resources.map((r) => ({
            ...r,
            urn: urns.get(r.urn)!,
            parent: r.parent ? urns.get(r.parent) : root,
            aliasSpecs: JSON.parse(JSON.stringify(r.aliasSpecs ?? []), (_k, v) => (typeof v === "string" ? (urns.get(v) ?? v) : v)),
            options: { ...r.options, dependsOn: r.options.dependsOn.map((u) => urns.get(u)!), provider: r.options.provider && `${urns.get(r.options.provider.split("::").slice(0, -1).join("::"))}::${r.options.provider.split("::").pop()}` },
        })),
    ];
}

test("the comparison names the stack, the resource and the first differing field", async (t) => {
    const stack = "bunty-production";
    const plan = await planStack(stack);
    const faithful = asRun(stack, plan.resources);
    t.deepEqual(compareWithPlan(stack, "runbook-platform", plan.resources, faithful, false), { compared: plan.resources.length });

    const bucketAt = faithful.findIndex((r) => r.type === "aws:s3/bucket:Bucket");
    const bucket = faithful[bucketAt];
    const changed = (r: PlannedResource) => faithful.map((x, i) => (i === bucketAt ? r : x));

    const input = compareWithPlan(stack, "runbook-platform", plan.resources, changed({ ...bucket, props: { ...bucket.props, forceDestroy: true } }), false);
    t.regex(input.difference!, new RegExp(`^stack ${stack}: aws:s3/bucket:Bucket ${bucket.name} \\(.*\\): input forceDestroy: offline .*, cmd/run true$`));

    const protect = compareWithPlan(stack, "runbook-platform", plan.resources, changed({ ...bucket, options: { ...bucket.options, protect: !bucket.options.protect } }), false);
    t.regex(protect.difference!, new RegExp(`${bucket.name} .*option protect differs`));

    const missing = compareWithPlan(stack, "runbook-platform", plan.resources, faithful.filter((_, i) => i !== bucketAt), false);
    t.regex(missing.difference!, new RegExp(`${bucket.name} .*in the offline plan, not registered under cmd/run`));

    const moved = compareWithPlan(stack, "runbook-platform", plan.resources, changed({ ...bucket, parent: faithful[0].urn }), false);
    t.regex(moved.difference!, /option parent differs/);

    // An unknown input matches in a preview and is an error in an update.
    const unknownName = changed({ ...bucket, props: { ...bucket.props, bucket: undefined }, unknownPaths: ["bucket"] });
    t.is(compareWithPlan(stack, "runbook-platform", plan.resources, unknownName, true).difference, undefined);
    t.regex(compareWithPlan(stack, "runbook-platform", plan.resources, unknownName, false).difference!, /unknown inputs in an update: bucket/);
});
