import type { Service } from "../../runbooks";
import { awsNames } from "../../capabilities/aws/names";
import { finding, label, provenance, stackRule, type Finding, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { ECS_ROLLING } from "../lib/ecs-deployment";
import { isUnknown } from "../lib/inputs";
import { num } from "../lib/values";

const SERVICE = "aws:ecs/service:Service";
const SCALABLE_TARGET = "aws:appautoscaling/target:Target";

/**
 * An ECS service of a runbook service runs the runbook's desired task count (never fewer than its
 * scalable target's minimum: ECS starts what desiredCount says and autoscaling corrects it only
 * after a CloudWatch alarm, minutes later), and deploys without dropping below it:
 * deploymentMinimumHealthyPercent and deploymentMaximumPercent at least the platform's rolling
 * numbers. More tasks or a stricter deployment pass.
 */
export const awsEcsServiceCapacity = stackRule({
    name: "aws-ecs-service-capacity",
    description:
        "ECS services of runbook services start at least the runbook's desired task count (and at least their scalable target's minCapacity) and deploy with deploymentMinimumHealthyPercent and deploymentMaximumPercent at least as generated (100 and 200).",
    tier: "hardening",
    target: "aws",
    remediationSteps: "Set desiredCount to scaling.desired, deploymentMinimumHealthyPercent to 100 and deploymentMaximumPercent to 200, as components/targets/aws/services.ts does.",
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, SERVICE).length ? undefined : "the stack has no ECS service"),
    check: (resources, ctx) => {
        const names = awsNames(ctx.app, ctx.env);
        const targets = ofType(resources, SCALABLE_TARGET);
        const out: Finding[] = [];
        for (const svc of ctx.runbook.services) {
            const ecsName = names.ecsService(svc.name);
            for (const s of ofType(resources, SERVICE).filter((r) => r.props.name === ecsName)) out.push(...checkService(s, svc, targets, ecsName));
        }
        return out;
    },
});

function checkService(s: Subject, svc: Service, targets: readonly Subject[], ecsName: string): Finding[] {
    const out: Finding[] = [];
    const at = { urn: s.urn };
    const from = provenance(svc.scaling, "desired");
    const raw = s.props.desiredCount;
    // Unset: the provider creates the service with 0 tasks.
    const desired = raw === undefined || raw === null ? 0 : num(raw);
    // The scalable target of this service: its resourceId ends in /<service name>.
    const target = targets.find((t) => typeof t.props.resourceId === "string" && t.props.resourceId.split("/").pop() === ecsName);
    const targetMin = num(target?.props.minCapacity);
    const floor = Math.max(svc.scaling.desired, targetMin ?? 0);
    if (!isUnknown(raw) && (desired === undefined || desired < floor)) {
        const why = `${from.who} runs ${svc.name} with ${svc.scaling.desired} tasks ${from.cite}${target && targetMin !== undefined ? `, and its scalable target ${label(target)} keeps at least ${targetMin}` : ""}`;
        out.push(finding(`${label(s)}: desiredCount is ${raw === undefined || raw === null ? "unset (0 tasks)" : JSON.stringify(raw)}; allowed: at least ${floor}, because ${why} (ECS starts only desiredCount tasks; autoscaling raises it minutes later)`, { ...at, key: `services.${svc.name}.scaling.desired` }));
    }
    for (const [field, rule] of [
        ["deploymentMinimumHealthyPercent", ECS_ROLLING.minimumHealthyPercent],
        ["deploymentMaximumPercent", ECS_ROLLING.maximumPercent],
    ] as const) {
        const have = s.props[field];
        if (have === undefined || have === null || isUnknown(have)) continue;
        const v = num(have);
        if (v !== undefined && v >= rule.value) continue;
        out.push(finding(`${label(s)}: ${field} is ${JSON.stringify(have)}; allowed: at least ${rule.value}, as generated (a platform default: ${rule.reason})`, at));
    }
    return out;
}
