import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PlannedResource, StackPlan } from "../../../cli/harness/runtime";
import { APP_IDS, type AppId } from "../../../runbooks";

/** Shared by the docker target's tests: reading a planned container, real processes, temp dirs. */

export const REPO = path.resolve(__dirname, "../../..");
export const APPS: readonly AppId[] = APP_IDS;
export const localStack = (app: AppId) => `${app}-local`;

export const T = {
    container: "docker:index/container:Container",
    volume: "docker:index/volume:Volume",
    image: "docker:index/remoteImage:RemoteImage",
    network: "docker:index/network:Network",
    provider: "pulumi:providers:docker",
    password: "random:index/randomPassword:RandomPassword",
} as const;

export function ofType(plan: StackPlan, type: string): PlannedResource[] {
    return plan.resources.filter((r) => r.type === type);
}

export function labelOf(r: PlannedResource, name: string): string | undefined {
    return (r.props.labels as { label: string; value: string }[] | undefined)?.find((l) => l.label === name)?.value;
}

/** A container's environment as the engine gets it (secrets unwrapped). */
export function envOf(r: PlannedResource): Record<string, string> {
    const env: Record<string, string> = {};
    for (const entry of (r.props.envs as string[] | undefined) ?? []) {
        const i = entry.indexOf("=");
        env[entry.slice(0, i)] = entry.slice(i + 1);
    }
    return env;
}

/** Names of the environment variables whose value the plan holds as a secret. */
export function secretEnvNames(r: PlannedResource): string[] {
    const envs = (r.props.envs as string[] | undefined) ?? [];
    return envs.flatMap((entry, i) => (r.secretPaths.includes(`envs[${i}]`) ? [entry.slice(0, entry.indexOf("="))] : []));
}

export function uploadsOf(r: PlannedResource): Map<string, { content: string; permissions?: string; owner?: string }> {
    const list = (r.props.uploads as { file: string; content: string; permissions?: string; owner?: string }[] | undefined) ?? [];
    return new Map(list.map((u) => [u.file, u]));
}

export function containersOf(plan: StackPlan, component: string): PlannedResource[] {
    return ofType(plan, T.container).filter((c) => labelOf(c, "component") === component);
}

export function byHost(plan: StackPlan, host: string): PlannedResource {
    const found = ofType(plan, T.container).find((c) => c.props.hostname === host);
    if (!found) throw new Error(`${plan.stack}: no container with hostname ${host}`);
    return found;
}

/** The Volume resources mounted into a container, with their mount paths. */
export function mountedVolumes(plan: StackPlan, r: PlannedResource): { volume: PlannedResource; path: string }[] {
    const mounts = (r.props.volumes as { volumeName?: string; containerPath: string }[] | undefined) ?? [];
    return mounts.flatMap((m) => {
        const volume = ofType(plan, T.volume).find((v) => v.props.name === m.volumeName);
        return volume ? [{ volume, path: m.containerPath }] : [];
    });
}

/** The RemoteImage a container runs: the one it depends on. */
export function imageOf(plan: StackPlan, r: PlannedResource): PlannedResource[] {
    return ofType(plan, T.image).filter((i) => r.options.dependsOn.includes(i.urn));
}

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), `docker-target-${prefix}-`));
}

export interface RunResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

export function run(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        const timer = opts.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs) : undefined;
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        // A process that exits before reading its input is not an error here; its exit code says what happened.
        child.stdin.on("error", () => undefined);
        child.on("close", (code, signal) => {
            if (timer) clearTimeout(timer);
            resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
        });
        child.stdin.end(opts.input ?? "");
    });
}

export { freePort } from "../../operations/helpers";

/** Every string in a value, with its dotted path (`envs[3]`, `uploads[0].content`). */
export function strings(value: unknown, at = ""): { path: string; value: string }[] {
    if (typeof value === "string") return [{ path: at, value }];
    if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
    if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => strings(v, at ? `${at}.${k}` : k));
    return [];
}
