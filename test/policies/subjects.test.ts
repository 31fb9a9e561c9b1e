import test from "ava";
import YAML from "yaml";
import { getRunbook, type Alert, type Runbook } from "../../runbooks";
import { ruleSelects, ruleSubjects, selectors } from "../../policies/lib/subjects";
import { metricsRead } from "../../policies/lib/scraped";
import { ruleGroups, type RuleShape } from "./fixtures";
import { narrow } from "./mutation-subjects";
import { check, type Fake } from "./helpers";

/**
 * Coverage per subject (issue 13, class 1): a level counts as covered only where each component,
 * dataset, consumer group and topic the runbook alert applies to is selected by a rule of that
 * level. The fixtures name the subjects from the runbook data; the breaks narrow one rule.
 */

const PFM = "pfm-community";
const pfm = getRunbook(PFM);
/** Every service: the subjects of pfm-community's service-down alert (backend|admin-portal|member-portal). */
const services = pfm.services.map((s) => s.name);
/** The services with a metrics endpoint: the subjects of its HTTP alerts. */
const metricServices = pfm.services.filter((s) => s.metricsPath).map((s) => s.name);
const datasets = pfm.backups.map((b) => (b.tier ? `${b.dataset}-${b.tier}` : b.dataset));

/**
 * The platform's rules (the fixture's generated expressions, which select every subject) with the
 * service-down rules narrowed to `components` and the backup rules to `backups`: each subject left
 * out is dropped from its matcher (mutation-subjects narrow).
 */
function scoped(rb: Runbook, components: readonly string[], backups: readonly string[]) {
    return (a: Alert, _l: unknown, r: RuleShape): RuleShape => {
        const keep = a.signal === "backup_age" ? backups : a.signal === "service_down" ? components : undefined;
        if (!keep) return r;
        const label = a.signal === "backup_age" ? "dataset" : "component";
        const left = ruleSubjects(rb, a).filter((s) => s.label === label && !keep.includes(s.value));
        return { ...r, expr: left.reduce((e, s) => narrow(e, s), r.expr) };
    };
}

const targets: { stack: string; policy: string; resources: (rules: object) => Fake[] }[] = [
    {
        stack: `${PFM}-local`,
        policy: "docker-prometheus-rules-runbook-alerts",
        resources: (rules) => [{ type: "docker:index/container:Container", name: "prometheus", props: { image: "prom/prometheus:v2.54.1", uploads: [{ file: "/etc/prometheus/rules.yml", content: YAML.stringify(rules) }] } }],
    },
    {
        stack: `${PFM}-staging`,
        policy: "k8s-prometheusrule-runbook-alerts",
        resources: (rules) => [{ type: "kubernetes:monitoring.coreos.com/v1:PrometheusRule", name: "rules", props: { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: "rules" }, spec: rules } }],
    },
];

for (const { stack, policy, resources } of targets) {
    test(`${policy}: each component and dataset has its own rule`, async (t) => {
        t.true(services.length > 1 && datasets.length > 1, "pfm-community's service-down alert and backups have several subjects");
        const ok = await check(policy, stack, resources(ruleGroups(pfm, { tweak: scoped(pfm, services, datasets) })));
        t.deepEqual(ok.messages, []);
        const down = pfm.alerts.find((a) => a.signal === "service_down")!;
        const narrowed = await check(policy, stack, resources(ruleGroups(pfm, { tweak: scoped(pfm, services.slice(0, 1), datasets) })));
        for (const left of services.slice(1)) {
            t.true(
                narrowed.messages.some((m) => m.includes(`selects component="${left}"`) && m.includes(`[runbook key: alerts.${down.id}.`)),
                `narrowing to ${services[0]} leaves ${left} out:\n${narrowed.messages.join("\n")}`,
            );
        }
        const oneDataset = await check(policy, stack, resources(ruleGroups(pfm, { tweak: scoped(pfm, services, datasets.slice(1)) })));
        t.true(oneDataset.messages.some((m) => m.includes(`selects dataset="${datasets[0]}"`)), oneDataset.messages.join("\n"));
    });
}

test("ruleSubjects: components, consumer groups and topics from the runbook data; datasets in any `or` branch", (t) => {
    const http = pfm.alerts.find((a) => a.signal === "http_error_rate")!;
    t.deepEqual(
        ruleSubjects(pfm, http).filter((s) => s.label === "component").map((s) => s.value),
        metricServices,
    );
    const pfh = getRunbook("personal-finance-hub");
    const lag = ruleSubjects(pfh, pfh.alerts.find((a) => a.signal === "kafka_consumer_lag")!);
    t.deepEqual(lag.filter((s) => s.label === "topic").map((s) => s.value), pfh.data.kafka!.topics.map((x) => x.name));
    t.deepEqual(lag.filter((s) => s.label === "consumergroup").map((s) => s.value), pfh.data.kafka!.consumerGroups);
    const backup = ruleSubjects(pfm, pfm.alerts.find((a) => a.signal === "backup_age")!);
    t.deepEqual(backup.filter((s) => s.label === "dataset").map((s) => [s.value, s.mode]), datasets.map((d) => [d, "any"]));
});

test("ruleSelects: a narrowed, negated or escaped matcher", (t) => {
    const c = (value: string) => ({ label: "component", value, mode: "all" as const });
    const expr = 'sum by (app) (rate(x{app="a", component=~"backend|admin-portal"}[1m])) / sum(rate(y{app="a", component=~"backend|admin-portal"}[1m])) > 5';
    t.true(ruleSelects(expr, c("admin-portal")));
    t.false(ruleSelects(expr, c("member-portal")));
    t.false(ruleSelects(expr.replace('component=~"backend|admin-portal"}[1m])) /', 'component="backend"}[1m])) /'), c("admin-portal")), "one selector narrowed narrows the ratio");
    t.false(ruleSelects('x{component!="backend"} > 1', c("backend")));
    t.true(ruleSelects('x{app="a"} > 1', c("backend")), "no matcher: every component");
    t.true(ruleSelects('x{topic=~"personal_finance\\\\.transactions\\\\.v1"} > 1', { label: "topic", value: "personal_finance.transactions.v1", mode: "all" }));
    const d = (value: string) => ({ label: "dataset", value, mode: "any" as const });
    const backups = '((time() - max(t{dataset=~"postgres|redis"})) / 86400 or (time() - max(t{dataset="files"})) / 604800) > 1.5';
    t.true(ruleSelects(backups, d("files")) && ruleSelects(backups, d("redis")));
    t.false(ruleSelects(backups, d("mongodb")));
    t.deepEqual(selectors('a{x="1", y=~"b|c"} + b{z!~"q\\"}"}'), [
        [{ label: "x", op: "=", value: "1" }, { label: "y", op: "=~", value: "b|c" }],
        [{ label: "z", op: "!~", value: 'q"}' }],
    ]);
});

test("metricsRead: metric names, not functions, aggregations, label lists, strings or numbers", (t) => {
    t.deepEqual(
        metricsRead('100 * max by (app, component) (container_memory_working_set_bytes{app="a"} / (container_spec_memory_limit_bytes{app="a"} > 0)) > 1e6 and on (app) up offset 5m'),
        ["container_memory_working_set_bytes", "container_spec_memory_limit_bytes", "up"],
    );
    t.deepEqual(metricsRead('label_replace(rate(m_a{x="y"}[1m]), "mode", "r", "", "") or vector(1)'), ["m_a"]);
    t.deepEqual(metricsRead("histogram_quantile(0.95, sum by (le) (rate(h_bucket[5m])))"), ["h_bucket"]);
});
