import * as path from "path";
import { Command, CommanderError } from "commander";
import { detectDrift } from "../operations/drift/detect";
import { renderJson, renderMarkdown, renderTable } from "../operations/drift/render";
import { EXIT_CODES, exitCodeFor } from "../operations/drift/report";
import { DRIFT_STACKS, PRIVATE_ENVS, selectStacks } from "../operations/drift/stacks";

/**
 * `npm run drift -- --stack <app>-<env>` / `--all` [--json | --markdown]: compares live
 * resources with each stack's recorded state (`pulumi refresh --preview-only` through the
 * Automation API) and reports what differs. Writes nothing. `--all` is every app's shared
 * stacks (not `-local`, whose state is a developer's own); `--list` prints them as JSON, for
 * CI's matrix.
 *
 * Exit status: 0 no drift, 2 drift found, 1 the check failed (with the reason on stderr).
 */

const PROJECT_DIR = path.resolve(__dirname, "..");

interface Options {
    stack?: string[];
    all?: boolean;
    list?: boolean;
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
        .option("-a, --all", `check the ${DRIFT_STACKS.length} shared stacks one after another (every app's ${[...new Set(DRIFT_STACKS.map((s) => s.slice(s.lastIndexOf("-") + 1)))].join(" and ")}; ${PRIVATE_ENVS.map((e) => `-${e}`).join(", ")} stacks only by name)`)
        .option("--list", "print the stacks --all checks, as a JSON array, and exit")
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
    if (opts.list) {
        io.out(`${JSON.stringify(DRIFT_STACKS)}\n`);
        return EXIT_CODES.clean;
    }
    if (opts.json && opts.markdown) throw new Error("give at most one of --json and --markdown");
    const stacks = selectStacks(opts);
    const human = !opts.json && !opts.markdown;

    const reports = await detectDrift(stacks, {
        workDir: path.resolve(opts.cwd),
        onOutput: opts.verbose ? io.err : undefined,
        onStack: human && stacks.length > 1 ? (stack) => io.err(`checking ${stack}…\n`) : undefined,
    });
    // One line per distinct error: a CLI that is missing fails every stack the same way.
    const byError = new Map<string, string[]>();
    for (const report of reports) for (const e of report.errors) byError.set(e, [...(byError.get(e) ?? []), report.stack]);
    // When every stack failed the same way the table is that one line; a terminal shows it once.
    const onlyInTable = human && reports.length > 1 && byError.size === 1 && [...byError.values()][0].length === reports.length;
    for (const [e, failed] of onlyInTable ? [] : byError) {
        const which = failed.length > 1 && failed.length === reports.length ? `all ${failed.length} stacks` : failed.join(", ");
        io.err(`drift: ${which}: ${e}\n`);
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
