import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { capturedFromRequest, type StackPlan } from "./harness/runtime";
import { mockCall } from "./harness/mocks";
import { readStackConfig } from "./harness/stack-files";
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

let sink: WiredResource[] | undefined;
let patched = false;

function patchMonitor(): void {
    if (patched) return;
    patched = true;
    const original = MockMonitor.prototype.registerResource;
    MockMonitor.prototype.registerResource = async function (this: MockMonitor, req: any, callback: (err: any, res: any) => void) {
        const capture = sink;
        return original.call(this, req, (err: any, res: any) => {
            if (!err && capture) {
                const wire = (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
                capture.push({ ...capturedFromRequest(req, res.getUrn()), wire });
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
