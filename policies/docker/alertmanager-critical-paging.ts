import { stackRule } from "../lib/policy";
import { checkCriticalPaging, unpagedEnv } from "../lib/routing";
import { absentTarget, ofTarget } from "../lib/targets";

/** A Docker stack in a paged environment routes critical alerts to a pager. */
export const dockerAlertmanagerCriticalPaging = stackRule({
    name: "docker-alertmanager-critical-paging",
    description: "The Alertmanager configuration uploaded to the Docker stack routes every critical runbook alert to a paging receiver, notifies every severity within the runbook's response time and never mutes or inhibits a critical alert (paged environments only).",
    tier: "runbook",
    target: "docker",
    remediationSteps: "Route severity=critical to a receiver with pagerduty_configs built from the pagerdutyRoutingKey secret.",
    notApplicable: (resources, ctx) => absentTarget(resources, "docker") ?? unpagedEnv(ctx),
    check: (resources, ctx) => checkCriticalPaging(ctx, ofTarget(resources, "docker"), resources, "the Docker stack"),
});
