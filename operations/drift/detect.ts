import { LocalWorkspace, Stack, type EngineEvent } from "@pulumi/pulumi/automation";
import { collectDrift, type CommandFailure, type StackDriftReport } from "./report";

export interface DetectOptions {
    /** The project directory, the one holding Pulumi.yaml. */
    readonly workDir: string;
    /** Receives the CLI's human-readable output; by default it is dropped, the events carry everything. */
    readonly onOutput?: (text: string) => void;
    /** Called before each stack is checked. */
    readonly onStack?: (stack: string) => void;
    /** The clock; defaults to the system's. */
    readonly now?: () => Date;
}

/**
 * Checks stacks for drift through the Automation API, one after another, in one workspace (so
 * the CLI is located and its version read once). For each stack it runs `pulumi stack select`,
 * then two read-only commands; nothing is written, neither state nor cloud:
 * - `pulumi refresh --preview-only`: every resource is read from the cloud and compared with the
 *   recorded state (someone changed the platform by hand, or a service changed itself);
 * - `pulumi preview`: the program is run and compared with the recorded state (code merged but
 *   not deployed, or a stack config changed). Together: live ≠ state ≠ code, each named.
 * Not `preview --refresh`: it would mix both causes into one diff.
 *
 * `--expect-no-changes` is not passed: it would turn drift into a failed command, and drift
 * could then be told apart from a real failure (expired credentials, a locked state) only by
 * parsing the CLI's error text. Here the events decide drift and a failed command is an error.
 *
 * Stacks run one at a time because CLI runs in one project directory share the workspace's
 * settings file; CI runs one job per stack instead.
 */
export async function detectDrift(stacks: readonly string[], opts: DetectOptions): Promise<StackDriftReport[]> {
    const now = opts.now ?? (() => new Date());
    let workspace: LocalWorkspace;
    try {
        workspace = await LocalWorkspace.create({ workDir: opts.workDir });
    } catch (err) {
        const failure = describeFailure("starting the Pulumi CLI", err);
        return stacks.map((stack) => collectDrift({ stack, events: [], failure, checkedAt: now() }));
    }
    const reports: StackDriftReport[] = [];
    for (const stack of stacks) {
        opts.onStack?.(stack);
        const events: EngineEvent[] = [];
        const previewEvents: EngineEvent[] = [];
        let failure: CommandFailure | undefined;
        let preview: { events: EngineEvent[]; failure?: CommandFailure } | undefined;
        let phase = `selecting stack ${stack}`;
        try {
            const selected = await Stack.select(stack, workspace);
            phase = "pulumi refresh --preview-only";
            await selected.previewRefresh({ onEvent: (e) => events.push(e), onOutput: opts.onOutput, color: "never" });
            preview = { events: previewEvents };
            try {
                await selected.preview({ onEvent: (e) => previewEvents.push(e), onOutput: opts.onOutput, color: "never" });
            } catch (err) {
                preview = { events: previewEvents, failure: describeFailure("pulumi preview", err) };
            }
        } catch (err) {
            failure = describeFailure(phase, err);
        }
        reports.push(collectDrift({ stack, events, failure, preview, checkedAt: now() }));
    }
    return reports;
}

/**
 * The useful part of an Automation API failure: the CLI's exit code and its `error:` lines.
 * The SDK rethrows a failed command with code -2 and the original result, exit code and stderr
 * included, as message text, so both are read back from the text.
 */
export function describeFailure(phase: string, err: unknown): CommandFailure {
    const text = err instanceof Error ? err.message : String(err);
    if (/\bENOENT\b/.test(text) && /\bpulumi\b/.test(text)) {
        return { phase, lines: ["the Pulumi CLI (`pulumi`) was not found on PATH; install it (pulumi/actions in CI, or https://www.pulumi.com/docs/install/)"] };
    }
    const codes = [...text.matchAll(/(?:exit code|^code:) (-?\d+)/gm)].map((m) => Number(m[1])).filter((c) => c !== -2);
    const all = text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l.length > 0);
    const errorLines = [...new Set(all.filter((l) => /^error: /i.test(l)).map((l) => l.replace(/^error: /i, "")))];
    return {
        phase,
        ...(codes.length > 0 ? { exitCode: codes[0] } : {}),
        lines: errorLines.length > 0 ? errorLines : all.slice(-5),
    };
}
