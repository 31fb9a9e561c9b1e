import { cloudwatchEvidence } from "../lib/alerts";
import { finding, label, stackRule } from "../lib/policy";
import { checkCriticalPaging, snsTopicPages, unpagedEnv } from "../lib/routing";
import { absentTarget, ofTarget, ofType } from "../lib/targets";
import { asArray } from "../lib/values";

/**
 * AMP's alert manager sends critical alerts to an SNS topic that pages (AMP supports only SNS
 * receivers), and every critical CloudWatch alarm notifies such a topic.
 */
export const awsAmpAlertmanagerCriticalPaging = stackRule({
    name: "aws-amp-alertmanager-critical-paging",
    description: "The AMP alert manager definition routes every critical runbook alert to an SNS topic with a paging subscription (an HTTPS integration or a forwarder to a paging API), notifies every severity within the runbook's response time without muting or inhibiting critical alerts, and critical CloudWatch alarms (actions enabled) notify such a topic.",
    tier: "runbook",
    target: "aws",
    remediationSteps: "Route severity=critical to an sns_configs receiver whose topic feeds the PagerDuty Events API v2 forwarder (capabilities/aws/pager.ts); put that topic in the alarmActions of critical alarms.",
    notApplicable: (resources, ctx) => absentTarget(resources, "aws") ?? unpagedEnv(ctx),
    check: (resources, ctx) => {
        const aws = ofTarget(resources, "aws");
        const amp = checkCriticalPaging(ctx, ofType(aws, "aws:amp/alertManagerDefinition:AlertManagerDefinition", "aws:amp/ruleGroupNamespace:RuleGroupNamespace"), resources, "the AWS stack");
        const topicPages = snsTopicPages(resources);
        const alarms = cloudwatchEvidence(ctx.runbook, aws)
            .filter((e) => e.alertId && e.severity === "critical")
            .filter((e) => e.off || !asArray<unknown>(e.subject.props.alarmActions).some((arn) => topicPages(arn, e.subject) !== false))
            .map((e) =>
                finding(`${label(e.subject)} is critical (${e.alertId}) but ${e.off ? `${e.off}: it pages no one` : `none of its alarmActions (${asArray(e.subject.props.alarmActions).join(", ") || "none"}) is an SNS topic that pages a person`}`, {
                    urn: e.subject.urn,
                    key: "incident.alertResponse.critical",
                }),
            );
        return [...amp, ...alarms];
    },
});
