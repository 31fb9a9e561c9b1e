import { names } from "../../capabilities/kubernetes/names";
import { API_CLIENTS, API_SERVER, CLUSTER_DNS, dataPodSelectors } from "../../capabilities/kubernetes/security";
import { finding, label, resourceRule, type CheckContext, type Subject } from "../lib/policy";
import { asArray, isRecord, num } from "../lib/values";

const OPEN_CIDRS = ["0.0.0.0/0", "::/0"];
const empty = (sel: unknown) => !isRecord(sel) || (Object.keys(sel.matchLabels ?? {}).length === 0 && asArray(sel.matchExpressions).length === 0);
const sameLabels = (sel: unknown, want: Readonly<Record<string, string>>) =>
    isRecord(sel) && asArray(sel.matchExpressions).length === 0 && JSON.stringify(Object.entries(sel.matchLabels ?? {}).sort()) === JSON.stringify(Object.entries(want).sort());
const portsOf = (rule: Record<string, any>) => asArray(rule.ports).filter(isRecord).map((p) => num(p.port));

/** The cluster DNS, as the platform's egress-dns policy names it: kube-dns's pods in kube-system. */
const isClusterDns = (peer: Record<string, any>) =>
    !peer.ipBlock && sameLabels(peer.namespaceSelector, { "kubernetes.io/metadata.name": CLUSTER_DNS.namespace }) && sameLabels(peer.podSelector, CLUSTER_DNS.label);

/** Whether the policy selects the pods of a data service whose operator is an API client (the only pods the platform lets reach 0.0.0.0/0 unexcepted). */
function selectsApiClient(s: Subject, ctx: CheckContext): boolean {
    const selectors = dataPodSelectors(names(ctx.app, String(s.props.metadata?.namespace ?? "")));
    return API_CLIENTS.some((d) => sameLabels(s.props.spec?.podSelector, (selectors[d].matchLabels ?? {}) as Record<string, string>));
}

/**
 * NetworkPolicy peers no wider than the platform's (capabilities/kubernetes/security.ts). Egress:
 * no peer of every namespace (the platform's namespace rule is `podSelector {}`, this namespace
 * only), no rule to every destination on named ports, the open internet (0.0.0.0/0 with no
 * exceptions) only from the API-client operators' pods on the API server's ports, and DNS (port 53) only to kube-dns in kube-system.
 * Ingress: no peer of every pod of the namespace (`podSelector {}` alone), which drops the
 * data-access label that gates the data services. Rules open on every port and every source are
 * k8s-networkpolicy-default-deny-egress's and k8s-networkpolicy-no-open-ingress's.
 */
export const k8sNetworkPolicyNoWidePeers = resourceRule({
    name: "k8s-networkpolicy-no-wide-peers",
    description: "NetworkPolicy rules name their peers no wider than the platform's: no egress to every namespace or to any address on a port, the open internet without exceptions only from the API-client operators' pods to the API server, DNS only to kube-dns, and no ingress from every pod of the namespace.",
    tier: "security",
    target: "kubernetes",
    types: ["kubernetes:networking.k8s.io/v1:NetworkPolicy"],
    remediationSteps: "Use the generated NetworkPolicies (capabilities/kubernetes/security.ts networkPolicies): name the namespace (kubernetes.io/metadata.name) and the pods (labels) each rule allows, DNS to kube-dns only.",
    check: (s, ctx) => {
        const spec = s.props.spec ?? {};
        const types = asArray<string>(spec.policyTypes);
        const name = `${label(s)} (${s.props.metadata?.namespace ?? "default"}/${s.props.metadata?.name ?? s.name})`;
        const out = [];
        if (types.includes("Egress") || asArray(spec.egress).length) {
            for (const [i, rule] of asArray(spec.egress).filter(isRecord).entries()) {
                const to = asArray(rule.to).filter(isRecord);
                const ports = portsOf(rule);
                const on = ports.length ? `port(s) ${[...new Set(ports.map((p) => p ?? "(named)"))].join(", ")}` : "every port";
                if (to.length === 0) {
                    if (ports.length) out.push(finding(`${name}: egress rule ${i} allows ${on} to every destination (no to); the platform names each destination (DNS: kube-dns in ${CLUSTER_DNS.namespace}; the internet: 0.0.0.0/0 except the private ranges)`));
                    continue;
                }
                for (const peer of to) {
                    if (isRecord(peer.namespaceSelector) && empty(peer.namespaceSelector)) {
                        out.push(finding(`${name}: egress rule ${i} allows ${on} to ${empty(peer.podSelector) ? "every pod of" : "labelled pods in"} every namespace (namespaceSelector {}); allowed: this namespace (podSelector alone) or a namespace named by kubernetes.io/metadata.name`));
                    }
                    const apiServerOnly = ports.length > 0 && ports.every((p) => p !== undefined && (API_SERVER.ports as readonly number[]).includes(p));
                    if (isRecord(peer.ipBlock) && OPEN_CIDRS.includes(peer.ipBlock.cidr) && asArray(peer.ipBlock.except).length === 0 && !(apiServerOnly && selectsApiClient(s, ctx))) {
                        out.push(finding(`${name}: egress rule ${i} allows ${on} to ${peer.ipBlock.cidr} with no exceptions; 0.0.0.0/0 unexcepted only from the ${API_CLIENTS.join(", ")} operators' pods to the API server's ports ${API_SERVER.ports.join(", ")}; elsewhere except the private ranges`));
                    }
                }
                if (ports.includes(CLUSTER_DNS.port) && !to.every(isClusterDns)) {
                    out.push(finding(`${name}: egress rule ${i} allows DNS (port ${CLUSTER_DNS.port}) to peers other than the cluster DNS; allowed: pods ${JSON.stringify(CLUSTER_DNS.label)} in namespace ${CLUSTER_DNS.namespace} (a resolver elsewhere can tunnel data out)`));
                }
            }
        }
        for (const [i, rule] of asArray(spec.ingress).filter(isRecord).entries()) {
            for (const peer of asArray(rule.from).filter(isRecord)) {
                if (!peer.ipBlock && peer.namespaceSelector === undefined && isRecord(peer.podSelector) && empty(peer.podSelector)) {
                    out.push(finding(`${name}: ingress rule ${i} admits every pod of the namespace (podSelector {}); the platform admits labelled pods only (the data-access label, the service's own pods) and named namespaces`));
                }
            }
        }
        return out;
    },
});
