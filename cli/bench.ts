import { execFileSync } from "child_process";
import * as path from "path";
import { Command } from "commander";
import { allStacks } from "../stacks/settings";
import { planStack } from "./harness/runtime";

/**
 * `npm run bench`: how long the offline plan of all 15 stacks takes, as the user runs it (a fresh
 * process, module loading included) and inside one process (cold first pass, then warm passes).
 * Prints figures; the target is all 15 stacks in under 10 s on a 2-core machine.
 */

const ROOT = path.resolve(__dirname, "..");

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

async function main(argv: string[]) {
    const opts = new Command("bench").option("-r, --runs <n>", "repetitions of each measurement", "3").parse(argv).opts<{ runs: string }>();
    const runs = Math.max(1, Number(opts.runs));
    const stacks = allStacks();

    const freshProcess = (env: NodeJS.ProcessEnv): number => {
        const started = process.hrtime.bigint();
        execFileSync(process.execPath, ["--import=tsx", "cli/plan.ts", "--all", "--json"], { cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"], maxBuffer: 1 << 30 });
        return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const quiet = { ...process.env, RUNBOOK_PLAN_TRACES: "0" };
    const processTimes = Array.from({ length: runs }, () => freshProcess(quiet));
    // The same run with the SDK's per-promise stack traces and source-mapped frames left on.
    const tracedTime = freshProcess({ ...process.env, RUNBOOK_PLAN_TRACES: "1" });

    const passes: { total: number; perStack: Map<string, number>; resources: number }[] = [];
    for (let i = 0; i < runs + 1; i++) {
        const perStack = new Map<string, number>();
        let resources = 0;
        const started = process.hrtime.bigint();
        for (const stack of stacks) {
            const t0 = process.hrtime.bigint();
            resources += (await planStack(stack)).resources.length;
            perStack.set(stack, Number(process.hrtime.bigint() - t0) / 1e6);
        }
        passes.push({ total: Number(process.hrtime.bigint() - started) / 1e6, perStack, resources });
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
}

main(process.argv).catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
});
