import test from "ava";
import { planStack, type PlannedResource, type StackPlan } from "../../../cli/harness/runtime";
import { egressPolicies } from "../../../capabilities/kubernetes/security";
import { names } from "../../../capabilities/kubernetes/names";
import { getRunbook, type AppId } from "../../../runbooks";
import { APPS, byType, K, nameOf, nsOf, podLabelsOf, podSpecOf, stackNamespace } from "./helpers";

/**
 * Default-deny egress on the five staging stacks (issue 15), checked from the plan's own wiring:
 * each pod template the stack creates in the app namespace, matched against the NetworkPolicies
 * that select it, must still reach what its containers are configured to call (DNS, the
 * Pushgateway address in its environment, the runbook's external dependencies), and nothing
 * else leaves the cluster.
 */

const plans = new Map<AppId, StackPlan>();
test.before(async () => {
    for (const app of APPS) plans.set(app, await planStack(`${app}-staging`));
});
const props = (r: PlannedResource) => r.props as Record<string, any>;

interface Selector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Kubernetes label-selector semantics (the subset NetworkPolicies here use: matchLabels, In, Exists). */
function selects(sel: Selector, labels: Record<string, string>): boolean {
    const byLabel = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const byExpr = (sel.matchExpressions ?? []).every((e) => {
        if (e.operator === "In") return e.values!.includes(labels[e.key]);
        if (e.operator === "Exists") return e.key in labels;
        throw new Error(`selector operator ${e.operator} not modelled`);
    });
    return byLabel && byExpr;
}

interface Dest {
    readonly namespace?: string;
    readonly ip?: string;
    readonly port: number;
    readonly protocol: "TCP" | "UDP";
    readonly podLabels?: Record<string, string>;
}

/** Whether the policies that select a pod (labels, in namespace `ns`) let it open this connection. */
function allowed(policies: Record<string, any>[], ns: string, labels: Record<string, string>, d: Dest): boolean {
    const mine = policies.filter((p) => nsOf({ props: p } as PlannedResource) === ns && p.spec.policyTypes.includes("Egress") && selects(p.spec.podSelector, labels));
    if (mine.length === 0) return true;
    return mine.some((p) =>
        (p.spec.egress ?? []).some((rule: Record<string, any>) => {
            const portOk = !rule.ports || rule.ports.some((x: any) => x.port === d.port && (x.protocol ?? "TCP") === d.protocol);
            const peerOk =
                !rule.to ||
                rule.to.some((peer: Record<string, any>) => {
                    if (peer.ipBlock) return d.ip !== undefined && inCidr(d.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c: string) => inCidr(d.ip!, c));
                    if (d.namespace === undefined) return false;
                    const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, { "kubernetes.io/metadata.name": d.namespace }) : d.namespace === ns;
                    return nsOk && (!peer.podSelector || (d.podLabels !== undefined && selects(peer.podSelector, d.podLabels)));
                });
            return portOk && peerOk;
        }),
    );
}

function inCidr(ip: string, cidr: string): boolean {
    const [base, bits] = cidr.split("/");
    const n = (a: string) => a.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(bits));
    return Math.floor(n(ip) / size) === Math.floor(n(base) / size);
}

const podOwners = (plan: StackPlan, ns: string) => [K.deployment, K.statefulSet, K.cronJob, K.job].flatMap((type) => byType(plan, type)).filter((r) => nsOf(r) === ns);
const envOf = (r: PlannedResource): Record<string, string> =>
    Object.fromEntries((podSpecOf(r)?.containers ?? []).flatMap((c: any) => (c.env ?? []).filter((e: any) => typeof e.value === "string").map((e: any) => [e.name, e.value])));
/** A public address (TEST-NET-3 is documentation-only but public in NetworkPolicy terms). */
const PUBLIC_IP = "203.0.113.10";
const CLUSTER_IP = "10.96.0.10";

test("egress is denied by default in the app namespace: an empty-selector Egress policy with no rules", (t) => {
    for (const app of APPS) {
        const ns = stackNamespace(app);
        const policies = byType(plans.get(app)!, K.networkPolicy).map(props);
        t.true(policies.some((p) => p.metadata.namespace === ns && Object.keys(p.spec.podSelector).length === 0 && p.spec.policyTypes.includes("Egress") && !p.spec.egress), app);
    }
});

test("every pod the stack creates still resolves names, reaches its namespace, and pushes to the Pushgateway its environment names", (t) => {
    for (const app of APPS) {
        const ns = stackNamespace(app);
        const plan = plans.get(app)!;
        const policies = byType(plan, K.networkPolicy).map(props);
        const pods = podOwners(plan, ns);
        t.true(pods.length > 0);
        for (const r of pods) {
            const labels = podLabelsOf(r);
            const what = `${app} ${nameOf(r)}`;
            for (const protocol of ["UDP", "TCP"] as const) t.true(allowed(policies, ns, labels, { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" }, port: 53, protocol }), `${what}: DNS ${protocol}`);
            t.false(allowed(policies, ns, labels, { namespace: "kube-system", podLabels: { "k8s-app": "something-else" }, port: 53, protocol: "UDP" }), `${what}: only the cluster DNS`);
            t.true(allowed(policies, ns, labels, { namespace: ns, podLabels: { any: "pod" }, port: 5432, protocol: "TCP" }), `${what}: its own namespace`);
            t.false(allowed(policies, ns, labels, { namespace: "other", podLabels: {}, port: 5432, protocol: "TCP" }), `${what}: not another namespace`);
            t.false(allowed(policies, ns, labels, { ip: CLUSTER_IP, port: 80, protocol: "TCP" }), `${what}: no private address on port 80`);
            // Every in-cluster address its environment names (the Pushgateway, MinIO, the data services), on its port.
            for (const [key, value] of Object.entries(envOf(r))) {
                for (const m of value.matchAll(/([a-z0-9-]+)\.svc\.cluster\.local(?::(\d+))?/g)) {
                    // A host without a port is the namespace's own (Redis's primary): any port must pass there.
                    const port = Number(m[2] ?? (key.endsWith("HOST") ? envOf(r)[key.replace(/HOST$/, "PORT")] : undefined) ?? (m[1] === ns ? 1 : NaN));
                    t.true(Number.isInteger(port), `${what}: ${key} names a port`);
                    t.true(allowed(policies, ns, labels, { namespace: m[1], podLabels: {}, port, protocol: "TCP" }), `${what}: ${key}=${value}`);
                }
            }
            if (!envOf(r).PUSHGATEWAY) t.false(allowed(policies, ns, labels, { namespace: `${ns}-monitoring`, podLabels: {}, port: 9091, protocol: "TCP" }), `${what}: pushes nothing, reaches no Pushgateway`);
        }
        t.true(
            pods.some((r) => envOf(r).PUSHGATEWAY),
            `${app}: some job pushes (the check above ran)`,
        );
    }
});

test("only the app's services reach the internet, on HTTPS and the runbook dependencies' ports; nothing else leaves", (t) => {
    for (const app of APPS) {
        const ns = stackNamespace(app);
        const rb = getRunbook(app);
        const plan = plans.get(app)!;
        const policies = byType(plan, K.networkPolicy).map(props);
        const ports = [443, ...rb.externalDependencies.flatMap((d) => [d.url, ...(d.fallbackUrl ? [d.fallbackUrl] : [])]).map((u) => Number(new URL(u).port) || 443)];
        for (const r of podOwners(plan, ns)) {
            const labels = podLabelsOf(r);
            const isService = rb.services.some((s) => labels["app.kubernetes.io/name"] === s.name && labels["app.kubernetes.io/component"] === "app");
            for (const port of ports) t.is(allowed(policies, ns, labels, { ip: PUBLIC_IP, port, protocol: "TCP" }), isService, `${app} ${nameOf(r)}: internet ${port}`);
            t.false(allowed(policies, ns, labels, { ip: PUBLIC_IP, port: 25, protocol: "TCP" }), `${app} ${nameOf(r)}: no SMTP out`);
            t.false(allowed(policies, ns, labels, { ip: CLUSTER_IP, port: 443, protocol: "TCP" }), `${app} ${nameOf(r)}: the internet rule reaches no private address`);
        }
        t.true(
            podOwners(plan, ns).some((r) => podLabelsOf(r)["app.kubernetes.io/component"] === "app"),
            `${app}: the services were checked`,
        );
    }
});

test("the operators' pods that watch the API server reach it; the selectors are the labels the operators put on the pods of the planned clusters", (t) => {
    for (const app of APPS) {
        const ns = stackNamespace(app);
        const plan = plans.get(app)!;
        const policies = byType(plan, K.networkPolicy).map(props);
        const clusters = [
            ...byType(plan, K.cnpgCluster).map((c) => ({ "cnpg.io/cluster": nameOf(c) })),
            ...byType(plan, K.kafka).map((c) => ({ "strimzi.io/cluster": nameOf(c) })),
        ];
        t.is(clusters.length, ["postgres", "kafka"].filter((d) => d in getRunbook(app).data).length, app);
        for (const labels of clusters) {
            for (const port of [443, 6443]) t.true(allowed(policies, ns, labels, { ip: CLUSTER_IP, port, protocol: "TCP" }), `${app} ${JSON.stringify(labels)}: API server ${port}`);
            t.false(allowed(policies, ns, labels, { ip: CLUSTER_IP, port: 80, protocol: "TCP" }), `${app} ${JSON.stringify(labels)}: nothing else`);
        }
    }
});

test("egressPolicies refuses an empty port list instead of cutting the services off", (t) => {
    t.throws(() => egressPolicies(names("bunty", "bunty"), [], []), { message: /bunty: .*internetPorts is empty/ });
});
