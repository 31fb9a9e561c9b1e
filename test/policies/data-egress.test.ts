import test from "ava";
import { operatorPorts } from "../../capabilities/kubernetes/data-ports";
import { DATA_ACCESS_LABELS, dataSelector, LABEL, names, type DataService } from "../../capabilities/kubernetes/names";
import { CNPG_LABEL, intendedDataPodLabels, STRIMZI_LABEL, sureLabels } from "../../capabilities/kubernetes/operator-labels";
import { networkPolicies, PRIVATE_RANGES } from "../../capabilities/kubernetes/security";
import { planStack } from "../../cli/harness/runtime";
import { dataStorePods, possiblySelects } from "../../policies/lib/data-pods";
import { ruleWithin } from "../../policies/lib/egress-rules";
import { runPolicies } from "../../policies/offline";
import { policies } from "../../policies/pack";
import { getRunbook } from "../../runbooks";
import { find, type Fake } from "./helpers";
import { egress13Mutations, egress13Tightenings } from "./mutation-egress13";
import { compliantAndBroken, runRule, SECURITY_RULES } from "./security-helpers";

/**
 * Issue 13 on Kubernetes: the data stores' egress is exactly what the generator gives them
 * (k8s-networkpolicy-data-egress), and the operators namespace reaches them only on their
 * operators' ports (k8s-networkpolicy-operators-ports). Fixtures are what capabilities/ builds for
 * every data store, broken one field at a time; the last test replays the mutation suite's edits of
 * the real staging plan (cached) and its tightenings.
 */

const APP = "bunty";
const STACK = `${APP}-staging`;
const rb = getRunbook(APP);
const n = names(APP, APP);
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const ALL: DataService[] = ["postgres", "redis", "mongodb", "kafka", "rabbitmq", "minio"];
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: APP, ...extra });
const inNs = (ns: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } });
const internet = { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...PRIVATE_RANGES] } }], ports: [{ protocol: "TCP", port: 443 }] };
/** Plain HTTP out: not the API server's ports, which the operator-run stores reach on any address (security.ts API_SERVER). */
const http = { ...internet, ports: [{ protocol: "TCP", port: 80 }] };

/** Every data store as the generator labels it, and the generator's NetworkPolicies for them. */
function stores(): Fake[] {
    const sts = (d: DataService) => ({ type: "kubernetes:apps/v1:StatefulSet", name: d, props: { metadata: meta(`${APP}-${d}`), spec: { template: { metadata: { labels: dataSelector(n, d) } } } } });
    return [
        { type: "kubernetes:apps/v1:Deployment", name: "backend", props: { metadata: meta(n.service("backend")), spec: { template: { metadata: { labels: { [LABEL.partOf]: APP, [LABEL.name]: "backend", [LABEL.component]: "app", ...DATA_ACCESS_LABELS } } } } } },
        sts("redis"),
        sts("mongodb"),
        { type: "kubernetes:postgresql.cnpg.io/v1:Cluster", name: "postgres", props: { metadata: meta(n.postgres), spec: { inheritedMetadata: { labels: dataSelector(n, "postgres") } } } },
        {
            type: "kubernetes:kafka.strimzi.io/v1beta2:Kafka",
            name: "kafka",
            props: { metadata: meta(n.kafka, { labels: { [LABEL.component]: "kafka" } }), spec: { kafka: { template: { pod: { metadata: { labels: dataSelector(n, "kafka") } } } }, entityOperator: {}, kafkaExporter: { template: { pod: { metadata: { labels: dataSelector(n, "kafka") } } } } } },
        },
        { type: "kubernetes:kafka.strimzi.io/v1beta2:KafkaNodePool", name: "pool", props: { metadata: meta("dual-role", { labels: { [STRIMZI_LABEL.cluster]: n.kafka } }), spec: { roles: ["controller", "broker"] } } },
        { type: "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster", name: "rabbitmq", props: { metadata: meta(n.rabbitmq), spec: { replicas: 3 } } },
        { type: "kubernetes:helm.sh/v3:Release", name: "minio", props: { chart: "minio", name: n.minio, namespace: APP, values: { podLabels: dataSelector(n, "minio") } } },
        ...networkPolicies(n, rb.services, ALL, true).map((p) => ({ type: NP, name: p.part, props: { metadata: meta(`${APP}-${p.part}`), spec: structuredClone(p.spec) } })),
    ];
}
const extra = (name: string, podSelector: unknown, egress: unknown[]) => (r: Fake[]) => r.push({ type: NP, name, props: { metadata: meta(name), spec: { podSelector, policyTypes: ["Egress"], egress } } });

test("operator labels: which data stores a selector may select", (t) => {
    const pods = dataStorePods(stores().map((f) => ({ type: f.type, name: f.name, urn: f.name, props: f.props, opts: { protect: false } })));
    const may = (sel: unknown) => [...new Set(pods.filter((p) => possiblySelects(sel, p.labels)).map((p) => p.data))].sort();
    t.deepEqual(may({}), [...ALL].sort(), "an empty selector takes every store in");
    t.deepEqual(may({ matchLabels: { [CNPG_LABEL.instanceRole]: "primary" } }), ["postgres"], "the primary's role label, set by CloudNativePG's instance manager");
    t.deepEqual(may({ matchExpressions: [{ key: CNPG_LABEL.instanceRole, operator: "DoesNotExist" }] }).includes("postgres"), true, "a pod not yet labelled primary or replica");
    t.deepEqual(may({ matchLabels: { "app.kubernetes.io/name": "kafka" } }), ["kafka"], "Strimzi names its brokers' pods kafka");
    t.deepEqual(may({ matchLabels: { [LABEL.partOf]: APP, [LABEL.dataService]: "kafka" } }), ["kafka"], "the pod template's labels win over Strimzi's part-of");
    t.deepEqual(may({ matchLabels: { [LABEL.partOf]: "rabbitmq" } }), ["rabbitmq"], "the RabbitMQ operator's part-of");
    t.deepEqual(may({ matchLabels: { app: "minio" } }), ["minio"], "the MinIO chart's app label");
    t.deepEqual(may({ matchLabels: { [LABEL.partOf]: APP, [LABEL.component]: "app" } }), [], "the app's services' selector takes no store in");
    t.deepEqual(may({ matchExpressions: [{ key: LABEL.component, operator: "NotIn", values: ["app"] }] }), [...ALL].sort(), "every pod but the app's");
    // What the generator means each store's pods to carry, they carry (so its policies select them as intended).
    for (const d of ALL) t.true(pods.filter((p) => p.data === d).every((p) => Object.entries(intendedDataPodLabels(n, d)).every(([k, v]) => sureLabels(p.labels)[k] === v)), d);
});

test("egress rules: narrower is within, wider is not", (t) => {
    t.true(ruleWithin({ to: [{ podSelector: { matchLabels: { a: "b" } } }], ports: [{ port: 5432 }] }, { to: [{ podSelector: {} }] }));
    t.false(ruleWithin({ to: [inNs("default")] }, { to: [{ podSelector: {} }] }), "another namespace is not this one");
    t.true(ruleWithin({ to: [{ ipBlock: { cidr: "8.8.8.0/24" } }], ports: [{ port: 443 }] }, internet));
    t.false(ruleWithin({ to: [{ ipBlock: { cidr: "10.1.0.0/16" } }], ports: [{ port: 443 }] }, internet), "inside an exception");
    t.false(ruleWithin({ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }], ports: [{ port: 443 }] }, internet), "fewer exceptions");
    t.false(ruleWithin({ to: [{ ipBlock: { cidr: "8.8.8.0/24" } }] }, internet), "every port");
    t.false(ruleWithin({ to: [{ ipBlock: { cidr: "8.8.8.0/24" } }], ports: [{ port: 400, endPort: 500 }] }, internet), "a range over the port");
    t.false(ruleWithin({ ports: [{ port: 443 }] }, internet), "no to: every destination");
});

test("k8s-networkpolicy-data-egress: the generated policies pass; one more policy or a wider rule on a data store's pods is reported", async (t) => {
    await compliantAndBroken(t, "k8s-networkpolicy-data-egress", STACK, stores, {
        "redis to 0.0.0.0/0": { edit: extra("redis-out", { matchLabels: dataSelector(n, "redis") }, [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }]), expect: /NetworkPolicy bunty\/redis-out: spec\.egress\[0\] = .* lets redis's pods reach every port to 0\.0\.0\.0\/0; .*may select StatefulSet bunty\/bunty-redis\. Allowed for redis's pods: UDP 53, TCP 53 to pods .*kube-dns.* in namespace kube-system; every port to every pod of the namespace \(capabilities\/kubernetes\/security\.ts egressPolicies/ },
        "postgres primary (operator label) to the internet": { edit: extra("pg-out", { matchLabels: { [CNPG_LABEL.instanceRole]: "primary" } }, [http]), expect: /NetworkPolicy bunty\/pg-out: .*lets postgres's pods reach TCP 80 to 0\.0\.0\.0\/0 except .*may select postgres instances \(Cluster bunty\/bunty-postgres\).*Allowed for postgres's pods: .*TCP 443, TCP 6443 to 0\.0\.0\.0\/0/ },
        "Strimzi's pods by strimzi.io/kind to another namespace": { edit: extra("kafka-out", { matchLabels: { [STRIMZI_LABEL.kind]: "Kafka" } }, [{ to: [inNs("default")] }]), expect: /kafka-out: .*lets kafka's pods reach every port to every pod in namespace default; .*kafka brokers \(Kafka bunty\/bunty-kafka, pool dual-role\), kafka entity operator .*, kafka exporter/ },
        "RabbitMQ by its operator's part-of to an address": { edit: extra("mq-out", { matchLabels: { [LABEL.partOf]: "rabbitmq" } }, [{ to: [{ ipBlock: { cidr: "203.0.113.0/24" } }], ports: [{ port: 25 }] }]), expect: /mq-out: .*lets rabbitmq's pods reach TCP 25 to 203\.0\.113\.0\/24/ },
        "MinIO by the chart's app label to another namespace's pods": { edit: extra("minio-out", { matchLabels: { app: "minio" } }, [{ to: [{ ...inNs("tools"), podSelector: {} }] }]), expect: /minio-out: .*lets minio's pods reach every port to every pod in namespace tools/ },
        "every pod (podSelector {}) to another namespace": { edit: extra("all-out", {}, [{ to: [inNs("default")], ports: [{ port: 443 }] }]), expect: /all-out: .*lets mongodb's pods reach TCP 443 to every pod in namespace default/ },
        "the API-server rule on 5432": { edit: (r) => (find(r, "egress-api-server-postgres").props.spec.egress[0].ports = [{ protocol: "TCP", port: 5432 }]), expect: /bunty-egress-api-server-postgres: .*lets postgres's pods reach TCP 5432 to 0\.0\.0\.0\/0/ },
        "Redis's pods labelled like the app's services": { edit: (r) => (find(r, "redis").props.spec.template.metadata.labels[LABEL.component] = "app"), expect: /bunty-egress-internet: .*lets redis's pods reach TCP 443 to 0\.0\.0\.0\/0 except/ },
    });
    // Tightening: a store's pods limited further, an extra internet policy for the app's services alone.
    const tight = stores();
    extra("redis-dns", { matchLabels: dataSelector(n, "redis") }, [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: [{ protocol: "UDP", port: 53 }] }])(tight);
    extra("pg-peers", { matchLabels: { [CNPG_LABEL.cluster]: n.postgres } }, [{ to: [{ podSelector: { matchLabels: { [CNPG_LABEL.cluster]: n.postgres } } }], ports: [{ port: 5432 }] }])(tight);
    extra("backend-out", { matchLabels: { [LABEL.partOf]: APP, [LABEL.name]: "backend", [LABEL.component]: "app" } }, [internet])(tight);
    find(tight, "egress-api-server-kafka").props.spec.egress[0].ports = [{ protocol: "TCP", port: 443 }];
    const rule = SECURITY_RULES.find((r) => r.name === "k8s-networkpolicy-data-egress")!;
    t.deepEqual((await runRule(rule, STACK, tight)).violations.map((v) => v.message), []);
});

test("k8s-networkpolicy-operators-ports: the operators namespace on its operators' ports only", async (t) => {
    const ops = (r: Fake[], d: DataService) => find(r, `data-${d}`).props.spec.ingress[1];
    const pg = operatorPorts("postgres").map((p) => p.port);
    await compliantAndBroken(t, "k8s-networkpolicy-operators-ports", STACK, stores, {
        "every port": { edit: (r) => delete ops(r, "postgres").ports, expect: new RegExp(`bunty-data-postgres\\): spec\\.ingress\\[1\\] admits the operators namespace ${n.operators} to postgres's pods on every port \\(no ports\\); allowed: TCP ${pg[0]} \\(CloudNativePG's operator reads the instance manager's status\\), TCP ${pg[1]}`) },
        "one more port": { edit: (r) => ops(r, "kafka").ports.push({ protocol: "TCP", port: 22 }), expect: /bunty-data-kafka\): .* to kafka's pods on port 22; allowed: TCP 9090/ },
        "a range": { edit: (r) => (ops(r, "rabbitmq").ports[0].endPort = 65535), expect: /to rabbitmq's pods on the range \d+-65535/ },
        "a named port": { edit: (r) => (ops(r, "postgres").ports[0].port = "metrics"), expect: /on the named port "metrics"/ },
        "UDP": { edit: (r) => (ops(r, "postgres").ports[0].protocol = "UDP"), expect: /on protocol UDP/ },
        "redis, which no operator manages": { edit: (r) => find(r, "data-redis").props.spec.ingress.push({ from: [inNs(n.operators)], ports: [{ port: 6379 }] }), expect: /to redis's pods; no operator manages redis/ },
        "every pod": { edit: (r) => find(r, "monitoring-scrapes").props.spec.ingress.push({ from: [inNs(n.operators)], ports: [{ port: 5432 }] }), expect: /bunty-monitoring-scrapes\): spec\.ingress\[1\] admits the operators namespace .* to pods .*NotIn.*, not one data service's/ },
    });
    const tight = stores();
    ops(tight, "postgres").ports = ops(tight, "postgres").ports.slice(1);
    find(tight, "data-kafka").props.spec.podSelector.matchLabels[STRIMZI_LABEL.kind] = "Kafka";
    const rule = SECURITY_RULES.find((r) => r.name === "k8s-networkpolicy-operators-ports")!;
    t.deepEqual((await runRule(rule, STACK, tight)).violations.map((v) => v.message), []);
});

test("k8s-networkpolicy-coverage: a store's pods picked by a label only its operator or chart sets are held to their peers too", async (t) => {
    const ingress = (name: string, podSelector: unknown) => (r: Fake[]) => r.push({ type: NP, name, props: { metadata: meta(name), spec: { podSelector, policyTypes: ["Ingress"], ingress: [{ from: [inNs("default")] }] } } });
    await compliantAndBroken(t, "k8s-networkpolicy-coverage", STACK, stores, {
        "Strimzi's app.kubernetes.io/name": { edit: ingress("kafka-in", { matchLabels: { "app.kubernetes.io/name": "kafka" } }), expect: /NetworkPolicy bunty\/kafka-in: ingress rule 0 admits .*"default".* to kafka brokers \(Kafka bunty\/bunty-kafka, pool dual-role\) on every port/ },
        "CloudNativePG's podRole": { edit: ingress("pg-in", { matchLabels: { [CNPG_LABEL.podRole]: "instance" } }), expect: /NetworkPolicy bunty\/pg-in: ingress rule 0 admits .* to postgres instances/ },
        "the RabbitMQ operator's part-of": { edit: ingress("mq-in", { matchLabels: { [LABEL.partOf]: "rabbitmq" } }), expect: /NetworkPolicy bunty\/mq-in: ingress rule 0 admits .* to rabbitmq/ },
    });
});

test("the mutation suite's edits of the real staging plan are mandatory findings; its tightenings are not", async (t) => {
    t.timeout(120_000);
    const stack = "personal-finance-hub-staging";
    const plan = await planStack(stack);
    const mutations = egress13Mutations(getRunbook("personal-finance-hub"), plan);
    t.true(mutations.length >= 20, `${mutations.length} edits`);
    const pack = policies.filter((p) => p.name.startsWith("k8s-networkpolicy-"));
    t.deepEqual((await runPolicies(plan, { policies: pack })).violations.filter((v) => v.level === "mandatory").map((v) => v.message), [], "the staging plan passes");
    for (const m of mutations) {
        const report = await runPolicies(m.edit!(plan)!, { policies: pack });
        t.true(report.violations.some((v) => v.level === "mandatory" && m.policies!.includes(v.policy)), `${m.id}: not caught`);
    }
    for (const tight of egress13Tightenings(plan)) {
        const report = await runPolicies(tight.edit(plan), { policies: pack });
        t.deepEqual(report.violations.filter((v) => v.level === "mandatory").map((v) => v.message), [], tight.id);
    }
});
