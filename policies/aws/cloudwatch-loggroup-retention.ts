import * as aws from "@pulumi/aws";
import { appValue, finding, inputsOf, label, perApp, provenance, resourceRule } from "../lib/policy";
import { num } from "../lib/values";

/**
 * CloudWatch log groups keep logs at least as long as the runbook's log retention (0 or unset:
 * never expire), in the STANDARD class the platform creates them in (unset: STANDARD): the
 * DELIVERY class keeps logs a fixed day whatever retentionInDays says, and INFREQUENT_ACCESS has
 * no metric filters, subscription filters or Live Tail the operations team reads logs through.
 */
export const awsCloudwatchLogGroupRetention = resourceRule({
    name: "aws-cloudwatch-loggroup-retention",
    description: "CloudWatch log groups keep logs at least as long as the runbook's log retention, in the STANDARD log class.",
    tier: "runbook",
    target: "aws",
    types: ["aws:cloudwatch/logGroup:LogGroup"],
    configSchema: { properties: { retentionDays: perApp("Days the runbook keeps logs.", (rb) => rb.logs.retentionDays, { type: "integer" }) } },
    remediationSteps: "Set retentionInDays to the smallest valid CloudWatch retention that is at least logs.retentionDays, and leave logGroupClass unset (STANDARD).",
    check: (s, ctx) => {
        const p = inputsOf(s, aws.cloudwatch.LogGroup);
        const days = num(p?.retentionInDays);
        const want = appValue(ctx, "retentionDays", (rb) => rb.logs.retentionDays);
        if (!p) return [];
        const from = provenance(ctx.runbook.logs, "retentionDays");
        const keeps = `${from.who} keeps logs ${want} days ${from.cite}`;
        const out = [];
        if (days !== undefined && days !== 0 && days < want) out.push(finding(`${label(s)}: retentionInDays is ${days}; ${keeps}`, { key: "logs.retentionDays" }));
        const cls = p.logGroupClass;
        if (typeof cls === "string" && cls !== "STANDARD") out.push(finding(`${label(s)}: logGroupClass is ${JSON.stringify(cls)}; allowed: "STANDARD" or unset, as generated (DELIVERY keeps logs a fixed day whatever retentionInDays says; INFREQUENT_ACCESS has no metric or subscription filters); ${keeps}`, { key: "logs.retentionDays" }));
        return out;
    },
});
