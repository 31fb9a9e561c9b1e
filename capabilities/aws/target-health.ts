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
