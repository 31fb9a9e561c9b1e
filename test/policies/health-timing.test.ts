import test from "ava";
import { HEALTH_CHECK, healthCommand } from "../../capabilities/aws/containers";
import { START_GRACE_SECONDS } from "../../capabilities/kubernetes/apps";
import { names } from "../../capabilities/kubernetes/names";
import { redisStatefulSetSpec } from "../../capabilities/kubernetes/redis-statefulset";
import { mongoStatefulSetSpec } from "../../capabilities/kubernetes/mongodb-statefulset";
import { DATA_HEALTHCHECK } from "../../components/targets/docker/data/kind";
import { planStack } from "../../cli/harness/runtime";
import { durationSeconds, getRunbook, type AppId } from "../../runbooks";
import { downBudget, serviceDownBudget } from "../../policies/lib/probes";
import { runPolicies } from "../../policies/offline";
import { policies } from "../../policies/pack";
import { check, compliantAndBroken, find, type Fake } from "./helpers";
import { healthTimingMutations, healthTimingTightenings } from "./mutation-health-timing";

/**
 * Issue 13, program13: the health timings the program itself broke, and MSK's pinned revision.
 * The old program's timings are mandatory findings now (each bound counts the whole timing: ECS'
 * last timeout, liveness' initial delay and timeout, Docker's (interval + timeout) × retries), data
 * stores are held to their own down level on Kubernetes and Docker, and the new timings fit every
 * app's and store's level. The last test replays the mutations on real plans (cached).
 */

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// ---- ECS: the old HEALTH_CHECK (every 30 s) against each app's ServiceDown ----
test("aws-ecs-health-timing: the old 30 s check (interval × retries + timeout past ServiceDown) is a mandatory finding in every app", async (t) => {
    const old = { interval: 30, timeout: 5, retries: 3, startPeriod: 60 };
    for (const app of ["pfm-community", "formula-pm", "personal-finance-hub", "bunty", "gravitypm"] as AppId[]) {
        const rb = getRunbook(app);
        const budget = serviceDownBudget(rb)!;
        t.true(HEALTH_CHECK.interval * HEALTH_CHECK.retries + HEALTH_CHECK.timeout <= budget.seconds, `${app}: the platform's check fits ServiceDown`);
        for (const svc of rb.services) {
            const task = (hc: object): Fake[] => [
                {
                    type: "aws:ecs/taskDefinition:TaskDefinition",
                    name: `${app}-services-${svc.name}`,
                    props: { family: `${app}-production-${svc.name}`, containerDefinitions: JSON.stringify([{ name: svc.name, image: "x@sha256:0", essential: true, healthCheck: { command: healthCommand(svc), ...hc } }]) },
                },
            ];
            t.deepEqual((await check("aws-ecs-health-timing", `${app}-production`, task(HEALTH_CHECK))).messages, [], `${app} ${svc.name}: the platform's check passes`);
            const found = await check("aws-ecs-health-timing", `${app}-production`, task(old));
            const worst = old.interval * old.retries + old.timeout;
            t.true(found.violations.some((v) => v.level === "mandatory" && v.key === budget.key && v.message.includes(`keeps a dead ${svc.name} task for up to ${worst}s`)), `${app} ${svc.name}: ${found.messages.join("\n")}`);
        }
    }
});

// ---- Kubernetes: the data stores' own StatefulSets against their own down level ----
const STORES: { app: AppId; store: "redis" | "mongodb"; spec: (app: AppId) => Record<string, any> }[] = [
    { app: "bunty", store: "redis", spec: (app) => redisStatefulSetSpec(getRunbook(app), names(app, app)) as Record<string, any> },
    { app: "pfm-community", store: "redis", spec: (app) => redisStatefulSetSpec(getRunbook(app), names(app, app)) as Record<string, any> },
    { app: "gravitypm", store: "mongodb", spec: (app) => mongoStatefulSetSpec(getRunbook(app), names(app, app)) as Record<string, any> },
];
for (const { app, store, spec } of STORES) {
    test(`k8s-workload-probes-resources: ${app}'s ${store} StatefulSet restarts a dead server within ${store}-down, starts within the grace`, async (t) => {
        const budget = downBudget(getRunbook(app), `${store}_down`)!;
        t.truthy(budget, `${app}'s runbook has a ${store}_down level`);
        const sts = (): Fake[] => [{ type: "kubernetes:apps/v1:StatefulSet", name: `${app}-${store}`, props: { metadata: { name: `${app}-${store}`, namespace: app }, spec: structuredClone(spec(app)) } }];
        const main = (r: Fake[]) => find(r, `${app}-${store}`).props.spec.template.spec.containers[0] as Record<string, any>;
        await compliantAndBroken(t, "k8s-workload-probes-resources", `${app}-staging`, sts, {
            // The old program: no startup probe, liveness held off 30 s (Redis) or 60 s (MongoDB), every 20 s.
            "the old shape (initial delay, 20 s period, no startup probe)": {
                edit: (r) => {
                    delete main(r).startupProbe;
                    Object.assign(main(r).livenessProbe, { initialDelaySeconds: 30, periodSeconds: 20 });
                },
                expect: new RegExp(`livenessProbe initialDelaySeconds 30 \\+ periodSeconds 20 .* restarts a dead or hung ${store} container only after \\d+s, later than ${budget.seconds}s: .*\\[runbook key: ${escape(budget.key)}\\]`),
            },
            "a startup probe past the grace": {
                edit: (r) => (main(r).startupProbe.failureThreshold *= 3),
                expect: new RegExp(`startupProbe initialDelaySeconds 0 \\+ .* holds liveness off for \\d+s, longer than the platform's start grace of ${START_GRACE_SECONDS}s`),
            },
        });
        const tight = sts();
        Object.assign(main(tight).livenessProbe, { periodSeconds: 5 });
        main(tight).startupProbe.failureThreshold = 1;
        t.deepEqual((await check("k8s-workload-probes-resources", `${app}-staging`, tight)).messages, []);
    });
}

// ---- Docker: data stores against their own down level (pfm-community's PostgreSQL: the shortest) ----
test("docker-container-healthcheck: each data store's healthcheck calls a hung store unhealthy within its own down level", async (t) => {
    const cases: { app: AppId; store: "postgres" | "redis" | "mongodb"; image: string; tests: string[] }[] = [
        { app: "pfm-community", store: "postgres", image: "postgres:16.4", tests: ["CMD-SHELL", "pg_isready -q -h 127.0.0.1 -p 5432"] },
        { app: "pfm-community", store: "redis", image: "redis:7.4.1", tests: ["CMD-SHELL", "redis-cli ping | grep -q PONG"] },
        { app: "gravitypm", store: "mongodb", image: "mongo:7.0.14", tests: ["CMD", "mongosh", "--quiet", "--eval", "db.adminCommand({ ping: 1 }).ok"] },
    ];
    const step = durationSeconds(DATA_HEALTHCHECK.interval) + durationSeconds(DATA_HEALTHCHECK.timeout);
    for (const { app, store, image, tests } of cases) {
        const budget = downBudget(getRunbook(app), `${store}_down`)!;
        t.true(step * DATA_HEALTHCHECK.retries <= budget.seconds, `${app} ${store}: the platform's data healthcheck fits ${budget.key}`);
        const container = (): Fake[] => [{ type: "docker:index/container:Container", name: `${app}-${store}`, props: { name: `${app}-${store}`, image, restart: "unless-stopped", healthcheck: { tests, ...DATA_HEALTHCHECK } } }];
        const hc = (r: Fake[]) => find(r, `${app}-${store}`).props.healthcheck as Record<string, any>;
        await compliantAndBroken(t, "docker-container-healthcheck", `${app}-local`, container, {
            // The old DATA_HEALTHCHECK: every 10 s, 5 retries: (10 + 5) × 5 = 75 s.
            "the old 10 s × 5 retries": {
                edit: (r) => Object.assign(hc(r), { interval: "10s", retries: 5 }),
                expect: new RegExp(`\\(interval 10s \\+ timeout ${DATA_HEALTHCHECK.timeout}\\) × retries 5 calls a hung ${store} container unhealthy only after 75s, later than ${budget.seconds}s: .*${escape(budget.key)}`),
            },
            "Docker's defaults": { edit: (r) => delete hc(r).interval, expect: /interval 30s, Docker's default/ },
        });
        const tight = container();
        Object.assign(hc(tight), { interval: "2s", retries: 2 });
        t.deepEqual((await check("docker-container-healthcheck", `${app}-local`, tight)).messages, [], `${app} ${store}: a faster check passes`);
        // As the platform plans it: pulled by image ID, the store's kind in the `component` label.
        const byId = (component: string, healthcheck?: object): Fake[] => [
            { type: "docker:index/container:Container", name: `${app}-${component}`, props: { name: `${app}-local-${component}`, image: `sha256:${"0".repeat(64)}`, restart: "unless-stopped", labels: [{ label: "component", value: component }], ...(healthcheck ? { healthcheck } : {}) } },
        ];
        t.deepEqual((await check("docker-container-healthcheck", `${app}-local`, byId(store, { tests, ...DATA_HEALTHCHECK }))).messages, [], `${app} ${store} by image ID: passes`);
        const slow = await check("docker-container-healthcheck", `${app}-local`, byId(store, { tests, ...DATA_HEALTHCHECK, interval: "10s", retries: 5 }));
        t.true(slow.messages.some((m) => m.includes(`calls a hung ${store} container unhealthy only after 75s`) && m.includes(budget.key)), `${app} ${store} by image ID: ${slow.messages.join("\n")}`);
        t.deepEqual((await check("docker-container-healthcheck", `${app}-local`, byId("backups"))).messages, [], "a backup runner on the store's image is no store");
    }
});

// ---- The mutation suite's health-timing edits on real plans (cached) ----
for (const stack of ["gravitypm-staging", "bunty-staging", "personal-finance-hub-production"]) {
    test(`${stack}: the health-timing edits are mandatory findings, tightenings are not`, async (t) => {
        t.timeout(120_000);
        const app = stack.replace(/-(staging|production)$/, "") as AppId;
        const plan = await planStack(stack);
        const mutations = healthTimingMutations(getRunbook(app), plan);
        const names = new Set(mutations.flatMap((m) => m.policies ?? []));
        const pack = policies.filter((p) => names.has(p.name));
        const before = new Set((await runPolicies(plan, { policies: pack })).violations.filter((v) => v.level === "mandatory").map((v) => v.message));
        t.is(before.size, 0, "the plan passes");
        t.log(mutations.map((m) => m.id).join("; "));
        t.true(mutations.length >= (plan.target === "aws" ? 3 : 2), `${mutations.map((m) => m.id).join("; ")}`);
        for (const m of mutations) {
            const report = await runPolicies(m.edit!(plan)!, { policies: pack });
            t.true(report.violations.some((v) => v.level === "mandatory" && m.policies!.includes(v.policy) && !before.has(v.message)), `${m.id}: not caught`);
        }
        for (const tight of healthTimingTightenings(plan)) {
            const report = await runPolicies(tight.edit(plan), { policies: pack });
            t.deepEqual(report.violations.filter((v) => v.level === "mandatory").map((v) => v.message), [], tight.id);
        }
    });
}
