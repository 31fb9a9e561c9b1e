import { asArray, isRecord } from "./values";
import type { Subject } from "./policy";

/** Pod templates and quantities as the Kubernetes provider takes them. */

export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const STATEFULSET = "kubernetes:apps/v1:StatefulSet";
export const DAEMONSET = "kubernetes:apps/v1:DaemonSet";
export const CRONJOB = "kubernetes:batch/v1:CronJob";
export const JOB = "kubernetes:batch/v1:Job";
export const POD = "kubernetes:core/v1:Pod";
export const WORKLOADS = [DEPLOYMENT, STATEFULSET, DAEMONSET];
export const POD_OWNERS = [...WORKLOADS, CRONJOB, JOB, POD];

/** The pod spec of any workload kind. */
export function podSpec(s: Subject): Record<string, any> | undefined {
    const p = s.props;
    const spec = s.type === CRONJOB ? p.spec?.jobTemplate?.spec?.template?.spec : s.type === POD ? p.spec : p.spec?.template?.spec;
    return isRecord(spec) ? spec : undefined;
}

export function containers(s: Subject, withInit = false): Record<string, any>[] {
    const spec = podSpec(s);
    if (!spec) return [];
    return [...asArray(spec.containers), ...(withInit ? asArray(spec.initContainers) : [])].filter(isRecord);
}

export function metaName(s: Subject): string {
    return String(s.props.metadata?.name ?? s.name);
}

/** `500m` → 0.5, `1` → 1; `1Gi` → 1024 (MiB), `512Mi` → 512, `1G` → 953.67. */
export function cpuCores(q: unknown): number | undefined {
    if (typeof q === "number") return q;
    if (typeof q !== "string") return undefined;
    const m = /^([0-9.]+)(m?)$/.exec(q.trim());
    return m ? Number(m[1]) / (m[2] ? 1000 : 1) : undefined;
}

const MEM: Record<string, number> = { "": 1 / 1048576, k: 1000 / 1048576, K: 1000 / 1048576, Ki: 1 / 1024, M: 1e6 / 1048576, Mi: 1, G: 1e9 / 1048576, Gi: 1024, T: 1e12 / 1048576, Ti: 1048576 };

export function memoryMiB(q: unknown): number | undefined {
    if (typeof q === "number") return q / 1048576;
    if (typeof q !== "string") return undefined;
    const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/.exec(q.trim());
    return m ? Number(m[1]) * MEM[m[2] ?? ""] : undefined;
}

/** The kind and name an autoscaler targets. */
export function scaleTarget(s: Subject): { kind: string; name: string } | undefined {
    const ref = s.props.spec?.scaleTargetRef;
    return isRecord(ref) && typeof ref.name === "string" ? { kind: String(ref.kind ?? "Deployment"), name: ref.name } : undefined;
}
