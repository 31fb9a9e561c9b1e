import test from "ava";
import { getRunbook } from "../../runbooks";
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

/** k8s-public-host-reachability: the blackbox Probes and rule of each Ingress host (review: deleting or silencing them passed). */

const GRAVITY = getRunbook("gravitypm");
const down = GRAVITY.alerts.find((a) => a.signal === "service_down")!;
const critical = down.levels.find((l) => l.severity === "critical")!;
const K8S_HOSTS = GRAVITY.services.filter((s) => s.host).map((s) => ({ service: s.name, host: `staging.${s.host}`, path: s.healthPath }));

function k8sFixture(): Fake[] {
    const sel = (h: (typeof K8S_HOSTS)[number]) => `app="gravitypm", probe="reachability", component="${h.service}", host="${h.host}"`;
    return [
        ...K8S_HOSTS.map((h): Fake => ({ type: "kubernetes:networking.k8s.io/v1:Ingress", name: `${h.service}-ingress`, props: { spec: { rules: [{ host: h.host }], tls: [{ hosts: [h.host] }] } } })),
        ...K8S_HOSTS.map(
            (h): Fake => ({
                type: "kubernetes:monitoring.coreos.com/v1:Probe",
                name: `probe-${h.service}`,
                props: { spec: { interval: "15s", module: "http_2xx", prober: { url: "blackbox:9115" }, targets: { staticConfig: { static: [`https://${h.host}${h.path}`], labels: { app: "gravitypm", component: h.service, host: h.host, probe: "reachability" } } } } },
            }),
        ),
        {
            type: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
            name: "reachability-rules",
            props: {
                spec: {
                    groups: [
                        {
                            name: "reachability",
                            rules: K8S_HOSTS.map((h) => ({ alert: "Unreachable", expr: `(max(probe_success{${sel(h)}}) < 1) or absent(probe_success{${sel(h)}})`, for: critical.for, labels: { severity: "critical", host: h.host } })),
                        },
                    ],
                },
            },
        },
    ];
}

test("k8s-public-host-reachability: every Ingress host probed from outside, and the probe pages", async (t) => {
    t.true(K8S_HOSTS.length > 1, "gravitypm publishes several hosts");
    const [first, second] = K8S_HOSTS;
    const rules = (rs: Fake[]) => find(rs, "reachability-rules").props.spec.groups[0].rules as { expr: string; for: string; labels: Record<string, string> }[];
    await compliantAndBroken(t, "k8s-public-host-reachability", "gravitypm-staging", k8sFixture, {
        "a host's Probe deleted": { edit: (rs) => rs.splice(rs.indexOf(find(rs, `probe-${second.service}`)), 1), expect: new RegExp(`public host ${second.host.replace(/\./g, "\\.")} has no blackbox Probe.*alerts.${down.id}.critical`) },
        "a host's rule deleted": { edit: (rs) => rules(rs).splice(1, 1), expect: new RegExp(`checks ${second.host.replace(/\./g, "\\.")} but no alerting rule reads its probe_success series`) },
        "the rule made a warning": { edit: (rs) => (rules(rs)[0].labels.severity = "warning"), expect: /severity warning, not critical/ },
        "the rule ignores a missing series": { edit: (rs) => (rules(rs)[0].expr = rules(rs)[0].expr.replace(/ or absent\(.*$/, "")), expect: /does not fire when the probe's series is missing/ },
        "the rule waits an hour": { edit: (rs) => (rules(rs)[0].for = "1h"), expect: new RegExp(`waits 3600s, longer than ${critical.for}`) },
        "the rule narrowed to another host": { edit: (rs) => (rules(rs)[0].expr = rules(rs)[0].expr.split(first.host).join("elsewhere.example")), expect: new RegExp(`checks ${first.host.replace(/\./g, "\\.")} but no alerting rule reads`) },
        "the probe made a TCP check": { edit: (rs) => (find(rs, `probe-${first.service}`).props.spec.module = "tcp_connect"), expect: /its module is tcp_connect, not an HTTP check/ },
        "the probe made hourly": { edit: (rs) => (find(rs, `probe-${first.service}`).props.spec.interval = "1h"), expect: /it probes every 1h, rarer than/ },
    });
});
