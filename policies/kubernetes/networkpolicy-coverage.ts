import { ACME_HTTP01_SOLVER } from "../../capabilities/kubernetes/security";
import { LABEL } from "../../capabilities/kubernetes/names";
import { dataStorePods, possiblySelects, type DataPods } from "../lib/data-pods";
import { directions, intendedPeers, NETWORK_POLICY, nsOf, podSets, selects, within, type Pods } from "../lib/network-policies";
import { finding, stackRule, type Finding, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord } from "../lib/values";

const WHY = "capabilities/kubernetes/security.ts networkPolicies: the platform denies ingress and egress by default, and a data service takes connections only from the pods labelled for data access, its own pods and the monitoring and operators namespaces";
const rulesOf = (p: Subject, dir: "Ingress" | "Egress") => asArray(p.props.spec?.[dir === "Ingress" ? "ingress" : "egress"]).filter(isRecord);
const policyName = (p: Subject) => `NetworkPolicy ${nsOf(p)}/${p.props.metadata?.name ?? p.name}`;

/** Each set of pods is selected, for sure, by a policy with no rules in each direction: the default deny holds for it. */
function coverage(policies: readonly Subject[], pods: readonly Pods[]): Finding[] {
    const out: Finding[] = [];
    for (const p of pods) {
        for (const dir of ["Ingress", "Egress"] as const) {
            const deny = policies.some((x) => nsOf(x) === p.namespace && directions(x).includes(dir) && rulesOf(x, dir).length === 0 && selects(x.props.spec?.podSelector ?? {}, p));
            if (deny) continue;
            const open = dir === "Ingress" ? "any pod of the cluster may connect to it" : "it may connect anywhere";
            out.push(
                finding(`${p.what}: no default-deny ${dir} NetworkPolicy in ${p.namespace} selects it (labels ${JSON.stringify(p.labels)}): ${open}, whatever the other policies name; allowed: podSelector {} (or one surely selecting it), policyTypes [${dir}], no ${dir.toLowerCase()} rules (${WHY})`, {
                    urn: p.urn,
                }),
            );
        }
    }
    return out;
}

/** The ports a policy aimed at a runbook service's pods (or the ACME solver's) may open to anyone: that service's port; undefined for other policies. */
function servicePorts(p: Subject, services: readonly { name: string; port: number }[]): number[] | undefined {
    const sel = p.props.spec?.podSelector;
    const svc = isRecord(sel) ? services.find((s) => s.name === sel.matchLabels?.[LABEL.name]) : undefined;
    if (svc) return [svc.port];
    return within(sel, ACME_HTTP01_SOLVER.label) ? [ACME_HTTP01_SOLVER.port] : undefined;
}

function peerAllowed(peer: Record<string, any>, want: ReturnType<typeof intendedPeers>): boolean {
    if (peer.ipBlock !== undefined) return false;
    if (peer.namespaceSelector !== undefined) {
        const ns = peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"];
        return typeof ns === "string" && want.namespaces.includes(ns);
    }
    return want.pods.some((labels) => within(peer.podSelector, labels));
}

/**
 * Every ingress peer of a policy that may select a data service's pods is one the platform admits to
 * that data service. A policy aimed at a runbook service's pods opens its port to anyone (the
 * ingress controller; k8s-networkpolicy-no-open-ingress), and any other port only to those peers.
 */
function dataPeers(policies: readonly Subject[], stores: readonly DataPods[], app: Parameters<typeof intendedPeers>[0], services: readonly { name: string; port: number }[]): Finding[] {
    const out: Finding[] = [];
    for (const p of policies.filter((x) => directions(x).includes("Ingress") && rulesOf(x, "Ingress").length > 0)) {
        const open = servicePorts(p, services);
        if (open) {
            const want = intendedPeers(app, nsOf(p), undefined);
            rulesOf(p, "Ingress").forEach((rule, i) => {
                const ports = asArray(rule.ports).filter(isRecord).map((x) => x.port);
                if (ports.length > 0 && ports.every((x) => open.includes(Number(x)))) return;
                const from = asArray(rule.from).filter(isRecord);
                const bad = from.length === 0 ? ["every source (no from)"] : from.filter((peer) => !peerAllowed(peer, want)).map((peer) => JSON.stringify(peer));
                for (const peer of bad) out.push(finding(`${policyName(p)}: ingress rule ${i} admits ${peer} on ${ports.length ? `port(s) ${ports.join(", ")}` : "every port"}; the platform opens only the service's port ${open.join(", ")} to the cluster, other ports only to ${want.shown} (${WHY})`, { urn: p.urn }));
            });
            continue;
        }
        // Which data stores' pods the selector may take in, by the labels their operators and charts give them (operator-labels.ts).
        const data = stores.filter((d) => d.namespace === nsOf(p) && possiblySelects(p.props.spec?.podSelector ?? {}, d.labels));
        for (const d of data) {
            const want = intendedPeers(app, d.namespace, d.data);
            rulesOf(p, "Ingress").forEach((rule, i) => {
                const from = asArray(rule.from).filter(isRecord);
                const bad = from.length === 0 ? ["every source (no from)"] : from.filter((peer) => !peerAllowed(peer, want)).map((peer) => JSON.stringify(peer));
                const ports = asArray(rule.ports).filter(isRecord).map((x) => x.port);
                for (const peer of bad) {
                    out.push(
                        finding(`${policyName(p)}: ingress rule ${i} admits ${peer} to ${d.what}${ports.length ? ` on port(s) ${ports.join(", ")}` : " on every port"}; allowed to ${d.data}: ${want.shown} (${WHY})`, {
                            urn: p.urn,
                        }),
                    );
                }
            });
        }
    }
    return out;
}

/**
 * NetworkPolicies object by object: every workload and every data service (the operators' and the
 * charts' pods too) is selected by a default-deny policy in each direction, and no policy that may
 * select a data service's pods admits a peer the platform does not (another namespace, every pod
 * of the namespace, an address block, every source).
 */
export const k8sNetworkPolicyCoverage = stackRule({
    name: "k8s-networkpolicy-coverage",
    description:
        "Every workload and data service of the stack is selected by a default-deny ingress and a default-deny egress NetworkPolicy (no narrowed selector, no dropped policyType), and every ingress peer of a policy that may select a data service is one the platform admits to it: pods labelled for data access, its own pods, the monitoring and operators namespaces; a runbook service's policy opens other ports than its own only to those peers.",
    tier: "security",
    target: "kubernetes",
    remediationSteps: "Keep the generated NetworkPolicies (capabilities/kubernetes/security.ts networkPolicies): default-deny-ingress and default-deny-egress with podSelector {}, and data-<service> policies that admit only the data-access label, the service's own pods and the monitoring and operators namespaces.",
    notApplicable: (resources, ctx) => absentTarget(resources, "kubernetes") ?? (podSets(resources, ctx.app).length ? undefined : "the stack creates no workloads"),
    check: (resources, ctx) => {
        const policies = ofType(resources, NETWORK_POLICY);
        const pods = podSets(resources, ctx.app);
        return [...coverage(policies, pods), ...dataPeers(policies, dataStorePods(resources), ctx.app, ctx.runbook.services)];
    },
});
