import { checkRunbookAlerts, levelsConfig, prometheusEvidence } from "../lib/alerts";
import { checkRuleExpressions, checkRuleGroups } from "../lib/expressions";
import { checkPlatformRuleExpressions } from "../lib/platform-expressions";
import { stackRule } from "../lib/policy";
import { absentTarget, ofTarget } from "../lib/targets";

/** PrometheusRule objects (or chart values carrying rule groups) implement every runbook alert level. */
export const k8sPrometheusRuleRunbookAlerts = stackRule({
    name: "k8s-prometheusrule-runbook-alerts",
    description: "Every runbook alert level has a rule in the stack's PrometheusRule objects selecting each subject it applies to, with the runbook's severity, direction, threshold and for (or tighter).",
    tier: "runbook",
    target: "kubernetes",
    configSchema: { properties: { levels: levelsConfig } },
    remediationSteps: "Create PrometheusRule objects from the generated rule groups (capabilities/alerting) for every runbook alert.",
    notApplicable: (resources) => absentTarget(resources, "kubernetes"),
    check: (resources, ctx) => {
        const subjects = ofTarget(resources, "kubernetes");
        const evidence = prometheusEvidence(ctx.runbook, subjects);
        return [...checkRunbookAlerts(ctx, evidence, "the Kubernetes stack's PrometheusRules", resources), ...checkRuleExpressions(ctx.runbook, evidence), ...checkRuleGroups(subjects, evidence), ...checkPlatformRuleExpressions(ctx.runbook, ctx.env, "kubernetes", subjects)];
    },
});
