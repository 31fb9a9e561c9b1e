import { containers, POD_OWNERS } from "../lib/kubernetes";
import { finding, label, resourceRule } from "../lib/policy";
import { envRecord, postgresAdmin, postgresLoginsIn } from "../lib/security";

const CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
/** CloudNativePG keeps the superuser's password in `<cluster>-superuser`. */
const SUPERUSER_SECRET = /-superuser$/;
const ADMIN_ATTRIBUTES = ["superuser", "createrole", "replication", "bypassrls"] as const;

/**
 * Least privilege for databases (issue 15) on Kubernetes: CloudNativePG's superuser stays disabled
 * and unused, the roles it manages carry no administrative attribute, and no workload logs in as
 * `postgres` or reads the superuser's Secret. The app logs in as the database owner, the exporter
 * as the monitoring role.
 */
export const k8sWorkloadNoMasterCredentials = resourceRule({
    name: "k8s-workload-no-master-credentials",
    description: "No workload logs in to PostgreSQL as the superuser or reads its Secret; CloudNativePG's superuser access stays off and its managed roles have no administrative attribute.",
    tier: "security",
    target: "kubernetes",
    types: [CNPG_CLUSTER, ...POD_OWNERS],
    remediationSteps: "Leave enableSuperuserAccess unset, declare managed roles without superuser/createrole/replication/bypassrls, and give workloads the owner's or the monitoring role's Secret.",
    check: (s, ctx) => {
        const admin = postgresAdmin(ctx.runbook, "kubernetes");
        if (!admin) return [];
        if (s.type === CNPG_CLUSTER) {
            const spec = s.props.spec ?? {};
            const out = [];
            if (spec.enableSuperuserAccess === true) out.push(finding(`${label(s)}: spec.enableSuperuserAccess is true; the superuser's Secret would be created for anyone in the namespace to mount`));
            for (const role of Array.isArray(spec.managed?.roles) ? spec.managed.roles : []) {
                const granted = ADMIN_ATTRIBUTES.filter((a) => role?.[a] === true);
                if (granted.length) out.push(finding(`${label(s)}: managed role ${role.name} has ${granted.join(", ")}; app and monitoring roles need none`));
                if (role?.name === admin) out.push(finding(`${label(s)}: a managed role redefines ${admin}, CloudNativePG's superuser`));
            }
            return out;
        }
        return containers(s, true).flatMap((c) => {
            const env: any[] = Array.isArray(c.env) ? c.env : [];
            const logins = postgresLoginsIn(envRecord(env))
                .filter((l) => l.login === admin)
                .map((l) => finding(`${label(s)} container ${c.name}: ${l.variable} logs in to PostgreSQL as the superuser ${admin}`));
            const refs = [
                ...env.map((e) => e?.valueFrom?.secretKeyRef?.name),
                ...(Array.isArray(c.envFrom) ? c.envFrom.map((e: any) => e?.secretRef?.name) : []),
            ].filter((n): n is string => typeof n === "string" && SUPERUSER_SECRET.test(n));
            return [...logins, ...refs.map((n) => finding(`${label(s)} container ${c.name}: reads the PostgreSQL superuser's Secret ${n}`))];
        });
    },
});
