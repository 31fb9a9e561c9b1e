import { LOKI_DATA } from "../../capabilities/docker/logging";
import { CONTAINER } from "../lib/docker";
import { checkLokiRetention, lokiConfigs } from "../lib/logs";
import { appValue, finding, label, perApp, stackRule, type Finding, type Subject } from "../lib/policy";
import { absentTarget, ofTarget } from "../lib/targets";
import { asArray, isRecord } from "../lib/values";

/**
 * The Loki container keeps its store on a volume at the generated data path (capabilities/docker/
 * logging.ts LOKI_DATA, where loki.yaml's path_prefix points): without it the logs live in the
 * container's filesystem and go with the container, whatever retention_period says.
 */
function lokiVolume(containers: readonly Subject[]): Finding[] {
    return containers
        .filter((c) => c.type === CONTAINER)
        .filter((c) => !asArray<Record<string, any>>(c.props.volumes).some((v) => isRecord(v) && v.containerPath === LOKI_DATA && (typeof v.volumeName === "string" || typeof v.hostPath === "string")))
        .map((c) =>
            finding(`${label(c)}: no volume at ${LOKI_DATA} (its volumes: ${JSON.stringify(asArray<Record<string, any>>(c.props.volumes).map((v) => v.containerPath))}), so Loki keeps logs in the container's filesystem and loses them with it; allowed: a named volume at ${LOKI_DATA}, the path_prefix capabilities/docker/logging.ts gives Loki`, {
                urn: c.urn,
                key: "logs.retentionDays",
            }),
        );
}

/** The local Loki keeps logs as long as the runbook says, on a volume. */
export const dockerLokiLogRetention = stackRule({
    name: "docker-loki-log-retention",
    description: "The Loki configuration uploaded to the Docker stack keeps logs at least the runbook's log retention (no stream or tenant shorter), with compactor retention on, and the Loki container keeps its store on a volume.",
    tier: "runbook",
    target: "docker",
    configSchema: { properties: { retentionDays: perApp("Days the runbook keeps logs.", (rb) => rb.logs.retentionDays, { type: "integer" }) } },
    remediationSteps: `Set limits_config.retention_period to \`\${logs.retentionDays * 24}h\` and compactor.retention_enabled: true, with no shorter retention_stream or tenant override; mount a named volume at ${LOKI_DATA}.`,
    notApplicable: (resources, ctx) =>
        absentTarget(resources, "docker") ??
        (ctx.runbook.monitoring.logStack === "loki" || lokiConfigs(ofTarget(resources, "docker")).length ? undefined : `the ${ctx.app} runbook names ${ctx.runbook.monitoring.logStack}, not Loki, and the stack runs no Loki`),
    check: (resources, ctx) => [
        ...checkLokiRetention(ctx, ofTarget(resources, "docker"), appValue(ctx, "retentionDays", (rb) => rb.logs.retentionDays), "the Docker stack"),
        ...lokiVolume([...new Set(lokiConfigs(ofTarget(resources, "docker")).map((c) => c.subject))]),
    ],
});
