import type { Service } from "../../runbooks";

/**
 * The path the load balancer's target group asks before it sends a task traffic: whether the
 * service can take requests, so the runbook's readiness path where it separates one from health
 * (`/ready`), else its health path. The ECS container health check keeps asking the health path:
 * a failing one replaces the task, which a service that is only not ready yet must not suffer.
 */
export function targetHealthPath(svc: Pick<Service, "healthPath" | "readinessPath">): string {
    return svc.readinessPath ?? svc.healthPath;
}

/**
 * Health check cadence of the target groups: an unhealthy target is out within 45 s (3 × 15 s).
 * Only 2xx answers are healthy: a 3xx from the health path is a redirect (to a login page, a
 * trailing slash), so the service's own health was never asked.
 */
export const TARGET_HEALTH = { interval: 15, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3, matcher: "200-299" } as const;
