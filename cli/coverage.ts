import { Command } from "commander";
import { allRunbooks } from "../runbooks";
import { coverageProblems, coverageRows, type CoverageRow } from "../capabilities/alerting/coverage";
import type { CoverageProvider } from "../capabilities/alerting/coverage-claims";
import { awsCoverage } from "../capabilities/aws/coverage";
import { policyCoverage } from "../policies/coverage";

/** Providers consulted for every row, in order: the AWS target's resources, the policy pack's policies. */
export const COVERAGE_PROVIDERS: readonly CoverageProvider[] = [awsCoverage, policyCoverage];

const NONE = "—";
const NOTE = `"${NONE}": nothing claims that column for the number; providers are listed in COVERAGE_PROVIDERS (cli/coverage.ts)`;

function table(rows: readonly CoverageRow[]): string {
    const header = ["app", "number", "value", "source", "implemented by", "tested by", "policy"];
    const cells = rows.map((r) => [
        r.app,
        `${r.kind} ${r.id}`,
        r.number,
        r.source ? `${r.source.seed} "${r.source.section}"` : NONE,
        r.implementedBy.join("; ") || NONE,
        r.testedBy.length > 2 ? `${r.testedBy.slice(0, 2).join("; ")}; +${r.testedBy.length - 2} more` : r.testedBy.join("; ") || NONE,
        r.enforcedBy.join("; ") || NONE,
    ]);
    const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...cells.map((c) => c[i].length))));
    const line = (c: string[]) => c.map((v, i) => (v.length > widths[i] ? `${v.slice(0, widths[i] - 1)}…` : v.padEnd(widths[i]))).join(" | ");
    return [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...cells.map(line)].join("\n");
}

function main(argv: string[]): number {
    const opts = new Command()
        .name("coverage")
        .description("Runbook number -> what implements it -> what tests it -> what enforces it. Exit 1 when an alert level has no rule or no test.")
        .option("--json", "print only JSON")
        .parse(argv)
        .opts<{ json?: boolean }>();
    const rows = coverageRows(allRunbooks(), COVERAGE_PROVIDERS);
    const problems = coverageProblems(rows);
    if (opts.json) {
        process.stdout.write(`${JSON.stringify({ rows, problems, note: NOTE }, null, 2)}\n`);
    } else {
        process.stdout.write(`${table(rows)}\n\n${NOTE}\n${rows.length} numbers; ${problems.length ? `${problems.length} problems:\n${problems.join("\n")}` : "every alert level has a rule and a promtool test"}\n`);
    }
    return problems.length ? 1 : 0;
}

if (require.main === module) {
    // exitCode, not exit(): exit() would cut off a large JSON still flushing to a pipe.
    process.exitCode = main(process.argv);
}
