import { checkRunbookAlerts, cloudwatchEvidence, levelsConfig, prometheusEvidence } from "../lib/alerts";
import { checkRuleExpressions, checkRuleGroups } from "../lib/expressions";
import { checkPlatformRuleExpressions } from "../lib/platform-expressions";
import { finding, label, stackRule, type Finding } from "../lib/policy";
import { awsReceivedMetrics, metricsRead } from "../lib/scraped";
import { absentTarget, ofTarget, ofType } from "../lib/targets";

/** On AWS a runbook alert level is implemented by an AMP rule group or, for what AMP cannot see, a CloudWatch alarm. */
export const awsAmpCloudwatchRunbookAlerts = stackRule({
    name: "aws-amp-cloudwatch-runbook-alerts",
    description:
        "Every runbook alert level has an Amazon Managed Prometheus rule over metrics the collector scrapes or a CloudWatch alarm, for each subject it applies to, with the runbook's severity, direction, threshold and for (or tighter).",
    tier: "runbook",
    target: "aws",
    configSchema: { properties: { levels: levelsConfig } },
    remediationSteps: "Put the generated rule groups into aws.amp.RuleGroupNamespace data and create CloudWatch alarms (tagged with the alert id and severity) for the signals CloudWatch measures.",
    notApplicable: (resources) => absentTarget(resources, "aws"),
    check: (resources, ctx) => {
        const aws = ofTarget(resources, "aws");
        const received = awsReceivedMetrics(ctx.runbook);
        const out: Finding[] = [];
        // A rule over a metric AMP never receives never fires: it is no evidence (review finding 4:
        // such a rule used to turn a CloudWatch-only level's alarms into "views" that may be off).
        const ruleGroups = ofType(aws, "aws:amp/ruleGroupNamespace:RuleGroupNamespace");
        const all = prometheusEvidence(ctx.runbook, ruleGroups);
        out.push(...checkRuleExpressions(ctx.runbook, all), ...checkRuleGroups(ruleGroups, all), ...checkPlatformRuleExpressions(ctx.runbook, ctx.env, "aws", ruleGroups));
        const rules = all.filter((r) => {
            if (!r.alertId || r.expr === undefined) return true;
            const blind = metricsRead(r.expr).filter((m) => !received.has(m));
            if (blind.length === 0) return true;
            out.push(
                finding(
                    `prometheus rule "${r.name}" in ${label(r.subject)} reads ${blind.join(", ")}, which the collector never sends to Amazon Managed Prometheus for ${ctx.app} (it receives only the metrics contract's exporters scraped on AWS), so it never fires and covers nothing`,
                    { urn: r.subject.urn, key: `alerts.${r.alertId}.${r.severity ?? "critical"}` },
                ),
            );
            return false;
        });
        // A level the AMP rule group evaluates pages from there (one incident per level); its
        // CloudWatch alarms are views with actions off (aws-amp-alertmanager-critical-paging holds
        // that they do not page twice), so their being off is not a switched-off guard.
        const ruled = new Set(rules.map((r) => `${r.alertId}.${r.severity}`));
        const alarms = cloudwatchEvidence(ctx.runbook, aws).filter((e) => !(e.off && ruled.has(`${e.alertId}.${e.severity}`)));
        const evidence = [...rules, ...alarms];
        return [...out, ...checkRunbookAlerts(ctx, evidence, "the AWS stack's AMP rule groups and CloudWatch alarms", aws)];
    },
});
