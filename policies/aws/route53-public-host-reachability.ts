import { finding, label, stackRule, type Finding, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, num } from "../lib/values";
import { isUnknown } from "../lib/inputs";
import { durationSeconds } from "../../runbooks";
import { DEFAULTS } from "../../runbooks/defaults";

const CERTIFICATE = "aws:acm/certificate:Certificate";
const HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

/** The hosts a stack serves publicly: its ACM certificates' names (the idle blue/green colour's `green.` test hosts aside). */
function publicHosts(resources: readonly Subject[]): string[] {
    const names = ofType(resources, CERTIFICATE).flatMap((c) => [c.props.domainName, ...asArray<unknown>(c.props.subjectAlternativeNames)]);
    return [...new Set(names.filter((n): n is string => typeof n === "string" && !n.startsWith("green.") && !n.startsWith("*.")))];
}

/** Route 53's request interval and failure threshold when a health check leaves them out. */
const ROUTE53_DEFAULTS = { requestInterval: 30, failureThreshold: 3 } as const;

/**
 * Ways a health check that exists still tells nothing about the host: switched off (Route 53
 * then reports it healthy), inverted (healthy while the host fails), pinned to one IP address
 * (not what the public's DNS answers), or so slow to call a failure that the alarm cannot fire
 * within the runbook's outage duration (plus Route 53's own default detection; see
 * DEFAULTS.reachabilityDetectionSeconds).
 */
function switchedOff(check: Subject, host: string, downFor: string | undefined, maxSeconds: number | undefined): Finding[] {
    const p = check.props;
    const why: string[] = [];
    if (p.disabled === true || p.disabled === "true") why.push("disabled is true: Route 53 stops checking and reports the host healthy whatever it does");
    if (p.invertHealthcheck === true || p.invertHealthcheck === "true") why.push("invertHealthcheck is true: the check is healthy while the host fails");
    if (typeof p.ipAddress === "string" && p.ipAddress.trim() !== "") why.push(`ipAddress is pinned to ${p.ipAddress}: it checks that one address, not the one the public's DNS answer for ${host} leads to`);
    const interval = num(p.requestInterval) ?? ROUTE53_DEFAULTS.requestInterval;
    const threshold = num(p.failureThreshold) ?? ROUTE53_DEFAULTS.failureThreshold;
    const allowed = maxSeconds === undefined ? undefined : Math.max(maxSeconds, DEFAULTS.reachabilityDetectionSeconds.value);
    if (allowed !== undefined && interval * threshold > allowed) {
        why.push(
            `failureThreshold ${threshold} × requestInterval ${interval}s = ${interval * threshold}s before a checker calls the host down, longer than ${allowed}s (the runbook's service_down critical ${downFor}, or the platform default ${DEFAULTS.reachabilityDetectionSeconds.value}s: ${DEFAULTS.reachabilityDetectionSeconds.reason})`,
        );
    }
    return why.map((w) => finding(`${label(check)} (${host}): ${w}`, { urn: check.urn, key: "alerts.service-down.critical" }));
}

/**
 * Every public host is checked from outside (a failed DNS name, certificate, load balancer or
 * service pages no one otherwise: the in-cluster and target-group health checks sit behind all of
 * them), and the check pages: a Route 53 HTTPS health check on port 443 per host, with a CloudWatch
 * alarm on its HealthCheckStatus that is switched on, notifies, treats missing data as breaching
 * and fires within the runbook's service_down critical duration.
 */
export const awsRoute53PublicHostReachability = stackRule({
    name: "aws-route53-public-host-reachability",
    description: "Every public host the stack's certificates name has a Route 53 HTTPS health check with a switched-on, notifying CloudWatch alarm that treats missing data as breaching and fires within the runbook's service_down critical duration; the health check is enabled, not inverted, not pinned to one IP address, and calls a failure within that duration.",
    tier: "runbook",
    target: "aws",
    remediationSteps: "Create one aws.route53.HealthCheck (type HTTPS, port 443, the service's health path) per public host and an alarm on AWS/Route53 HealthCheckStatus (Minimum < 1, treatMissingData breaching) whose alarmActions reach the critical topic (components/targets/aws/monitoring.ts).",
    notApplicable: (resources, ctx) => absentTarget(resources, "aws") ?? (publicHosts(resources).length ? undefined : `${ctx.app} serves no public host on AWS`),
    check: (resources, ctx) => {
        const out: Finding[] = [];
        const down = ctx.runbook.alerts.find((a) => a.signal === "service_down")?.levels.find((l) => l.severity === "critical");
        const maxSeconds = down ? Math.max(60, durationSeconds(down.for)) : undefined;
        const checks = ofType(resources, HEALTH_CHECK);
        const alarms = ofType(resources, ALARM).filter((a) => a.props.namespace === "AWS/Route53" && a.props.metricName === "HealthCheckStatus");
        for (const host of publicHosts(resources)) {
            const check = checks.find((c) => c.props.fqdn === host);
            if (!check) {
                out.push(finding(`public host ${host} has no Route 53 health check: a failure at DNS, TLS or the load balancer pages no one`, { key: "alerts.service-down.critical" }));
                continue;
            }
            if (!["HTTPS", "HTTPS_STR_MATCH"].includes(String(check.props.type)) || (num(check.props.port) ?? 443) !== 443) {
                out.push(finding(`${label(check)} checks ${check.props.type} on port ${check.props.port}, not HTTPS on 443 as the public reaches ${host}`, { urn: check.urn }));
            }
            out.push(...switchedOff(check, host, down?.for, maxSeconds));
            const mine = alarms.filter((a) => (a.dependencies ?? []).includes(check.urn));
            if (mine.length === 0) {
                out.push(finding(`${label(check)} (${host}) has no CloudWatch alarm on its HealthCheckStatus: a failed check pages no one`, { urn: check.urn, key: "alerts.service-down.critical" }));
                continue;
            }
            const problems = (a: Subject): string[] => {
                const p = a.props;
                const why: string[] = [];
                if (p.actionsEnabled === false || p.actionsEnabled === "false") why.push("actionsEnabled is false");
                if (!isUnknown(p.alarmActions) && asArray(p.alarmActions).length === 0) why.push("it has no alarmActions");
                if (p.treatMissingData !== "breaching") why.push(`treatMissingData is ${p.treatMissingData ?? "missing (CloudWatch treats it as missing: no alarm)"}, not breaching`);
                const period = num(p.period) ?? 60;
                const points = num(p.evaluationPeriods) ?? 1;
                if (maxSeconds !== undefined && period * points > maxSeconds) why.push(`it waits ${period * points}s, longer than the runbook's service_down critical ${down!.for}`);
                return why;
            };
            if (!mine.some((a) => problems(a).length === 0)) {
                for (const a of mine) out.push(finding(`${label(a)} watches ${host} but ${problems(a).join("; ")}`, { urn: a.urn, key: "alerts.service-down.critical" }));
            }
        }
        return out;
    },
});
