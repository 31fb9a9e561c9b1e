import { ALL_DATA_SERVICES, scrapedPorts } from "../../capabilities/kubernetes/data-ports";
import { names } from "../../capabilities/kubernetes/names";
import { finding, label, resourceRule } from "../lib/policy";
import { asArray, isRecord, num } from "../lib/values";

const NAMESPACE_NAME = "kubernetes.io/metadata.name";

/**
 * The monitoring namespace reaches the app's namespace only where it scrapes or probes (issue 15,
 * row 8; the namespace is PSS privileged, so it is the one to keep narrow): the data services' and
 * exporters' metrics ports (capabilities/kubernetes/data-ports.ts `scrapedPorts`, from the constants
 * the ServiceMonitors and PodMonitors use) and the runbook services' ports (their /metrics and the
 * blackbox health probes). A NetworkPolicy in the app's namespace that admits the monitoring
 * namespace on every port (no `ports`), on a named port (any container's port of that name), or on a
 * port or range outside that set is a finding.
 */
export const k8sNetworkPolicyMonitoringPorts = resourceRule({
    name: "k8s-networkpolicy-monitoring-ports",
    description: "NetworkPolicies admit the monitoring namespace to the app's pods only on the ports Prometheus scrapes and blackbox probes: the data services' metrics ports and the runbook services' ports.",
    tier: "security",
    target: "kubernetes",
    types: ["kubernetes:networking.k8s.io/v1:NetworkPolicy"],
    remediationSteps: "Give every ingress rule that admits the monitoring namespace a `ports` list of numbered TCP ports from the scraped set (capabilities/kubernetes/data-ports.ts scrapedPorts) or the runbook services' ports.",
    check: (s, ctx) => {
        const spec = s.props.spec ?? {};
        const namespace = String(s.props.metadata?.namespace ?? "default");
        if (namespace !== (ctx.kubernetesNamespace ?? ctx.app)) return [];
        const monitoring = names(ctx.app, namespace).monitoring;
        const allowed = new Map<number, string>();
        for (const d of ALL_DATA_SERVICES) for (const p of scrapedPorts(d)) if (!allowed.has(p.port)) allowed.set(p.port, p.why);
        for (const svc of ctx.runbook.services) allowed.set(svc.port, `${svc.name}'s port (its /metrics, the blackbox health probe)`);
        const list = [...allowed].sort(([a], [b]) => a - b).map(([port, why]) => `${port} (${why})`).join(", ");
        const name = `${label(s)} (${namespace}/${s.props.metadata?.name ?? s.name})`;
        return asArray(spec.ingress)
            .filter(isRecord)
            .flatMap((rule, i) => {
                const admits = asArray(rule.from).filter(isRecord).some((peer) => isRecord(peer.namespaceSelector) && peer.namespaceSelector.matchLabels?.[NAMESPACE_NAME] === monitoring);
                if (!admits) return [];
                const bad = (what: string) => finding(`${name}: ingress rule ${i} admits the monitoring namespace ${monitoring} ${what}; it may reach only the scraped and probed ports: ${list} (issue 15 row 8: the namespace is PSS privileged)`);
                const ports = asArray(rule.ports).filter(isRecord);
                if (ports.length === 0) return [bad("on every port")];
                return ports.flatMap((p) => {
                    const from = num(p.port);
                    if (from === undefined) return [bad(p.port === undefined ? "on every port (a ports entry without a port)" : `on the named port "${String(p.port)}" (any container's port of that name)`)];
                    const to = num(p.endPort) ?? from;
                    const outside = to - from + 1 > allowed.size ? [from, to] : Array.from({ length: to - from + 1 }, (_, k) => from + k).filter((x) => !allowed.has(x));
                    if (outside.length === 0) return [];
                    return [bad(to === from ? `on port ${from}` : `on the range ${from}-${to} (it includes ports outside the set)`)];
                });
            });
    },
});
