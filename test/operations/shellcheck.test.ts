import test from "ava";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";

const run = promisify(execFile);
const DIR = path.resolve(__dirname, "..", "..", "operations", "backup");

test("the backup and restore scripts pass shellcheck, sourced library included", async (t) => {
    const scripts = fs.readdirSync(DIR).filter((f) => f.endsWith(".sh"));
    t.true(scripts.length >= 8);
    const result = await run("shellcheck", ["-x", "--severity=style", ...scripts], { cwd: DIR }).catch((e: { stdout: string; code: number }) => e);
    t.is("code" in result ? result.code : 0, 0, "stdout" in result ? result.stdout : "");
});

test("every script a job runs is executable in the repository", (t) => {
    for (const f of fs.readdirSync(DIR).filter((f) => f.endsWith(".sh") && f !== "lib.sh")) {
        t.truthy(fs.statSync(path.join(DIR, f)).mode & 0o111, `${f} is not executable`);
    }
});
