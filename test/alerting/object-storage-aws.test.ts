import test from "ava";
import { planStack, type StackPlan } from "../../cli/harness/runtime";
import { alarmTiming, cloudWatchAlarms, notifyingEvaluator, type AlarmSpec } from "../../capabilities/aws/alarms";
import { alarmInventory } from "../../capabilities/aws/inventory";
import { baselineAlerts } from "../../capabilities/alerting/baseline";
import { minErrorsPerMinute, minRequestsPerSecond } from "../../capabilities/alerting/metrics";
import { rulesFor } from "../../capabilities/alerting/rules";
import { alertsOn } from "../../capabilities/alerting/signals";
import { alarmNeeds, alarmSubjectKeys } from "../../policies/lib/subjects";
import type { Subject } from "../../policies/lib/policy";
import { DEFAULTS } from "../../runbooks/defaults";
import { getRunbook, parseRunbook, type Alert } from "../../runbooks";
import { dashboardsFor } from "../../capabilities/dashboards/dashboards";
import { breaches, evaluate } from "./metric-math";

/**
 * Object storage on AWS is S3: the 5xx share of MinIO's baseline holds there as one CloudWatch alarm
 * per runbook bucket on S3's request metrics. S3's metric names and dimensions are typed here as the
 * Amazon S3 user guide ("Metrics and dimensions", request metrics) has them; the expression is
 * evaluated with CloudWatch's metric math semantics (metric-math.ts), not read back from the generator.
 */

const RB = getRunbook("gravitypm");
const BUCKETS = RB.data.objectStorage!.buckets;
const S3 = { namespace: "AWS/S3", errors: "5xxErrors", requests: "AllRequests", dimensions: ["BucketName", "FilterId"] };
const errorsAlert = baselineAlerts(RB).find((a) => a.id === "platform-objectStorage-errors")!;
const s3Alarms = (specs: readonly AlarmSpec[]) => specs.filter((s) => s.subject.kind === "s3-bucket");

let plan: StackPlan;
test.before(async () => {
    plan = await planStack(`${RB.app}-production`);
});

test("AWS: the object store's 5xx share is one paging CloudWatch alarm per S3 bucket, at MinIO's baseline level, and no AMP rule", (t) => {
    t.true(alertsOn(RB, "aws").cloudwatch.some((a) => a.id === errorsAlert.id));
    t.false(alertsOn(RB, "aws").prometheus.some((a) => a.subject === "objectStorage"), "S3 serves no Prometheus metrics: no AMP rule, no absence rule");
    t.false(rulesFor(RB, "production", "aws").groups.flatMap((g) => g.rules).some((r) => r.labels.alert_id === errorsAlert.id));
    t.is(notifyingEvaluator(RB, errorsAlert), "cloudwatch");
    const alarms = s3Alarms(cloudWatchAlarms(RB, alarmInventory(RB, {})));
    t.deepEqual(alarms.map((a) => a.subject), BUCKETS.map((bucket) => ({ kind: "s3-bucket", bucket })));
    for (const a of alarms) {
        t.is(a.alertId, errorsAlert.id);
        // The same default number as MinIO's rule: one source.
        t.like(a, { severity: "warning", threshold: DEFAULTS.objectStorageErrorWarning.value, comparison: "GreaterThanThreshold", notifies: true, treatMissingData: "notBreaching" });
        t.like(a, alarmTiming(DEFAULTS.alertFor.value, 60));
        t.deepEqual(a.metrics.map((m) => [m.namespace, m.metricName, m.stat]).sort(), [[S3.namespace, S3.errors, "Sum"], [S3.namespace, S3.requests, "Sum"]].sort());
    }
    // Down and capacity are S3's own to keep: no alarm.
    t.false(cloudWatchAlarms(RB, alarmInventory(RB, {})).some((a) => a.signal === "minio_down" || a.signal === "minio_capacity_usage"));
});

test("AWS: the S3 5xx alarm's value is the percent of requests answered 5xx, on both sides of the level, and reads 0 under the app's minimum traffic unless the 5xx reach its floor of errors", (t) => {
    const alarm = s3Alarms(cloudWatchAlarms(RB, alarmInventory(RB, {})))[0];
    const id = (name: string) => alarm.metrics.find((m) => m.metricName === name)!.id;
    const minute = (requests: number | undefined, errors: number | undefined) => evaluate(alarm.expression!, { [id(S3.requests)]: requests, [id(S3.errors)]: errors });
    const perMinute = minRequestsPerSecond(RB) * 60;
    const level = DEFAULTS.objectStorageErrorWarning.value;
    const busy = perMinute * 10;
    // Just above and just below the level, at ten times the minimum traffic.
    const above = Math.ceil((busy * (level + 0.5)) / 100);
    const below = Math.floor((busy * (level - 0.5)) / 100);
    t.true(breaches(alarm, minute(busy, above)) === true, `${above} of ${busy} answered 5xx`);
    t.true(breaches(alarm, minute(busy, below)) === false, `${below} of ${busy} answered 5xx`);
    // S3 publishes no 5xxErrors datapoint in a minute without one: FILL reads 0.
    t.is(minute(busy, undefined), 0);
    // Under the minimum traffic, failures under the floor are not an outage; at the minimum traffic the same share is.
    const floor = minErrorsPerMinute(RB);
    t.true(floor < perMinute - 1, "the floor is under the minimum traffic: a bucket can fail every request below it");
    t.true(breaches(alarm, minute(perMinute - 1, floor - 1)) === false, "under the minimum traffic, under the floor");
    t.true(breaches(alarm, minute(perMinute, floor - 1)) === true, "at the minimum traffic");
    // A low-traffic bucket that fails every request, at the floor: read (100%), as MinIO's rule reads it.
    t.is(minute(floor, floor), 100, "every request of a trickle failing at the floor");
    t.true(breaches(alarm, minute(floor, floor)) === true);
    t.is(minute(floor, floor - 1), 0, "a trickle under the floor reads 0");
    // No request at all: no datapoint, not breaching.
    t.true(breaches(alarm, minute(undefined, undefined)) === false);
});

test("AWS plan: every runbook bucket has request metrics over the whole bucket, and each 5xx alarm reads exactly those (BucketName, FilterId)", (t) => {
    const buckets = plan.resources.filter((r) => r.type === "aws:s3/bucket:Bucket" && BUCKETS.some((b) => r.name.endsWith(`-${b}`)));
    t.is(buckets.length, BUCKETS.length);
    const metrics = plan.resources.filter((r) => r.type === "aws:s3/bucketMetric:BucketMetric");
    const alarms = plan.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && (r.props as any).tags?.["runbook:alert"] === errorsAlert.id);
    t.is(alarms.length, BUCKETS.length);
    for (const bucket of buckets) {
        const name = (bucket.props as any).bucket as string;
        const config = metrics.filter((m) => (m.props as any).bucket === `${bucket.name}-id`);
        t.is(config.length, 1, `${bucket.name}: one request-metrics configuration`);
        t.is((config[0].props as any).filter, undefined, "no filter: every request to the bucket");
        const mine = alarms.filter((a) => ((a.props as any).metricQueries as any[]).some((q) => q.metric?.dimensions?.BucketName === name));
        t.is(mine.length, 1, `${bucket.name}: one 5xx alarm`);
        for (const q of ((mine[0].props as any).metricQueries as any[]).filter((x) => x.metric)) {
            t.is(q.metric.namespace, S3.namespace);
            t.deepEqual(Object.keys(q.metric.dimensions).sort(), [...S3.dimensions].sort());
            t.is(q.metric.dimensions.FilterId, (config[0].props as any).name, "the alarm reads the bucket's own configuration");
        }
        t.true(((mine[0].props as any).alarmActions ?? []).length > 0, "it pages: CloudWatch is the level's one evaluator");
    }
});

test("pack: each S3 bucket is a subject of its own, so an alarm deleted for one bucket is a finding", (t) => {
    // A runbook alert of its own on the signal takes the baseline's place; its alarms watch every bucket.
    const own: Alert = { ...errorsAlert, id: "storage-errors", title: "Storage answers 5xx", levels: errorsAlert.levels.map((l) => ({ ...l, defaulted: undefined, source: RB.data.objectStorage!.source })) };
    const rb = parseRunbook({ ...RB, alerts: [...RB.alerts, own] });
    const needs = alarmNeeds(rb, own.id, "warning").map((n) => n.key);
    t.deepEqual(needs.sort(), BUCKETS.map((b) => `s3:${b}`).sort());
    const resources = plan.resources as unknown as Subject[];
    const alarms = resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.props.tags?.["runbook:alert"] === errorsAlert.id);
    const have = (list: readonly Subject[]) => new Set(list.flatMap((a) => alarmSubjectKeys(rb, a, resources)));
    t.deepEqual([...have(alarms)].sort(), needs.sort(), "the plan's alarms watch every bucket");
    for (const dropped of alarms) {
        const left = have(alarms.filter((a) => a !== dropped));
        t.is(needs.filter((n) => !left.has(n)).length, 1, `without ${dropped.name} one bucket is unwatched`);
    }
});

test("dashboards: on AWS the object store's 5xx panel reads S3's request metrics from CloudWatch, at the same threshold; the backup store's panels only where it runs", (t) => {
    const panels = (rb: typeof RB, target?: Parameters<typeof dashboardsFor>[1]) => dashboardsFor(rb, target).flatMap((d) => (d.dashboard.panels ?? []) as any[]);
    const s3 = panels(RB, "aws").filter((p) => p.title === errorsAlert.title);
    t.is(s3.length, 1);
    t.is(s3[0].datasource.type, "cloudwatch");
    const query = s3[0].targets[0];
    t.is(query.datasource.type, "cloudwatch");
    // S3's names, as the user guide has them, inside CloudWatch SEARCH expressions over the request-metrics configuration.
    for (const name of [S3.errors, S3.requests]) t.true(query.expression.includes(`{${S3.namespace},BucketName,FilterId} MetricName="${name}"`), name);
    t.true(query.expression.includes(`FilterId="${(plan.resources.find((r) => r.type === "aws:s3/bucketMetric:BucketMetric")!.props as any).name}"`));
    t.deepEqual(s3[0].fieldConfig.defaults.thresholds.steps.map((x: any) => x.value), [null, DEFAULTS.objectStorageErrorWarning.value]);
    // Elsewhere it is MinIO's PromQL; the down and capacity panels are not on AWS (no alarm reads them there).
    t.is(panels(RB, "docker").find((p) => p.title === errorsAlert.title).datasource.type, "prometheus");
    t.false(panels(RB, "aws").some((p) => /near its usable capacity|not answering/.test(p.title ?? "") && /Object storage/.test(p.title ?? "")));
    const bunty = getRunbook("bunty");
    const store = baselineAlerts(bunty).filter((a) => a.id.startsWith("platform-backup-store-")).map((a) => a.title);
    t.is(store.length, 3);
    for (const title of store) {
        t.true(panels(bunty, "kubernetes").some((p) => p.title === title), `kubernetes: ${title}`);
        for (const target of ["docker", "aws"] as const) t.false(panels(bunty, target).some((p) => p.title === title), `${target}: ${title}`);
    }
});
