import { LOGGED_LABELS } from "../../../capabilities/docker/logging";
import test from "ava";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { planStack, type PlannedResource, type StackPlan } from "../../../cli/harness/runtime";
import { readStackConfig, SECRET_PLACEHOLDER } from "../../../cli/harness/stack-files";
import { receiverName, renderArtifacts, requiredExporters, type DirectReceivers } from "../../../capabilities/alerting";
import { EXPORTERS } from "../../../capabilities/alerting/exporters";
import { METRICS } from "../../../capabilities/alerting/metrics";
import { localArtifacts } from "../../../capabilities/docker/artifacts";
import { localPostgresConf, pgHbaConf, postgresInitScript, postgresReplicaScript } from "../../../capabilities/docker/postgres";
import { prometheusYaml } from "../../../capabilities/docker/prometheus";
import { localRedisConf, redisStartScript } from "../../../capabilities/docker/redis";
import { usesDataServices } from "../../../capabilities/datastores";
import { getRunbook, type AppId, type Runbook } from "../../../runbooks";
import { resolveStack, type PlatformContext } from "../../../stacks/settings";
import { APPS, REPO, T, byHost, containersOf, envOf, imageOf, labelOf, localStack, mountedVolumes, ofType, secretEnvNames, strings, uploadsOf } from "./helpers";

/**
 * The real program under the mock engine for all five `<app>-local` stacks: every resource it
 * registers is checked against the runbook it was built from (`context.runbook`), the metrics
 * contract and the operations scripts, never against the generator's own constants.
 */

const plans = new Map<AppId, StackPlan>();
const contexts = new Map<AppId, PlatformContext>();

test.before(async () => {
    for (const app of APPS) {
        const stack = localStack(app);
        contexts.set(app, resolveStack(stack, readStackConfig(stack).config));
        plans.set(app, await planStack(stack));
    }
});

const plan = (app: AppId) => plans.get(app)!;
const ctx = (app: AppId) => contexts.get(app)!;
const rbOf = (app: AppId): Runbook => ctx(app).runbook;
const healthText = (c: PlannedResource) => ((c.props.healthcheck as { tests?: string[] } | undefined)?.tests ?? []).join(" ");
const imageRepo = (ref: string) => ref.replace(/(@sha256:[a-f0-9]+|:[^:/]+)$/, "");

/** Upstream default listen ports of the exporters (their documentation's, not this project's). */
const UPSTREAM_PORTS: Record<string, number> = { minio: 9000, blackbox: 9115, postgres: 9187, redis: 9121, kafka: 9308, mongodb: 9216, cadvisor: 8080, node: 9100, pushgateway: 9091 };

const dummyReceivers = (rb: Runbook): DirectReceivers => ({
    kind: "direct",
    pagerdutyRoutingKey: "k",
    slackWebhookUrl: "https://hooks.example.com/x",
    deadMansSwitchUrl: "https://dms.example.com/x",
    ...(rb.incident.channels.email ? { smtp: { smarthost: "smtp.example.com:25", from: "a@example.com" } } : {}),
});

/** The folders of a container's uploads, shallowest first where several nest (as withUploadVolumes mounts them). */
function uploadFolders(c: PlannedResource): string[] {
    const dirs = [...new Set([...uploadsOf(c).keys()].map((f) => path.posix.dirname(f)))].sort((a, b) => a.length - b.length || a.localeCompare(b));
    return dirs.filter((d, i) => !dirs.slice(0, i).some((k) => d.startsWith(`${k}/`))).sort((a, b) => a.length - b.length);
}

for (const app of APPS) {
    test(`${app}: the docker tree is one component with the target's provider on every docker resource`, (t) => {
        const p = plan(app);
        t.is(p.target, "docker");
        const providers = ofType(p, T.provider);
        t.is(providers.length, 1);
        t.is(providers[0].props.host, ctx(app).settings.docker?.host);
        const providerRef = `${providers[0].urn}::${providers[0].name}-id`;
        const dockerResources = p.resources.filter((r) => r.type.startsWith("docker:"));
        t.true(dockerResources.length > 20);
        for (const r of dockerResources) t.is(r.options.provider, providerRef, `${r.name} uses the stack's docker provider`);
        const byUrn = new Map(p.resources.map((r) => [r.urn, r]));
        const platform = p.resources.find((r) => r.type === "platform:docker:Platform");
        t.truthy(platform);
        for (const r of p.resources.filter((r) => r.type.startsWith("docker:") || r.type.startsWith("platform:docker:") || r.type === T.provider)) {
            if (r === platform) continue;
            const parent = r.parent ? byUrn.get(r.parent) : undefined;
            t.truthy(parent, `${r.name} has a parent`);
            t.true(parent!.type.startsWith("platform:docker:"), `${r.name} is under the docker target`);
            t.true(r.name.startsWith(`${parent!.name}-`), `${r.name} is named after its parent ${parent!.name}`);
        }
    });

    test(`${app}: every runbook service runs scaling.desired replicas with its image, healthcheck, limits and restart policy`, (t) => {
        const p = plan(app);
        const rb = rbOf(app);
        for (const svc of rb.services) {
            const replicas = containersOf(p, svc.name);
            t.is(replicas.length, svc.scaling.desired, `${svc.name}: scaling.desired`);
            t.deepEqual(
                replicas.map((c) => c.props.hostname).sort(),
                Array.from({ length: svc.scaling.desired }, (_, i) => `${svc.name}-${i + 1}`).sort(),
            );
            const ref = ctx(app).settings.images[svc.name];
            for (const c of replicas) {
                t.is(labelOf(c, "platform.image"), ref);
                t.deepEqual(imageOf(p, c).map((i) => i.props.name), [ref]);
                t.true(healthText(c).includes(`127.0.0.1:${svc.port}${svc.healthPath}`), `${c.name} checks ${svc.healthPath} on ${svc.port}`);
                t.is(c.props.memory, svc.resources.limits.memoryMiB, "memory limit, MiB as the provider takes it");
                t.is(c.props.memoryReservation, svc.resources.reservations.memoryMiB);
                t.is(Number(c.props.cpus), svc.resources.limits.cpu);
                t.is(c.props.cpuShares, Math.round(svc.resources.reservations.cpu * 1024));
                t.is(c.props.restart, "unless-stopped");
                const aliases = (c.props.networksAdvanced as { aliases: string[] }[])[0].aliases;
                t.true(aliases.includes(svc.name), "all replicas answer to the service name (DNS round-robin)");
                t.is(envOf(c).PORT, `${svc.port}`);
                // Only services that use the data services get their credentials; a frontend none.
                const dataEnv = [...Object.keys(envOf(c)), ...secretEnvNames(c)].filter((k) => /^(PG|DATABASE_|REDIS_|MONGODB_|KAFKA_|S3_|AWS_SECRET)/.test(k));
                t.is(dataEnv.length > 0, usesDataServices(svc) && Object.keys(rb.data).length > 0, `${c.name}: data settings ${dataEnv.join(", ") || "none"}`);
            }
        }
    });

    test(`${app}: data services follow the runbook, each with its volume and healthcheck`, (t) => {
        const p = plan(app);
        const rb = rbOf(app);
        const { data } = rb;
        const stateful: PlannedResource[] = [];
        if (data.postgres) {
            const pg = data.postgres;
            const primary = byHost(p, "postgres");
            stateful.push(primary);
            t.true(String(labelOf(primary, "platform.image")).startsWith(`postgres:${pg.version}.`), "an exact release of the runbook's major");
            const confPath = String((primary.props.command as string[]).find((a) => a.startsWith("config_file="))).slice("config_file=".length);
            const conf = uploadsOf(primary).get(confPath)?.content ?? "";
            for (const [k, v] of Object.entries(pg.parameters)) t.regex(conf, new RegExp(`^${k} = '?${v.replace(".", "\\.")}'?$`, "m"), k);
            t.regex(conf, new RegExp(`^shared_preload_libraries = '${pg.preloadLibraries.join(",")}'$`, "m"));
            t.regex(conf, new RegExp(`^log_min_duration_statement = ${pg.slowQueryMs}$`, "m"));
            t.true(healthText(primary).includes("pg_isready"));
            // The data volume, then one volume per folder the read-only container's uploads go to.
            t.deepEqual(mountedVolumes(p, primary).map((m) => m.path), [envOf(primary).PGDATA, ...uploadFolders(primary)]);
            t.true(secretEnvNames(primary).includes("POSTGRES_PASSWORD"));
            t.is(envOf(primary).POSTGRES_DB, pg.database);
            t.is(envOf(primary).POSTGRES_USER, pg.user);
            const init = [...uploadsOf(primary).entries()].find(([f]) => f.startsWith("/docker-entrypoint-initdb.d/"));
            for (const lib of pg.preloadLibraries) t.true(init?.[1].content.includes(`CREATE EXTENSION IF NOT EXISTS ${lib}`), lib);
            const replicas = containersOf(p, "postgres").filter((c) => c !== primary);
            t.is(replicas.length, pg.readReplicas, "data.postgres.readReplicas");
            for (const r of replicas) {
                stateful.push(r);
                const script = [...uploadsOf(r).values()].map((u) => u.content).join("\n");
                t.regex(script, /pg_basebackup .*--host=postgres .*--write-recovery-conf/);
                t.true(r.options.dependsOn.includes(primary.urn));
                t.true(secretEnvNames(r).includes("PGPASSWORD"), "the replication password");
            }
        } else t.is(containersOf(p, "postgres").length, 0);

        if (data.redis) {
            const redis = data.redis;
            const primary = byHost(p, "redis");
            stateful.push(primary);
            const conf = [...uploadsOf(primary).values()].map((u) => u.content).join("\n");
            t.regex(conf, new RegExp(`^maxmemory ${redis.maxmemoryMB}mb$`, "m"));
            t.regex(conf, new RegExp(`^maxmemory-policy ${redis.maxmemoryPolicy}$`, "m"));
            for (const [s, n] of redis.save) t.regex(conf, new RegExp(`^save ${s} ${n}$`, "m"));
            t.true(secretEnvNames(primary).includes("REDIS_PASSWORD"));
            t.false((primary.props.command as string[]).join(" ").includes("generated-"), "no password on the command line");
            t.true(healthText(primary).includes("redis-cli") && !healthText(primary).includes("generated-"));
            const replicas = containersOf(p, "redis").filter((c) => c !== primary);
            t.is(replicas.length, redis.mode === "replicated" ? 1 : 0);
            for (const r of replicas) {
                stateful.push(r);
                t.regex((r.props.command as string[]).join(" "), /replicaof %s\\n' 'redis 6379'/);
            }
        } else t.is(containersOf(p, "redis").length, 0);

        if (data.kafka) {
            const kafka = data.kafka;
            const brokers = containersOf(p, "kafka").filter((c) => envOf(c).KAFKA_NODE_ID !== undefined);
            t.is(brokers.length, kafka.brokers, "data.kafka.brokers");
            t.deepEqual(brokers.map((b) => Number(envOf(b).KAFKA_NODE_ID)).sort(), Array.from({ length: kafka.brokers }, (_, i) => i + 1));
            for (const b of brokers) {
                stateful.push(b);
                const env = envOf(b);
                t.is(env.KAFKA_PROCESS_ROLES, "broker,controller", "KRaft, no ZooKeeper");
                t.is(env.KAFKA_CONTROLLER_QUORUM_VOTERS.split(",").length, kafka.brokers);
                t.is(env.KAFKA_MIN_INSYNC_REPLICAS, `${kafka.minInsyncReplicas}`);
                t.is(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE, "false");
                t.true("CLUSTER_ID" in env);
            }
            const job = containersOf(p, "kafka").find((c) => envOf(c).KAFKA_NODE_ID === undefined)!;
            const script = [...uploadsOf(job).values()].map((u) => u.content).join("\n");
            for (const topic of kafka.topics) {
                t.true(topic.replicationFactor <= kafka.brokers);
                t.true(script.includes(`create ${topic.name} ${topic.partitions} ${topic.replicationFactor}`), topic.name);
            }
            t.true(script.includes(`min.insync.replicas=${kafka.minInsyncReplicas}`));
            t.is(job.props.restart, "on-failure");
            t.false(job.props.mustRun as boolean, "a one-shot job is left stopped once done");
            for (const b of brokers) t.true(job.options.dependsOn.includes(b.urn));
        } else t.is(containersOf(p, "kafka").length, 0);

        if (data.mongodb) {
            const mongo = data.mongodb;
            const members = containersOf(p, "mongodb").filter((c) => (c.props.command as string[])[0] === "mongod");
            t.is(members.length, mongo.replicaSetMembers, "data.mongodb.replicaSetMembers");
            for (const m of members) {
                stateful.push(m);
                const cmd = (m.props.command as string[]).join(" ");
                t.true(cmd.includes(`--oplogSize ${mongo.oplogSizeMB}`));
                t.true(cmd.includes("--replSet") && cmd.includes("--auth") && cmd.includes("--keyFile"));
                const key = uploadsOf(m).get("/etc/mongo/keyfile");
                t.is(key?.permissions, "0400");
                t.true(m.secretPaths.some((s) => s.startsWith("uploads[")), "the key file is a secret");
            }
            const init = containersOf(p, "mongodb").find((c) => !members.includes(c))!;
            const script = [...uploadsOf(init).values()].map((u) => u.content).join("\n");
            for (const m of members) t.true(script.includes(`${m.props.hostname}:27017`), `rs.initiate includes ${m.props.hostname}`);
            t.is(init.props.restart, "on-failure");
        } else t.is(containersOf(p, "mongodb").length, 0);

        if (data.objectStorage) {
            const minio = byHost(p, "minio");
            stateful.push(minio);
            t.true(secretEnvNames(minio).includes("MINIO_ROOT_PASSWORD"));
            const job = containersOf(p, "objectStorage").find((c) => c !== minio)!;
            const script = [...uploadsOf(job).values()].map((u) => u.content).join("\n");
            for (const bucket of data.objectStorage.buckets) t.true(script.includes(`mc mb --ignore-existing local/${bucket}`), bucket);
        } else t.is(containersOf(p, "objectStorage").length, 0);

        for (const c of ofType(p, T.container).filter((x) => x.props.restart === "unless-stopped")) {
            t.true(Number(c.props.memory) > 0 && Number(c.props.cpus) > 0, `${c.name} is bounded`);
        }
        for (const c of containersOf(p, "redis")) t.true(Number(c.props.memory) > data.redis!.maxmemoryMB, `${c.name}: room above maxmemory`);
        for (const c of stateful) {
            const vols = mountedVolumes(p, c);
            t.true(vols.length >= 1, `${c.name} keeps its data in a named volume`);
            t.is(c.props.readOnly, true, `${c.name} runs on a read-only root`);
            for (const file of uploadsOf(c).keys()) t.true(vols.some((v) => file.startsWith(`${v.path}/`)), `${c.name}: ${file} is uploaded into a volume`);
            t.truthy(c.props.healthcheck, `${c.name} has a healthcheck`);
            t.is(c.props.restart, "unless-stopped");
        }
    });

    test(`${app}: volumes are protected as the stack says; ports are on loopback, monitoring ports are the runbook's`, (t) => {
        const p = plan(app);
        const rb = rbOf(app);
        for (const v of ofType(p, T.volume)) {
            t.is(v.options.protect, ctx(app).protect);
            t.is(v.options.retainOnDelete, ctx(app).protect);
        }
        const published = ofType(p, T.container).flatMap((c) => ((c.props.ports as { ip: string; internal: number; external: number }[] | undefined) ?? []).map((port) => ({ c, ...port })));
        for (const port of published) t.is(port.ip, "127.0.0.1", `${port.c.name} ${port.internal}`);
        t.is(new Set(published.map((port) => port.external)).size, published.length, "no host port twice");
        const on = (host: string) => published.filter((port) => port.c.props.hostname === host).map((port) => port.external);
        const m = rb.monitoring.ports;
        t.deepEqual(on("grafana"), [m.grafana]);
        t.deepEqual(on("prometheus"), [m.prometheus]);
        t.deepEqual(on("alertmanager"), [m.alertmanager]);
        t.deepEqual(on("loki"), [m.loki]);
        if (m.jaeger !== undefined) t.deepEqual(on("jaeger"), [m.jaeger]);
        else t.throws(() => byHost(p, "jaeger"));
        if (rb.data.postgres) t.deepEqual(on("postgres"), [5432]);
    });

    test(`${app}: every image is pulled once, pinned, and run by ID`, (t) => {
        const p = plan(app);
        const images = ofType(p, T.image);
        const names = images.map((i) => String(i.props.name));
        t.is(new Set(names).size, names.length);
        for (const name of names) {
            t.regex(name, /(:[^:/]*\d[^:/]*|@sha256:[a-f0-9]{64})$/, `${name} has a version tag or digest`);
            t.notRegex(name, /:latest$/);
        }
        for (const i of images) t.true(i.props.keepLocally as boolean);
        for (const c of ofType(p, T.container)) {
            const used = imageOf(p, c);
            t.is(used.length, 1, `${c.name} runs one pulled image`);
            t.is(labelOf(c, "platform.image"), String(used[0].props.name));
            t.is(labelOf(c, "app"), app);
            t.regex(String(c.props.image), /^sha256:[0-9a-f]{64}$/, "the pulled image's ID (the mock reports one, as docker inspect shows it)");
        }
    });

    test(`${app}: no secret appears in any input unless it is held as a secret`, (t) => {
        const p = plan(app);
        let generated = 0;
        for (const r of p.resources) {
            for (const s of strings(r.props)) {
                if (!s.value.includes("generated-")) continue;
                generated++;
                t.true(
                    r.secretPaths.some((path) => s.path === path || s.path.startsWith(`${path}.`) || s.path.startsWith(`${path}[`)),
                    `${r.name} ${s.path} holds a generated credential as a plain input`,
                );
                t.false(strings(r.inputs).some((shown) => shown.value.includes("generated-")), `${r.name} shows no credential in the plan`);
            }
            if (r.type === T.container) {
                const credentialNames = Object.keys(envOf(r)).filter((k) => /PASSWORD|_PASS$|^REDISCLI_AUTH$|SECRET_ACCESS_KEY|^MC_HOST_|^MONGO(DB)?_URI$|^DATABASE(_READ)?_URL$|^REDIS_URL$/.test(k));
                for (const k of credentialNames) t.true(secretEnvNames(r).includes(k), `${r.name} ${k} is secret`);
                if (secretEnvNames(r).length) t.true(r.options.additionalSecretOutputs.includes("envs"), `${r.name} keeps envs secret in state`);
            }
        }
        t.true(generated > 0, "the generated passwords are used somewhere");
    });

    test(`${app}: one backup job per runbook backup, running the operations scripts on the runbook's cron and retention`, (t) => {
        const p = plan(app);
        const rb = rbOf(app);
        const jobs = containersOf(p, "backups");
        t.is(jobs.length, rb.backups.length);
        const runner = fs.readFileSync(path.join(REPO, "capabilities/docker/scripts/cron-runner.sh"), "utf8");
        for (const backup of rb.backups) {
            const job = byHost(p, `backup-${backup.dataset}`);
            const env = envOf(job);
            t.is(env.CRON_SCHEDULE, backup.cron, `${backup.dataset}: the runbook's cron`);
            t.is(env.RETENTION_DAYS, `${backup.retentionDays}`);
            t.is(env.JOB_DATASET, backup.dataset);
            t.is(env.JOB_APP, app);
            t.is(env.PUSH_METRIC, METRICS.backupLastSuccess, "the metric the backup-overdue rule reads");
            const files = uploadsOf(job);
            const runnerPath = (job.props.command as string[])[0];
            t.is(files.get(runnerPath)?.content, runner);
            const target = (job.props.command as string[]).at(-1)!;
            if (["postgres", "redis", "mongodb"].includes(backup.dataset)) {
                t.is(path.basename(target), `backup-${backup.dataset}.sh`);
                for (const script of ["lib.sh", `backup-${backup.dataset}.sh`]) {
                    const upload = [...files.entries()].find(([f]) => path.basename(f) === script);
                    t.is(upload?.[1].content, fs.readFileSync(path.join(REPO, "operations/backup", script), "utf8"), `${script} is the operations team's, unchanged`);
                }
                t.is(env.BACKUP_DEST, "file:///backups");
                // The backups, the staging /tmp on disk, the uploaded scripts' folders (a read-only root).
                t.deepEqual(mountedVolumes(p, job).map((m) => m.path), ["/backups", "/tmp", ...uploadFolders(job)]);
                t.is(job.props.readOnly, true);
                t.is(labelOf(job, "platform.image"), labelOf(byHost(p, backup.dataset === "mongodb" ? "mongo-1" : backup.dataset), "platform.image"), "the data service's own image, for its client tools");
            } else {
                t.truthy(env.BUCKET_SOURCE);
                t.truthy(env.BUCKET_DEST);
                t.is(files.get(target)?.content, fs.readFileSync(path.join(REPO, "operations/backup/backup-bucket.sh"), "utf8"), "backup-bucket.sh is the operations team's, unchanged");
            }
        }
    });

    test(`${app}: every exporter the rules need is running and scraped with the contract's labels`, (t) => {
        const p = plan(app);
        const rb = rbOf(app);
        const prometheus = byHost(p, "prometheus");
        const config = YAML.parse(uploadsOf(prometheus).get("/etc/prometheus/prometheus.yml")!.content) as {
            rule_files: string[];
            scrape_configs: { job_name: string; metrics_path?: string; honor_labels?: boolean; params?: Record<string, string[]>; static_configs: { targets: string[]; labels: Record<string, string> }[]; relabel_configs?: { replacement?: string; target_label?: string }[]; metric_relabel_configs?: { source_labels?: string[]; target_label?: string }[] }[];
        };
        const groups = config.scrape_configs.flatMap((job) => job.static_configs.map((g) => ({ job, ...g })));
        const requirements = requiredExporters(rb, "docker");
        t.true(requirements.length > 0);
        const scraped = new Set<string>();
        for (const req of requirements) {
            if (req.exporter === "app") {
                for (const name of req.components) {
                    const svc = rb.services.find((s) => s.name === name)!;
                    const targets = groups.filter((g) => g.labels.component === name && g.job.metrics_path === svc.metricsPath);
                    const expected = Array.from({ length: svc.scaling.desired }, (_, i) => `${name}-${i + 1}:${svc.port}`);
                    t.deepEqual(targets.flatMap((g) => g.targets).sort(), expected.sort(), `${name}'s replicas are scraped on ${svc.metricsPath}`);
                    for (const g of targets) t.is(g.labels.app, app);
                }
                scraped.add("app");
                continue;
            }
            if (req.exporter === "minio") {
                // MinIO serves its own metrics: the object store's container is the target, on its S3 port, without a token.
                const servers = containersOf(p, "objectStorage").filter((c) => envOf(c).MINIO_PROMETHEUS_AUTH_TYPE === "public");
                t.is(servers.length, 1, "the MinIO server lets Prometheus read its metrics without a token");
                const g = groups.filter((x) => x.labels.component === "objectStorage");
                t.deepEqual(g.flatMap((x) => x.targets), [`${servers[0]?.props.hostname}:${UPSTREAM_PORTS.minio}`]);
                for (const x of g) t.like(x, { labels: { app }, job: { metrics_path: "/minio/v2/metrics/cluster" } });
                scraped.add("minio");
                continue;
            }
            const running = ofType(p, T.container).filter((c) => imageRepo(String(labelOf(c, "platform.image"))) === EXPORTERS[req.exporter].image);
            t.true(running.length >= 1, `${req.exporter}: a ${EXPORTERS[req.exporter].image} container runs`);
            for (const flag of req.flags) for (const c of running) t.true((c.props.command as string[]).includes(flag), `${c.name} runs with ${flag}`);
            if (req.exporter === "blackbox") {
                const address = `${running[0].props.hostname}:${UPSTREAM_PORTS.blackbox}`;
                for (const probe of req.probes ?? []) {
                    const g = groups.find((x) => x.labels.component === probe.component && x.labels.probe === probe.probe && x.job.params?.module?.[0] === probe.module);
                    t.truthy(g, `${probe.probe} probe of ${probe.component} with module ${probe.module}`);
                    t.is(g?.labels.app, app);
                    t.true(g?.job.relabel_configs?.some((r) => r.target_label === "__address__" && r.replacement === address), "sent through the blackbox exporter");
                    if (probe.url) t.deepEqual(g?.targets, [probe.url]);
                    else {
                        const svc = rb.services.find((s) => s.name === probe.component)!;
                        t.deepEqual(g?.targets, Array.from({ length: svc.scaling.desired }, (_, i) => `http://${svc.name}-${i + 1}:${probe.port}${probe.path}`), "every replica is probed");
                    }
                }
                scraped.add("blackbox");
                continue;
            }
            const targets = running.map((c) => `${c.props.hostname}:${UPSTREAM_PORTS[req.exporter]}`);
            const found = groups.filter((g) => g.targets.some((x) => targets.includes(x)));
            t.deepEqual(found.flatMap((g) => g.targets).sort(), targets.sort(), `${req.exporter}: each exporter container is a target`);
            for (const g of found) t.is(g.labels.app, app);
            if (req.exporter === "cadvisor") {
                // Per-container series: `component` comes from each container's Docker label.
                t.true(found[0].job.metric_relabel_configs?.some((r) => r.source_labels?.[0] === "container_label_component" && r.target_label === "component"));
                for (const component of req.components) t.true(containersOf(p, component).length > 0, `containers labelled component=${component}`);
            } else {
                for (const component of req.components) t.true(found.some((g) => g.labels.component === component), `${req.exporter} series carry component=${component}`);
            }
            if (req.exporter === "pushgateway") t.true(found.every((g) => g.job.honor_labels === true), "pushed app/dataset labels are kept");
            scraped.add(req.exporter);
        }

        // Every metric a rule reads comes from an exporter that is scraped.
        const rules = uploadsOf(prometheus);
        const ruleFile = [...rules.entries()].find(([f]) => config.rule_files.some((glob) => f.startsWith(path.dirname(glob))))!;
        const expected = renderArtifacts(rb, "local", "docker", dummyReceivers(rb)).find((a) => a.path === "prometheus/rules.yml")!.content;
        t.is(ruleFile[1].content, expected, "the rules are the alerting capability's, as rendered");
        const parsed = YAML.parse(ruleFile[1].content) as { groups: { rules: { alert: string; expr: string }[] }[] };
        const provided = new Map<string, string>();
        for (const req of requirements) for (const m of req.metrics) provided.set(m, req.exporter);
        let read = 0;
        for (const rule of parsed.groups.flatMap((g) => g.rules)) {
            const metrics = [...rule.expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1]);
            for (const names of rule.expr.matchAll(/__name__=~"([^"]+)"/g)) metrics.push(...names[1].split("|"));
            for (const metric of metrics) {
                read++;
                const exporter = provided.get(metric);
                t.truthy(exporter, `${rule.alert} reads ${metric}, which no required exporter provides`);
                t.true(scraped.has(exporter!), `${rule.alert} reads ${metric} from ${exporter}, which is not scraped`);
            }
        }
        t.true(read > 0);
    });

    test(`${app}: Grafana, Alertmanager and Loki get the rendered dashboards, routing and the runbook's log retention`, (t) => {
        const p = plan(app);
        const rb = rbOf(app);
        const rendered = renderArtifacts(rb, "local", "docker", dummyReceivers(rb));
        const grafana = byHost(p, "grafana");
        const files = uploadsOf(grafana);
        const dashboards = rendered.filter((a) => a.path.startsWith("grafana/dashboards/"));
        t.true(dashboards.length >= rb.monitoring.dashboards.length);
        for (const id of rb.monitoring.dashboards) t.true(dashboards.some((d) => d.path === `grafana/dashboards/${id}.json`), `${id} is rendered`);
        for (const d of dashboards) t.is([...files.entries()].find(([f]) => f.endsWith(`/${path.basename(d.path)}`))?.[1].content, d.content);
        t.true(secretEnvNames(grafana).includes("GF_SECURITY_ADMIN_PASSWORD"));
        t.is(envOf(grafana).GF_SECURITY_ADMIN_PASSWORD, `generated-${app}-secrets-grafana-admin`, "the generated grafanaAdmin password");
        const provisioning = [...files.entries()].filter(([f]) => f.includes("/provisioning/")).map(([, u]) => YAML.parse(u.content));
        const datasources = provisioning.flatMap((doc) => doc.datasources ?? []) as { type: string; url: string }[];
        t.true(datasources.some((d) => d.type === "prometheus" && d.url === "http://prometheus:9090"));
        t.true(datasources.some((d) => d.type === "loki" && d.url === "http://loki:3100"));

        const loki = YAML.parse([...uploadsOf(byHost(p, "loki")).values()][0].content);
        t.is(loki.limits_config.retention_period, `${rb.logs.retentionDays * 24}h`, "logs.retentionDays");
        t.true(loki.compactor.retention_enabled);

        const am = YAML.parse([...uploadsOf(byHost(p, "alertmanager")).values()][0].content) as { route: { receiver: string; routes: { receiver: string }[] }; receivers: Record<string, unknown>[] };
        const names = new Set(am.receivers.map((r) => r.name));
        for (const route of [am.route, ...am.route.routes]) t.true(names.has(route.receiver), `route to ${route.receiver} has a receiver`);
        for (const r of am.receivers) t.deepEqual(Object.keys(r), ["name"], "no operator secrets on this stack: receivers without integrations");

        const logOpts = ofType(p, T.container).map((c) => c.props.logOpts as Record<string, string> | undefined);
        if (rb.logs.rotation === "size") for (const o of logOpts) t.is(o?.["max-size"], `${rb.logs.rotateMaxSizeMB}m`);
        else for (const o of logOpts) t.is(o?.["max-size"], undefined);
        // Every container's lines carry its labels and name, which Promtail reads from the log files.
        for (const o of logOpts) t.like(o, { labels: LOGGED_LABELS.join(","), tag: "{{.Name}}" });
    });
}

for (const app of APPS) {
    test(`${app}: the files uploaded are exactly the ones engines.test.ts runs through redis-server, PostgreSQL, promtool and amtool`, (t) => {
        const p = plan(app);
        const rb = rbOf(app);
        const contents = (host: string) => [...uploadsOf(byHost(p, host)).values()].map((u) => u.content);
        if (rb.data.redis) {
            t.true(contents("redis").includes(localRedisConf(rb.data.redis)));
            t.deepEqual(byHost(p, "redis").props.command, ["sh", "-c", redisStartScript()]);
        }
        if (rb.data.postgres) {
            for (const file of [localPostgresConf(rb.data.postgres), pgHbaConf(), postgresInitScript(rb)]) t.true(contents("postgres").includes(file));
            for (const replica of containersOf(p, "postgres").filter((c) => c.props.hostname !== "postgres")) {
                t.true(contents(String(replica.props.hostname)).includes(postgresReplicaScript(String(replica.props.hostname))));
            }
        }
        t.true(contents("prometheus").includes(prometheusYaml(rb)));
        t.deepEqual(contents("alertmanager"), [localArtifacts(rb, "local").alertmanager]);
    });
}

test("the local platforms differ where their runbooks do", (t) => {
    const count = (app: AppId) => ofType(plan(app), T.container).length;
    t.true(count("personal-finance-hub") > count("bunty"), "Kafka, MongoDB, MinIO and a read replica are extra containers");
    t.is(containersOf(plan("gravitypm"), "postgres").length, 0);
    t.is(getRunbook("gravitypm").monitoring.logStack, "elk");
    t.truthy(byHost(plan("gravitypm"), "loki"), "gravitypm's ELK runs as Loki locally (docs/docker.md)");
});

/*
 * The same program for a local stack with the operator's secrets set and a remote Docker engine:
 * Alertmanager then carries the PagerDuty and Slack integrations and is held as a secret; the
 * provider talks to the configured engine. And a stack's overrides (tightened runbook numbers) are
 * what gets built: the components read `context.runbook`, not the runbook as written. Serial: the
 * mock engine is process-global, and these plan after the five above.
 */
test.serial("with the operator's secrets set, Alertmanager pages and chats, and its configuration is a secret; docker.host reaches the provider", async (t) => {
    const stack = "bunty-local";
    const text = fs.readFileSync(path.join(REPO, "stacks", `Pulumi.${stack}.yaml`), "utf8");
    const doc = YAML.parse(text) as { config: Record<string, unknown> };
    doc.config["runbook-platform:pagerdutyRoutingKey"] = { secure: "v1:AAAA:encrypted-by-the-stack" };
    doc.config["runbook-platform:slackWebhookUrl"] = { secure: "v1:BBBB:encrypted-by-the-stack" };
    doc.config["runbook-platform:docker"] = { host: "ssh://developer@build-box" };
    const plan = await planStack(stack, { stackFileText: YAML.stringify(doc) });

    t.is(ofType(plan, T.provider)[0].props.host, "ssh://developer@build-box");
    const alertmanager = byHost(plan, "alertmanager");
    t.deepEqual(alertmanager.secretPaths.filter((p) => p.startsWith("uploads")), ["uploads[0].content"]);
    t.true(alertmanager.options.additionalSecretOutputs.includes("uploads"));
    t.is((alertmanager.inputs.uploads as { content: string }[])[0].content, SECRET_PLACEHOLDER, "the plan never prints it");
    const config = YAML.parse((alertmanager.props.uploads as { content: string }[])[0].content);
    const pager = config.receivers.find((r: { pagerduty_configs?: { routing_key: string }[] }) => r.pagerduty_configs);
    t.is(pager.pagerduty_configs[0].routing_key, SECRET_PLACEHOLDER, "the operator's key (offline: its placeholder)");
    t.is(config.global.slack_api_url, SECRET_PLACEHOLDER);
    t.true(config.receivers.some((r: { slack_configs?: unknown }) => r.slack_configs));
});

test.serial("with a dead man's switch and a mail relay set, the Watchdog pings the switch and formula-pm's alert e-mail is sent", async (t) => {
    const stack = "formula-pm-local";
    const rb = getRunbook("formula-pm");
    const doc = YAML.parse(fs.readFileSync(path.join(REPO, "stacks", `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    doc.config["runbook-platform:deadMansSwitchUrl"] = { secure: "v1:CCCC:encrypted-by-the-stack" };
    doc.config["runbook-platform:alerting"] = { smtp: { smarthost: "smtp.example.com:587", from: "alertmanager@example.com" } };
    const plan = await planStack(stack, { stackFileText: YAML.stringify(doc) });
    const alertmanager = byHost(plan, "alertmanager");
    t.deepEqual(alertmanager.secretPaths.filter((p) => p.startsWith("uploads")), ["uploads[0].content"], "a file with a credential in it is a secret");
    const config = YAML.parse((alertmanager.props.uploads as { content: string }[])[0].content);
    const watchdog = config.receivers.find((r: { name: string }) => r.name === receiverName(rb.app, "watchdog"));
    t.deepEqual(watchdog.webhook_configs.map((w: { url: string }) => w.url), [SECRET_PLACEHOLDER]);
    const warning = config.receivers.find((r: { name: string }) => r.name === receiverName(rb.app, "warning"));
    t.deepEqual(warning.email_configs.map((e: { to: string }) => e.to), [rb.incident.channels.email]);
    t.is(config.global.smtp_smarthost, "smtp.example.com:587");
    t.false(config.receivers.some((r: Record<string, unknown>) => "pagerduty_configs" in r || "slack_configs" in r), "no pager or chat credential on this laptop");
});

test.serial("a stack's overrides reach the containers: replicas, backup schedule and retention, log retention", async (t) => {
    const stack = "bunty-local";
    const doc = YAML.parse(fs.readFileSync(path.join(REPO, "stacks", `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    const written = getRunbook("bunty");
    const backend = written.services.find((s) => s.name === "backend")!;
    const pgBackup = written.backups.find((b) => b.dataset === "postgres")!;
    doc.config["runbook-platform:overrides"] = {
        "backups.postgres.retentionDays": pgBackup.retentionDays + 15,
        "backups.postgres.cron": "0 */12 * * *",
        "logs.retentionDays": written.logs.retentionDays + 30,
        "services.backend.scaling.desired": backend.scaling.desired + 1,
    };
    const plan = await planStack(stack, { stackFileText: YAML.stringify(doc) });
    t.is(containersOf(plan, "backend").length, backend.scaling.desired + 1);
    const job = envOf(byHost(plan, "backup-postgres"));
    t.is(job.RETENTION_DAYS, `${pgBackup.retentionDays + 15}`);
    t.is(job.CRON_SCHEDULE, "0 */12 * * *");
    const loki = YAML.parse([...uploadsOf(byHost(plan, "loki")).values()][0].content);
    t.is(loki.limits_config.retention_period, `${(written.logs.retentionDays + 30) * 24}h`);
    const prometheus = [...uploadsOf(byHost(plan, "prometheus")).values()].map((u) => u.content).join("\n");
    t.true(prometheus.includes(`backend-${backend.scaling.desired + 1}:${backend.port}`), "the extra replica is scraped");
});

test("a container on a read-only root gets its uploads through a writable volume (the engine's archive API refuses the root)", (t) => {
    let confined = 0;
    for (const app of APPS) {
        for (const c of ofType(plan(app), T.container).filter((x) => x.props.readOnly === true)) {
            confined++;
            const mounts = ((c.props.volumes as { containerPath: string; readOnly?: boolean }[] | undefined) ?? []).filter((v) => !v.readOnly).map((v) => v.containerPath);
            for (const u of (c.props.uploads as { file: string }[] | undefined) ?? []) {
                t.true(
                    mounts.some((m) => u.file.startsWith(`${m.replace(/\/+$/, "")}/`)),
                    `${app}: ${c.name} uploads ${u.file} into its read-only root (writable mounts: ${mounts.join(", ") || "none"})`,
                );
            }
        }
    }
    t.true(confined > 0, "some containers run on a read-only root");
});
