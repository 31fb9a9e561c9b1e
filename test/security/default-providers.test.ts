import test from "ava";
import * as grpc from "@grpc/grpc-js";
import * as resourcerpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resourceproto from "@pulumi/pulumi/proto/resource_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { defaultProviderDenied, deniedDefaultProviders, StandInEngine } from "../../cli/harness/engine/engine";
import { planStack } from "../../cli/harness/runtime";
import { readStackConfig } from "../../cli/harness/stack-files";
import { stackFile } from "../../cli/new-app";
import { allStacks, defaultProviderProblems, DISABLE_DEFAULT_PROVIDERS_KEY, DISABLED_DEFAULT_PROVIDERS } from "../../stacks/settings";

/**
 * Issue 15, row 15: default providers disabled. Every stack file (and what `npm run new-app`
 * writes) disables the default provider of the packages the program names its own provider for;
 * every planned resource of those packages carries an explicit provider; the stand-in engine
 * refuses a default provider as the real engine does, so test/runtime/program.test.ts, which runs
 * the program against it with the stack's config, proves the program starts with the setting.
 * random keeps its default provider (stacks/settings.ts DISABLED_DEFAULT_PROVIDERS says why).
 */

const listed = (raw: string | undefined) => (raw === undefined ? [] : (JSON.parse(raw) as string[]));

test("every stack file disables the default aws, docker and kubernetes providers, and the setting is valid", (t) => {
    for (const stack of allStacks()) {
        const { config } = readStackConfig(stack);
        const raw = config[DISABLE_DEFAULT_PROVIDERS_KEY];
        t.truthy(raw, `${stack}: ${DISABLE_DEFAULT_PROVIDERS_KEY} is not set`);
        t.deepEqual(defaultProviderProblems(config), [], stack);
        t.deepEqual([...listed(raw)].sort(), [...DISABLED_DEFAULT_PROVIDERS].sort(), `${stack}: exactly the packages the program names providers for`);
    }
});

test("new-app scaffolds the setting in all three stack files", (t) => {
    for (const env of ["local", "staging", "production"] as const) {
        const { config } = readStackConfig(`bunty-${env}`, stackFile("bunty", env, { ingressClass: "nginx" }));
        t.deepEqual([...listed(config[DISABLE_DEFAULT_PROVIDERS_KEY])].sort(), [...DISABLED_DEFAULT_PROVIDERS].sort(), env);
    }
});

test("a setting that leaves a package on, disables random, or is no list is refused, naming the key", (t) => {
    const problems = (v: unknown) => defaultProviderProblems({ [DISABLE_DEFAULT_PROVIDERS_KEY]: JSON.stringify(v) });
    t.regex(problems(["aws"]).join("\n"), /pulumi:disable-default-providers = \["aws"\]: leaves the default provider of docker, kubernetes on/);
    t.regex(problems([...DISABLED_DEFAULT_PROVIDERS, "random"]).join("\n"), /random would disable random's default provider/);
    t.regex(problems(["*"]).join("\n"), /\* would disable random's default provider/);
    t.regex(problems("aws").join("\n"), /not a list of package names; allowed: a list of package names holding aws, docker, kubernetes/);
    t.deepEqual(defaultProviderProblems({}), [], "unset: nothing to check here (the stack-file test above requires it)");
});

test("every planned aws, docker and kubernetes resource names an explicit provider; random's passwords keep the default", async (t) => {
    t.timeout(10 * 60_000);
    let explicit = 0;
    for (const stack of allStacks()) {
        const plan = await planStack(stack);
        for (const r of plan.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:"))) {
            const pkg = r.type.slice(0, r.type.indexOf(":"));
            if ((DISABLED_DEFAULT_PROVIDERS as readonly string[]).includes(pkg)) {
                if (!r.options.provider) t.fail(`${stack}: ${r.urn} has no explicit provider`);
                explicit++;
            } else if (pkg === "random") {
                t.is(r.options.provider, undefined, `${stack}: ${r.urn} has a provider: the written exception (random stays default) no longer holds; add random to DISABLED_DEFAULT_PROVIDERS`);
            } else t.fail(`${stack}: ${r.urn}: package ${pkg} is neither disabled nor the random exception`);
        }
    }
    t.true(explicit > 0);
});

test("the stand-in engine reads pulumi:disable-default-providers as the engine does", (t) => {
    const deny = deniedDefaultProviders(JSON.stringify([" aws ", "docker"]));
    t.true(deny("aws"), "trimmed");
    t.true(deny("docker"));
    t.false(deny("random"));
    const all = deniedDefaultProviders(JSON.stringify(["*"]));
    t.true(all("kubernetes"));
    t.false(all("pulumi"), "the pulumi package is always allowed");
    t.false(deniedDefaultProviders("")("aws"), "an empty value denies none");
    t.false(deniedDefaultProviders(undefined)("aws"));
    t.throws(() => deniedDefaultProviders(JSON.stringify(["aws", 3])), { message: "pulumi:disable-default-providers[1] must be a string" });
    t.throws(() => deniedDefaultProviders("[aws"), { message: /^Failed to parse \[aws/ });
});

function call<Req, Res>(fn: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => void, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => fn(req, (err, res) => (err ? reject(err) : resolve(res))));
}

test("the stand-in engine refuses a resource or invoke of a disabled package without a provider, with the engine's message", async (t) => {
    const engine = await StandInEngine.start({ project: "runbook-platform", stack: "bunty-production", mode: "preview", region: "us-east-1", disableDefaultProviders: JSON.stringify(DISABLED_DEFAULT_PROVIDERS) });
    const client = new resourcerpc.ResourceMonitorClient(engine.monitorAddress, grpc.credentials.createInsecure());
    try {
        const register = (type: string, name: string, provider = "") =>
            call(client.registerResource.bind(client), new resourceproto.RegisterResourceRequest().setType(type).setName(name).setCustom(true).setProvider(provider).setObject(new Struct()));
        const err = await t.throwsAsync(register("aws:s3/bucket:Bucket", "logs"));
        const urn = "urn:pulumi:bunty-production::runbook-platform::aws:s3/bucket:Bucket::logs";
        t.true(err!.message.includes(defaultProviderDenied("aws", urn)), err!.message);
        t.is(defaultProviderDenied("aws", urn), `Default provider for 'aws' disabled. '${urn}' must use an explicit provider.`);
        await t.notThrowsAsync(register("aws:s3/bucket:Bucket", "logs", "urn:pulumi:bunty-production::runbook-platform::pulumi:providers:aws::p::id"), "an explicit provider is taken");
        await t.notThrowsAsync(register("random:index/randomPassword:RandomPassword", "pw"), "random keeps its default provider");
        await t.notThrowsAsync(register("pulumi:providers:aws", "p"), "a provider resource needs none");
        const invoke = await t.throwsAsync(call(client.invoke.bind(client), new resourceproto.ResourceInvokeRequest().setTok("aws:index/getCallerIdentity:getCallerIdentity").setArgs(new Struct())));
        t.true(invoke!.message.includes(defaultProviderDenied("aws", "aws:index/getCallerIdentity:getCallerIdentity")), invoke!.message);
        t.is(engine.errors.length, 2, "each refusal is recorded, so the program test fails on it");
    } finally {
        client.close();
        await engine.close();
    }
});
