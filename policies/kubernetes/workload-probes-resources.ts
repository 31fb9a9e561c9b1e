import { cite, finding, label, resourceRule, type Finding } from "../lib/policy";
import { containers, cpuCores, memoryMiB, metaName, WORKLOADS } from "../lib/kubernetes";
import { serviceOf } from "../lib/workloads";
import { num } from "../lib/values";
import { PROBE_TIMINGS } from "../../capabilities/kubernetes/apps";

/** Kubernetes' probe timings where a probe sets none. */
const PROBE_DEFAULTS = { periodSeconds: 10, failureThreshold: 3 } as const;
/** Seconds a probe takes to call a container failed: failureThreshold consecutive misses, periodSeconds apart. */
const detection = (p: Record<string, any>) => (num(p.periodSeconds) ?? PROBE_DEFAULTS.periodSeconds) * (num(p.failureThreshold) ?? PROBE_DEFAULTS.failureThreshold);

const close = (a: number | undefined, b: number) => a !== undefined && Math.abs(a - b) < 1e-6;

/** Every long-running pod declares requests, limits and probes; runbook services use the runbook's numbers and health path. */
export const k8sWorkloadProbesResources = resourceRule({
    name: "k8s-workload-probes-resources",
    description: "Every container of a Deployment, StatefulSet or DaemonSet has CPU/memory requests and limits and readiness and liveness probes; runbook services use the runbook's limits, reservations and health (readiness) path, and their readiness probe takes no longer to take a failing pod out of service than the platform's.",
    tier: "runbook",
    target: "kubernetes",
    types: WORKLOADS,
    remediationSteps: "Set resources from kubernetesResources(service.resources) and httpGet readiness/liveness probes on healthPath.",
    check: (s, ctx) => {
        const out: Finding[] = [];
        const name = metaName(s);
        for (const c of containers(s)) {
            const at = `${label(s)} container "${c.name}"`;
            const res = c.resources ?? {};
            for (const kind of ["requests", "limits"] as const) {
                for (const r of ["cpu", "memory"] as const) if (res[kind]?.[r] === undefined) out.push(finding(`${at}: no ${r} ${kind}; every workload must be sized`));
            }
            for (const probe of ["readinessProbe", "livenessProbe"] as const) if (!c[probe]) out.push(finding(`${at}: no ${probe}; every workload must be health-checked`));
            // The workload names the service; its sidecars (exporters, proxies) are sized on their own.
            const svc = serviceOf(ctx.runbook, name, s.name);
            if (!svc || /exporter|sidecar|proxy|agent/i.test(String(c.name ?? ""))) continue;
            const r = svc.resources;
            const key = `services.${svc.name}.resources`;
            const wants = `the runbook gives ${svc.name} limits ${r.limits.cpu} CPU / ${r.limits.memoryMiB} MiB and reservations ${r.reservations.cpu} CPU / ${r.reservations.memoryMiB} MiB ${cite(r.source)}`;
            const pairs: [string, number | undefined, number][] = [
                ["limits.cpu", cpuCores(res.limits?.cpu), r.limits.cpu],
                ["limits.memory", memoryMiB(res.limits?.memory), r.limits.memoryMiB],
                ["requests.cpu", cpuCores(res.requests?.cpu), r.reservations.cpu],
                ["requests.memory", memoryMiB(res.requests?.memory), r.reservations.memoryMiB],
            ];
            for (const [field, have, want] of pairs) {
                const [kind, r] = field.split(".");
                if (!close(have, want)) out.push(finding(`${at}: resources.${field} is ${JSON.stringify(res[kind]?.[r]) ?? "not set"}, not ${want}; ${wants}`, { key }));
            }
            for (const probe of ["readinessProbe", "livenessProbe"] as const) {
                const path = c[probe]?.httpGet?.path;
                // Readiness asks whether the pod can take traffic: the runbook's readiness path where it separates one.
                const [want, field] = probe === "readinessProbe" && svc.readinessPath ? [svc.readinessPath, "readinessPath"] : [svc.healthPath, "healthPath"];
                if (c[probe] && path !== want) {
                    out.push(finding(`${at}: ${probe} ${path ? `requests ${path}` : "is not an HTTP GET"}; the runbook checks ${svc.name} on ${want} ${cite(svc.source)}`, { key: `services.${svc.name}.${field}` }));
                }
            }
            const ready = c.readinessProbe;
            const most = PROBE_TIMINGS.readiness.periodSeconds * PROBE_TIMINGS.readiness.failureThreshold;
            if (ready && detection(ready) > most) {
                out.push(
                    finding(
                        `${at}: readinessProbe periodSeconds ${ready.periodSeconds ?? PROBE_DEFAULTS.periodSeconds} × failureThreshold ${ready.failureThreshold ?? PROBE_DEFAULTS.failureThreshold} keeps a failing pod in service for ${detection(ready)}s, longer than the platform's ${most}s (${PROBE_TIMINGS.readiness.periodSeconds}s × ${PROBE_TIMINGS.readiness.failureThreshold}): requests keep reaching a pod that cannot answer ${svc.name}'s ${svc.readinessPath ?? svc.healthPath} ${cite(svc.source)}`,
                        { key: `services.${svc.name}.healthPath` },
                    ),
                );
            }
        }
        return out;
    },
});
