import { podSpecs, type K8sObject } from "./helm";

/**
 * The rules our own workloads meet (policies/kubernetes/workload-probes-resources.ts and
 * capabilities/kubernetes/security.ts), applied to what the charts render: long-running pods are
 * sized (CPU and memory requests and limits) and health-checked (readiness and liveness), jobs
 * are sized, and every container runs without privilege escalation, with every capability
 * dropped, as non-root, under the runtime's seccomp profile.
 */

export type WorkloadRule = "requests" | "limits" | "readinessProbe" | "livenessProbe" | "allowPrivilegeEscalation" | "capabilities" | "runAsNonRoot" | "seccompProfile";

export interface WorkloadFinding {
    /** `Kind/name`. */
    readonly workload: string;
    readonly container: string;
    readonly rule: WorkloadRule;
    readonly message: string;
}

const LONG_RUNNING = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

export function workloadFindings(chart: string, objects: readonly K8sObject[]): WorkloadFinding[] {
    const out: WorkloadFinding[] = [];
    for (const o of objects) {
        // A chart's `helm test` pod is not installed by the release.
        if (o.kind === "Pod" && /test/.test(o.metadata.annotations?.["helm.sh/hook"] ?? "")) continue;
        for (const pod of podSpecs(o)) {
            const workload = `${o.kind}/${o.metadata.name}`;
            const containers: { c: any; init: boolean }[] = [...(pod.initContainers ?? []).map((c: any) => ({ c, init: true })), ...(pod.containers ?? []).map((c: any) => ({ c, init: false }))];
            for (const { c, init } of containers) {
                const add = (rule: WorkloadRule, message: string) => out.push({ workload, container: c.name, rule, message: `${message} (${chart})` });
                for (const kind of ["requests", "limits"] as const) {
                    const missing = ["cpu", "memory"].filter((r) => c.resources?.[kind]?.[r] === undefined);
                    if (missing.length) add(kind, `no ${missing.join(" or ")} ${kind}`);
                }
                if (LONG_RUNNING.has(o.kind) && !init) {
                    for (const probe of ["readinessProbe", "livenessProbe"] as const) if (!c[probe]) add(probe, `no ${probe}`);
                }
                const sc = c.securityContext ?? {};
                const psc = pod.securityContext ?? {};
                if (sc.allowPrivilegeEscalation !== false) add("allowPrivilegeEscalation", "allowPrivilegeEscalation is not false");
                if (!(sc.capabilities?.drop ?? []).includes("ALL")) add("capabilities", "does not drop ALL capabilities");
                const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
                const uid = sc.runAsUser ?? psc.runAsUser;
                if (nonRoot !== true || uid === 0) add("runAsNonRoot", uid === 0 ? "runs as root (UID 0)" : "runAsNonRoot is not set");
                const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
                if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") add("seccompProfile", "no RuntimeDefault seccomp profile");
            }
        }
    }
    return out;
}

export interface WorkloadException {
    readonly chart: string;
    readonly workload: RegExp;
    readonly container: RegExp;
    readonly rule: WorkloadRule;
    /** Why the chart cannot meet it at its pinned version, or why the workload must not. */
    readonly reason: string;
}

/**
 * What the pinned charts cannot be made to meet through their values, or must not meet. Each is
 * checked to still excuse something: a stale entry fails the test.
 */
export const WORKLOAD_EXCEPTIONS: readonly WorkloadException[] = [
    ...(["readinessProbe", "livenessProbe"] as const).map((rule) => ({
        chart: "minio",
        workload: /^(Deployment|StatefulSet)\//,
        container: /^minio$/,
        rule,
        reason: "minio chart 5.3.0 renders no probe and has no value for one (templates/deployment.yaml); MinIO serves /minio/health/live and /ready, which a later chart or a post-renderer could use",
    })),
    ...(["readinessProbe", "livenessProbe"] as const).map((rule) => ({
        chart: "kube-prometheus-stack",
        workload: /^Deployment\/.*grafana$/,
        container: /^grafana-sc-(dashboard|datasources)$/,
        rule,
        reason: "Grafana's k8s-sidecar 1.27.4 (grafana chart 8.5.2) serves no health endpoint to probe; the chart's sidecar.readinessProbe/livenessProbe would have nothing to ask. A dead sidecar delays a dashboard change, never an alert",
    })),
    {
        chart: "loki",
        workload: /^StatefulSet\/loki$/,
        container: /^loki$/,
        rule: "livenessProbe",
        reason: "loki chart 6.16.0 has a readiness probe (loki.readinessProbe) but no value for a liveness probe on the single binary (templates/single-binary/statefulset.yaml)",
    },
    {
        chart: "promtail",
        workload: /^DaemonSet\/promtail$/,
        container: /^promtail$/,
        rule: "runAsNonRoot",
        reason: "Promtail tails the node's /var/log/pods, readable by root only; the chart runs it as UID 0 on purpose (podSecurityContext). It keeps no capability, no privilege escalation and a read-only root",
    },
];
