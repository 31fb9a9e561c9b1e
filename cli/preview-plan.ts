import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import type { StackPlan } from "./harness/runtime";
import { mockCall } from "./harness/mocks";
import { readStackConfig, SECRET_PLACEHOLDER } from "./harness/stack-files";
import type { BuildOptions } from "../stacks/program";
import { PROJECT, parseStackName, resolveStack } from "../stacks/settings";
import type { WiredResource } from "../policies/wire";

/**
 * A first preview of a stack, offline: the real program under the SDK's mock runtime in dry-run
 * mode, where providers compute nothing. Each resource reports back only its own inputs (as a
 * provider's preview of a create does), so every id, ARN, generated password and name the
 * provider would assign is unknown, and every input built from one is unknown too, as in
 * `pulumi preview` of a new stack. Each registration keeps its inputs in the engine's wire form
 * (unknown sentinels, secret and asset signatures), which is what the analyzer is sent.
 */

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

let sink: WiredResource[] | undefined;
let patched = false;

/** The plan's two views (unwrapped, display-safe) of a wire value, as `cli/harness/runtime.ts` records them. */
function views(value: unknown, path: string, secretPaths: string[]): { raw: unknown; shown: unknown } {
    if (value && typeof value === "object" && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG) {
        secretPaths.push(path);
        return { raw: views((value as { value: unknown }).value, path, []).raw, shown: SECRET_PLACEHOLDER };
    }
    if (value === UNKNOWN) return { raw: undefined, shown: "[unknown]" };
    if (Array.isArray(value)) {
        const parts = value.map((v, i) => views(v, `${path}[${i}]`, secretPaths));
        return { raw: parts.map((p) => p.raw), shown: parts.map((p) => p.shown) };
    }
    if (value && typeof value === "object") {
        const raw: Record<string, unknown> = {};
        const shown: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            const part = views(v, path ? `${path}.${k}` : k, secretPaths);
            raw[k] = part.raw;
            shown[k] = part.shown;
        }
        return { raw, shown };
    }
    return { raw: value, shown: value };
}

function patchMonitor(): void {
    if (patched) return;
    patched = true;
    const original = MockMonitor.prototype.registerResource;
    MockMonitor.prototype.registerResource = async function (this: MockMonitor, req: any, callback: (err: any, res: any) => void) {
        const capture = sink;
        return original.call(this, req, (err: any, res: any) => {
            if (!err && capture) {
                const wire = (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
                const secretPaths: string[] = [];
                const { raw, shown } = views(wire, "", secretPaths);
                capture.push({
                    urn: res.getUrn(),
                    type: req.getType(),
                    name: req.getName(),
                    parent: req.getParent() || undefined,
                    custom: req.getCustom(),
                    props: raw as Record<string, unknown>,
                    inputs: shown as Record<string, unknown>,
                    secretPaths,
                    wire,
                    options: {
                        protect: !!req.getProtect(),
                        retainOnDelete: !!req.getRetainondelete(),
                        deleteBeforeReplace: !!req.getDeletebeforereplace(),
                        ignoreChanges: req.getIgnorechangesList() ?? [],
                        replaceOnChanges: req.getReplaceonchangesList() ?? [],
                        additionalSecretOutputs: req.getAdditionalsecretoutputsList() ?? [],
                        aliases: [],
                        dependsOn: req.getDependenciesList() ?? [],
                        provider: req.getProvider() || undefined,
                    },
                });
            }
            callback(err, res);
        });
    };
}

let program: { buildPlatform: (o?: BuildOptions) => unknown } | undefined;
const waitForRPCs = () => (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();

/** Plans a first `pulumi preview` of `stack`: nothing deployed, no computed outputs, unknowns kept. */
export async function planPreview(stack: string, options: { readonly stackFileText?: string } = {}): Promise<StackPlan> {
    const { app, env } = parseStackName(stack);
    const { config, secretKeys, assumedSecrets } = readStackConfig(stack, options.stackFileText);
    const context = resolveStack(stack, config);
    const region = config["aws:region"] ?? "us-east-1";
    program ??= require("../stacks/program") as typeof import("../stacks/program");
    patchMonitor();
    const captured: WiredResource[] = [];
    const failures: unknown[] = [];
    const onRejection = (e: unknown) => failures.push(e);
    // Stack traces for every tracked promise are most of the run time and nothing here reads them.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = process.env.RUNBOOK_PLAN_TRACES === "1" ? limit : 0;
    process.on("unhandledRejection", onRejection);
    sink = captured;
    try {
        // A provider's preview of a create echoes the inputs and computes nothing: no id, no outputs.
        await pulumi.runtime.setMocks({ newResource: (args) => ({ id: undefined, state: { ...args.inputs } }), call: mockCall(region) }, PROJECT, stack, true);
        pulumi.runtime.setAllConfig(config, secretKeys);
        try {
            program.buildPlatform();
        } finally {
            await waitForRPCs().catch((e: unknown) => failures.push(e));
        }
        if (failures.length) throw failures[0];
    } finally {
        sink = undefined;
        process.off("unhandledRejection", onRejection);
        Error.stackTraceLimit = limit;
    }
    return { stack, app, env, target: context.target, resources: captured, assumedSecrets };
}
