import * as path from "path";
import { Command, CommanderError } from "commander";
import { detectDrift } from "../operations/drift/detect";
import { renderJson, renderMarkdown, renderTable } from "../operations/drift/render";
import { EXIT_CODES, exitCodeFor } from "../operations/drift/report";
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

/** Where the command writes; the process's streams unless a caller (a test) gives others. */
export interface Output {
    readonly out: (text: string) => void;
    readonly err: (text: string) => void;
}

const processOutput: Output = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** Runs the command and returns its exit status; throws only on bad arguments. */
export async function main(argv: readonly string[], io: Output = processOutput): Promise<number> {
    const cmd = new Command("drift")
        .description("Report resources whose live state differs from the stack's recorded state (read-only)")
        .option("-s, --stack <stack...>", "stack(s) to check, <app>-<env>")
        .option("-a, --all", "check all 15 stacks, one after another")
        .option("--json", "print only JSON on stdout")
        .option("--markdown", "print Markdown (for an issue or a job summary)")
        .option("--cwd <dir>", "the Pulumi project directory", PROJECT_DIR)
        .option("-v, --verbose", "copy the Pulumi CLI's own output to stderr")
        .exitOverride()
        .configureOutput({ writeOut: io.out, writeErr: io.err });
    try {
        cmd.parse([...argv]);
    } catch (err) {
        // --help ends here too, with exit code 0.
        return err instanceof CommanderError && err.exitCode === 0 ? 0 : EXIT_CODES.error;
    }
    const opts = cmd.opts<Options>();
    if (opts.json && opts.markdown) throw new Error("give at most one of --json and --markdown");
    const stacks = selectStacks(opts);
    const human = !opts.json && !opts.markdown;

    const reports = await detectDrift(stacks, {
        workDir: path.resolve(opts.cwd),
        onOutput: opts.verbose ? io.err : undefined,
        onStack: human && stacks.length > 1 ? (stack) => io.err(`checking ${stack}…\n`) : undefined,
    });
    for (const report of reports) {
        for (const e of report.errors) io.err(`drift: ${report.stack}: ${e}\n`);
    }

    if (opts.json) io.out(renderJson(reports));
    else if (opts.markdown) io.out(renderMarkdown(reports));
    else io.out(renderTable(reports));
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
