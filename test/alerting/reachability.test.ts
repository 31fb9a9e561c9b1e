import test from "ava";
import * as path from "path";
import YAML from "yaml";
import { APP_IDS, durationSeconds, getRunbook } from "../../runbooks";
import { publicEndpoints, reachabilityAlertName, reachabilityLevel, reachabilityRules, REACHABILITY_PROBE, type PublicEndpoint } from "../../capabilities/reachability";
import { reachabilityChecks, reachabilityPages, reachabilityRegionProblem } from "../../capabilities/aws/reachability";
import { ampAlertManagerConfig } from "../../capabilities/aws/alertmanager";
import { alertName, rulesFor } from "../../capabilities/alerting/rules";
import { receiverName } from "../../capabilities/alerting/routing";
import { removeTempDirs, tempDir, tool, write } from "./helpers";

/**
 * The outside reachability rules (Kubernetes) under promtool: a failed public host fires after the
 * runbook's service_down critical `for` and not a minute sooner, a probe that stops reporting
 * fires too, a healthy host does not; and the inputs they are built from refuse bad data.
 */

test.after.always(removeTempDirs);

/** Every app's runbook hosts, as a stack that publishes them would. */
const hostsOf = (app: (typeof APP_IDS)[number]) => Object.fromEntries(getRunbook(app).services.filter((s) => s.host).map((s) => [s.name, s.host!]));

test("a failed or silent public host pages after the runbook's service_down critical for, a healthy one never (promtool)", async (t) => {
    const dir = tempDir("reachability");
    let cases = 0;
    await Promise.all(
        APP_IDS.map(async (app) => {
            const rb = getRunbook(app);
            const endpoints = publicEndpoints(rb, hostsOf(app));
            if (endpoints.length === 0) return;
            const rules = reachabilityRules(rb, "staging", endpoints);
            const rulesFile = write(path.join(dir, app, "reachability.yml"), YAML.stringify(rules, { lineWidth: 0 }));
            const check = await tool("promtool", ["check", "rules", rulesFile]);
            t.is(check.code, 0, `${app}: ${check.stderr}${check.stdout}`);
            const forMinutes = Math.ceil(durationSeconds(reachabilityLevel(rb).level.for) / 60);
            const [down, silent, ...healthy] = endpoints;
            const series = (e: PublicEndpoint, values: string) => ({
                series: `probe_success{app="${app}", probe="${REACHABILITY_PROBE}", component="${e.subject}", host="${e.host}", instance="https://${e.host}${e.path}", job="${app}-reachability-${e.subject}"}`,
                values,
            });
            const start = 5;
            const end = start + forMinutes + 10;
            const labels = (e: PublicEndpoint) => ({ severity: "critical", app, env: "staging", probe: REACHABILITY_PROBE, component: e.subject, host: e.host });
            const alertname = reachabilityAlertName(app);
            // `down` fails from minute `start`; `silent` stops reporting then; the others answer throughout.
            const input = [
                series(down, `1x${start - 1} 0x${end - start + 1}`),
                // A target that stops reporting leaves a staleness marker, as Prometheus writes one when a scrape target disappears.
                ...(silent ? [series(silent, `1x${start - 1} stale _x${end - start}`)] : []),
                ...healthy.map((e) => series(e, `1x${end}`)),
            ];
            const expected = (at: number) => {
                const firing = at >= start + forMinutes ? [down, ...(silent ? [silent] : [])] : [];
                // The annotations are the rule's own text (no templates), so promtool compares them as written.
                const annotations = (e: PublicEndpoint) => rules.groups[0].rules.find((r) => r.labels.host === e.host)!.annotations;
                return firing.map((e) => ({ exp_labels: labels(e), exp_annotations: annotations(e) }));
            };
            const evals = [start - 1, start + forMinutes - 1, start + forMinutes, end];
            const testFile = write(
                path.join(dir, app, "reachability.test.yml"),
                YAML.stringify({
                    rule_files: ["reachability.yml"],
                    evaluation_interval: "1m",
                    tests: [{ interval: "1m", input_series: input, alert_rule_test: evals.map((m) => ({ eval_time: `${m}m`, alertname, exp_alerts: expected(m) })) }],
                }),
            );
            cases += evals.length;
            const run = await tool("promtool", ["test", "rules", testFile], path.join(dir, app));
            t.is(run.code, 0, `${app}: ${run.stdout}${run.stderr}`);
        }),
    );
    t.true(cases > 0, "no runbook names a public host");
});

test("public endpoints: the stack's hosts with their health paths, Grafana's where published; bad hosts are refused by name", (t) => {
    const rb = getRunbook("gravitypm");
    const hosts = hostsOf("gravitypm");
    const endpoints = publicEndpoints(rb, hosts, "grafana.example.com");
    t.deepEqual(
        endpoints.map((e) => e.host),
        [...Object.values(hosts), "grafana.example.com"],
    );
    for (const e of endpoints.filter((x) => x.subject !== "grafana")) t.is(e.path, rb.services.find((s) => s.name === e.subject)!.healthPath);
    t.throws(() => publicEndpoints(rb, { nosuch: "x.example.com" }), { message: /hosts\.nosuch = "x\.example\.com" names no runbook service; allowed: / });
    const [first] = Object.entries(hosts);
    t.throws(() => publicEndpoints(rb, { [first[0]]: first[1] }, first[1]), { message: /published twice/ });
    const noCritical = { ...rb, alerts: rb.alerts.map((a) => (a.signal === "service_down" ? { ...a, levels: a.levels.filter((l) => l.severity !== "critical") } : a)) };
    t.throws(() => reachabilityChecks(noCritical, endpoints), { message: /no critical level of a service_down alert/ });
    t.deepEqual(reachabilityChecks(noCritical, []), [], "no public host, nothing to check");
    // The alarms live in us-east-1 beside the paging topic: another region is refused by name until the target makes a topic there.
    const checks = reachabilityChecks(rb, endpoints);
    t.is(reachabilityRegionProblem("gravitypm-production", "us-east-1", checks), undefined);
    t.regex(reachabilityRegionProblem("gravitypm-production", "eu-west-1", checks) ?? "", /^gravitypm-production: aws:region = "eu-west-1": .*only in us-east-1.*; allowed: us-east-1$/);
    t.is(reachabilityRegionProblem("gravitypm-production", "eu-west-1", []), undefined, "no public host, no us-east-1 alarm");
});

test("one outage pages once on Kubernetes: while the service's own ServiceDown is pending or firing the public host's rule holds; a public failure alone pages (promtool)", async (t) => {
    const app = "gravitypm";
    const rb = getRunbook(app);
    const [endpoint] = publicEndpoints(rb, hostsOf(app));
    const { alert, level } = reachabilityLevel(rb);
    const serviceDown = rulesFor(rb, "staging", "kubernetes").groups.flatMap((g) => g.rules).filter((r) => r.labels.alert_id === alert.id && r.labels.severity === "critical");
    t.is(serviceDown.length, 1);
    const dir = tempDir("reachability-once");
    write(path.join(dir, "rules.yml"), YAML.stringify({ groups: [{ name: "service", rules: serviceDown }, ...reachabilityRules(rb, "staging", [endpoint]).groups] }, { lineWidth: 0 }));
    const forMinutes = Math.ceil(durationSeconds(level.for) / 60);
    const start = 5;
    const end = start + forMinutes + 5;
    const failing = `1x${start - 1} 0x${end - start + 1}`;
    const outside = { series: `probe_success{app="${app}", probe="${REACHABILITY_PROBE}", component="${endpoint.subject}", host="${endpoint.host}", instance="https://${endpoint.host}${endpoint.path}", job="outside"}`, values: failing };
    // The in-cluster health probe of each replica, as ServiceDown reads it.
    const health = (values: string) => [1, 2].map((r) => ({ series: `probe_success{app="${app}", probe="health", component="${endpoint.subject}", instance="replica-${r}", job="blackbox"}`, values }));
    const reachability = reachabilityAlertName(app);
    const checks = (firing: boolean) =>
        [start + forMinutes - 1, start + forMinutes, end].map((m) => ({
            eval_time: `${m}m`,
            alertname: reachability,
            exp_alerts:
                firing && m >= start + forMinutes
                    ? [{ exp_labels: { severity: "critical", app, env: "staging", probe: REACHABILITY_PROBE, component: endpoint.subject, host: endpoint.host }, exp_annotations: reachabilityRules(rb, "staging", [endpoint]).groups[0].rules[0].annotations }]
                    : [],
        }));
    const file = (name: string, healthValues: string, firing: boolean) =>
        write(path.join(dir, `${name}.test.yml`), YAML.stringify({ rule_files: ["rules.yml"], evaluation_interval: "1m", tests: [{ interval: "1m", input_series: [outside, ...health(healthValues)], alert_rule_test: checks(firing) }] }, { lineWidth: 0 }));
    const [both, alone] = await Promise.all([
        // The service is down: both probes fail at once; ServiceDown pages, the public host's rule stays quiet.
        tool("promtool", ["test", "rules", file("service-down", failing, false)], dir),
        // Only the public path fails (ingress, DNS, TLS): the service answers inside, the public host's rule pages.
        tool("promtool", ["test", "rules", file("public-only", `1x${end}`, true)], dir),
    ]);
    t.is(both.code, 0, `service down: ${both.stdout}${both.stderr}`);
    t.is(alone.code, 0, `public path only: ${alone.stdout}${alone.stderr}`);
});

test("one outage pages once on AWS: AMP routes the ServiceDown critical of a service the Route 53 alarm pages for to chat, and of other services to the pager (amtool)", async (t) => {
    const app = "gravitypm";
    const rb = getRunbook(app);
    const [endpoint] = publicEndpoints(rb, hostsOf(app));
    const paged = reachabilityPages(rb, [endpoint]);
    t.deepEqual(paged?.components, [endpoint.subject]);
    const topics = { critical: "arn:aws:sns:us-east-1:000000000000:c", warning: "arn:aws:sns:us-east-1:000000000000:w", info: "arn:aws:sns:us-east-1:000000000000:i", heartbeat: "arn:aws:sns:us-east-1:000000000000:h" };
    const dir = tempDir("reachability-amp");
    const config = write(path.join(dir, "am.yml"), YAML.stringify(ampAlertManagerConfig(rb, "us-east-1", topics, paged), { lineWidth: 0 }));
    const { alert } = reachabilityLevel(rb);
    const other = rb.services.find((s) => s.name !== endpoint.subject);
    if (!other) return t.fail(`${app} needs a second service`);
    const route = (component: string, receiver: string) =>
        tool("amtool", ["config", "routes", "test", `--config.file=${config}`, `--verify.receivers=${receiver}`, `alertname=${alertName(app, alert.id, "critical")}`, "severity=critical", `app=${app}`, "env=production", `alert_id=${alert.id}`, `component=${component}`]);
    const [published, unpublished, wrong] = await Promise.all([
        route(endpoint.subject, receiverName(app, "warning")),
        route(other.name, receiverName(app, "critical")),
        route(endpoint.subject, receiverName(app, "critical")),
    ]);
    t.is(published.code, 0, `the published service's ServiceDown goes to chat: ${published.stdout}${published.stderr}`);
    t.is(unpublished.code, 0, `an unpublished service's ServiceDown pages: ${unpublished.stdout}${unpublished.stderr}`);
    t.not(wrong.code, 0, "the harness fails a wrong receiver");
    // Without published services, nothing moves.
    t.is(reachabilityPages(rb, []), undefined);
});
