import { cite, finding, label, resourceRule, type Finding } from "../lib/policy";
import { containers, cpuCores, memoryMiB, metaName, WORKLOADS } from "../lib/kubernetes";
import { serviceOf } from "../lib/workloads";

const close = (a: number | undefined, b: number) => a !== undefined && Math.abs(a - b) < 1e-6;

/** Every long-running pod declares requests, limits and probes; runbook services use the runbook's numbers and health path. */
export const k8sWorkloadProbesResources = resourceRule({
    name: "k8s-workload-probes-resources",
    description: "Every container of a Deployment, StatefulSet or DaemonSet has CPU/memory requests and limits and readiness and liveness probes; runbook services use the runbook's limits, reservations and health path.",
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
                if (c[probe] && path !== svc.healthPath) {
                    out.push(finding(`${at}: ${probe} ${path ? `requests ${path}` : "is not an HTTP GET"}; the runbook checks ${svc.name} on ${svc.healthPath} ${cite(svc.source)}`, { key: `services.${svc.name}.healthPath` }));
                }
            }
        }
        return out;
    },
});
