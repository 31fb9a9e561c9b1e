import test from "ava";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { receiverName, routingCases } from "../../../capabilities/alerting";
import { appConnectionEnv, deploymentSpec, ingressAnnotations, kafkaLagThreshold, scaledByKeda } from "../../../capabilities/kubernetes/apps";
import { backupPlan } from "../../../capabilities/backups/plan";
import { bucketCopy } from "../../../capabilities/kubernetes/backups";
import { cnpgSchedule } from "../../../capabilities/kubernetes/cron";
import { alertmanagerYaml } from "../../../capabilities/kubernetes/monitoring";
import { names, topicObjectName } from "../../../capabilities/kubernetes/names";
import { minioAppUserSecret, minioValues } from "../../../capabilities/kubernetes/minio";
import { objectStorageAppUser } from "../../../capabilities/datastores";
import { postgresInstances } from "../../../capabilities/kubernetes/postgres";
import { redisTopology } from "../../../capabilities/kubernetes/redis";
import { DEFAULT_INGRESS_NAMESPACE, networkPolicies } from "../../../capabilities/kubernetes/security";
import { CHARTS, dataImage, strimziKafkaVersion } from "../../../capabilities/kubernetes/versions";
import { getRunbook, type AppId, type Dataset, type Runbook } from "../../../runbooks";
import { APPS, EXACT_SEMVER, fireTimes, run, tempDir } from "./helpers";

/** The target's decisions as plain functions, without the Pulumi runtime. */

const dirs: string[] = [];
test.after.always(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const copy = (app: (typeof APPS)[number]) => structuredClone(getRunbook(app)) as Runbook;

test("cnpgSchedule: every runbook backup cron fires at the same instants as six fields with seconds", (t) => {
    for (const app of APPS) {
        for (const b of getRunbook(app).backups) {
            const six = cnpgSchedule(b.cron);
            t.is(six.split(" ").length, 6);
            t.is(six.split(" ")[0], "0");
            t.deepEqual(fireTimes(six, 200), fireTimes(b.cron, 200), `${app} ${b.dataset} ${b.cron}`);
        }
    }
});

test("cnpgSchedule: Sunday as 7 becomes 0 (robfig/cron takes 0-6); malformed input is refused", (t) => {
    for (const cron of ["0 3 * * 7", "30 2 * * 5-7", "15 4 1 * 1,7", "0 */6 * * 1-5", "0 5 1 1,4,7,10 *"]) {
        const six = cnpgSchedule(cron);
        t.false(/(^|[ ,-])7($|[ ,-])/.test(six.split(" ")[5]), `${six} has no 7 in day-of-week`);
        t.deepEqual(fireTimes(six, 60), fireTimes(cron, 60), cron);
    }
    t.throws(() => cnpgSchedule("0 1 * *"), { message: /five-field/ });
    t.throws(() => cnpgSchedule("@daily"), { message: /five-field/ });
    t.throws(() => cnpgSchedule("0 3 * * 7/2"), { message: /Sunday as 0/ });
});

test("postgresInstances: primary plus the runbook's replicas, never fewer than two outside local", (t) => {
    for (const app of APPS) {
        const pg = getRunbook(app).data.postgres;
        if (!pg) continue;
        t.is(postgresInstances(pg, "local"), 1 + pg.readReplicas);
        t.is(postgresInstances(pg, "staging"), Math.max(2, 1 + pg.readReplicas));
        t.is(postgresInstances({ ...pg, readReplicas: 3 }, "staging"), 4);
    }
});

test("redisTopology: one pod standalone, primary and replica replicated, three shards of two in cluster mode", (t) => {
    for (const app of APPS) {
        const rb = getRunbook(app);
        if (!rb.data.redis) continue;
        const topo = redisTopology(rb);
        t.is(topo.mode, rb.data.redis.mode);
        t.deepEqual([topo.replicas, topo.shards], { standalone: [1, 1], replicated: [2, 1], cluster: [6, 3] }[rb.data.redis.mode]);
    }
    const noRedis = copy("gravitypm");
    delete noRedis.data.redis;
    t.throws(() => redisTopology(noRedis), { message: /data\.redis/ });
});

test("KEDA: a consumer is added before lag reaches the runbook's warning; only Kafka apps' workers scale on it", (t) => {
    const rb = getRunbook("personal-finance-hub");
    const warning = rb.alerts.find((a) => a.signal === "kafka_consumer_lag")!.levels.find((l) => l.severity === "warning")!;
    const consumer = rb.services.find((s) => s.role === "worker")!;
    const threshold = kafkaLagThreshold(rb, consumer.scaling.min);
    // KEDA wants ceil(lag / threshold) consumers: at the warning it already asks for more than the minimum.
    t.true(Math.ceil(warning.threshold / threshold) > consumer.scaling.min);
    t.true(Math.ceil((warning.threshold / 2) / threshold) <= consumer.scaling.min + 1, "not so low that half the warning doubles the consumers");
    for (const min of [1, 2, 3, 5]) t.true(kafkaLagThreshold(rb, min) * min < warning.threshold, `min ${min}`);
    const tightened = copy("personal-finance-hub");
    tightened.alerts.find((a) => a.signal === "kafka_consumer_lag")!.levels.find((l) => l.severity === "warning")!.threshold = 250;
    t.true(kafkaLagThreshold(tightened, consumer.scaling.min) * consumer.scaling.min < 250);
    const noAlert = copy("personal-finance-hub");
    noAlert.alerts = noAlert.alerts.filter((a) => a.signal !== "kafka_consumer_lag");
    t.throws(() => kafkaLagThreshold(noAlert, 2), { message: /kafka_consumer_lag/ });
    for (const app of APPS) {
        const r = getRunbook(app);
        t.deepEqual(r.services.filter((s) => scaledByKeda(r, s)).map((s) => s.name), app === "personal-finance-hub" ? ["consumer"] : []);
    }
});

test("alertmanager.yaml: valid for amtool, routes every severity to the runbook's receivers, no integration without a credential", (t) => {
    const dir = tempDir("am");
    dirs.push(dir);
    for (const app of APPS) {
        const rb = getRunbook(app);
        const text = alertmanagerYaml(rb, { pagerdutyRoutingKey: "0123456789abcdef0123456789abcdef", slackWebhookUrl: "https://hooks.example.test/services/T0/B0/x" });
        const file = path.join(dir, `${app}.yml`);
        fs.writeFileSync(file, text);
        const check = run("amtool", ["check-config", file]);
        t.is(check.status, 0, `${app}: ${check.out}`);
        for (const c of routingCases(rb, "staging")) {
            const res = run("amtool", ["config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${c.receiver}`, ...Object.entries(c.labels).map(([k, v]) => `${k}=${v}`)]);
            t.is(res.status, 0, `${app} ${c.name}: ${res.out}`);
        }
        const config = YAML.parse(text);
        const integrations = config.receivers.flatMap((r: Record<string, unknown>) => Object.keys(r).filter((k) => k.endsWith("_configs")));
        t.deepEqual([...new Set(integrations)].sort(), ["pagerduty_configs", "slack_configs"], `${app}: no webhook (no switch URL) and no e-mail (no relay)`);
        t.false(Object.keys(config.global).some((k) => k.startsWith("smtp_")));
        const withoutPager = YAML.parse(alertmanagerYaml(rb, { slackWebhookUrl: "https://hooks.example.test/x" }));
        t.false(JSON.stringify(withoutPager).includes("pagerduty_configs"));
    }
});

test("alertmanager.yaml with a dead man's switch URL and a mail relay: the Watchdog pings it, the runbook's alert e-mail is sent, amtool accepts it", (t) => {
    const dir = tempDir("am-full");
    dirs.push(dir);
    const smtp = { smarthost: "smtp.example.test:587", from: "alertmanager@example.test", authUsername: "alertmanager", authPassword: "relay-password" };
    for (const app of APPS) {
        const rb = getRunbook(app);
        const text = alertmanagerYaml(rb, { pagerdutyRoutingKey: "0123456789abcdef0123456789abcdef", slackWebhookUrl: "https://hooks.example.test/x", deadMansSwitchUrl: "https://hc-ping.example.test/abc", smtp });
        const file = path.join(dir, `${app}.yml`);
        fs.writeFileSync(file, text);
        const check = run("amtool", ["check-config", file]);
        t.is(check.status, 0, `${app}: ${check.out}`);
        const config = YAML.parse(text);
        const watchdog = config.receivers.find((r: { name: string }) => r.name === receiverName(app, "watchdog"));
        t.deepEqual(watchdog.webhook_configs.map((w: { url: string }) => w.url), ["https://hc-ping.example.test/abc"]);
        const warning = config.receivers.find((r: { name: string }) => r.name === receiverName(app, "warning"));
        const email = rb.incident.channels.email;
        t.deepEqual((warning.email_configs ?? []).map((e: { to: string }) => e.to), email ? [email] : [], `${app}: e-mail only where the runbook names an address`);
        t.is(config.global.smtp_smarthost, smtp.smarthost);
        t.is(config.global.smtp_auth_password, smtp.authPassword);
        t.false(text.includes("unset.invalid"), `${app}: no stand-in survives`);
    }
});

test("bucket backups: formula-pm copies per the runbook's backupSync, gravitypm copies its files and config buckets into the backup bucket", (t) => {
    const planned = (app: AppId, dataset: Dataset) => backupPlan(getRunbook(app)).find((p) => p.dataset === dataset)!;
    const fpm = getRunbook("formula-pm");
    const sync = fpm.data.objectStorage!.backupSync!;
    t.deepEqual(bucketCopy(planned("formula-pm", "files"), names("formula-pm", "formula-pm")), { source: `minio/${sync.from}`, dest: `minio/${sync.to}/${sync.prefix.replace(/\/$/, "")}` });
    const g = getRunbook("gravitypm");
    const n = names("gravitypm", "gravitypm");
    t.deepEqual(bucketCopy(planned("gravitypm", "files"), n), { source: `minio/${g.data.objectStorage!.buckets.find((b) => b.endsWith("-files"))}`, dest: `minio/${n.backupBucket}/files` });
    t.deepEqual(bucketCopy(planned("gravitypm", "config"), n), { source: `minio/${g.data.objectStorage!.buckets.find((b) => b.endsWith("-config"))}`, dest: `minio/${n.backupBucket}/config` });
    t.throws(() => bucketCopy(planned("gravitypm", "mongodb"), n), { message: /not a bucket dataset/ });
});

test("restore checks fail on a backup older than two of its intervals", (t) => {
    for (const app of APPS) {
        for (const p of backupPlan(getRunbook(app))) {
            const every = { "1d": 24, "6h": 6 }[p.backup.every as "1d" | "6h"];
            t.is(p.maxAgeHours, 2 * every, `${app} ${p.dataset}`);
        }
    }
});

test("NetworkPolicies: default deny first, one policy per service port and data service", (t) => {
    const n = names("bunty", "bunty");
    const rb = getRunbook("bunty");
    const policies = networkPolicies(n, rb.services, ["postgres", "redis", "minio"]);
    t.deepEqual(policies[0], { part: "default-deny-ingress", spec: { podSelector: {}, policyTypes: ["Ingress"] } });
    // No public host: the app's own service pods and the monitoring namespace only (issue 15; the ingress controller's namespace only with hosts).
    const appPods = { podSelector: { matchLabels: { "app.kubernetes.io/part-of": n.app, "app.kubernetes.io/component": "app" } } };
    const inNs = (ns: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } });
    for (const s of rb.services) t.deepEqual(policies.find((p) => p.part === `service-${s.name}`)?.spec.ingress, [{ from: [appPods, inNs(n.monitoring)], ports: [{ protocol: "TCP", port: s.port }] }]);
    const minio = policies.find((p) => p.part === "data-minio")!;
    t.true(JSON.stringify(minio.spec.ingress).includes("cnpg.io/cluster"), "PostgreSQL ships WAL to MinIO");
    t.false(JSON.stringify(policies.find((p) => p.part === "data-redis")!.spec.ingress).includes("cnpg.io/cluster"));
    t.false(policies.some((p) => p.part === "acme-http01-solver"), "no public host, no certificate challenge");
    // With public hosts cert-manager's HTTP-01 solver pods must be reachable, or no certificate is issued.
    const solver = networkPolicies(n, rb.services, [], true).find((p) => p.part === "acme-http01-solver")!;
    t.deepEqual(solver.spec.podSelector, { matchLabels: { "acme.cert-manager.io/http01-solver": "true" } });
    t.deepEqual(solver.spec.ingress, [{ from: [inNs(DEFAULT_INGRESS_NAMESPACE)], ports: [{ protocol: "TCP", port: 8089 }] }]);
    const served = networkPolicies(n, rb.services, [], true).find((p) => p.part === `service-${rb.services[0].name}`)!;
    t.deepEqual(served.spec.ingress, [{ from: [inNs(DEFAULT_INGRESS_NAMESPACE), appPods, inNs(n.monitoring)], ports: [{ protocol: "TCP", port: rb.services[0].port }] }], "public hosts: the ingress controller's namespace too");
});

test("names: Kafka topics get valid object names; every generated name fits Kubernetes' limits", (t) => {
    const dns1123 = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
    for (const app of APPS) {
        for (const topic of getRunbook(app).data.kafka?.topics ?? []) t.regex(topicObjectName(topic.name), dns1123);
        const n = names(app, app);
        for (const v of [n.postgres, n.redis, n.mongodb, n.kafka, n.minio, n.monitoring, n.operators, `${app}-restore-check-mongodb`]) t.true(v.length <= 52 && dns1123.test(v), v);
    }
    t.throws(() => topicObjectName("___"));
});

test("versions: charts pinned to exact versions; unknown data-service versions are refused naming the field", (t) => {
    for (const c of Object.values(CHARTS)) t.regex(c.version, EXACT_SEMVER, c.chart);
    const rb = copy("personal-finance-hub");
    rb.data.redis!.version = "6.0";
    t.throws(() => dataImage(rb, "redis"), { message: /`data\.redis\.version` = "6\.0".*allowed: 7\.2/ });
    rb.data.kafka!.version = "2.8.0";
    t.throws(() => strimziKafkaVersion(rb), { message: /`data\.kafka\.version` = "2\.8\.0"/ });
    for (const app of APPS) {
        const r = getRunbook(app);
        if (r.data.postgres) t.regex(dataImage(r, "cnpg"), new RegExp(`:${r.data.postgres.version}\\.\\d+$`));
        if (r.data.redis) t.regex(dataImage(r, "redis"), new RegExp(`:${r.data.redis.version.replace(".", "\\.")}\\.\\d+-bookworm$`));
    }
});

test("apps: fail early on an unpinned image, on public hosts without a ClusterIssuer, and on a missing data-service password", (t) => {
    const rb = getRunbook("bunty");
    const n = names("bunty", "bunty");
    t.throws(() => deploymentSpec(rb, n, rb.services[0], "ghcr.io/bunty/backend:latest"), { message: /`images\.backend`.*the tag "latest" moves/ });
    t.throws(() => deploymentSpec(rb, n, rb.services[0], "ghcr.io/bunty/backend"), { message: /has no tag/ });
    t.throws(() => ingressAnnotations(rb, { ingressClass: "nginx" }, { backend: "api.bunty.io" }), { message: /`kubernetes\.clusterIssuer` is required/ });
    t.throws(() => appConnectionEnv(rb, n, { postgres: "p" }), { message: /redis password is required/ });
    const env = appConnectionEnv(rb, n, { postgres: "p/w", redis: "r" });
    t.true(env.DATABASE_URL.includes(`${rb.data.postgres!.user}:p%2Fw@`), "passwords are URL-encoded");
    t.false("DATABASE_READ_URL" in env, "bunty has no read replicas");
});

test("object storage: the app gets its own MinIO user limited to the runbook's buckets, never the root user", (t) => {
    const rb = getRunbook("gravitypm");
    const n = names("gravitypm", "gravitypm");
    const env = appConnectionEnv(rb, n, { redis: "r", mongodb: "m", mongodbApp: "ma", objectStorage: "root-password", objectStorageApp: "app-password" });
    t.is(env.S3_ACCESS_KEY_ID, objectStorageAppUser(rb.app));
    t.is(env.S3_SECRET_ACCESS_KEY, "app-password");
    t.false(JSON.stringify(env).includes("root-password"), "the root password never reaches the app");
    const values = minioValues(rb, n) as { users: { accessKey: string; existingSecret: string; existingSecretKey: string; policy: string }[]; policies: { name: string; statements: { resources: string[]; actions: string[] }[] }[] };
    t.deepEqual(values.users, [{ accessKey: objectStorageAppUser(rb.app), existingSecret: minioAppUserSecret(n).name, existingSecretKey: minioAppUserSecret(n).key, policy: objectStorageAppUser(rb.app) }]);
    const resources = values.policies[0].statements.flatMap((st) => st.resources);
    t.deepEqual(resources, rb.data.objectStorage!.buckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]));
    t.false(resources.some((r) => r.includes(n.backupBucket)), "the backup bucket stays the platform's");
    // No app user where the runbook has no object storage, and `users` still set: left out, the chart creates console/console123.
    t.deepEqual((minioValues(getRunbook("bunty"), names("bunty", "bunty")) as { users: unknown[] }).users, [], "no app user where the runbook has no object storage");
});
