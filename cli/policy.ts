import * as fs from "fs";
import { Command } from "commander";
import type { PolicyPackConfig } from "@pulumi/policy";
import { ENFORCEMENT, type Rule } from "../policies/lib/policy";
import { OFFLINE_LIMITS, runPolicies, type StackReport } from "../policies/offline";
import { policies, RULES } from "../policies/pack";
import { allRunbooks, APP_IDS, ENVS } from "../runbooks";
import { allStacks, parseStackName } from "../stacks/settings";
import { planStack } from "./harness/runtime";
import { selectStacks } from "./plan";

/**
 * `npm run policy -- --stack <stack>` / `--all` [--json | --markdown] [--config file.json]:
 * the CrossGuard pack run offline over the plan the mock engine records, the way
 * `pulumi preview --policy-pack policies` runs it. Exit 1 on any mandatory violation.
 * `--list` prints the policy table (docs/policies.md embeds it).
 */

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderText(r: StackReport): string {
    const width = Math.max(...r.outcomes.map((o) => o.name.length));
    const lines = [`stack ${r.stack} (app ${r.app}, env ${r.env}, target ${r.target}): ${r.resources} resources, ${r.outcomes.length} policies`];
    for (const o of r.outcomes) {
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
    lines.push(`${r.mandatory ? "FAIL" : "ok"}: ${r.mandatory} mandatory, ${r.advisory} advisory`);
    return lines.join("\n");
}

export function renderMarkdown(reports: StackReport[]): string {
    const failed = reports.filter((r) => r.mandatory > 0);
    const lines = [
        "<!-- runbook-policy-check -->",
        `### Runbook policy check (offline): ${failed.length ? `❌ ${failed.length} stack(s) with mandatory violations` : "✅ no mandatory violations"}`,
        "",
        "| stack | target | resources | mandatory | advisory | not applicable |",
        "|---|---|---:|---:|---:|---:|",
        ...reports.map((r) => `| ${r.mandatory ? "❌" : "✅"} \`${r.stack}\` | ${r.target} | ${r.resources} | ${r.mandatory} | ${r.advisory} | ${r.outcomes.filter((o) => o.status === "not-applicable").length} |`),
    ];
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

async function main(argv: string[]): Promise<number> {
    const cmd = new Command("policy")
        .description("Run the runbook-platform CrossGuard pack offline over the mock engine's plan")
        .option("-s, --stack <stack...>", "stack(s) to check, <app>-<env>")
        .option("-a, --all", "check all 15 stacks")
        .option("--json", "print only JSON on stdout")
        .option("--markdown", "print a pull-request comment in Markdown")
        .option("--config <file>", "policy pack config JSON, as `pulumi preview --policy-pack-config`")
        .option("--list", "print the policy table and exit")
        .option("--affected", "read changed file paths (one a line) on stdin and print, as JSON, the stacks they affect")
        .parse(argv);
    const opts = cmd.opts<{ stack?: string[]; all?: boolean; json?: boolean; markdown?: boolean; config?: string; list?: boolean; affected?: boolean }>();
    if (opts.list) {
        process.stdout.write(policyTable() + "\n");
        return 0;
    }
    if (opts.affected) {
        const input = fs.readFileSync(0, "utf8");
        process.stdout.write(JSON.stringify(affectedStacks(input.split("\n"))) + "\n");
        return 0;
    }
    const config = opts.config ? (JSON.parse(fs.readFileSync(opts.config, "utf8")) as PolicyPackConfig) : undefined;
    const stacks = selectStacks(opts);
    stacks.forEach(parseStackName);
    const reports: StackReport[] = [];
    for (const stack of stacks) {
        const report = await runPolicies(await planStack(stack), { config });
        reports.push(report);
        if (!opts.json && !opts.markdown) console.log(renderText(report) + "\n");
    }
    const failed = reports.some((r) => r.mandatory > 0);
    if (opts.json) process.stdout.write(JSON.stringify({ ok: !failed, stacks: reports, offlineLimits: OFFLINE_LIMITS }, null, 2) + "\n");
    else if (opts.markdown) process.stdout.write(renderMarkdown(reports) + "\n");
    else {
        if (reports.length > 1) console.log(reports.map((r) => `${r.mandatory ? "✗" : "✓"} ${r.stack}: ${r.mandatory} mandatory, ${r.advisory} advisory`).join("\n"));
        console.log(["", "offline check: what it cannot see compared with `pulumi preview --policy-pack policies`:", ...OFFLINE_LIMITS.map((l) => `  - ${l}`)].join("\n"));
    }
    return failed ? 1 : 0;
}

if (require.main === module) {
    main(process.argv).then(
        (code) => process.exit(code),
        (err: Error) => {
            console.error(err.message);
            process.exit(2);
        },
    );
}
