import { checkLokiRetention, lokiConfigs } from "../lib/logs";
import { appValue, perApp, stackRule } from "../lib/policy";
import { absentTarget, ofTarget } from "../lib/targets";

/** The local Loki keeps logs as long as the runbook says. */
export const dockerLokiLogRetention = stackRule({
    name: "docker-loki-log-retention",
    description: "The Loki configuration uploaded to the Docker stack keeps logs at least the runbook's log retention, with compactor retention on.",
    tier: "runbook",
    target: "docker",
    configSchema: { properties: { retentionDays: perApp("Days the runbook keeps logs.", (rb) => rb.logs.retentionDays, { type: "integer" }) } },
    remediationSteps: "Set limits_config.retention_period to `${logs.retentionDays * 24}h` and compactor.retention_enabled: true.",
    notApplicable: (resources, ctx) =>
        absentTarget(resources, "docker") ??
        (ctx.runbook.monitoring.logStack === "loki" || lokiConfigs(ofTarget(resources, "docker")).length ? undefined : `the ${ctx.app} runbook names ${ctx.runbook.monitoring.logStack}, not Loki, and the stack runs no Loki`),
    check: (resources, ctx) => checkLokiRetention(ctx, ofTarget(resources, "docker"), appValue(ctx, "retentionDays", (rb) => rb.logs.retentionDays), "the Docker stack"),
});
