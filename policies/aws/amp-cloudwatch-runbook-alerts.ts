import { checkRunbookAlerts, cloudwatchEvidence, levelsConfig, prometheusEvidence } from "../lib/alerts";
import { stackRule } from "../lib/policy";
import { absentTarget, ofTarget, ofType } from "../lib/targets";

/** On AWS a runbook alert level is implemented by an AMP rule group or, for what AMP cannot see, a CloudWatch alarm. */
export const awsAmpCloudwatchRunbookAlerts = stackRule({
    name: "aws-amp-cloudwatch-runbook-alerts",
    description: "Every runbook alert level has an Amazon Managed Prometheus rule or a CloudWatch alarm, with the runbook's severity, direction, threshold and for (or tighter).",
    tier: "runbook",
    target: "aws",
    configSchema: { properties: { levels: levelsConfig } },
    remediationSteps: "Put the generated rule groups into aws.amp.RuleGroupNamespace data and create CloudWatch alarms (tagged with the alert id and severity) for the signals CloudWatch measures.",
    notApplicable: (resources) => absentTarget(resources, "aws"),
    check: (resources, ctx) => {
        const aws = ofTarget(resources, "aws");
        const rules = prometheusEvidence(ctx.runbook, ofType(aws, "aws:amp/ruleGroupNamespace:RuleGroupNamespace"));
        // A level the AMP rule group evaluates pages from there (one incident per level); its
        // CloudWatch alarms are views with actions off (aws-amp-alertmanager-critical-paging holds
        // that they do not page twice), so their being off is not a switched-off guard.
        const ruled = new Set(rules.map((r) => `${r.alertId}.${r.severity}`));
        const alarms = cloudwatchEvidence(ctx.runbook, aws).filter((e) => !(e.off && ruled.has(`${e.alertId}.${e.severity}`)));
        const evidence = [...rules, ...alarms];
        return checkRunbookAlerts(ctx, evidence, "the AWS stack's AMP rule groups and CloudWatch alarms");
    },
});
