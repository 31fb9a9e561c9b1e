import * as aws from "@pulumi/aws";
import { cite, finding, inputsOf, label, resourceRule } from "../lib/policy";
import { serviceOf } from "../lib/workloads";
import { num } from "../lib/values";

/**
 * Where the runbook releases blue/green, every ECS service behind the load balancer deploys that
 * way and keeps the old colour at least as long as the runbook watches a release before
 * decommissioning it: a shorter bake time tears down the rollback path while on-call still watches.
 */
export const awsEcsServiceBlueGreenBake = resourceRule({
    name: "aws-ecs-service-blue-green-bake",
    description: "ECS services behind the load balancer deploy blue/green where the runbook does, keeping the old colour for at least the runbook's watch period.",
    tier: "runbook",
    target: "aws",
    types: ["aws:ecs/service:Service"],
    remediationSteps: "Set deploymentConfiguration { strategy: BLUE_GREEN, bakeTimeInMinutes: aws.blueGreen.bakeMinutes } and an alternate target group on the service's load balancer.",
    check: (s, ctx) => {
        const blueGreen = ctx.runbook.aws.blueGreen;
        const p = inputsOf(s, aws.ecs.Service);
        if (!blueGreen || !p || !p.loadBalancers?.length) return [];
        const svc = serviceOf(ctx.runbook, String(p.name ?? ""), s.name);
        if (!svc) return [];
        const key = "aws.blueGreen.bakeMinutes";
        const wants = `the runbook releases ${svc.name} blue/green and watches ${blueGreen.bakeMinutes} minutes before decommissioning the old colour ${cite(blueGreen.source)}`;
        const config = p.deploymentConfiguration;
        if (config?.strategy !== "BLUE_GREEN") return [finding(`${label(s)}: deployment strategy is ${config?.strategy ?? "not set (ROLLING)"}; ${wants}`, { key })];
        const bake = num(config.bakeTimeInMinutes);
        if (bake === undefined || bake < blueGreen.bakeMinutes) return [finding(`${label(s)}: bakeTimeInMinutes is ${bake ?? "not set"}, below ${blueGreen.bakeMinutes}; ${wants}`, { key })];
        return [];
    },
});
