import test from "ava";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * Machine-readable output through plain `npm run`, the way a new user starts the commands: the
 * README's examples are run exactly as printed, in a shell, from the project directory, and
 * their stdout must be the command's output alone (no npm banner, no progress lines).
 */

const ROOT = path.resolve(__dirname, "..", "..");

/** The environment of a fresh shell: no npm settings inherited from an `npm test` that started us. */
function shellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
    return { ...env, ...extra };
}

function sh(command: string, pipefail = true): { stdout: string; stderr: string; status: number | null } {
    const r = spawnSync("bash", [...(pipefail ? ["-o", "pipefail"] : []), "-c", command], { cwd: ROOT, env: shellEnv(), encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Every `npm run …` command line of the README's bash blocks (not a synopsis with `[--option]`). */
function readmeNpmRunLines(): string[] {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const blocks = [...readme.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
    return blocks.flatMap((b) => b.split("\n")).filter((l) => /^npm run \w+ -- /.test(l) && !/\[--/.test(l));
}

test("README: every `npm run … --json` example prints JSON alone on stdout, and every command the project offers has one", (t) => {
    const examples = readmeNpmRunLines().filter((l) => /--json\b/.test(l));
    const commands = new Set(examples.map((l) => /^npm run (\w+)/.exec(l)![1]));
    for (const script of ["plan", "policy", "coverage", "drift"]) t.true(commands.has(script), `README has no \`npm run ${script} -- … --json\` example`);
    for (const line of examples) {
        // Each example runs once, as printed. Its own stdout is kept on the way into jq (tee), so the
        // check parses what the command printed even where jq is not installed.
        const command = line.replace(/\s*\|\s*jq .*$/, "");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "readme-json-"));
        const captured = path.join(dir, "stdout.json");
        const piped = line !== command && fs.existsSync("/usr/bin/jq");
        // drift without the Pulumi CLI reports the failure in its JSON and exits 1; the others succeed.
        const drift = command.startsWith("npm run drift");
        const r = sh(piped ? line.replace(command, `${command} | tee ${captured}`) : `${command} > ${captured}`, !drift);
        const stdout = fs.readFileSync(captured, "utf8");
        fs.rmSync(dir, { recursive: true, force: true });
        t.notThrows(() => JSON.parse(stdout), `${command}: stdout is not JSON: ${stdout.slice(0, 120)}`);
        // With pipefail the status is the command's and jq's (jq fails on anything that is not JSON);
        // drift's is jq's alone when piped, and not checked when not.
        if (piped || !drift) t.is(r.status, 0, `${piped ? line : command}: ${r.stderr}`);
    }
});

test("README: `npm run render` prints only the paths of the files it wrote", (t) => {
    const line = readmeNpmRunLines().find((l) => l.startsWith("npm run render -- "));
    t.truthy(line, "README has no `npm run render` example");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-readme-"));
    try {
        // The README writes under out/ in the project; here the same command writes into a temp dir.
        const r = sh(line!.replace(/--out \S+/, `--out ${dir}`));
        t.is(r.status, 0, r.stderr);
        const printed = r.stdout.trim().split("\n");
        t.true(printed.length > 3);
        for (const file of printed) t.true(fs.statSync(file).isFile(), `printed ${JSON.stringify(file)}, not a file it wrote`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("plan --json through npm run is the same JSON as through tsx", (t) => {
    const viaNpm = sh("npm run plan -- --stack formula-pm-local --json");
    const direct = sh("npx tsx cli/plan.ts --stack formula-pm-local --json");
    t.is(viaNpm.status, 0, viaNpm.stderr);
    t.is(viaNpm.stdout, direct.stdout);
});

test(".npmrc keeps npm silent for scripts and runs no dependency install script", (t) => {
    // Read the settings as npm resolves them in the project, not by parsing the file ourselves.
    t.is(sh("npm config get loglevel").stdout.trim(), "silent");
    t.is(sh("npm config get ignore-scripts").stdout.trim(), "true");
});
