/**
 * How the pack's time grows with the number of services: gravitypm-production with its services
 * copied N times (`api-1`, `frontend-1`, …) in the program's runbook and in the baseline the pack
 * reads, planned once per N, then checked. Prints resources, check time and the fitted exponent.
 * Not a test (it takes minutes): `npx tsx test/policies/measure-scale.ts 2 10 50 [200]`.
 */
import { planStack } from "../../cli/harness/runtime";
import { execFileSync } from "child_process";
import * as fs from "fs";
import YAML from "yaml";
import { getRunbook, type Runbook } from "../../runbooks";
import { STACKS_DIR } from "../../policies/lib/context";
import { runPolicies } from "../../policies/offline";

const STACK = "gravitypm-production";

function widen(services: Runbook["services"], n: number): Runbook["services"] {
    const base = services.slice(0, 2);
    return Array.from({ length: n }, (_, i) => {
        const s = structuredClone(base[i % base.length]);
        return i < base.length ? s : { ...s, name: `${s.name}-copy${Math.floor(i / base.length)}` };
    });
}

/** One N in this process (the baseline runbook is widened before any index of it is built). */
async function one(n: number): Promise<void> {
    const baseline = getRunbook("gravitypm");
    const services = widen([...baseline.services], n);
    // The baseline runbook object is frozen shallowly: widening its services list widens the pack's view too.
    (baseline.services as Runbook["services"]).splice(0, baseline.services.length, ...services);
    const file = YAML.parse(fs.readFileSync(`${STACKS_DIR}/Pulumi.${STACK}.yaml`, "utf8"));
    const images = file.config["runbook-platform:images"];
    for (const s of services) images[s.name] ??= images[s.name.replace(/-copy\d+$/, "")];
    const stackFileText = YAML.stringify(file);
    const plan = await planStack(STACK, { stackFileText, mutate: (ctx) => ({ ...ctx, runbook: { ...ctx.runbook, services: structuredClone(services) } }) });
    await runPolicies(plan, { stackFileText }); // warm
    const t0 = process.hrtime.bigint();
    const report = await runPolicies(plan, { stackFileText });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    process.stdout.write(JSON.stringify({ n, resources: plan.resources.length, seconds, mandatory: report.mandatory }) + "\n");
}

function main(ns: number[]): void {
    const rows = ns.map((n) => {
        const out = execFileSync(process.execPath, [...process.execArgv, __filename, "--one", String(n)], { encoding: "utf8", maxBuffer: 1 << 26 });
        const row = JSON.parse(out.trim().split("\n").pop()!) as { n: number; resources: number; seconds: number; mandatory: number };
        console.log(`N=${row.n}: ${row.resources} resources, policy check ${row.seconds.toFixed(2)} s, ${row.mandatory} mandatory`);
        return row;
    });
    if (rows.length > 1) {
        const xs = rows.map((r) => Math.log(r.resources));
        const ys = rows.map((r) => Math.log(r.seconds));
        const mx = xs.reduce((a, b) => a + b) / xs.length;
        const my = ys.reduce((a, b) => a + b) / ys.length;
        const slope = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
        console.log(`fitted exponent (time ~ resources^k): k = ${slope.toFixed(2)}`);
    }
}

const args = process.argv.slice(2);
if (args[0] === "--one") {
    one(Number(args[1])).catch((e) => {
        console.error(e);
        process.exit(1);
    });
} else main(args.map(Number).filter((n) => n > 0));
