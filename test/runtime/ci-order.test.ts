import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { pathToFileURL } from "url";

/**
 * The order CI starts the test files in. ava runs two files at a time on the 2-core CI machine and
 * starts them in the order its glob returns them (it sorts only with a `sortTestFiles` function,
 * which package.json cannot hold); a file alone decides when its slot is free again. Alphabetically
 * the longest files (the program through cmd/run, ~2 minutes; the pack over gRPC, run serially)
 * came among the last, so one slot kept running them after the other had nothing left. package.json
 * names the longest files first, then `test/**` for all of them (a file matched twice runs once).
 *
 * ava's glob (globby, then fast-glob) returns the files named outright first, grouped by folder in
 * the order the folders first appear; this test holds the configuration to that, through ava's own
 * glob, so a renamed file or a changed glob library cannot quietly send a long file back to the end.
 */

const ROOT = path.resolve(__dirname, "..", "..");

interface AvaConfig {
    readonly files: string[];
    readonly extensions: Record<string, string>;
}

test("CI starts the longest test files first, then every other one exactly once", async (t) => {
    const config = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { ava: AvaConfig }).ava;
    const named = config.files.filter((f) => !/[*?{[]/.test(f));
    t.true(named.length > 0, "package.json ava.files names no file to start first");
    t.is(config.files[config.files.length - 1], "test/**/*.test.ts", "the last pattern takes every test file");
    for (const f of named) t.true(fs.existsSync(path.join(ROOT, f)), `package.json ava.files names ${f}, which does not exist`);

    // ava's own file discovery, as `npx ava` runs it (a module ava does not export: loaded by its path).
    const globs = (await import(pathToFileURL(path.join(ROOT, "node_modules", "ava", "lib", "globs.js")).href)) as {
        normalizeGlobs(o: { extensions: string[]; files: string[]; providers: unknown[] }): { filePatterns: string[] };
        findTests(o: { cwd: string; extensions: string[]; filePatterns: string[] }): Promise<string[]>;
    };
    const extensions = Object.keys(config.extensions);
    const { filePatterns } = globs.normalizeGlobs({ extensions, files: config.files, providers: [] });
    const found = (await globs.findTests({ cwd: ROOT, extensions, filePatterns })).map((f) => path.relative(ROOT, f));
    t.deepEqual(found.slice(0, named.length).sort(), [...named].sort(), "the named files start first");
    t.is(found[0], named[0], "the longest file starts first");
    t.is(new Set(found).size, found.length, "no file runs twice");
    const all = (await globs.findTests({ cwd: ROOT, extensions, filePatterns: globs.normalizeGlobs({ extensions, files: ["test/**/*.test.ts"], providers: [] }).filePatterns })).map((f) => path.relative(ROOT, f));
    t.deepEqual([...found].sort(), [...all].sort(), "exactly the files test/**/*.test.ts matches");
});
