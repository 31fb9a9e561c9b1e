import { DATA_ACCESS_LABELS, LABEL, names, serviceSelector } from "../../capabilities/kubernetes/names";
import { APP_COMPONENT, DEFAULT_INGRESS_NAMESPACE } from "../../capabilities/kubernetes/security";
import { finding, label, resourceRule } from "../lib/policy";
import { selects } from "../lib/label-selector";
import { asArray, isRecord, num } from "../lib/values";

const NAMESPACE_NAME = "kubernetes.io/metadata.name";

/** The one namespace a `namespaceSelector` names by `kubernetes.io/metadata.name`, or undefined when it selects by anything else. */
function namedNamespace(sel: Record<string, any>): string | undefined {
    const labels = Object.entries(isRecord(sel.matchLabels) ? sel.matchLabels : {});
    if (asArray(sel.matchExpressions).length > 0 || labels.length !== 1 || labels[0][0] !== NAMESPACE_NAME) return undefined;
    return String(labels[0][1]);
}

/**
 * A runbook service's port takes connections only from the namespaces that need it (issue 15, row
 * 8): the ingress controller's (the stack's `kubernetes.ingressNamespace`, default
 * `DEFAULT_INGRESS_NAMESPACE`), the app's own (its services call each other: a pod selector alone),
 * and its monitoring namespace (Prometheus scrapes /metrics on the service port, blackbox probes
 * it). A NetworkPolicy that selects a service's pods and admits, on its port (or on every port),
 * every namespace, a namespace picked by other labels, another named namespace, an address block
 * or every source, is a finding.
 */
export const k8sNetworkPolicyServiceIngressSources = resourceRule({
    name: "k8s-networkpolicy-service-ingress-sources",
    description: "The runbook services' ports admit only the ingress controller's namespace, the app's own namespace and its monitoring namespace.",
    tier: "security",
    target: "kubernetes",
    types: ["kubernetes:networking.k8s.io/v1:NetworkPolicy"],
    remediationSteps:
        "Name each source namespace with a namespaceSelector on kubernetes.io/metadata.name: the ingress controller's (runbook-platform:kubernetes.ingressNamespace), the app's monitoring namespace, or a podSelector alone for the app's own pods.",
    check: (s, ctx) => {
        const spec = s.props.spec ?? {};
        const rules = asArray(spec.ingress).filter(isRecord);
        if (rules.length === 0) return [];
        const namespace = String(s.props.metadata?.namespace ?? "default");
        // Only a policy in the app's namespace selects the service pods; one elsewhere cannot open them.
        if (namespace !== (ctx.kubernetesNamespace ?? ctx.app)) return [];
        const n = names(ctx.app, namespace);
        const ingress = ctx.ingressNamespace ?? DEFAULT_INGRESS_NAMESPACE;
        const allowed = new Map([
            [ingress, "the ingress controller's (kubernetes.ingressNamespace)"],
            [namespace, "the app's own"],
            [n.monitoring, "the monitoring namespace"],
        ]);
        // The service pods this policy selects: their labels as capabilities/kubernetes/apps.ts sets them (data access included, the wider case).
        const services = ctx.runbook.services.filter((svc) => selects(spec.podSelector, { ...serviceSelector(n, svc.name), [LABEL.component]: APP_COMPONENT, ...DATA_ACCESS_LABELS }));
        if (services.length === 0) return [];
        const name = `${label(s)} (${namespace}/${s.props.metadata?.name ?? s.name})`;
        const list = [...allowed].map(([ns, why]) => `${ns} (${why})`).join(", ");
        return rules.flatMap((rule, i) => {
            const ports = asArray(rule.ports).filter(isRecord);
            // A named port, or a range (`endPort`) over the service's port, opens it too.
            const covers = (p: Record<string, any>, port: number) => {
                const from = num(p.port);
                return from === undefined || (from <= port && port <= (num(p.endPort) ?? from));
            };
            const opened = services.filter((svc) => ports.length === 0 || ports.some((p) => covers(p, svc.port)));
            if (opened.length === 0) return [];
            const what = `${opened.map((svc) => `${svc.name}'s port ${svc.port}`).join(", ")} (the ${ctx.app} runbook's services)`;
            const from = asArray(rule.from).filter(isRecord);
            if (from.length === 0) return [finding(`${name}: ingress rule ${i} admits every source to ${what}; allowed sources: ${list}`)];
            return from.flatMap((peer, j) => {
                const bad = (why: string) => [finding(`${name}: ingress rule ${i}, peer ${j} admits ${why} to ${what}; allowed sources: ${list}`)];
                if (isRecord(peer.ipBlock)) return bad(`the address block ${peer.ipBlock.cidr ?? "(unset)"}`);
                if (!isRecord(peer.namespaceSelector)) return isRecord(peer.podSelector) ? [] : bad("every source (an empty peer)");
                const named = namedNamespace(peer.namespaceSelector);
                if (named === undefined) {
                    const empty = Object.keys(peer.namespaceSelector.matchLabels ?? {}).length === 0 && asArray(peer.namespaceSelector.matchExpressions).length === 0;
                    return bad(empty ? "every namespace (namespaceSelector {})" : `the namespaces labelled ${JSON.stringify(peer.namespaceSelector)} (not one namespace by ${NAMESPACE_NAME})`);
                }
                return allowed.has(named) ? [] : bad(`namespace ${named}`);
            });
        });
    },
});
