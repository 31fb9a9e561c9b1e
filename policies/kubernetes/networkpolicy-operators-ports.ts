import { ALL_DATA_SERVICES, operatorPorts } from "../../capabilities/kubernetes/data-ports";
import { names } from "../../capabilities/kubernetes/names";
import { dataPodSelectors } from "../../capabilities/kubernetes/security";
import { within } from "../lib/network-policies";
import { finding, label, resourceRule } from "../lib/policy";
import { asArray, isRecord, num } from "../lib/values";

const NAMESPACE_NAME = "kubernetes.io/metadata.name";
const WHY = "capabilities/kubernetes/data-ports.ts operatorPorts, each checked against the operator's source at the pinned chart version (docs/security.md, Monitoring and operators namespaces on Kubernetes)";

/**
 * The operators namespace reaches the data services only on the ports their operators use (issue
 * 15 row 8, issue 13): CloudNativePG's instance manager and PostgreSQL, Strimzi's control-plane,
 * replication and agent ports and KEDA's Kafka listener, the RabbitMQ management API and KEDA's
 * AMQP listener (`operatorPorts`). A NetworkPolicy in the app's namespace whose ingress rule admits
 * the operators namespace is a finding when its podSelector is not narrowed to one data service's
 * pods, that service has no operator, or the rule opens every port, a named port, another protocol,
 * or a port or range outside that service's operator ports.
 */
export const k8sNetworkPolicyOperatorsPorts = resourceRule({
    name: "k8s-networkpolicy-operators-ports",
    description: "NetworkPolicies admit the operators namespace only to a data service's pods and only on the TCP ports its operators use (capabilities/kubernetes/data-ports.ts operatorPorts).",
    tier: "security",
    target: "kubernetes",
    types: ["kubernetes:networking.k8s.io/v1:NetworkPolicy"],
    remediationSteps: "Admit the operators namespace only in a data service's own policy (podSelector: its pods' selector), with a `ports` list of the numbered TCP ports its operators use (capabilities/kubernetes/data-ports.ts operatorPorts).",
    check: (s, ctx) => {
        const spec = s.props.spec ?? {};
        const namespace = String(s.props.metadata?.namespace ?? "default");
        if (namespace !== (ctx.kubernetesNamespace ?? ctx.app)) return [];
        const n = names(ctx.app, namespace);
        const selectors = dataPodSelectors(n);
        const name = `${label(s)} (${namespace}/${s.props.metadata?.name ?? s.name})`;
        // The data service whose pods alone the policy selects (its selector, or a narrower one).
        const data = ALL_DATA_SERVICES.find((d) => within(spec.podSelector, (selectors[d].matchLabels ?? {}) as Record<string, string>));
        return asArray(spec.ingress)
            .filter(isRecord)
            .flatMap((rule, i) => {
                const admits = asArray(rule.from).filter(isRecord).some((peer) => isRecord(peer.namespaceSelector) && peer.namespaceSelector.matchLabels?.[NAMESPACE_NAME] === n.operators);
                if (!admits) return [];
                const where = `${name}: spec.ingress[${i}] admits the operators namespace ${n.operators}`;
                if (!data) return [finding(`${where} to pods ${JSON.stringify(spec.podSelector ?? {})}, not one data service's; allowed: only a data service's pods (${ALL_DATA_SERVICES.map((d) => `${d} ${JSON.stringify(selectors[d].matchLabels)}`).join(", ")}) on its operators' ports (${WHY})`)];
                const allowed = operatorPorts(data);
                const list = allowed.map((p) => `TCP ${p.port} (${p.why})`).join(", ");
                if (allowed.length === 0) return [finding(`${where} to ${data}'s pods; no operator manages ${data}, so no port of it is open to that namespace (${WHY})`)];
                const bad = (what: string) => finding(`${where} to ${data}'s pods ${what}; allowed: ${list} (${WHY})`);
                const ports = asArray(rule.ports).filter(isRecord);
                if (ports.length === 0) return [bad("on every port (no ports)")];
                return ports.flatMap((p) => {
                    const protocol = String(p.protocol ?? "TCP");
                    if (protocol !== "TCP") return [bad(`on protocol ${protocol}`)];
                    const from = num(p.port);
                    if (from === undefined) return [bad(p.port === undefined ? "on every port (a ports entry without a port)" : `on the named port "${String(p.port)}" (any container's port of that name)`)];
                    const to = num(p.endPort) ?? from;
                    const set = new Set(allowed.map((x) => x.port));
                    const outside = to - from + 1 > set.size ? [from] : Array.from({ length: to - from + 1 }, (_, k) => from + k).filter((x) => !set.has(x));
                    if (outside.length === 0) return [];
                    return [bad(to === from ? `on port ${from}` : `on the range ${from}-${to} (it includes ports outside the set)`)];
                });
            });
    },
});
