import test from "ava";
import { compareWithPlan } from "../../cli/harness/engine/compare";
import { readProjectRuntime, runProgram, type ProgramRun } from "../../cli/harness/engine/launcher";
import { pool } from "../../cli/harness/engine/pool";
import { planStack, type StackPlan } from "../../cli/harness/runtime";
import { ROOT_STACK_TYPE } from "../../cli/harness/urn";
import * as fs from "fs";
import * as path from "path";
import { APP_IDS, getRunbook, type AppId } from "../../runbooks";
import { allStacks, parseStackName } from "../../stacks/settings";

const ROOT = path.resolve(__dirname, "..", "..");
const tsFiles = (dir: string): string[] =>
    fs.statSync(dir).isFile() ? [dir] : fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));

/**
 * Every stack through the entry point the Pulumi CLI uses: `@pulumi/pulumi/cmd/run` in a child
 * process, launched as the nodejs language host launches it with the runtime options Pulumi.yaml
 * says, talking gRPC to the stand-in engine. As a preview (dry run, computed outputs unknown),
 * and for the largest app's three stacks also as an update, each must exit 0 and register
 * exactly what the offline plan registers.
 */

const runtime = readProjectRuntime();
const run = pool();

// The offline plans, one after another in this process (the SDK's mock runtime is process-global).
const plans: Promise<Map<string, StackPlan>> = (async () => {
    const out = new Map<string, StackPlan>();
    for (const stack of allStacks()) out.set(stack, await planStack(stack));
    return out;
})();

function tail(text: string, lines = 40): string {
    return text.trim().split("\n").slice(-lines).join("\n");
}

function failureOf(r: ProgramRun): string | undefined {
    if (r.exitCode !== 0) return `stack ${r.stack} (${r.mode}): cmd/run exited ${r.exitCode ?? r.signal}\n${r.argv.join(" ")}\n${tail(r.stderr)}\n${tail(r.stdout)}`;
    if (r.engine.errors.length) return `stack ${r.stack} (${r.mode}): the engine refused: ${r.engine.errors.join("; ")}`;
    const errors = r.engine.logs.filter((l) => l.severity === "error");
    if (errors.length) return `stack ${r.stack} (${r.mode}): the program logged errors: ${errors.map((l) => l.message).join("; ")}`;
    return undefined;
}

/**
 * Every stack as a preview (what a pull request runs), and as an update the three stacks of the
 * app with the most services (one per target): the program has no dry-run branch (`isDryRun` is read nowhere in it), so the update of
 * the other stacks differs from their preview only on the engine's side, and each launch costs
 * ~5 s of CPU on the CI machine.
 */
function updated(): Set<string> {
    const size = (app: AppId) => getRunbook(app).services.length * 100 + Object.keys(getRunbook(app).data).length;
    const largest = [...APP_IDS].sort((a, b) => size(b) - size(a))[0];
    return new Set(allStacks().filter((s) => parseStackName(s).app === largest));
}
const UPDATED = updated();

test("the program has no dry-run branch: a preview and an update run the same code", (t) => {
    const sources = ["index.ts", "stacks", "components", "capabilities", "runbooks"].flatMap((p) => tsFiles(path.join(ROOT, p)));
    t.true(sources.length > 100);
    t.deepEqual(
        sources.filter((f) => /\bisDryRun\b/.test(fs.readFileSync(f, "utf8"))).map((f) => path.relative(ROOT, f)),
        [],
        "a dry-run branch makes the update path differ: run every stack as an update here again",
    );
});

for (const stack of allStacks()) {
    for (const mode of UPDATED.has(stack) ? (["preview", "update"] as const) : (["preview"] as const)) {
        test(`${stack} ${mode}: cmd/run exits 0 and registers the offline plan`, async (t) => {
            const r = await run(() => runProgram(stack, { mode, runtime }));
            const failure = failureOf(r);
            if (failure) return t.fail(failure);
            // The engine refused every default provider the stack disables (issue 15): none was asked for.
            t.truthy(r.engine.options.disableDefaultProviders, `stack ${stack}: pulumi:disable-default-providers reached the engine`);
            const plan = (await plans).get(stack)!;

            const result = compareWithPlan(stack, runtime.project, plan.resources, r.engine.registrations, mode === "preview");
            if (result.difference) return t.fail(result.difference);
            t.is(result.compared, plan.resources.length);

            // The root stack resource carries the program's exports, as `pulumi stack output` shows them.
            const root = r.engine.registrations.find((x) => x.type === ROOT_STACK_TYPE)!;
            t.is(r.engine.rootResource, root.urn, `stack ${stack}: the root resource was set to the Stack`);
            t.is(root.name, `${runtime.project}-${stack}`);
            const outputs = r.engine.outputs.get(root.urn) as Record<string, unknown> | undefined;
            t.like(outputs, { app: plan.app, env: plan.env, target: plan.target }, `stack ${stack}: stack outputs`);

            const unknowns = r.engine.registrations.reduce((n, x) => n + (x.unknownPaths?.length ?? 0), 0);
            if (mode === "preview") t.true(unknowns > 0, `stack ${stack}: a first preview must see computed outputs as unknown`);
            else t.is(unknowns, 0, `stack ${stack}: an update sends no unknowns`);
            if (plan.target === "aws") t.true(r.engine.invokes.includes("aws:index/getCallerIdentity:getCallerIdentity"), `stack ${stack}: invokes went through the engine`);
        });
    }
}
