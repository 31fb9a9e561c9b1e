import { spawn } from "child_process";
import * as path from "path";
import { parseStackName, PROJECT } from "../../../stacks/settings";
import { readStackConfig, ROOT } from "../stack-files";
import { StandInEngine } from "./engine";
import { inheritedEnv, readRuntimeOptions } from "./launcher";

/**
 * Starts the policy pack as the nodejs language host's `RunPlugin` does for an analyzer
 * (sdk/nodejs/cmd/pulumi-language-nodejs/main.go, same snapshot as launcher.ts): `node
 * <require.resolve('@pulumi/pulumi/cmd/run-policy-pack')> <nodeargs> <engine address> <pack
 * directory>` with the pack directory as working directory, `PULUMI_NODEJS_TYPESCRIPT` /
 * `_TSCONFIG_PATH` from PulumiPolicy.yaml's runtime options, and the stack's organization,
 * project, stack, dry-run and config from the policy proxy's StackConfiguration. Measures how long
 * until it prints its port (its first stdout line), then stops it.
 */

export interface PackStart {
    readonly port?: number;
    readonly toPortMs: number;
    readonly exitCode: number | null;
    readonly stderr: string;
}

export async function timePackStart(stack: string, userEnv: Record<string, string> = {}, timeoutMs = 180_000): Promise<PackStart> {
    const dir = path.join(ROOT, "policies");
    const options = readRuntimeOptions(path.join(dir, "PulumiPolicy.yaml"));
    parseStackName(stack);
    const { config } = readStackConfig(stack);
    const engine = await StandInEngine.start({ project: PROJECT, stack, mode: "preview", region: config["aws:region"] ?? "us-east-1" });
    try {
        const runPath = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [dir] });
        const env = {
            ...inheritedEnv(),
            ...userEnv,
            ...options.env,
            PULUMI_NODEJS_ORGANIZATION: "organization",
            PULUMI_NODEJS_PROJECT: PROJECT,
            PULUMI_NODEJS_STACK: stack,
            PULUMI_NODEJS_DRY_RUN: "true",
            PULUMI_CONFIG: JSON.stringify(config),
        };
        const started = process.hrtime.bigint();
        const child = spawn(process.execPath, [runPath, ...options.nodeargs, engine.engineAddress, dir], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        const port = await new Promise<number | undefined>((resolve) => {
            const timer = setTimeout(() => resolve(undefined), timeoutMs);
            child.stdout.on("data", (d) => {
                stdout += d;
                const line = stdout.split("\n")[0];
                if (stdout.includes("\n") && /^\d+$/.test(line.trim())) {
                    clearTimeout(timer);
                    resolve(Number(line.trim()));
                }
            });
            child.on("close", () => {
                clearTimeout(timer);
                resolve(undefined);
            });
        });
        const toPortMs = Number(process.hrtime.bigint() - started) / 1e6;
        child.kill("SIGTERM");
        const exitCode = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on("close", (c) => resolve(c))));
        return { port, toPortMs, exitCode, stderr };
    } finally {
        await engine.close();
    }
}
