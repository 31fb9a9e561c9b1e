import { checkRunbookAlerts, levelsConfig, prometheusEvidence } from "../lib/alerts";
import { checkRuleExpressions, checkRuleGroups } from "../lib/expressions";
import { checkPlatformRuleExpressions } from "../lib/platform-expressions";
import { stackRule } from "../lib/policy";
import { absentTarget, ofTarget } from "../lib/targets";

/** The Prometheus rules file uploaded into the local stack's containers implements every runbook alert level. */
export const dockerPrometheusRulesRunbookAlerts = stackRule({
    name: "docker-prometheus-rules-runbook-alerts",
    description: "Every runbook alert level has a Prometheus rule in the rules uploaded to the Docker containers selecting each subject it applies to, with the runbook's severity, direction, threshold and for (or tighter).",
    tier: "runbook",
    target: "docker",
    configSchema: { properties: { levels: levelsConfig } },
    remediationSteps: "Render the rules from the runbook (capabilities/alerting) and upload them into the Prometheus container; do not edit thresholds by hand.",
    notApplicable: (resources) => absentTarget(resources, "docker"),
    check: (resources, ctx) => {
        const subjects = ofTarget(resources, "docker");
        const evidence = prometheusEvidence(ctx.runbook, subjects);
        return [...checkRunbookAlerts(ctx, evidence, "the Docker stack's Prometheus rules", resources), ...checkRuleExpressions(ctx.runbook, evidence), ...checkRuleGroups(subjects, evidence), ...checkPlatformRuleExpressions(ctx.runbook, ctx.env, "docker", subjects)];
    },
});
