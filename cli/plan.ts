import { Command } from "commander";
import { APP_IDS, ENVS } from "../runbooks";
import { allStacks } from "../stacks/settings";
import { planStack, type PlannedResource, type StackPlan } from "./harness/runtime";

/**
 * `npm run plan -- --stack <stack>` / `--all` [--json]: the program `pulumi up` runs, offline,
 * through the SDK's mock runtime; prints the resource tree with counts per type.
 */

export function selectStacks(opts: { stack?: string[]; all?: boolean }): string[] {
    if (opts.all) return allStacks();
    if (!opts.stack?.length) throw new Error(`name a stack with --stack <app>-<env>, or use --all; stacks: ${allStacks().join(", ")}`);
    return opts.stack;
}

/** A readable tree: children under their parent, inputs left out (they are in --json). */
export function renderTree(plan: StackPlan): string {
    const children = new Map<string | undefined, PlannedResource[]>();
    for (const r of plan.resources) {
        const key = r.parent && plan.resources.some((p) => p.urn === r.parent) ? r.parent : undefined;
        children.set(key, [...(children.get(key) ?? []), r]);
    }
    const lines: string[] = [];
    const walk = (parent: string | undefined, depth: number) => {
        for (const r of children.get(parent) ?? []) {
            const flags = [r.options.protect && "protected", r.options.retainOnDelete && "retain-on-delete", r.secretPaths.length && `secrets: ${r.secretPaths.join(", ")}`].filter(Boolean);
            lines.push(`${"  ".repeat(depth)}${r.custom ? "+" : "□"} ${r.type} ${r.name}${flags.length ? `  [${flags.join("; ")}]` : ""}`);
            walk(r.urn, depth + 1);
        }
    };
    walk(undefined, 0);
    const counts = new Map<string, number>();
    for (const r of plan.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const table = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t, n]) => `  ${String(n).padStart(4)}  ${t}`);
    const notes = plan.assumedSecrets.length ? [`note: offline run assumed operator secrets ${plan.assumedSecrets.join(", ")} are set (shown as [secret])`] : [];
    return [`stack ${plan.stack} (app ${plan.app}, env ${plan.env}, target ${plan.target}): ${plan.resources.length} resources`, ...lines, "", "resources per type:", ...table, ...notes].join("\n");
}

/** The JSON contract CI and reviewers read: secrets shown as `[secret]`, never their values. */
export function toJson(plans: StackPlan[]) {
    return {
        stacks: plans.map((p) => ({
            stack: p.stack,
            app: p.app,
            env: p.env,
            target: p.target,
            assumedSecrets: p.assumedSecrets,
            resources: p.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, parent: r.parent ?? null, custom: r.custom, inputs: r.inputs, secretPaths: r.secretPaths, options: r.options })),
        })),
    };
}

async function main(argv: string[]): Promise<number> {
    const cmd = new Command("plan")
        .description("Run the Pulumi program offline through the SDK's mock runtime and show what it registers")
        .option("-s, --stack <stack...>", "stack(s) to plan, <app>-<env>")
        .option("-a, --all", `plan all ${allStacks().length} stacks (${APP_IDS.length} apps × ${ENVS.join(", ")})`)
        .option("--json", "print only JSON on stdout")
        .parse(argv);
    const opts = cmd.opts<{ stack?: string[]; all?: boolean; json?: boolean }>();
    const stacks = selectStacks(opts);
    const plans: StackPlan[] = [];
    for (const stack of stacks) {
        const started = Date.now();
        const plan = await planStack(stack);
        plans.push(plan);
        if (opts.json) continue;
        if (stacks.length > 1) console.log(`✓ ${stack}: ${plan.resources.length} resources in ${Date.now() - started} ms`);
        else console.log(renderTree(plan));
    }
    if (opts.json) process.stdout.write(JSON.stringify(toJson(plans), null, 2) + "\n");
    else if (stacks.length > 1) console.log(`${plans.length} stacks, ${plans.reduce((n, p) => n + p.resources.length, 0)} resources`);
    return 0;
}

if (require.main === module) {
    // exitCode, not exit(): a piped JSON plan is larger than one pipe buffer and must drain.
    main(process.argv).then(
        (code) => (process.exitCode = code),
        (err: Error) => {
            console.error(err.message);
            // A pipe (`… --json | jq`) hides the exit code: the failure is on stdout too, as JSON.
            if (process.argv.includes("--json")) process.stdout.write(JSON.stringify({ error: err.message }, null, 2) + "\n");
            process.exitCode = 1;
        },
    );
}
