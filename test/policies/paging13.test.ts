import test from "ava";
import YAML from "yaml";
import { getRunbook } from "../../runbooks";
import { rulesFor } from "../../capabilities/alerting/rules";
import { kubePrometheusStackValues, ALERTMANAGER_CONFIG_KEY } from "../../capabilities/kubernetes/monitoring";
import { names } from "../../capabilities/kubernetes/names";
import { PROMETHEUS_CONFIG_PATH, prometheusYaml } from "../../capabilities/docker/prometheus";
import { parseMatchers, routeMatches } from "../../policies/lib/alertmanager";
import { generatedConfig } from "../../policies/lib/receivers";
import { generatedPlatformRules } from "../../policies/lib/platform-rules";
import { runPolicies } from "../../policies/offline";
import type { RunbookPolicy } from "../../policies/lib/policy";
import { planStack } from "../../cli/harness/runtime";
import { policies } from "../../policies/pack";
import { check, compliantAndBroken, fakePlan, find, policyNamed, type Fake } from "./helpers";
import { paging13Mutations, paging13Tightenings } from "./mutation-paging13";

/**
 * Fix 13, paging: the alert path in kube-prometheus-stack's values, Alertmanager's `global`, the
 * labels Prometheus adds, the pager's grouping, the platform's absence and default rules, the
 * local prometheus.yml, and a policy that throws. Compliant fixtures are what capabilities/
 * generates, broken one field at a time; tightenings pass.
 */

const APP = "bunty";
const rb = getRunbook(APP);
const n = names(APP, APP);
const STAGING = `${APP}-staging`;

// ---- Alertmanager matchers, as Alertmanager parses them ----
test("parseMatchers: comma lists, braces, quoted commas and escapes; what Alertmanager refuses is undefined", (t) => {
    t.deepEqual(parseMatchers('severity="critical",team="x"'), [
        { name: "severity", op: "=", value: "critical" },
        { name: "team", op: "=", value: "x" },
    ]);
    t.deepEqual(parseMatchers('{a=~"b|c", d!="e,f"}'), [
        { name: "a", op: "=~", value: "b|c" },
        { name: "d", op: "!=", value: "e,f" },
    ]);
    t.deepEqual(parseMatchers('msg="say \\"hi\\""'), [{ name: "msg", op: "=", value: 'say "hi"' }]);
    t.deepEqual(parseMatchers("env=staging"), [{ name: "env", op: "=", value: "staging" }]);
    t.is(parseMatchers('a="unclosed'), undefined);
    t.is(parseMatchers("=x"), undefined);
    t.true(routeMatches({ matchers: ['severity="critical",team="x"'] }, { severity: "critical", team: "x" }));
    t.false(routeMatches({ matchers: ['severity="critical",team="x"'] }, { severity: "critical" }));
    t.false(routeMatches({ matchers: ['a=~"("'] }, { a: "(" }), "an invalid regex matches nothing (Alertmanager refuses it)");
});

// ---- a policy that throws ----
test("a policy that throws is a mandatory finding of the stack naming it; the other policies still run", async (t) => {
    const boom: RunbookPolicy = { name: "boom", description: "throws", enforcementLevel: "advisory", validateStack: () => { throw new Error("unquote() exploded"); } };
    const plan = fakePlan(STAGING, [{ type: "kubernetes:core/v1:Secret", name: "s", props: { metadata: { name: "s" } } }]);
    const report = await runPolicies(plan, { policies: [boom, policyNamed("platform-no-literal-secrets")], exceptions: [] });
    t.is(report.outcomes.length, 2);
    const v = report.violations.filter((x) => x.policy === "boom");
    t.is(v.length, 1);
    t.is(v[0].level, "mandatory");
    t.regex(v[0].message, /^policy boom failed and checked nothing: unquote\(\) exploded/);
    t.is(report.outcomes[1].name, "platform-no-literal-secrets");
});

// ---- kube-prometheus-stack values on the alert path ----
const NS = n.monitoring;
function kps(): Fake[] {
    const values = structuredClone(kubePrometheusStackValues(rb, n, "staging")) as Record<string, any>;
    return [
        { type: "kubernetes:core/v1:Namespace", name: "ns", props: { metadata: { name: NS } } },
        { type: "kubernetes:core/v1:Secret", name: "am-config", props: { metadata: { name: values.alertmanager.alertmanagerSpec.configSecret, namespace: NS }, stringData: { [ALERTMANAGER_CONFIG_KEY]: YAML.stringify(generatedConfig(rb, "direct")) } } },
        { type: "kubernetes:helm.sh/v3:Release", name: "kps", props: { chart: "kube-prometheus-stack", name: "kps", namespace: NS, version: "65.1.1", values } },
    ];
}
const spec = (rs: Fake[]) => find(rs, "kps").props.values.prometheus.prometheusSpec;
const amOf = (rs: Fake[]) => YAML.parse(find(rs, "am-config").props.stringData[ALERTMANAGER_CONFIG_KEY]);
const setAm = (rs: Fake[], f: (c: Record<string, any>) => void) => {
    const c = amOf(rs);
    f(c);
    find(rs, "am-config").props.stringData[ALERTMANAGER_CONFIG_KEY] = YAML.stringify(c);
};
const pagerRoute = (c: Record<string, any>) => c.route.routes.find((r: Record<string, any>) => JSON.stringify(r.matchers).includes("critical"));

test("k8s-alerting-pipeline-enabled: the alert path, cadence and history held to kubePrometheusStackValues", async (t) => {
    const gen = (kubePrometheusStackValues(rb, n, "staging") as Record<string, any>).prometheus.prometheusSpec;
    await compliantAndBroken(t, "k8s-alerting-pipeline-enabled", STAGING, kps, {
        "critical alerts dropped": { edit: (rs) => (spec(rs).additionalAlertRelabelConfigs = [{ sourceLabels: ["severity"], regex: "critical", action: "drop" }]), expect: /additionalAlertRelabelConfigs is .*"drop".*the platform sets none/ },
        "another Alertmanager": { edit: (rs) => (spec(rs).alertingEndpoints = [{ name: "elsewhere", namespace: "x", port: "web" }]), expect: /alertingEndpoints is .*elsewhere/ },
        "a label every alert carries": { edit: (rs) => (spec(rs).externalLabels = { severity: "info" }), expect: /externalLabels is \{"severity":"info"\}/ },
        "AlertmanagerConfig objects merged": { edit: (rs) => (find(rs, "kps").props.values.alertmanager.alertmanagerSpec.alertmanagerConfigSelector = { matchLabels: { any: "x" } }), expect: /alertmanagerConfigSelector is/ },
        "scraped every 10 minutes": { edit: (rs) => (spec(rs).scrapeInterval = "10m"), expect: new RegExp(`scrapeInterval is "10m", looser than the generated ${gen.scrapeInterval}`) },
        "scrape interval left to the chart": { edit: (rs) => delete spec(rs).scrapeInterval, expect: /scrapeInterval is "30s", looser/ },
        "two hours of history": { edit: (rs) => (spec(rs).retention = "2h"), expect: new RegExp(`retention is "2h", shorter than the generated ${gen.retention}`) },
        "a smaller size budget": { edit: (rs) => (spec(rs).retentionSize = "1GB"), expect: new RegExp(`retentionSize is "1GB", below the generated ${gen.retentionSize}`) },
    });
});

test("k8s-alerting-pipeline-enabled: tightening passes (longer history, faster scrape and evaluation, a bigger size budget)", async (t) => {
    const rs = kps();
    Object.assign(spec(rs), { retention: "400d", retentionSize: "900GB", scrapeInterval: "10s", evaluationInterval: "10s" });
    t.deepEqual((await check("k8s-alerting-pipeline-enabled", STAGING, rs)).messages, []);
});

// ---- Alertmanager: global, external labels, grouping ----
test("k8s-alertmanager-critical-paging: global as generated, routes seen with Prometheus's labels, the pager groups as generated", async (t) => {
    await compliantAndBroken(t, "k8s-alertmanager-critical-paging", STAGING, kps, {
        "global pagerduty_url elsewhere": { edit: (rs) => setAm(rs, (c) => (c.global.pagerduty_url = "https://events.example.invalid/v2/enqueue")), expect: /global: pagerduty_url "https:\/\/events\.example\.invalid\/v2\/enqueue" is set/ },
        "global proxy": { edit: (rs) => setAm(rs, (c) => (c.global.http_config = { proxy_url: "http://127.0.0.1:9" })), expect: /global: http_config \{"proxy_url":"http:\/\/127\.0\.0\.1:9"\} is set/ },
        "global resolve_timeout": { edit: (rs) => setAm(rs, (c) => (c.global.resolve_timeout = "1m")), expect: /global: resolve_timeout is "1m", not the generated "5m"/ },
        "a route on the operator's prometheus label": { edit: (rs) => setAm(rs, (c) => c.route.routes.unshift({ matchers: ['prometheus=~".+"'], receiver: c.route.receiver })), expect: /routes critical alert .* none of which pages a person/ },
        "a route on the replica label": { edit: (rs) => setAm(rs, (c) => c.route.routes.unshift({ matchers: [`prometheus_replica="prometheus-${n.releases.kubePrometheusStack}-prometheus-0"`], receiver: c.route.receiver })), expect: /routes critical alert .* none of which pages a person/ },
        "a route on an external label": {
            edit: (rs) => {
                spec(rs).externalLabels = { cluster: "c1" };
                setAm(rs, (c) => c.route.routes.unshift({ matchers: ['cluster="c1"'], receiver: c.route.receiver }));
            },
            expect: /routes critical alert .* none of which pages a person/,
        },
        "pager grouped by severity": { edit: (rs) => setAm(rs, (c) => (pagerRoute(c).group_by = ["severity"])), expect: /group_by \["severity"\] leaves out alertname/ },
        "root grouping removed": { edit: (rs) => setAm(rs, (c) => delete c.route.group_by), expect: /group_by unset .* leaves out alertname/ },
        "a comma-separated critical matcher that also needs a team": { edit: (rs) => setAm(rs, (c) => (pagerRoute(c).matchers = ['severity="critical",team="nobody"'])), expect: /routes critical alert .* none of which pages a person/ },
    });
});

test("k8s-alertmanager-critical-paging: tightening passes (grouped also by instance, or not at all; PagerDuty's own URL spelled out)", async (t) => {
    for (const edit of [(c: Record<string, any>) => (pagerRoute(c).group_by = [...c.route.group_by, "instance"]), (c: Record<string, any>) => (pagerRoute(c).group_by = ["..."]), (c: Record<string, any>) => (c.global.pagerduty_url = "https://events.pagerduty.com/v2/enqueue")]) {
        const rs = kps();
        setAm(rs, edit);
        t.deepEqual((await check("k8s-alertmanager-critical-paging", STAGING, rs)).messages, []);
    }
});

// ---- absence and platform-default rules ----
const ruleFixture = (env: "staging" | "production"): Fake[] => {
    const file = structuredClone(rulesFor(rb, env, env === "staging" ? "kubernetes" : "aws")) as Record<string, any>;
    return env === "staging"
        ? [{ type: "kubernetes:monitoring.coreos.com/v1:PrometheusRule", name: "rules", props: { metadata: { name: `${APP}-rules`, namespace: NS }, spec: file } }]
        : [{ type: "aws:amp/ruleGroupNamespace:RuleGroupNamespace", name: "rules", props: { name: `${APP}-rules`, workspaceId: "ws", data: YAML.stringify(file) } }];
};
const editRules = (rs: Fake[], f: (r: Record<string, any>) => void) => {
    const p = rs[0].props;
    const file = p.spec ?? YAML.parse(p.data);
    for (const g of file.groups) for (const r of g.rules) f(r);
    if (!p.spec) p.data = YAML.stringify(file);
};
const dropRule = (rs: Fake[], name: string) => {
    const p = rs[0].props;
    const file = p.spec ?? YAML.parse(p.data);
    for (const g of file.groups) g.rules = g.rules.filter((r: Record<string, any>) => r.alert !== name);
    if (!p.spec) p.data = YAML.stringify(file);
};

test("platform-absence-rules-intact: every generated absence rule and platform-default level, in the PrometheusRule and the AMP rule groups", async (t) => {
    for (const env of ["staging", "production"] as const) {
        const wanted = generatedPlatformRules(rb, env, env === "staging" ? "kubernetes" : "aws");
        const absent = wanted.find((w) => w.expr !== undefined)!;
        const level = wanted.find((w) => w.threshold !== undefined);
        t.truthy(absent, `${env}: the runbook has absence rules`);
        await compliantAndBroken(t, "platform-absence-rules-intact", `${APP}-${env}`, () => ruleFixture(env), {
            "an absence rule deleted": { edit: (rs) => dropRule(rs, absent.alert), expect: new RegExp(`no rule "${absent.alert}" \\(the absence rule of`) },
            "an absence rule muted to info": { edit: (rs) => editRules(rs, (r) => r.alert === absent.alert && (r.labels.severity = "info")), expect: new RegExp(`rule "${absent.alert}" .* has severity "info", not ${absent.severity}`) },
            "an absence rule waiting 6h": { edit: (rs) => editRules(rs, (r) => r.alert === absent.alert && (r.for = "6h")), expect: /has for 21600s, longer than the generated/ },
            "an absence rule that never fires": { edit: (rs) => editRules(rs, (r) => r.alert === absent.alert && (r.expr = `${r.expr} unless on() vector(1)`)), expect: /has expression .* not the generated/ },
            ...(level
                ? {
                      "a platform-default level deleted": { edit: (rs: Fake[]) => dropRule(rs, level.alert), expect: new RegExp(`no rule "${level.alert}" \\(the platform default`) },
                      "a platform-default level muted": { edit: (rs: Fake[]) => editRules(rs, (r) => r.alert === level.alert && (r.labels.severity = "info")), expect: new RegExp(`rule "${level.alert}" .* has severity "info"`) },
                  }
                : {}),
        });
        const tight = ruleFixture(env);
        editRules(tight, (r) => wanted.some((w) => w.alert === r.alert) && (r.for = "30s"));
        t.deepEqual((await check("platform-absence-rules-intact", `${APP}-${env}`, tight)).messages, [], `${env}: a shorter for passes`);
    }
});

// ---- the local prometheus.yml ----
const LOCAL = `${APP}-local`;
const dockerPrometheus = (): Fake[] => [{ type: "docker:index/container:Container", name: `${APP}-prometheus`, props: { name: `${APP}-prometheus`, image: "prom/prometheus:v2.54.1", uploads: [{ file: PROMETHEUS_CONFIG_PATH, content: prometheusYaml(rb) }] } }];
const editConfig = (rs: Fake[], f: (c: Record<string, any>) => void) => {
    const u = rs[0].props.uploads[0];
    const c = YAML.parse(u.content);
    f(c);
    u.content = YAML.stringify(c);
};

test("docker-prometheus-config-intact: rule files, alerting and intervals as generated (advisory on a laptop, still reported)", async (t) => {
    await compliantAndBroken(t, "docker-prometheus-config-intact", LOCAL, dockerPrometheus, {
        "no rule files": { edit: (rs) => editConfig(rs, (c) => (c.rule_files = [])), expect: /rule_files \[\] leaves out the generated/ },
        "critical alerts dropped": { edit: (rs) => editConfig(rs, (c) => (c.alerting.alert_relabel_configs = [{ source_labels: ["severity"], regex: "critical", action: "drop" }])), expect: /alerting\.alert_relabel_configs .* is set/ },
        "evaluated every 30 minutes": { edit: (rs) => editConfig(rs, (c) => (c.global.evaluation_interval = "30m")), expect: /global\.evaluation_interval is "30m", less often than the generated/ },
        "scraped every 10 minutes": { edit: (rs) => editConfig(rs, (c) => (c.global.scrape_interval = "10m")), expect: /global\.scrape_interval is "10m"/ },
        "an external label": { edit: (rs) => editConfig(rs, (c) => (c.global.external_labels = { severity: "info" })), expect: /global\.external_labels .* is set/ },
        "config not uploaded": { edit: (rs) => (rs[0].props.uploads = []), expect: /no Docker container uploads/ },
    });
    const tight = dockerPrometheus();
    editConfig(tight, (c) => Object.assign(c.global, { scrape_interval: "5s", evaluation_interval: "5s" }));
    t.deepEqual((await check("docker-prometheus-config-intact", LOCAL, tight)).messages, []);
    t.is((await check("docker-prometheus-config-intact", LOCAL, (() => { const rs = dockerPrometheus(); editConfig(rs, (c) => (c.rule_files = [])); return rs; })())).violations[0]?.level, "advisory", "a laptop is advised, as the pack's levels say");
});

// ---- the real plans (cached): the switches caught, the tightenings not ----
test("the paging switches are caught on the cached staging and production plans, their tightenings are not", async (t) => {
    t.timeout(5 * 60_000);
    const pack = policies.filter((p) => ["k8s-alerting-pipeline-enabled", "k8s-alertmanager-critical-paging", "aws-amp-alertmanager-critical-paging", "platform-absence-rules-intact"].includes(p.name));
    for (const stack of [STAGING, `${APP}-production`]) {
        const plan = await planStack(stack);
        const mutations = paging13Mutations(rb, plan);
        t.true(mutations.length >= (plan.target === "kubernetes" ? 10 : 4), `${stack}: ${mutations.length} switches`);
        for (const m of mutations) {
            const report = await runPolicies(m.edit!(plan)!, { policies: pack });
            t.true(report.violations.some((v) => v.level === "mandatory" && m.policies!.includes(v.policy)), `${stack}: ${m.id}: not caught`);
        }
        for (const tight of paging13Tightenings(plan)) {
            const report = await runPolicies(tight.edit(plan), { policies: pack });
            t.deepEqual(report.violations.filter((v) => v.level === "mandatory").map((v) => v.message), [], `${stack}: ${tight.id}`);
        }
    }
});
