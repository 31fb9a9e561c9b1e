import { spawn, type ChildProcess } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { PolicyPackConfig } from "@pulumi/policy";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { EngineService } from "@pulumi/pulumi/proto/engine_grpc_pb";
import { GetRootResourceResponse, SetRootResourceResponse } from "@pulumi/pulumi/proto/engine_pb";
import type { StackPlan } from "../../cli/harness/runtime";
import { readStackConfig } from "../../cli/harness/stack-files";
import { reconcileConfig, type PolicyInfo } from "../../policies/offline";
import { wireProperties, type WiredResource } from "../../policies/wire";
import { PROJECT } from "../../stacks/settings";

/**
 * The pack as the Pulumi CLI runs it, and the engine's side of the Analyzer protocol.
 *
 * Launch (pulumi/pulumi `pkg/resource/plugin/analyzer_plugin.go`, NewPolicyAnalyzer): the
 * `pulumi-analyzer-policy` plugin runs `node …/@pulumi/pulumi/cmd/run-policy-pack <engine address> .`
 * with the pack folder as working directory (the nodejs language host's RunPlugin does the same
 * with the folder's absolute path last, `sdk/nodejs/cmd/pulumi-language-nodejs/main.go`), and the
 * environment of `constructEnv`: PULUMI_CONFIG (the stack's config as JSON, secrets decrypted),
 * PULUMI_NODEJS_{PROJECT,STACK,DRY_RUN,ORGANIZATION} and PULUMI_{…}. `run-policy-pack/run.js`
 * registers ts-node (the project's, else the vendored 7.0.1) with `typeCheck: true` and the
 * pack's `tsconfig.json` over `target ES2020, module/moduleResolution nodenext`, then requires
 * `.` (`policies/package.json` → `index.ts`). The first stdout line is the port.
 *
 * Protocol (the engine's `analyzer` client, same file): GetPluginInfo, GetAnalyzerInfo, then
 * Configure with the config `ReconcilePolicyPackConfig` (`pkg/resource/analyzer/config.go`)
 * builds from the policies' schema defaults, the pack's initial config and the caller's, validated
 * against each `configSchema`; Analyze per resource and AnalyzeStack with every resource, inputs
 * marshalled with `KeepUnknowns` and `KeepSecrets` (`policies/wire.ts`), options with parent,
 * provider as its own resource, dependencies for the stack call. The pack's side is
 * `@pulumi/policy`'s server (pulumi/pulumi-policy `sdk/nodejs/policy/server.ts`).
 */

export const ROOT = path.resolve(__dirname, "..", "..");
export const PACK_DIR = path.join(ROOT, "policies");
const RUN_POLICY_PACK = path.join(ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");

export type Level = "advisory" | "mandatory" | "disabled" | "remediate";
export const LEVEL_OF: Record<number, Level> = {
    [analyzer.EnforcementLevel.ADVISORY]: "advisory",
    [analyzer.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzer.EnforcementLevel.DISABLED]: "disabled",
    [analyzer.EnforcementLevel.REMEDIATE]: "remediate",
};
const LEVEL_ENUM: Record<Level, number> = {
    advisory: analyzer.EnforcementLevel.ADVISORY,
    mandatory: analyzer.EnforcementLevel.MANDATORY,
    disabled: analyzer.EnforcementLevel.DISABLED,
    remediate: analyzer.EnforcementLevel.REMEDIATE,
};

export interface Diagnostic {
    readonly policy: string;
    readonly level: Level;
    readonly message: string;
    /** The resource the engine attributes it to: the analyzed resource, or the URN a stack policy named. */
    readonly urn?: string;
}

/** A stand-in for the engine's own gRPC service (log, root resource), whose address the pack is given. */
async function startEngine(): Promise<{ address: string; logs: string[]; stop: () => Promise<void> }> {
    const server = new grpc.Server();
    const logs: string[] = [];
    let root = "";
    server.addService(EngineService, {
        log: (call: any, cb: any) => {
            logs.push(String(call.request.getMessage()));
            cb(null, new Empty());
        },
        getRootResource: (_call: any, cb: any) => {
            const res = new GetRootResourceResponse();
            res.setUrn(root);
            cb(null, res);
        },
        setRootResource: (call: any, cb: any) => {
            root = call.request.getUrn();
            cb(null, new SetRootResourceResponse());
        },
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    return { address: `127.0.0.1:${port}`, logs, stop: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}

export interface PackHost {
    readonly client: InstanceType<typeof AnalyzerClient>;
    /** Milliseconds from spawning the process to its port on stdout. */
    readonly startupMs: number;
    readonly stderr: () => string;
    stop(): Promise<void>;
}

/** The stack's config as the engine passes it (PULUMI_CONFIG): flat `namespace:key` → value, secure values decrypted (offline: their placeholders). */
export function pulumiConfigOf(stack: string): Record<string, string> {
    return readStackConfig(stack).config;
}

/** Starts the pack exactly as the CLI does for `pulumi preview -s <stack> --policy-pack policies` (or `up`, `dryRun: false`). */
export async function launchPack(stack: string, opts: { dryRun: boolean }): Promise<PackHost> {
    const engine = await startEngine();
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        PULUMI_CONFIG: JSON.stringify(pulumiConfigOf(stack)),
        PULUMI_NODEJS_PROJECT: PROJECT,
        PULUMI_NODEJS_STACK: stack,
        PULUMI_NODEJS_DRY_RUN: String(opts.dryRun),
        PULUMI_PROJECT: PROJECT,
        PULUMI_STACK: stack,
        PULUMI_DRY_RUN: String(opts.dryRun),
    };
    // The test runner's own loader must not leak into the pack: the CLI starts a plain node.
    delete env.NODE_OPTIONS;
    const started = process.hrtime.bigint();
    const child: ChildProcess = spawn(process.execPath, [RUN_POLICY_PACK, engine.address, "."], { cwd: PACK_DIR, env, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr?.on("data", (d) => (err += String(d)));
    const port = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout?.on("data", (d) => {
            out += String(d);
            const line = out.split("\n");
            if (line.length > 1) resolve(line[0].trim());
        });
        child.on("exit", (code) => reject(new Error(`the pack exited with ${code} before printing its port:\n${err}`)));
    });
    const startupMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (!/^\d+$/.test(port)) throw new Error(`the pack's first stdout line is not a port: ${port}`);
    const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { "grpc.max_receive_message_length": 400 * 1024 * 1024, "grpc.max_send_message_length": 400 * 1024 * 1024 });
    return {
        client,
        startupMs,
        stderr: () => err,
        stop: async () => {
            client.close();
            if (child.exitCode === null) {
                const exited = new Promise((resolve) => child.once("exit", resolve));
                child.kill();
                await exited;
            }
            await engine.stop();
        },
    };
}

export function call<Req, Res>(client: InstanceType<typeof AnalyzerClient>, method: string, req: Req): Promise<Res> {
    const fn = (client as unknown as Record<string, (r: Req, cb: (e: grpc.ServiceError | null, r: Res) => void) => void>)[method];
    return new Promise<Res>((resolve, reject) => fn.call(client, req, (e, r) => (e ? reject(e) : resolve(r))));
}

/** The policies as GetAnalyzerInfo describes them, and the pack's initial config. */
export interface PackInfo {
    readonly name: string;
    readonly policies: PolicyInfo[];
    readonly initialConfig: PolicyPackConfig;
}

export async function analyzerInfo(host: PackHost): Promise<PackInfo> {
    const info = await call<Empty, analyzer.AnalyzerInfo>(host.client, "getAnalyzerInfo", new Empty());
    const policies: PolicyInfo[] = info.getPoliciesList().map((p) => {
        const schema = p.getConfigschema();
        return {
            name: p.getName(),
            description: p.getDescription(),
            enforcementLevel: LEVEL_OF[p.getEnforcementlevel()],
            configSchema: schema ? { properties: (schema.getProperties()?.toJavaScript() ?? {}) as never, required: schema.getRequiredList() } : undefined,
        };
    });
    const initialConfig: PolicyPackConfig = {};
    info.getInitialconfigMap().forEach((c, name) => {
        initialConfig[name] = { enforcementLevel: LEVEL_OF[c.getEnforcementlevel()] as never, ...((c.getProperties()?.toJavaScript() ?? {}) as object) };
    });
    return { name: info.getName(), policies, initialConfig };
}

/** The engine's Configure: reconciled and validated config (throws the engine's refusal), sent to the pack. */
export async function configure(host: PackHost, info: PackInfo, given?: PolicyPackConfig): Promise<void> {
    const reconciled = reconcileConfig(info.policies, info.initialConfig, given);
    const req = new analyzer.ConfigureAnalyzerRequest();
    for (const [name, c] of reconciled) {
        const pc = new analyzer.PolicyConfig();
        pc.setEnforcementlevel(LEVEL_ENUM[(c.enforcementLevel ?? "advisory") as Level]);
        pc.setProperties(Struct.fromJavaScript(c.properties as never));
        req.getPolicyconfigMap().set(name, pc);
    }
    await call(host.client, "configure", req);
}

function resourceOptions(r: WiredResource): analyzer.AnalyzerResourceOptions {
    const o = new analyzer.AnalyzerResourceOptions();
    o.setProtect(r.options.protect);
    o.setIgnorechangesList([...r.options.ignoreChanges]);
    o.setDeletebeforereplace(r.options.deleteBeforeReplace);
    o.setDeletebeforereplacedefined(r.options.deleteBeforeReplace);
    o.setAdditionalsecretoutputsList([...r.options.additionalSecretOutputs]);
    o.setAliasesList([...r.options.aliases]);
    const timeouts = new analyzer.AnalyzerResourceOptions.CustomTimeouts();
    o.setCustomtimeouts(timeouts);
    if (r.parent) o.setParent(r.parent);
    return o;
}

function providerOf(plan: StackPlan, r: WiredResource): analyzer.AnalyzerProviderResource | undefined {
    const ref = r.options.provider;
    if (!ref) return undefined;
    const urn = ref.split("::").slice(0, -1).join("::");
    const p = plan.resources.find((x) => x.urn === urn);
    if (!p) return undefined;
    const out = new analyzer.AnalyzerProviderResource();
    out.setUrn(p.urn);
    out.setType(p.type);
    out.setName(p.name);
    out.setProperties(Struct.fromJavaScript(wireProperties(p) as never));
    return out;
}

function diagnostics(res: analyzer.AnalyzeResponse, urn?: string): Diagnostic[] {
    return res.getDiagnosticsList().map((d) => ({ policy: d.getPolicyname(), level: LEVEL_OF[d.getEnforcementlevel()], message: d.getMessage(), urn: d.getUrn() || urn }));
}

/** What the engine does with a plan during a preview or update: Analyze each resource, then AnalyzeStack. */
export async function analyzePlan(host: PackHost, plan: StackPlan): Promise<Diagnostic[]> {
    const out: Diagnostic[] = [];
    for (const r of plan.resources as WiredResource[]) {
        const req = new analyzer.AnalyzeRequest();
        req.setType(r.type);
        req.setName(r.name);
        req.setUrn(r.urn);
        req.setProperties(Struct.fromJavaScript(wireProperties(r) as never));
        req.setOptions(resourceOptions(r));
        const provider = providerOf(plan, r);
        if (provider) req.setProvider(provider);
        out.push(...diagnostics(await call<analyzer.AnalyzeRequest, analyzer.AnalyzeResponse>(host.client, "analyze", req), r.urn));
    }
    const stack = new analyzer.AnalyzeStackRequest();
    stack.setResourcesList(
        (plan.resources as WiredResource[]).map((r) => {
            const a = new analyzer.AnalyzerResource();
            a.setType(r.type);
            a.setName(r.name);
            a.setUrn(r.urn);
            a.setProperties(Struct.fromJavaScript(wireProperties(r) as never));
            a.setOptions(resourceOptions(r));
            const provider = providerOf(plan, r);
            if (provider) a.setProvider(provider);
            if (r.parent) a.setParent(r.parent);
            a.setDependenciesList([...r.options.dependsOn]);
            return a;
        }),
    );
    out.push(...diagnostics(await call<analyzer.AnalyzeStackRequest, analyzer.AnalyzeResponse>(host.client, "analyzeStack", stack)));
    return out;
}
