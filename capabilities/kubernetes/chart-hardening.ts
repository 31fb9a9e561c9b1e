import { containerSecurity } from "./security";
import { SIDECAR, type PodResources } from "./sizing";

/**
 * The chart values that hold the workloads third-party charts render to the rules our own
 * workloads meet: CPU and memory requests and limits, readiness and liveness probes, no privilege
 * escalation, every capability dropped, non-root, the runtime's seccomp profile. Each chart names
 * these differently; the keys below are the pinned versions' (test/providers/charts.test.ts
 * renders them and fails on a key a chart does not read). What a pinned chart cannot be made to
 * meet is listed, with why, in test/providers/workload-rules.ts.
 */

const res = (cpuReq: string, memReq: string, cpuLim: string, memLim: string): PodResources => ({ requests: { cpu: cpuReq, memory: memReq }, limits: { cpu: cpuLim, memory: memLim } });
const copy = (r: PodResources) => ({ requests: { ...r.requests }, limits: { ...r.limits } });

/** Staging sizes of the charts' own pods (no runbook states them): the upstream projects' documented footprints, with room. */
export const CHART_PODS = {
    grafana: res("100m", "256Mi", "500m", "512Mi"),
    kubeStateMetrics: res("50m", "128Mi", "200m", "256Mi"),
    prometheusOperator: res("100m", "128Mi", "500m", "256Mi"),
    /** Prometheus holds its head block (about two hours of PROMETHEUS_SIZING's series) in memory. */
    prometheus: res("250m", "1Gi", "1000m", "2Gi"),
    alertmanager: res("50m", "64Mi", "200m", "256Mi"),
    loki: res("250m", "512Mi", "1000m", "1Gi"),
    promtail: res("50m", "128Mi", "200m", "256Mi"),
    cloudnativePg: res("100m", "128Mi", "500m", "256Mi"),
} as const;

const seccomp = { seccompProfile: { type: "RuntimeDefault" } } as const;

/** Plain-object deep merge: `over` wins, maps merge, arrays and scalars replace. */
export function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) {
        const b = out[k];
        const isMap = (x: unknown): x is Record<string, unknown> => !!x && typeof x === "object" && !Array.isArray(x);
        out[k] = isMap(b) && isMap(v) ? mergeValues(b, v) : v;
    }
    return out;
}

export function kubePrometheusStackHardening(): Record<string, unknown> {
    return {
        grafana: { resources: copy(CHART_PODS.grafana), sidecar: { resources: copy(SIDECAR) } },
        "kube-state-metrics": { resources: copy(CHART_PODS.kubeStateMetrics) },
        prometheusOperator: { resources: copy(CHART_PODS.prometheusOperator), admissionWebhooks: { patch: { resources: copy(SIDECAR) } } },
        // The operator builds these pods from the custom resources (probes and security context are its own).
        prometheus: { prometheusSpec: { resources: copy(CHART_PODS.prometheus) } },
        alertmanager: { alertmanagerSpec: { resources: copy(CHART_PODS.alertmanager) } },
        // node-exporter reads /proc and /sys read-only: it needs no privilege and no capability.
        "prometheus-node-exporter": { resources: copy(SIDECAR), securityContext: { ...seccomp }, containerSecurityContext: { ...containerSecurity(), readOnlyRootFilesystem: true } },
    };
}

export function lokiHardening(): Record<string, unknown> {
    return {
        singleBinary: { resources: copy(CHART_PODS.loki) },
        loki: { podSecurityContext: { ...seccomp } },
        // The rules sidecar loads Loki alerting rules from ConfigMaps; the platform's alerts are Prometheus rules.
        sidecar: { rules: { enabled: false } },
    };
}

/** Promtail must run as root to read the node's /var/log/pods; it is sized and confined otherwise. */
export function promtailHardening(): Record<string, unknown> {
    return {
        resources: copy(CHART_PODS.promtail),
        // Promtail serves /ready on http-metrics; a hung one stops answering it too.
        livenessProbe: { httpGet: { path: "{{ printf `%s/ready` .Values.httpPathPrefix }}", port: "http-metrics" }, initialDelaySeconds: 10, periodSeconds: 30, failureThreshold: 5, timeoutSeconds: 5 },
        podSecurityContext: { ...seccomp },
    };
}

export function blackboxHardening(): Record<string, unknown> {
    return { resources: copy(SIDECAR), podSecurityContext: { ...seccomp } };
}

export function pushgatewayHardening(): Record<string, unknown> {
    return { resources: copy(SIDECAR), securityContext: { ...seccomp }, containerSecurityContext: { ...containerSecurity(), readOnlyRootFilesystem: true } };
}

export function cloudnativePgHardening(): Record<string, unknown> {
    return { resources: copy(CHART_PODS.cloudnativePg) };
}

/** The Strimzi operator image runs as UID 1001. */
export function strimziHardening(): Record<string, unknown> {
    return { podSecurityContext: { runAsNonRoot: true, ...seccomp }, securityContext: { ...containerSecurity() } };
}
