import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Command } from "commander";
import { allStacks, parseStackName } from "../stacks/settings";
import { readProjectRuntime, runProgram } from "./harness/engine/launcher";
import { timePackStart } from "./harness/engine/pack-launcher";
import { planStack } from "./harness/runtime";
import { readStackConfig } from "./harness/stack-files";
import { planSynthetic, SYNTHETIC_BASE_APP, syntheticContext } from "./harness/synthetic";
import { placeholderReceivers } from "./render";
import { renderArtifacts } from "../capabilities/alerting/artifacts";
import { ENVS, getRunbook, type Env } from "../runbooks";
import { resolveStack } from "../stacks/settings";
import { runPolicies } from "../policies/offline";

/**
 * `npm run bench`: how long the offline plan of every stack takes, as the user runs it (a fresh
 * process, module loading included) and inside one process (cold first pass, then warm passes).
 * Prints figures; the target is every stack in under 10 s on a 2-core machine.
 *
 * Then the start-up under the real entry points: the largest production stack through
 * `@pulumi/pulumi/cmd/run`, launched as the Pulumi CLI's language host launches it with
 * Pulumi.yaml's runtime options, against the stand-in engine: time from spawning the process to
 * its last resource registration (target: under 3 s), with the CPU time it used (which, unlike wall
 * time, depends little on what else runs on a shared machine); and the policy pack under
 * `cmd/run-policy-pack` until it prints its port.
 *
 * `--scale`: the synthetic app (cli/harness/synthetic.ts, gravitypm with N services) at each of
 * `--sizes`, each N in a fresh process (so its peak memory is its own): the plan, the whole policy
 * pack over it, and the render of its files, timed; then the fitted exponent of each step in N
 * between successive sizes and over all of them (least squares on log-log). Linear is 1.
 */

const ROOT = path.resolve(__dirname, "..");

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

async function main(argv: string[]) {
    const opts = new Command("bench")
        .option("-r, --runs <n>", "repetitions of each measurement", "3")
        .option("--startup-only", "only the real-entry-point start-up figures")
        .option("--scale", `only the scale run: the synthetic app (${SYNTHETIC_BASE_APP} with N services) planned, checked and rendered at each size`)
        .option("--sizes <list>", "the scale run's service counts, comma-separated", "10,50,200")
        .option("--env <env>", `the scale run's environment (${ENVS.join(", ")})`, "production")
        .option("--scale-one <n>", "(internal) one size of the scale run in this process, as JSON")
        .parse(argv)
        .opts<{ runs: string; startupOnly?: boolean; scale?: boolean; sizes: string; env: string; scaleOne?: string }>();
    const runs = Math.max(1, Number(opts.runs));
    if (opts.scale || opts.scaleOne !== undefined) {
        if (!(ENVS as readonly string[]).includes(opts.env)) throw new Error(`--env ${JSON.stringify(opts.env)}: allowed: ${ENVS.join(", ")}`);
        const env = opts.env as Env;
        if (opts.scaleOne !== undefined) return scaleOne(serviceCount(opts.scaleOne, "--scale-one"), env, runs);
        const sizes = opts.sizes.split(",").map((s) => serviceCount(s.trim(), "--sizes"));
        if (sizes.length < 2 || sizes.some((n, i) => i > 0 && n <= sizes[i - 1])) throw new Error(`--sizes ${JSON.stringify(opts.sizes)}: allowed: at least two increasing service counts, e.g. 10,50,200`);
        return scale(sizes, env, runs);
    }
    const stacks = allStacks();

    const sizes = new Map<string, number>();
    if (!opts.startupOnly) {
        const freshProcess = (env: NodeJS.ProcessEnv): number => {
            const started = process.hrtime.bigint();
            execFileSync(process.execPath, ["--import=tsx", "cli/plan.ts", "--all", "--json"], { cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"], maxBuffer: 1 << 30 });
            return Number(process.hrtime.bigint() - started) / 1e6;
        };
        const quiet = { ...process.env, RUNBOOK_PLAN_TRACES: "0" };
        const processTimes = Array.from({ length: runs }, () => freshProcess(quiet));
        // The same run with the SDK's per-promise stack traces and source-mapped frames left on.
        const tracedTime = freshProcess({ ...process.env, RUNBOOK_PLAN_TRACES: "1" });

        const passes: { total: number; perStack: Map<string, number>; perStackResources: Map<string, number>; resources: number }[] = [];
        for (let i = 0; i < runs + 1; i++) {
            const perStack = new Map<string, number>();
            const perStackResources = new Map<string, number>();
            let resources = 0;
            const started = process.hrtime.bigint();
            for (const stack of stacks) {
                const t0 = process.hrtime.bigint();
                const n = (await planStack(stack)).resources.length;
                perStackResources.set(stack, n);
                resources += n;
                perStack.set(stack, Number(process.hrtime.bigint() - t0) / 1e6);
            }
            passes.push({ total: Number(process.hrtime.bigint() - started) / 1e6, perStack, perStackResources, resources });
        }
        const [cold, ...warm] = passes;

        console.log(`offline plan benchmark (${stacks.length} stacks, ${cold.resources} resources, node ${process.version}, ${runs} runs)`);
        console.log(`  npm run plan -- --all (fresh process, median): ${median(processTimes).toFixed(0)} ms  [${processTimes.map((t) => t.toFixed(0)).join(", ")}]`);
        console.log(`  same, with full stack traces (RUNBOOK_PLAN_TRACES=1): ${tracedTime.toFixed(0)} ms`);
        console.log(`  in-process, cold pass:                          ${cold.total.toFixed(0)} ms`);
        console.log(`  in-process, warm pass (median):                 ${median(warm.map((p) => p.total)).toFixed(0)} ms`);
        console.log("  per stack, warm median (ms):");
        for (const stack of stacks) {
            console.log(`    ${stack.padEnd(34)} ${median(warm.map((p) => p.perStack.get(stack)!)).toFixed(1).padStart(8)}`);
        }
        const target = 10_000;
        console.log(`  target: ${target} ms for all stacks in a fresh process — ${median(processTimes) < target ? "met" : "NOT met"}`);
        for (const stack of stacks) sizes.set(stack, passes[0].perStackResources.get(stack)!);
    }
    await startup(runs, sizes);
}

/** The real entry points' start-up: the program under cmd/run, the pack under cmd/run-policy-pack. */
async function startup(runs: number, sizes: Map<string, number>) {
    const production = allStacks().filter((s) => parseStackName(s).env === "production");
    if (!sizes.size) for (const stack of production) sizes.set(stack, (await planStack(stack)).resources.length);
    const largest = production.reduce((a, b) => ((sizes.get(b) ?? 0) > (sizes.get(a) ?? 0) ? b : a));
    const runtime = readProjectRuntime();
    console.log(`real entry point: ${largest} (${sizes.get(largest)} resources) through @pulumi/pulumi/cmd/run as the language host starts it`);
    console.log(`  Pulumi.yaml runtime: typescript ${runtime.typescript}, nodeargs ${JSON.stringify(runtime.nodeargs.join(" "))}, node ${process.version}, ${runs} runs`);
    for (const mode of ["update", "preview"] as const) {
        const wall: number[] = [];
        const cpu: number[] = [];
        for (let i = 0; i < runs; i++) {
            const r = await runProgram(largest, { mode, runtime });
            if (r.exitCode !== 0 || r.toLastRegistrationMs === undefined) throw new Error(`${largest} ${mode}: cmd/run exited ${r.exitCode}\n${r.stderr.trim().split("\n").slice(-20).join("\n")}`);
            wall.push(r.toLastRegistrationMs);
            if (r.cpuToLastRegistrationMs !== undefined) cpu.push(r.cpuToLastRegistrationMs);
        }
        const cpuText = cpu.length ? `, CPU ${median(cpu).toFixed(0)} ms [${cpu.map((t) => t.toFixed(0)).join(", ")}]` : "";
        console.log(`  ${mode.padEnd(7)} process start → last registration (median): ${median(wall).toFixed(0)} ms [${wall.map((t) => t.toFixed(0)).join(", ")}]${cpuText}`);
        if (mode === "update") console.log(`  target: under 3000 ms — ${median(wall) < 3000 ? "met" : "NOT met"} (wall time; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`);
    }
    // Both compilers cache their output on disk (tsx in the OS temp dir, ts-node 7 in TS_NODE_CACHE_DIRECTORY):
    // the first start after a change pays for compiling; later starts read the cache.
    const cold = await runProgram(largest, { mode: "update", runtime, env: { TSX_DISABLE_CACHE: "1" } });
    console.log(`  update, compile cache off (TSX_DISABLE_CACHE=1): ${cold.toLastRegistrationMs?.toFixed(0)} ms, CPU ${cold.cpuToLastRegistrationMs ?? "?"} ms`);
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-ts-node-"));
    try {
        for (const label of ["cold ts-node cache", "warm ts-node cache"]) {
            const pack = await timePackStart(largest, { TS_NODE_CACHE_DIRECTORY: cacheDir });
            console.log(`policy pack (${label}): cmd/run-policy-pack in policies/ as the language host starts it, process start → port printed: ${pack.port ? `${pack.toPortMs.toFixed(0)} ms` : `no port after ${pack.toPortMs.toFixed(0)} ms\n${pack.stderr.trim().split("\n").slice(-10).join("\n")}`}`);
        }
    } finally {
        fs.rmSync(cacheDir, { recursive: true, force: true });
    }
}

function serviceCount(text: string, flag: string): number {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} ${JSON.stringify(text)}: allowed: whole numbers of services, at least 1`);
    return n;
}

export interface ScaleFigures {
    readonly services: number;
    readonly env: Env;
    readonly resources: number;
    readonly planMs: number;
    readonly policyMs: number;
    readonly renderMs: number;
    /** CPU time (user + system) of each step, ms. */
    readonly planCpuMs: number;
    readonly policyCpuMs: number;
    readonly renderCpuMs: number;
    /** Files the render wrote, and their bytes. */
    readonly renderFiles: number;
    readonly renderBytes: number;
    readonly mandatory: number;
    /** The quotas the pack's quota policy finds exceeded. */
    readonly quotas: string[];
    /** Peak resident memory of the process that measured this size, MB. */
    readonly peakRssMB: number;
}

const QUOTA_POLICY = "platform-quota-default-limits";

const STEPS = [
    ["plan", "planMs"],
    ["policy", "policyMs"],
    ["render", "renderMs"],
    ["plan cpu", "planCpuMs"],
    ["policy cpu", "policyCpuMs"],
    ["render cpu", "renderCpuMs"],
] as const;

/**
 * One size of the scale run, in this process: printed as one line of JSON for the parent. The plan
 * and the check are timed once (the plan is most of the run, and a second plan in one process is not
 * what a user runs); the render, a few hundred ms, is timed `runs` times and its median kept: a single
 * render's time moves by a third with the JIT's and the GC's timing, enough to move its exponent by 0.2.
 */
async function scaleOne(n: number, env: Env, runs: number): Promise<void> {
    const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
    // Untimed warm-up on the base app's own stack: module loading and the first compile are not the size's cost.
    // The pack's warm-up comes after the timed plan, as `npm run policy` plans a stack before it checks it: the
    // pack's AsyncLocalStorage (policies/lib/context.ts) turns on node's promise hooks for the rest of the
    // process, and a plan made under them pays a hook call and two fields on each of its promises (3.5 % of the
    // 200-service plan's samples, before its GC).
    const stack = `${SYNTHETIC_BASE_APP}-${env}`;
    const base = await planStack(stack);
    // CPU time beside wall time: on a shared machine it depends far less on the other processes.
    const cpu = (c0: NodeJS.CpuUsage) => {
        const d = process.cpuUsage(c0);
        return (d.user + d.system) / 1000;
    };
    // The plan and the check in a scope of their own: the render (which, like `npm run render`, reads the
    // runbook, not a plan) is timed with the plan and the report released, not with them still on the heap.
    const checked = await (async () => {
        let t0 = process.hrtime.bigint();
        let c0 = process.cpuUsage();
        const plan = await planSynthetic(n, env);
        const planMs = ms(t0);
        const planCpuMs = cpu(c0);
        await runPolicies(base);
        t0 = process.hrtime.bigint();
        c0 = process.cpuUsage();
        const report = await runPolicies(plan);
        return {
            resources: plan.resources.length,
            planMs,
            planCpuMs,
            policyMs: ms(t0),
            policyCpuMs: cpu(c0),
            mandatory: report.mandatory,
            quotas: [...new Set(report.violations.filter((v) => v.policy === QUOTA_POLICY).map((v) => /the quota ([a-z0-9-]+)/.exec(v.message)?.[1] ?? "listener-rule-priority"))],
        };
    })();
    const render = (services: number) => {
        const context = syntheticContext(services)(resolveStack(stack, readStackConfig(stack).config));
        return renderArtifacts(context.runbook, env, context.target, placeholderReceivers(context.runbook, context.target, context.settings.alerting?.smtp, { env, region: context.region ?? context.runbook.aws.region }));
    };
    // Untimed, as the plan's: the render's modules and first compile are not the size's cost.
    render(getRunbook(SYNTHETIC_BASE_APP).services.length);
    const renders = Array.from({ length: runs }, () => {
        const t0 = process.hrtime.bigint();
        const c0 = process.cpuUsage();
        const files = render(n);
        return { files, wallMs: ms(t0), cpuMs: cpu(c0) };
    });
    const files = renders[0].files;
    const renderMs = median(renders.map((r) => r.wallMs));
    const renderCpuMs = median(renders.map((r) => r.cpuMs));
    const figures: ScaleFigures = {
        services: n,
        env,
        resources: checked.resources,
        planMs: checked.planMs,
        policyMs: checked.policyMs,
        renderMs,
        planCpuMs: checked.planCpuMs,
        policyCpuMs: checked.policyCpuMs,
        renderCpuMs,
        renderFiles: files.length,
        renderBytes: files.reduce((sum, f) => sum + Buffer.byteLength(f.content), 0),
        mandatory: checked.mandatory,
        quotas: checked.quotas,
        // maxRSS is in kilobytes.
        peakRssMB: process.resourceUsage().maxRSS / 1024,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
}

/** The exponent k of t = c·n^k through two points, or fitted by least squares over all of them. */
export function fittedExponent(points: readonly (readonly [number, number])[]): number {
    const xs = points.map(([n]) => Math.log(n));
    const ys = points.map(([, t]) => Math.log(Math.max(t, 1e-3)));
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    return xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / sxx;
}

/** The scale run: each size in a fresh process, then the figures and the fitted exponents. */
async function scale(sizes: readonly number[], env: Env, runs: number): Promise<void> {
    const rows: ScaleFigures[] = [];
    for (const n of sizes) {
        const out = execFileSync(process.execPath, ["--import=tsx", "cli/bench.ts", "--scale-one", String(n), "--env", env, "--runs", String(runs)], {
            cwd: ROOT,
            env: { ...process.env, RUNBOOK_PLAN_TRACES: "0" },
            stdio: ["ignore", "pipe", "inherit"],
            maxBuffer: 1 << 26,
        });
        rows.push(JSON.parse(out.toString().trim().split("\n").pop()!) as ScaleFigures);
    }
    console.log(`scale run: synthetic ${SYNTHETIC_BASE_APP}-${env} with N services, each N in a fresh process, render median of ${runs} (node ${process.version}, load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`);
    console.log(`  ${"N".padStart(5)} ${"resources".padStart(9)} ${"plan ms".padStart(9)} ${"policy ms".padStart(9)} ${"render ms".padStart(9)} ${"CPU ms: plan/policy/render".padStart(26)} ${"files".padStart(6)} ${"render KB".padStart(9)} ${"peak MB".padStart(8)} ${"mandatory".padStart(9)}`);
    for (const r of rows) {
        console.log(
            `  ${String(r.services).padStart(5)} ${String(r.resources).padStart(9)} ${r.planMs.toFixed(0).padStart(9)} ${r.policyMs.toFixed(0).padStart(9)} ${r.renderMs.toFixed(0).padStart(9)} ${[r.planCpuMs, r.policyCpuMs, r.renderCpuMs].map((x) => x.toFixed(0)).join("/").padStart(26)} ${String(r.renderFiles).padStart(6)} ${(r.renderBytes / 1024).toFixed(0).padStart(9)} ${r.peakRssMB.toFixed(0).padStart(8)} ${String(r.mandatory).padStart(9)}`,
        );
    }
    console.log("  fitted exponent in N (time = c·N^k; 1 is linear):");
    for (const [step, key] of STEPS) {
        const pairs = rows.slice(1).map((r, i) => `${rows[i].services}→${r.services}: ${fittedExponent([[rows[i].services, rows[i][key]], [r.services, r[key]]]).toFixed(2)}`);
        console.log(`    ${step.padEnd(10)} ${pairs.join(", ")}; all sizes: ${fittedExponent(rows.map((r) => [r.services, r[key]] as const)).toFixed(2)}`);
    }
    const memory = rows.slice(1).map((r, i) => `${rows[i].services}→${r.services}: ${fittedExponent([[rows[i].services, rows[i].peakRssMB], [r.services, r.peakRssMB]]).toFixed(2)}`);
    console.log(`    ${"memory".padEnd(10)} ${memory.join(", ")} (peak RSS, module loading included)`);
    for (const r of rows) console.log(`  N=${r.services}: ${r.quotas.length ? `over ${r.quotas.join(", ")} (${QUOTA_POLICY})` : "within every quota the pack counts"}`);
    const largest = rows[rows.length - 1];
    // Wall time is what a user waits; CPU time (user + system, GC threads included) is what a shared machine's load does not inflate.
    const wall = largest.planMs + largest.policyMs;
    const cpuTime = largest.planCpuMs + largest.policyCpuMs;
    const verdict = (ms: number) => `${ms.toFixed(0)} ms, ${ms < 15_000 ? "met" : "NOT met"}`;
    console.log(`  target: ${largest.services} services planned and checked in under 15000 ms — wall ${verdict(wall)}; CPU ${verdict(cpuTime)} (load average ${os.loadavg()[0].toFixed(1)})`);
}

main(process.argv).catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
});
