import { ACME_HTTP01_SOLVER } from "../../capabilities/kubernetes/security";
import { finding, label, resourceRule } from "../lib/policy";
import { asArray, isRecord, num } from "../lib/values";

const empty = (sel: unknown) => !isRecord(sel) || (Object.keys(sel.matchLabels ?? {}).length === 0 && asArray(sel.matchExpressions).length === 0);
const OPEN_CIDRS = ["0.0.0.0/0", "::/0"];

/** Whether one `from` peer admits every source: every pod of every namespace, or the whole internet. */
function everywhere(peer: Record<string, any>): boolean {
    if (isRecord(peer.ipBlock)) return OPEN_CIDRS.includes(peer.ipBlock.cidr) && asArray(peer.ipBlock.except).length === 0;
    return isRecord(peer.namespaceSelector) && empty(peer.namespaceSelector) && empty(peer.podSelector);
}

/**
 * No NetworkPolicy opens the app's pods to every source. The platform admits the whole cluster
 * only to named pods on named ports: each runbook service on its own port (the ingress controller
 * reaches it) and cert-manager's HTTP-01 solver. An ingress rule from everywhere (no `from`, an
 * empty namespace and pod selector, or 0.0.0.0/0) on every port, to every pod of the namespace, or
 * on a port no service of the runbook listens on undoes the default-deny ingress policy.
 */
export const k8sNetworkPolicyNoOpenIngress = resourceRule({
    name: "k8s-networkpolicy-no-open-ingress",
    description: "NetworkPolicies admit traffic from everywhere only to selected pods on the runbook services' ports (and the ACME solver's), never to every pod or on every port.",
    tier: "security",
    target: "kubernetes",
    types: ["kubernetes:networking.k8s.io/v1:NetworkPolicy"],
    remediationSteps: "Name the sources (a namespaceSelector with kubernetes.io/metadata.name, a podSelector with labels), or restrict the rule to the selected service pods and their runbook port.",
    check: (s, ctx) => {
        const spec = s.props.spec ?? {};
        const types = asArray<string>(spec.policyTypes);
        const rules = asArray(spec.ingress).filter(isRecord);
        if (!types.includes("Ingress") && rules.length === 0) return [];
        const servicePorts = ctx.runbook.services.map((svc) => svc.port);
        const allowed = [...servicePorts, ACME_HTTP01_SOLVER.port];
        const allPods = empty(spec.podSelector);
        const name = `${label(s)} (${s.props.metadata?.namespace ?? "default"}/${s.props.metadata?.name ?? s.name})`;
        return rules.flatMap((rule, i) => {
            const from = asArray(rule.from).filter(isRecord);
            if (from.length > 0 && !from.some(everywhere)) return [];
            const source = from.length === 0 ? "every source (no from)" : "every source (an empty namespace and pod selector, or 0.0.0.0/0)";
            const ports = asArray(rule.ports).filter(isRecord);
            if (ports.length === 0) return [finding(`${name}: ingress rule ${i} admits ${source} on every port; name the sources, or the service port`)];
            if (allPods) return [finding(`${name}: ingress rule ${i} admits ${source} to every pod of the namespace (podSelector {}); select the service's pods`)];
            const bad = ports.map((p) => num(p.port)).filter((p) => p === undefined || !allowed.includes(p));
            if (bad.length) {
                return [finding(`${name}: ingress rule ${i} admits ${source} on port(s) ${bad.map((p) => p ?? "(named or unset)").join(", ")}; from everywhere only the ${ctx.app} runbook's service ports ${servicePorts.join(", ")} and the ACME solver's ${ACME_HTTP01_SOLVER.port}`)];
            }
            return [];
        });
    },
});
