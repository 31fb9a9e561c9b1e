import test from "ava";
import * as path from "path";
import YAML from "yaml";
import { baselineAlerts } from "../../capabilities/alerting/baseline";
import { minErrorsPerMinute, minRequestsPerSecond } from "../../capabilities/alerting/metrics";
import { rulesFor } from "../../capabilities/alerting/rules";
import { alertsOn } from "../../capabilities/alerting/signals";
import { prometheusConfig } from "../../capabilities/docker/prometheus";
import { minioEndpoint } from "../../capabilities/docker/minio";
import { minioMonitorSpec, minioValues } from "../../capabilities/kubernetes/minio";
import { names } from "../../capabilities/kubernetes/names";
import { CHARTS } from "../../capabilities/kubernetes/versions";
import { podSpecs, render } from "../providers/helm";
import { getRunbook } from "../../runbooks";
import { DEFAULTS } from "../../runbooks/defaults";
import { removeTempDirs, tempDir, tool, write } from "./helpers";

/**
 * Object storage's baseline health beyond the generated promtool cases: the failure the scenarios
 * do not show (MinIO not answering at all: no MinIO series, the scrape's `up` 0), the minimum-traffic
 * guard of the 5xx ratio, and the wiring that makes Prometheus read MinIO on Docker and Kubernetes.
 * MinIO's metric names and path are typed here as MinIO's source has them (cmd/metrics-v2.go,
 * cmd/metrics-router.go), not read from the code under test.
 */

const WITH = getRunbook("formula-pm");
const WITHOUT = getRunbook("bunty");
const dir = tempDir("minio");
test.after.always(removeTempDirs);

const METRICS_PATH = "/minio/v2/metrics/cluster";

/** The PromQL of the platform alert `platform-objectStorage-<check>` on a Docker stack. */
function exprOf(check: string): string {
    const rule = rulesFor(WITH, "local", "docker")
        .groups.flatMap((g) => g.rules)
        .find((r) => r.labels.alert_id === `platform-objectStorage-${check}`);
    if (!rule?.expr) throw new Error(`no rule for platform-objectStorage-${check}`);
    return rule.expr;
}

test("object storage has down, capacity and 5xx baselines where MinIO runs, defaulted; on AWS (S3) only the 5xx share, as a CloudWatch alarm", (t) => {
    const ids = baselineAlerts(WITH)
        .filter((a) => a.subject === "objectStorage")
        .map((a) => a.id)
        .sort();
    t.deepEqual(ids, ["platform-objectStorage-capacity", "platform-objectStorage-errors", "platform-objectStorage-unreachable"]);
    const down = baselineAlerts(WITH).find((a) => a.id === "platform-objectStorage-unreachable")!;
    t.is(down.levels[0].severity, "critical");
    t.is(down.levels[0].source, WITH.data.objectStorage!.source);
    t.truthy(down.levels[0].defaulted?.severity);
    const capacity = baselineAlerts(WITH).find((a) => a.id === "platform-objectStorage-capacity")!;
    t.is(capacity.levels[0].threshold, DEFAULTS.objectStorageCapacityWarning.value);
    t.is(capacity.levels[0].defaulted?.threshold, DEFAULTS.objectStorageCapacityWarning.reason);
    for (const target of ["docker", "kubernetes"] as const) t.is(alertsOn(WITH, target).prometheus.filter((a) => a.subject === "objectStorage").length, 3, target);
    t.is(alertsOn(WITH, "aws").prometheus.filter((a) => a.subject === "objectStorage").length, 0);
    t.deepEqual(alertsOn(WITH, "aws").cloudwatch.filter((a) => a.subject === "objectStorage").map((a) => a.id), ["platform-objectStorage-errors"]);
    t.false(baselineAlerts(WITHOUT).some((a) => a.id.startsWith("platform-objectStorage-")));
});

test("the backup store: where the runbook has no object storage, Kubernetes' backup-only MinIO gets the same three checks at the same numbers, cited to the runbook's backups; not on Docker or AWS, which run no such MinIO", (t) => {
    const store = baselineAlerts(WITHOUT).filter((a) => a.subject === "objectStorage");
    t.deepEqual(store.map((a) => [a.id, a.signal]).sort(), [
        ["platform-backup-store-capacity", "minio_capacity_usage"],
        ["platform-backup-store-errors", "minio_error_rate"],
        ["platform-backup-store-unreachable", "minio_down"],
    ]);
    const same = (id: string) => baselineAlerts(WITH).find((a) => a.id === id.replace("backup-store", "objectStorage"))!;
    for (const a of store) {
        t.deepEqual(a.levels.map((l) => [l.severity, l.threshold, l.for, l.defaulted]), same(a.id).levels.map((l) => [l.severity, l.threshold, l.for, l.defaulted]), `${a.id}: the object store's numbers`);
        t.is(a.levels[0].source, WITHOUT.backups[0].source, "cited to the runbook's backups, which the store keeps");
    }
    t.deepEqual(alertsOn(WITHOUT, "kubernetes").prometheus.filter((a) => a.subject === "objectStorage").map((a) => a.id).sort(), store.map((a) => a.id).sort());
    for (const target of ["docker", "aws"] as const) {
        const { prometheus, cloudwatch } = alertsOn(WITHOUT, target);
        t.false([...prometheus, ...cloudwatch].some((a) => a.subject === "objectStorage"), target);
    }
    // Rules select MinIO's series as every MinIO's are labelled, with an absence rule on its scrape.
    const rules = rulesFor(WITHOUT, "staging", "kubernetes").groups.flatMap((g) => g.rules);
    for (const a of store) t.true(rules.some((r) => r.labels.alert_id === a.id && r.expr?.includes('app="bunty", component="objectStorage"')), a.id);
    t.true(rules.some((r) => r.labels.alert_id?.startsWith("absent-") && r.expr?.includes('component="objectStorage"')), "an absence rule on MinIO's series");
});

test("promtool: MinIO that answers no scrape is down (no MinIO series at all); the 5xx share holds below the minimum traffic with 5xx under the floor, reads there once every request fails over the floor, and reads at full traffic", async (t) => {
    const min = minRequestsPerSecond(WITH);
    // The floor of 5xx a minute, per second: below the minimum traffic the share is read only from here on.
    const floor = minErrorsPerMinute(WITH) / 60;
    const target = 'app="formula-pm", component="objectStorage", job="minio", instance="minio:9000"';
    const counter = (perSecond: number) => `0+${perSecond * 15}x20`;
    const failing = (total: number, share: number) => [
        { series: `minio_s3_requests_total{${target}, api="putobject", server="minio:9000"}`, values: counter(total) },
        { series: `minio_s3_requests_5xx_errors_total{${target}, api="putobject", server="minio:9000"}`, values: counter(total * share) },
    ];
    const half = (total: number) => failing(total, 0.5);
    // Every request of a trickle failing: 7.5 a minute (exact in binary, so the share reads exactly 100), under the minimum traffic, over the floor.
    const trickle = 0.125;
    t.true(trickle < min && trickle >= floor, `${trickle * 60} a minute: under the minimum traffic, over the floor`);
    const labels = '{app="formula-pm", component="objectStorage", instance="minio:9000"}';
    const rules = write(path.join(dir, "rules.yml"), YAML.stringify(rulesFor(WITH, "local", "docker"), { lineWidth: 0 }));
    const tests = {
        rule_files: [path.basename(rules)],
        evaluation_interval: "15s",
        tests: [
            {
                interval: "15s",
                input_series: [{ series: `up{${target}}`, values: "0x20" }],
                promql_expr_test: [{ expr: exprOf("unreachable"), eval_time: "1m", exp_samples: [{ labels, value: 1 }] }],
            },
            {
                interval: "15s",
                input_series: [{ series: `up{${target}}`, values: "1x20" }, ...half(Math.min(min / 2, floor))],
                promql_expr_test: [{ expr: exprOf("errors"), eval_time: "2m", exp_samples: [] }],
            },
            {
                interval: "15s",
                input_series: [{ series: `up{${target}}`, values: "1x20" }, ...failing(trickle, 1)],
                promql_expr_test: [{ expr: exprOf("errors"), eval_time: "2m", exp_samples: [{ labels, value: 100 }] }],
            },
            {
                interval: "15s",
                input_series: [{ series: `up{${target}}`, values: "1x20" }, ...half(min * 4)],
                promql_expr_test: [{ expr: exprOf("errors"), eval_time: "2m", exp_samples: [{ labels, value: 50 }] }],
            },
        ],
    };
    const file = write(path.join(dir, "rules.test.yml"), YAML.stringify(tests, { lineWidth: 0 }));
    const r = await tool("promtool", ["test", "rules", file]);
    t.is(r.code, 0, r.stdout + r.stderr);
});

test("Docker: Prometheus scrapes MinIO's cluster metrics on its S3 endpoint with the rules' labels; no job without object storage", (t) => {
    const job = prometheusConfig(WITH).scrape_configs.find((j) => j.metrics_path === METRICS_PATH);
    t.truthy(job);
    t.deepEqual(job!.static_configs.map((s) => s.targets), [[new URL(minioEndpoint()).host]]);
    t.like(job!.static_configs[0].labels, { app: "formula-pm", component: "objectStorage" });
    t.false(prometheusConfig(WITHOUT).scrape_configs.some((j) => j.metrics_path === METRICS_PATH));
});

test("Kubernetes: the chart serves the metrics without a token and a ServiceMonitor in the app's namespace reads them, the backup store's too", (t) => {
    const n = names("formula-pm", "formula-pm");
    const values = minioValues(WITH, n) as { metrics: { serviceMonitor: { enabled: boolean; public: boolean } } };
    t.deepEqual(values.metrics.serviceMonitor, { enabled: false, public: true });
    const spec = minioMonitorSpec(WITH, n)!;
    t.deepEqual(spec.namespaceSelector, { matchNames: ["formula-pm"] });
    // The chart's S3 Service (templates/service.yaml): labels app, release and monitoring="true", port `http`.
    t.deepEqual(spec.selector.matchLabels, { app: "minio", release: n.minio, monitoring: "true" });
    t.like(spec.endpoints![0], { port: "http", path: METRICS_PATH });
    // The backup store (no object storage in the runbook) is scraped the same way, with the same labels.
    const n2 = names("bunty", "bunty");
    const store = minioMonitorSpec(WITHOUT, n2)!;
    t.truthy(store);
    t.deepEqual(store.selector.matchLabels, { app: "minio", release: n2.minio, monitoring: "true" });
    t.like(store.endpoints![0], { port: "http", path: METRICS_PATH });
    t.deepEqual(
        store.endpoints![0].relabelings!.map((r) => [r.targetLabel, r.replacement]),
        [
            ["app", "bunty"],
            ["component", "objectStorage"],
        ],
    );
});

test("Kubernetes, rendered by the pinned chart (helm template): MinIO runs with MINIO_PROMETHEUS_AUTH_TYPE=public and the ServiceMonitor selects its S3 Service's port", (t) => {
    const n = names("formula-pm", "formula-pm");
    const objects = render({ name: n.minio, chart: CHARTS.minio.chart, version: CHARTS.minio.version, namespace: n.namespace, values: minioValues(WITH, n) });
    const workload = objects.find((o) => o.kind === "Deployment" || o.kind === "StatefulSet")!;
    const minio = podSpecs(workload)[0].containers.find((c: { name: string }) => c.name === "minio");
    t.true(minio.env.some((e: { name: string; value?: string }) => e.name === "MINIO_PROMETHEUS_AUTH_TYPE" && e.value === "public"));
    const spec = minioMonitorSpec(WITH, n)!;
    const selected = objects.filter((o) => o.kind === "Service" && Object.entries(spec.selector.matchLabels!).every(([k, v]) => o.metadata.labels?.[k] === v));
    t.is(selected.length, 1, "exactly one Service: the S3 API, not the console");
    const port = (selected[0].spec.ports as { name: string; targetPort: number }[]).find((p) => p.name === spec.endpoints![0].port);
    t.truthy(port);
    const api = (minio.ports as { name: string; containerPort: number }[]).find((p) => p.name === "http");
    t.truthy(api);
    t.is(port!.targetPort, api!.containerPort, "the S3 API port, where MinIO serves its metrics");
});
