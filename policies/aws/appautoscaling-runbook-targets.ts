import { finding, provenance, stackRule, label, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { serviceOf } from "../lib/workloads";
import { num } from "../lib/values";

const METRICS = { cpu: "ECSServiceAverageCPUUtilization", memory: "ECSServiceAverageMemoryUtilization" } as const;

/**
 * Scaling policies by the runbook service they scale, found by the ECS service in their
 * resourceId (`service/<cluster>/<service>`): each policy is named once, not once per service.
 */
function policiesByService(resources: readonly Subject[], rb: Parameters<typeof serviceOf>[0]): Map<string, Subject[]> {
    const out = new Map<string, Subject[]>();
    for (const p of ofType(resources, "aws:appautoscaling/policy:Policy")) {
        const id = String(p.props.resourceId ?? "");
        const svc = serviceOf(rb, id.split("/").pop(), String(p.props.name ?? ""), p.name)?.name;
        if (svc !== undefined) out.set(svc, [...(out.get(svc) ?? []), p]);
    }
    return out;
}

/** Every ECS service scales out on CPU and memory no later than the runbook's targets. */
export const awsAppAutoscalingRunbookTargets = stackRule({
    name: "aws-appautoscaling-runbook-targets",
    description: "Every runbook service on ECS has target-tracking policies on CPU and memory with targets no higher than the runbook's scaling targets.",
    tier: "runbook",
    target: "aws",
    remediationSteps: "Add aws.appautoscaling.Policy target tracking on ECSServiceAverageCPUUtilization / ECSServiceAverageMemoryUtilization at scaling.cpuTargetPercent / memoryTargetPercent.",
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, "aws:ecs/service:Service").length ? undefined : "the stack runs no ECS services"),
    check: (resources, ctx) => {
        const byService = policiesByService(resources, ctx.runbook);
        return ctx.runbook.services.flatMap((svc) => {
            const mine = byService.get(svc.name) ?? [];
            return (Object.keys(METRICS) as (keyof typeof METRICS)[]).flatMap((kind) => {
                const want = kind === "cpu" ? svc.scaling.cpuTargetPercent : svc.scaling.memoryTargetPercent;
                const key = `services.${svc.name}.scaling.${kind}TargetPercent`;
                const from = provenance(svc.scaling, `${kind}TargetPercent`);
                const wants = `${from.who} scales ${svc.name} at ${want}% ${kind} ${from.cite}`;
                const tracking = mine.filter((p) => p.props.targetTrackingScalingPolicyConfiguration?.predefinedMetricSpecification?.predefinedMetricType === METRICS[kind]);
                if (tracking.length === 0) return [finding(`no target-tracking policy on ${METRICS[kind]} for ECS service ${svc.name}; ${wants}`, { key })];
                return tracking.flatMap((p) => {
                    const target = num(p.props.targetTrackingScalingPolicyConfiguration?.targetValue);
                    return target === undefined || target > want
                        ? [finding(`${label(p)}: targetValue is ${target ?? "not set"}, above ${want}; ${wants}`, { urn: p.urn, key })]
                        : [];
                });
            });
        });
    },
});
