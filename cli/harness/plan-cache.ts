import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as v8 from "v8";
import { ROOT } from "./stack-files";

/**
 * A content-addressed cache of offline plans, for the test suite. About thirty test files plan the
 * same committed stacks, each in its own process (ava runs a file per process and the SDK's mock
 * runtime is process-global); planning all fifteen costs ~18 s of CPU per process. With
 * `RUNBOOK_PLAN_CACHE` naming a directory (the ava configuration in package.json sets it), a plan
 * is stored under the hash of everything the program reads, the first process that plans a stack
 * writes it and the others read it back. A changed runbook, capability, component, stack file,
 * script, mock or locked dependency is a different hash, so a cached plan is always the plan the
 * current code makes. Plans made with a stack file text, a mutation or altered mocks are never cached, and the
 * CLIs a user runs never see a cache unless that variable is set.
 *
 * The plan is stored with the structured-clone serializer, so it reads back exactly as planned
 * (`undefined` members included), and every read is a fresh copy a test may edit.
 */

/** What the program reads: its sources, the scripts and seeds it embeds, the mocks, the locked providers. */
const INPUTS = ["index.ts", "Pulumi.yaml", "package-lock.json", "runbooks", "capabilities", "components", "stacks", "operations", "cli/harness"];
const KEPT = 4;

let key: string | undefined;

function filesUnder(rel: string): string[] {
    const full = path.join(ROOT, rel);
    if (!fs.existsSync(full)) return [];
    if (!fs.statSync(full).isDirectory()) return [rel];
    return fs
        .readdirSync(full, { withFileTypes: true })
        .sort((a, b) => a.name.localeCompare(b.name))
        .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(rel, e.name)) : e.isFile() ? [path.join(rel, e.name)] : []));
}

/** The hash of every input of the program, computed once per process. */
export function sourceKey(): string {
    if (key) return key;
    const hash = crypto.createHash("sha256");
    for (const rel of INPUTS.flatMap(filesUnder)) hash.update(rel).update("\0").update(fs.readFileSync(path.join(ROOT, rel))).update("\0");
    key = hash.digest("hex").slice(0, 24);
    return key;
}

function cacheDir(): string | undefined {
    const dir = process.env.RUNBOOK_PLAN_CACHE;
    return dir ? path.resolve(ROOT, dir) : undefined;
}

export function readCachedPlan<T>(stack: string): T | undefined {
    const dir = cacheDir();
    if (!dir) return undefined;
    try {
        return v8.deserialize(fs.readFileSync(path.join(dir, sourceKey(), `${stack}.plan`))) as T;
    } catch {
        return undefined;
    }
}

export function writeCachedPlan(stack: string, plan: unknown): void {
    const dir = cacheDir();
    if (!dir) return;
    const here = path.join(dir, sourceKey());
    fs.mkdirSync(here, { recursive: true });
    // Written whole then renamed: a process reading at the same time sees the old state or the new, never half a plan.
    const tmp = path.join(here, `.${stack}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, v8.serialize(plan));
    fs.renameSync(tmp, path.join(here, `${stack}.plan`));
    // Keep the few newest source states; older ones are plans of code that no longer exists.
    const states = fs
        .readdirSync(dir)
        .map((name) => ({ name, mtime: fs.statSync(path.join(dir, name)).mtimeMs }))
        .sort((a, b) => b.mtime - a.mtime);
    for (const old of states.slice(KEPT)) fs.rmSync(path.join(dir, old.name), { recursive: true, force: true });
}
