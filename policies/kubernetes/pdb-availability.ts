import { PDB_MAX_UNAVAILABLE } from "../../capabilities/kubernetes/apps";
import { DEPLOYMENT, STATEFULSET, metaName } from "../lib/kubernetes";
import { finding, label, provenance, stackRule, type Finding } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { isRecord } from "../lib/values";
import { selects, type Labels } from "../lib/selectors";
import { podsEvictable, serviceOf } from "../lib/workloads";

const PDB = "kubernetes:policy/v1:PodDisruptionBudget";

/**
 * A node drain takes no more of a runbook service's pods at once than the platform's
 * PodDisruptionBudget allows (PDB_MAX_UNAVAILABLE): every service the stack runs has a PDB over
 * its pods, and none lets more go, by count or percentage, at the runbook's minimum or maximum
 * replicas. `maxUnavailable: "100%"` lets a drain empty the service.
 */
export const k8sPdbAvailability = stackRule({
    name: "k8s-pdb-availability",
    description: "Every runbook service's pods are covered by a PodDisruptionBudget that lets a voluntary disruption take no more pods at once than the platform generates, at any replica count between the runbook's minimum and maximum.",
    tier: "runbook",
    target: "kubernetes",
    remediationSteps: "Keep the PodDisruptionBudget capabilities/kubernetes builds per service (pdbSpec: maxUnavailable 1 over the service's pod labels).",
    notApplicable: (resources) => absentTarget(resources, "kubernetes"),
    check: (resources, ctx) => {
        const out: Finding[] = [];
        const pdbs = ofType(resources, PDB);
        for (const svc of ctx.runbook.services) {
            const workloads = ofType(resources, DEPLOYMENT, STATEFULSET).filter((w) => isRecord(w.props.spec?.template?.metadata?.labels) && serviceOf(ctx.runbook, metaName(w), w.name)?.name === svc.name);
            if (workloads.length === 0) continue;
            const from = provenance(svc.scaling, "min", "max");
            const wants = `the platform lets a drain take ${PDB_MAX_UNAVAILABLE} pod of ${svc.name} at a time, so ${from.who}'s ${svc.scaling.min} to ${svc.scaling.max} replicas ${from.cite} keep serving`;
            const key = `services.${svc.name}.scaling.min`;
            for (const w of workloads) {
                const labels = w.props.spec.template.metadata.labels as Labels;
                // policy/v1: a PDB without a selector selects no pod; an empty one selects every pod of its namespace.
                const mine = pdbs.filter((p) => isRecord(p.props.spec?.selector) && selects(p.props.spec.selector, labels));
                if (mine.length === 0) {
                    out.push(finding(`${label(w)}: no PodDisruptionBudget selects its pods: a node drain may evict every replica at once; ${wants}`, { urn: w.urn, key }));
                    continue;
                }
                for (const p of mine) {
                    const spec = p.props.spec ?? {};
                    const evictable = podsEvictable(spec, svc.scaling.min, svc.scaling.max);
                    const set = spec.maxUnavailable !== undefined ? `maxUnavailable ${JSON.stringify(spec.maxUnavailable)}` : spec.minAvailable !== undefined ? `minAvailable ${JSON.stringify(spec.minAvailable)}` : "neither maxUnavailable nor minAvailable";
                    if (evictable === undefined) out.push(finding(`${label(p)}: sets ${set} (or a value Kubernetes does not read): it holds no pod of ${svc.name} back; ${wants}`, { urn: p.urn, key }));
                    else if (evictable > PDB_MAX_UNAVAILABLE) out.push(finding(`${label(p)}: ${set} lets a drain evict ${evictable} of ${svc.name}'s pods at once, more than ${PDB_MAX_UNAVAILABLE}; ${wants}`, { urn: p.urn, key }));
                }
            }
        }
        return out;
    },
});
