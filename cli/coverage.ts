import { Command } from "commander";
import { allRunbooks, type NotExpressible, type Runbook } from "../runbooks";
import { coverageProblems, coverageRows, type CoverageRow } from "../capabilities/alerting/coverage";
import type { CoverageProvider } from "../capabilities/alerting/coverage-claims";
import { awsCoverage } from "../capabilities/aws/coverage";
import { policyCoverage } from "../policies/coverage";

/** Providers consulted for every row, in order: the AWS target's resources, the policy pack's policies. */
export const COVERAGE_PROVIDERS: readonly CoverageProvider[] = [awsCoverage, policyCoverage];

const NONE = "—";
const NOTE = `"${NONE}": nothing claims that column for the number; providers are listed in COVERAGE_PROVIDERS (cli/coverage.ts)`;
/** A terminal's width the text output fits in; the full table is in --markdown and --json. */
export const TEXT_WIDTH = 100;

/** Rows by app, in the runbooks' order; within an app, by kind in the order kinds first appear. */
export function byApp(rows: readonly CoverageRow[]): Map<string, CoverageRow[]> {
    const apps = new Map<string, CoverageRow[]>();
    for (const r of rows) apps.set(r.app, [...(apps.get(r.app) ?? []), r]);
    for (const [app, list] of apps) {
        const kinds = [...new Set(list.map((r) => r.kind))];
        apps.set(app, kinds.flatMap((k) => list.filter((r) => r.kind === k)));
    }
    return apps;
}

const count = (xs: readonly string[]) => (xs.length ? String(xs.length) : NONE);

/**
 * One block per app, one line per number: what it is, its value, and how many things implement,
 * test and enforce it, within TEXT_WIDTH columns. Kinds are sub-headings, so ids stay short; a
 * value too long for its column goes on under itself rather than being cut.
 */
export function renderText(rows: readonly CoverageRow[]): string {
    const counts = ["impl", "tests", "policy"];
    const countsWidth = counts.reduce((n, c) => n + c.length + 2, 0);
    const idWidth = Math.max(...rows.map((r) => r.id.length));
    const valueWidth = Math.min(Math.max(...rows.map((r) => r.number.length)), TEXT_WIDTH - 4 - idWidth - 2 - countsWidth);
    const out: string[] = [];
    for (const [app, list] of byApp(rows)) {
        const seed = list.find((r) => r.source)?.source?.seed;
        out.push(`${app}: ${list.length} numbers${seed ? `, runbook runbooks/seeds/${seed}` : ""}`);
        out.push(`    ${"number".padEnd(idWidth)}  ${"value".padEnd(valueWidth)}${counts.map((c) => `  ${c}`).join("")}`);
        let kind = "";
        for (const r of list) {
            if (r.kind !== kind) out.push(`  ${(kind = r.kind)}`);
            const cells = [r.implementedBy, r.testedBy, r.enforcedBy].map((xs, i) => `  ${count(xs).padStart(counts[i].length)}`).join("");
            const [first, ...rest] = wrap(r.number, valueWidth).split("\n");
            out.push(`    ${r.id.padEnd(idWidth)}  ${first.padEnd(valueWidth)}${cells}`);
            for (const more of rest) out.push(`    ${"".padEnd(idWidth)}  ${more}`);
        }
        out.push("");
    }
    return out.join("\n");
}

/** Words wrapped to TEXT_WIDTH columns. */
export function wrap(text: string, width = TEXT_WIDTH): string {
    const lines: string[] = [];
    let line = "";
    for (const word of text.split(/ +/)) {
        if (line && line.length + 1 + word.length > width) {
            lines.push(line);
            line = word;
        } else line = line ? `${line} ${word}` : word;
    }
    return [...lines, line].join("\n");
}

/** What a runbook states that the platform cannot express, one entry per statement, with its app. */
export interface NotExpressibleRow extends NotExpressible {
    readonly app: string;
}

export function notExpressibleRows(runbooks: readonly Runbook[]): NotExpressibleRow[] {
    return runbooks.flatMap((rb) => rb.notExpressible.map((n) => ({ app: rb.app, ...n })));
}

/** Lines wrapped to TEXT_WIDTH, the first after `first`, the rest under it after `more`. */
function indented(first: string, more: string, text: string): string[] {
    return wrap(text, TEXT_WIDTH - first.length)
        .split("\n")
        .map((l, i) => `${i ? more : first}${l}`);
}

/** The statements no field, signal or job expresses, per app, each with where it stands and why. */
export function renderNotExpressibleText(rows: readonly NotExpressibleRow[]): string {
    const out = [wrap(`not expressible: ${rows.length} statements of the runbooks the platform cannot express (runbook data \`notExpressible\`)`)];
    for (const app of [...new Set(rows.map((r) => r.app))]) {
        out.push(`  ${app}`);
        for (const r of rows.filter((x) => x.app === app)) {
            out.push(...indented("    - ", "      ", `${r.what} ("${r.source.section}")`));
            out.push(...indented("      why: ", "      ", r.reason));
        }
    }
    return `${out.join("\n")}\n`;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const cellList = (xs: readonly string[]) => (xs.length ? xs.map(cell).join("<br>") : NONE);

/** The full table, every entry of every column, one section per app (for a PR or a wiki page). */
export function renderMarkdown(rows: readonly CoverageRow[], problems: readonly string[], notExpressible: readonly NotExpressibleRow[] = []): string {
    const out = ["# Runbook coverage", "", `${rows.length} numbers. ${NOTE}.`, ""];
    for (const [app, list] of byApp(rows)) {
        out.push(`## ${app}`, "", "| number | value | source | implemented by | tested by | policy |", "|---|---|---|---|---|---|");
        for (const r of list) {
            const source = r.source ? `${cell(r.source.seed)} "${cell(r.source.section)}": ${cell(r.source.quote)}` : NONE;
            out.push(`| ${r.kind} \`${cell(r.id)}\` | ${cell(r.number)} | ${source} | ${cellList(r.implementedBy)} | ${cellList(r.testedBy)} | ${cellList(r.enforcedBy)} |`);
        }
        out.push("");
    }
    if (notExpressible.length) {
        out.push("## Not expressible", "", `${notExpressible.length} statements of the runbooks the platform cannot express (runbook data \`notExpressible\`):`, "");
        for (const r of notExpressible) out.push(`- ${r.app}: ${cell(r.what)}. Source: ${cell(r.source.seed)} "${cell(r.source.section)}": ${cell(r.source.quote)}. Why: ${cell(r.reason)}`);
        out.push("");
    }
    out.push(problems.length ? `**${problems.length} problems:**\n\n${problems.map((p) => `- ${cell(p)}`).join("\n")}` : "Every alert level has a rule and a promtool test.");
    return `${out.join("\n")}\n`;
}

function main(argv: string[]): number {
    const opts = new Command()
        .name("coverage")
        .description("Runbook number -> what implements it -> what tests it -> what enforces it. Exit 1 when an alert level has no rule or no test.")
        .option("--json", "print only JSON, every column in full")
        .option("--markdown", "print the full table as Markdown, one section per app")
        .parse(argv)
        .opts<{ json?: boolean; markdown?: boolean }>();
    if (opts.json && opts.markdown) throw new Error("give at most one of --json and --markdown");
    const rows = coverageRows(allRunbooks(), COVERAGE_PROVIDERS);
    const notExpressible = notExpressibleRows(allRunbooks());
    const problems = coverageProblems(rows);
    if (opts.json) {
        process.stdout.write(`${JSON.stringify({ rows, notExpressible, problems, note: NOTE }, null, 2)}\n`);
    } else if (opts.markdown) {
        process.stdout.write(renderMarkdown(rows, problems, notExpressible));
    } else {
        const footer = [
            NOTE,
            "impl, tests, policy: how many things implement, test and enforce the number; --markdown or --json lists them, with each number's source.",
            `${rows.length} numbers; ${problems.length ? `${problems.length} problems:` : "every alert level has a rule and a promtool test"}`,
            ...problems,
        ];
        process.stdout.write(`${renderText(rows)}${renderNotExpressibleText(notExpressible)}\n${footer.map((l) => wrap(l)).join("\n")}\n`);
    }
    return problems.length ? 1 : 0;
}

if (require.main === module) {
    // A reader that stops early (`| head`) closes the pipe: that is not an error of the command.
    process.stdout.on("error", (e: NodeJS.ErrnoException) => {
        if (e.code !== "EPIPE") throw e;
        process.exit(0);
    });
    // exitCode, not exit(): exit() would cut off a large JSON still flushing to a pipe.
    try {
        process.exitCode = main(process.argv);
    } catch (e) {
        process.stderr.write(`coverage: ${(e as Error).message}\n`);
        process.exitCode = 2;
    }
}
