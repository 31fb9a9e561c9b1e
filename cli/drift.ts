import * as path from "path";
import { Command, CommanderError } from "commander";
import { detectDrift } from "../operations/drift/detect";
import { renderJson, renderMarkdown, renderTable } from "../operations/drift/render";
import { EXIT_CODES, exitCodeFor, type StackDriftReport } from "../operations/drift/report";
import { selectStacks } from "../operations/drift/stacks";

/**
 * `npm run drift -- --stack <app>-<env>` / `--all` [--json | --markdown]: compares live
 * resources with each stack's recorded state (`pulumi refresh --preview-only` through the
 * Automation API) and reports what differs. Writes nothing.
 *
 * Exit status: 0 no drift, 2 drift found, 1 the check failed (with the reason on stderr).
 */

const PROJECT_DIR = path.resolve(__dirname, "..");

interface Options {
    stack?: string[];
    all?: boolean;
    json?: boolean;
    markdown?: boolean;
    cwd: string;
    verbose?: boolean;
}

export async function main(argv: string[]): Promise<number> {
    const cmd = new Command("drift")
        .description("Report resources whose live state differs from the stack's recorded state (read-only)")
        .option("-s, --stack <stack...>", "stack(s) to check, <app>-<env>")
        .option("-a, --all", "check all 15 stacks, one after another")
        .option("--json", "print only JSON on stdout")
        .option("--markdown", "print Markdown (for an issue or a job summary)")
        .option("--cwd <dir>", "the Pulumi project directory", PROJECT_DIR)
        .option("-v, --verbose", "copy the Pulumi CLI's own output to stderr")
        .exitOverride()
        .configureOutput({ writeErr: (s) => process.stderr.write(s) });
    try {
        cmd.parse(argv);
    } catch (err) {
        // --help and --version end here too, with exit code 0.
        return err instanceof CommanderError && err.exitCode === 0 ? 0 : EXIT_CODES.error;
    }
    const opts = cmd.opts<Options>();
    if (opts.json && opts.markdown) throw new Error("give at most one of --json and --markdown");
    const stacks = selectStacks(opts);

    // Stacks are checked one at a time: concurrent CLI runs in one project directory share the
    // workspace's settings file, and CI already runs one job per stack.
    const reports: StackDriftReport[] = [];
    for (const stack of stacks) {
        if (!opts.json && !opts.markdown && stacks.length > 1) process.stderr.write(`checking ${stack}…\n`);
        const report = await detectDrift({
            stack,
            workDir: path.resolve(opts.cwd),
            onOutput: opts.verbose ? (text) => process.stderr.write(text) : undefined,
        });
        for (const e of report.errors) process.stderr.write(`drift: ${stack}: ${e}\n`);
        reports.push(report);
    }

    if (opts.json) process.stdout.write(renderJson(reports));
    else if (opts.markdown) process.stdout.write(renderMarkdown(reports));
    else process.stdout.write(renderTable(reports));
    return exitCodeFor(reports);
}

if (require.main === module) {
    main(process.argv).then(
        (code) => {
            process.exitCode = code;
        },
        (err: Error) => {
            process.stderr.write(`drift: ${err.message}\n`);
            process.exitCode = EXIT_CODES.error;
        },
    );
}
