import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { workflowProblems } from "./workflows";

/** The repository's workflows: actions pinned by SHA; pull requests' code never near a secret without review. */

const DIR = path.join(__dirname, "..", "..", ".github", "workflows");
const files = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
const read = (f: string) => fs.readFileSync(path.join(DIR, f), "utf8");

test("every workflow: third-party actions pinned by full commit SHA; pull-request jobs get secrets only in a protected environment, never for a fork", (t) => {
    t.true(files.includes("pr.yml") && files.includes("drift.yml"));
    t.deepEqual(
        files.flatMap((f) => workflowProblems(f, read(f))),
        [],
    );
});

test("the checks fail on the loosenings they guard against", (t) => {
    const pr = read("pr.yml");
    const loosen = (what: string, from: RegExp | string, to: string, expect: RegExp) => {
        const text = pr.replace(from, to);
        t.not(text, pr, `${what}: the edit applies`);
        t.true(
            workflowProblems("pr.yml", text).some((p) => expect.test(p)),
            `${what}: expected ${expect}`,
        );
    };
    loosen("a major tag", /actions\/checkout@[0-9a-f]{40} # v[\d.]+/, "actions/checkout@v4", /actions\/checkout@v4 is not pinned/);
    loosen("a short SHA", /actions\/setup-node@([0-9a-f]{40})/, "actions/setup-node@49933ea", /setup-node@49933ea is not pinned/);
    loosen("a SHA with no version", /(pulumi\/actions@[0-9a-f]{40}) # v[\d.]+/, "$1", /has no "# <version>" comment/);
    loosen("the environment dropped", /\n    environment: preview\n/, "\n", /job preview reads secrets outside a protected environment/);
    loosen("forks let in", /github\.event\.pull_request\.head\.repo\.full_name == github\.repository && /, "", /job preview holds credentials but may run a fork's branch/);
    loosen("a secret in the tests", /      - run: bash \.ci\/run/, "      - run: bash .ci/run\n        env:\n          TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}", /job test reads secrets outside a protected environment/);
    loosen("write-all at the top", /\npermissions:\n  contents: read\n/, "\npermissions: write-all\n", /workflow-level permissions grant write \(write-all\)/);
    loosen("pull_request_target", /\non:\n  pull_request:\n/, "\non:\n  pull_request_target:\n", /pull_request_target runs with the base repository's secrets/);
});
