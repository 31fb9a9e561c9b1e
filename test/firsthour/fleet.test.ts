import test from "ava";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { DRIFT_STACKS } from "../../operations/drift/stacks";
import { APP_IDS, ENVS } from "../../runbooks";
import { allStacks } from "../../stacks/settings";

/**
 * The fleet is derived from the data (APP_IDS × environments) everywhere: no file but the stack
 * files themselves lists the stacks by hand, no help text or document states their number, and
 * CI's drift matrix comes from a command.
 */

const ROOT = path.resolve(__dirname, "..", "..");
const STACKS = allStacks();
const appOf = (stack: string) => APP_IDS.find((a) => stack.startsWith(`${a}-`))!;

/** The project's files as git tracks them (the working tree's version), stack files excepted. */
function projectFiles(): string[] {
    const listed = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" }).trim().split("\n");
    return listed.filter((f) => !/^stacks\/Pulumi\.[^/]+\.yaml$/.test(f) && fs.existsSync(path.join(ROOT, f)) && !/\.(png|jpg|gz|tgz)$/.test(f));
}

const stackNameRe = new RegExp(`(?<![a-z0-9-])(${STACKS.map((s) => s.replace(/[-]/g, "\\-")).join("|")})(?![a-z0-9-])`, "g");

/**
 * Where a text lists the fleet by hand: a line naming stacks of more than one app, four or more
 * (an array, a matrix), or four or more consecutive lines that each hold just a stack name, of
 * more than one app (a YAML or bulleted list). One app's three stacks in a test's expectation, or
 * a stack named in an example, are not a list of the fleet.
 */
function handLists(text: string): string[] {
    const found: string[] = [];
    const lines = text.split("\n");
    lines.forEach((line, i) => {
        const names = new Set([...line.matchAll(stackNameRe)].map((m) => m[1]));
        if (names.size >= 4 && new Set([...names].map(appOf)).size > 1) found.push(`line ${i + 1}: ${[...names].join(", ")}`);
    });
    const alone = new RegExp(`^\\s*(?:-\\s*)?["'\`]?(${STACKS.map((s) => s.replace(/-/g, "\\-")).join("|")})["'\`]?,?\\s*$`);
    let run: { start: number; names: string[] } | undefined;
    lines.forEach((line, i) => {
        const m = alone.exec(line);
        if (m) run = run ? { ...run, names: [...run.names, m[1]] } : { start: i + 1, names: [m[1]] };
        if (!m || i === lines.length - 1) {
            if (run && run.names.length >= 4 && new Set(run.names.map(appOf)).size > 1) found.push(`lines ${run.start}-: ${run.names.join(", ")}`);
            if (!m) run = undefined;
        }
    });
    return found;
}

test("the detector finds the lists it is meant to find, and not one app's stacks or an example", (t) => {
    t.is(handLists(`all='${JSON.stringify(STACKS)}'`).length, 1, "a JSON array of the fleet");
    t.is(handLists(["matrix:", "  stack:", ...STACKS.map((s) => `    - ${s}`)].join("\n")).length, 1, "a YAML list of the fleet");
    t.is(handLists(STACKS.slice(0, 6).join(" ")).length, 1, "two apps' stacks on a line");
    t.deepEqual(handLists(`t.deepEqual(affected, ${JSON.stringify(ENVS.map((e) => `${APP_IDS[0]}-${e}`))});`), [], "one app's stacks");
    t.deepEqual(handLists(`npm run plan -- --stack ${STACKS[0]} --json\nnpm run drift -- --stack ${STACKS[STACKS.length - 1]}`), [], "examples");
});

test("no file but stacks/Pulumi.<stack>.yaml lists the stacks by hand", (t) => {
    const offenders: string[] = [];
    for (const f of projectFiles()) {
        for (const where of handLists(fs.readFileSync(path.join(ROOT, f), "utf8"))) offenders.push(`${f} ${where}`);
    }
    t.deepEqual(offenders, [], "derive the list from APP_IDS × ENVS (stacks/settings.ts allStacks, operations/drift/stacks.ts)");
});

/** Help texts and documents that state the fleet's size. */

test("no help text, document or workflow states the number of stacks", (t) => {
    const n = STACKS.length;
    const claim = new RegExp(`\\b(all ${n}|${n} stacks|${n} in all|${n} (committed )?stacks'?|${n} configs)\\b`);
    const userFacing = projectFiles().filter((f) => (/^(README\.md|docs\/.*\.md|cli\/.*\.ts|\.github\/workflows\/.*\.ya?ml|\.ci\/.*)$/.test(f) || f === "Pulumi.yaml"));
    t.true(userFacing.some((f) => f.startsWith("cli/")) && userFacing.includes("README.md"));
    const found = userFacing.flatMap((f) =>
        fs
            .readFileSync(path.join(ROOT, f), "utf8")
            .split("\n")
            .flatMap((l, i) => (claim.test(l) ? [`${f}:${i + 1}: ${l.trim()}`] : [])),
    );
    t.deepEqual(found, []);
});

test("CI's drift matrix is the command's list, which is the data's shared stacks", (t) => {
    const wf = YAML.parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", "drift.yml"), "utf8")) as { jobs: Record<string, { steps?: { run?: string }[] }> };
    const runs = Object.values(wf.jobs).flatMap((j) => (j.steps ?? []).map((s) => s.run ?? ""));
    t.true(runs.some((r) => r.includes("npm run drift -- --list")), "the workflow does not ask the command for its stacks");
    t.deepEqual([...DRIFT_STACKS], STACKS.filter((s) => !s.endsWith("-local")));
    t.is(DRIFT_STACKS.length, APP_IDS.length * (ENVS.length - 1));
});
