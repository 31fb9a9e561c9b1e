import test from "ava";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { planStack, type StackPlan } from "../../cli/harness/runtime";
import { cadvisorSpecMetricsUsed, CADVISOR_SPEC_METRICS, CHART_CADVISOR_DROPS, metricsRetention } from "../../capabilities/kubernetes/monitoring";
import { CHARTS } from "../../capabilities/kubernetes/versions";
import { rulesFor } from "../../capabilities/alerting";
import { APP_IDS, getRunbook, type AppId } from "../../runbooks";
import { unreadKeys } from "./chart-values";
import { chartDir, CHARTS_DIR, KUBE_VERSION_CURRENT, landsIn, podSpecs, releaseInput, render, type K8sObject, type ReleaseInput } from "./helm";
import { workloadFindings, WORKLOAD_EXCEPTIONS } from "./workload-rules";

/**
 * Every Helm release the staging stacks create, rendered by `helm template` at its pinned chart
 * version with the exact values the plan gives it (test/fixtures/charts/README.md), and the
 * rendered objects checked: they render, land in namespaces that exist, read every value we set,
 * and their workloads meet the rules our own workloads meet.
 */

const RELEASE = "kubernetes:helm.sh/v3:Release";
const NAMESPACE = "kubernetes:core/v1:Namespace";

/**
 * Namespaces every cluster has, that some charts must write to: kube-prometheus-stack's Services
 * for the control plane's metrics select kube-system's pods, and KEDA's metrics server must read
 * the extension-apiserver-authentication ConfigMap, which lives there.
 */
const CLUSTER_NAMESPACES = new Set(["kube-system"]);

interface Rendered {
    readonly app: AppId;
    readonly release: ReleaseInput;
    readonly objects: K8sObject[];
}

const plans = new Map<AppId, StackPlan>();
const rendered: Rendered[] = [];
test.before(async () => {
    for (const app of APP_IDS) {
        const plan = await planStack(`${app}-staging`);
        plans.set(app, plan);
        for (const r of plan.resources.filter((x) => x.type === RELEASE)) {
            const release = releaseInput(r);
            rendered.push({ app, release, objects: render(release) });
        }
    }
});

const createdNamespaces = (app: AppId) =>
    new Set(
        plans
            .get(app)!
            .resources.filter((r) => r.type === NAMESPACE)
            .map((r) => (r.props as { metadata: { name: string } }).metadata.name),
    );
const of = (app: AppId, chart: string) => {
    const hit = rendered.find((r) => r.app === app && r.release.chart === chart);
    if (!hit) throw new Error(`${app}-staging has no ${chart} release`);
    return hit;
};

test("every release is pinned to a vendored chart and renders at that version", (t) => {
    const pinned = new Map<string, string>(Object.values(CHARTS).map((c) => [c.chart, c.version]));
    t.true(rendered.length >= APP_IDS.length * 5, `only ${rendered.length} releases rendered`);
    for (const r of rendered) {
        t.is(r.release.version as string | undefined, pinned.get(r.release.chart), `${r.app}: ${r.release.name}`);
        t.true(fs.existsSync(path.join(chartDir(r.release.chart, r.release.version), "Chart.yaml")));
        t.true(r.objects.length > 0, `${r.app}: ${r.release.name} rendered nothing`);
    }
    // Every chart the project pins is vendored, with its origin recorded.
    const lock = fs.readFileSync(path.join(CHARTS_DIR, "SOURCES.lock"), "utf8");
    for (const c of Object.values(CHARTS)) t.regex(lock, new RegExp(`^${c.chart}-${c.version.replace(/\./g, "\\.")}\\t`, "m"), `${c.chart} ${c.version} not in SOURCES.lock`);
});

test("every release also renders on a current Kubernetes, into the same namespaces, with the same workloads", (t) => {
    for (const r of rendered.filter((x) => x.app === "personal-finance-hub" || x.app === "gravitypm")) {
        const current = render(r.release, KUBE_VERSION_CURRENT);
        const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}@${landsIn(o, r.release) ?? ""}`;
        const workloads = (objs: K8sObject[]) => objs.filter((o) => podSpecs(o).length).map(key).sort();
        t.deepEqual(workloads(current), workloads(r.objects), `${r.app}: ${r.release.name}`);
        for (const o of current) {
            const ns = landsIn(o, r.release);
            if (ns !== undefined && !CLUSTER_NAMESPACES.has(ns)) t.true(createdNamespaces(r.app).has(ns), `${r.app}: ${r.release.name} ${key(o)}`);
        }
        t.deepEqual(workloadFindings(r.release.chart, current).map((f) => `${f.workload} ${f.container} ${f.rule}`).sort(), workloadFindings(r.release.chart, r.objects).map((f) => `${f.workload} ${f.container} ${f.rule}`).sort());
    }
});

test("every rendered object lands in a namespace the stack creates", (t) => {
    for (const r of rendered) {
        const ok = createdNamespaces(r.app);
        for (const o of r.objects) {
            const ns = landsIn(o, r.release);
            if (ns === undefined || CLUSTER_NAMESPACES.has(ns)) continue;
            t.true(ok.has(ns), `${r.app}-staging: ${r.release.name} renders ${o.kind}/${o.metadata.name} into namespace "${ns}", which the stack does not create (it creates ${[...ok].join(", ")})`);
        }
    }
});

test("every value key we set is read by the chart at its pinned version", (t) => {
    for (const r of rendered) {
        t.deepEqual(unreadKeys(chartDir(r.release.chart, r.release.version), r.release.values), [], `${r.app}-staging: ${r.release.name} (${r.release.chart} ${r.release.version}) ignores these keys`);
    }
});

test("the unread-key check finds keys a chart ignores", (t) => {
    // KEDA 2.15.1 has no fullnameOverride; MinIO 5.3.0 reads containerSecurityContext, and no `securityContxt`.
    t.deepEqual(unreadKeys(chartDir("keda", CHARTS.keda.version), { fullnameOverride: "keda", prometheus: { operator: { enabled: true } } }), ["fullnameOverride"]);
    t.deepEqual(unreadKeys(chartDir("minio", CHARTS.minio.version), { containerSecurityContext: { runAsNonRoot: true }, securityContxt: { enabled: true } }), ["securityContxt"]);
    // A misspelt key below a map the chart reads key by key.
    t.deepEqual(unreadKeys(chartDir("prometheus-pushgateway", CHARTS.pushgateway.version), { serviceMonitor: { enabled: true, namespce: "x" } }), ["serviceMonitor.namespce"]);
    // A subchart's keys are checked against the subchart.
    t.deepEqual(unreadKeys(chartDir("kube-prometheus-stack", CHARTS.kubePrometheusStack.version), { grafana: { admin: { existingSecret: "s" }, adminn: 1 } }), ["grafana.adminn"]);
    // A map handed to a helper is read field by field: a near-miss of a field is caught.
    t.deepEqual(unreadKeys(chartDir("kube-prometheus-stack", CHARTS.kubePrometheusStack.version), { kubelet: { serviceMonitor: { cAdvisorMetricRelabeling: [] } } }), ["kubelet.serviceMonitor.cAdvisorMetricRelabeling"]);
    // A map handed on whole (Loki's limits_config into its config file) takes any key; a sibling typo does not pass.
    t.deepEqual(unreadKeys(chartDir("loki", CHARTS.loki.version), { loki: { limits_config: { retention_period: "1h" }, limitsconfig: {} } }), ["loki.limitsconfig"]);
});

test("rendered workloads meet our probes, limits and security rules, but for the recorded chart limits", (t) => {
    const used = new Set<string>();
    for (const r of rendered) {
        for (const f of workloadFindings(r.release.chart, r.objects)) {
            const exception = WORKLOAD_EXCEPTIONS.find((e) => e.chart === r.release.chart && e.workload.test(f.workload) && e.container.test(f.container) && e.rule === f.rule);
            if (exception) {
                used.add(WORKLOAD_EXCEPTIONS.indexOf(exception).toString());
                continue;
            }
            t.fail(`${r.app}-staging: ${r.release.name}: ${f.workload} container ${f.container}: ${f.message}`);
        }
    }
    // An exception that excuses nothing is stale: the chart (or our values) fixed it.
    WORKLOAD_EXCEPTIONS.forEach((e, i) => t.true(used.has(i.toString()), `exception no longer needed: ${e.chart} ${e.workload} ${e.container} ${e.rule}`));
});

test("Prometheus and Alertmanager, which the operator builds from the rendered resources, are sized and run confined", (t) => {
    for (const app of APP_IDS) {
        for (const kind of ["Prometheus", "Alertmanager"]) {
            const o = of(app, CHARTS.kubePrometheusStack.chart).objects.find((x) => x.kind === kind)!;
            t.truthy(o, `${app}: ${kind}`);
            for (const k of ["requests", "limits"]) for (const r of ["cpu", "memory"]) t.truthy(o.spec.resources?.[k]?.[r], `${app}: ${kind} ${k}.${r}`);
            t.true(o.spec.securityContext?.runAsNonRoot, `${app}: ${kind} runAsNonRoot`);
            t.is(o.spec.securityContext?.seccompProfile?.type, "RuntimeDefault", `${app}: ${kind} seccomp`);
        }
    }
});

test("finding 1: the Pushgateway's ServiceMonitor lands in the monitoring namespace", (t) => {
    for (const app of APP_IDS) {
        const r = of(app, CHARTS.pushgateway.chart);
        const monitors = r.objects.filter((o) => o.kind === "ServiceMonitor");
        t.is(monitors.length, 1, `${app}: the chart renders the ServiceMonitor`);
        t.is(landsIn(monitors[0], r.release), r.release.namespace, `${app}: ServiceMonitor namespace`);
        t.true(createdNamespaces(app).has(r.release.namespace));
    }
    // Without our override the chart puts it in "monitoring", which no stack creates.
    const bare = of("bunty", CHARTS.pushgateway.chart).release;
    const values = structuredClone(bare.values) as { serviceMonitor: Record<string, unknown> };
    delete values.serviceMonitor.namespace;
    const monitor = render({ ...bare, values }).find((o) => o.kind === "ServiceMonitor")!;
    t.is(monitor.metadata.namespace, "monitoring");
    t.false(createdNamespaces("bunty").has("monitoring"));
});

test("finding 2: the MinIO container runs hardened (the pinned chart reads containerSecurityContext)", (t) => {
    for (const app of APP_IDS) {
        const minio = of(app, CHARTS.minio.chart).objects.find((o) => o.kind === "Deployment" || o.kind === "StatefulSet");
        t.truthy(minio, `${app}: MinIO workload`);
        const pod = podSpecs(minio!)[0];
        const c = pod.containers.find((x: { name: string }) => x.name === "minio");
        t.false(c.securityContext?.allowPrivilegeEscalation, `${app}: allowPrivilegeEscalation`);
        t.deepEqual(c.securityContext?.capabilities?.drop, ["ALL"], `${app}: capabilities`);
        t.true(c.securityContext?.runAsNonRoot, `${app}: runAsNonRoot`);
        t.is(c.securityContext?.seccompProfile?.type, "RuntimeDefault", `${app}: seccomp`);
    }
});

test("finding 3: MinIO creates no default console user; only the runbook's app user where it has object storage", (t) => {
    for (const app of APP_IDS) {
        const rb = getRunbook(app);
        const objects = of(app, CHARTS.minio.chart).objects;
        const text = objects.map((o) => YAML.stringify(o)).join("\n");
        t.false(/console123/.test(text), `${app}: the chart's default console123 password is rendered`);
        const usersConfig = objects.filter((o) => o.kind === "ConfigMap").map((o) => String((o as { data?: Record<string, string> }).data?.["add-user"] ?? "")).join("\n");
        t.false(/\bconsole\b/.test(usersConfig), `${app}: a user named console is created`);
        const users = (of(app, CHARTS.minio.chart).release.values as { users: unknown[] }).users;
        t.is(users.length, rb.data.objectStorage ? 1 : 0, `${app}: users`);
    }
});

test("finding 6: KEDA's release sets only keys its chart reads", (t) => {
    const keda = rendered.filter((r) => r.release.chart === CHARTS.keda.chart);
    t.true(keda.length > 0, "a stack scales on Kafka lag with KEDA");
    for (const r of keda) t.false("fullnameOverride" in r.release.values, `${r.app}: fullnameOverride`);
});

test("finding 6: cAdvisor keeps the chart's drop rules and every container_spec series a rule reads", (t) => {
    const chartValues = YAML.parse(fs.readFileSync(path.join(chartDir("kube-prometheus-stack", CHARTS.kubePrometheusStack.version), "values.yaml"), "utf8"));
    const chartDrops = chartValues.kubelet.serviceMonitor.cAdvisorMetricRelabelings as { sourceLabels: string[]; action: string; regex: string }[];
    // Our copy of the chart's defaults is the chart's, but for the container_spec drop.
    t.deepEqual(
        CHART_CADVISOR_DROPS.map((d) => ({ ...d })),
        chartDrops.filter((d) => d.regex !== "container_spec.*").map((d) => ({ sourceLabels: d.sourceLabels, action: d.action, regex: d.regex })),
    );
    for (const app of APP_IDS) {
        const r = of(app, CHARTS.kubePrometheusStack.chart);
        const monitor = r.objects.find((o) => o.kind === "ServiceMonitor" && /kubelet/.test(o.metadata.name))!;
        const cadvisor = (monitor.spec.endpoints as { path?: string; metricRelabelings?: { action?: string; regex?: string; sourceLabels?: string[] }[] }[]).find((e) => e.path === "/metrics/cadvisor")!;
        const drops = (cadvisor.metricRelabelings ?? []).filter((m) => (m.action ?? "").toLowerCase() === "drop");
        for (const d of chartDrops.filter((x) => x.regex !== "container_spec.*")) {
            t.true(drops.some((x) => x.regex === d.regex && JSON.stringify(x.sourceLabels) === JSON.stringify(d.sourceLabels)), `${app}: chart drop ${d.regex} kept`);
        }
        // What the rules read is not dropped; every other container_spec series is.
        const exprs = rulesFor(getRunbook(app), "staging", "kubernetes").groups.flatMap((g) => g.rules.map((x) => x.expr)).join("\n");
        const read = new Set([...exprs.matchAll(/container_spec_[a-z_]+/g)].map((m) => m[0]));
        t.deepEqual([...read].sort(), [...cadvisorSpecMetricsUsed(getRunbook(app), "staging")].sort());
        const nameDrops = drops.filter((x) => JSON.stringify(x.sourceLabels) === JSON.stringify(["__name__"])).map((x) => new RegExp(`^(?:${x.regex})$`));
        for (const m of CADVISOR_SPEC_METRICS) t.is(nameDrops.some((re) => re.test(m)), !read.has(m), `${app}: ${m} ${read.has(m) ? "is read by a rule and dropped" : "is read by no rule and kept"}`);
        for (const m of ["container_cpu_usage_seconds_total", "container_memory_working_set_bytes"]) t.false(nameDrops.some((re) => re.test(m)), `${app}: ${m} dropped`);
    }
});

test("finding 6: Prometheus keeps the runbook's trend-review history on a persistent volume", (t) => {
    for (const app of APP_IDS) {
        const rb = getRunbook(app);
        const prometheus = of(app, CHARTS.kubePrometheusStack.chart).objects.find((o) => o.kind === "Prometheus")!;
        const { days } = metricsRetention(rb);
        t.is(prometheus.spec.retention, `${days}d`, `${app}: retention`);
        t.truthy(prometheus.spec.retentionSize, `${app}: size-based retention`);
        const claim = prometheus.spec.storage?.volumeClaimTemplate?.spec;
        t.truthy(claim?.resources?.requests?.storage, `${app}: no persistent volume`);
        // The longest metric review the runbook has a person run fits in the retention.
        const longest = Math.max(0, ...rb.checks.filter((c) => ["capacity-review", "performance-review"].includes(c.id)).map((c) => ({ daily: 1, weekly: 7, monthly: 31, quarterly: 92 })[c.cadence]));
        t.true(days >= longest && days >= 10, `${app}: ${days} days keeps less than the ${longest}-day review period (or the chart's own 10 days)`);
    }
});
