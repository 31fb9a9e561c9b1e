import { durationSeconds, type Runbook } from "../../runbooks";
import { cite } from "./policy";
import { num } from "./values";

/**
 * The runbook's ServiceDown level: how long a service may stay down before the runbook pages
 * (its `service_down` alert's shortest `for`). A health check that takes longer than this to call
 * a container failed leaves a dead container in place past the page: the runbook's responder is
 * woken for what the platform was meant to heal, and the restart starts later than the runbook
 * allows.
 */
export interface DownBudget {
    readonly seconds: number;
    /** `alerts.<id>.<severity>.for`. */
    readonly key: string;
    /** "the runbook's service-down critical level (1m) (runbook §…)". */
    readonly says: string;
}

export function serviceDownBudget(rb: Runbook): DownBudget | undefined {
    return downBudget(rb, "service_down");
}

/** The same for a data service: its `<service>_down` alert (redis_down, postgres_down, mongodb_down), where the runbook has one. */
export function downBudget(rb: Runbook, signal: string): DownBudget | undefined {
    const alert = rb.alerts.find((a) => a.signal === signal);
    if (!alert) return undefined;
    const level = [...alert.levels].sort((a, b) => durationSeconds(a.for) - durationSeconds(b.for))[0];
    if (!level) return undefined;
    return {
        seconds: durationSeconds(level.for),
        key: `alerts.${alert.id}.${level.severity}.for`,
        says: level.defaulted?.for
            ? `the ${alert.id} ${level.severity} level pages after ${level.for} down (a platform default, not the runbook's: ${level.defaulted.for})`
            : `the runbook's ${alert.id} ${level.severity} level pages after ${level.for} down ${cite(level.source)}`,
    };
}

/** Kubernetes' probe timings where a probe sets none. */
export const K8S_PROBE_DEFAULTS = { periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3, initialDelaySeconds: 0 } as const;

/**
 * Seconds a Kubernetes probe takes to call a running container failed: failureThreshold
 * consecutive misses, each a period apart, and no sooner than its timeout (a probe that hangs
 * until it times out is the next one's wait).
 */
export function k8sProbeDetection(p: Record<string, any>): { seconds: number; shown: string } {
    const period = num(p.periodSeconds) ?? K8S_PROBE_DEFAULTS.periodSeconds;
    const timeout = num(p.timeoutSeconds) ?? K8S_PROBE_DEFAULTS.timeoutSeconds;
    const failures = num(p.failureThreshold) ?? K8S_PROBE_DEFAULTS.failureThreshold;
    const step = Math.max(period, timeout);
    return { seconds: step * failures, shown: `${timeout > period ? `timeoutSeconds ${timeout} (over periodSeconds ${period})` : `periodSeconds ${period}`} × failureThreshold ${failures}` };
}

/**
 * Seconds from a container's start (or from a passing check) until the kubelet restarts it when it
 * hangs: the probe counts only after initialDelaySeconds, then failureThreshold misses a period
 * apart, the last one after its timeout. A startup probe does not shorten it: liveness waits for
 * initialDelaySeconds however early startup passes.
 */
export function k8sLivenessWorstCase(p: Record<string, any>): { seconds: number; shown: string } {
    const d = k8sProbeDetection(p);
    const delay = num(p.initialDelaySeconds) ?? K8S_PROBE_DEFAULTS.initialDelaySeconds;
    const timeout = num(p.timeoutSeconds) ?? K8S_PROBE_DEFAULTS.timeoutSeconds;
    return { seconds: delay + d.seconds + timeout, shown: `initialDelaySeconds ${delay} + ${d.shown} + timeoutSeconds ${timeout}` };
}
