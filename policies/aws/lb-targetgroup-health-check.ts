import { TARGET_HEALTH, targetHealthPath } from "../../capabilities/aws/target-health";
import { GRAFANA_HEALTH_PATH } from "../../capabilities/dashboards";
import { cite, finding, label, resourceRule, type Finding } from "../lib/policy";
import { isRecord, num } from "../lib/values";
import { serviceOf } from "../lib/workloads";

/** Elastic Load Balancing's health check settings where a target group sets none (HTTP target groups of an ALB). */
const ALB_DEFAULTS = { interval: 30, unhealthyThreshold: 2, matcher: "200" } as const;

/** The HTTP codes a matcher (`200`, `200,202`, `200-299`) accepts as healthy; undefined when unreadable. */
function matcherCodes(matcher: string): [number, number][] | undefined {
    const ranges = matcher.split(",").map((part) => /^\s*(\d{3})(?:\s*-\s*(\d{3}))?\s*$/.exec(part));
    if (ranges.some((m) => !m)) return undefined;
    return ranges.map((m) => [Number(m![1]), Number(m![2] ?? m![1])]);
}

const detection = (interval: number, unhealthy: number) => interval * unhealthy;

/**
 * An ALB target group's health check decides which tasks get traffic: it asks the runbook
 * service's readiness (else health) path — Grafana's its own — takes only the platform's healthy
 * codes, is enabled, and takes a failing target out no slower than the platform's cadence. A check
 * on `/`, accepting 4xx, disabled, or 300 s × 10 keeps sending users to tasks that cannot answer.
 */
export const awsLbTargetGroupHealthCheck = resourceRule({
    name: "aws-lb-targetgroup-health-check",
    description: "Every ALB target group's health check is enabled over HTTP on the runbook service's readiness or health path (Grafana's own), accepts only the platform's healthy codes, and takes an unhealthy target out no slower than the platform's interval × unhealthy threshold.",
    tier: "runbook",
    target: "aws",
    types: ["aws:lb/targetGroup:TargetGroup"],
    remediationSteps: "Keep the health check components/targets/aws/ingress.ts builds: enabled, path targetHealthPath(service), TARGET_HEALTH's matcher, interval and unhealthyThreshold.",
    check: (s, ctx) => {
        const out: Finding[] = [];
        const hc = isRecord(s.props.healthCheck) ? s.props.healthCheck : {};
        const svc = serviceOf(ctx.runbook, String(s.props.name ?? ""), s.name);
        const grafana = !svc && /(^|-)grafana(-|$)/.test(`${s.props.name ?? ""} ${s.name}`.replace(/\s/g, "-"));
        const key = svc ? `services.${svc.name}.${svc.readinessPath ? "readinessPath" : "healthPath"}` : undefined;
        const at = `${label(s)} healthCheck`;
        const whose = svc ? `${svc.name}'s` : grafana ? "Grafana's" : "its service's";
        if (hc.enabled === false) out.push(finding(`${at}.enabled is false: the load balancer sends traffic to every registered target, answering or not; the platform checks ${whose} health on every target group`, { urn: s.urn, key }));
        if (hc.protocol !== undefined && !["HTTP", "HTTPS"].includes(String(hc.protocol).toUpperCase())) {
            out.push(finding(`${at}.protocol is ${JSON.stringify(hc.protocol)}: a ${hc.protocol} check sees an open port, not ${whose} health answer; the platform checks over HTTP`, { urn: s.urn, key }));
        }
        const want = svc ? targetHealthPath(svc) : grafana ? GRAFANA_HEALTH_PATH : undefined;
        if (want !== undefined && hc.path !== want) {
            const from = svc ? `the runbook's ${svc.readinessPath ? "readiness" : "health"} path for ${svc.name} ${cite(svc.source)}` : "Grafana's health endpoint";
            out.push(finding(`${at}.path is ${JSON.stringify(hc.path ?? null)}, not ${want}, ${from}: a target answering there may still be unable to serve`, { urn: s.urn, key }));
        }
        const allowed = matcherCodes(TARGET_HEALTH.matcher)!;
        const matcher = String(hc.matcher ?? ALB_DEFAULTS.matcher);
        const codes = matcherCodes(matcher);
        if (!codes || !codes.every(([lo, hi]) => allowed.some(([a, b]) => a <= lo && hi <= b))) {
            out.push(finding(`${at}.matcher is ${JSON.stringify(matcher)}: it counts answers outside ${TARGET_HEALTH.matcher} (the platform's healthy codes: a redirect or a client error is no health answer) as healthy`, { urn: s.urn, key }));
        }
        const interval = num(hc.interval) ?? ALB_DEFAULTS.interval;
        const unhealthy = num(hc.unhealthyThreshold) ?? ALB_DEFAULTS.unhealthyThreshold;
        const most = detection(TARGET_HEALTH.interval, TARGET_HEALTH.unhealthyThreshold);
        if (detection(interval, unhealthy) > most) {
            out.push(finding(`${at}: interval ${interval}s × unhealthyThreshold ${unhealthy} keeps a failing target in service for ${detection(interval, unhealthy)}s, longer than the platform's ${most}s (${TARGET_HEALTH.interval}s × ${TARGET_HEALTH.unhealthyThreshold})`, { urn: s.urn, key }));
        }
        return out;
    },
});
