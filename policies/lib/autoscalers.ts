import { scaleTarget } from "./kubernetes";
import { finding, provenance, type Finding, type Subject } from "./policy";
import type { Service } from "../../runbooks";
import { ofType } from "./targets";
import { num } from "./values";
import { serviceOf } from "./workloads";

export const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
export const SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";

/** The autoscalers (HPAs and KEDA ScaledObjects) that scale a runbook service. */
export function autoscalersOf(resources: readonly Subject[], rb: Parameters<typeof serviceOf>[0], service: string): Subject[] {
    return ofType(resources, HPA, SCALED_OBJECT).filter((a) => serviceOf(rb, scaleTarget(a)?.name)?.name === service);
}

/**
 * An autoscaler whose minimum equals (or exceeds) its maximum cannot scale: a switched-off guard of
 * the runbook's scaling where the runbook gives the service room (scaling.max > scaling.min).
 */
export function noRoomToScale(svc: Service, what: string, min: number | undefined, max: number | undefined, unit: string): Finding | undefined {
    if (svc.scaling.max <= svc.scaling.min || min === undefined || max === undefined || max > min) return undefined;
    const from = provenance(svc.scaling, "min", "max");
    return finding(
        `${what}: minimum ${min} and maximum ${max} ${unit} leave no room to scale, so its scaling is switched off; ${from.who} scales ${svc.name} between ${svc.scaling.min} and ${svc.scaling.max} ${unit} ${from.cite}`,
        { key: `services.${svc.name}.scaling.max` },
    );
}

/** An HPA's or ScaledObject's replica bounds, with Kubernetes' and KEDA's defaults where one is unset (HPA minReplicas 1; KEDA 0..100). */
export function replicaBounds(a: Subject): { min: number; max: number | undefined } {
    const spec = a.props.spec ?? {};
    const keda = a.type === SCALED_OBJECT;
    return { min: num(keda ? spec.minReplicaCount : spec.minReplicas) ?? (keda ? 0 : 1), max: num(keda ? spec.maxReplicaCount : spec.maxReplicas) ?? (keda ? 100 : undefined) };
}
