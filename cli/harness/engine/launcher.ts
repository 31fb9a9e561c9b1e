import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import { parseStackName } from "../../../stacks/settings";
import { readStackConfig, ROOT } from "../stack-files";
import { StandInEngine, type RunMode } from "./engine";

/**
 * Runs the program as the Pulumi CLI's nodejs language host does, against the stand-in engine.
 *
 * Read from pulumi/pulumi (snapshot 1b5949891b3c, 2026-08-21):
 * - sdk/nodejs/cmd/pulumi-language-nodejs/main.go `parseOptions`: Pulumi.yaml `runtime.options`
 *   `typescript` (default true), `tsconfig`, `nodeargs` (strings), `packagemanager`;
 * - `execRuntime`: env = the CLI's environment + `PULUMI_CONFIG` + `PULUMI_CONFIG_SECRET_KEYS`
 *   + `PULUMI_NODEJS_TYPESCRIPT=true` when typescript + `PULUMI_NODEJS_TSCONFIG_PATH=<tsconfig>`
 *   when set; argv = `node <shlex(nodeargs)> <runPath> <constructArguments>`; the child keeps
 *   the language host's working directory, which the CLI sets to the project directory
 *   (sdk/go/common/resource/plugin/plugin.go `cmd.Dir = pwd`);
 * - `locateModule`: runPath is `require.resolve('@pulumi/pulumi/cmd/run')` from the program directory;
 * - `constructArguments`: `--monitor --engine --sync --organization --project --root-directory
 *   --stack --pwd [--dry-run] --parallel <entry point>`, each only when non-empty;
 * - `constructConfig`: config keys `<ns>:<name>` become `<ns>:config:<name>`, values strings;
 *   `constructConfigSecretKeys`: the secret keys as sent, a JSON array;
 * - pkg/engine/project.go `getPwdMain`: `main: index.ts` gives pwd = the project directory and
 *   entry point `index.ts`;
 * - pkg/cmd/pulumi/operations/up.go `defaultParallel`: 4 × GOMAXPROCS (the CPU count);
 * - the organization of a DIY (file/S3) backend, which this project defaults to, is `organization`
 *   (pkg/backend/diy/state.go).
 *
 * `--sync` (pipes for synchronous invokes) is left out: the program makes no synchronous invoke,
 * and a run that tried one would fail loudly rather than pass.
 *
 * Config: the engine decrypts `secure:` values before the run; offline there is no key, so the
 * stand-in sends what the offline plan uses (`cli/harness/stack-files.ts`): the placeholder
 * `[secret]` as the decrypted value, the key listed as secret, and the operator secrets a paged
 * environment needs assumed set the same way.
 */

export interface ProjectRuntime {
    readonly project: string;
    /** Project root (where Pulumi.yaml is). */
    readonly root: string;
    /** The program directory and entry point, as the engine derives them from `main`. */
    readonly pwd: string;
    readonly entryPoint: string;
    /** `runtime.options` of Pulumi.yaml, as the language host reads them. */
    readonly typescript: boolean;
    readonly tsconfig?: string;
    readonly nodeargs: string[];
    /** What the language host adds to the environment for those options. */
    readonly env: Record<string, string>;
}

/** Splits `nodeargs` as the language host does (github.com/google/shlex: quotes and backslashes, no expansion). */
export function shlexSplit(text: string): string[] {
    const words: string[] = [];
    let word: string | undefined;
    let quote: '"' | "'" | undefined;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quote === "'") {
            if (c === "'") quote = undefined;
            else word += c;
        } else if (quote === '"') {
            if (c === '"') quote = undefined;
            else if (c === "\\" && i + 1 < text.length) word += text[++i];
            else word += c;
        } else if (/\s/.test(c)) {
            if (word !== undefined) words.push(word);
            word = undefined;
        } else if (c === "'" || c === '"') {
            quote = c;
            word ??= "";
        } else if (c === "\\" && i + 1 < text.length) {
            word = (word ?? "") + text[++i];
        } else {
            word = (word ?? "") + c;
        }
    }
    if (quote) throw new Error(`Pulumi.yaml runtime.options.nodeargs: unclosed ${quote} in ${JSON.stringify(text)}`);
    if (word !== undefined) words.push(word);
    return words;
}

/** `runtime.options` of a Pulumi.yaml or PulumiPolicy.yaml as `parseOptions` reads them, and the env they produce. */
export function readRuntimeOptions(file: string): { doc: Record<string, unknown>; typescript: boolean; tsconfig?: string; nodeargs: string[]; env: Record<string, string> } {
    const doc = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as { runtime?: string | { name: string; options?: Record<string, unknown> } };
    const runtime = typeof doc.runtime === "string" ? { name: doc.runtime, options: {} } : doc.runtime;
    if (runtime?.name !== "nodejs") throw new Error(`${path.basename(file)}: runtime ${runtime?.name}; the harness runs the nodejs language host only`);
    const options = runtime.options ?? {};
    const typed = <T>(key: string, kind: string): T | undefined => {
        const v = options[key];
        if (v !== undefined && typeof v !== kind) throw new Error(`${path.basename(file)} runtime.options.${key} = ${JSON.stringify(v)}: must be a ${kind}`);
        return v as T | undefined;
    };
    const typescript = typed<boolean>("typescript", "boolean") ?? true;
    const tsconfig = typed<string>("tsconfig", "string") || undefined;
    const nodeargs = shlexSplit(typed<string>("nodeargs", "string") ?? "");
    const env: Record<string, string> = {};
    if (typescript) env.PULUMI_NODEJS_TYPESCRIPT = "true";
    if (tsconfig) env.PULUMI_NODEJS_TSCONFIG_PATH = tsconfig;
    return { doc: doc as Record<string, unknown>, typescript, tsconfig, nodeargs, env };
}

/** Reads Pulumi.yaml as the CLI and the language host do; a wrongly typed option is refused as they refuse it. */
export function readProjectRuntime(root = ROOT): ProjectRuntime {
    const { doc, typescript, tsconfig, nodeargs, env } = readRuntimeOptions(path.join(root, "Pulumi.yaml"));
    let pwd = root;
    let entryPoint = ".";
    if (typeof doc.main === "string" && doc.main) {
        const main = path.resolve(root, doc.main);
        if (fs.statSync(main).isDirectory()) pwd = main;
        else [pwd, entryPoint] = [path.dirname(main), path.basename(main)];
    }
    return { project: String(doc.name), root, pwd, entryPoint, typescript, tsconfig, nodeargs, env };
}

export interface ProgramRun {
    readonly stack: string;
    readonly mode: RunMode;
    readonly exitCode: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly engine: StandInEngine;
    /** Milliseconds from spawning the process to its last registration, and to its exit. */
    readonly toLastRegistrationMs?: number;
    readonly toExitMs: number;
    /**
     * CPU time (user + system, all threads) the program had used at its last registration, from
     * /proc; undefined where /proc is not available. Unlike wall time it depends little on the
     * load other processes put on a shared machine.
     */
    readonly cpuToLastRegistrationMs?: number;
    /** The command line, for failure messages. */
    readonly argv: string[];
}

export interface RunOptions {
    readonly mode: RunMode;
    /**
     * Kill the program once it has used this much CPU time (ms; default 180 s, against ~5 s a run
     * uses), or lived five times as long: a guard against a program that never ends, which a slow or
     * heavily shared machine does not trip (a 180 s wall-clock limit killed healthy runs at load
     * average 25 on 2 cores). Where /proc is not available, after this long in wall time.
     */
    readonly timeoutMs?: number;
    /** Pulumi.yaml as read by `readProjectRuntime`; defaults to this project's. */
    readonly runtime?: ProjectRuntime;
    /** Config to send instead of the stack file's (a fixture project). */
    readonly config?: { readonly config: Record<string, string>; readonly secretKeys: string[] };
    /** Variables the user's own environment adds (e.g. `TSX_DISABLE_CACHE=1` for a cold-cache start). */
    readonly env?: Record<string, string>;
}

/** CPU time (ms) a live process has used: utime + stime of /proc/<pid>/stat, in clock ticks of 10 ms. */
function cpuMs(pid: number): number | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
        return undefined;
    }
}

/** The CLI's environment minus anything that would steer this run away from what Pulumi.yaml says. */
export function inheritedEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
        if (v === undefined || k.startsWith("PULUMI_") || k === "NODE_OPTIONS" || k.startsWith("TSX_")) continue;
        env[k] = v;
    }
    return env;
}

/** Starts `@pulumi/pulumi/cmd/run` for `stack` exactly as the language host does, against a fresh stand-in engine. */
export async function runProgram(stack: string, options: RunOptions): Promise<ProgramRun> {
    const runtime = options.runtime ?? readProjectRuntime();
    if (!options.config) parseStackName(stack);
    const { config, secretKeys } = options.config ?? readStackConfig(stack);
    const engine = await StandInEngine.start({ project: runtime.project, stack, mode: options.mode, region: config["aws:region"] ?? "us-east-1", disableDefaultProviders: config["pulumi:disable-default-providers"] });
    try {
        const runPath = require.resolve("@pulumi/pulumi/cmd/run", { paths: [runtime.pwd] });
        const args = [
            ...runtime.nodeargs,
            runPath,
            "--monitor", engine.monitorAddress,
            "--engine", engine.engineAddress,
            "--organization", "organization",
            "--project", runtime.project,
            "--root-directory", runtime.root,
            "--stack", stack,
            "--pwd", runtime.pwd,
            ...(options.mode === "preview" ? ["--dry-run"] : []),
            "--parallel", String(os.cpus().length * 4),
            runtime.entryPoint,
        ];
        const wireConfig: Record<string, string> = {};
        for (const [key, value] of Object.entries(config)) {
            const at = key.indexOf(":");
            wireConfig[`${key.slice(0, at)}:config:${key.slice(at + 1)}`] = value;
        }
        const env = { ...inheritedEnv(), PULUMI_CONFIG: JSON.stringify(wireConfig), PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys), ...options.env, ...runtime.env };
        const started = process.hrtime.bigint();
        const child = spawn(process.execPath, args, { cwd: runtime.root, env, stdio: ["ignore", "pipe", "pipe"] });
        let cpuToLastRegistrationMs: number | undefined;
        engine.onRegistration = () => (cpuToLastRegistrationMs = child.pid === undefined ? undefined : (cpuMs(child.pid) ?? cpuToLastRegistrationMs));
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const limitMs = options.timeoutMs ?? 180_000;
        const timer = setInterval(() => {
            const cpu = child.pid === undefined ? undefined : cpuMs(child.pid);
            const wall = Number(process.hrtime.bigint() - started) / 1e6;
            if (wall > (cpu === undefined ? limitMs : 5 * limitMs) || (cpu ?? 0) > limitMs) child.kill("SIGKILL");
        }, 1000);
        const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
            child.on("error", reject);
            child.on("close", (code, sig) => resolve([code, sig]));
        }).finally(() => clearInterval(timer));
        const ms = (t: bigint) => Number(t - started) / 1e6;
        return {
            stack,
            mode: options.mode,
            exitCode,
            signal,
            stdout,
            stderr,
            engine,
            toLastRegistrationMs: engine.lastRegistrationAt === undefined ? undefined : ms(engine.lastRegistrationAt),
            toExitMs: ms(process.hrtime.bigint()),
            cpuToLastRegistrationMs,
            argv: [process.execPath, ...args],
        };
    } finally {
        await engine.close();
    }
}
