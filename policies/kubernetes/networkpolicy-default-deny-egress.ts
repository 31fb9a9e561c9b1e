import { POD_OWNERS } from "../lib/kubernetes";
import { finding, stackRule, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord } from "../lib/values";

const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

const empty = (sel: unknown) => !isRecord(sel) || (Object.keys(sel.matchLabels ?? {}).length === 0 && asArray(sel.matchExpressions).length === 0);
const nsOf = (s: Subject): string => String(s.props.metadata?.namespace ?? "default");
const policyTypes = (s: Subject): string[] => asArray<string>(s.props.spec?.policyTypes);

/**
 * Every namespace the stack runs pods in denies egress by default (an empty-selector Egress policy
 * with no rules), and no policy there opens egress to everything (a rule with neither `to` nor
 * `ports`, or an ipBlock of 0.0.0.0/0 on every port), which would undo it.
 */
export const k8sNetworkPolicyDefaultDenyEgress = stackRule({
    name: "k8s-networkpolicy-default-deny-egress",
    description: "Each namespace with the stack's workloads has a default-deny egress NetworkPolicy, and no NetworkPolicy there allows egress to everything.",
    tier: "security",
    target: "kubernetes",
    remediationSteps: "Add a NetworkPolicy with podSelector {} and policyTypes [Egress] and no egress rules, then allow each workload's destinations (DNS, its data services, the API server, the external APIs on their ports).",
    notApplicable: (resources) => absentTarget(resources, "kubernetes") ?? (ofType(resources, ...POD_OWNERS).length ? undefined : "the stack creates no workloads"),
    check: (resources) => {
        const policies = ofType(resources, NETWORK_POLICY);
        const namespaces = [...new Set(ofType(resources, ...POD_OWNERS).map(nsOf))].sort();
        const findings = namespaces
            .filter((ns) => !policies.some((p) => nsOf(p) === ns && empty(p.props.spec?.podSelector) && policyTypes(p).includes("Egress") && asArray(p.props.spec?.egress).length === 0))
            .map((ns) => finding(`namespace ${ns}: no default-deny egress NetworkPolicy (podSelector {}, policyTypes [Egress], no egress rules); every pod there may connect anywhere`));
        for (const p of policies.filter((x) => namespaces.includes(nsOf(x)) && policyTypes(x).includes("Egress"))) {
            asArray(p.props.spec?.egress)
                .filter(isRecord)
                .forEach((rule, i) => {
                    const to = asArray(rule.to).filter(isRecord);
                    const anyPort = asArray(rule.ports).length === 0;
                    const everywhere = to.length === 0 || to.some((peer) => ["0.0.0.0/0", "::/0"].includes(peer.ipBlock?.cidr) && asArray(peer.ipBlock?.except).length === 0);
                    if (anyPort && everywhere) {
                        findings.push(finding(`NetworkPolicy ${nsOf(p)}/${p.props.metadata?.name ?? p.name}: egress rule ${i} allows every port to ${to.length ? "0.0.0.0/0" : "every destination"}; name the destinations and ports`, { urn: p.urn }));
                    }
                });
        }
        return findings;
    },
});
