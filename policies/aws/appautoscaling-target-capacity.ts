import * as aws from "@pulumi/aws";
import { provenance, finding, inputsOf, label, resourceRule } from "../lib/policy";
import { serviceOf } from "../lib/workloads";
import { num } from "../lib/values";

/** In production an ECS service never scales below the runbook's minimum nor is capped below its maximum. */
export const awsAppAutoscalingTargetCapacity = resourceRule({
    name: "aws-appautoscaling-target-capacity",
    description: "Application Auto Scaling targets of runbook services keep at least the runbook's minimum capacity and allow its maximum.",
    tier: "hardening",
    target: "aws",
    types: ["aws:appautoscaling/target:Target"],
    remediationSteps: "Set minCapacity to scaling.min and maxCapacity to scaling.max.",
    check: (s, ctx) => {
        const p = inputsOf(s, aws.appautoscaling.Target);
        if (!p) return [];
        const svc = serviceOf(ctx.runbook, String(p.resourceId ?? "").split("/").pop(), s.name);
        if (!svc) return [];
        const from = provenance(svc.scaling, "min", "max");
        const wants = `${from.who} runs ${svc.name} with ${svc.scaling.min} to ${svc.scaling.max} tasks ${from.cite}`;
        const out = [];
        const min = num(p.minCapacity);
        const max = num(p.maxCapacity);
        if (min === undefined || min < svc.scaling.min) out.push(finding(`${label(s)}: minCapacity is ${min ?? "not set"}, below ${svc.scaling.min}; ${wants}`, { key: `services.${svc.name}.scaling.min` }));
        if (max === undefined || max < svc.scaling.max) out.push(finding(`${label(s)}: maxCapacity is ${max ?? "not set"}, below ${svc.scaling.max}; ${wants}`, { key: `services.${svc.name}.scaling.max` }));
        return out;
    },
});
