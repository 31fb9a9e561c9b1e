import * as aws from "@pulumi/aws";
import { appValue, cite, finding, inputsOf, label, perApp, resourceRule } from "../lib/policy";
import { num } from "../lib/values";

/** CloudWatch log groups keep logs at least as long as the runbook's log retention (0 or unset: never expire). */
export const awsCloudwatchLogGroupRetention = resourceRule({
    name: "aws-cloudwatch-loggroup-retention",
    description: "CloudWatch log groups keep logs at least as long as the runbook's log retention.",
    tier: "runbook",
    target: "aws",
    types: ["aws:cloudwatch/logGroup:LogGroup"],
    configSchema: { properties: { retentionDays: perApp("Days the runbook keeps logs.", (rb) => rb.logs.retentionDays, { type: "integer" }) } },
    remediationSteps: "Set retentionInDays to the smallest valid CloudWatch retention that is at least logs.retentionDays.",
    check: (s, ctx) => {
        const p = inputsOf(s, aws.cloudwatch.LogGroup);
        const days = num(p?.retentionInDays);
        const want = appValue(ctx, "retentionDays", (rb) => rb.logs.retentionDays);
        if (!p || days === undefined || days === 0 || days >= want) return [];
        return [finding(`${label(s)}: retentionInDays is ${days}; the runbook keeps logs ${want} days ${cite(ctx.runbook.logs.source)}`, { key: "logs.retentionDays" })];
    },
});
