import { checkLokiRetention, lokiConfigs } from "../lib/logs";
import { appValue, perApp, stackRule } from "../lib/policy";
import { absentTarget, ofTarget } from "../lib/targets";

/** The cluster's Loki (chart values or config) keeps the app's logs as long as the runbook says. */
export const k8sLokiLogRetention = stackRule({
    name: "k8s-loki-log-retention",
    description: "The Loki the Kubernetes stack installs keeps logs at least the runbook's log retention, with compactor retention on.",
    tier: "runbook",
    target: "kubernetes",
    configSchema: { properties: { retentionDays: perApp("Days the runbook keeps logs.", (rb) => rb.logs.retentionDays, { type: "integer" }) } },
    remediationSteps: "Set the chart's loki.limits_config.retention_period to `${logs.retentionDays * 24}h` and compactor retention_enabled: true.",
    notApplicable: (resources, ctx) =>
        absentTarget(resources, "kubernetes") ??
        (ctx.runbook.monitoring.logStack === "loki" || lokiConfigs(ofTarget(resources, "kubernetes")).length ? undefined : `the ${ctx.app} runbook names ${ctx.runbook.monitoring.logStack}, not Loki, and the stack runs no Loki`),
    check: (resources, ctx) => checkLokiRetention(ctx, ofTarget(resources, "kubernetes"), appValue(ctx, "retentionDays", (rb) => rb.logs.retentionDays), "the Kubernetes stack"),
});
