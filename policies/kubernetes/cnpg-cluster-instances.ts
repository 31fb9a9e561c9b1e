import { appValue, cite, finding, label, perApp, resourceRule } from "../lib/policy";
import { num } from "../lib/values";
import { CNPG_CLUSTER } from "../lib/kubernetes-backups";

/** The CloudNativePG cluster runs the primary plus the runbook's read replicas. */
export const k8sCnpgClusterInstances = resourceRule({
    name: "k8s-cnpg-cluster-instances",
    description: "CloudNativePG clusters run at least one instance more than the runbook's PostgreSQL read replicas (a primary plus each replica).",
    tier: "runbook",
    target: "kubernetes",
    types: [CNPG_CLUSTER],
    configSchema: { properties: { readReplicas: perApp("PostgreSQL read replicas the runbook runs.", (rb) => rb.data.postgres?.readReplicas ?? 0, { type: "integer" }) } },
    remediationSteps: "Set spec.instances to 1 + data.postgres.readReplicas (at least 2 for failover).",
    check: (s, ctx) => {
        const replicas = appValue(ctx, "readReplicas", (rb) => rb.data.postgres?.readReplicas ?? 0);
        const instances = num(s.props.spec?.instances) ?? 1;
        return instances >= 1 + replicas
            ? []
            : [finding(`${label(s)}: spec.instances is ${instances}; the runbook runs a primary and ${replicas} read replica(s) ${cite(ctx.runbook.data.postgres?.source)}`, { key: "data.postgres.readReplicas" })];
    },
});
