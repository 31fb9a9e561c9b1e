import { cloudwatchEvidence, prometheusEvidence } from "../lib/alerts";
import { finding, label, stackRule } from "../lib/policy";
import { checkCriticalPaging, snsTopicPages, unpagedEnv } from "../lib/routing";
import { absentTarget, ofTarget, ofType } from "../lib/targets";
import { asArray } from "../lib/values";

/**
 * AMP's alert manager sends critical alerts to an SNS topic that pages (AMP supports only SNS
 * receivers), and every critical CloudWatch alarm of a level AMP has no rule for notifies such a
 * topic. A level both evaluate pages once: through AMP, so its alarms must not page as well.
 */
export const awsAmpAlertmanagerCriticalPaging = stackRule({
    name: "aws-amp-alertmanager-critical-paging",
    description: "The AMP alert manager definition routes every critical runbook alert to an SNS topic with a paging subscription (an HTTPS integration or a forwarder to a paging API), notifies every severity within the runbook's response time without muting or inhibiting critical alerts, keeps the generated receivers (every severity and the Watchdog reach theirs; the generated SNS subject, message and attributes) and only the generated inhibit rules, critical CloudWatch alarms (actions enabled) of levels AMP does not evaluate notify such a topic, and no level pages from both.",
    tier: "runbook",
    target: "aws",
    remediationSteps: "Route severity=critical to an sns_configs receiver whose topic feeds the PagerDuty Events API v2 forwarder (capabilities/aws/pager.ts); put that topic in the alarmActions of critical alarms.",
    notApplicable: (resources, ctx) => absentTarget(resources, "aws") ?? unpagedEnv(ctx),
    check: (resources, ctx) => {
        const aws = ofTarget(resources, "aws");
        const amp = checkCriticalPaging(ctx, ofType(aws, "aws:amp/alertManagerDefinition:AlertManagerDefinition", "aws:amp/ruleGroupNamespace:RuleGroupNamespace"), resources, "the AWS stack");
        const topicPages = snsTopicPages(resources);
        // Levels with a rule in the AMP rule groups page through the alert manager (checked above).
        const ruled = new Set(prometheusEvidence(ctx.runbook, ofType(aws, "aws:amp/ruleGroupNamespace:RuleGroupNamespace")).map((r) => `${r.alertId}.${r.severity}`));
        const critical = cloudwatchEvidence(ctx.runbook, aws).filter((e) => e.alertId && e.severity === "critical");
        const pagesFrom = (e: (typeof critical)[number]) => !e.off && asArray<unknown>(e.subject.props.alarmActions).some((arn) => topicPages(arn, e.subject) === true);
        const twice = critical
            .filter((e) => ruled.has(`${e.alertId}.critical`) && pagesFrom(e))
            .map((e) =>
                finding(`${label(e.subject)} pages for critical ${e.alertId}, which the AMP rule group already pages for: one level would open two incidents; remove its alarmActions (or set actionsEnabled false) and keep it as a view`, {
                    urn: e.subject.urn,
                    key: "incident.alertResponse.critical",
                }),
            );
        const alarms = critical
            .filter((e) => !ruled.has(`${e.alertId}.critical`))
            .filter((e) => e.off || !asArray<unknown>(e.subject.props.alarmActions).some((arn) => topicPages(arn, e.subject) !== false))
            .map((e) =>
                finding(`${label(e.subject)} is critical (${e.alertId}) but ${e.off ? `${e.off}: it pages no one` : `none of its alarmActions (${asArray(e.subject.props.alarmActions).join(", ") || "none"}) is an SNS topic that pages a person`}`, {
                    urn: e.subject.urn,
                    key: "incident.alertResponse.critical",
                }),
            );
        return [...amp, ...alarms, ...twice];
    },
});
