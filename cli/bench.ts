import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Command } from "commander";
import { allStacks, parseStackName } from "../stacks/settings";
import { readProjectRuntime, runProgram } from "./harness/engine/launcher";
import { timePackStart } from "./harness/engine/pack-launcher";
import { planStack } from "./harness/runtime";

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
        .parse(argv)
        .opts<{ runs: string; startupOnly?: boolean }>();
    const runs = Math.max(1, Number(opts.runs));
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

main(process.argv).catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
});
