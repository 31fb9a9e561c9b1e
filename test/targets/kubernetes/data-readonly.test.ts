import test from "ava";
import * as path from "path";
import { DATA_SCRATCH } from "../../../capabilities/kubernetes/data-pods";
import { minioValues } from "../../../capabilities/kubernetes/minio";
import { MONGO_DATA, MONGO_PORT } from "../../../capabilities/kubernetes/mongodb";
import { mongoStatefulSetSpec } from "../../../capabilities/kubernetes/mongodb-statefulset";
import { mongoUsersJobSpec } from "../../../capabilities/kubernetes/mongodb-users";
import { names } from "../../../capabilities/kubernetes/names";
import { RABBITMQ_SCRATCH, rabbitmqClusterSpec } from "../../../capabilities/kubernetes/rabbitmq";
import { redisConfig } from "../../../capabilities/kubernetes/redis";
import { redisClusterInitSpec, redisStatefulSetSpec } from "../../../capabilities/kubernetes/redis-statefulset";
import { CHARTS } from "../../../capabilities/kubernetes/versions";
import { getRunbook } from "../../../runbooks";
import { podSpecs, render } from "../../providers/helm";
import { rabbitMqApp } from "../rabbitmq-app";

/**
 * The data stores' read-only roots from the inside (issue 15): every path a program is known to
 * write (read from the runbook's config, the pinned constants, the chart's own rendered command)
 * lies under a writable mount of that container, every mount names a volume of its pod, and every
 * container is read-only. The policy (k8s-data-readonly-root) holds the flag; this holds that the
 * flag leaves the program somewhere to write.
 */

type Pod = { containers: any[]; initContainers?: any[]; volumes?: any[] };
/** The pod of a StatefulSet or Job spec the builders return (plain objects; Pulumi's input types allow promises). */
const podOf = (spec: { template: unknown }) => (spec.template as { spec: Pod }).spec;
const all = (pod: Pod) => [...(pod.initContainers ?? []), ...pod.containers];
/** The container's writable mounts: not readOnly, onto an emptyDir or a claim (a volumeClaimTemplate is no pod volume). */
function writable(pod: Pod, c: any, claims: readonly string[] = []): string[] {
    const volumes = new Map((pod.volumes ?? []).map((v: any) => [v.name, v]));
    return (c.volumeMounts ?? []).filter((m: any) => m.readOnly !== true && (claims.includes(m.name) || volumes.get(m.name)?.emptyDir || volumes.get(m.name)?.persistentVolumeClaim)).map((m: any) => m.mountPath);
}
const under = (file: string, dirs: readonly string[]) => dirs.some((d) => path.posix.relative(d, file) !== "" && !path.posix.relative(d, file).startsWith(".."));

function checkPod(t: any, what: string, pod: Pod, claims: readonly string[] = []) {
    const names = new Set([...(pod.volumes ?? []).map((v: any) => v.name), ...claims]);
    for (const c of all(pod)) {
        t.is(c.securityContext?.readOnlyRootFilesystem, true, `${what} ${c.name}: read-only root`);
        for (const m of c.volumeMounts ?? []) t.true(names.has(m.name), `${what} ${c.name}: mount ${m.mountPath} names a volume of the pod (${m.name})`);
    }
}

test("Redis: every container read-only; the server's dir and cluster nodes.conf are on the data volume; the cluster job has a writable /tmp", (t) => {
    const rb = getRunbook("gravitypm");
    const n = names("gravitypm", "gravitypm");
    const pod = podOf(redisStatefulSetSpec(rb, n));
    checkPod(t, "redis", pod, ["data"]);
    const server = pod.containers.find((c) => c.name === "redis");
    const conf = redisConfig(rb);
    const nodes = /^cluster-config-file\s+(\S+)/m.exec(conf)?.[1];
    t.truthy(nodes, "gravitypm runs Redis in cluster mode");
    t.true(under(nodes!, writable(pod, server, ["data"])), `${nodes} on a writable mount`);
    const dir = /^dir\s+(\S+)/m.exec(conf)?.[1] ?? "/data"; // the image's WORKDIR when redis.conf sets none
    t.true(under(`${dir}/dump.rdb`, writable(pod, server, ["data"])), `the dump in ${dir} on a writable mount`);
    const job = podOf(redisClusterInitSpec(rb, n)!);
    checkPod(t, "redis cluster-init", job);
    t.true(under("/tmp/sh-thd.1", writable(job, job.containers[0])), "bash's here-string file in /tmp is writable");
});

test("MongoDB: every container read-only; mongod's socket and mongosh's home are writable", (t) => {
    const rb = getRunbook("personal-finance-hub");
    const n = names("personal-finance-hub", "personal-finance-hub");
    const pod = podOf(mongoStatefulSetSpec(rb, n));
    checkPod(t, "mongodb", pod, ["data"]);
    const mongod = pod.containers.find((c) => c.name === "mongodb");
    const w = writable(pod, mongod, ["data"]);
    t.true(under(`/tmp/mongodb-${MONGO_PORT}.sock`, w), "mongod's Unix socket");
    t.true(under(`${MONGO_DATA}/.mongodb/mongosh/log`, w), "mongosh's logs in the mongodb user's home (/data/db)");
    const keyfile = pod.initContainers!.find((c) => c.name === "keyfile");
    const target = /cp \S+ (\S+)/.exec(keyfile.command[2])?.[1];
    t.true(under(target!, writable(pod, keyfile)), "the keyfile copy's target");
    const users = podOf(mongoUsersJobSpec(rb, n, "0".repeat(64)));
    checkPod(t, "mongo-users", users);
    const home = users.containers[0].env.find((e: { name: string }) => e.name === "HOME")?.value;
    t.true(under(`${home}/.mongodb`, writable(users, users.containers[0])), "the users job's mongosh home");
    for (const [p, mib] of Object.entries(DATA_SCRATCH.mongod)) t.true(pod.volumes!.some((v) => v.emptyDir?.sizeLimit === `${mib}Mi` && mongod.volumeMounts.some((m: any) => m.name === v.name && m.mountPath === p)), `${p} bounded`);
});

test("RabbitMQ: the override makes the operator's server and setup container read-only, the log directory writable, file logging off", (t) => {
    const spec = rabbitmqClusterSpec(rabbitMqApp(), names("bunty", "bunty"), undefined) as any;
    const pod = spec.override.statefulSet.spec.template.spec as Pod;
    // The operator's container names (cluster-operator v2.11.0 internal/resource/statefulset.go): an override names them to merge.
    t.deepEqual(pod.containers.map((c) => c.name), ["rabbitmq"]);
    t.deepEqual(pod.initContainers!.map((c) => c.name), ["setup-container"]);
    checkPod(t, "rabbitmq override", pod);
    for (const p of Object.keys(RABBITMQ_SCRATCH)) t.true(under(`${p}/erl_crash.dump`, writable(pod, pod.containers[0])), `${p} writable`);
    t.regex(spec.rabbitmq.additionalConfig, /^log\.file = false$/m);
});

test("MinIO, rendered by the pinned chart: server and jobs read-only; the server's certs CA directory and mc's config and /tmp are writable", (t) => {
    const rb = getRunbook("formula-pm");
    const n = names("formula-pm", "formula-pm");
    const objects = render({ name: n.minio, chart: CHARTS.minio.chart, version: CHARTS.minio.version, namespace: n.namespace, values: minioValues(rb, n) });
    const server = objects.find((o) => o.kind === "Deployment" || o.kind === "StatefulSet")!;
    const pod = podSpecs(server)[0] as Pod;
    checkPod(t, "minio", pod);
    const minio = pod.containers.find((c) => c.name === "minio");
    const certs = / -S (\S+)/.exec(minio.command.join(" "))?.[1];
    t.truthy(certs, "the chart passes the certs directory");
    t.true(under(path.posix.join(certs!, "CAs"), writable(pod, minio)), `${certs}CAs (created at start) is writable`);
    const jobs = objects.filter((o) => o.kind === "Job");
    t.true(jobs.length > 0, "the chart renders its post-install job");
    for (const job of jobs) {
        const jp = podSpecs(job)[0] as Pod;
        checkPod(t, `job ${job.metadata.name}`, jp);
        for (const c of jp.containers) {
            const script = objects.filter((o) => o.kind === "ConfigMap").map((o) => Object.values(o.data ?? {}).join("\n")).join("\n");
            const configDir = /--config-dir \$\{MC_CONFIG_DIR\}/.test(script) ? /MC_CONFIG_DIR="([^"]+)"/.exec(script)?.[1] : undefined;
            t.truthy(configDir, "mc runs with --config-dir");
            t.true(under(path.posix.join(configDir!, "config.json"), writable(jp, c)), `${c.name}: mc's configuration`);
            t.true(under("/tmp/accessKey_and_secretKey_tmp", writable(jp, c)), `${c.name}: the user script's temporary file`);
        }
    }
});
