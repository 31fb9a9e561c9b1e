import { scaleTarget } from "./kubernetes";
import type { Subject } from "./policy";
import { ofType } from "./targets";
import { serviceOf } from "./workloads";

export const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
export const SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";

/** The autoscalers (HPAs and KEDA ScaledObjects) that scale a runbook service. */
export function autoscalersOf(resources: readonly Subject[], rb: Parameters<typeof serviceOf>[0], service: string): Subject[] {
    return ofType(resources, HPA, SCALED_OBJECT).filter((a) => serviceOf(rb, scaleTarget(a)?.name)?.name === service);
}
