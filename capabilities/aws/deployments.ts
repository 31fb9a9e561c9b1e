import type { Runbook } from "../../runbooks";
import { cloudWatchAlarms, type AlarmSpec } from "./alarms";
import { alarmInventory } from "./inventory";

/**
 * How an ECS service's deployment is guarded. A rolling update is rolled back by the deployment
 * circuit breaker, which "can only be used for services using the rolling update (ECS)
 * deployment type" (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentCircuitBreaker.html);
 * a blue/green service rolls back on CloudWatch alarms instead (the service's `alarms`,
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentAlarms.html): ECS
 * watches them through the bake time and shifts traffic back to the old colour when one goes
 * into ALARM.
 */

/** Signals that say a new revision is broken: its targets fail the health check or answer 5xx. */
export const ROLLBACK_SIGNALS = ["service_down", "http_error_rate"] as const;

export type DeploymentGuard =
    | { readonly strategy: "ROLLING"; readonly circuitBreaker: true }
    | { readonly strategy: "BLUE_GREEN"; readonly bakeMinutes: number; readonly alarmKeys: readonly string[] };

/**
 * The runbook's critical alarms on a blue/green service's target groups (both colours) for the
 * rollback signals: the keys of `cloudWatchAlarms`, so the alarm names are `<prefix>-<key>`.
 */
export function rollbackAlarms(rb: Runbook, hosts: Readonly<Record<string, string>>, service: string): AlarmSpec[] {
    let byHosts = rollbackCache.get(rb);
    if (!byHosts) rollbackCache.set(rb, (byHosts = new WeakMap()));
    let byService = byHosts.get(hosts);
    if (!byService) {
        byService = new Map();
        for (const a of cloudWatchAlarms(rb, alarmInventory(rb, hosts))) {
            if (a.severity === "critical" && (ROLLBACK_SIGNALS as readonly string[]).includes(a.signal) && a.subject.kind === "target-group") {
                byService.set(a.subject.service, [...(byService.get(a.subject.service) ?? []), a]);
            }
        }
        byHosts.set(hosts, byService);
    }
    return [...(byService.get(service) ?? [])];
}

/**
 * The rollback alarms of every service, by runbook and hosts object: the services ask one by one,
 * and computing every alarm for each was quadratic in services. Runbooks and a stack's hosts are
 * never mutated.
 */
const rollbackCache = new WeakMap<Runbook, WeakMap<object, Map<string, AlarmSpec[]>>>();

/**
 * The guard of one service: blue/green where the runbook deploys that way and the service is
 * behind the load balancer (a pair of target groups), rolling otherwise. A blue/green service
 * without a single rollback alarm fails here, naming the runbook fields that would give it one.
 */
export function deploymentGuard(rb: Runbook, hosts: Readonly<Record<string, string>>, service: string, blueGreenRouting: boolean): DeploymentGuard {
    if (!rb.aws.blueGreen || !blueGreenRouting) return { strategy: "ROLLING", circuitBreaker: true };
    const alarmKeys = rollbackAlarms(rb, hosts, service).map((a) => a.key);
    if (alarmKeys.length === 0) {
        throw new Error(
            `${rb.app}: service ${service} deploys blue/green (aws.blueGreen) but no critical ${ROLLBACK_SIGNALS.join(" or ")} alert covers it, so nothing could roll a bad deployment back; add a critical level to one of those alerts`,
        );
    }
    return { strategy: "BLUE_GREEN", bakeMinutes: rb.aws.blueGreen.bakeMinutes, alarmKeys };
}
