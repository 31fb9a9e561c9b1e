import { tierName } from "../backups/plan";
import { durationSeconds, type Alert, type Runbook, type Signal } from "../../runbooks";
import { metricNaming, IGNORED_FSTYPES, METRICS, httpMetricNames, LATENCY_QUANTILES, latencyBuckets } from "./metrics";
import { SIGNAL_SPECS, scopeComponents } from "./signals";
import { STEP, counter, fmt, gauge, ratio, times, type Labels, type Scenario, type Setup, type Side, type Sim } from "./scenario-kit";
import { HEALTH_SCENARIOS } from "./scenarios-health";
import { GAUGES_NAMED_TOTAL, OBJECT_STORAGE_SCENARIOS } from "./minio";
import { RABBITMQ_SCENARIOS } from "./rabbitmq";

/**
 * The promtool scenario of each signal: the series an exporter would show when the signal has a
 * given value (counters growing at a rate, histogram buckets filling, a primary's optime running
 * ahead of a secondary's), and the signal's value for each alert instance at each moment, said
 * from the signal's definition, never from the rule's expression. promtool-tests.ts turns them
 * into test cases; a new signal adds its scenario here.
 */

export { STEP, type Labels, type Scenario, type Side, type Sim } from "./scenario-kit";

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

/** Health probes of two replicas per service, each replica's probe result given by `success`. */
function healthReplicas(s: Setup, success: (replica: number) => number, story: string): Scenario {
    return {
        series: s.components.flatMap((c) =>
            [1, 2].map((replica) => {
                const svc = service(s, c);
                return {
                    name: METRICS.probeSuccess,
                    labels: { app: s.app, component: c, job: "blackbox", instance: `http://${s.app}-${c}-${replica}:${svc.port}${svc.healthPath}`, probe: "health" },
                    values: gauge(s.samples, success(replica)),
                };
            }),
        ),
        instances: s.components.map((c) => ({ labels: { app: s.app, component: c }, valueAt: () => s.value })),
        story,
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

function latencyScenario(s: Setup): Scenario {
    const q = LATENCY_QUANTILES[s.alert.signal] ?? NaN;
    const http = httpMetricNames(metricNaming(s.runbook));
    const buckets = latencyBuckets(s.runbook);
    const perSecond = 100;
    // A share of requests just over 1 − q take `value` seconds, the rest are fast, so the percentile is in `value`'s bucket.
    // 1.2 (1 − q) of them: just over the percentile's share, so the estimate falls in `value`'s bucket
    // (the per-scrape reading never mixes a safe interval with a breaching one).
    const slow = Math.round(1200 * (1 - q)) / 1000;
    const observations = [
        { latency: buckets[0], share: 1 - slow },
        { latency: s.value, share: slow },
    ];
    const cumulative = buckets.map((le) => observations.filter((o) => o.latency <= le).reduce((a, o) => a + o.share, 0));
    const series: Sim[] = s.components.flatMap((c) => {
        const base = { app: s.app, component: c, job: c, instance: `${c}-1:${service(s, c).port}`, method: "GET" };
        return [
            ...buckets.map((le, i) => ({ name: `${http.duration}_bucket`, labels: { ...base, le: String(le) }, values: counter(s.samples, perSecond * cumulative[i]) })),
            { name: `${http.duration}_bucket`, labels: { ...base, le: "+Inf" }, values: counter(s.samples, perSecond) },
            // The request counter says the service has traffic enough for a percentile to mean something.
            { name: http.requests, labels: { ...base, [http.statusLabel]: "200" }, values: counter(s.samples, perSecond) },
        ];
    });
    // A histogram only knows buckets: the estimate interpolates linearly inside the bucket that holds the percentile.
    const i = cumulative.findIndex((c) => c >= q);
    const lower = i > 0 ? buckets[i - 1] : 0;
    const below = i > 0 ? cumulative[i - 1] : 0;
    const estimate = i < 0 ? buckets[buckets.length - 1] : lower + (buckets[i] - lower) * ((q - below) / (cumulative[i] - below));
    return {
        series,
        instances: s.components.map((c) => ({ labels: { app: s.app, component: c }, valueAt: ratio(estimate) })),
        story: `${fmt(slow * 100, 1)}% of requests take ${fmt(s.value, 3)} s, the rest ${buckets[0]} s`,
    };
}

/** One scenario per signal, keyed like SIGNAL_SPECS. */
const SCENARIOS: Readonly<Record<Signal, (s: Setup) => Scenario>> = {
    ...HEALTH_SCENARIOS,
    // Two replicas per service. Down (1): neither answers; up (0): one still answers, so one dead replica is not an outage.
    service_down: (s) => healthReplicas(s, (replica) => (s.value ? 0 : replica === 1 ? 0 : 1), s.value ? "no replica answers /health" : "one of two replicas fails /health, the other answers"),
    // Down (1): one replica fails while the other answers; up (0): both answer.
    service_replica_down: (s) => healthReplicas(s, (replica) => (s.value && replica === 1 ? 0 : 1), s.value ? "one of two replicas fails /health, the other answers" : "every replica answers /health"),
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
    kafka_down: (s) => upGauge(s, METRICS.up, "kafka", [{ component: "kafka", instance: "kafka-exporter:9308" }], true),
    // An expired or invalid certificate fails the handshake: the probe fails and exports no probe_ssl_* series.
    tls_probe_down: (s) => upGauge(s, METRICS.probeSuccess, "blackbox", probeTargets(s, "tls"), false),

    postgres_replication_lag: (s) => {
        const instances = postgresInstances(s.runbook);
        if (instances.length < 2) throw new Error(`${s.runbook.app}: replication lag needs a read replica (data.postgres.readReplicas >= 1)`);
        // The primary reports 0; the first replica lags by `value`, the others keep up.
        return {
            series: instances.map((instance, i) => ({
                name: METRICS.pgReplicationLag,
                labels: { app: s.app, component: "postgres", job: "postgres", instance },
                values: gauge(s.samples, i === 1 ? s.value : 0),
            })),
            instances: [{ labels: { app: s.app, component: "postgres", instance: instances[1] }, valueAt: () => s.value }],
            story: `replica ${instances[1]} replays ${fmt(s.value)} s behind the primary`,
        };
    },

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
        const http = httpMetricNames(metricNaming(s.runbook));
        const total = 200;
        const server = (total * s.value) / 100;
        // 404s are failures of the client, not of the service: they must not count.
        const client = total * 0.05;
        const series: Sim[] = s.components.flatMap((c) => {
            const base = { app: s.app, component: c, job: c, instance: `${c}-1:${service(s, c).port}`, method: "GET" };
            const requests = [
                { name: http.requests, labels: { ...base, [http.statusLabel]: "200" }, values: counter(s.samples, total - server - client) },
                { name: http.requests, labels: { ...base, [http.statusLabel]: "404" }, values: counter(s.samples, client) },
                { name: http.requests, labels: { ...base, [http.statusLabel]: "500" }, values: counter(s.samples, server) },
            ];
            const errors =
                http.errors === http.requests
                    ? []
                    : [
                          { name: http.errors, labels: { ...base, [http.statusLabel]: "404" }, values: counter(s.samples, client) },
                          { name: http.errors, labels: { ...base, [http.statusLabel]: "500" }, values: counter(s.samples, server) },
                      ];
            return [...requests, ...errors];
        });
        return {
            series,
            instances: s.components.map((c) => ({ labels: { app: s.app, component: c }, valueAt: ratio(s.value) })),
            story: `${fmt(s.value)}% of requests answer 5xx (and 5% answer 404)`,
        };
    },

    http_latency_p95: (s) => latencyScenario(s),
    http_latency_p99: (s) => latencyScenario(s),

    auth_failures: (s) => {
        const http = httpMetricNames(metricNaming(s.runbook));
        return {
            series: s.components.map((c) => ({
                name: http.authFailures,
                labels: { app: s.app, component: c, job: c, instance: `${c}-1:${service(s, c).port}`, reason: "bad_password" },
                values: counter(s.samples, s.value / 60),
            })),
            instances: s.components.map((c) => ({ labels: { app: s.app, component: c }, valueAt: ratio(s.value) })),
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
            instances: [{ labels: { app: s.app, component: "postgres", instance }, valueAt: ratio(s.value) }],
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
        // An election is under way (no PRIMARY), and member 1 has fallen so far behind that it is
        // RECOVERING: neither may hide its lag. Two exporters report the same replica set.
        const lagOf = (i: number) => (i === 1 ? s.value : 0);
        const stateOf = (i: number) => (i === 1 ? "RECOVERING" : "SECONDARY");
        const series: Sim[] = [0, 1].flatMap((exporter) =>
            Array.from({ length: members }, (_, i) => ({
                name: METRICS.mongoOptimeMillis,
                labels: { app: s.app, component: "mongodb", job: "mongodb", instance: `mongodb-${exporter}:9216`, member_idx: member(i), member_state: stateOf(i) },
                values: times(s.samples).map((t) => epochMs + (t - lagOf(i)) * 1000),
            })),
        );
        return {
            series,
            instances: [{ labels: { app: s.app, component: "mongodb", member_idx: member(1) }, valueAt: () => s.value }],
            story: `with no primary during an election, RECOVERING member ${member(1)} is ${fmt(s.value)} s behind the most advanced member`,
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

    ...RABBITMQ_SCENARIOS,
    ...OBJECT_STORAGE_SCENARIOS,

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
        instances: s.components.map((c) => ({ labels: { app: s.app, component: c }, valueAt: ratio(s.value) })),
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
        // A tier is its own series, labelled as its jobs push it (`postgres-weekly`).
        const datasets = s.runbook.backups.map((b) => ({ dataset: tierName(b.dataset, b.tier), interval: durationSeconds(b.every), lastSuccess: Math.round(anchor - s.value * durationSeconds(b.every)) }));
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

/** The series and expected values of one alert at one signal value, for `samples` samples from t=0. */
export function scenarioFor(runbook: Runbook, alert: Alert, app: string, value: number, side: Side, samples: number): Scenario {
    return SCENARIOS[alert.signal]({ runbook, alert, app, components: scopeComponents(runbook, alert), value, side, samples });
}

/**
 * Whether an exporter's series is a counter (it only grows; a scenario's value sets its slope) or a
 * gauge (a scenario's value sets its level). The contract's counters end in `_total` or `_bucket`,
 * except the MongoDB exporter's serverStatus counters, which keep mongod's own names, and the HTTP
 * client histogram's `_count` (a `_count` alone is no counter: `pg_stat_activity_count` is a gauge).
 */
export function isCounter(metric: string): boolean {
    return (/_(total|bucket)$/.test(metric) && !(GAUGES_NAMED_TOTAL as readonly string[]).includes(metric)) || metric === METRICS.httpClientCalls || /^mongodb_ss_(opLatencies|locks)_/.test(metric);
}

const seriesKey = (sim: Sim) => `${sim.name}${JSON.stringify(Object.entries(sim.labels).sort(([a], [b]) => a.localeCompare(b)))}`;

/**
 * The series of `calm`, except that from `from` until `until` (seconds) they behave as in
 * `breach`: a gauge takes the breach scenario's samples, a counter grows at its rate. Both
 * scenarios must show the same series, as one scenario at two values does.
 */
export function splice(calm: Scenario, breach: Scenario, from: number, until = Infinity): Sim[] {
    const breaching = new Map(breach.series.map((sim) => [seriesKey(sim), sim]));
    if (breaching.size !== calm.series.length) throw new Error(`the calm and breach scenarios show different series (${calm.story} / ${breach.story})`);
    return calm.series.map((sim) => {
        const other = breaching.get(seriesKey(sim));
        if (!other) throw new Error(`the breach scenario (${breach.story}) has no series ${seriesKey(sim)}`);
        const values: number[] = [];
        const counter = isCounter(sim.name);
        sim.values.forEach((v, i) => {
            const t = i * STEP;
            if (!counter) values.push(t >= from && t < until ? other.values[i] : v);
            // The increment up to sample i happened in the interval (t - STEP, t].
            else if (i === 0) values.push(v);
            else values.push(values[i - 1] + (t > from && t <= until ? other.values[i] - other.values[i - 1] : v - sim.values[i - 1]));
        });
        return { name: sim.name, labels: sim.labels, values };
    });
}
