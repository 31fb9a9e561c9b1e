import { DEFAULTS } from "../../runbooks/defaults";
import { finding, label, stackRule, type Finding } from "../lib/policy";
import { isUnknown } from "../lib/inputs";
import { absentTarget, ofType } from "../lib/targets";
import { num } from "../lib/values";

const TARGET = "aws:appautoscaling/target:Target";
const POLICY = "aws:appautoscaling/policy:Policy";

/**
 * Application Auto Scaling policies that exist yet scale nothing or late: a policy whose resourceId
 * is no scalable target of the stack, or a target-tracking scale-out cooldown longer than the
 * platform's scale-out delay.
 */
export const awsAppAutoscalingPolicyEffective = stackRule({
    name: "aws-appautoscaling-policy-effective",
    description: "Every Application Auto Scaling policy names a scalable target of the stack (resourceId and scalableDimension) and its target-tracking scaleOutCooldown is no longer than the platform's scale-out delay.",
    tier: "runbook",
    target: "aws",
    remediationSteps: "Set the policy's resourceId, scalableDimension and serviceNamespace from the service's aws.appautoscaling.Target; keep scaleOutCooldown within the platform default.",
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, POLICY).length ? undefined : "the stack has no autoscaling policy"),
    check: (resources) => {
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
        }
        return out;
    },
});
