import { internetPorts } from "../../capabilities/egress";
import { names, type DataService } from "../../capabilities/kubernetes/names";
import { intendedDataPodLabels } from "../../capabilities/kubernetes/operator-labels";
import { egressPolicies } from "../../capabilities/kubernetes/security";
import { dataStorePods, possiblySelects, type DataPods } from "../lib/data-pods";
import { describeRule, ruleWithin } from "../lib/egress-rules";
import { selects } from "../lib/label-selector";
import { directions, NETWORK_POLICY, nsOf } from "../lib/network-policies";
import { finding, stackRule, type Finding } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord } from "../lib/values";

const WHY =
    "capabilities/kubernetes/security.ts egressPolicies: a data store's pods reach the cluster DNS, the pods of their own namespace (their peers, the backup target) and, where an operator runs them, the API server; NetworkPolicies add up, so any other policy selecting them may only repeat or narrow that";

/** The egress rules the generator gives a data service's pods in a namespace: those of its egress policies that select the pods' intended labels. */
function generatedEgress(app: Parameters<typeof names>[0], namespace: string, present: readonly DataService[], ports: readonly number[]): Map<DataService, Record<string, any>[]> {
    const n = names(app, namespace);
    const policies = egressPolicies(n, present, ports);
    return new Map(present.map((d) => [d, policies.filter((p) => selects(p.spec.podSelector, intendedDataPodLabels(n, d))).flatMap((p) => asArray<Record<string, any>>(p.spec.egress))]));
}

/**
 * Egress of the data stores' pods (issue 13): NetworkPolicies add up, so one more policy in the
 * app's namespace whose podSelector may select a data store's pods (Redis, PostgreSQL, Kafka,
 * MongoDB, RabbitMQ, MinIO; an empty or namespace-wide selector too) and allows egress elsewhere
 * undoes the default deny for them. Which pods a selector may select is read from the labels the
 * operators and charts put on them (capabilities/kubernetes/operator-labels.ts, from their source
 * at the pinned versions). Every egress rule of such a policy must lie within one the generator
 * gives those pods.
 */
export const k8sNetworkPolicyDataEgress = stackRule({
    name: "k8s-networkpolicy-data-egress",
    description:
        "Every egress rule of a NetworkPolicy that may select a data store's pods (by the labels the plan and their operators give them) lies within the egress the generator gives them: the cluster DNS, the pods of their namespace, the API server for operator-run stores.",
    tier: "security",
    target: "kubernetes",
    remediationSteps:
        "Keep the data stores' egress to the generated policies (capabilities/kubernetes/security.ts egressPolicies); give a new egress policy a podSelector that selects no data store's pods (their operator's labels: capabilities/kubernetes/operator-labels.ts), or only repeat or narrow the generated rules.",
    notApplicable: (resources) => absentTarget(resources, "kubernetes") ?? (dataStorePods(resources).length ? undefined : "the stack runs no data store on Kubernetes"),
    check: (resources, ctx) => {
        const pods = dataStorePods(resources);
        const ports = internetPorts(ctx.runbook);
        const allowed = new Map<string, Map<DataService, Record<string, any>[]>>();
        for (const ns of new Set(pods.map((p) => p.namespace))) allowed.set(ns, generatedEgress(ctx.app, ns, [...new Set(pods.filter((p) => p.namespace === ns).map((p) => p.data))], ports));
        const out: Finding[] = [];
        for (const p of ofType(resources, NETWORK_POLICY).filter((x) => directions(x).includes("Egress"))) {
            const rules = asArray(p.props.spec?.egress).filter(isRecord);
            if (rules.length === 0) continue;
            const selector = p.props.spec?.podSelector ?? {};
            const selected = pods.filter((d) => d.namespace === nsOf(p) && possiblySelects(selector, d.labels));
            const byData = new Map<DataService, DataPods[]>();
            for (const d of selected) byData.set(d.data, [...(byData.get(d.data) ?? []), d]);
            for (const [data, sets] of byData) {
                const generated = allowed.get(nsOf(p))?.get(data) ?? [];
                rules.forEach((rule, i) => {
                    if (generated.some((a) => ruleWithin(rule, a))) return;
                    out.push(
                        finding(
                            `NetworkPolicy ${nsOf(p)}/${p.props.metadata?.name ?? p.name}: spec.egress[${i}] = ${JSON.stringify(rule)} lets ${data}'s pods reach ${describeRule(rule)}; its podSelector ${JSON.stringify(selector)} may select ${sets.map((s) => s.what).join(", ")}. Allowed for ${data}'s pods: ${generated.map(describeRule).join("; ") || "nothing"} (${WHY})`,
                            { urn: p.urn },
                        ),
                    );
                });
            }
        }
        return out;
    },
});
