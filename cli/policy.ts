import * as fs from "fs";
import { Command } from "commander";
import type { PolicyPackConfig } from "@pulumi/policy";
import { ENFORCEMENT, type Rule } from "../policies/lib/policy";
import { OFFLINE_LIMITS, PackConfigError, reconcileConfig, runPolicies, type StackReport } from "../policies/offline";
import { packConfigFor, policies, RULES } from "../policies/pack";
import { allRunbooks, APP_IDS, ENVS } from "../runbooks";
import { allStacks, parseStackName } from "../stacks/settings";
import { planStack, type StackPlan } from "./harness/runtime";
import { planPreview } from "./preview-plan";
import { selectStacks } from "./plan";

/**
 * `npm run policy -- --stack <stack>` / `--all` [--json | --markdown] [--config file.json]
 * [--preview] [--verbose]: the CrossGuard pack run offline over the plan the mock engine records,
 * the way `pulumi preview --policy-pack policies` runs it (`--preview`: a first preview, computed
 * outputs unknown). Exit 1 when a stack has a mandatory violation or cannot be planned (invalid
 * config: that stack is reported failing, the others still checked); exit 2 only when the check
 * itself cannot run (bad arguments, a pack config the engine would refuse); a policy that throws is a
 * mandatory finding of the stack it threw on.
 * `--list` prints the policy table (docs/policies.md embeds it).
 */

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** A stack the program refuses to plan (its config is invalid): reported as failing, never skipped. */
export interface InvalidStack {
    readonly stack: string;
    readonly app: string;
    readonly env: string;
    readonly error: string;
}

export type Checked = { readonly kind: "report"; readonly report: StackReport } | { readonly kind: "invalid"; readonly invalid: InvalidStack };

function counts(r: StackReport): string {
    const n = (s: string) => r.outcomes.filter((o) => o.status === s).length;
    return `${n("pass")} pass, ${n("violations")} with violations, ${n("not-applicable")} not applicable${n("disabled") ? `, ${n("disabled")} disabled` : ""}`;
}

/** One stack as text: its counts and its violations; every policy's row (not-applicable ones included) only with `verbose`. */
export function renderText(r: StackReport, verbose = false): string {
    const width = Math.max(...r.outcomes.map((o) => o.name.length));
    const lines = [`stack ${r.stack} (app ${r.app}, env ${r.env}, target ${r.target}): ${r.resources} resources, ${r.outcomes.length} policies: ${counts(r)}`];
    for (const o of r.outcomes.filter((x) => verbose || x.status === "violations")) {
        const result =
            o.status === "violations"
                ? `${o.violations.length} violation(s)`
                : o.status === "not-applicable"
                  ? `not applicable: ${o.notApplicable}`
                  : o.status === "disabled"
                    ? "disabled"
                    : `pass${o.kind === "resource" ? ` (${o.checked} checked)` : ""}`;
        lines.push(`  ${o.name.padEnd(width)}  ${o.level.padEnd(9)}  ${result}`);
    }
    if (r.violations.length) {
        lines.push("", "violations:");
        for (const v of r.violations) lines.push(`  [${v.level}] ${v.policy}: ${v.message}`);
    }
    if (r.assumedSecrets.length) lines.push(`note: offline run assumed operator secrets ${r.assumedSecrets.join(", ")} are set`);
    if (!verbose) lines.push("(--verbose lists every policy, passing and not applicable)");
    lines.push(`${r.mandatory ? "FAIL" : "ok"}: ${r.mandatory} mandatory, ${r.advisory} advisory`);
    return lines.join("\n");
}

export function renderInvalidText(i: InvalidStack): string {
    return [`stack ${i.stack} (app ${i.app}, env ${i.env}): cannot be planned, so it cannot be checked`, ...i.error.split("\n").map((l) => `  ${l}`), "FAIL: invalid stack"].join("\n");
}

const failing = (c: Checked) => (c.kind === "invalid" ? true : c.report.mandatory > 0);

export function renderMarkdown(checked: readonly Checked[], opts: { preview?: boolean } = {}): string {
    const failed = checked.filter(failing);
    const invalid = checked.filter((c): c is Extract<Checked, { kind: "invalid" }> => c.kind === "invalid");
    const reports = checked.flatMap((c) => (c.kind === "report" ? [c.report] : []));
    const lines = [
        "<!-- runbook-policy-check -->",
        `### Runbook policy check (offline${opts.preview ? ", first preview" : ""}): ${checked.length === 0 ? "⚠️ no stack was checked" : failed.length ? `❌ ${failed.length} stack(s) failing${invalid.length ? ` (${invalid.length} invalid)` : ""}` : "✅ no mandatory violations"}`,
        "",
        "| stack | target | resources | mandatory | advisory | not applicable |",
        "|---|---|---:|---:|---:|---:|",
        ...checked.map((c) =>
            c.kind === "invalid"
                ? `| ❌ \`${c.invalid.stack}\` | — | — | invalid stack | — | — |`
                : `| ${c.report.mandatory ? "❌" : "✅"} \`${c.report.stack}\` | ${c.report.target} | ${c.report.resources} | ${c.report.mandatory} | ${c.report.advisory} | ${c.report.outcomes.filter((o) => o.status === "not-applicable").length} |`,
        ),
    ];
    for (const i of invalid.map((c) => c.invalid)) {
        lines.push("", `<details open><summary><code>${i.stack}</code>: invalid stack, not checked</summary>`, "", "```", i.error, "```", "", "</details>");
    }
    for (const r of reports.filter((x) => x.violations.length)) {
        lines.push(
            "",
            `<details${r.mandatory ? " open" : ""}><summary><code>${r.stack}</code>: ${r.mandatory} mandatory, ${r.advisory} advisory</summary>`,
            "",
            "| level | policy | resource | finding |",
            "|---|---|---|---|",
            ...r.violations.map((v) => `| ${v.level} | \`${v.policy}\` | ${v.resourceName ? `\`${cell(v.resourceName)}\`` : "(stack)"} | ${cell(v.message)} |`),
            "",
            "</details>",
        );
    }
    lines.push("", "<details><summary>What this offline check cannot see (a real <code>pulumi preview --policy-pack policies</code> does)</summary>", "", ...OFFLINE_LIMITS.map((l) => `- ${l}`), "", "</details>");
    return lines.join("\n");
}

/** The pull-request comment when the check itself could not run. */
export function renderFailureMarkdown(message: string): string {
    return ["<!-- runbook-policy-check -->", "### Runbook policy check (offline): ⚠️ the check could not run", "", "```", message.split("\n").slice(0, 20).join("\n"), "```"].join("\n");
}

export function renderJson(checked: readonly Checked[], opts: { preview?: boolean } = {}): string {
    const stacks = checked.map((c) => (c.kind === "invalid" ? { ...c.invalid, status: "invalid" as const } : { ...c.report, status: c.report.mandatory ? ("failing" as const) : ("ok" as const) }));
    return JSON.stringify({ ok: checked.length > 0 && !checked.some(failing), preview: !!opts.preview, stacks, offlineLimits: OFFLINE_LIMITS }, null, 2);
}

/** The policy list as a Markdown table, generated from the pack. */
export function policyTable(rules: readonly Rule[] = RULES): string {
    const rows = rules.map((r) => {
        const config = Object.keys(r.configSchema?.properties ?? {});
        return `| \`${r.name}\` | ${r.target} | ${r.kind} | ${r.tier}: ${ENFORCEMENT[r.tier].production} / ${ENFORCEMENT[r.tier].staging} / ${ENFORCEMENT[r.tier].local} | ${cell(r.description)} | ${config.map((c) => `\`${c}\``).join(", ") || "—"} |`;
    });
    const exceptions = policies.find((p) => p.name === "runbook-declared-exceptions");
    return [
        "| policy | target | kind | tier: production / staging / local | what it enforces | config |",
        "|---|---|---|---|---|---|",
        ...rows,
        `| \`runbook-declared-exceptions\` | any | stack | advisory everywhere | ${cell(exceptions?.description ?? "")} | — |`,
    ].join("\n");
}

/** Paths that change no stack: prose, tests and CI configuration. */
const NO_STACK = [/^docs\//, /\.md$/, /^test\//, /^\.github\//, /^LICENSE$/];

/**
 * The stacks a change can affect, for the pull-request previews: a stack file → that stack; an
 * app's runbook data or seed → its three stacks; docs, tests and CI files → none; anything else
 * (the program, components, capabilities, the pack, dependencies) is shared → every stack.
 */
export function affectedStacks(paths: readonly string[]): string[] {
    const out = new Set<string>();
    const seeds = new Map(allRunbooks().map((rb) => [rb.seed, rb.app]));
    const appStacks = (app: string) => ENVS.map((env) => `${app}-${env}`);
    for (const raw of paths) {
        const p = raw.trim().replace(/^\.\//, "");
        if (!p || NO_STACK.some((re) => re.test(p))) continue;
        const stackFile = /^stacks\/Pulumi\.(.+)\.yaml$/.exec(p);
        const runbook = /^runbooks\/([a-z0-9-]+)\.ts$/.exec(p);
        const seed = /^runbooks\/seeds\/([^/]+)$/.exec(p);
        if (stackFile && allStacks().includes(stackFile[1])) out.add(stackFile[1]);
        else if (runbook && (APP_IDS as readonly string[]).includes(runbook[1])) appStacks(runbook[1]).forEach((s) => out.add(s));
        else if (seed && seeds.has(seed[1])) appStacks(seeds.get(seed[1])!).forEach((s) => out.add(s));
        else return allStacks();
    }
    return allStacks().filter((s) => out.has(s));
}

/**
 * Checks each stack; a stack whose program refuses to plan (invalid config) is recorded as
 * invalid and the others are still checked. A policy that throws is a mandatory finding of that
 * stack naming the policy (policies/offline.ts): the other policies and stacks are still reported.
 */
export async function checkStacks(stacks: readonly string[], opts: { config?: PolicyPackConfig; plan: (stack: string) => Promise<StackPlan>; onStack?: (c: Checked) => void }): Promise<Checked[]> {
    const checked: Checked[] = [];
    for (const stack of stacks) {
        const { app, env } = parseStackName(stack);
        let plan: StackPlan | undefined;
        let c: Checked;
        try {
            plan = await opts.plan(stack);
        } catch (e) {
            c = { kind: "invalid", invalid: { stack, app, env, error: (e as Error).message } };
        }
        c ??= { kind: "report", report: await runPolicies(plan!, { config: opts.config }) };
        checked.push(c);
        opts.onStack?.(c);
    }
    return checked;
}

/** 1 when any stack has a mandatory violation or is invalid, else 0 (2 is left to the check failing to run). */
export function exitCode(checked: readonly Checked[]): 0 | 1 {
    return checked.some(failing) ? 1 : 0;
}

/** The check cannot run at all: bad arguments or a pack config the engine would refuse (exit 2). */
class UsageError extends Error {}

function readConfig(file: string): PolicyPackConfig {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new UsageError(`--config ${file}: ${(e as Error).message}`);
    }
    try {
        return JSON.parse(text) as PolicyPackConfig;
    } catch (e) {
        throw new UsageError(`--config ${file}: not JSON (${(e as Error).message})`);
    }
}

async function main(argv: string[]): Promise<number> {
    const cmd = new Command("policy")
        .description("Run the runbook-platform CrossGuard pack offline over the mock engine's plan")
        .option("-s, --stack <stack...>", "stack(s) to check, <app>-<env>")
        .option("-a, --all", "check every stack (every app × environment)")
        .option("--json", "print only JSON on stdout")
        .option("--markdown", "print a pull-request comment in Markdown")
        .option("--config <file>", "policy pack config JSON, as `pulumi preview --policy-pack-config`; refused as the engine refuses it")
        .option("--preview", "check a first preview: nothing deployed yet, values providers compute are unknown")
        .option("-v, --verbose", "list every policy per stack, passing and not applicable too")
        .option("--list", "print the policy table and exit")
        .option("--affected", "read changed file paths (one a line) on stdin and print, as JSON, the stacks they affect")
        .parse(argv);
    const opts = cmd.opts<{ stack?: string[]; all?: boolean; json?: boolean; markdown?: boolean; config?: string; preview?: boolean; verbose?: boolean; list?: boolean; affected?: boolean }>();
    if (opts.list) {
        process.stdout.write(policyTable() + "\n");
        return 0;
    }
    if (opts.affected) {
        const input = fs.readFileSync(0, "utf8");
        process.stdout.write(JSON.stringify(affectedStacks(input.split("\n"))) + "\n");
        return 0;
    }
    let stacks: string[];
    try {
        stacks = selectStacks(opts);
        stacks.forEach(parseStackName);
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    const config = opts.config ? readConfig(opts.config) : undefined;
    // Refused before anything is planned, as the engine refuses it before the preview starts.
    for (const env of new Set(stacks.map((s) => parseStackName(s).env))) {
        try {
            reconcileConfig(policies, packConfigFor(env), config);
        } catch (e) {
            if (e instanceof PackConfigError) throw new UsageError(`--config ${opts.config}: ${e.message}`);
            throw e;
        }
    }
    const text = !opts.json && !opts.markdown;
    const checked = await checkStacks(stacks, {
        config,
        plan: opts.preview ? planPreview : planStack,
        onStack: (c) => text && console.log((c.kind === "invalid" ? renderInvalidText(c.invalid) : renderText(c.report, opts.verbose)) + "\n"),
    });
    if (opts.json) process.stdout.write(renderJson(checked, opts) + "\n");
    else if (opts.markdown) process.stdout.write(renderMarkdown(checked, opts) + "\n");
    else {
        if (checked.length > 1) {
            console.log(checked.map((c) => (c.kind === "invalid" ? `✗ ${c.invalid.stack}: invalid stack, not checked` : `${c.report.mandatory ? "✗" : "✓"} ${c.report.stack}: ${c.report.mandatory} mandatory, ${c.report.advisory} advisory`)).join("\n"));
        }
        console.log(["", `offline check${opts.preview ? " of a first preview" : ""}: what it cannot see compared with \`pulumi preview --policy-pack policies\`:`, ...OFFLINE_LIMITS.map((l) => `  - ${l}`)].join("\n"));
    }
    return exitCode(checked);
}

if (require.main === module) {
    // exitCode, not exit(): exit() cut off the JSON report at 64 KiB when stdout is a pipe
    // (`npm run policy -- --json | jq`), as in plan.ts and coverage.ts.
    main(process.argv).then(
        (code) => (process.exitCode = code),
        (err: Error) => {
            const message = err instanceof UsageError ? err.message : `the policy check could not run: ${err.stack ?? err.message}`;
            console.error(message);
            // The pull-request comment is never blank: it says the check did not run, and why.
            if (process.argv.includes("--markdown")) process.stdout.write(renderFailureMarkdown(message) + "\n");
            process.exitCode = 2;
        },
    );
}
