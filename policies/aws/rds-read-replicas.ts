import { cite, finding, perApp, appValue, stackRule } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";

/** The runbook's PostgreSQL read replicas exist as RDS replicas. */
export const awsRdsReadReplicas = stackRule({
    name: "aws-rds-read-replicas",
    description: "The stack runs at least as many RDS read replicas as the runbook's PostgreSQL read replicas.",
    tier: "runbook",
    target: "aws",
    configSchema: { properties: { readReplicas: perApp("PostgreSQL read replicas the runbook runs.", (rb) => rb.data.postgres?.readReplicas ?? 0, { type: "integer" }) } },
    remediationSteps: "Add aws.rds.Instance replicas with replicateSourceDb set to the primary.",
    notApplicable: (resources, ctx) => absentTarget(resources, "aws") ?? (ctx.runbook.data.postgres ? undefined : `the ${ctx.app} runbook has no PostgreSQL`),
    check: (resources, ctx) => {
        const want = appValue(ctx, "readReplicas", (rb) => rb.data.postgres?.readReplicas ?? 0);
        const instances = ofType(resources, "aws:rds/instance:Instance");
        const replicas = instances.filter((r) => r.props.replicateSourceDb);
        if (replicas.length >= want) return [];
        return [
            finding(`the stack runs ${replicas.length} RDS read replica(s) (${instances.length} RDS instance(s) in all); the runbook runs ${want} ${cite(ctx.runbook.data.postgres?.source)}`, {
                key: "data.postgres.readReplicas",
            }),
        ];
    },
});
