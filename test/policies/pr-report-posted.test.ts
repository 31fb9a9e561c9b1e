import test from "ava";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";

/**
 * The offline policy check's report reaches the pull request whatever the check step ended with:
 * a step that fails (the check broke, exit 2) must not leave the sticky comment showing an older
 * run's report (review of issue 13, offline CLI). Read from .github/workflows/pr.yml itself.
 */

const PR = path.join(__dirname, "..", "..", ".github", "workflows", "pr.yml");

interface Step {
    readonly name?: string;
    readonly id?: string;
    readonly if?: string;
    readonly uses?: string;
    readonly run?: string;
    readonly with?: Record<string, unknown>;
}

function policySteps(text: string): Step[] {
    const wf = YAML.parse(text) as { jobs: Record<string, { steps?: Step[] }> };
    const job = Object.values(wf.jobs).find((j) => (j.steps ?? []).some((s) => /policy -- --all --markdown/.test(s.run ?? "")));
    return job?.steps ?? [];
}

/** Problems with how the policy job reports: the post step's condition and what a broken check leaves in the report file. */
export function reportProblems(text: string): string[] {
    const steps = policySteps(text);
    const check = steps.findIndex((s) => /policy -- --all --markdown\s*>\s*(\S+)/.test(s.run ?? ""));
    if (check < 0) return ["no step runs `npm run policy -- --all --markdown` into a report file"];
    const report = /policy -- --all --markdown\s*>\s*(\S+)/.exec(steps[check].run ?? "")![1];
    const post = steps.findIndex((s, i) => i > check && /sticky-pull-request-comment/.test(s.uses ?? "") && s.with?.path === report);
    if (post < 0) return [`no step after the check posts ${report} as the sticky comment`];
    const out: string[] = [];
    const cond = (steps[post].if ?? "").replace(/^\$\{\{\s*|\s*\}\}$/g, "");
    // Without a status function the step runs only on success(): a failed check step skips it.
    if (!/(^|[^\w])(always\(\)|!\s*cancelled\(\)|failure\(\))/.test(cond)) out.push(`the post step's if ${JSON.stringify(steps[post].if ?? "")} has no always()/!cancelled(): a failed check step skips it and the comment keeps the previous report`);
    // A broken check (exit code other than 0 and 1) writes its failure into the report before failing the step.
    const broken = /if \[ "\$code" != 0 \] && \[ "\$code" != 1 \]; then([\s\S]*?)\n\s*fi/.exec(steps[check].run ?? "");
    if (!broken) out.push("the check step does not single out a broken check (exit code other than 0 and 1)");
    else if (!new RegExp(`>\\s*${report.replace(/\./g, "\\.")}`).test(broken[1])) out.push(`a broken check does not write its failure into ${report}: the comment would post a partial or empty report`);
    return out;
}

const text = fs.readFileSync(PR, "utf8");

test("pr.yml posts the policy report even when the check step failed, and a broken check says so in it", (t) => {
    t.deepEqual(reportProblems(text), []);
});

test("the report checks fail on the workflow edits they guard against", (t) => {
    const loosen = (what: string, from: RegExp, to: string, expect: RegExp) => {
        const edited = text.replace(from, to);
        t.not(edited, text, `${what}: the edit applies`);
        t.true(reportProblems(edited).some((p) => expect.test(p)), `${what}: expected ${expect}, got ${JSON.stringify(reportProblems(edited))}`);
    };
    loosen("post only on success", /\$\{\{ !cancelled\(\) && (github\.event\.pull_request\.head\.repo\.full_name == github\.repository) \}\}/, "$1", /has no always\(\)\/!cancelled\(\)/);
    loosen("a broken check leaves the report as it is", /\n\s*\{ echo "### Runbook policy check \(offline\): ❌[^\n]*>policy\.md/, "", /does not write its failure into policy\.md/);
});
