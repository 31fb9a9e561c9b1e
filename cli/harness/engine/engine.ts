import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as enginerpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engineproto from "@pulumi/pulumi/proto/engine_pb";
import * as providerproto from "@pulumi/pulumi/proto/provider_pb";
import * as resourcerpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resourceproto from "@pulumi/pulumi/proto/resource_pb";
import { mockCall, mockState } from "../mocks";
import { capturedFromRequest, OUTPUT_VALUE_SIG, RESOURCE_SIG, SIG_KEY, UNKNOWN, type PlannedResource } from "../runtime";
import { engineUrn } from "../urn";

/**
 * A stand-in for the Pulumi engine, serving the two gRPC services a program's `cmd/run` talks
 * to, from the SDK's own generated stubs (`@pulumi/pulumi/proto`): `pulumirpc.ResourceMonitor`
 * and `pulumirpc.Engine`. Providers are simulated with the offline plan's mocks
 * (`cli/harness/mocks.ts`), so what a real run registers can be compared with the offline plan:
 *
 * - update: a custom resource's state is the mocks' state for its inputs (as the SDK's own
 *   MockMonitor builds it: secret inputs stay secret in the state; `additionalSecretOutputs` are
 *   not applied, as the mock runtime does not apply them, so the two stay comparable);
 * - preview (dry run): providers compute nothing, so a custom resource reports back the inputs it
 *   was given and every computed output is unknown, as on a first preview of a new stack;
 * - invokes run in both (the engine runs data sources during preview too).
 *
 * Default providers are refused as the engine refuses them (pkg/resource/deploy/source_eval.go
 * `shouldDenyRequest`): for each package `pulumi:disable-default-providers` lists (or every package
 * but `pulumi` for `*`), a custom resource registered without a provider, or an invoke without one,
 * fails with the engine's message (diag.GetDefaultProviderDenied): `Default provider for '<pkg>'
 * disabled. '<urn or token>' must use an explicit provider.`
 *
 * URNs are made as the engine makes them (pkg/resource/deploy/deployment.go `generateURN`: the
 * parent's full qualified type, the root stack's type left out), and a second registration of
 * the same URN is refused with the engine's own message (diag.GetDuplicateResourceURNError).
 */

export type RunMode = "preview" | "update";

export interface EngineOptions {
    readonly project: string;
    readonly stack: string;
    readonly mode: RunMode;
    /** Region the mocked AWS invokes answer with (the stack's `aws:region`). */
    readonly region: string;
    /** The stack's `pulumi:disable-default-providers` as the engine holds it: a JSON list of package names (or `*`), or unset. */
    readonly disableDefaultProviders?: string;
}

/**
 * The packages whose default provider the engine refuses, read as `shouldDenyRequest` reads
 * `pulumi:disable-default-providers`: an empty value denies none; otherwise a JSON list of strings,
 * each trimmed, `*` standing for every package (`pulumi` itself is always allowed).
 */
export function deniedDefaultProviders(value: string | undefined): (pkg: string) => boolean {
    if (value === undefined || value === "") return () => false;
    let list: unknown;
    try {
        list = JSON.parse(value);
    } catch (e) {
        throw new Error(`Failed to parse ${value}: ${(e as Error).message}`);
    }
    if (!Array.isArray(list)) throw new Error(`Failed to parse ${value}: not a list of package names`);
    const barred = list.map((v, i) => {
        if (typeof v !== "string") throw new Error(`pulumi:disable-default-providers[${i}] must be a string`);
        return v.trim();
    });
    return (pkg) => pkg !== "pulumi" && (barred.includes("*") || barred.includes(pkg));
}

/** The package of a type or invoke token: `aws:s3/bucket:Bucket` → `aws`. */
const packageOf = (token: string) => token.slice(0, token.indexOf(":"));

/** The engine's refusal of a default provider (diag.GetDefaultProviderDenied), for a resource's URN or an invoke's token. */
export const defaultProviderDenied = (pkg: string, what: string) => `Default provider for '${pkg}' disabled. '${what}' must use an explicit provider.`;

export interface LogEntry {
    readonly severity: "debug" | "info" | "warning" | "error";
    readonly message: string;
    readonly urn: string;
}

const SEVERITY: Record<number, LogEntry["severity"]> = {
    [engineproto.LogSeverity.DEBUG]: "debug",
    [engineproto.LogSeverity.INFO]: "info",
    [engineproto.LogSeverity.WARNING]: "warning",
    [engineproto.LogSeverity.ERROR]: "error",
};

/**
 * The feature ids the engine's resource monitor answers true to (pkg/resource/deploy/source_eval.go
 * `supportsFeatureID`), so the SDK serializes exactly as it does against a real engine.
 */
const ENGINE_FEATURES = new Set([
    "secrets",
    "resourceReferences",
    "outputValues",
    "aliasSpecs",
    "replacementTrigger",
    "deletedWith",
    "replaceWith",
    "transforms",
    "invokeTransforms",
    "parameterization",
    "resourceHooks",
    "errorHooks",
    "sendsOptionsToHooks",
]);

/**
 * Wire values as the SDK's `deserializeProperties` hands them to a MockMonitor's `newResource`:
 * secrets kept as their signature objects, resource references as sent, unknowns dropped.
 */
function forMocks(value: unknown): unknown {
    if (value === UNKNOWN) return undefined;
    if (Array.isArray(value)) return value.map(forMocks);
    if (value && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SIG_KEY] === RESOURCE_SIG) return obj;
        if (obj[SIG_KEY] === OUTPUT_VALUE_SIG) return "value" in obj ? forMocks(obj.value) : undefined;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(obj)) {
            const d = forMocks(v);
            if (d !== undefined) out[k] = d;
        }
        return out;
    }
    return value;
}

/** A JS value as a protobuf Struct; undefined fields are left out, as the SDK's serializer does. */
function toStruct(value: Record<string, unknown>): Struct {
    return Struct.fromJavaScript(JSON.parse(JSON.stringify(value)));
}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

export class StandInEngine {
    /** Every registration, in the order the engine received it, read as the offline plan reads one. */
    readonly registrations: PlannedResource[] = [];
    /** Stack outputs and component outputs, by URN. */
    readonly outputs = new Map<string, Record<string, unknown>>();
    readonly logs: LogEntry[] = [];
    readonly invokes: string[] = [];
    /** Errors the engine itself raised (a duplicate URN, an invoke the mocks cannot answer). */
    readonly errors: string[] = [];
    /** hrtime of the last registration received; the start-up benchmark reads it. */
    lastRegistrationAt?: bigint;
    /** Called on every registration (the launcher samples the program's CPU time there). */
    onRegistration?: () => void;
    rootResource = "";
    monitorAddress = "";
    engineAddress = "";
    private readonly servers: grpc.Server[] = [];
    private readonly urns = new Set<string>();
    private readonly call: ReturnType<typeof mockCall>;
    private readonly denied: (pkg: string) => boolean;

    private constructor(readonly options: EngineOptions) {
        this.call = mockCall(options.region);
        this.denied = deniedDefaultProviders(options.disableDefaultProviders);
    }

    static async start(options: EngineOptions): Promise<StandInEngine> {
        const engine = new StandInEngine(options);
        engine.monitorAddress = await engine.serve((s) => s.addService(resourcerpc.ResourceMonitorService, engine.monitor() as unknown as grpc.UntypedServiceImplementation));
        engine.engineAddress = await engine.serve((s) => s.addService(enginerpc.EngineService, engine.engineService() as unknown as grpc.UntypedServiceImplementation));
        return engine;
    }

    private async serve(add: (server: grpc.Server) => void): Promise<string> {
        const server = new grpc.Server();
        add(server);
        const port = await new Promise<number>((resolve, reject) =>
            server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
        );
        this.servers.push(server);
        return `127.0.0.1:${port}`;
    }

    async close(): Promise<void> {
        await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.tryShutdown(() => resolve()))));
    }

    private monitor() {
        const { mode, region, project, stack } = this.options;
        const supportsFeature: Unary<resourceproto.SupportsFeatureRequest, resourceproto.SupportsFeatureResponse> = (call, callback) => {
            callback(null, new resourceproto.SupportsFeatureResponse().setHassupport(ENGINE_FEATURES.has(call.request.getId())));
        };
        const registerResource: Unary<resourceproto.RegisterResourceRequest, resourceproto.RegisterResourceResponse> = (call, callback) => {
            const req = call.request;
            const urn = engineUrn(stack, project, req.getParent() || undefined, req.getType(), req.getName());
            if (this.urns.has(urn)) {
                const message = `Duplicate resource URN '${urn}'; try giving it a unique name`;
                this.errors.push(message);
                return callback({ code: grpc.status.INVALID_ARGUMENT, details: message });
            }
            if (req.getCustom() && !req.getProvider() && !req.getType().startsWith("pulumi:providers:") && this.denied(packageOf(req.getType()))) {
                const message = defaultProviderDenied(packageOf(req.getType()), urn);
                this.errors.push(message);
                return callback({ code: grpc.status.INVALID_ARGUMENT, details: message });
            }
            this.urns.add(urn);
            this.registrations.push(capturedFromRequest(req, urn));
            this.lastRegistrationAt = process.hrtime.bigint();
            this.onRegistration?.();
            const res = new resourceproto.RegisterResourceResponse().setUrn(urn);
            if (!req.getCustom()) return callback(null, res.setObject(new Struct()));
            if (mode === "preview") {
                // Nothing is created: the provider plans the inputs it was given, computed outputs unknown.
                return callback(null, res.setId("").setObject(req.getObject() ?? new Struct()));
            }
            const inputs = forMocks(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
            const { id, state } = mockState({ type: req.getType(), name: req.getName(), inputs, provider: req.getProvider(), id: req.getImportid(), custom: true }, region);
            callback(null, res.setId(id).setObject(toStruct(state)));
        };
        const registerResourceOutputs: Unary<resourceproto.RegisterResourceOutputsRequest, Empty> = (call, callback) => {
            const urn = call.request.getUrn();
            if (!this.urns.has(urn)) return callback({ code: grpc.status.NOT_FOUND, details: `unknown resource ${urn}` });
            this.outputs.set(urn, (call.request.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>);
            callback(null, new Empty());
        };
        const invoke: Unary<resourceproto.ResourceInvokeRequest, providerproto.InvokeResponse> = (call, callback) => {
            const token = call.request.getTok();
            this.invokes.push(token);
            if (!call.request.getProvider() && this.denied(packageOf(token))) {
                const message = defaultProviderDenied(packageOf(token), token);
                this.errors.push(message);
                return callback({ code: grpc.status.INVALID_ARGUMENT, details: message });
            }
            try {
                const inputs = forMocks(call.request.getArgs()?.toJavaScript() ?? {}) as Record<string, unknown>;
                const result = this.call({ token, inputs, provider: call.request.getProvider() });
                callback(null, new providerproto.InvokeResponse().setReturn(toStruct(result)));
            } catch (e) {
                this.errors.push((e as Error).message);
                callback({ code: grpc.status.UNKNOWN, details: (e as Error).message });
            }
        };
        const registerPackage: Unary<resourceproto.RegisterPackageRequest, resourceproto.RegisterPackageResponse> = (call, callback) => {
            callback(null, new resourceproto.RegisterPackageResponse().setRef(`${call.request.getName()}@${call.request.getVersion()}`));
        };
        const signalAndWaitForShutdown: Unary<Empty, Empty> = (_call, callback) => callback(null, new Empty());
        return { supportsFeature, registerResource, registerResourceOutputs, invoke, registerPackage, signalAndWaitForShutdown };
    }

    private engineService() {
        const log: Unary<engineproto.LogRequest, Empty> = (call, callback) => {
            const r = call.request;
            this.logs.push({ severity: SEVERITY[r.getSeverity()] ?? "info", message: r.getMessage(), urn: r.getUrn() });
            callback(null, new Empty());
        };
        const getRootResource: Unary<engineproto.GetRootResourceRequest, engineproto.GetRootResourceResponse> = (_call, callback) => {
            callback(null, new engineproto.GetRootResourceResponse().setUrn(this.rootResource));
        };
        const setRootResource: Unary<engineproto.SetRootResourceRequest, engineproto.SetRootResourceResponse> = (call, callback) => {
            this.rootResource = call.request.getUrn();
            callback(null, new engineproto.SetRootResourceResponse());
        };
        return { log, getRootResource, setRootResource };
    }
}
