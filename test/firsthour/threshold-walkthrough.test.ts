import test, { type ExecutionContext } from "ava";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { getRunbook } from "../../runbooks";

/**
 * The README's "Change one threshold" walkthrough, followed as written in a copy of the project:
 * its diff blocks applied to the files it names, its commands run there. Once with the README's
 * decimal, once with a whole number in its place; the copy's checks must pass both times.
 */

const ROOT = path.resolve(__dirname, "..", "..");

interface Edit {
    readonly file: string;
    readonly from: string;
    readonly to: string;
}

function walkthrough(): { edits: Edit[]; commands: string[]; section: string } {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const start = readme.indexOf("\n## Change one threshold\n");
    if (start < 0) throw new Error('README has no "## Change one threshold" section');
    const section = readme.slice(start + 1, readme.indexOf("\n## ", start + 1));
    const edits: Edit[] = [];
    // Each step names its file in backticks, then shows a diff: "-" the line as it is, "+" as it becomes.
    for (const m of section.matchAll(/`((?:runbooks)\/[^`]+)`[\s\S]*?```diff\n([\s\S]*?)```/g)) {
        const lines = m[2].split("\n").map((l) => l.replace(/^ {3}/, ""));
        const from = lines.find((l) => l.startsWith("-"))!.slice(1);
        const to = lines.find((l) => l.startsWith("+"))!.slice(1);
        edits.push({ file: m[1], from, to });
    }
    const bash = /```bash\n([\s\S]*?)```/.exec(section)![1];
    const commands = bash
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
    return { edits, commands, section };
}

/** The project as git sees it (tracked and new files), in a temporary directory, sharing node_modules. */
function copyProject(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "walkthrough-"));
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" }).trim().split("\n");
    for (const f of files) {
        if (!fs.existsSync(path.join(ROOT, f))) continue;
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    }
    fs.symlinkSync(fs.realpathSync(path.join(ROOT, "node_modules")), path.join(dir, "node_modules"));
    return dir;
}

function shell(command: string, cwd: string) {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|AVA_|NODE_OPTIONS$)/i.test(k)) env[k] = v;
    return spawnSync("bash", ["-o", "pipefail", "-c", command], { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

const { edits, commands, section } = walkthrough();
const rb = getRunbook("formula-pm");
const alert = rb.alerts.find((a) => section.includes(`alert \`${a.id}\``))!;
const level = alert.levels.find((l) => section.includes(`level \`${l.severity}\``))!;
// The README's new value: the number its data diff writes.
const readmeValue = Number(/threshold: ([\d.]+)/.exec(edits.find((e) => e.file.endsWith(".ts"))?.to ?? "")?.[1]);

test("the walkthrough's diffs describe the project as it is now", (t) => {
    t.is(edits.length, 2, "a seed diff and a data diff");
    t.truthy(alert, "the walkthrough names no alert of the runbook");
    t.truthy(level);
    t.true(edits.some((e) => e.file === `runbooks/seeds/${rb.seed}`), "the seed diff is not on formula-pm's seed");
    for (const e of edits) {
        const lines = fs.readFileSync(path.join(ROOT, e.file), "utf8").split("\n");
        t.is(lines.filter((l) => l === e.from).length, 1, `${e.file} holds "${e.from}" exactly once`);
    }
    // The data diff starts from the runbook's number and its quote.
    const data = edits.find((e) => e.file.endsWith(".ts"))!;
    t.true(data.from.includes(`threshold: ${level.threshold},`) && data.from.includes(JSON.stringify(level.source.quote)));
    t.false(Number.isInteger(readmeValue), "the README's example is a decimal");
});

/**
 * The suites the threshold feeds, run after the walkthrough's own commands (`npm test` stands for
 * them), over the edited app's stacks: the other apps' rules and tests do not read this runbook.
 */
const FED = `ALERTING_APPS=${rb.app} npx ava test/foundation/capabilities.test.ts test/alerting/rules.test.ts test/alerting/promtool.test.ts`;

async function follow(t: ExecutionContext, value: number, suites: readonly string[]): Promise<void> {
    const dir = copyProject();
    try {
        const swap = (s: string) => s.split(String(readmeValue)).join(String(value));
        for (const e of edits) {
            const file = path.join(dir, e.file);
            const text = fs.readFileSync(file, "utf8").split("\n");
            fs.writeFileSync(file, text.map((l) => (l === e.from ? swap(e.to) : l)).join("\n"));
        }
        // `npm test` is the whole suite; here the walkthrough's own checks and the suites its number feeds.
        const run = [...commands.filter((c) => c !== "npm test").map(swap), ...suites];
        for (const command of run) {
            const r = shell(command, dir);
            t.is(r.status, 0, `${command}\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`);
        }
        t.true(commands.includes("npm test"));
        const rules = fs.readFileSync(path.join(dir, "out", "formula-pm-local", "prometheus", "rules.yml"), "utf8");
        t.true(rules.includes(`> ${value}\n`), `no rule compares with ${value}`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

test.serial("followed as written, with the README's decimal: the checks pass and the rule carries it", (t) => follow(t, readmeValue, [FED]));

test.serial("followed with a whole number in its place: the checks pass and the rule carries it", (t) => {
    // A whole number between the levels around it, so the runbook stays valid (warning below critical).
    const critical = alert.levels.find((l) => l.severity === "critical")!.threshold;
    const whole = Math.floor(critical) - 1 > level.threshold ? Math.floor(critical) - 1 : Math.ceil(level.threshold) + 1;
    t.true(Number.isInteger(whole) && whole !== level.threshold && whole < critical);
    // The walkthrough's own commands (its quote test, render, the grep of the rule): the suites the
    // number feeds ran with the decimal above and read it the same way whatever its form.
    return follow(t, whole, []);
});
