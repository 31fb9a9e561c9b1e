import { provenance, finding, label, stackRule } from "../lib/policy";
import { absentTarget } from "../lib/targets";
import { autoscalersOf, replicaBounds } from "../lib/autoscalers";

/** Autoscalers never go below the runbook's minimum nor are capped below its maximum. */
export const k8sHpaMinReplicas = stackRule({
    name: "k8s-hpa-min-replicas",
    description: "HPAs and ScaledObjects of runbook services keep at least the runbook's minimum replicas and allow its maximum.",
    tier: "hardening",
    target: "kubernetes",
    remediationSteps: "Set minReplicas / maxReplicas (minReplicaCount / maxReplicaCount for KEDA) to scaling.min / scaling.max.",
    notApplicable: (resources) => absentTarget(resources, "kubernetes"),
    check: (resources, ctx) =>
        ctx.runbook.services.flatMap((svc) =>
            autoscalersOf(resources, ctx.runbook, svc.name).flatMap((a) => {
                const { min, max } = replicaBounds(a);
                const from = provenance(svc.scaling, "min", "max");
        const wants = `${from.who} runs ${svc.name} with ${svc.scaling.min} to ${svc.scaling.max} replicas ${from.cite}`;
                const out = [];
                if (min < svc.scaling.min) out.push(finding(`${label(a)}: minimum replicas ${min}, below ${svc.scaling.min}; ${wants}`, { urn: a.urn, key: `services.${svc.name}.scaling.min` }));
                if (max === undefined || max < svc.scaling.max) out.push(finding(`${label(a)}: maximum replicas ${max ?? "not set"}, below ${svc.scaling.max}; ${wants}`, { urn: a.urn, key: `services.${svc.name}.scaling.max` }));
                return out;
            }),
        ),
});
