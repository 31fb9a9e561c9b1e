import { containers, POD_OWNERS } from "../lib/kubernetes";
import { finding, label, resourceRule } from "../lib/policy";
import { envRecord, mongoAdmin, mongoLoginsIn, postgresAdmin, postgresLoginsIn } from "../lib/security";

const CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const SECRET = "kubernetes:core/v1:Secret";
/** The one Secret kind that may hold a MongoDB root URI: the backup job's (its oplog dump reads every database). */
const MONGO_ROOT_URI_COMPONENTS = ["backup"];
const COMPONENT_LABEL = "app.kubernetes.io/component";
/** CloudNativePG keeps the superuser's password in `<cluster>-superuser`. */
const SUPERUSER_SECRET = /-superuser$/;
const ADMIN_ATTRIBUTES = ["superuser", "createrole", "replication", "bypassrls"] as const;

/**
 * Least privilege for databases (issue 15) on Kubernetes: CloudNativePG's superuser stays disabled
 * and unused, the roles it manages carry no administrative attribute, and no workload logs in as
 * `postgres` or reads the superuser's Secret. The app logs in as the database owner, the exporter
 * as the monitoring role. For MongoDB: no workload's environment and no Secret but the backup's
 * carries a connection string as root; the app and the exporter log in as their own users
 * (capabilities/mongodb-users.ts), whose URIs live in Secrets the rule reads.
 */
export const k8sWorkloadNoMasterCredentials = resourceRule({
    name: "k8s-workload-no-master-credentials",
    description: "No workload logs in to PostgreSQL as the superuser or reads its Secret, and none but the backup logs in to MongoDB as root; CloudNativePG's superuser access stays off and its managed roles have no administrative attribute.",
    tier: "security",
    target: "kubernetes",
    types: [CNPG_CLUSTER, SECRET, ...POD_OWNERS],
    remediationSteps:
        "Leave enableSuperuserAccess unset, declare managed roles without superuser/createrole/replication/bypassrls, give workloads the owner's or the monitoring role's Secret, and build MongoDB URIs with the app's or the monitoring user (capabilities/mongodb-users.ts).",
    check: (s, ctx) => {
        const mongoRoot = mongoAdmin(ctx.runbook, "kubernetes");
        if (s.type === SECRET) {
            const part = s.props.metadata?.labels?.[COMPONENT_LABEL];
            if (!mongoRoot || MONGO_ROOT_URI_COMPONENTS.includes(part)) return [];
            const data: Record<string, unknown> = { ...(s.props.stringData ?? {}) };
            for (const [k, v] of Object.entries(s.props.data ?? {})) if (typeof v === "string") data[k] = Buffer.from(v, "base64").toString("utf8");
            return mongoLoginsIn(data)
                .filter((l) => l.login === mongoRoot)
                .map((l) => finding(`${label(s)} (component ${part ?? "unlabelled"}): key ${l.variable} is a MongoDB connection string as root; only the backup's Secret may hold one`));
        }
        // The database's own workloads (the members, the users Job) log in as root; their exporter's URI is in a Secret, checked above.
        const own = s.props.metadata?.labels?.[COMPONENT_LABEL] === "mongodb";
        const mongoLogins = (env: Record<string, unknown>, where: string) =>
            mongoRoot && !own
                ? mongoLoginsIn(env)
                      .filter((l) => l.login === mongoRoot)
                      .map((l) => finding(`${label(s)} container ${where}: ${l.variable} logs in to MongoDB as root`))
                : [];
        const admin = postgresAdmin(ctx.runbook, "kubernetes");
        if (!admin) return containers(s, true).flatMap((c) => mongoLogins(envRecord(Array.isArray(c.env) ? c.env : []), c.name));
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
            return [...logins, ...refs.map((n) => finding(`${label(s)} container ${c.name}: reads the PostgreSQL superuser's Secret ${n}`)), ...mongoLogins(envRecord(env), c.name)];
        });
    },
});
