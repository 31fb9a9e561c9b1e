import type { StackPlan } from "../../cli/harness/runtime";
import { operatorPorts } from "../../capabilities/kubernetes/data-ports";
import { LABEL, names, type DataService } from "../../capabilities/kubernetes/names";
import { CNPG_LABEL, RABBITMQ_OPERATOR_COMPONENT, STRIMZI_LABEL } from "../../capabilities/kubernetes/operator-labels";
import { CLUSTER_DNS, PRIVATE_RANGES } from "../../capabilities/kubernetes/security";
import type { Runbook } from "../../runbooks";
import type { Mutation } from "./mutation-lib";
import { editUrn, type Props } from "./plan-edits";

/**
 * Issue 13, the data stores' egress and the operators namespace's ports on Kubernetes: one more
 * NetworkPolicy selecting a data store's pods (by our labels, by a label only its operator sets, or
 * by a selector wide enough to take them in) that lets them reach the internet, another namespace or
 * any address; the generated API-server rule widened; a data store's pods labelled like the app's
 * services (the internet policy then takes them in); ingress from another namespace to a store's
 * pods picked by its operator's label; the operators namespace on every port, one
 * more port, a range, or admitted to a store no operator manages. Each is one edit of the baseline
 * plan. `egress13Tightenings` only narrow: the pack must not report them.
 */

type Planned = StackPlan["resources"][number];
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const EGRESS = ["k8s-networkpolicy-data-egress"];
const OPERATORS = ["k8s-networkpolicy-operators-ports"];
const inNs = (ns: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } });

/** A label only the operator or chart puts on each store's pods (operator-labels.ts), or ours where the platform schedules them. */
function operatorSelector(app: Runbook["app"], namespace: string, d: DataService): Props {
    const n = names(app, namespace);
    switch (d) {
        case "postgres":
            return { matchLabels: { [CNPG_LABEL.podRole]: "instance" } };
        case "kafka":
            return { matchLabels: { [STRIMZI_LABEL.kind]: "Kafka", "app.kubernetes.io/instance": n.kafka } };
        case "rabbitmq":
            return { matchLabels: { [LABEL.component]: RABBITMQ_OPERATOR_COMPONENT } };
        case "minio":
            return { matchLabels: { app: "minio", release: n.minio } };
        case "redis":
        case "mongodb":
            return { matchExpressions: [{ key: LABEL.dataService, operator: "In", values: [d] }] };
    }
}

/** One more NetworkPolicy, shaped like `like` (its provider, parent, namespace), with this name and spec. */
function addPolicy(plan: StackPlan, like: Planned, name: string, spec: Props): StackPlan {
    const r = structuredClone(like);
    const urn = like.urn.replace(/::[^:]+$/, `::${name}`);
    const props = { ...(r.props as Props), metadata: { ...(r.props as Props).metadata, name }, spec };
    return { ...plan, resources: [...plan.resources, { ...r, urn, name, props, inputs: structuredClone(props) }] };
}

const policyNamed = (plan: StackPlan, suffix: string) => plan.resources.find((r) => r.type === NP && String((r.props as Props).metadata?.name ?? "").endsWith(suffix));
const dataPolicies = (plan: StackPlan) =>
    plan.resources.flatMap((r) => {
        const m = r.type === NP ? /-data-([a-z]+)$/.exec(String((r.props as Props).metadata?.name)) : null;
        return m ? [{ r, d: m[1] as DataService }] : [];
    });

export function egress13Mutations(rb: Runbook, plan: StackPlan): Mutation[] {
    if (plan.target !== "kubernetes") return [];
    const out: Mutation[] = [];
    const push = (kind: string, policies: string[], r: Planned, what: string, edit: (pl: StackPlan) => StackPlan) => out.push({ id: `${kind}: ${r.name} ${what}`, how: "plan edit", policies, batch: `E13:${kind}:${r.urn}`, edit });
    for (const { r, d } of dataPolicies(plan)) {
        const p = r.props as Props;
        const ns = String(p.metadata?.namespace);
        const own = p.spec.podSelector as Props;
        const extra = (kind: string, selector: Props, egress: Props[], what: string) =>
            push(kind, EGRESS, r, what, (pl) => addPolicy(pl, r, `${p.metadata.name}-${kind}`, { podSelector: selector, policyTypes: ["Egress"], egress }));
        extra("egress-anywhere", own, [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }], `+ a policy letting ${d}'s pods reach 0.0.0.0/0 on every port`);
        extra("egress-internet", operatorSelector(rb.app, ns, d), [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...PRIVATE_RANGES] } }], ports: [{ protocol: "TCP", port: 80 }] }], `+ a policy on a label of ${d}'s operator or chart letting its pods reach the internet on 80`);
        extra("egress-namespace", own, [{ to: [inNs("default")], ports: [{ protocol: "TCP", port: 5432 }] }], `+ a policy letting ${d}'s pods reach namespace default on 5432`);
        // Ingress too: a store's pods picked by a label only its operator or chart sets, opened to another namespace.
        push("ingress-operator-label", ["k8s-networkpolicy-coverage"], r, `+ a policy on a label of ${d}'s operator or chart admitting namespace default`, (pl) =>
            addPolicy(pl, r, `${p.metadata.name}-ingress-debug`, { podSelector: operatorSelector(rb.app, ns, d), policyTypes: ["Ingress"], ingress: [{ from: [inNs("default")] }] }),
        );
        // The operators namespace: every port, one more, a range.
        const rule = (p.spec.ingress as Props[]).findIndex((x) => JSON.stringify(x.from ?? []).includes(names(rb.app, ns).operators));
        if (rule >= 0) {
            const edit = (f: (x: Props) => void) => (pl: StackPlan) => editUrn(pl, r.urn, (q) => {
                q.spec = structuredClone(q.spec);
                f(q.spec.ingress[rule]);
            });
            push("operators-every-port", OPERATORS, r, "operators namespace on every port", edit((x) => delete x.ports));
            push("operators-extra-port", OPERATORS, r, "operators namespace + port 22", edit((x) => x.ports.push({ protocol: "TCP", port: 22 })));
            push("operators-range", OPERATORS, r, "operators namespace on a range over its ports", edit((x) => (x.ports[0] = { protocol: "TCP", port: 1, endPort: 65535 })));
        } else if (operatorPorts(d).length === 0) {
            push("operators-no-operator", OPERATORS, r, `operators namespace admitted to ${d} (no operator)`, (pl) => editUrn(pl, r.urn, (q) => {
                q.spec = structuredClone(q.spec);
                q.spec.ingress.push({ from: [inNs(names(rb.app, ns).operators)], ports: [{ protocol: "TCP", port: 6379 }] });
            }));
        }
    }
    // A selector wide enough to take every store in: the namespace's every pod but the app's.
    const deny = policyNamed(plan, "-default-deny-egress");
    if (deny) {
        const spec = { podSelector: { matchExpressions: [{ key: LABEL.component, operator: "NotIn", values: ["app"] }] }, policyTypes: ["Egress"], egress: [{ to: [inNs("default")] }] };
        push("egress-wide-selector", EGRESS, deny, "+ a policy letting every pod but the app's reach namespace default", (pl) => addPolicy(pl, deny, `${(deny.props as Props).metadata.name}-wide`, spec));
    }
    // The generated API-server rule widened from its ports to PostgreSQL's.
    const api = plan.resources.find((r) => r.type === NP && /-egress-api-server-[a-z]+$/.test(String((r.props as Props).metadata?.name)));
    if (api) push("egress-api-port", EGRESS, api, "API-server rule → 0.0.0.0/0 on 5432", (pl) => editUrn(pl, api.urn, (q) => (q.spec = { ...q.spec, egress: [{ ...q.spec.egress[0], ports: [{ protocol: "TCP", port: 5432 }] }] })));
    // A data store's pods labelled like the app's services: the internet policy takes them in.
    const store = plan.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && (r.props as Props).spec?.template?.metadata?.labels?.[LABEL.dataService]);
    if (store) {
        push("egress-store-as-app", EGRESS, store, `pods labelled ${LABEL.component}=app`, (pl) => editUrn(pl, store.urn, (q) => {
            q.spec = structuredClone(q.spec);
            q.spec.template.metadata.labels[LABEL.component] = "app";
        }));
    }
    return out;
}

/** Edits that only narrow what the data stores reach and what the operators namespace opens: the pack must report nothing new. */
export function egress13Tightenings(plan: StackPlan): { id: string; edit: (plan: StackPlan) => StackPlan }[] {
    const out: { id: string; edit: (plan: StackPlan) => StackPlan }[] = [];
    for (const { r, d } of dataPolicies(plan)) {
        const p = r.props as Props;
        const own = p.spec.podSelector as Props;
        const dns = { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": CLUSTER_DNS.namespace } }, podSelector: { matchLabels: { ...CLUSTER_DNS.label } } }], ports: [{ protocol: "UDP", port: CLUSTER_DNS.port }] };
        out.push({ id: `${d}: + a policy letting its pods reach only the cluster DNS over UDP`, edit: (pl) => addPolicy(pl, r, `${p.metadata.name}-dns-only`, { podSelector: own, policyTypes: ["Egress"], egress: [dns] }) });
        out.push({ id: `${d}: + a policy letting its pods reach only its own pods`, edit: (pl) => addPolicy(pl, r, `${p.metadata.name}-peers-only`, { podSelector: own, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: own }] }] }) });
        const rule = (p.spec.ingress as Props[]).findIndex((x) => Array.isArray(x.ports) && x.ports.length > 1);
        if (rule >= 0) out.push({ id: `${d}: the operators namespace on one of its ports`, edit: (pl) => editUrn(pl, r.urn, (q) => (q.spec = { ...q.spec, ingress: q.spec.ingress.map((x: Props, i: number) => (i === rule ? { ...x, ports: x.ports.slice(-1) } : x)) })) });
    }
    const api = plan.resources.find((r) => r.type === NP && /-egress-api-server-[a-z]+$/.test(String((r.props as Props).metadata?.name)));
    if (api) out.push({ id: `${api.name}: API server on 443 only`, edit: (pl) => editUrn(pl, api.urn, (q) => (q.spec = { ...q.spec, egress: [{ ...q.spec.egress[0], ports: q.spec.egress[0].ports.slice(0, 1) }] })) });
    return out;
}
