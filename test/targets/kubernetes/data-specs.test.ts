import test from "ava";
import { createHash } from "crypto";
import { backupSecrets, PLATFORM_DIR, platformScripts, platformScriptsConfigMap } from "../../../capabilities/kubernetes/backups";
import { MONGO_AUTH_KEYS, mongoAuthSecret, mongoHeadlessSpec, mongoStatefulSetSpec } from "../../../capabilities/kubernetes/mongodb-statefulset";
import { MONGO_USERS_KEYS, mongoHeadless, mongoUsersSecret } from "../../../capabilities/kubernetes/mongodb";
import { names, serviceHost, type Names } from "../../../capabilities/kubernetes/names";
import { CNPG_METRICS_PORT, CNPG_REPLICATION_LAG, hasReplicaLagMonitor, postgresExporterDeploymentSpec, postgresExporterServiceSpec, postgresInstancesMonitorSpec } from "../../../capabilities/kubernetes/postgres-exporter";
import { serviceMonitorSpec } from "../../../capabilities/kubernetes/monitoring";
import { postgresExporterLabels } from "../../../capabilities/kubernetes/postgres-exporter";
import { SIGNAL_SPECS } from "../../../capabilities/alerting/signals";
import { METRICS } from "../../../capabilities/alerting/metrics";
import { signalQuery } from "../../../capabilities/alerting/signals";
import { allAlerts } from "../../../capabilities/alerting/baseline";
import { clusterSpec, postgresLogins, postgresMonitorSecret } from "../../../capabilities/kubernetes/postgres";
import { redisConfig, redisHeadless } from "../../../capabilities/kubernetes/redis";
import { REDIS_CONFIG_ANNOTATION, redisClientSpec, redisClusterInitSpec, redisHeadlessSpec, redisStatefulSetSpec } from "../../../capabilities/kubernetes/redis-statefulset";
import { getRunbook, type Runbook } from "../../../runbooks";
import { APPS, modelFor, stackNamespace } from "./helpers";

/**
 * The Redis, MongoDB and postgres_exporter objects the platform writes itself, as the pure spec
 * builders return them: no Pulumi runtime. Expectations come from the runbook data and from the
 * objects' own cross-references (a selector must pick the pods it names, a Secret key must be one
 * the component writes), and every spec must pass the kubernetes-models schema.
 */

const copy = (rb: Runbook) => structuredClone(rb) as Runbook;
const withRedis = APPS.map((app) => getRunbook(app)).filter((rb) => rb.data.redis);
const withMongo = APPS.map((app) => getRunbook(app)).filter((rb) => rb.data.mongodb);
const withPostgres = APPS.map((app) => getRunbook(app)).filter((rb) => rb.data.postgres);
const namesOf = (rb: Runbook): Names => names(rb.app, stackNamespace(rb.app));

async function validate(t: { notThrows: (fn: () => void, msg?: string) => void }, apiVersion: string, kind: string, name: string, spec: unknown) {
    const Model = await modelFor(apiVersion, kind);
    if (!Model) throw new Error(`no model for ${apiVersion} ${kind}`);
    t.notThrows(() => new Model({ apiVersion, kind, metadata: { name, namespace: "ns" }, spec }).validate(), `${kind} ${name}`);
}

const containersOf = (spec: any): any[] => [...(spec.template.spec.initContainers ?? []), ...spec.template.spec.containers];
const subset = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

test("the runbooks exercise every Redis mode and a MongoDB replica set (else these tests would prove less than they say)", (t) => {
    t.deepEqual(new Set(withRedis.map((rb) => rb.data.redis!.mode)), new Set(["standalone", "replicated", "cluster"]));
    t.true(withMongo.length > 0);
    t.true(withPostgres.length > 0);
});

test("Redis StatefulSet: the runbook's mode sets the pods, its maxmemory the memory, and its redis.conf the roll annotation", async (t) => {
    for (const rb of withRedis) {
        const redis = rb.data.redis!;
        const n = namesOf(rb);
        const spec: any = redisStatefulSetSpec(rb, n);
        // One pod standalone, a primary and its replica, or three shards of a primary and a replica each.
        t.is(spec.replicas, { standalone: 1, replicated: 2, cluster: 6 }[redis.mode], rb.app);
        t.is(spec.serviceName, redisHeadless(n));
        t.true(subset(spec.selector.matchLabels, spec.template.metadata.labels), `${rb.app}: the selector picks its own pods`);

        const server = spec.template.spec.containers.find((c: any) => c.name === "redis");
        t.is(server.resources.requests.memory, `${redis.maxmemoryMB}Mi`, `${rb.app}: requests hold maxmemory`);
        t.is(server.resources.limits.memory, `${2 * redis.maxmemoryMB}Mi`, `${rb.app}: a fork for a snapshot can touch as much again`);
        t.true(server.image.startsWith(`redis:${redis.version}.`), `${rb.app}: ${server.image} runs the runbook's Redis ${redis.version}`);
        t.is(server.env.find((e: any) => e.name === "REDIS_MODE").value, redis.mode);
        t.is(server.env.find((e: any) => e.name === "HEADLESS_DOMAIN").value, serviceHost(redisHeadless(n), n.namespace));
        const claim = spec.volumeClaimTemplates[0].spec.resources.requests.storage as string;
        t.true(Number(claim.replace(/Mi$/, "")) >= 4 * redis.maxmemoryMB, `${rb.app}: ${claim} keeps an RDB and an AOF of maxmemory`);

        // The annotation is the hash of the config the pods mount: changing a runbook number rolls them.
        const tightened = copy(rb);
        tightened.data.redis!.maxmemoryMB = redis.maxmemoryMB - 1;
        const annotation = (r: Runbook) => (redisStatefulSetSpec(r, n) as any).template.metadata.annotations[REDIS_CONFIG_ANNOTATION];
        t.regex(annotation(rb), /^[0-9a-f]{64}$/);
        t.not(annotation(rb), annotation(tightened), `${rb.app}: a changed maxmemory rolls the pods`);
        await validate(t, "apps/v1", "StatefulSet", n.redis, spec);
    }
});

test("Redis: the password reaches servers, exporter and cluster init from the auth Secret only, and the start scripts exist", async (t) => {
    for (const rb of withRedis) {
        const n = namesOf(rb);
        const spec: any = redisStatefulSetSpec(rb, n);
        const init: any = redisClusterInitSpec(rb, n);
        const pods = [spec, ...(init ? [init] : [])];
        for (const pod of pods) {
            for (const c of containersOf(pod)) {
                for (const e of c.env ?? []) {
                    if (!/PASSWORD|AUTH/.test(e.name)) continue;
                    t.deepEqual(e.valueFrom?.secretKeyRef, { name: backupSecrets(n).redis, key: "password" }, `${rb.app} ${c.name} ${e.name}`);
                    t.is(e.value, undefined);
                }
                for (const arg of [...(c.command ?? []), ...(c.args ?? [])]) {
                    if (!arg.startsWith(`${PLATFORM_DIR}/`)) continue;
                    t.true(arg.slice(PLATFORM_DIR.length + 1) in platformScripts(), `${rb.app}: ${arg} is in the platform scripts ConfigMap`);
                }
            }
            const scripts = pod.template.spec.volumes.find((v: any) => v.name === "scripts");
            t.is(scripts.configMap.name, platformScriptsConfigMap(n));
        }
    }
});

test("Redis cluster init: only in cluster mode, joining every pod of the StatefulSet into the shards", async (t) => {
    for (const rb of withRedis) {
        const n = namesOf(rb);
        const init: any = redisClusterInitSpec(rb, n);
        if (rb.data.redis!.mode !== "cluster") {
            t.is(init, undefined, rb.app);
            continue;
        }
        const replicas = (redisStatefulSetSpec(rb, n) as any).replicas as number;
        const env = Object.fromEntries(init.template.spec.containers[0].env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
        const nodes = (env.REDIS_NODES as string).split(" ");
        t.is(nodes.length, replicas);
        t.deepEqual(nodes, Array.from({ length: replicas }, (_, i) => `${n.redis}-${i}.${serviceHost(redisHeadless(n), n.namespace)}`));
        // Each shard is a primary and one replica.
        t.is(Number(env.REDIS_SHARDS) * 2, replicas);
        t.is(init.template.spec.restartPolicy, "OnFailure");
        await validate(t, "batch/v1", "Job", `${n.redis}-cluster-init`, init);
    }
    const noRedis = copy(getRunbook("gravitypm"));
    delete noRedis.data.redis;
    t.throws(() => redisClusterInitSpec(noRedis, namesOf(noRedis)), { message: /data\.redis/ });
    t.throws(() => redisStatefulSetSpec(noRedis, namesOf(noRedis)), { message: /data\.redis/ });
});

test("Redis Services: the headless one publishes every pod (ready or not); clients reach pod 0 unless the cluster routes them", async (t) => {
    for (const rb of withRedis) {
        const n = namesOf(rb);
        const podLabels = (redisStatefulSetSpec(rb, n) as any).template.metadata.labels;
        const headless: any = redisHeadlessSpec(n);
        t.is(headless.clusterIP, "None");
        t.true(headless.publishNotReadyAddresses, `${rb.app}: the pods find each other before they are ready`);
        t.true(subset(headless.selector, podLabels), rb.app);
        const client: any = redisClientSpec(rb, n);
        t.true(subset(Object.fromEntries(Object.entries(client.selector).filter(([k]) => !k.startsWith("statefulset."))) as Record<string, string>, podLabels));
        t.is(client.selector["statefulset.kubernetes.io/pod-name"], rb.data.redis!.mode === "cluster" ? undefined : `${n.redis}-0`, rb.app);
        await validate(t, "v1", "Service", redisHeadless(n), headless);
        await validate(t, "v1", "Service", n.redis, client);
    }
});

test("MongoDB StatefulSet: the runbook's members, oplog size and version; keyfile copied in 0400; credentials from the auth Secret", async (t) => {
    for (const rb of withMongo) {
        const mongo = rb.data.mongodb!;
        const n = namesOf(rb);
        const spec: any = mongoStatefulSetSpec(rb, n);
        t.is(spec.replicas, mongo.replicaSetMembers, rb.app);
        t.is(spec.serviceName, mongoHeadless(n));
        t.true(subset(spec.selector.matchLabels, spec.template.metadata.labels));
        const mongod = spec.template.spec.containers.find((c: any) => c.name === "mongodb");
        const flag = (f: string) => mongod.command[mongod.command.indexOf(f) + 1];
        t.is(flag("--oplogSize"), `${mongo.oplogSizeMB}`, `${rb.app}: the runbook's oplog`);
        t.is(flag("--replSet"), mongod.env.find((e: any) => e.name === "MONGO_REPLICA_SET").value);
        t.true(mongod.image.startsWith(`mongo:${mongo.version}.`), `${rb.app}: ${mongod.image} runs MongoDB ${mongo.version}`);
        const members = mongod.env.find((e: any) => e.name === "MONGO_MEMBERS").value.split(" ");
        t.deepEqual(members, Array.from({ length: mongo.replicaSetMembers }, (_, i) => `${n.mongodb}-${i}.${serviceHost(mongoHeadless(n), n.namespace)}:27017`));
        const claim = spec.volumeClaimTemplates[0].spec.resources.requests.storage as string;
        t.true(Number(claim.replace(/Mi$/, "")) >= mongo.oplogSizeMB, `${rb.app}: ${claim} holds the oplog`);

        // The keyfile reaches mongod through an init container that makes it owner-only.
        const copyKey = spec.template.spec.initContainers.find((c: any) => c.name === "keyfile");
        t.regex(copyKey.command.join(" "), /chmod 0400/);
        const auth = spec.template.spec.volumes.find((v: any) => v.name === "auth");
        t.is(auth.secret.secretName, mongoAuthSecret(n));
        t.deepEqual(auth.secret.items.map((i: any) => i.key), [MONGO_AUTH_KEYS.keyfile]);
        const keys = Object.values(MONGO_AUTH_KEYS) as string[];
        for (const c of containersOf(spec)) {
            for (const e of c.env ?? []) {
                if (!e.valueFrom) continue;
                if (e.valueFrom.fieldRef) continue;
                // The exporter logs in as the monitoring user, whose URI is in the users' Secret; root's Secret is the members' alone.
                const exporter = c.name === "mongodb-exporter";
                t.is(e.valueFrom.secretKeyRef.name, exporter ? mongoUsersSecret(n) : mongoAuthSecret(n), `${rb.app} ${c.name} ${e.name}`);
                t.true(exporter ? e.valueFrom.secretKeyRef.key === MONGO_USERS_KEYS.exporterUri : keys.includes(e.valueFrom.secretKeyRef.key), `${rb.app} ${c.name} ${e.name} reads a key its Secret has`);
            }
        }
        const headless: any = mongoHeadlessSpec(n);
        t.is(headless.clusterIP, "None");
        t.true(subset(headless.selector, spec.template.metadata.labels));
        await validate(t, "apps/v1", "StatefulSet", n.mongodb, spec);
        await validate(t, "v1", "Service", mongoHeadless(n), headless);
    }
    const more = copy(withMongo[0]);
    more.data.mongodb!.replicaSetMembers = 5;
    t.is((mongoStatefulSetSpec(more, namesOf(more)) as any).replicas, 5);
    const none = copy(withMongo[0]);
    delete none.data.mongodb;
    t.throws(() => mongoStatefulSetSpec(none, namesOf(none)), { message: /data\.mongodb/ });
});

test("postgres_exporter: the Service selects the Deployment's pods; it reads the app database on the primary as the monitoring role, not the owner", async (t) => {
    for (const rb of withPostgres) {
        const pg = rb.data.postgres!;
        const n = namesOf(rb);
        const deployment: any = postgresExporterDeploymentSpec(rb, n);
        const service: any = postgresExporterServiceSpec(n);
        const labels = deployment.template.metadata.labels;
        t.true(subset(deployment.selector.matchLabels, labels));
        t.true(subset(service.selector, labels), `${rb.app}: the Service reaches the exporter`);
        const env = Object.fromEntries(deployment.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
        t.is(env.DATA_SOURCE_URI, `${serviceHost(`${n.postgres}-rw`, n.namespace)}:5432/${pg.database}?sslmode=require`);
        t.not(env.DATA_SOURCE_USER, pg.user);
        t.is(env.DATA_SOURCE_USER, postgresLogins(rb).monitor);
        t.deepEqual(env.DATA_SOURCE_PASS, { secretKeyRef: { name: postgresMonitorSecret(n), key: "password" } });
        // The Cluster keeps that role with pg_monitor only, and the owner without any administrative attribute.
        const roles = Object.fromEntries((clusterSpec(rb, "staging", n) as any).managed.roles.map((r: any) => [r.name, r]));
        t.deepEqual(roles[env.DATA_SOURCE_USER].inRoles, ["pg_monitor"]);
        t.is(roles[env.DATA_SOURCE_USER].passwordSecret.name, postgresMonitorSecret(n));
        for (const role of Object.values(roles) as any[]) {
            for (const attr of ["superuser", "createrole", "createdb", "replication", "bypassrls"]) t.is(role[attr], false, `${rb.app}: ${role.name}.${attr}`);
        }
        t.is(roles[pg.user].passwordSecret.name, `${n.postgres}-app`);
        const port = deployment.template.spec.containers[0].ports[0];
        t.is(service.ports[0].targetPort, port.name);
        await validate(t, "apps/v1", "Deployment", `${n.postgres}-exporter`, deployment);
        await validate(t, "v1", "Service", `${n.postgres}-exporter`, service);
    }
});

test("replica lag per instance: with read replicas a PodMonitor reads every CloudNativePG instance's own lag, renamed as the contract reads it, one series per pod", async (t) => {
    for (const rb of withPostgres) {
        const n = namesOf(rb);
        const lagAlerts = allAlerts(rb).filter((a) => a.signal === "postgres_replication_lag");
        t.is(hasReplicaLagMonitor(rb), lagAlerts.length > 0, `${rb.app}: the instances' PodMonitor exists exactly where the replica-lag alert does`);
        const monitor: any = postgresInstancesMonitorSpec(rb, n);
        // The cluster's instance pods, whichever is primary (its lag is 0), not its Jobs or a Pooler.
        t.deepEqual(monitor.selector.matchLabels, { "cnpg.io/cluster": n.postgres, "cnpg.io/podRole": "instance" });
        const endpoint = monitor.podMetricsEndpoints[0];
        t.is(endpoint.port, CNPG_METRICS_PORT);
        // Only the lag, under the contract's name: the primary's exporter stays the source of every other PostgreSQL series.
        t.deepEqual(endpoint.metricRelabelings, [
            { action: "keep", sourceLabels: ["__name__"], regex: CNPG_REPLICATION_LAG },
            { action: "replace", sourceLabels: ["__name__"], targetLabel: "__name__", replacement: METRICS.pgReplicationLag },
        ]);
        // The primary exporter's app and component stamps, and the pod as `instance`: each replica its own alert instance.
        const primaryStamps = (serviceMonitorSpec(rb, n, postgresExporterLabels(n), "metrics", "postgres") as any).endpoints[0].relabelings;
        t.deepEqual(endpoint.relabelings, [...primaryStamps, { action: "replace", sourceLabels: ["__meta_kubernetes_pod_name"], targetLabel: "instance" }]);
        t.true(SIGNAL_SPECS.postgres_replication_lag.identity.includes("instance"), "the rule keeps the instance: one alert per replica");
        for (const alert of lagAlerts) {
            const expr = signalQuery(rb, alert);
            t.true(expr.includes(`${METRICS.pgReplicationLag}{app="${rb.app}", component="postgres"}`), `${rb.app}: ${expr}`);
        }
        await validate(t, "monitoring.coreos.com/v1", "PodMonitor", `${n.postgres}-instances`, monitor);
    }
});

test("the hash in the Redis annotation is sha256 of the rendered redis.conf the ConfigMap holds", (t) => {
    // Recomputed from the capability the ConfigMap is built from, so the annotation cannot drift from the mounted file.
    for (const rb of withRedis) {
        const expected = createHash("sha256").update(redisConfig(rb)).digest("hex");
        t.is((redisStatefulSetSpec(rb, namesOf(rb)) as any).template.metadata.annotations[REDIS_CONFIG_ANNOTATION], expected, rb.app);
    }
});
