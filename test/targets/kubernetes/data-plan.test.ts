import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { planStack, type PlannedResource, type StackPlan } from "../../../cli/harness/runtime";
import { restoreTestPlan } from "../../../capabilities/schedules";
import { usesDataServices } from "../../../capabilities/datastores";
import { getRunbook, type AppId } from "../../../runbooks";
import { APPS, byType, fireTimes, K, nameOf, podLabelsOf, podSpecOf, stackNamespace } from "./helpers";

/**
 * The five `-staging` stacks' data services through the real program under the SDK's mock
 * runtime (plan.test.ts holds the rest of the plan and which types are asserted on): PostgreSQL,
 * the backup and restore-check CronJobs, Redis, MongoDB, Kafka and the NetworkPolicies. Every
 * expected number is read from the runbook (`getRunbook`) or the stack file.
 */

const plans = new Map<AppId, StackPlan>();
test.before(async () => {
    for (const app of APPS) plans.set(app, await planStack(`${app}-staging`));
});
const plan = (app: AppId) => plans.get(app) as StackPlan;
const props = (r: PlannedResource) => r.props as Record<string, any>;

test("PostgreSQL: CloudNativePG Cluster with the runbook's tuning, at least two instances, retention; ScheduledBackup fires when the runbook's backup does", (t) => {
    for (const app of APPS) {
        const rb = getRunbook(app);
        const clusters = byType(plan(app), K.cnpgCluster);
        if (!rb.data.postgres) {
            t.is(clusters.length + byType(plan(app), K.scheduledBackup).length, 0, app);
            continue;
        }
        const pg = rb.data.postgres;
        t.is(clusters.length, 1);
        const spec = props(clusters[0]).spec;
        t.is(spec.instances, Math.max(2, 1 + pg.readReplicas));
        for (const [k, v] of Object.entries(pg.parameters)) t.is(spec.postgresql.parameters[k], v, `${app} ${k}`);
        t.is(spec.postgresql.parameters.log_min_duration_statement, `${pg.slowQueryMs}`);
        t.deepEqual(spec.postgresql.shared_preload_libraries, pg.preloadLibraries);
        t.false("shared_preload_libraries" in spec.postgresql.parameters, "CloudNativePG owns shared_preload_libraries");
        t.is(spec.bootstrap.initdb.database, pg.database);
        t.is(spec.bootstrap.initdb.owner, pg.user);
        t.true(spec.monitoring.enablePodMonitor);
        t.regex(spec.imageName, new RegExp(`:${pg.version}\\.\\d+$`));
        const backup = rb.backups.find((b) => b.dataset === "postgres")!;
        t.is(spec.backup.retentionPolicy, `${backup.retentionDays}d`);
        const creds = spec.backup.barmanObjectStore.s3Credentials;
        const minio = byType(plan(app), K.secret).find((s) => nameOf(s) === creds.accessKeyId.name)!;
        t.truthy(props(minio).stringData[creds.accessKeyId.key]);
        t.truthy(props(minio).stringData[creds.secretAccessKey.key]);
        t.true(clusters[0].options.dependsOn.some((u) => u.includes("cloudnative-pg")), "after the operator");
        const [sb] = byType(plan(app), K.scheduledBackup);
        t.is(props(sb).spec.cluster.name, nameOf(clusters[0]));
        t.is(props(sb).spec.schedule.split(" ").length, 6);
        t.deepEqual(fireTimes(props(sb).spec.schedule), fireTimes(backup.cron), `${app}: ${props(sb).spec.schedule} vs ${backup.cron}`);
    }
});

test("backup CronJobs: every runbook dataset (PostgreSQL as a dump besides CloudNativePG) on the runbook's schedule in UTC with its retention, running the operations scripts", (t) => {
    const opsFiles = fs.readdirSync(path.join(__dirname, "..", "..", "..", "operations", "backup")).filter((f) => f.endsWith(".sh"));
    for (const app of APPS) {
        const rb = getRunbook(app);
        const cronJobs = byType(plan(app), K.cronJob);
        const backups = cronJobs.filter((c) => /-backup-/.test(nameOf(c)));
        t.is(backups.length, rb.backups.length, app);
        for (const b of rb.backups) {
            const cj = backups.find((c) => nameOf(c).endsWith(`-backup-${b.dataset}`));
            t.truthy(cj, `${app} ${b.dataset}`);
            const spec = props(cj!).spec;
            t.is(spec.timeZone, "Etc/UTC");
            t.deepEqual(fireTimes(spec.schedule), fireTimes(b.cron), `${app} ${b.dataset}`);
            t.is(spec.concurrencyPolicy, "Forbid");
            const [c] = podSpecOf(cj!)!.containers;
            const env = Object.fromEntries(c.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
            t.is(env.RETENTION_DAYS, `${b.retentionDays}`);
            t.is(env.JOB_DATASET, b.dataset);
            const command = c.command.join(" ");
            if (["postgres", "redis", "mongodb"].includes(b.dataset)) t.true(command.endsWith(`/opt/backup/backup-${b.dataset}.sh`), command);
            else t.true(command.endsWith("backup-bucket.sh"), command);
            t.true(command.includes("run-job.sh"), "pushes success for the backup-overdue alert");
            for (const e of c.env.filter((x: any) => x.valueFrom)) {
                const ref = e.valueFrom.secretKeyRef;
                const secret = byType(plan(app), K.secret).find((s) => nameOf(s) === ref.name);
                t.truthy(secret && props(secret).stringData[ref.key] !== undefined, `${app} ${b.dataset} ${e.name} reads ${ref.name}/${ref.key}`);
            }
        }
        const opsMap = byType(plan(app), K.configMap).find((c) => nameOf(c).endsWith("backup-scripts"))!;
        t.deepEqual(Object.keys(props(opsMap).data).sort(), opsFiles.sort());
        for (const f of opsFiles) t.is(props(opsMap).data[f], fs.readFileSync(path.join(__dirname, "..", "..", "..", "operations", "backup", f), "utf8"), `${f} mounted as it is`);
        for (const cj of cronJobs) {
            const vols = podSpecOf(cj)!.volumes.filter((v: any) => v.configMap).map((v: any) => v.configMap.name);
            for (const v of vols) t.true(byType(plan(app), K.configMap).some((m) => nameOf(m) === v), `${nameOf(cj)} mounts ${v}`);
        }
    }
});

test("restore checks: verify-latest.sh for each dataset it can restore, on the runbook's restore-test cadence", (t) => {
    for (const app of APPS) {
        const rb = getRunbook(app);
        const checks = byType(plan(app), K.cronJob).filter((c) => /-restore-check-/.test(nameOf(c)));
        const restorable = rb.backups.filter((b) => ["postgres", "redis", "mongodb"].includes(b.dataset));
        t.is(checks.length, restorable.length, app);
        for (const b of restorable) {
            const cj = checks.find((c) => nameOf(c).endsWith(`-restore-check-${b.dataset}`))!;
            t.deepEqual(fireTimes(props(cj).spec.schedule, 8), fireTimes(restoreTestPlan(rb).cron, 8));
            const [c] = podSpecOf(cj)!.containers;
            t.deepEqual(c.command.slice(-2), ["/opt/platform/restore-check.sh", b.dataset]);
            const maxAge = c.env.find((e: any) => e.name === "VERIFY_MAX_AGE_HOURS");
            t.true(Number(maxAge.value) * 3600 >= 2 * { "1d": 86400, "6h": 21600 }[b.every as "1d" | "6h"]);
        }
    }
});

test("Redis, MongoDB, Kafka: the runbook's memory policy, replica set and oplog, brokers, topics and min.insync.replicas", (t) => {
    for (const app of APPS) {
        const rb = getRunbook(app);
        const sts = byType(plan(app), K.statefulSet);
        if (rb.data.redis) {
            const conf = props(byType(plan(app), K.configMap).find((c) => nameOf(c).endsWith("redis-config"))!).data["redis.conf"];
            t.regex(conf, new RegExp(`^maxmemory ${rb.data.redis.maxmemoryMB}mb$`, "m"));
            t.regex(conf, new RegExp(`^maxmemory-policy ${rb.data.redis.maxmemoryPolicy}$`, "m"));
            for (const [s, c] of rb.data.redis.save) t.regex(conf, new RegExp(`^save ${s} ${c}$`, "m"));
            const redis = sts.find((s) => s.name.endsWith("redis-statefulset"))!;
            t.is(props(redis).spec.replicas, { standalone: 1, replicated: 2, cluster: 6 }[rb.data.redis.mode]);
            t.is(byType(plan(app), K.job).filter((j) => nameOf(j).endsWith("-cluster-init")).length, rb.data.redis.mode === "cluster" ? 1 : 0, "cluster mode is formed by a Job");
            t.true(props(redis).spec.volumeClaimTemplates.length === 1, "persistent");
        }
        if (rb.data.mongodb) {
            const mongo = sts.find((s) => s.name.endsWith("mongodb-statefulset"))!;
            t.is(props(mongo).spec.replicas, rb.data.mongodb.replicaSetMembers);
            const cmd: string[] = podSpecOf(mongo)!.containers[0].command;
            t.is(cmd[cmd.indexOf("--oplogSize") + 1], `${rb.data.mongodb.oplogSizeMB}`);
            t.true(cmd.includes("--keyFile") && cmd.includes("--auth"));
        }
        const kafka = byType(plan(app), K.kafka);
        if (!rb.data.kafka) {
            t.is(kafka.length + byType(plan(app), K.nodePool).length + byType(plan(app), K.topic).length, 0);
            continue;
        }
        const k = rb.data.kafka;
        t.is(kafka.length, 1);
        t.is(props(kafka[0]).metadata.annotations["strimzi.io/kraft"], "enabled");
        t.is(props(kafka[0]).spec.kafka.version, k.version);
        t.is(props(kafka[0]).spec.kafka.config["min.insync.replicas"], `${k.minInsyncReplicas}`);
        t.truthy(props(kafka[0]).spec.kafkaExporter);
        const [pool] = byType(plan(app), K.nodePool);
        t.is(props(pool).spec.replicas, k.brokers);
        t.deepEqual(props(pool).spec.roles.sort(), ["broker", "controller"]);
        t.is(props(pool).metadata.labels["strimzi.io/cluster"], nameOf(kafka[0]));
        const topics = byType(plan(app), K.topic);
        t.is(topics.length, k.topics.length);
        for (const topic of k.topics) {
            const obj = topics.find((x) => props(x).spec.topicName === topic.name)!;
            t.is(props(obj).spec.partitions, topic.partitions);
            t.is(props(obj).spec.replicas, topic.replicationFactor);
            t.is(props(obj).spec.config["min.insync.replicas"], `${k.minInsyncReplicas}`);
            t.is(props(obj).metadata.labels["strimzi.io/cluster"], nameOf(kafka[0]));
        }
    }
});

test("NetworkPolicies: ingress denied by default; data services admit only data-access pods, their own, monitoring and operators", (t) => {
    for (const app of APPS) {
        const ns = stackNamespace(app);
        const policies = byType(plan(app), K.networkPolicy).map((p) => props(p));
        t.true(policies.some((p) => Object.keys(p.spec.podSelector).length === 0 && p.spec.policyTypes.includes("Ingress") && !p.spec.ingress));
        const data = policies.filter((p) => /-data-/.test(p.metadata.name));
        const rb = getRunbook(app);
        t.is(data.length, (["postgres", "redis", "mongodb", "kafka"] as const).filter((d) => rb.data[d]).length + 1, "every data service and MinIO");
        for (const p of data) {
            for (const peer of p.spec.ingress.flatMap((i: any) => i.from)) {
                if (peer.namespaceSelector) t.true([`${ns}-monitoring`, `${ns}-operators`].includes(peer.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]), `${p.metadata.name}: only monitoring/operators namespaces`);
                else t.true(Object.keys(peer.podSelector.matchLabels).length > 0, `${p.metadata.name}: no open pod selector`);
            }
        }
        for (const d of [...byType(plan(app), K.deployment)]) {
            const svc = rb.services.find((s) => d.name === `${app}-${s.name}-deployment`);
            if (!svc) continue;
            // Only services that use the data services reach them and read the app-env Secret; frontends neither.
            t.is(podLabelsOf(d)["platform.runbooks/data-access"] === "true", usesDataServices(svc), `${app} ${svc.name}: data access`);
            t.is(podSpecOf(d)?.containers[0].envFrom !== undefined, usesDataServices(svc), `${app} ${svc.name}: connection Secret`);
        }
        // cert-manager's HTTP-01 solver pods answer the challenge where the stack has Ingress hosts.
        const ingresses = byType(plan(app), K.ingress).length;
        const solver = policies.filter((p) => p.spec.podSelector.matchLabels?.["acme.cert-manager.io/http01-solver"] === "true");
        t.is(solver.length, ingresses > 0 ? 1 : 0, `${app}: an ACME solver policy exactly where there is an Ingress`);
    }
});
