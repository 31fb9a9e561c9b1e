import { scaleTarget } from "./kubernetes";
import { cite, finding, provenance, type Finding, type Subject } from "./policy";
import type { Service } from "../../runbooks";
import { scaleInRule } from "../../runbooks/language/scale-in";
import { DEFAULTS } from "../../runbooks/defaults";
import { HPA_DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS } from "../../capabilities/kubernetes/apps";
import { ofType } from "./targets";
import { asArray, isRecord, num } from "./values";
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

/**
 * Kubernetes' HPA scale-up when `behavior.scaleUp` is absent, as the platform generates every HPA
 * and KEDA's: no stabilization, and each 15 s the larger of doubling the pods or adding four.
 */
export const HPA_DEFAULT_SCALE_UP = {
    policies: [
        { type: "Percent", value: 100, periodSeconds: 15 },
        { type: "Pods", value: 4, periodSeconds: 15 },
    ],
} as const;

/** Where KEDA keeps the behavior of the HPA it creates for a ScaledObject; an HPA's own. */
export function behaviorOf(a: Subject): Record<string, any> | undefined {
    const b = a.type === SCALED_OBJECT ? a.props.spec?.advanced?.horizontalPodAutoscalerConfig?.behavior : a.props.spec?.behavior;
    return isRecord(b) ? b : undefined;
}

const behaviorPath = (a: Subject) => (a.type === SCALED_OBJECT ? "advanced.horizontalPodAutoscalerConfig.behavior" : "behavior");

/**
 * Why an HPA's (or KEDA's HPA's) scale-up is switched off or slower than the platform generates
 * it (Kubernetes' default, HPA_DEFAULT_SCALE_UP): disabled, stabilized longer than the platform's
 * scale-out delay, or policies that add fewer pods per period than the default ones.
 */
export function scaleUpProblems(a: Subject, what: string): string[] {
    const up = behaviorOf(a)?.scaleUp;
    if (!isRecord(up)) return [];
    const at = `${behaviorPath(a)}.scaleUp`;
    const out: string[] = [];
    const delay = DEFAULTS.scaleOutDelaySeconds;
    if (up.selectPolicy === "Disabled") return [`${what}: ${at}.selectPolicy is Disabled: it never adds a pod`];
    const window = num(up.stabilizationWindowSeconds);
    if (window !== undefined && window > delay.value) out.push(`${what}: ${at}.stabilizationWindowSeconds is ${window}, longer than ${delay.value}s (platform default: ${delay.reason})`);
    const policies = asArray<Record<string, any>>(up.policies).filter(isRecord);
    if (policies.length === 0) return out;
    const generated = HPA_DEFAULT_SCALE_UP.policies.map((d) => `${d.value}${d.type === "Percent" ? "%" : " pods"} per ${d.periodSeconds}s`).join(" or ");
    const shown = policies.map((p) => `${p.value}${p.type === "Percent" ? "%" : ` ${String(p.type).toLowerCase()}`} per ${p.periodSeconds}s`).join(", ");
    if (policies.every((p) => num(p.value) === 0)) out.push(`${what}: every ${at} policy adds 0 pods`);
    else if (up.selectPolicy === "Min" && policies.length > 1) out.push(`${what}: ${at}.selectPolicy is Min over ${shown}: the slowest policy wins, slower than the generated ${generated}, whichever adds more`);
    else {
        // As fast as a default policy: the same type, at least its value, over a period no longer.
        const asFast = (d: (typeof HPA_DEFAULT_SCALE_UP.policies)[number]) => policies.some((p) => p.type === d.type && (num(p.value) ?? 0) >= d.value && (num(p.periodSeconds) ?? Infinity) <= d.periodSeconds);
        const slower = HPA_DEFAULT_SCALE_UP.policies.filter((d) => !asFast(d));
        if (slower.length) out.push(`${what}: ${at}.policies (${shown}) add pods slower than the generated ${generated}, whichever adds more (Kubernetes' default; no runbook or platform setting slows scale-up)`);
    }
    return out;
}

/** A service's scale-in rule in words, with who sets it: the runbook (its section) or the platform default (its reason). */
export function scaleInWants(svc: Service): { enabled: boolean; cooldownSeconds: number; key: string; wants: string } {
    const rule = scaleInRule(svc.scaling);
    const who = rule.defaulted ? `the platform default (${rule.defaulted})` : `the runbook ${cite(svc.scaling.scaleIn?.source ?? svc.scaling.source)}`;
    const wants = rule.enabled ? `${who} gives ${svc.name}'s replicas back only after ${rule.cooldownSeconds}s below target` : `${who} never scales ${svc.name} in automatically`;
    return { enabled: rule.enabled, cooldownSeconds: rule.cooldownSeconds, key: `services.${svc.name}.scaling.scaleIn`, wants };
}

/**
 * An HPA's (or KEDA's HPA's) scale-down against the service's scale-in rule: the stabilization
 * window (Kubernetes' 300 s where unset) no shorter than the rule's cooldown, and disabled where
 * the runbook disables scale-in.
 */
export function scaleDownProblem(a: Subject, what: string, svc: Service): Finding | undefined {
    const down = behaviorOf(a)?.scaleDown;
    const rule = scaleInWants(svc);
    const at = `${behaviorPath(a)}.scaleDown`;
    const disabled = isRecord(down) && down.selectPolicy === "Disabled";
    if (!rule.enabled) return disabled ? undefined : finding(`${what}: ${at} is not disabled (selectPolicy: Disabled): the autoscaler removes replicas; ${rule.wants}`, { urn: a.urn, key: rule.key });
    if (disabled) return undefined;
    const window = (isRecord(down) ? num(down.stabilizationWindowSeconds) : undefined) ?? HPA_DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS;
    if (window >= rule.cooldownSeconds) return undefined;
    return finding(`${what}: ${at}.stabilizationWindowSeconds is ${window}s, shorter than ${rule.cooldownSeconds}s: a dip between bursts sheds capacity; ${rule.wants}`, { urn: a.urn, key: rule.key });
}

/** Application Auto Scaling's target-tracking cooldown for ECS services where the policy sets none. */
export const ECS_DEFAULT_COOLDOWN_SECONDS = 300;

/**
 * A target-tracking policy's scale-in against the service's scale-in rule: `scaleInCooldown` (AWS'
 * default where unset) no shorter than the rule's cooldown, `disableScaleIn` where the runbook
 * disables scale-in.
 */
export function scaleInCooldownProblem(p: Subject, what: string, svc: Service): Finding | undefined {
    const tt = p.props.targetTrackingScalingPolicyConfiguration;
    if (!isRecord(tt)) return undefined;
    const rule = scaleInWants(svc);
    if (!rule.enabled) return tt.disableScaleIn === true ? undefined : finding(`${what}: disableScaleIn is ${JSON.stringify(tt.disableScaleIn ?? false)}: target tracking removes tasks; ${rule.wants}`, { urn: p.urn, key: rule.key });
    if (tt.disableScaleIn === true) return undefined;
    const cooldown = num(tt.scaleInCooldown) ?? ECS_DEFAULT_COOLDOWN_SECONDS;
    if (cooldown >= rule.cooldownSeconds) return undefined;
    return finding(`${what}: targetTrackingScalingPolicyConfiguration.scaleInCooldown is ${cooldown}s, shorter than ${rule.cooldownSeconds}s: a dip between bursts sheds tasks; ${rule.wants}`, { urn: p.urn, key: rule.key });
}

/** The `suspendedState` switches of an Application Auto Scaling target that are on: each stops that kind of scaling. */
export function suspendedScaling(t: Subject): string[] {
    const s = t.props.suspendedState;
    if (!isRecord(s)) return [];
    return ["dynamicScalingOutSuspended", "dynamicScalingInSuspended", "scheduledScalingSuspended"].filter((k) => s[k] === true || s[k] === "true");
}
