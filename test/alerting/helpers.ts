import { execFile, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { APP_IDS, ENVS, getRunbook, type AppId, type Env, type Runbook } from "../../runbooks";
import type { Receivers } from "../../capabilities/alerting/routing";
import { DEFAULT_TARGET, type Target } from "../../capabilities/targets";
import { freePort } from "../operations/helpers";

export interface Combo {
    readonly app: AppId;
    readonly env: Env;
    readonly target: Target;
    readonly runbook: Runbook;
    readonly stack: string;
}

/**
 * `ALERTING_APPS=<app>[,<app>]` narrows the per-stack suites to those apps: an edit to one runbook
 * feeds only its own app's rules and tests (the first-hour walkthrough runs the suites its number
 * feeds that way). Unset: every app.
 */
function onlyApps(): readonly AppId[] | undefined {
    const raw = process.env.ALERTING_APPS;
    if (raw === undefined || raw.trim() === "") return undefined;
    const ids = raw.split(",").map((s) => s.trim()).filter(Boolean);
    for (const id of ids) if (!(APP_IDS as readonly string[]).includes(id)) throw new Error(`ALERTING_APPS: "${id}" is not an app id; allowed: ${APP_IDS.join(", ")}`);
    return ids as AppId[];
}
const ONLY = onlyApps();

/** Every app's stacks (APP_IDS × ENVS, or the apps ALERTING_APPS names) with their default targets. */
export const COMBOS: readonly Combo[] = APP_IDS.filter((app) => !ONLY || ONLY.includes(app)).flatMap((app) =>
    ENVS.map((env) => ({ app, env, target: DEFAULT_TARGET[env], runbook: getRunbook(app), stack: `${app}-${env}` })),
);

export interface ToolResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs a tool and reports its exit code instead of throwing on a non-zero one. */
export function tool(cmd: string, args: readonly string[], cwd?: string): Promise<ToolResult> {
    return new Promise((resolve, reject) => {
        execFile(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (error && typeof error.code !== "number") return reject(error);
            resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
        });
    });
}

const made: string[] = [];

export function tempDir(name: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `alerting-${name}-`));
    made.push(dir);
    return dir;
}

/** For `test.after.always`: removes the directories this worker made. */
export function removeTempDirs(): void {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function write(file: string, content: string): string {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return file;
}

/** Test fixtures for receiver inputs: reserved `.invalid` hosts, account 000000000000. */
export function fixtureReceivers(runbook: Runbook, target: Target): Receivers {
    if (target === "aws") {
        const arn = (t: string) => `arn:aws:sns:${runbook.aws.region}:000000000000:test-${t}`;
        return { kind: "sns", region: runbook.aws.region, topicArns: { critical: arn("critical"), warning: arn("warning"), info: arn("info") }, deadMansSwitchTopicArn: arn("dms") };
    }
    return {
        kind: "direct",
        pagerdutyRoutingKey: "test-routing-key",
        slackWebhookUrl: "https://hooks.slack.invalid/test",
        deadMansSwitchUrl: "https://dms.invalid/test",
        smtp: { smarthost: "smtp.invalid:587", from: "test@alerts.invalid" },
    };
}

const PROMQL_KEYWORDS = new Set(["and", "or", "unless", "bool", "offset"]);

/**
 * Metric names a PromQL expression reads, found without the generator's help: strings, ranges,
 * numbers, label matchers and grouping clauses are removed, and names followed by `(` are functions.
 */
export function metricNames(promql: string): string[] {
    const bare = promql
        .replace(/"(?:[^"\\]|\\.)*"/g, '""')
        .replace(/\[[^\]]*\]/g, "")
        .replace(/\{[^}]*\}/g, "")
        // A selector's offset (the bridge: rules.ts conditionExpr) is no metric.
        .replace(/\boffset\s+\d+[smhdwy]\b/g, " ")
        .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*(\([^)]*\))?/g, " ")
        .replace(/(^|[^a-zA-Z0-9_:])\d+(\.\d+)?(e[+-]?\d+)?/g, "$1");
    const names = new Set<string>();
    for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
        const rest = bare.slice((m.index ?? 0) + m[0].length).trimStart();
        if (rest.startsWith("(") || PROMQL_KEYWORDS.has(m[0])) continue;
        names.add(m[0]);
    }
    return [...names];
}

/** Durations as Alertmanager and Prometheus write them: `90s`, `7m`, `2h`. */
export function seconds(d: string): number {
    const m = /^(\d+)(s|m|h|d)$/.exec(d);
    if (!m) throw new Error(`not a duration: ${d}`);
    return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as "s" | "m" | "h" | "d"];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A real Alertmanager on a free loopback port with `config`, its storage in `dir`, reachable once
 * `/api/v2/status` answers. `stop` waits for the process to exit: Alertmanager writes its silence
 * and notification-log snapshots into `dir` as it shuts down, so a directory removed before that
 * races the write (ENOTEMPTY in removeTempDirs).
 */
export async function startAlertmanager(config: string, dir: string): Promise<{ base: string; stop: () => Promise<void> }> {
    const port = await freePort();
    const am = spawn("prometheus-alertmanager", [`--config.file=${config}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="], { stdio: "ignore" });
    const exited = new Promise<void>((resolve) => am.once("exit", () => resolve()));
    const base = `http://127.0.0.1:${port}/api/v2`;
    for (let i = 0; i < 100 && am.exitCode === null && !(await fetch(`${base}/status`).then((r) => r.ok, () => false)); i++) await sleep(100);
    return {
        base,
        stop: async () => {
            if (am.exitCode === null && am.signalCode === null) am.kill();
            await exited;
        },
    };
}
