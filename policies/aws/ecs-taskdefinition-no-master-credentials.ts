import { containerDefinitions, TASK_DEFINITION } from "../lib/ecs";
import { finding, label, stackRule, type Subject } from "../lib/policy";
import { envRecord, mongoLoginsIn, postgresAdmin, postgresLoginsIn } from "../lib/security";
import { absentTarget, ofType } from "../lib/targets";

const SERVICE = "aws:ecs/service:Service";
const SECRET = "aws:secretsmanager/secret:Secret";
const SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const DOCDB_CLUSTER = "aws:docdb/cluster:Cluster";
const RDS_INSTANCE = "aws:rds/instance:Instance";

/**
 * The master secrets RDS and DocumentDB manage (`manageMasterUserPassword`): no resource in the plan,
 * their ARNs in the engine's outputs where it shows them. They are named `rds!db-…`/`rds!cluster-…`
 * (RDS makes a managed secret for the master only), which `RDS_MANAGED` tells by the ARN alone.
 */
const RDS_MANAGED = /:secret:rds!/;
function managedMasterArns(resources: readonly Subject[]): string[] {
    return [...ofType(resources, RDS_INSTANCE), ...ofType(resources, DOCDB_CLUSTER)].flatMap((r) =>
        (Array.isArray(r.props.masterUserSecrets) ? r.props.masterUserSecrets : []).map((m: { secretArn?: unknown }) => m?.secretArn).filter((a: unknown): a is string => typeof a === "string" && a !== ""),
    );
}

/** The JSON a secret version holds, when the engine shows it (secrets arrive unwrapped; unknown in a first preview). */
function secretJson(v: Subject): Record<string, unknown> | undefined {
    try {
        const parsed = JSON.parse(String(v.props.secretString));
        return parsed && typeof parsed === "object" ? parsed : undefined;
    } catch {
        return undefined;
    }
}

/** The DocumentDB master users of the plan's clusters. */
function documentDbMasters(resources: readonly Subject[]): string[] {
    return ofType(resources, DOCDB_CLUSTER)
        .map((c) => c.props.masterUsername)
        .filter((u): u is string => typeof u === "string");
}

/**
 * Least privilege for databases (issue 15, FSBP's spirit): the tasks ECS services run (the app, the
 * collector's exporters, Grafana) never log in as the RDS or DocumentDB master user nor reference
 * a master's secret (one the program writes, or the one RDS or DocumentDB manages). The masters are for administration: the one-off roles and users tasks, which
 * no service runs, and AWS Backup, which needs no password.
 */
export const awsEcsTaskDefinitionNoMasterCredentials = stackRule({
    name: "aws-ecs-taskdefinition-no-master-credentials",
    description: "Task definitions that ECS services run neither log in to PostgreSQL or DocumentDB as the master user nor reference a master user's secret.",
    tier: "security",
    target: "aws",
    remediationSteps:
        "Reference the app role's and user's secrets (<app>-postgres-app-credentials, <app>-documentdb-app-credentials) in app tasks and the monitoring ones in the collector; keep the master secrets to the roles and users tasks (postgresRolesContainers, documentDbUsersContainers).",
    notApplicable: (resources, ctx) =>
        absentTarget(resources, "aws") ?? (postgresAdmin(ctx.runbook, "aws") || documentDbMasters(resources).length ? undefined : `${ctx.app} has neither PostgreSQL nor DocumentDB`),
    check: (resources, ctx) => {
        const admin = postgresAdmin(ctx.runbook, "aws");
        const docdbAdmins = documentDbMasters(resources);
        const admins = [...(admin ? [admin] : []), ...docdbAdmins];
        if (!admins.length) return [];
        // A master's secret: one whose version says it is a master's login.
        const masterVersions = ofType(resources, SECRET_VERSION).filter((v) => admins.includes(String(secretJson(v)?.username)));
        const masters = ofType(resources, SECRET).filter((s) => masterVersions.some((v) => (v.dependencies ?? []).includes(s.urn)));
        const masterArns = [...masters.map((m) => m.props.arn).filter((a): a is string => typeof a === "string"), ...managedMasterArns(resources)];
        const run = new Set(ofType(resources, SERVICE).flatMap((svc) => [...(svc.dependencies ?? []), String(svc.props.taskDefinition ?? "")]));
        return ofType(resources, TASK_DEFINITION)
            .filter((td) => run.has(td.urn) || (typeof td.props.arn === "string" && run.has(td.props.arn)))
            .flatMap((td) => {
                const out = [];
                for (const m of masters) if ((td.dependencies ?? []).includes(m.urn)) out.push(finding(`${label(td)} is run by a service and references the database master's secret ${m.name}`, { urn: td.urn }));
                for (const c of containerDefinitions(td.props)) {
                    const env = envRecord(c.environment);
                    for (const l of postgresLoginsIn(env)) {
                        if (l.login === admin) out.push(finding(`${label(td)} container ${c.name}: ${l.variable} logs in to PostgreSQL as the master user ${admin}`, { urn: td.urn }));
                    }
                    for (const l of mongoLoginsIn(env)) {
                        if (docdbAdmins.includes(l.login)) out.push(finding(`${label(td)} container ${c.name}: ${l.variable} logs in to DocumentDB as the master user ${l.login}`, { urn: td.urn }));
                    }
                    for (const s of Array.isArray(c.secrets) ? c.secrets : []) {
                        const from = String(s?.valueFrom ?? "");
                        if (RDS_MANAGED.test(from) || masterArns.some((arn) => from.startsWith(arn))) out.push(finding(`${label(td)} container ${c.name}: ${s.name} reads a database master's secret`, { urn: td.urn }));
                    }
                }
                return out;
            });
    },
});
