import { MONGO_ROOT_USER as DOCKER_MONGO_ROOT } from "../../capabilities/docker/mongodb";
import { MONGO_ROOT_USER as K8S_MONGO_ROOT } from "../../capabilities/kubernetes/mongodb";
import type { Runbook } from "../../runbooks";
import type { Subject } from "./policy";

/** Helpers of the security-tier policies (closed egress, backup-bucket deletes, vault ownership). */

/** HTTPS, and every port the runbook's external dependencies' URLs connect to (read here, not from the program). */
export function allowedInternetPorts(rb: Pick<Runbook, "externalDependencies">): number[] {
    const port = (url: string) => {
        const u = new URL(url);
        return u.port ? Number(u.port) : u.protocol === "http:" ? 80 : 443;
    };
    return [...new Set([443, ...rb.externalDependencies.flatMap((d) => [d.url, ...(d.fallbackUrl ? [d.fallbackUrl] : [])]).map(port)])].sort((a, b) => a - b);
}

/** Whether an IAM action pattern grants deleting objects (or object versions). */
export function deletes(action: string): boolean {
    const a = action.toLowerCase();
    if (a === "*" || a === "s3:*") return true;
    const re = new RegExp(`^${a.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
    return ["s3:deleteobject", "s3:deleteobjectversion"].some((x) => re.test(x));
}

/** A resource that names a vault (lock, vault policy) belongs to it by its vault name or its dependency on it. */
export function namesVault(r: Subject, vault: Subject): boolean {
    return (r.dependencies ?? []).includes(vault.urn) || (typeof r.props.backupVaultName === "string" && r.props.backupVaultName === vault.props.name);
}

/**
 * The PostgreSQL administrator's login on a target, which only the database itself, its backups
 * and the roles step may use: the runbook's `data.postgres.user` on Docker and AWS (the image's
 * first user, the RDS master), CloudNativePG's `postgres` superuser on Kubernetes, where
 * `data.postgres.user` is the database owner without superuser (capabilities/postgres-roles.ts).
 */
export function postgresAdmin(rb: Pick<Runbook, "data">, target: "docker" | "kubernetes" | "aws"): string | undefined {
    const pg = rb.data.postgres;
    if (!pg) return undefined;
    return target === "kubernetes" ? "postgres" : pg.user;
}

/** Environment variables that name a PostgreSQL login directly. */
const LOGIN_VARS = ["PGUSER", "DATA_SOURCE_USER", "POSTGRES_USER"];

/**
 * The PostgreSQL logins an environment uses: a user variable, or the user part of any
 * `postgres://` / `postgresql://` URL in a value (the engine shows a policy secrets unwrapped).
 */
export function postgresLoginsIn(env: Readonly<Record<string, unknown>>): { variable: string; login: string }[] {
    const out: { variable: string; login: string }[] = [];
    for (const [k, v] of Object.entries(env)) {
        if (typeof v !== "string") continue;
        if (LOGIN_VARS.includes(k)) out.push({ variable: k, login: v });
        for (const m of v.matchAll(/postgres(?:ql)?:\/\/([^:@/\s]+)(?::[^@/\s]*)?@/g)) out.push({ variable: k, login: decodeURIComponent(m[1]) });
    }
    return out;
}

/** `["K=V", ...]` (Docker's `envs`) or `[{name, value}]` (ECS, Kubernetes) as a record. */
export function envRecord(env: unknown): Record<string, unknown> {
    if (!Array.isArray(env)) return {};
    const out: Record<string, unknown> = {};
    for (const e of env) {
        if (typeof e === "string") {
            const i = e.indexOf("=");
            if (i > 0) out[e.slice(0, i)] = e.slice(i + 1);
        } else if (e && typeof e === "object" && typeof (e as any).name === "string") {
            out[(e as any).name] = (e as any).value;
        }
    }
    return out;
}

/**
 * The MongoDB administrator's login on Docker and Kubernetes, which only the members, the users
 * step and the backups may use (capabilities/mongodb-users.ts). On AWS it is the DocumentDB
 * cluster's `masterUsername`, read from the plan.
 */
export function mongoAdmin(rb: Pick<Runbook, "data">, target: "docker" | "kubernetes"): string | undefined {
    if (!rb.data.mongodb) return undefined;
    return target === "docker" ? DOCKER_MONGO_ROOT : K8S_MONGO_ROOT;
}

/** Environment variables that name a MongoDB login directly. */
const MONGO_LOGIN_VARS = ["MONGO_USERNAME", "MONGO_USER", "MONGO_INITDB_ROOT_USERNAME", "MONGO_ADMIN_USERNAME", "MONGO_ROOT_USERNAME"];

/** The MongoDB logins an environment uses: a user variable, or the user part of any `mongodb://` / `mongodb+srv://` URL in a value. */
export function mongoLoginsIn(env: Readonly<Record<string, unknown>>): { variable: string; login: string }[] {
    const out: { variable: string; login: string }[] = [];
    for (const [k, v] of Object.entries(env)) {
        if (typeof v !== "string") continue;
        if (MONGO_LOGIN_VARS.includes(k)) out.push({ variable: k, login: v });
        for (const m of v.matchAll(/mongodb(?:\+srv)?:\/\/([^:@/\s]+)(?::[^@/\s]*)?@/g)) out.push({ variable: k, login: decodeURIComponent(m[1]) });
    }
    return out;
}
