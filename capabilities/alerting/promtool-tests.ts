import { durationSeconds, type Alert, type Env, type Level, type Runbook, type Signal } from "../../runbooks";
import { alertName, levelAnnotations, WATCHDOG, watchdogRule } from "./rules";
import type { Target } from "../targets";
import { APP_METRIC_NAMING, IGNORED_FSTYPES, METRICS, PER_MINUTE_WINDOW, RATE_WINDOW, SCRAPE_INTERVAL, httpMetricNames, latencyBuckets } from "./metrics";
import { SIGNAL_SPECS, alertsOn, scopeComponents } from "./signals";

/**
 * promtool unit tests for an app's rules. Each scenario builds the series an exporter would show
 * when the signal has a given value (counters growing at a rate, histogram buckets filling, a
 * primary's optime running ahead of a secondary's) and says, from the signal's definition, what the
 * value is at each moment. The expected alerts follow from that value, the runbook threshold and
 * `for`, never from the rule's expression.
 *
 * Per alert level there are two cases:
 * - `fires`: the signal is just beyond the threshold; no alert one evaluation before `for` has
 *   elapsed since it crossed, the alert with its labels and annotations exactly when it has;
 * - `quiet`: the signal is just on the safe side, while another app's series are beyond it.
 * promtool starts a fresh database per test group, which costs more than the evaluations, so
 * cases whose alerts read disjoint sets of metrics share a group: one case's series cannot reach
 * another case's alert. A group's name lists its cases.
 */

const STEP = durationSeconds(SCRAPE_INTERVAL);
const WINDOW = durationSeconds(RATE_WINDOW);
const PER_MINUTE = durationSeconds(PER_MINUTE_WINDOW);

export interface InputSeries {
    readonly series: string;
    readonly values: string;
}
export interface ExpectedAlert {
    readonly exp_labels: Readonly<Record<string, string>>;
    readonly exp_annotations: Readonly<Record<string, string>>;
}
export interface AlertRuleTest {
    readonly eval_time: string;
    readonly alertname: string;
    readonly exp_alerts: readonly ExpectedAlert[];
}
export interface PromtoolTest {
    readonly name: string;
    readonly interval: string;
    readonly input_series: readonly InputSeries[];
    readonly alert_rule_test: readonly AlertRuleTest[];
}
export interface PromtoolTestFile {
    readonly rule_files: readonly string[];
    readonly evaluation_interval: string;
    readonly tests: readonly PromtoolTest[];
}

type Side = "fire" | "calm";
type Labels = Record<string, string>;

interface Sim {
    readonly name: string;
    readonly labels: Labels;
    readonly values: readonly number[];
}
/** One alert instance the scenario produces, and the signal's value for it at time t (seconds). */
interface Instance {
    readonly labels: Labels;
    readonly valueAt: (t: number) => number | undefined;
}
interface Scenario {
    readonly series: readonly Sim[];
    readonly instances: readonly Instance[];
    /** What is going on, in words, for the test name. */
    readonly story: string;
}
interface Setup {
    readonly runbook: Runbook;
    readonly alert: Alert;
    /** The `app` label: the runbook's app, or another app for the scoping check. */
    readonly app: string;
    readonly components: readonly string[];
    readonly value: number;
    readonly side: Side;
    readonly samples: number;
}

const times = (n: number) => Array.from({ length: n }, (_, i) => i * STEP);
const gauge = (n: number, v: number) => times(n).map(() => v);
const counter = (n: number, perSecond: number) => times(n).map((t) => t * perSecond);
/** A windowed per-second rate of a counter that started at 0 at t=0: known from the second sample on. */
const windowRate = (perSecond: number, t: number, window = WINDOW) => (t < STEP ? undefined : (perSecond * Math.min(t, window)) / window);
/** A ratio of two such rates: the ramp-up cancels, so it is exact from the second sample on. */
const ratio = (v: number) => (t: number) => (t < STEP ? undefined : v);
const fmt = (v: number, digits = 2) => Number(v.toFixed(digits)).toString();

function service(s: Setup, name: string) {
    const svc = s.runbook.services.find((x) => x.name === name);
    if (!svc) throw new Error(`${s.runbook.app}: no service ${name}`);
    return svc;
}

function postgresInstances(rb: Runbook): string[] {
    return Array.from({ length: 1 + (rb.data.postgres?.readReplicas ?? 0) }, (_, i) => `postgres-${i}:9187`);
}
function mongoMembers(rb: Runbook): number {
    return rb.data.mongodb?.replicaSetMembers ?? 1;
}

/** Series for a `1 = down` signal read from an exporter's up/success gauge. */
function upGauge(s: Setup, name: string, job: string, instances: readonly { component: string; instance: string; extra?: Labels }[], identityHasInstance: boolean): Scenario {
    const identity = (i: { component: string; instance: string }): Labels =>
        identityHasInstance ? { app: s.app, component: i.component, instance: i.instance } : { app: s.app, component: i.component };
    return {
        series: instances.map((i) => ({ name, labels: { app: s.app, component: i.component, job, instance: i.instance, ...i.extra }, values: gauge(s.samples, 1 - s.value) })),
        instances: instances.map((i) => ({
            labels: identity(i),
            valueAt: () => s.value,
        })),
        story: s.value ? `${name} is 0 for every target` : `${name} is 1 for every target`,
    };
}

function probeTargets(s: Setup, probe: "health" | "tls" | "external") {
    return s.components.map((c) => {
        if (probe === "external") {
            const dep = s.runbook.externalDependencies.find((d) => d.name === c);
            return { component: c, instance: dep?.url ?? c, extra: { probe } };
        }
        const svc = service(s, c);
        const instance = probe === "tls" ? `https://${svc.host}${svc.healthPath}` : `http://${c}:${svc.port}${svc.healthPath}`;
        return { component: c, instance, extra: { probe } };
    });
}

const BUILDERS: Readonly<Record<Signal, (s: Setup) => Scenario>> = {
    service_down: (s) => upGauge(s, METRICS.probeSuccess, "blackbox", probeTargets(s, "health"), false),
    external_down: (s) => upGauge(s, METRICS.probeSuccess, "blackbox", probeTargets(s, "external"), false),
    postgres_down: (s) =>
        upGauge(
            s,
            METRICS.pgUp,
            "postgres",
            postgresInstances(s.runbook).map((instance) => ({ component: "postgres", instance })),
            true,
        ),
    mongodb_down: (s) =>
        upGauge(
            s,
            METRICS.mongoUp,
            "mongodb",
            Array.from({ length: mongoMembers(s.runbook) }, (_, i) => ({ component: "mongodb", instance: `mongodb-${i}:9216` })),
            true,
        ),
    redis_down: (s) => upGauge(s, METRICS.redisUp, "redis", [{ component: "redis", instance: "redis-0:9121" }], true),

    external_latency: (s) => ({
        series: probeTargets(s, "external").map((p) => ({
            name: METRICS.probeDuration,
            labels: { app: s.app, component: p.component, probe: "external", job: "blackbox", instance: p.instance },
            values: gauge(s.samples, s.value),
        })),
        instances: s.components.map((c) => ({ labels: { app: s.app, component: c }, valueAt: () => s.value })),
        story: `each probe takes ${fmt(s.value)} s`,
    }),

    certificate_expiry: (s) => {
        // Days left shrink as time passes: a firing case starts below the threshold, a quiet one ends above it.
        const anchor = s.side === "fire" ? 0 : (s.samples - 1) * STEP;
        const expiresAt = anchor + s.value * 86400;
        return {
            series: probeTargets(s, "tls").map((p) => ({
                name: METRICS.certExpiry,
                labels: { app: s.app, component: p.component, probe: "tls", job: "blackbox", instance: p.instance },
                values: gauge(s.samples, expiresAt),
            })),
            instances: s.components.map((c) => ({ labels: { app: s.app, component: c }, valueAt: (t: number) => (expiresAt - t) / 86400 })),
            story: `the certificate has ${fmt(s.value)} days left`,
        };
    },

    availability: (s) => {
        // One failed probe in every `period`; a firing case fails first, a quiet one fails last.
        const period = Math.max(1, Math.round(1 / (1 - s.value / 100)));
        const fails = (i: number) => (s.side === "fire" ? i % period === 0 : i % period === period - 1);
        const samples: number[] = times(s.samples).map((_, i) => (fails(i) ? 0 : 1));
        const window = durationSeconds(SIGNAL_SPECS.availability.window ?? "1h");
        const valueAt = (t: number) => {
            const inWindow = samples.filter((_, i) => i * STEP <= t && i * STEP >= t - window);
            return (100 * inWindow.reduce((a, b) => a + b, 0)) / inWindow.length;
        };
        return {
            series: probeTargets(s, "health").map((p) => ({
                name: METRICS.probeSuccess,
                labels: { app: s.app, component: p.component, probe: "health", job: "blackbox", instance: p.instance },
                values: samples,
            })),
            instances: s.components.map((c) => ({ labels: { app: s.app, component: c }, valueAt })),
            story: samples.includes(0) ? `${samples.filter((v) => v === 0).length} of ${samples.length} health probes fail, starting with the ${s.side === "fire" ? "first" : "last"}` : "every health probe succeeds",
        };
    },

    http_error_rate: (s) => {
        const http = httpMetricNames(APP_METRIC_NAMING[s.runbook.app]);
        const total = 200;
        const server = (total * s.value) / 100;
        // 404s are failures of the client, not of the service: they must not count.
        const client = total * 0.05;
        const series: Sim[] = s.components.flatMap((c) => {
            const base = { app: s.app, component: c, job: c, instance: `${c}-1:${service(s, c).port}`, method: "GET" };
            const requests = [
                { name: http.requests, labels: { ...base, status: "200" }, values: counter(s.samples, total - server - client) },
                { name: http.requests, labels: { ...base, status: "404" }, values: counter(s.samples, client) },
                { name: http.requests, labels: { ...base, status: "500" }, values: counter(s.samples, server) },
            ];
            const errors =
                http.errors === http.requests
                    ? []
                    : [
                          { name: http.errors, labels: { ...base, status: "404" }, values: counter(s.samples, client) },
                          { name: http.errors, labels: { ...base, status: "500" }, values: counter(s.samples, server) },
                      ];
            return [...requests, ...errors];
        });
        return {
            series,
            instances: s.components.map((c) => ({ labels: { app: s.app, component: c }, valueAt: ratio(s.value) })),
            story: `${fmt(s.value)}% of requests answer 5xx (and 5% answer 404)`,
        };
    },

    http_latency_p95: (s) => {
        const http = httpMetricNames(APP_METRIC_NAMING[s.runbook.app]);
        const buckets = latencyBuckets(s.runbook);
        const perSecond = 100;
        // 90% of requests are fast; 10% take `value` seconds, so the 95th percentile request takes `value`.
        const observations = [
            { latency: buckets[0], share: 0.9 },
            { latency: s.value, share: 0.1 },
        ];
        const cumulative = buckets.map((le) => observations.filter((o) => o.latency <= le).reduce((a, o) => a + o.share, 0));
        const series: Sim[] = s.components.flatMap((c) => {
            const base = { app: s.app, component: c, job: c, instance: `${c}-1:${service(s, c).port}`, method: "GET" };
            return [
                ...buckets.map((le, i) => ({ name: `${http.duration}_bucket`, labels: { ...base, le: String(le) }, values: counter(s.samples, perSecond * cumulative[i]) })),
                { name: `${http.duration}_bucket`, labels: { ...base, le: "+Inf" }, values: counter(s.samples, perSecond) },
            ];
        });
        // A histogram only knows buckets: the estimate interpolates linearly inside the bucket that holds the 95th percentile.
        const i = cumulative.findIndex((c) => c >= 0.95);
        const lower = i > 0 ? buckets[i - 1] : 0;
        const below = i > 0 ? cumulative[i - 1] : 0;
        const estimate = i < 0 ? buckets[buckets.length - 1] : lower + (buckets[i] - lower) * ((0.95 - below) / (cumulative[i] - below));
        return {
            series,
            instances: s.components.map((c) => ({ labels: { app: s.app, component: c }, valueAt: ratio(estimate) })),
            story: `10% of requests take ${fmt(s.value, 3)} s, the rest ${buckets[0]} s`,
        };
    },

    auth_failures: (s) => {
        const http = httpMetricNames(APP_METRIC_NAMING[s.runbook.app]);
        return {
            series: s.components.map((c) => ({
                name: http.authFailures,
                labels: { app: s.app, component: c, job: c, instance: `${c}-1:${service(s, c).port}`, reason: "bad_password" },
                values: counter(s.samples, s.value / 60),
            })),
            instances: s.components.map((c) => ({ labels: { app: s.app, component: c }, valueAt: (t: number) => mapDefined(windowRate(s.value / 60, t, PER_MINUTE), (r) => r * 60) })),
            story: `${fmt(s.value)} failed logins a minute since start`,
        };
    },

    postgres_pool_usage: (s) => {
        const max = Number(s.runbook.data.postgres?.parameters.max_connections ?? 100);
        const used = (max * s.value) / 100;
        const series = postgresInstances(s.runbook).flatMap((instance) => {
            const base = { app: s.app, component: "postgres", job: "postgres", instance };
            return [
                { name: METRICS.pgMaxConnections, labels: base, values: gauge(s.samples, max) },
                { name: METRICS.pgConnections, labels: { ...base, datname: "app", state: "active" }, values: gauge(s.samples, used / 4) },
                { name: METRICS.pgConnections, labels: { ...base, datname: "app", state: "idle" }, values: gauge(s.samples, (used * 3) / 4) },
            ];
        });
        return {
            series,
            instances: postgresInstances(s.runbook).map((instance) => ({ labels: { app: s.app, component: "postgres", instance }, valueAt: () => s.value })),
            story: `${fmt(used)} of max_connections ${max} in use`,
        };
    },

    postgres_slow_queries: (s) => {
        const slow = (s.runbook.data.postgres?.slowQueryMs ?? NaN) / 1000;
        const instance = postgresInstances(s.runbook)[0];
        const base = { app: s.app, component: "postgres", job: "postgres", instance, datname: "app", user: "app" };
        const statements = [
            { queryid: "101", callsPerSecond: 50, mean: slow / 500 },
            { queryid: "202", callsPerSecond: s.value / 60, mean: slow * 2 },
        ];
        return {
            series: statements.flatMap((q) => [
                { name: METRICS.pgCalls, labels: { ...base, queryid: q.queryid }, values: counter(s.samples, q.callsPerSecond) },
                { name: METRICS.pgSeconds, labels: { ...base, queryid: q.queryid }, values: counter(s.samples, q.callsPerSecond * q.mean) },
            ]),
            instances: [{ labels: { app: s.app, component: "postgres", instance }, valueAt: (t) => mapDefined(windowRate(s.value / 60, t, PER_MINUTE), (r) => r * 60) }],
            story: `${fmt(s.value)} calls a minute of a statement taking ${fmt(slow * 2)} s, beside 50/s fast ones`,
        };
    },

    mongodb_connections_usage: (s) => {
        const max = 1000;
        const current = (max * s.value) / 100;
        const members = Array.from({ length: mongoMembers(s.runbook) }, (_, i) => `mongodb-${i}:9216`);
        return {
            series: members.flatMap((instance) => [
                { name: METRICS.mongoConnections, labels: { app: s.app, component: "mongodb", job: "mongodb", instance, conn_type: "current" }, values: gauge(s.samples, current) },
                { name: METRICS.mongoConnections, labels: { app: s.app, component: "mongodb", job: "mongodb", instance, conn_type: "available" }, values: gauge(s.samples, max - current) },
            ]),
            instances: members.map((instance) => ({ labels: { app: s.app, component: "mongodb", instance }, valueAt: () => s.value })),
            story: `${fmt(current)} of ${max} connections in use`,
        };
    },

    mongodb_query_time: (s) => {
        const instance = "mongodb-0:9216";
        const base = { app: s.app, component: "mongodb", job: "mongodb", instance };
        // Commands (hello, ping) are fast and frequent: a mean over them would hide slow queries.
        const ops = [
            { op_type: "reads", perSecond: 100, seconds: s.value },
            { op_type: "writes", perSecond: 20, seconds: s.value },
            { op_type: "commands", perSecond: 500, seconds: 0.00001 },
        ];
        return {
            series: ops.flatMap((o) => [
                { name: METRICS.mongoOps, labels: { ...base, op_type: o.op_type }, values: counter(s.samples, o.perSecond) },
                { name: METRICS.mongoLatencyMicros, labels: { ...base, op_type: o.op_type }, values: counter(s.samples, o.perSecond * o.seconds * 1e6) },
            ]),
            instances: [{ labels: { app: s.app, component: "mongodb", instance }, valueAt: ratio(s.value) }],
            story: `reads and writes take ${fmt(s.value * 1000)} ms each, commands 10 µs`,
        };
    },

    mongodb_replication_lag: (s) => {
        const members = mongoMembers(s.runbook);
        if (members < 2) throw new Error(`${s.runbook.app}: replication lag needs a replica set (data.mongodb.replicaSetMembers >= 2)`);
        const epochMs = 1_767_225_600_000;
        const member = (i: number) => `mongodb-${i}:27017`;
        // Member 1 lags by `value` seconds, the others keep up; two exporters report the same replica set.
        const lagOf = (i: number) => (i === 1 ? s.value : 0);
        const series: Sim[] = [0, 1].flatMap((exporter) =>
            Array.from({ length: members }, (_, i) => ({
                name: METRICS.mongoOptimeMillis,
                labels: { app: s.app, component: "mongodb", job: "mongodb", instance: `mongodb-${exporter}:9216`, member_idx: member(i), member_state: i === 0 ? "PRIMARY" : "SECONDARY" },
                values: times(s.samples).map((t) => epochMs + (t - lagOf(i)) * 1000),
            })),
        );
        return {
            series,
            instances: [{ labels: { app: s.app, component: "mongodb", member_idx: member(1) }, valueAt: () => s.value }],
            story: `secondary ${member(1)} applies the oplog ${fmt(s.value)} s behind the primary`,
        };
    },

    mongodb_lock_wait: (s) => {
        const instance = "mongodb-0:9216";
        const base = { app: s.app, component: "mongodb", job: "mongodb", instance };
        // Intent-exclusive waits last `value`, exclusive ones half that: the worst mode counts.
        const modes = [
            { mode: "w", waitsPerSecond: 4, seconds: s.value },
            { mode: "W", waitsPerSecond: 1, seconds: s.value / 2 },
        ];
        return {
            series: modes.flatMap((m) => [
                { name: `mongodb_ss_locks_Global_acquireWaitCount_${m.mode}`, labels: base, values: counter(s.samples, m.waitsPerSecond) },
                { name: `mongodb_ss_locks_Global_timeAcquiringMicros_${m.mode}`, labels: base, values: counter(s.samples, m.waitsPerSecond * m.seconds * 1e6) },
            ]),
            instances: [{ labels: { app: s.app, component: "mongodb", instance }, valueAt: ratio(s.value) }],
            story: `waits for the Global lock last ${fmt(s.value)} s (intent-exclusive) and ${fmt(s.value / 2)} s (exclusive)`,
        };
    },

    redis_hit_rate: (s) => {
        const base = { app: s.app, component: "redis", job: "redis", instance: "redis-0:9121" };
        return {
            series: [
                { name: METRICS.redisHits, labels: base, values: counter(s.samples, 10 * s.value) },
                { name: METRICS.redisMisses, labels: base, values: counter(s.samples, 10 * (100 - s.value)) },
            ],
            instances: [{ labels: { app: s.app, component: "redis" }, valueAt: ratio(s.value) }],
            story: `${fmt(s.value)}% of lookups hit`,
        };
    },

    redis_memory_usage: (s) => {
        const maxBytes = (s.runbook.data.redis?.maxmemoryMB ?? NaN) * 1024 * 1024;
        const base = { app: s.app, component: "redis", job: "redis", instance: "redis-0:9121" };
        return {
            series: [
                { name: METRICS.redisMax, labels: base, values: gauge(s.samples, maxBytes) },
                { name: METRICS.redisUsed, labels: base, values: gauge(s.samples, Math.round((maxBytes * s.value) / 100)) },
            ],
            instances: [{ labels: { app: s.app, component: "redis", instance: "redis-0:9121" }, valueAt: () => (100 * Math.round((maxBytes * s.value) / 100)) / maxBytes }],
            story: `${fmt(s.value)}% of maxmemory ${s.runbook.data.redis?.maxmemoryMB} MB used`,
        };
    },

    kafka_consumer_lag: (s) => {
        const kafka = s.runbook.data.kafka;
        if (!kafka) throw new Error(`${s.runbook.app}: kafka_consumer_lag needs data.kafka`);
        const base = { app: s.app, component: "kafka", job: "kafka", instance: "kafka-exporter:9308" };
        const pairs = kafka.consumerGroups.flatMap((group) => kafka.topics.map((topic) => ({ group, topic })));
        // A group the runbook does not name lags far more: it is someone else's consumer.
        const stranger = { group: "ad-hoc-console-consumer", topic: kafka.topics[0], lag: Math.round(s.value * 10) };
        // Lag is whole messages per partition; the total is what the runbook's number counts.
        const total = Math.round(s.value);
        const partitionSeries = (group: string, topic: { name: string; partitions: number }, lag: number) =>
            Array.from({ length: topic.partitions }, (_, p) => ({
                name: METRICS.kafkaLag,
                labels: { ...base, consumergroup: group, topic: topic.name, partition: String(p) },
                values: gauge(s.samples, Math.floor(lag / topic.partitions) + (p < lag % topic.partitions ? 1 : 0)),
            }));
        return {
            series: [...pairs.flatMap((p) => partitionSeries(p.group, p.topic, total)), ...partitionSeries(stranger.group, stranger.topic, stranger.lag)],
            instances: pairs.map((p) => ({ labels: { app: s.app, component: "kafka", consumergroup: p.group, topic: p.topic.name }, valueAt: () => total })),
            story: `${total} messages behind over ${kafka.topics[0].partitions} partitions, and a stray console consumer ${stranger.lag} behind`,
        };
    },

    memory_usage: (s) => ({
        series: s.components.flatMap((c) => {
            const limit = service(s, c).resources.limits.memoryMiB * 1024 * 1024;
            return [1, 2].flatMap((replica) => {
                const labels = { app: s.app, component: c, job: "cadvisor", instance: "cadvisor:8080", name: `${s.app}-${c}-${replica}` };
                const used = replica === 1 ? s.value : s.value / 2;
                return [
                    { name: METRICS.containerMemoryLimit, labels, values: gauge(s.samples, limit) },
                    { name: METRICS.containerMemory, labels, values: gauge(s.samples, (limit * used) / 100) },
                ];
            });
        }),
        instances: s.components.map((c) => ({ labels: { app: s.app, component: c }, valueAt: () => s.value })),
        story: `one replica uses ${fmt(s.value)}% of its memory limit, the other half that`,
    }),

    cpu_usage: (s) => ({
        series: s.components.flatMap((c) => {
            const cpus = service(s, c).resources.limits.cpu;
            const period = 100000;
            return [1, 2].flatMap((replica) => {
                const labels = { app: s.app, component: c, job: "cadvisor", instance: "cadvisor:8080", name: `${s.app}-${c}-${replica}` };
                const busy = replica === 1 ? s.value : s.value / 2;
                return [
                    { name: METRICS.containerCpuQuota, labels, values: gauge(s.samples, cpus * period) },
                    { name: METRICS.containerCpuPeriod, labels, values: gauge(s.samples, period) },
                    // Older cAdvisor versions label the usage counter with cpu="total"; the limits have no such label.
                    { name: METRICS.containerCpu, labels: { ...labels, cpu: "total" }, values: counter(s.samples, (cpus * busy) / 100) },
                ];
            });
        }),
        instances: s.components.map((c) => ({ labels: { app: s.app, component: c }, valueAt: (t: number) => windowRate(s.value, t) })),
        story: `one replica busy at ${fmt(s.value)}% of its CPU limit since start, the other half that`,
    }),

    disk_usage: (s) => {
        const size = 100 * 1024 ** 3;
        const base = { app: s.app, job: "node", instance: "node-1:9100" };
        const fs = (mountpoint: string, fstype: string, device: string, usedPercent: number) => [
            { name: METRICS.fsSize, labels: { ...base, mountpoint, fstype, device }, values: gauge(s.samples, size) },
            { name: METRICS.fsAvail, labels: { ...base, mountpoint, fstype, device }, values: gauge(s.samples, (size * (100 - usedPercent)) / 100) },
        ];
        return {
            // A nearly full tmpfs holds no data: it must not page anyone.
            series: [...fs("/", "ext4", "/dev/nvme0n1p1", s.value), ...fs("/run", IGNORED_FSTYPES[0], "tmpfs", 99)],
            instances: [{ labels: { app: s.app, instance: "node-1:9100", mountpoint: "/" }, valueAt: () => s.value }],
            story: `the root filesystem is ${fmt(s.value)}% full, a tmpfs 99%`,
        };
    },

    backup_age: (s) => {
        // Age grows as time passes: a firing case starts beyond the threshold, a quiet one ends below it.
        const anchor = s.side === "fire" ? 0 : (s.samples - 1) * STEP;
        const datasets = s.runbook.backups.map((b) => ({ dataset: b.dataset, interval: durationSeconds(b.every), lastSuccess: Math.round(anchor - s.value * durationSeconds(b.every)) }));
        return {
            series: datasets.map((d) => ({
                name: METRICS.backupLastSuccess,
                labels: { app: s.app, dataset: d.dataset, job: "backup", instance: "" },
                values: gauge(s.samples, d.lastSuccess),
            })),
            instances: datasets.map((d) => ({ labels: { app: s.app, dataset: d.dataset }, valueAt: (t: number) => (t - d.lastSuccess) / d.interval })),
            story: `each dataset's last backup is ${fmt(s.value)} of its own intervals old (${datasets.map((d) => `${d.dataset} every ${d.interval / 3600}h`).join(", ")})`,
        };
    },
};

function mapDefined(v: number | undefined, f: (v: number) => number): number | undefined {
    return v === undefined ? undefined : f(v);
}

const SEVERITY_RANK = { info: 0, warning: 1, critical: 2 } as const;

/**
 * The signal values a level is tested at: just beyond the threshold (short of the next, more
 * severe level) and just on the safe side. `bool` signals are 1 (down) and 0 (up).
 */
export function testValues(alert: Alert, level: Level): { fire: number; calm: number } {
    if (alert.unit === "bool") return { fire: 1, calm: 0 };
    const t = level.threshold;
    const sign = alert.direction === "above" ? 1 : -1;
    let margin = t > 0 ? t * 0.1 : 1;
    if (alert.unit === "percent") margin = Math.min(margin, (100 - t) / 2, t / 2);
    const severer = alert.levels.filter((l) => SEVERITY_RANK[l.severity] > SEVERITY_RANK[level.severity]).map((l) => Math.abs(l.threshold - t));
    const room = Math.min(margin, ...severer.filter((d) => d > 0).map((d) => d / 2));
    return { fire: t + sign * room, calm: t - sign * margin };
}

const beyond = (alert: Alert, level: Level, v: number) => (alert.direction === "above" ? v > level.threshold : v < level.threshold);

/** Go's `printf "%.2f"`: round half to even on the exact binary value. */
export function goFixed2(x: number): string {
    // Only odd eighths (0.125, 0.375, ...) lie exactly halfway between two cents; JavaScript rounds those up.
    if (Number.isInteger(x * 8) && !Number.isInteger(x * 4)) {
        const down = Math.floor(x * 100);
        return ((down % 2 === 0 ? down : down + 1) / 100).toFixed(2);
    }
    return x.toFixed(2);
}

/** Renders the annotation templates the rules use: `{{ $labels.x }}` and the two-decimal `$value`. */
export function renderTemplate(template: string, labels: Labels, value: number): string {
    const out = template
        .replace(/\{\{ \$labels\.([a-zA-Z_][a-zA-Z0-9_]*) \}\}/g, (_, l: string) => labels[l] ?? "")
        .replace(/\{\{ printf "%\.2f" \$value \}\}/g, () => goFixed2(value));
    if (out.includes("{{")) throw new Error(`unrendered template left in "${out}"`);
    return out;
}

function seriesString(sim: Sim): string {
    const labels = Object.entries(sim.labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(", ");
    return `${sim.name}{${labels}}`;
}

function num(v: number): string {
    const s = String(v);
    if (/e/i.test(s) || !Number.isFinite(v)) throw new Error(`${v} cannot be written in promtool's series notation`);
    return s;
}

/** promtool's expanding notation: runs of equal steps become `a+bxn` (n+1 values). */
export function encodeValues(values: readonly number[]): string {
    const out: string[] = [];
    let i = 0;
    while (i < values.length) {
        let j = i;
        if (i + 1 < values.length) {
            const d = values[i + 1] - values[i];
            const tolerance = 1e-9 * Math.max(1, Math.abs(d), Math.abs(values[i]));
            j = i + 1;
            while (j + 1 < values.length && Math.abs(values[j + 1] - values[j] - d) <= tolerance) j++;
        }
        const n = j - i;
        if (n === 0) out.push(num(values[i]));
        else {
            const d = (values[j] - values[i]) / n;
            out.push(d === 0 ? `${num(values[i])}x${n}` : `${num(values[i])}${d < 0 ? "-" : "+"}${num(Math.abs(d))}x${n}`);
        }
        i = j + 1;
    }
    return out.join(" ");
}

const seconds = (t: number) => `${t}s`;

function scenarioFor(runbook: Runbook, alert: Alert, app: string, value: number, side: Side, samples: number): Scenario {
    return BUILDERS[alert.signal]({ runbook, alert, app, components: scopeComponents(runbook, alert), value, side, samples });
}

/**
 * Seconds between rule evaluations in the tests: the coarsest interval (at most a minute) that
 * every `for` of the app is a whole number of, so `for` is checked to the evaluation on both
 * sides with as few evaluations as possible.
 */
export function evaluationSeconds(runbook: Runbook): number {
    const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
    const every = runbook.alerts.flatMap((a) => a.levels.map((l) => durationSeconds(l.for))).reduce(gcd, 60);
    if (every % STEP !== 0) throw new Error(`${runbook.app}: some \`for\` is not a whole number of the ${SCRAPE_INTERVAL} scrape interval`);
    return every;
}

/** One named expectation about one alert, with the series it needs. */
export interface PromtoolCase {
    readonly name: string;
    readonly alertname: string;
    /** Every metric the case's series use; cases with disjoint sets can share a test group. */
    readonly metrics: ReadonlySet<string>;
    readonly input_series: readonly InputSeries[];
    readonly alert_rule_test: readonly AlertRuleTest[];
}

function levelCases(runbook: Runbook, env: Env, alert: Alert, level: Level): PromtoolCase[] {
    const name = alertName(runbook.app, alert.id, level.severity);
    const hold = durationSeconds(level.for);
    const tick = evaluationSeconds(runbook);
    const window = SIGNAL_SPECS[alert.signal].window;
    const horizon = (window ? durationSeconds(window) : 0) + hold + 2 * tick;
    const samples = horizon / STEP + 1;
    const { fire, calm } = testValues(alert, level);
    const ticks = Array.from({ length: horizon / tick + 1 }, (_, i) => i * tick);
    const where = `${name} (${runbook.app}/${env})`;

    const firing = scenarioFor(runbook, alert, runbook.app, fire, "fire", samples);
    const crossed = (v: number | undefined) => v !== undefined && beyond(alert, level, v);
    const onsets = firing.instances.map((inst) => ticks.find((t) => crossed(inst.valueAt(t))));
    const onset = onsets[0];
    if (onset === undefined || onsets.some((o) => o !== onset) || onset + hold > horizon) {
        throw new Error(`${where}: the firing scenario does not cross ${level.threshold} at one moment early enough to hold ${level.for} within ${horizon}s`);
    }
    // Prometheus marks the alert pending at the first evaluation that crosses and fires at the
    // first one `for` later: the case checks that evaluation and the one before it.
    const firesAt = onset + hold;
    for (const inst of firing.instances) {
        for (const t of ticks.filter((t) => t >= onset && t <= firesAt)) {
            const v = inst.valueAt(t);
            if (v === undefined || !beyond(alert, level, v) || Math.abs(v - level.threshold) < 1e-6 * Math.max(1, Math.abs(level.threshold))) {
                throw new Error(`${where}: the firing scenario is not clearly beyond ${level.threshold} at ${t}s`);
            }
        }
        const atFire = inst.valueAt(firesAt) as number;
        if (Math.abs((atFire * 100) % 1 - 0.5) < 1e-6) throw new Error(`${where}: ${atFire} sits on a rounding edge of its two-decimal annotation`);
    }
    const expected = firing.instances.map((inst) => ({
        exp_labels: { ...inst.labels, severity: level.severity, app: runbook.app, env, alert_id: alert.id },
        exp_annotations: Object.fromEntries(Object.entries(levelAnnotations(runbook, alert, level)).map(([k, tpl]) => [k, renderTemplate(tpl, inst.labels, inst.valueAt(firesAt) as number)])),
    }));

    const quiet = scenarioFor(runbook, alert, runbook.app, calm, "calm", samples);
    for (const inst of quiet.instances) {
        for (const t of ticks.filter((t) => t <= firesAt)) {
            const v = inst.valueAt(t);
            if (v !== undefined && beyond(alert, level, v)) throw new Error(`${where}: the quiet scenario crosses ${level.threshold} at ${t}s`);
        }
    }
    const stranger = scenarioFor(runbook, alert, `not-${runbook.app}`, fire, "fire", samples);
    const inputs = (sims: readonly Sim[]) => sims.map((sim) => ({ series: seriesString(sim), values: encodeValues(sim.values) }));
    const metricsOf = (sims: readonly Sim[]) => new Set(sims.map((sim) => sim.name));

    return [
        {
            name: `${name} fires: ${firing.story}, from ${seconds(onset)} for ${level.for}`,
            alertname: name,
            metrics: metricsOf(firing.series),
            input_series: inputs(firing.series),
            alert_rule_test: [
                { eval_time: seconds(firesAt - tick), alertname: name, exp_alerts: [] },
                { eval_time: seconds(firesAt), alertname: name, exp_alerts: expected },
            ],
        },
        {
            name: `${name} quiet: ${quiet.story}, while another app's ${firing.story}`,
            alertname: name,
            metrics: metricsOf([...quiet.series, ...stranger.series]),
            input_series: inputs([...quiet.series, ...stranger.series]),
            alert_rule_test: [{ eval_time: seconds(firesAt), alertname: name, exp_alerts: [] }],
        },
    ];
}

/** Every case for an app on one env and target, in rule order, the Watchdog last. */
export function promtoolCases(runbook: Runbook, env: Env, target: Target): PromtoolCase[] {
    const watchdog = watchdogRule(runbook, env, target);
    return [
        ...alertsOn(runbook, target).prometheus.flatMap((alert) => alert.levels.flatMap((level) => levelCases(runbook, env, alert, level))),
        {
            name: `${WATCHDOG} fires from the first evaluation`,
            alertname: WATCHDOG,
            metrics: new Set(),
            input_series: [],
            alert_rule_test: [{ eval_time: "0s", alertname: WATCHDOG, exp_alerts: [{ exp_labels: watchdog.labels, exp_annotations: watchdog.annotations }] }],
        },
    ];
}

/** First-fit packing of cases into test groups whose cases read disjoint metrics. */
function pack(cases: readonly PromtoolCase[]): PromtoolTest[] {
    const groups: { metrics: Set<string>; cases: PromtoolCase[] }[] = [];
    for (const c of cases) {
        let group = groups.find((g) => [...c.metrics].every((m) => !g.metrics.has(m)));
        if (!group) {
            group = { metrics: new Set(), cases: [] };
            groups.push(group);
        }
        c.metrics.forEach((m) => group.metrics.add(m));
        group.cases.push(c);
    }
    return groups.map((g) => ({
        name: g.cases.map((c) => c.name).join(" | "),
        interval: SCRAPE_INTERVAL,
        input_series: g.cases.flatMap((c) => c.input_series),
        alert_rule_test: g.cases.flatMap((c) => c.alert_rule_test),
    }));
}

/** The promtool test file for an app on one env and target, testing `ruleFile` (rulesFor's output). */
export function promtoolTests(runbook: Runbook, env: Env, target: Target, ruleFile = "rules.yml"): PromtoolTestFile {
    return {
        rule_files: [ruleFile],
        evaluation_interval: seconds(evaluationSeconds(runbook)),
        tests: pack(promtoolCases(runbook, env, target)),
    };
}

/** Case names per alert name (for coverage); each also appears in the name of the group that runs it. */
export function caseNamesByAlert(runbook: Runbook, env: Env, target: Target): Map<string, string[]> {
    const byAlert = new Map<string, string[]>();
    for (const c of promtoolCases(runbook, env, target)) byAlert.set(c.alertname, [...(byAlert.get(c.alertname) ?? []), c.name]);
    return byAlert;
}
