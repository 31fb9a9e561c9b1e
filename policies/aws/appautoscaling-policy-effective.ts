import { DEFAULTS } from "../../runbooks/defaults";
import { scaleInCooldownProblem, suspendedScaling } from "../lib/autoscalers";
import { finding, label, stackRule, type Finding } from "../lib/policy";
import { isUnknown } from "../lib/inputs";
import { absentTarget, ofType } from "../lib/targets";
import { num } from "../lib/values";
import { serviceOf } from "../lib/workloads";

const TARGET = "aws:appautoscaling/target:Target";
const POLICY = "aws:appautoscaling/policy:Policy";

/**
 * Application Auto Scaling policies that exist yet scale nothing or late: a policy whose resourceId
 * is no scalable target of the stack, a target-tracking scale-out cooldown longer than the
 * platform's scale-out delay, a scale-in cooldown shorter than the service's scale-in rule (the
 * runbook's, else the platform default), or a scalable target whose scaling is suspended.
 */
export const awsAppAutoscalingPolicyEffective = stackRule({
    name: "aws-appautoscaling-policy-effective",
    description: "Every Application Auto Scaling policy names a scalable target of the stack (resourceId and scalableDimension), its target-tracking scaleOutCooldown is no longer than the platform's scale-out delay and its scaleInCooldown no shorter than the service's scale-in cooldown (disableScaleIn where the runbook disables scale-in), and no scalable target has its scaling suspended.",
    tier: "runbook",
    target: "aws",
    remediationSteps: "Set the policy's resourceId, scalableDimension and serviceNamespace from the service's aws.appautoscaling.Target; keep scaleOutCooldown within the platform default and scaleInCooldown at the scale-in rule's cooldown; leave the target's suspendedState unset.",
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, POLICY).length ? undefined : "the stack has no autoscaling policy"),
    check: (resources, ctx) => {
        const out: Finding[] = [];
        const delay = DEFAULTS.scaleOutDelaySeconds;
        const targets = ofType(resources, TARGET);
        for (const p of ofType(resources, POLICY)) {
            const id = p.props.resourceId;
            if (!isUnknown(id) && !targets.some((t) => t.props.resourceId === id && (p.props.scalableDimension === undefined || t.props.scalableDimension === undefined || t.props.scalableDimension === p.props.scalableDimension))) {
                out.push(finding(`${label(p)}: resourceId ${JSON.stringify(id)} is no scalable target of this stack (${targets.map((t) => t.props.resourceId).join(", ") || "none"}): it scales nothing the stack runs`, { urn: p.urn, key: "services" }));
            }
            const cooldown = num(p.props.targetTrackingScalingPolicyConfiguration?.scaleOutCooldown);
            if (cooldown !== undefined && cooldown > delay.value) {
                out.push(finding(`${label(p)}: scaleOutCooldown is ${cooldown}s, longer than ${delay.value}s (platform default: ${delay.reason})`, { urn: p.urn, key: "services" }));
            }
            const svc = serviceOf(ctx.runbook, String(p.props.resourceId ?? "").split("/").pop(), String(p.props.name ?? ""), p.name);
            const scaleIn = svc ? scaleInCooldownProblem(p, label(p), svc) : undefined;
            if (scaleIn) out.push(scaleIn);
        }
        for (const t of targets) {
            const off = suspendedScaling(t);
            const svc = serviceOf(ctx.runbook, String(t.props.resourceId ?? "").split("/").pop(), t.name);
            if (off.length) {
                out.push(finding(`${label(t)}: suspendedState has ${off.map((k) => `${k}: true`).join(", ")}: Application Auto Scaling stops scaling ${svc ? `${svc.name} ` : ""}while its policies stay in place; the platform generates no suspension (the runbook autoscales every service)`, { urn: t.urn, key: svc ? `services.${svc.name}.scaling` : "services" }));
            }
        }
        return out;
    },
});
