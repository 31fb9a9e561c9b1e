import test from "ava";
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { captureRegistrations, planStack, structCopy, type StackPlan } from "../../cli/harness/runtime";
import { readStackConfig, SECRET_PLACEHOLDER } from "../../cli/harness/stack-files";
import { GRAFANA_ADMIN_USER } from "../../capabilities/dashboards";
import { buildPlatform } from "../../stacks/program";
import { APP_IDS, ENVS } from "../../runbooks";
import { allStacks } from "../../stacks/settings";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..", "..");

/**
 * The offline harness everything else stands on: it must see every registration with its parent
 * and options, keep secrets out of what it prints, and run the real program for every stack.
 */

class Probe extends pulumi.ComponentResource {
    constructor(name: string) {
        super("test:index:Probe", name, {});
        const first = new random.RandomPet(`${name}-first`, {}, { parent: this });
        new random.RandomPassword(
            `${name}-second`,
            { length: 20, keepers: { rotation: pulumi.secret("quarterly-key") } },
            { parent: this, protect: true, retainOnDelete: true, ignoreChanges: ["length"], dependsOn: [first] },
        );
        this.registerOutputs({});
    }
}

test.serial("captures type, name, parent, secret inputs and every resource option", async (t) => {
    const resources = await captureRegistrations("bunty-local", { config: {}, secretKeys: [] }, () => new Probe("probe"));
    t.deepEqual(
        resources.map((r) => r.type),
        ["test:index:Probe", "random:index/randomPet:RandomPet", "random:index/randomPassword:RandomPassword"],
    );
    const [probe, first, second] = resources;
    t.is(first.parent, probe.urn);
    t.is(second.parent, probe.urn);
    t.false(probe.custom);
    t.true(second.custom);
    t.true(second.options.protect);
    t.true(second.options.retainOnDelete);
    t.false(first.options.protect);
    t.deepEqual(second.options.ignoreChanges, ["length"]);
    t.deepEqual(second.options.dependsOn, [first.urn]);
    t.deepEqual(second.secretPaths, ["keepers.rotation"]);
    t.is((second.inputs.keepers as Record<string, unknown>).rotation, SECRET_PLACEHOLDER);
    t.is((second.props.keepers as Record<string, unknown>).rotation, "quarterly-key", "policies see secrets unwrapped, as the analyzer does");
    t.regex(second.urn, /^urn:pulumi:bunty-local::runbook-platform::test:index:Probe\$random:index\/randomPassword:RandomPassword::probe-second$/);
});

test.serial("a program that throws part-way: its registrations in flight are drained, not carried into the next plan", async (t) => {
    const limit = Error.stackTraceLimit;
    const error = await t.throwsAsync(
        captureRegistrations("bunty-local", { config: {}, secretKeys: [] }, () => {
            new Probe("half-built");
            throw new Error("the program failed after registering");
        }),
    );
    t.is(error?.message, "the program failed after registering");
    t.is(Error.stackTraceLimit, limit, "stack traces are restored after a failed plan");
    const next = await captureRegistrations("bunty-local", { config: {}, secretKeys: [] }, () => new Probe("next"));
    t.deepEqual(
        next.map((r) => r.name),
        ["next", "next-first", "next-second"],
        "nothing of the failed run landed in the next one",
    );
});

test.serial("stack traces are off while the mock engine runs and restored after; RUNBOOK_PLAN_TRACES=1 keeps them", async (t) => {
    const limit = Error.stackTraceLimit;
    let during = -1;
    await captureRegistrations("bunty-local", { config: {}, secretKeys: [] }, () => {
        during = Error.stackTraceLimit;
    });
    t.is(during, 0);
    t.is(Error.stackTraceLimit, limit);
    process.env.RUNBOOK_PLAN_TRACES = "1";
    try {
        await captureRegistrations("bunty-local", { config: {}, secretKeys: [] }, () => {
            during = Error.stackTraceLimit;
        });
    } finally {
        delete process.env.RUNBOOK_PLAN_TRACES;
    }
    t.is(during, limit);
});

test.serial("the SDK's leak bookkeeping, call sites, property labels and protobuf Structs are off while the mock engine runs and restored after, and registrations keep the SDK's order", async (t) => {
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: unknown };
    const sdk = pulumi.Resource as unknown as { callsites: unknown };
    const wrap = debuggable.debuggablePromise;
    const callsites = sdk.callsites;
    const fromJavaScript = Struct.fromJavaScript;
    const rpc = require("@pulumi/pulumi/runtime/rpc") as { transferProperties: unknown };
    const transfer = rpc.transferProperties;
    // A real stack whose order hangs on how many reactions each promise takes: without the SDK's two per tracked promise, its order changes.
    const stack = "bunty-staging";
    const { config, secretKeys } = readStackConfig(stack);
    const program = () => buildPlatform();
    let during: unknown[] = [];
    const lean = await captureRegistrations(stack, { config, secretKeys }, () => {
        during = [debuggable.debuggablePromise, sdk.callsites, Struct.fromJavaScript, rpc.transferProperties];
        program();
    });
    t.not(during[0], wrap);
    t.not(during[3], transfer);
    t.is(rpc.transferProperties, transfer);
    t.not(during[1], callsites);
    t.not(during[2], fromJavaScript);
    t.is(debuggable.debuggablePromise, wrap);
    t.is(sdk.callsites, callsites);
    t.is(Struct.fromJavaScript, fromJavaScript);
    process.env.RUNBOOK_PLAN_TRACES = "1";
    let full: StackPlan["resources"];
    try {
        full = await captureRegistrations(stack, { config, secretKeys }, () => {
            during = [debuggable.debuggablePromise, sdk.callsites, Struct.fromJavaScript, rpc.transferProperties];
            program();
        });
    } finally {
        delete process.env.RUNBOOK_PLAN_TRACES;
    }
    t.deepEqual(during, [wrap, callsites, fromJavaScript, transfer], "RUNBOOK_PLAN_TRACES=1 runs the SDK as it is");
    t.deepEqual(
        lean.map((r) => r.urn),
        full.map((r) => r.urn),
    );
    t.deepEqual(lean, full);
});

test("the plan's Struct stand-in reads back what the protobuf round trip gives: keys in the map's order, nesting, and the same refusals", (t) => {
    const value = { b: 1, a: { z: [1, { y: 2, x: null }, "s"], c: "t" }, "10": true, "2": false, B: "u", e: [], o: {}, n: -0.5 };
    const roundTrip = Struct.fromJavaScript(value).toJavaScript();
    const copy = structCopy(value);
    t.deepEqual(copy, roundTrip);
    t.is(JSON.stringify(copy), JSON.stringify(roundTrip), "the same key order at every level");
    t.not(copy, value);
    for (const bad of [{ a: undefined }, { a: [() => 1] }, { a: Symbol("s") }]) {
        t.throws(() => Struct.fromJavaScript(bad as never), { message: "Unexpected struct type." });
        t.throws(() => structCopy(bad), { message: "Unexpected struct type." });
    }
});

class Holder extends pulumi.ComponentResource {
    constructor(type: string, name: string, childName: string) {
        super(type, name, {});
        new random.RandomPet(childName, {}, { parent: this });
        this.registerOutputs({});
    }
}

test.serial("duplicate URNs are refused as the engine refuses them: same type and name under the same chain of parent types", async (t) => {
    const plan = (body: () => void) => captureRegistrations("bunty-local", { config: {}, secretKeys: [] }, body);
    const twice = await t.throwsAsync(
        plan(() => {
            new random.RandomPet("pet");
            new random.RandomPet("pet");
        }),
    );
    t.is(
        twice?.message,
        `stack bunty-local: two resources of type random:index/randomPet:RandomPet named pet under the same parent chain (parents (top level) and (top level)): ` +
            `the engine refuses the second with "Duplicate resource URN 'urn:pulumi:bunty-local::runbook-platform::random:index/randomPet:RandomPet::pet'; try giving it a unique name"`,
    );
    // The engine builds a child's URN from its parents' types, not their names: two parents of one
    // type with a same-named child collide, although the SDK's mock monitor gives them distinct URNs.
    const cousins = await t.throwsAsync(
        plan(() => {
            new Holder("test:index:Holder", "a", "shared");
            new Holder("test:index:Holder", "b", "shared");
        }),
    );
    t.regex(cousins?.message ?? "", /^stack bunty-local: two resources of type random:index\/randomPet:RandomPet named shared under the same parent chain \(parents a and b\)/);
    t.regex(cousins?.message ?? "", /Duplicate resource URN 'urn:pulumi:bunty-local::runbook-platform::test:index:Holder\$random:index\/randomPet:RandomPet::shared'/);
    // Different parent types, or different names, are distinct URNs.
    const fine = await plan(() => {
        new Holder("test:index:Holder", "a", "shared");
        new Holder("test:index:OtherHolder", "b", "shared");
        new random.RandomPet("pet-1");
        new random.RandomPet("pet-2");
    });
    t.is(fine.length, 6);
});

test.serial("the program itself refuses bad config before registering anything", async (t) => {
    const { config, secretKeys } = readStackConfig("bunty-local");
    config["runbook-platform:images"] = JSON.stringify({ backend: "ghcr.io/bunty/backend:latest", frontend: "ghcr.io/bunty/frontend:1.4.0" });
    let error: Error | undefined;
    const resources = await captureRegistrations("bunty-local", { config, secretKeys }, () => {
        try {
            buildPlatform();
        } catch (e) {
            error = e as Error;
        }
    });
    t.regex(error?.message ?? "", /runbook-platform:images\.backend = "ghcr\.io\/bunty\/backend:latest"/);
    t.deepEqual(resources, []);
});

test.serial("a paged environment without its operator secrets is refused by the program", async (t) => {
    const { config, secretKeys } = readStackConfig("formula-pm-staging");
    delete config["runbook-platform:pagerdutyRoutingKey"];
    let error: Error | undefined;
    await captureRegistrations("formula-pm-staging", { config, secretKeys }, () => {
        try {
            buildPlatform();
        } catch (e) {
            error = e as Error;
        }
    });
    t.regex(error?.message ?? "", /runbook-platform:pagerdutyRoutingKey = \(missing\): staging alerts must reach a person; set it with `pulumi config set --secret/);
});

test.serial("stack outputs: the Grafana login (password a secret) on every target; on AWS the same password reaches Grafana only through Secrets Manager", async (t) => {
    const outputsOf = async (stack: string) => {
        let outputs: ReturnType<typeof buildPlatform> | undefined;
        const { config, secretKeys } = readStackConfig(stack);
        const resources = await captureRegistrations(stack, { config, secretKeys, region: config["aws:region"] }, () => {
            outputs = buildPlatform();
        });
        return { outputs: outputs!, resources };
    };
    const password = (o: ReturnType<typeof buildPlatform>) => new Promise<string>((resolve) => o.grafana.password.apply(resolve));
    for (const stack of ["bunty-local", "bunty-staging", "bunty-production"]) {
        const { outputs, resources } = await outputsOf(stack);
        t.is(outputs.grafana.user, GRAFANA_ADMIN_USER, stack);
        t.true(await pulumi.isSecret(outputs.grafana.password), `${stack}: the password is a Pulumi secret`);
        t.is(await password(outputs), "generated-bunty-secrets-grafana-admin", `${stack}: the generated password, not a literal`);
        t.is(resources.filter((r) => r.name.endsWith("grafana-admin") && r.type === "random:index/randomPassword:RandomPassword").length, 1, stack);
    }
    const production = await outputsOf("bunty-production");
    const version = production.resources.find((r) => r.type === "aws:secretsmanager/secretVersion:SecretVersion" && r.name === "bunty-grafana-admin")!;
    t.deepEqual(version.secretPaths, ["secretString"]);
    t.is(JSON.parse(version.props.secretString as string).password, "generated-bunty-secrets-grafana-admin", "the output's password is the one Grafana gets");
});

test.serial("every stack plans; every resource hangs off the app's Platform component", async (t) => {
    const plans: StackPlan[] = [];
    for (const stack of allStacks()) plans.push(await planStack(stack));
    t.is(plans.length, APP_IDS.length * ENVS.length);
    for (const plan of plans) {
        const roots = plan.resources.filter((r) => !r.parent);
        t.deepEqual(
            roots.map((r) => r.type),
            ["platform:index:Platform"],
            `${plan.stack}: one root`,
        );
        const urns = new Set(plan.resources.map((r) => r.urn));
        for (const r of plan.resources.filter((r) => r.parent)) t.true(urns.has(r.parent!), `${plan.stack}: ${r.name}'s parent was registered`);
        t.true(plan.resources.some((r) => r.type === `platform:${plan.target}:Platform`), `${plan.stack}: target component`);
        t.is(new Set(plan.resources.map((r) => r.urn)).size, plan.resources.length, `${plan.stack}: URNs unique`);
    }
});

test("`npm run plan -- --all --json` prints only JSON: every stack, no generated secret values", async (t) => {
    const { stdout } = await run(process.execPath, ["--import=tsx", "cli/plan.ts", "--all", "--json"], { cwd: ROOT, maxBuffer: 512 * 1024 * 1024 });
    const json = JSON.parse(stdout) as { stacks: { stack: string; app: string; env: string; target: string; resources: { urn: string; type: string; name: string; parent: string | null; inputs: unknown; options: unknown }[] }[] };
    t.deepEqual(json.stacks.map((s) => s.stack).sort(), allStacks().sort());
    for (const s of json.stacks) {
        t.true(s.resources.length > 0);
        for (const r of s.resources) t.deepEqual(Object.keys(r).sort(), ["custom", "inputs", "name", "options", "parent", "secretPaths", "type", "urn"]);
    }
    // The mock engine's generated passwords are `generated-<name>`: none may reach an input.
    t.false(stdout.includes("generated-"), "a generated secret leaked into a plan input");
});

test("`npm run plan` names an unknown stack and exits non-zero", async (t) => {
    const err = await t.throwsAsync(run(process.execPath, ["--import=tsx", "cli/plan.ts", "--stack", "gravitypm-prod"], { cwd: ROOT }));
    t.is((err as unknown as { code: number }).code, 1);
    t.regex((err as unknown as { stderr: string }).stderr, /unknown stack "gravitypm-prod"/);
});

test("`plan --json` that fails says so on stdout too, as JSON: a pipe into jq hides the exit code", async (t) => {
    const err = await t.throwsAsync(run(process.execPath, ["--import=tsx", "cli/plan.ts", "--stack", "gravitypm-prod", "--json"], { cwd: ROOT }));
    t.is((err as unknown as { code: number }).code, 1);
    const out = JSON.parse((err as unknown as { stdout: string }).stdout) as { error: string };
    t.regex(out.error, /unknown stack "gravitypm-prod"/);
});

test.serial("plans asked for at the same time run one after another: each is the plan of its own stack, as planned alone", async (t) => {
    // The SDK's mock runtime is process-global; two plans interleaved in it would mix their
    // registrations (or record none). An identity mutation keeps both out of the plan cache.
    const stacks = allStacks().filter((s) => s.endsWith("-local")).slice(0, 2);
    const fresh = { mutate: <T>(ctx: T) => ctx };
    const together = await Promise.all(stacks.map((s) => planStack(s, fresh)));
    for (const [i, stack] of stacks.entries()) {
        const alone = await planStack(stack);
        t.is(together[i].stack, stack);
        t.deepEqual(
            together[i].resources.map((r) => r.urn),
            alone.resources.map((r) => r.urn),
            `${stack}: the concurrent plan registered exactly what it registers alone`,
        );
    }
});
