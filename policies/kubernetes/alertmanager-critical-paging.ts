import { stackRule } from "../lib/policy";
import { checkCriticalPaging, unpagedEnv } from "../lib/routing";
import { absentTarget, ofTarget } from "../lib/targets";

/** The cluster's Alertmanager routes the app's critical alerts to a pager. */
export const k8sAlertmanagerCriticalPaging = stackRule({
    name: "k8s-alertmanager-critical-paging",
    description: "The Alertmanager configuration the Kubernetes stack installs (Secret, AlertmanagerConfig or chart values) routes every critical runbook alert to a paging receiver, notifies every severity within the runbook's response time (group_wait, group_interval, repeat_interval), never mutes or inhibits a critical alert, and keeps the generated receivers (every severity and the Watchdog reach theirs, with their integrations as generated: PagerDuty at its Events API URL, no proxy, no severity override) and only the generated inhibit rules.",
    tier: "runbook",
    target: "kubernetes",
    remediationSteps: "Route severity=critical to a receiver with PagerDuty configs whose routing key comes from a Secret made from the pagerdutyRoutingKey Pulumi secret.",
    notApplicable: (resources, ctx) => absentTarget(resources, "kubernetes") ?? unpagedEnv(ctx),
    check: (resources, ctx) => checkCriticalPaging(ctx, ofTarget(resources, "kubernetes"), resources, "the Kubernetes stack"),
});
