import { containerDefinitions, TASK_DEFINITION } from "../lib/ecs";
import { finding, label, stackRule, type Subject } from "../lib/policy";
import { envRecord, postgresAdmin, postgresLoginsIn } from "../lib/security";
import { absentTarget, ofType } from "../lib/targets";

const SERVICE = "aws:ecs/service:Service";
const SECRET = "aws:secretsmanager/secret:Secret";
const SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion";

/** The JSON a secret version holds, when the engine shows it (secrets arrive unwrapped; unknown in a first preview). */
function secretJson(v: Subject): Record<string, unknown> | undefined {
    try {
        const parsed = JSON.parse(String(v.props.secretString));
        return parsed && typeof parsed === "object" ? parsed : undefined;
    } catch {
        return undefined;
    }
}

/**
 * Least privilege for databases (issue 15, FSBP's spirit): the tasks ECS services run (the app, the
 * collector's exporters, Grafana) never log in as the RDS master user nor reference the master's
 * secret. The master is for administration: the one-off roles task, which no service runs, and
 * AWS Backup, which needs no password.
 */
export const awsEcsTaskDefinitionNoMasterCredentials = stackRule({
    name: "aws-ecs-taskdefinition-no-master-credentials",
    description: "Task definitions that ECS services run neither log in to PostgreSQL as the master user nor reference the master user's secret.",
    tier: "security",
    target: "aws",
    remediationSteps: "Reference the app role's secret (<app>-postgres-app-credentials) in app tasks and the monitoring role's in the collector; keep the master secret to the roles task (capabilities/aws/containers.ts postgresRolesContainers).",
    notApplicable: (resources, ctx) => absentTarget(resources, "aws") ?? (postgresAdmin(ctx.runbook, "aws") ? undefined : `${ctx.app} has no PostgreSQL`),
    check: (resources, ctx) => {
        const admin = postgresAdmin(ctx.runbook, "aws");
        if (!admin) return [];
        // The master's secret: the one whose version says it is the master's login.
        const masterVersions = ofType(resources, SECRET_VERSION).filter((v) => secretJson(v)?.username === admin);
        const masters = ofType(resources, SECRET).filter((s) => masterVersions.some((v) => (v.dependencies ?? []).includes(s.urn)));
        const masterArns = masters.map((m) => m.props.arn).filter((a): a is string => typeof a === "string");
        const run = new Set(ofType(resources, SERVICE).flatMap((svc) => [...(svc.dependencies ?? []), String(svc.props.taskDefinition ?? "")]));
        return ofType(resources, TASK_DEFINITION)
            .filter((td) => run.has(td.urn) || (typeof td.props.arn === "string" && run.has(td.props.arn)))
            .flatMap((td) => {
                const out = [];
                for (const m of masters) if ((td.dependencies ?? []).includes(m.urn)) out.push(finding(`${label(td)} is run by a service and references the PostgreSQL master's secret ${m.name}`, { urn: td.urn }));
                for (const c of containerDefinitions(td.props)) {
                    for (const l of postgresLoginsIn(envRecord(c.environment))) {
                        if (l.login === admin) out.push(finding(`${label(td)} container ${c.name}: ${l.variable} logs in to PostgreSQL as the master user ${admin}`, { urn: td.urn }));
                    }
                    for (const s of Array.isArray(c.secrets) ? c.secrets : []) {
                        if (masterArns.some((arn) => String(s?.valueFrom ?? "").startsWith(arn))) out.push(finding(`${label(td)} container ${c.name}: ${s.name} reads the PostgreSQL master's secret`, { urn: td.urn }));
                    }
                }
                return out;
            });
    },
});
