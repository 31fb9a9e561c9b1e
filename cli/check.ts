import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Command } from "commander";
import { APP_IDS, ENVS, getRunbook, type AppId, type Runbook } from "../runbooks";
import { provenanceProblems } from "../runbooks/provenance";
import { ARTIFACT_PATHS } from "../capabilities/alerting/artifacts";
import { resolveStack } from "../stacks/settings";
import { planStack } from "./harness/runtime";
import { readStackConfig } from "./harness/stack-files";
import { renderStack } from "./render";

/**
 * `npm run check -- --app <app>`: everything CI would say about one app, at once, in seconds:
 * the runbook data against its schema, every quote against the seed, and for each of the app's
 * three stacks its configuration, the offline plan, the policy pack, the rendered files and
 * promtool/amtool over them. A step that cannot run because an earlier one failed says so; the
 * rest still run, so one pass lists every problem a new team has to fix.
 */

export interface CheckProblem {
    /** `runbook`, `provenance`, `config`, `plan`, `policy`, `render`, `promtool`, `amtool`. */
    readonly step: string;
    /** The stack, for stack steps. */
    readonly stack?: string;
    readonly message: string;
}

export interface CheckResult {
    readonly app: string;
    readonly problems: CheckProblem[];
    /** Steps that did not run, with why. */
    readonly skipped: string[];
    readonly seconds: number;
}

interface ToolRun {
    code: number;
    output: string;
}

function run(cmd: string, args: readonly string[]): Promise<ToolRun> {
    return new Promise((resolve) => {
        execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
            const missing = error && (error as NodeJS.ErrnoException).code === "ENOENT";
            resolve({ code: missing ? 127 : error ? Number(error.code ?? 1) : 0, output: missing ? `${cmd} is not installed (run \`npm run setup\`)` : `${stdout}${stderr}`.trim() });
        });
    });
}

/** The lines of a thrown error after its first, or the message itself: one problem per listed line. */
function listed(e: unknown): string[] {
    const lines = String((e as Error)?.message ?? e).split("\n");
    const items = lines.filter((l) => /^\s+- /.test(l)).map((l) => l.replace(/^\s+- /, ""));
    return items.length ? items : [lines.join(" ")];
}

async function checkStack(app: AppId, env: (typeof ENVS)[number], dir: string, problems: CheckProblem[], skipped: string[]): Promise<void> {
    const stack = `${app}-${env}`;
    const add = (step: string, message: string) => problems.push({ step, stack, message });
    try {
        resolveStack(stack, readStackConfig(stack).config);
    } catch (e) {
        listed(e).forEach((m) => add("config", m));
        skipped.push(`${stack}: plan, policy and render (its configuration is invalid)`);
        return;
    }
    try {
        const plan = await planStack(stack);
        // Loaded only once the runbook is valid: the pack reads every app's runbook as it loads.
        const { runPolicies } = require("../policies/offline") as typeof import("../policies/offline");
        const report = await runPolicies(plan);
        for (const v of report.violations.filter((x) => x.level === "mandatory")) add("policy", `${v.policy}: ${v.message}${v.resourceName ? ` (${v.resourceType} ${v.resourceName})` : ""}`);
    } catch (e) {
        listed(e).forEach((m) => add("plan", m));
    }
    let files: string[] = [];
    try {
        const out = path.join(dir, stack);
        files = renderStack(stack).map((a) => {
            const file = path.join(out, ...a.path.split("/"));
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, a.content);
            return file;
        });
    } catch (e) {
        listed(e).forEach((m) => add("render", m));
        return;
    }
    const at = (p: string) => files.find((f) => f.endsWith(path.join(...p.split("/"))));
    const rules = at(ARTIFACT_PATHS.rules);
    const tests = at(ARTIFACT_PATHS.ruleTests);
    const am = at(ARTIFACT_PATHS.alertmanager);
    const runs = await Promise.all([
        rules ? run("promtool", ["check", "rules", rules]).then((r) => ["promtool", r] as const) : undefined,
        tests ? run("promtool", ["test", "rules", tests]).then((r) => ["promtool", r] as const) : undefined,
        am ? run("amtool", ["check-config", am]).then((r) => ["amtool", r] as const) : undefined,
    ]);
    for (const entry of runs) {
        if (entry && entry[1].code !== 0) add(entry[0], entry[1].output.split("\n").filter((l) => /FAILED|error|Error|not installed|exp:|got:|alertname/.test(l)).slice(0, 20).join("\n") || entry[1].output);
    }
}

export async function checkApp(app: string): Promise<CheckResult> {
    const started = Date.now();
    const problems: CheckProblem[] = [];
    const skipped: string[] = [];
    if (!(APP_IDS as readonly string[]).includes(app)) {
        problems.push({ step: "runbook", message: `"${app}" is not in APP_IDS (runbooks/schema.ts); allowed: ${APP_IDS.join(", ")}; a new app starts with \`npm run new-app -- --id ${app} --seed <file>\`` });
        return { app, problems, skipped, seconds: (Date.now() - started) / 1000 };
    }
    const id = app as AppId;
    let runbook: Runbook | undefined;
    try {
        runbook = getRunbook(id);
    } catch (e) {
        listed(e).forEach((m) => problems.push({ step: "runbook", message: m }));
        skipped.push("provenance and every stack step (the runbook data is invalid)");
    }
    if (runbook) {
        for (const p of provenanceProblems(runbook)) problems.push({ step: "provenance", message: `${p.path}: ${p.message}` });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `check-${app}-`));
        try {
            // One after another: the SDK's mock runtime is process-global.
            for (const env of ENVS) await checkStack(id, env, dir, problems, skipped);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
    return { app, problems, skipped, seconds: (Date.now() - started) / 1000 };
}

export function renderCheck(r: CheckResult): string {
    const lines = [`check ${r.app}: ${r.problems.length === 0 ? "clean" : `${r.problems.length} problem${r.problems.length === 1 ? "" : "s"}`} in ${r.seconds.toFixed(1)} s`];
    const steps = [...new Set(r.problems.map((p) => `${p.step}${p.stack ? ` ${p.stack}` : ""}`))];
    for (const s of steps) {
        lines.push(`\n${s}:`);
        for (const p of r.problems.filter((x) => `${x.step}${x.stack ? ` ${x.stack}` : ""}` === s)) lines.push(`  - ${p.message.replace(/\n/g, "\n    ")}`);
    }
    for (const s of r.skipped) lines.push(`skipped: ${s}`);
    return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
    const opts = new Command("check")
        .description("Check one app end to end (runbook schema, quotes, three stacks' config, plan, policy, render, promtool, amtool) and list every problem")
        .requiredOption("--app <app>", `the app id (${APP_IDS.join(", ")})`)
        .option("--json", "print only JSON on stdout")
        .parse(argv)
        .opts<{ app: string; json?: boolean }>();
    const result = await checkApp(opts.app);
    console.log(opts.json ? JSON.stringify(result, null, 2) : renderCheck(result));
    return result.problems.length ? 1 : 0;
}

if (require.main === module) {
    main(process.argv).then(
        (code) => (process.exitCode = code),
        (e: Error) => {
            console.error(`check: ${e.message}`);
            process.exitCode = 2;
        },
    );
}
