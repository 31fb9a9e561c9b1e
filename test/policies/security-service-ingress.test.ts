import test from "ava";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { STACKS_DIR } from "../../cli/harness/stack-files";
import { names } from "../../capabilities/kubernetes/names";
import { DEFAULT_INGRESS_NAMESPACE, networkPolicies } from "../../capabilities/kubernetes/security";
import { k8sNetworkPolicyServiceIngressSources } from "../../policies/kubernetes/networkpolicy-service-ingress-sources";
import { selects } from "../../policies/lib/label-selector";
import { getRunbook } from "../../runbooks";
import { allStacks, PROJECT } from "../../stacks/settings";
import { find, type Fake } from "./helpers";
import { compliantAndBroken, planPasses, runRule } from "./security-helpers";

/**
 * Issue 15, row 8: the app's service ports admit only the ingress controller's namespace, the
 * app's own service pods and the monitoring namespace (k8s-networkpolicy-service-ingress-sources).
 * Fixtures take the service names and ports from the runbook; the namespaces from names().
 */

const STACK = "bunty-staging";
const rb = getRunbook("bunty");
const n = names("bunty", "bunty");
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const inNs = (ns: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } });

const fixture = (ingress = DEFAULT_INGRESS_NAMESPACE): Fake[] => [
    ...rb.services.map((svc) => ({
        type: NP,
        name: `service-${svc.name}`,
        props: {
            metadata: { name: `bunty-service-${svc.name}`, namespace: n.namespace },
            spec: {
                podSelector: { matchLabels: { "app.kubernetes.io/part-of": n.app, "app.kubernetes.io/name": svc.name } },
                policyTypes: ["Ingress"],
                ingress: [{ from: [inNs(ingress), { podSelector: { matchLabels: { "app.kubernetes.io/part-of": n.app, "app.kubernetes.io/component": "app" } } }, inNs(n.monitoring)], ports: [{ protocol: "TCP", port: svc.port }] }],
            },
        },
    })),
    {
        type: NP,
        name: "scrapes",
        props: {
            metadata: { name: "bunty-monitoring-scrapes", namespace: n.namespace },
            spec: { podSelector: { matchExpressions: [{ key: "app.kubernetes.io/component", operator: "NotIn", values: ["app"] }] }, policyTypes: ["Ingress"], ingress: [{ from: [inNs(n.monitoring), inNs(n.operators)] }] },
        },
    },
];

const first = `service-${rb.services[0].name}`;
const peers = (r: Fake[]) => find(r, first).props.spec.ingress[0].from as unknown[];

test("k8s-networkpolicy-service-ingress-sources: compliant fixture passes; every namespace, other namespaces, address blocks and the old scrapes rule are each reported", async (t) => {
    await compliantAndBroken(t, "k8s-networkpolicy-service-ingress-sources", STACK, fixture, {
        "every namespace (the old rule)": { edit: (r) => (peers(r)[0] = { namespaceSelector: {} }), expect: /admits every namespace \(namespaceSelector \{\}\)/ },
        "another named namespace": { edit: (r) => (peers(r)[0] = inNs("kube-system")), expect: /admits namespace kube-system to .*allowed sources: ingress-nginx/ },
        "namespaces by another label": { edit: (r) => (peers(r)[0] = { namespaceSelector: { matchLabels: { team: "web" } } }), expect: /namespaces labelled .* \(not one namespace by kubernetes\.io\/metadata\.name\)/ },
        "an address block": { edit: (r) => (peers(r)[0] = { ipBlock: { cidr: "10.0.0.0/8" } }), expect: /the address block 10\.0\.0\.0\/8/ },
        "no from": { edit: (r) => delete find(r, first).props.spec.ingress[0].from, expect: /admits every source to/ },
        "a port range over the service port": {
            edit: (r) => r.push({ type: NP, name: "range", props: { metadata: { name: "bunty-range", namespace: n.namespace }, spec: { podSelector: {}, ingress: [{ from: [inNs(n.operators)], ports: [{ protocol: "TCP", port: 1, endPort: 65535 }] }] } } }),
            expect: new RegExp(`bunty-range.*admits namespace ${n.operators}`),
        },
        "the scrapes rule selecting the service pods too": {
            edit: (r) => (find(r, "scrapes").props.spec.podSelector = {}),
            expect: new RegExp(`peer 1 admits namespace ${n.operators} to .*port ${rb.services[0].port}`),
        },
    });
});

test("the ingress controller's namespace is the stack's kubernetes.ingressNamespace", async (t) => {
    const doc = YAML.parse(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${STACK}.yaml`), "utf8")) as { config: Record<string, any> };
    doc.config[`${PROJECT}:kubernetes`] = { ...doc.config[`${PROJECT}:kubernetes`], ingressNamespace: "traefik" };
    const text = YAML.stringify(doc);
    t.is((await runRule(k8sNetworkPolicyServiceIngressSources, STACK, fixture("traefik"), text)).status, "pass");
    const old = await runRule(k8sNetworkPolicyServiceIngressSources, STACK, fixture(), text);
    t.true(
        old.violations.some((v) => /admits namespace ingress-nginx/.test(v.message)),
        old.violations.map((v) => v.message).join("\n"),
    );
    // The program builds the same peers from the setting; without public hosts it leaves the controller out.
    const built = networkPolicies(n, rb.services, [], true, undefined, "traefik").find((p) => p.part === first)!;
    t.deepEqual(built.spec.ingress, find(fixture("traefik"), first).props.spec.ingress);
    const internal = networkPolicies(n, rb.services, [], false).find((p) => p.part === first)!;
    t.false(JSON.stringify(internal.spec.ingress).includes(DEFAULT_INGRESS_NAMESPACE), "no public host, no ingress controller");
});

test("a NetworkPolicy outside the app's namespace (the stack's kubernetes.namespace) is not the service ports' business", async (t) => {
    const other = fixture().map((r) => ({ ...r, props: { ...r.props, metadata: { ...r.props.metadata, namespace: "elsewhere" } } }));
    peers(other)[0] = { namespaceSelector: {} };
    t.deepEqual((await runRule(k8sNetworkPolicyServiceIngressSources, STACK, other)).violations, []);
    const doc = YAML.parse(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${STACK}.yaml`), "utf8")) as { config: Record<string, any> };
    doc.config[`${PROJECT}:kubernetes`] = { ...doc.config[`${PROJECT}:kubernetes`], namespace: "elsewhere" };
    const moved = await runRule(k8sNetworkPolicyServiceIngressSources, STACK, other, YAML.stringify(doc));
    t.true(moved.violations.some((v) => /elsewhere\/bunty-service-.*every namespace/.test(v.message)), moved.violations.map((v) => v.message).join("\n"));
});

test("label selectors are matched as Kubernetes matches them", (t) => {
    const labels = { "app.kubernetes.io/component": "app", "app.kubernetes.io/name": "backend" };
    t.true(selects({}, labels));
    t.true(selects({ matchLabels: { "app.kubernetes.io/name": "backend" } }, labels));
    t.false(selects({ matchLabels: { "app.kubernetes.io/name": "frontend" } }, labels));
    t.false(selects({ matchExpressions: [{ key: "app.kubernetes.io/component", operator: "NotIn", values: ["app"] }] }, labels));
    t.true(selects({ matchExpressions: [{ key: "x", operator: "NotIn", values: ["app"] }] }, labels), "NotIn matches a pod without the key");
    t.true(selects({ matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["backend", "frontend"] }] }, labels));
    t.false(selects({ matchExpressions: [{ key: "x", operator: "Exists" }] }, labels));
    t.true(selects({ matchExpressions: [{ key: "x", operator: "DoesNotExist" }] }, labels));
});

test("every planned staging stack passes it", async (t) => {
    t.timeout(10 * 60_000);
    await planPasses(
        t,
        allStacks().filter((s) => s.endsWith("-staging")),
        [k8sNetworkPolicyServiceIngressSources],
    );
});
