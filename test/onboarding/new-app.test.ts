import test from "ava";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";

/**
 * A sixth team onboarded the way the README's "Adding an app" says, in a copy of the repository:
 * `npm run new-app` scaffolds, `npm run check` lists every problem of the bare scaffold at once,
 * the engineer fills the runbook module and the stack files' images, and `npm run check` is clean
 * (schema, quotes, three stacks planned, policy, render, promtool, amtool); `npm run docs` adds the
 * app's rows; the module type-checks as CI's tsc would.
 */

const REPO = path.resolve(__dirname, "..", "..");
const FIXTURES = path.join(REPO, "test", "fixtures", "onboarding");
const COPIED = ["runbooks", "capabilities", "components", "stacks", "cli", "policies", "operations", "docs", "index.ts", "package.json", "tsconfig.json", "Pulumi.yaml", "README.md"];
const TSX = path.join(REPO, "node_modules", ".bin", "tsx");
const TSC = path.join(REPO, "node_modules", ".bin", "tsc");

function run(cwd: string, cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
    });
}

let root = "";
test.before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "onboarding-"));
    for (const entry of COPIED) fs.cpSync(path.join(REPO, entry), path.join(root, entry), { recursive: true });
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(root, "node_modules"));
});
test.after.always(() => root && fs.rmSync(root, { recursive: true, force: true }));

test.serial("new-app scaffolds, check lists every problem at once, the filled app checks clean", async (t) => {
    const seed = path.join(FIXTURES, "ledger-runbook.txt");
    const scaffold = await run(root, TSX, ["cli/new-app.ts", "--id", "ledger", "--seed", seed]);
    t.is(scaffold.code, 0, scaffold.stderr);
    for (const f of ["runbooks/ledger.ts", "runbooks/seeds/ledger-runbook.txt", "stacks/Pulumi.ledger-local.yaml", "stacks/Pulumi.ledger-staging.yaml", "stacks/Pulumi.ledger-production.yaml"]) {
        t.true(fs.existsSync(path.join(root, f)), f);
    }
    t.regex(fs.readFileSync(path.join(root, "runbooks/schema.ts"), "utf8"), /APP_IDS = \[[^\]]*"ledger"\] as const/);
    t.regex(fs.readFileSync(path.join(root, "runbooks/index.ts"), "utf8"), /"ledger": ledger,/);
    t.regex(fs.readFileSync(path.join(root, "runbooks/ledger.ts"), "utf8"), /\* {3}Alert Rules\n/, "the module lists the seed's sections to cite");

    // Running it again writes nothing and says why.
    const again = await run(root, TSX, ["cli/new-app.ts", "--id", "ledger", "--seed", seed]);
    t.is(again.code, 1);
    t.regex(again.stderr, /already an app[\s\S]*runbooks\/ledger\.ts exists/);

    // The bare scaffold: every empty fact reported in one run, each with its path.
    const bare = await run(root, TSX, ["cli/check.ts", "--app", "ledger", "--json"]);
    t.is(bare.code, 1, bare.stderr);
    const report = JSON.parse(bare.stdout) as { problems: { step: string; message: string }[] };
    const paths = report.problems.filter((p) => p.step === "runbook").map((p) => p.message.split(":")[0]);
    for (const p of ["services", "alerts", "backups", "incident.severities", "incident.escalation", "logs.source.quote", "monitoring.source.quote"]) t.true(paths.includes(p), `${p} reported; got ${paths.join(", ")}`);

    // The engineer's work: the runbook module and each service's pinned image.
    fs.writeFileSync(path.join(root, "runbooks/ledger.ts"), fs.readFileSync(path.join(FIXTURES, "ledger.ts.txt"), "utf8"));
    for (const env of ["local", "staging", "production"]) {
        const file = path.join(root, `stacks/Pulumi.ledger-${env}.yaml`);
        const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
        doc.setIn(["config", "runbook-platform:images"], { "ledger-api": "ghcr.io/ledger/api:2.3.1", "settlement-worker": "ghcr.io/ledger/worker:2.3.1", web: "ghcr.io/ledger/web:2.3.1" });
        fs.writeFileSync(file, doc.toString());
    }
    const clean = await run(root, TSX, ["cli/check.ts", "--app", "ledger", "--json"]);
    const result = JSON.parse(clean.stdout) as { problems: unknown[]; seconds: number };
    t.deepEqual(result.problems, [], clean.stdout);
    t.is(clean.code, 0);
    t.log(`npm run check -- --app ledger: ${result.seconds.toFixed(1)} s (schema, quotes, 3 plans, policy, render, promtool, amtool)`);

    // The docs gain the app's rows; the module type-checks with the runbook layer.
    t.is((await run(root, TSX, ["cli/docs.ts"])).code, 0);
    t.true(fs.readFileSync(path.join(root, "README.md"), "utf8").includes("| `ledger` | `runbooks/seeds/ledger-runbook.txt` |"));
    t.true(fs.readFileSync(path.join(root, "docs/docker.md"), "utf8").includes("| | pfm-community | formula-pm | personal-finance-hub | bunty | gravitypm | ledger |"));
    const tsc = await run(root, TSC, ["--noEmit", "--strict", "--skipLibCheck", "--esModuleInterop", "--target", "es2022", "--module", "commonjs", "runbooks/index.ts"]);
    t.is(tsc.code, 0, tsc.stdout + tsc.stderr);
});

test.serial("a broken quote and a missing image are listed by one check, and the stacks not broken are still checked", async (t) => {
    const module = fs.readFileSync(path.join(FIXTURES, "ledger.ts.txt"), "utf8").replace("| API error rate | > 2% of requests return 5xx for 5 minutes | critical |", "| API error rate | > 3% of requests return 5xx for 5 minutes | critical |");
    fs.writeFileSync(path.join(root, "runbooks/ledger.ts"), module);
    const local = path.join(root, "stacks/Pulumi.ledger-local.yaml");
    const doc = YAML.parseDocument(fs.readFileSync(local, "utf8"));
    doc.deleteIn(["config", "runbook-platform:images", "web"]);
    fs.writeFileSync(local, doc.toString());
    const r = await run(root, TSX, ["cli/check.ts", "--app", "ledger", "--json"]);
    t.is(r.code, 1);
    const { problems, skipped } = JSON.parse(r.stdout) as { problems: { step: string; stack?: string; message: string }[]; skipped: string[] };
    t.true(problems.some((p) => p.step === "provenance" && /does not contain/.test(p.message)), "the quote no longer in its section");
    t.true(problems.some((p) => p.step === "provenance" && /2 is not in the quote/.test(p.message)), "the threshold no longer in its quote");
    t.true(problems.some((p) => p.step === "config" && p.stack === "ledger-local" && /web/.test(p.message)), "the missing image");
    t.deepEqual(skipped, ["ledger-local: plan, policy and render (its configuration is invalid)"], "only the broken stack's later steps are skipped");
});
