import test from "ava";
import { planStack } from "../../cli/harness/runtime";
import { getRunbook } from "../../runbooks";
import { runPolicies } from "../../policies/offline";
import { policies } from "../../policies/pack";
import { editUrn } from "./plan-edits";
import { storesMutations } from "./mutation-stores13";

/**
 * The reviewer's edits of findings 7, 8, 9, 10 and 16 on real plans (cached): personal-finance-hub's
 * staging plan (every store: Redis replicated, MongoDB, Loki, promtail, backup and restore-check
 * CronJobs) edit by edit through the policies concerned, mandatory each; and its local plan's
 * Docker edits, advisory there as every runbook policy on a laptop.
 */

const PFH = "personal-finance-hub";
const all = <T>(xs: readonly T[]) => [...xs];

test("staging: every stores13 switch is a mandatory finding of its policy", async (t) => {
    t.timeout(120_000);
    const plan = await planStack(`${PFH}-staging`);
    const mutations = storesMutations(getRunbook(PFH), plan, all);
    t.true(mutations.length >= 17, `${mutations.length} edits`);
    const pack = policies.filter((p) => mutations.some((m) => m.policies?.includes(p.name)));
    t.deepEqual((await runPolicies(plan, { policies: pack })).violations.map((v) => v.message), [], "the staging plan passes");
    for (const m of mutations) {
        const report = await runPolicies(m.edit!(plan)!, { policies: pack });
        t.true(report.violations.some((v) => v.level === "mandatory" && m.policies!.includes(v.policy)), `${m.id}: not caught`);
    }
});

test("local: start false, a backup runner that sleeps, unlimited swap, Loki's volume, Redis --save '' are findings (advisory)", async (t) => {
    t.timeout(120_000);
    const plan = await planStack(`${PFH}-local`);
    const C = "docker:index/container:Container";
    const named = (re: RegExp) => plan.resources.filter((r) => r.type === C && re.test(r.name));
    const edits: [string, string, RegExp, (p: Record<string, any>) => void][] = [
        ["docker-container-runs", "prometheus start false", /-prometheus$/, (p) => (p.start = false)],
        ["docker-container-runs", "alertmanager start false", /-alertmanager$/, (p) => (p.start = false)],
        ["docker-container-runs", "backup runner sleeps", /-backups-redis$/, (p) => (p.command = ["sleep", "infinity"])],
        ["docker-container-limits", "backend memorySwap -1", /-backend-1$/, (p) => (p.memorySwap = -1)],
        ["docker-loki-log-retention", "loki data volume removed", /-loki$/, (p) => (p.volumes = p.volumes.filter((v: Record<string, any>) => v.containerPath !== "/loki"))],
        ["platform-redis-persistence", "redis --save ''", /-redis-primary$/, (p) => (p.command = p.command.map((x: string) => x.replace("--include /tmp/redis-auth.conf", "--include /tmp/redis-auth.conf --save ''")))],
        ["platform-redis-maxmemory-policy", "redis --maxmemory-policy noeviction", /-redis-primary$/, (p) => (p.command = p.command.map((x: string) => x.replace("--include /tmp/redis-auth.conf", "--include /tmp/redis-auth.conf --maxmemory-policy noeviction")))],
    ];
    const pack = policies.filter((p) => edits.some(([name]) => name === p.name));
    t.deepEqual((await runPolicies(plan, { policies: pack })).violations.map((v) => v.message), [], "the local plan passes");
    for (const [policy, what, re, edit] of edits) {
        const target = named(re)[0];
        if (!target) return t.fail(`${what}: no container matches ${re}`);
        const report = await runPolicies(editUrn(plan, target.urn, edit), { policies: pack });
        t.true(report.violations.some((v) => v.policy === policy && v.level === "advisory"), `${what}: no ${policy} finding`);
    }
});
