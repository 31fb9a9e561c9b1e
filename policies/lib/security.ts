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
