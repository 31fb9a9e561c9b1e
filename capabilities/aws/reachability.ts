import type { Runbook } from "../../runbooks";
import { levelCondition } from "../alerting/levels";
import { endpointSlug, publicUrl, reachabilityLevel, type PublicEndpoint } from "../reachability";
import type { PagedByAlarm } from "../alerting/routing";
import { alarmTiming, STANDARD_RESOLUTION_SECONDS } from "./alarms";

/**
 * External reachability on AWS: a Route 53 health check per public host, HTTPS on the health
 * path from several regions, and a CloudWatch alarm on its HealthCheckStatus that pages as the
 * runbook's service_down critical level (capabilities/reachability.ts).
 */

/**
 * Route 53 publishes HealthCheckStatus only in us-east-1
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html):
 * the alarm, and the topic it notifies, must be there.
 */
export const ROUTE53_METRICS_REGION = "us-east-1";

/**
 * The checker regions: three on two continents (Route 53 needs at least three,
 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html), so one
 * region's network trouble does not look like an outage.
 */
export const CHECKER_REGIONS = ["us-east-1", "us-west-2", "eu-west-1"] as const;

/** Seconds between one checker's requests (Route 53 allows 10 or 30). */
export const REQUEST_INTERVAL_SECONDS = 30;
/** Consecutive failures before a checker calls the endpoint unhealthy (1-10). */
export const FAILURE_THRESHOLD = 3;

export interface ReachabilityCheck {
    /** `reachability-<host slug>`: names the health check and its alarm. */
    readonly key: string;
    readonly endpoint: PublicEndpoint;
    readonly url: string;
    /** The alarm: HealthCheckStatus (1 healthy, 0 not) below 1 for the runbook's `for`. */
    readonly period: number;
    readonly evaluationPeriods: number;
    readonly datapointsToAlarm: number;
    readonly alertId: string;
    readonly description: string;
}

/** One check per public endpoint, timed by the runbook's service_down critical level. */
export function reachabilityChecks(rb: Runbook, endpoints: readonly PublicEndpoint[]): ReachabilityCheck[] {
    if (endpoints.length === 0) return [];
    const { alert, level } = reachabilityLevel(rb);
    return endpoints.map((endpoint) => ({
        key: `reachability-${endpointSlug(endpoint)}`,
        endpoint,
        url: publicUrl(endpoint),
        ...alarmTiming(level.for, STANDARD_RESOLUTION_SECONDS),
        alertId: alert.id,
        description:
            `${publicUrl(endpoint)} (${endpoint.subject}) is unreachable from outside: Route 53 checkers in ${CHECKER_REGIONS.join(", ")} fail HTTPS on it ` +
            `(${FAILURE_THRESHOLD} failures ${REQUEST_INTERVAL_SECONDS} s apart per checker) — DNS, the TLS handshake, the load balancer or the service (Route 53 does not judge the certificate's validity: the certificate alert does). ` +
            `Pages as ${alert.title} (critical): ${levelCondition(alert, level)}. Runbook ${rb.app}, ${level.source.seed} "${level.source.section}".`,
    }));
}

/**
 * What the reachability alarms page for, for the AMP routing (capabilities/alerting/routing.ts
 * `PagedByAlarm`): the runbook's service_down critical level of every published runbook service
 * (Grafana's host is no runbook service: nothing in AMP duplicates its check).
 */
export function reachabilityPages(rb: Runbook, endpoints: readonly PublicEndpoint[]): PagedByAlarm | undefined {
    const components = endpoints.map((e) => e.subject).filter((s) => rb.services.some((svc) => svc.name === s));
    if (components.length === 0) return undefined;
    return { alertId: reachabilityLevel(rb).alert.id, components };
}

/**
 * Why a stack cannot get its reachability alarms, if it cannot: they live in us-east-1 and notify
 * the stack's critical topic, which exists only in the stack's region.
 */
export function reachabilityRegionProblem(stack: string, region: string, checks: readonly ReachabilityCheck[]): string | undefined {
    if (checks.length === 0 || region === ROUTE53_METRICS_REGION) return undefined;
    return `${stack}: aws:region = "${region}": Route 53 publishes the health checks of ${checks.map((c) => c.endpoint.host).join(", ")} only in ${ROUTE53_METRICS_REGION}, where their alarms need a paging topic this target creates in the stack's region only; allowed: ${ROUTE53_METRICS_REGION}`;
}
