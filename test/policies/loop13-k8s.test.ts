import test from "ava";
import { deploymentSpec, PROBE_TIMINGS, scaledObjectSpec, START_GRACE_SECONDS } from "../../capabilities/kubernetes/apps";
import { kafkaCredentialsSecret, kafkaTriggerAuthentication, kafkaTriggerAuthenticationSpec } from "../../capabilities/kubernetes/kafka-users";
import { DATA_ACCESS_LABELS, LABEL, names } from "../../capabilities/kubernetes/names";
import { networkPolicies } from "../../capabilities/kubernetes/security";
import { HEALTHCHECK, healthcheckCommand } from "../../capabilities/docker/services";
import { planStack } from "../../cli/harness/runtime";
import { durationSeconds, getRunbook } from "../../runbooks";
import { serviceDownBudget } from "../../policies/lib/probes";
import { runPolicies } from "../../policies/offline";
import { policies } from "../../policies/pack";
import { check, compliantAndBroken, find, type Fake } from "./helpers";
import { k8sObjectMutations, k8sObjectTightenings } from "./mutation-k8s-objects";

/**
 * Issue 13, loop 13 (Kubernetes and Docker): NetworkPolicies object by object, KEDA ScaledObjects
 * as generated, and health checks no slower than the runbook's ServiceDown level. Fixtures are
 * what capabilities/ builds, broken one field at a time; the last test replays the reviewer's
 * edits on the real staging plan (cached) and its tightenings.
 */

const BUNTY = "bunty";
const bunty = getRunbook(BUNTY);
const bn = names(BUNTY, BUNTY);
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const meta = (name: string, namespace = BUNTY) => ({ name, namespace });

function network(): Fake[] {
    const backend = bunty.services.find((s) => s.name === "backend")!;
    const made = networkPolicies(bn, bunty.services, ["postgres", "redis"]);
    return [
        { type: "kubernetes:apps/v1:Deployment", name: "backend", props: { metadata: meta(bn.service("backend")), spec: { template: { metadata: { labels: { [LABEL.partOf]: BUNTY, [LABEL.name]: backend.name, [LABEL.component]: "app", ...DATA_ACCESS_LABELS } } } } } },
        { type: "kubernetes:apps/v1:StatefulSet", name: "redis", props: { metadata: meta(bn.redis), spec: { template: { metadata: { labels: { [LABEL.partOf]: BUNTY, [LABEL.dataService]: "redis" } } } } } },
        { type: "kubernetes:postgresql.cnpg.io/v1:Cluster", name: "postgres", props: { metadata: meta(bn.postgres), spec: { inheritedMetadata: { labels: { [LABEL.partOf]: BUNTY, [LABEL.dataService]: "postgres" } } } } },
        ...made.map((p) => ({ type: NP, name: p.part, props: { metadata: meta(`${BUNTY}-${p.part}`), spec: structuredClone(p.spec) } })),
    ];
}
const ingressFrom = (r: Fake[], part: string) => find(r, part).props.spec.ingress[0].from as Record<string, any>[];

test("k8s-networkpolicy-coverage: every pod set under both default denies, data services admit only their peers", async (t) => {
    await compliantAndBroken(t, "k8s-networkpolicy-coverage", `${BUNTY}-staging`, network, {
        "default-deny ingress narrowed to spare redis": {
            edit: (r) => (find(r, "default-deny-ingress").props.spec.podSelector = { matchExpressions: [{ key: LABEL.dataService, operator: "NotIn", values: ["redis"] }] }),
            expect: /StatefulSet bunty\/bunty-redis: no default-deny Ingress NetworkPolicy in bunty selects it/,
        },
        "default-deny egress turned to Ingress": { edit: (r) => (find(r, "default-deny-egress").props.spec.policyTypes = ["Ingress"]), expect: /Deployment bunty\/bunty-backend: no default-deny Egress/ },
        "default-deny ingress on a label the operator's pods may lack": {
            edit: (r) => (find(r, "default-deny-ingress").props.spec.podSelector = { matchExpressions: [{ key: "cnpg.io/instanceRole", operator: "DoesNotExist" }] }),
            expect: /postgres \(Cluster bunty\/bunty-postgres\): no default-deny Ingress/,
        },
        "default-deny ingress with a rule": { edit: (r) => (find(r, "default-deny-ingress").props.spec.ingress = [{ from: [{ podSelector: {} }] }]), expect: /no default-deny Ingress NetworkPolicy/ },
        "redis admits another namespace": {
            edit: (r) => ingressFrom(r, "data-redis").push({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "default" } } }),
            expect: /NetworkPolicy bunty\/bunty-data-redis: ingress rule 0 admits .*"default".* to StatefulSet bunty\/bunty-redis on every port; allowed to redis: pods labelled .*platform.runbooks\/data-access.*bunty-monitoring, bunty-operators/,
        },
        "postgres admits an address block": { edit: (r) => ingressFrom(r, "data-postgres").push({ ipBlock: { cidr: "10.0.0.0/8" } }), expect: /admits \{"ipBlock":\{"cidr":"10.0.0.0\/8"\}\} to postgres/ },
        "redis admits every source": { edit: (r) => delete find(r, "data-redis").props.spec.ingress[0].from, expect: /admits every source \(no from\) to StatefulSet bunty\/bunty-redis/ },
        "one more policy opens every pod to the app's pods on 6379": {
            edit: (r) => r.push({ type: NP, name: "debug", props: { metadata: meta("debug"), spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: { matchLabels: { [LABEL.partOf]: BUNTY } } }], ports: [{ port: 6379 }] }] } } }),
            expect: /NetworkPolicy bunty\/debug: ingress rule 0 admits .*part-of.* to StatefulSet bunty\/bunty-redis on port\(s\) 6379/,
        },
        "one more policy opens postgres to a tools namespace": {
            edit: (r) => r.push({ type: NP, name: "tools", props: { metadata: meta("tools"), spec: { podSelector: { matchLabels: { "cnpg.io/cluster": bn.postgres } }, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "tools" } } }] }] } } }),
            expect: /NetworkPolicy bunty\/tools: ingress rule 0 admits .*"tools".* to postgres/,
        },
        "the backend opened to another namespace on another port": {
            edit: (r) => find(r, "service-backend").props.spec.ingress.push({ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "default" } } }], ports: [{ port: 22 }] }),
            expect: /NetworkPolicy bunty\/bunty-service-backend: ingress rule 1 admits .*"default".* on port\(s\) 22; the platform opens only the service's port/,
        },
    });
    // Tightening: a narrower peer, a service open to one more namespace (its own port: not a data service's), a second deny-all.
    const tight = network();
    ingressFrom(tight, "data-redis")[0] = { podSelector: { matchLabels: { ...DATA_ACCESS_LABELS, [LABEL.component]: "app" } } };
    find(tight, "service-backend").props.spec.ingress.push({ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "default" } } }], ports: [{ port: bunty.services.find((x) => x.name === "backend")!.port }] });
    tight.push({ type: NP, name: "deny-redis", props: { metadata: meta("deny-redis"), spec: { podSelector: { matchLabels: { [LABEL.dataService]: "redis" } }, policyTypes: ["Ingress", "Egress"] } } });
    t.deepEqual((await check("k8s-networkpolicy-coverage", `${BUNTY}-staging`, tight)).messages, []);
});

const PFH = "personal-finance-hub";
const pfh = getRunbook(PFH);
const pn = names(PFH, PFH);
const consumer = pfh.services.find((s) => s.role === "worker")!;
const api = pfh.services.find((s) => s.role !== "worker")!;

function keda(): Fake[] {
    return [
        { type: "kubernetes:keda.sh/v1alpha1:ScaledObject", name: "consumer", props: { metadata: { name: pn.service(consumer.name), namespace: PFH }, spec: structuredClone(scaledObjectSpec(pfh, pn, consumer)) } },
        { type: "kubernetes:keda.sh/v1alpha1:TriggerAuthentication", name: "auth", props: { metadata: { name: kafkaTriggerAuthentication(pn), namespace: PFH }, spec: structuredClone(kafkaTriggerAuthenticationSpec(pn)) } },
        { type: "kubernetes:core/v1:Secret", name: "credentials", props: { metadata: { name: kafkaCredentialsSecret(pn), namespace: PFH } } },
    ];
}
const trigger0 = (r: Fake[]) => find(r, "consumer").props.spec.triggers[0] as Record<string, any>;

test("k8s-keda-scaledobject-triggers: the generated triggers, authenticated, never idle, never a formula", async (t) => {
    const lag = Number((scaledObjectSpec(pfh, pn, consumer).triggers[0].metadata as Record<string, string>).lagThreshold);
    await compliantAndBroken(t, "k8s-keda-scaledobject-triggers", `${PFH}-staging`, keda, {
        "metricType Value": { edit: (r) => (trigger0(r).metricType = "Value"), expect: /has metricType "Value".*allowed: unset or AverageValue/ },
        "a stuck partition left out": { edit: (r) => (trigger0(r).metadata.excludePersistentLag = "true"), expect: /sets excludePersistentLag: "true", which the platform does not/ },
        "another group": { edit: (r) => (trigger0(r).metadata.consumerGroup = "nobody"), expect: new RegExp(`has consumerGroup "nobody", not "${pfh.data.kafka!.consumerGroups[0]}"`) },
        "a higher threshold": { edit: (r) => (trigger0(r).metadata.lagThreshold = String(lag + 1)), expect: new RegExp(`has lagThreshold "${lag + 1}", above ${lag}`) },
        "no authentication": { edit: (r) => delete trigger0(r).authenticationRef, expect: /authenticates with nothing \(no authenticationRef\)/ },
        "the TriggerAuthentication gone": { edit: (r) => r.splice(1, 1), expect: new RegExp(`TriggerAuthentication ${kafkaTriggerAuthentication(pn)}, which this stack does not create`) },
        "credentials from a Secret not of the stack": { edit: (r) => (find(r, "auth").props.spec.secretTargetRef[2].name = "borrowed"), expect: /secretTargetRef password reads Secret "borrowed", which this stack does not create/ },
        "idle below the minimum": { edit: (r) => (find(r, "consumer").props.spec.idleReplicaCount = 0), expect: new RegExp(`idleReplicaCount 0.*keeps at least ${consumer.scaling.min}`) },
        "a fallback that pins the replicas while a source fails": { edit: (r) => (find(r, "consumer").props.spec.fallback = { failureThreshold: 3, replicas: consumer.scaling.min }), expect: /has fallback .*kedacore\/keda#6659.*allowed: no fallback/ },
        "a formula": { edit: (r) => (find(r, "consumer").props.spec.advanced = { scalingModifiers: { formula: "0" } }), expect: /scalingModifiers/ },
        "hourly polling": { edit: (r) => (find(r, "consumer").props.spec.pollingInterval = 3600), expect: /pollingInterval 3600s, longer than the platform's/ },
        "the API scaled on a queue instead of CPU and memory": {
            edit: (r) => r.push({ type: "kubernetes:keda.sh/v1alpha1:ScaledObject", name: "api", props: { metadata: { name: pn.service(api.name), namespace: PFH }, spec: { scaleTargetRef: { kind: "Deployment", name: pn.service(api.name) }, triggers: [{ type: "rabbitmq", metadata: { queueName: "jobs", mode: "QueueLength", value: "100000" } }] } } }),
            expect: new RegExp(`scales ${api.name} with no cpu Utilization trigger .*autoscales ${api.name} on CPU and memory, cpu at ${api.scaling.cpuTargetPercent}%`),
        },
    });
    const tight = keda();
    trigger0(tight).metadata.lagThreshold = String(Math.max(1, lag - 1));
    find(tight, "consumer").props.spec.pollingInterval = 10;
    t.deepEqual((await check("k8s-keda-scaledobject-triggers", `${PFH}-staging`, tight)).messages, []);
});

test("k8s-autoscaler-effective: every KEDA pause annotation, paused-scale-out too", async (t) => {
    const r = keda();
    find(r, "consumer").props.metadata.annotations = { "autoscaling.keda.sh/paused-scale-out": "true" };
    t.true((await check("k8s-autoscaler-effective", `${PFH}-staging`, r)).messages.some((m) => m.includes("is paused (autoscaling.keda.sh/paused-scale-out")));
});

const budget = serviceDownBudget(bunty)!;
const backend = bunty.services.find((s) => s.name === "backend")!;
const deployment = (): Fake[] => [
    { type: "kubernetes:apps/v1:Deployment", name: "backend", props: { metadata: meta(bn.service("backend")), spec: structuredClone(deploymentSpec(bunty, bn, backend, "ghcr.io/bunty/backend:1.4.2")) } },
];
const container = (r: Fake[]) => find(r, "backend").props.spec.template.spec.containers[0] as Record<string, any>;

test("k8s-workload-probes-resources: liveness restarts a dead container before ServiceDown pages, asks the pod itself", async (t) => {
    t.truthy(budget, "bunty's runbook has a service_down level");
    const grace = START_GRACE_SECONDS;
    const { periodSeconds, failureThreshold, timeoutSeconds } = PROBE_TIMINGS.liveness;
    await compliantAndBroken(t, "k8s-workload-probes-resources", `${BUNTY}-staging`, deployment, {
        "liveness slower than the ServiceDown level": {
            edit: (r) => Object.assign(container(r).livenessProbe, { periodSeconds: budget.seconds, failureThreshold: 2 }),
            expect: new RegExp(`livenessProbe initialDelaySeconds 0 \\+ periodSeconds ${budget.seconds} × failureThreshold 2 \\+ timeoutSeconds ${timeoutSeconds} restarts a dead or hung backend container only after ${budget.seconds * 2 + timeoutSeconds}s, later than ${budget.seconds}s: the service-down .* pages after .*\\[runbook key: ${budget.key.replace(/\./g, "\\.")}\\]`),
        },
        "a liveness timeout longer than the level": { edit: (r) => (container(r).livenessProbe.timeoutSeconds = budget.seconds), expect: new RegExp(`timeoutSeconds ${budget.seconds} \\(over periodSeconds`) },
        // The part of the timing the old bound left out: the initial delay, without a startup probe.
        "the start carried by liveness' initial delay, no startup probe": {
            edit: (r) => {
                delete container(r).startupProbe;
                container(r).livenessProbe.initialDelaySeconds = grace;
            },
            expect: new RegExp(`livenessProbe initialDelaySeconds ${grace} \\+ periodSeconds ${periodSeconds} × failureThreshold ${failureThreshold} \\+ timeoutSeconds ${timeoutSeconds} restarts a dead or hung backend container only after ${grace + periodSeconds * failureThreshold + timeoutSeconds}s`),
        },
        "the timeout past the level": {
            edit: (r) => Object.assign(container(r).livenessProbe, { periodSeconds: budget.seconds / failureThreshold }),
            expect: new RegExp(`only after ${budget.seconds + timeoutSeconds}s, later than ${budget.seconds}s`),
        },
        "a startup probe holding liveness off": { edit: (r) => (container(r).startupProbe = { httpGet: { path: backend.healthPath, port: "http" }, periodSeconds: grace, failureThreshold: 2 }), expect: new RegExp(`holds liveness off for ${grace * 2}s, longer than the platform's start grace of ${grace}s \\(a platform default`) },
        "a startup probe on another path": { edit: (r) => (container(r).startupProbe.httpGet.path = "/"), expect: /startupProbe requests \/; the runbook checks backend on/ },
        "liveness on another port": { edit: (r) => (container(r).livenessProbe.httpGet.port = 9090), expect: /livenessProbe.httpGet.port is 9090, not the service's port/ },
        "readiness asking another host": { edit: (r) => (container(r).readinessProbe.httpGet.host = "example.com"), expect: /readinessProbe.httpGet.host is "example.com"/ },
    });
    const tight = deployment();
    Object.assign(container(tight).livenessProbe, { periodSeconds: 5, initialDelaySeconds: 10 });
    container(tight).livenessProbe.httpGet.port = backend.port;
    container(tight).startupProbe = { httpGet: { path: backend.healthPath, port: "http" }, periodSeconds: 5, failureThreshold: 6 };
    t.deepEqual((await check("k8s-workload-probes-resources", `${BUNTY}-staging`, tight)).messages, []);
});

const dockerBackend = (): Fake[] => [
    {
        type: "docker:index/container:Container",
        name: "backend-1",
        props: { name: `${BUNTY}-backend-1`, image: "ghcr.io/bunty/backend:1.4.2", restart: "unless-stopped", healthcheck: { tests: healthcheckCommand(backend), ...HEALTHCHECK } },
    },
];
const hc = (r: Fake[]) => find(r, "backend-1").props.healthcheck as Record<string, any>;

test("docker-container-healthcheck: a hung container is unhealthy before ServiceDown pages, on its own port", async (t) => {
    const start = durationSeconds(HEALTHCHECK.startPeriod);
    await compliantAndBroken(t, "docker-container-healthcheck", `${BUNTY}-local`, dockerBackend, {
        "an interval as long as the level": { edit: (r) => (hc(r).interval = `${budget.seconds}s`), expect: new RegExp(`\\(interval ${budget.seconds}s \\+ timeout ${HEALTHCHECK.timeout}\\) × retries ${HEALTHCHECK.retries} calls a hung backend container unhealthy only after`) },
        "many retries": { edit: (r) => (hc(r).retries = budget.seconds), expect: /later than \d+s: the service-down critical level pages after .* \(a platform default, not the runbook's: / },
        "Docker's default timeout": { edit: (r) => delete hc(r).timeout, expect: /timeout 30s, Docker's default/ },
        "a long start period": { edit: (r) => (hc(r).startPeriod = `${start * 10}s`), expect: new RegExp(`startPeriod ${start * 10}s ignores failures`) },
        "another host": { edit: (r) => (hc(r).tests = ["CMD-SHELL", `wget -q -O /dev/null http://example.com:${backend.port}${backend.healthPath}`]), expect: /on the container itself/ },
        "failure swallowed": { edit: (r) => (hc(r).tests = ["CMD-SHELL", `${healthcheckCommand(backend)[1]} || true`]), expect: /swallows the check's failure/ },
    });
    const tight = dockerBackend();
    Object.assign(hc(tight), { interval: "5s", retries: 2, startPeriod: "10s" });
    t.deepEqual((await check("docker-container-healthcheck", `${BUNTY}-local`, tight)).messages, []);
});

test("the reviewer's edits on the real staging plan are mandatory findings; tightenings are not", async (t) => {
    t.timeout(120_000);
    const plan = await planStack(`${PFH}-staging`);
    const before = new Set((await runPolicies(plan)).violations.filter((v) => v.level === "mandatory").map((v) => v.message));
    t.is(before.size, 0, "the staging plan passes");
    const mutations = k8sObjectMutations(pfh, plan);
    t.true(mutations.length >= 25, `${mutations.length} edits`);
    const names = new Set(mutations.flatMap((m) => m.policies ?? []));
    const pack = policies.filter((p) => names.has(p.name));
    for (const m of mutations) {
        const report = await runPolicies(m.edit!(plan)!, { policies: pack });
        t.true(report.violations.some((v) => v.level === "mandatory" && m.policies!.includes(v.policy)), `${m.id}: not caught`);
    }
    for (const tight of k8sObjectTightenings(plan)) {
        const report = await runPolicies(tight.edit(plan), { policies: pack });
        t.deepEqual(report.violations.filter((v) => v.level === "mandatory").map((v) => v.message), [], tight.id);
    }
});
