import { label, stackRule } from "../lib/policy";
import { absentTarget } from "../lib/targets";
import { num } from "../lib/values";
import { autoscalersOf, noRoomToScale, SCALED_OBJECT } from "../lib/autoscalers";

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
                const spec = a.props.spec ?? {};
                const keda = a.type === SCALED_OBJECT;
                // Kubernetes' and KEDA's defaults where a bound is unset: HPA minReplicas 1, KEDA 0..100.
                const min = num(keda ? spec.minReplicaCount : spec.minReplicas) ?? (keda ? 0 : 1);
                const max = num(keda ? spec.maxReplicaCount : spec.maxReplicas) ?? (keda ? 100 : undefined);
                const f = noRoomToScale(svc, label(a), min, max, "replicas");
                return f ? [{ ...f, urn: a.urn }] : [];
            }),
        ),
});
