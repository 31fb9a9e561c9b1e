import { cite, finding, label, resourceRule, type Finding } from "../lib/policy";
import { containers, cpuCores, memoryMiB, metaName, WORKLOADS } from "../lib/kubernetes";
import { dataServiceOfImage, serviceOf } from "../lib/workloads";
import { isRecord, num } from "../lib/values";
import type { DownBudget } from "../lib/probes";
import { PROBE_TIMINGS, START_GRACE_SECONDS } from "../../capabilities/kubernetes/apps";
import { downBudget, k8sLivenessWorstCase, k8sProbeDetection, K8S_PROBE_DEFAULTS, serviceDownBudget } from "../lib/probes";

/** Seconds a probe takes to call a container failed: failureThreshold consecutive misses, periodSeconds (or a longer timeout) apart. */
const detection = (p: Record<string, any>) => k8sProbeDetection(p).seconds;
/**
 * The bound of a startup probe: the platform's start grace (a platform default, not a runbook
 * number). Starting may take longer than the ServiceDown level (a rolling update keeps the old pods
 * serving meanwhile), but no longer than the grace: a container that hangs at start is restarted
 * only when its startup probe gives up, and when every replica restarts at once (a bad node, a
 * crash loop) the service stays down that long.
 */
const GRACE_REASON = `the platform's start grace of ${START_GRACE_SECONDS}s (a platform default, not the runbook's: capabilities/kubernetes/apps.ts START_GRACE_SECONDS, the start period ECS gives a task; a container that hangs at start is restarted only when its startup probe gives up)`;
const SIDECAR = /exporter|sidecar|proxy|agent/i;

const close = (a: number | undefined, b: number) => a !== undefined && Math.abs(a - b) < 1e-6;

/** Every long-running pod declares requests, limits and probes; runbook services use the runbook's numbers and health path. */
export const k8sWorkloadProbesResources = resourceRule({
    name: "k8s-workload-probes-resources",
    description: "Every container of a Deployment, StatefulSet or DaemonSet has CPU/memory requests and limits and readiness and liveness probes; runbook services use the runbook's limits, reservations and health (readiness) path, their readiness probe takes no longer to take a failing pod out of service than the platform's, their liveness probe restarts a dead container (initial delay + period × failureThreshold + timeout) before the runbook's ServiceDown level pages and data services' before their own down level pages, a startup probe holds liveness off no longer than the platform's start grace, and every probe asks the pod itself on the service's port.",
    tier: "runbook",
    target: "kubernetes",
    types: WORKLOADS,
    remediationSteps: "Set resources from kubernetesResources(service.resources), httpGet readiness/liveness probes on healthPath with PROBE_TIMINGS (no liveness initial delay) and a startupProbe carrying the start (capabilities/kubernetes/apps.ts).",
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
            const data = svc ? undefined : dataServiceOfImage(c.image);
            const dataBudget = data ? downBudget(ctx.runbook, `${data}_down`) : undefined;
            if (dataBudget && !SIDECAR.test(String(c.name ?? ""))) out.push(...livenessTiming(at, c, data!, dataBudget));
            if (!svc || SIDECAR.test(String(c.name ?? ""))) continue;
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
            out.push(...livenessTiming(at, c, svc.name, serviceDownBudget(ctx.runbook), `services.${svc.name}.healthPath`));
            const startPath = c.startupProbe?.httpGet?.path;
            if (isRecord(c.startupProbe) && startPath !== undefined && startPath !== svc.healthPath && startPath !== svc.readinessPath) {
                out.push(finding(`${at}: startupProbe requests ${startPath}; the runbook checks ${svc.name} on ${svc.healthPath} ${cite(svc.source)}`, { key: `services.${svc.name}.healthPath` }));
            }
            for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"] as const) {
                const get = c[probe]?.httpGet;
                if (!isRecord(get)) continue;
                // The probe must ask this container: its own port ("http" or the runbook's), no other host.
                if (get.host !== undefined && get.host !== "") out.push(finding(`${at}: ${probe}.httpGet.host is ${JSON.stringify(get.host)}: the kubelet asks that host, not the pod, whether ${svc.name} is healthy; allowed: unset (the pod's IP)`, { key: `services.${svc.name}.healthPath` }));
                if (get.port !== "http" && num(get.port) !== svc.port) out.push(finding(`${at}: ${probe}.httpGet.port is ${JSON.stringify(get.port)}, not the service's port ("http", ${svc.port} ${cite(svc.source)}): it checks another listener than the one serving ${svc.name}`, { key: `services.${svc.name}.port` }));
            }
            const ready = c.readinessProbe;
            const most = PROBE_TIMINGS.readiness.periodSeconds * PROBE_TIMINGS.readiness.failureThreshold;
            if (ready && detection(ready) > most) {
                out.push(
                    finding(
                        `${at}: readinessProbe ${k8sProbeDetection(ready).shown} keeps a failing pod in service for ${detection(ready)}s, longer than the platform's ${most}s (${PROBE_TIMINGS.readiness.periodSeconds}s × ${PROBE_TIMINGS.readiness.failureThreshold}): requests keep reaching a pod that cannot answer ${svc.name}'s ${svc.readinessPath ?? svc.healthPath} ${cite(svc.source)}`,
                        { key: `services.${svc.name}.healthPath` },
                    ),
                );
            }
        }
        return out;
    },
});

/**
 * The liveness probe restarts a dead container no later than the down level pages (the runbook's
 * ServiceDown for an app, the store's own `<store>_down` for a data service): initialDelaySeconds
 * + periodSeconds × failureThreshold + timeoutSeconds within its `for`. The initial delay counts
 * whether or not a startup probe runs: without one a container that hangs at start waits it out,
 * with one liveness still waits for it however early startup passes. A startup probe holds
 * liveness off (initialDelaySeconds + failureThreshold × periodSeconds, Kubernetes' own measure of
 * the start budget) no longer than the platform's start grace.
 */
function livenessTiming(at: string, c: Record<string, any>, what: string, budget: DownBudget | undefined, startKey?: string): Finding[] {
    const out: Finding[] = [];
    const live = c.livenessProbe;
    if (isRecord(live) && budget) {
        const w = k8sLivenessWorstCase(live);
        if (w.seconds > budget.seconds) {
            out.push(finding(`${at}: livenessProbe ${w.shown} restarts a dead or hung ${what} container only after ${w.seconds}s, later than ${budget.seconds}s: ${budget.says}; allowed: initialDelaySeconds + periodSeconds × failureThreshold + timeoutSeconds at most ${budget.seconds}s (a startup probe carries the start)`, { key: budget.key }));
        }
    }
    const start = c.startupProbe;
    if (isRecord(start)) {
        const d = k8sProbeDetection(start);
        const total = (num(start.initialDelaySeconds) ?? K8S_PROBE_DEFAULTS.initialDelaySeconds) + d.seconds;
        if (total > START_GRACE_SECONDS) out.push(finding(`${at}: startupProbe initialDelaySeconds ${num(start.initialDelaySeconds) ?? 0} + ${d.shown} holds liveness off for ${total}s, longer than ${GRACE_REASON}`, { key: startKey }));
    }
    return out;
}
