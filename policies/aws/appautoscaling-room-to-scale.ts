import * as aws from "@pulumi/aws";
import { inputsOf, label, resourceRule } from "../lib/policy";
import { noRoomToScale } from "../lib/autoscalers";
import { serviceOf } from "../lib/workloads";
import { num } from "../lib/values";

/** A scaling target pinned at one size (minCapacity = maxCapacity) scales nothing although present. */
export const awsAppAutoscalingRoomToScale = resourceRule({
    name: "aws-appautoscaling-room-to-scale",
    description: "Application Auto Scaling targets of runbook services that the runbook scales leave room to scale: maxCapacity above minCapacity.",
    tier: "runbook",
    target: "aws",
    types: ["aws:appautoscaling/target:Target"],
    remediationSteps: "Set minCapacity to scaling.min and maxCapacity to scaling.max; a target with equal bounds is scaling switched off.",
    check: (s, ctx) => {
        const p = inputsOf(s, aws.appautoscaling.Target);
        if (!p) return [];
        const svc = serviceOf(ctx.runbook, String(p.resourceId ?? "").split("/").pop(), s.name);
        if (!svc) return [];
        const f = noRoomToScale(svc, label(s), num(p.minCapacity), num(p.maxCapacity), "tasks");
        return f ? [f] : [];
    },
});
