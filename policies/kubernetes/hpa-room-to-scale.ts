import { label, stackRule } from "../lib/policy";
import { absentTarget } from "../lib/targets";
import { autoscalersOf, noRoomToScale, replicaBounds } from "../lib/autoscalers";

/** An HPA or KEDA ScaledObject pinned at one size (minimum = maximum) scales nothing although present. */
export const k8sHpaRoomToScale = stackRule({
    name: "k8s-hpa-room-to-scale",
    description: "HPAs and ScaledObjects of runbook services that the runbook scales leave room to scale: maximum replicas above the minimum.",
    tier: "runbook",
    target: "kubernetes",
    remediationSteps: "Set minReplicas / maxReplicas (minReplicaCount / maxReplicaCount for KEDA) to scaling.min / scaling.max; equal bounds switch scaling off.",
    notApplicable: (resources) => absentTarget(resources, "kubernetes"),
    check: (resources, ctx) =>
        ctx.runbook.services.flatMap((svc) =>
            autoscalersOf(resources, ctx.runbook, svc.name).flatMap((a) => {
                const { min, max } = replicaBounds(a);
                const f = noRoomToScale(svc, label(a), min, max, "replicas");
                return f ? [{ ...f, urn: a.urn }] : [];
            }),
        ),
});
