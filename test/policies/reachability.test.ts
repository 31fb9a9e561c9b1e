import test from "ava";
import { compliantAndBroken, find, type Fake } from "./helpers";

/** aws-route53-public-host-reachability (review finding: deleting or silencing the outside checks passed the pack). */

const HOSTS = ["api.bunty.io", "bunty.io"];

function fixture(): Fake[] {
    return [
        { type: "aws:acm/certificate:Certificate", name: "cert", props: { domainName: HOSTS[0], subjectAlternativeNames: [HOSTS[1], "green.api.bunty.io"] } },
        ...HOSTS.flatMap((host): Fake[] => [
            { type: "aws:route53/healthCheck:HealthCheck", name: `hc-${host}`, props: { fqdn: host, type: "HTTPS", port: 443, resourcePath: "/health", requestInterval: 30, failureThreshold: 3 } },
            {
                type: "aws:cloudwatch/metricAlarm:MetricAlarm",
                name: `alarm-${host}`,
                props: { namespace: "AWS/Route53", metricName: "HealthCheckStatus", comparisonOperator: "LessThanThreshold", threshold: 1, period: 60, evaluationPeriods: 1, treatMissingData: "breaching", alarmActions: ["arn:aws:sns:us-east-1:123456789012:bunty-production-critical"] },
                dependsOn: [`hc-${host}`],
            },
        ]),
    ];
}

test("aws-route53-public-host-reachability: every public host checked from outside, and the check pages", async (t) => {
    await compliantAndBroken(t, "aws-route53-public-host-reachability", "bunty-production", fixture, {
        "a host's health check deleted": { edit: (rs) => rs.splice(rs.indexOf(find(rs, "hc-bunty.io")), 2), expect: /public host bunty\.io has no Route 53 health check/ },
        "its alarm deleted": { edit: (rs) => rs.splice(rs.indexOf(find(rs, "alarm-bunty.io")), 1), expect: /\(bunty\.io\) has no CloudWatch alarm on its HealthCheckStatus/ },
        "the alarm switched off": { edit: (rs) => (find(rs, "alarm-api.bunty.io").props.actionsEnabled = false), expect: /watches api\.bunty\.io but actionsEnabled is false/ },
        "the alarm notifies no one": { edit: (rs) => (find(rs, "alarm-api.bunty.io").props.alarmActions = []), expect: /watches api\.bunty\.io but it has no alarmActions/ },
        "missing data not breaching": { edit: (rs) => (find(rs, "alarm-api.bunty.io").props.treatMissingData = "notBreaching"), expect: /treatMissingData is notBreaching, not breaching/ },
        "a day of evaluation periods": { edit: (rs) => (find(rs, "alarm-api.bunty.io").props.evaluationPeriods = 1440), expect: /waits 86400s, longer than the runbook's service_down critical/ },
        "the health check disabled": { edit: (rs) => (find(rs, "hc-api.bunty.io").props.disabled = true), expect: /\(api\.bunty\.io\): disabled is true: Route 53 stops checking/ },
        "the health check inverted": { edit: (rs) => (find(rs, "hc-bunty.io").props.invertHealthcheck = true), expect: /\(bunty\.io\): invertHealthcheck is true/ },
        "the health check pinned to one address": { edit: (rs) => (find(rs, "hc-api.bunty.io").props.ipAddress = "192.0.2.10"), expect: /ipAddress is pinned to 192\.0\.2\.10/ },
        "ten failures before a checker calls it down": {
            edit: (rs) => (find(rs, "hc-api.bunty.io").props.failureThreshold = 10),
            expect: /failureThreshold 10 × requestInterval 30s = 300s before a checker calls the host down, longer than 90s/,
        },
        "plain HTTP on port 80": { edit: (rs) => Object.assign(find(rs, "hc-api.bunty.io").props, { type: "HTTP", port: 80 }), expect: /checks HTTP on port 80, not HTTPS on 443/ },
    });
});
