import test from "ava";
import { APP_IDS } from "../../runbooks";
import { runMutations, type Result } from "./mutation-lib";

/**
 * For each app's production and staging stack, every runbook number the pack guards is loosened
 * in the program's runbook (and a few security settings and flags are loosened too); the pack,
 * reading the baseline runbook, must report each as a mandatory violation naming that number.
 * The score is killed / (killed + survived); mutations a target does not implement yet ("no
 * effect"), whose resource it does not have ("not applicable"), or that the program itself refuses
 * to build ("refused") are listed, not scored.
 */

const STACKS = APP_IDS.flatMap((app) => (["production", "staging"] as const).map((env) => ({ app, env, stack: `${app}-${env}` }))).filter(
    (s) => !process.env.MUTATION_STACKS || process.env.MUTATION_STACKS.split(",").includes(s.stack),
);
const results: Result[] = [];

for (const { app, env, stack } of STACKS) {
    test.serial(`mutations of ${stack}`, async (t) => {
        // A stack plans its program several times; on a loaded two-core machine that outlasts ava's 120 s default.
        t.timeout(10 * 60_000);
        const mine = await runMutations(stack, env, app);
        results.push(...mine);
        const count = (s: Result["status"]) => mine.filter((r) => r.status === s).length;
        t.log(`${stack}: ${count("killed")} killed, ${count("survived")} survived, ${count("no effect")} no effect, ${count("refused")} refused by the program, ${count("not applicable")} not applicable`);
        for (const r of mine.filter((x) => x.status !== "killed")) t.log(`  ${r.status}: ${r.mutation} (${r.how})${r.status === "refused" && r.by ? ` — ${r.by}` : ""}`);
        t.deepEqual(
            mine.filter((r) => r.status === "survived").map((r) => r.mutation),
            [],
            `${stack}: a loosened number the pack did not report`,
        );
        t.deepEqual(
            mine.filter((r) => r.status === "false positive").map((r) => r.mutation),
            [],
            `${stack}: a tightening edit the pack reported`,
        );
        t.true(count("killed") > 0, `${stack}: the pack caught nothing at all`);
    });
}

test.serial("the mutation score is 100%", (t) => {
    const killed = results.filter((r) => r.status === "killed").length;
    const survived = results.filter((r) => r.status === "survived").length;
    const score = killed + survived === 0 ? 0 : (100 * killed) / (killed + survived);
    const line = `mutation score: ${score.toFixed(1)}% (${killed} killed, ${survived} survived; ${results.filter((r) => r.status === "no effect").length} without effect on the plan, ${results.filter((r) => r.status === "refused").length} refused by the program, ${results.filter((r) => r.status === "not applicable").length} not applicable) over ${STACKS.length} stacks`;
    t.log(line);
    console.log(line);
    t.is(score, 100);
});
