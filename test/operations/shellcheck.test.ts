import test from "ava";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { opsLibrary } from "../../capabilities/docker/backups";

const run = promisify(execFile);
const DIR = path.resolve(__dirname, "..", "..", "operations", "backup");

test("the backup and restore scripts pass shellcheck, sourced library included", async (t) => {
    const scripts = fs.readdirSync(DIR).filter((f) => f.endsWith(".sh"));
    t.true(scripts.length >= 8);
    const result = await run("shellcheck", ["-x", "--severity=style", ...scripts], { cwd: DIR }).catch((e: { stdout: string; code: number }) => e);
    t.is("code" in result ? result.code : 0, 0, "stdout" in result ? result.stdout : "");
});

test("every script a job runs is executable in the repository", (t) => {
    for (const f of fs.readdirSync(DIR).filter((f) => f.endsWith(".sh") && !/^lib(-[a-z]+)?\.sh$/.test(f))) {
        t.truthy(fs.statSync(path.join(DIR, f)).mode & 0o111, `${f} is not executable`);
    }
});

test("lib.sh sources every part of the library beside it, and the Docker jobs upload the whole library", (t) => {
    const parts = fs.readdirSync(DIR).filter((f) => /^lib-[a-z]+\.sh$/.test(f));
    t.true(parts.length >= 3, parts.join(", "));
    const sourced = [...fs.readFileSync(path.join(DIR, "lib.sh"), "utf8").matchAll(/^source "\$_LIB_DIR\/(lib-[a-z]+\.sh)"$/gm)].map((m) => m[1]);
    t.deepEqual([...sourced].sort(), [...parts].sort());
    t.deepEqual(opsLibrary(), ["lib.sh", ...parts].sort());
});
