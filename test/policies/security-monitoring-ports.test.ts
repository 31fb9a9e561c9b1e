import test from "ava";
import { operatorPorts, scrapedPorts, scrapedPortSet } from "../../capabilities/kubernetes/data-ports";
import { DATA_ACCESS_LABELS, names, type DataService } from "../../capabilities/kubernetes/names";
import { redisHeadlessSpec } from "../../capabilities/kubernetes/redis-statefulset";
import { REDIS_PORT } from "../../capabilities/kubernetes/redis";
import { networkPolicies } from "../../capabilities/kubernetes/security";
import { k8sNetworkPolicyCoverage } from "../../policies/kubernetes/networkpolicy-coverage";
import { k8sNetworkPolicyMonitoringPorts } from "../../policies/kubernetes/networkpolicy-monitoring-ports";
import { getRunbook } from "../../runbooks";
import { allStacks } from "../../stacks/settings";
import { find, type Fake } from "./helpers";
import { compliantAndBroken, planPasses, runRule } from "./security-helpers";

/**
 * Issue 15, row 8: the monitoring namespace (PSS privileged) reaches the app's namespace only on the
 * ports Prometheus scrapes and blackbox probes; the operators namespace reaches the data services
 * only on the ports their operators use (k8s-networkpolicy-monitoring-ports). Fixtures are what
 * capabilities/kubernetes/security.ts builds, broken one field at a time.
 */

const STACK = "bunty-staging";
const rb = getRunbook("bunty");
const n = names("bunty", "bunty");
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const PRESENT: DataService[] = ["postgres", "redis"];
const inNs = (ns: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } });

const fixture = (): Fake[] =>
    networkPolicies(n, rb.services, PRESENT, true).map((p) => ({ type: NP, name: p.part, props: { metadata: { name: `bunty-${p.part}`, namespace: n.namespace }, spec: structuredClone(p.spec) } }));
const scrapes = (r: Fake[]) => find(r, "monitoring-scrapes").props.spec.ingress[0];

test("generated: the monitoring namespace on the scraped ports only, the operators namespace only on its operators' ports", (t) => {
    const made = networkPolicies(n, rb.services, PRESENT, true);
    const scrape = made.find((p) => p.part === "monitoring-scrapes")!;
    t.deepEqual(scrape.spec.ingress, [{ from: [inNs(n.monitoring)], ports: scrapedPortSet(PRESENT).map((port) => ({ protocol: "TCP", port })) }]);
    for (const d of PRESENT) {
        const rules = made.find((p) => p.part === `data-${d}`)!.spec.ingress as { from: unknown[]; ports?: unknown[] }[];
        t.false(JSON.stringify(rules[0].from).includes(n.monitoring), `data-${d}: no monitoring namespace on every port`);
        t.false(JSON.stringify(rules[0].from).includes(n.operators), `data-${d}: no operators namespace on every port`);
        const ops = operatorPorts(d).map((p) => ({ protocol: "TCP", port: p.port }));
        t.deepEqual(rules.slice(1), ops.length ? [{ from: [inNs(n.operators)], ports: ops }] : [], `data-${d}`);
    }
    // Nothing scraped: no rule at all (an empty port list would open every port).
    t.deepEqual(networkPolicies(n, rb.services, [], false).find((p) => p.part === "monitoring-scrapes")!.spec.ingress, []);
    // The scraped port is the one the exporter's Service names for its monitor.
    const redisMetrics = (redisHeadlessSpec(n).ports as { name?: string; port: number }[]).find((p) => p.name === "metrics");
    t.deepEqual(scrapedPorts("redis").map((p) => p.port), [redisMetrics?.port]);
    t.false(scrapedPortSet(PRESENT).includes(REDIS_PORT), "Redis's own port is not scraped");
});

test("k8s-networkpolicy-monitoring-ports: compliant fixture passes; every port, a port outside the set, a named port and a wide range are each reported", async (t) => {
    const svc = rb.services[0];
    await compliantAndBroken(t, "k8s-networkpolicy-monitoring-ports", STACK, fixture, {
        "scrapes without ports (the old rule)": { edit: (r) => delete scrapes(r).ports, expect: new RegExp(`bunty-monitoring-scrapes.*admits the monitoring namespace ${n.monitoring} on every port`) },
        "scrapes on Redis's own port": { edit: (r) => scrapes(r).ports.push({ protocol: "TCP", port: REDIS_PORT }), expect: new RegExp(`on port ${REDIS_PORT}; it may reach only`) },
        "scrapes on a named port": { edit: (r) => (scrapes(r).ports[0].port = "metrics"), expect: /on the named port "metrics"/ },
        "scrapes on a range": { edit: (r) => (scrapes(r).ports[0].endPort = scrapes(r).ports[0].port + 1000), expect: /on the range \d+-\d+/ },
        "a service policy without ports": { edit: (r) => delete find(r, `service-${svc.name}`).props.spec.ingress[0].ports, expect: new RegExp(`bunty-service-${svc.name}.*on every port`) },
        "a data policy admitting monitoring on every port again": {
            edit: (r) => find(r, "data-redis").props.spec.ingress[0].from.push(inNs(n.monitoring)),
            expect: /bunty-data-redis\).*ingress rule 0 admits the monitoring namespace .* on every port/,
        },
    });
    // Not the app's namespace, or not the monitoring namespace: not this policy's business.
    const elsewhere = fixture().map((f) => ({ ...f, props: { ...f.props, metadata: { ...f.props.metadata, namespace: "elsewhere" } } }));
    delete find(elsewhere, "monitoring-scrapes").props.spec.ingress[0].ports;
    t.is((await runRule(k8sNetworkPolicyMonitoringPorts, STACK, elsewhere)).status, "pass");
    const data = fixture();
    find(data, "data-redis").props.spec.ingress[0].from.push({ podSelector: { matchLabels: { ...DATA_ACCESS_LABELS } } });
    t.is((await runRule(k8sNetworkPolicyMonitoringPorts, STACK, data)).status, "pass");
});

test("every planned staging stack passes it and the NetworkPolicy coverage", async (t) => {
    t.timeout(10 * 60_000);
    await planPasses(
        t,
        allStacks().filter((s) => s.endsWith("-staging")),
        [k8sNetworkPolicyMonitoringPorts, k8sNetworkPolicyCoverage],
    );
});
