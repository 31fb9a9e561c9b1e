import test from "ava";
import { redisConf } from "../../capabilities/datastores";
import { backupJobs } from "../../capabilities/docker/backups";
import { LOKI_CONFIG_PATH, LOKI_DATA, lokiConfig, toYaml } from "../../capabilities/docker/logging";
import { redisStartScript } from "../../capabilities/docker/redis";
import { cronJobSpec, platformScripts, scheduledJobs } from "../../capabilities/kubernetes/backups";
import { mongoStatefulSetSpec } from "../../capabilities/kubernetes/mongodb-statefulset";
import { lokiValues, promtailValues } from "../../capabilities/kubernetes/monitoring";
import { names } from "../../capabilities/kubernetes/names";
import { redisStatefulSetSpec } from "../../capabilities/kubernetes/redis-statefulset";
import { getRunbook } from "../../runbooks";
import { check, compliantAndBroken, find, type Fake } from "./helpers";

/**
 * Issue 13, stores13 (review findings 7, 8, 9, 10 staging, 14 Loki/Redis provenance, 16 Docker):
 * stores that keep nothing while every older check passes. Fixtures are what capabilities/ builds,
 * broken one field at a time; tightenings (more save points, a longer deadline, less swap) pass.
 */

const PFH = "personal-finance-hub";
const pfh = getRunbook(PFH);
const n = names(PFH, PFH);
const CM = "kubernetes:core/v1:ConfigMap";
const C = "docker:index/container:Container";
const REL = "kubernetes:helm.sh/v3:Release";
const meta = (name: string, namespace = PFH) => ({ name, namespace });

function cronJobs(): Fake[] {
    const jobs = scheduledJobs(pfh, n);
    const backup = jobs.find((j) => j.kind === "backup" && j.name.endsWith("-redis"))!;
    const check = jobs.find((j) => j.kind !== "backup")!;
    return [backup, check].map((j) => ({ type: "kubernetes:batch/v1:CronJob", name: j.kind === "backup" ? "backup" : "check", props: { metadata: meta(j.name), spec: structuredClone(cronJobSpec(j, n)) } }));
}

test("k8s-cronjob-runs: backup and restore-check CronJobs run as generated", async (t) => {
    const jt = (r: Fake[], name: string) => find(r, name).props.spec.jobTemplate.spec;
    await compliantAndBroken(t, "k8s-cronjob-runs", `${PFH}-staging`, cronJobs, {
        "backup parallelism 0": { edit: (r) => (jt(r, "backup").parallelism = 0), expect: /parallelism is 0, so the Job starts no pod/ },
        "restore check completions 0": { edit: (r) => (jt(r, "check").completions = 0), expect: /\(restore check\): jobTemplate.spec.completions is 0/ },
        "startingDeadlineSeconds 1": { edit: (r) => (find(r, "backup").props.spec.startingDeadlineSeconds = 1), expect: /startingDeadlineSeconds is 1: .*under 10 s .*allowed: unset or at least 3600 s/ },
        "timeZone moved": { edit: (r) => (find(r, "backup").props.spec.timeZone = "Pacific/Kiritimati"), expect: /spec.timeZone is "Pacific\/Kiritimati"; allowed: "Etc\/UTC"/ },
        "restore check activeDeadlineSeconds 1": { edit: (r) => (jt(r, "check").activeDeadlineSeconds = 1), expect: /\(restore check\): jobTemplate.spec.activeDeadlineSeconds is 1, so Kubernetes kills the restore/ },
        "concurrencyPolicy Replace": { edit: (r) => (find(r, "check").props.spec.concurrencyPolicy = "Replace"), expect: /concurrencyPolicy is "Replace"; allowed: "Forbid"/ },
    });
    const longer = cronJobs();
    find(longer, "backup").props.spec.startingDeadlineSeconds = 7200;
    delete find(longer, "check").props.spec.startingDeadlineSeconds;
    jt(longer, "backup").parallelism = 1;
    t.deepEqual((await check("k8s-cronjob-runs", `${PFH}-staging`, longer)).messages, [], "a longer or no deadline, parallelism 1: tightenings");
});

const redisK8s = (): Fake[] => [
    { type: CM, name: "redis-config", props: { metadata: meta(n.redis + "-config"), data: { "redis.conf": redisConf(pfh.data.redis!) } } },
    { type: CM, name: "platform-scripts", props: { metadata: meta(`${PFH}-platform-scripts`), data: platformScripts() } },
];
const startScript = (r: Fake[], flags: string) => {
    const d = find(r, "platform-scripts").props.data;
    d["redis-start.sh"] = d["redis-start.sh"].replace('"${args[@]}"', `"\${args[@]}" ${flags}`);
};
const conf = (r: Fake[], f: (text: string) => string) => {
    const d = find(r, "redis-config").props.data;
    d["redis.conf"] = f(d["redis.conf"]);
};
const redisDocker = (): Fake[] => [
    { type: C, name: "redis", props: { restart: "unless-stopped", command: ["sh", "-c", redisStartScript()], uploads: [{ file: "/usr/local/etc/redis/redis.conf", content: redisConf(pfh.data.redis!) }] } },
];

test("platform-redis-persistence: save points, dir and AOF in effect, the redis.conf and the command line together", async (t) => {
    await compliantAndBroken(t, "platform-redis-persistence", `${PFH}-staging`, redisK8s, {
        "save lines removed": { edit: (r) => conf(r, (c) => c.replace(/^save .*\n/gm, "")), expect: /save points in effect none .*allowed: save 900 1, 300 10, 60 10000 or more frequent \(data.redis.save\), from the (runbook|platform default)/ },
        "dir /tmp": { edit: (r) => conf(r, (c) => c.replace("dir /data", "dir /tmp")), expect: /dir is \/tmp .*allowed: \/data/ },
        "start script --save \"\"": { edit: (r) => startScript(r, '--save ""'), expect: /save points in effect none \(RDB snapshots off\) \(last set by the redis-server command line in kubernetes:core\/v1:ConfigMap "platform-scripts"/ },
        "start script --appendonly no": { edit: (r) => startScript(r, "--appendonly no"), expect: /appendonly is no \(last set by the redis-server command line/ },
        "start script args+=(--dir /tmp)": { edit: (r) => { const d = find(r, "platform-scripts").props.data; d["redis-start.sh"] = d["redis-start.sh"].replace("args=()", "args=(--dir /tmp)"); }, expect: /dir is \/tmp \(last set by the redis-server command line/ },
    });
    await compliantAndBroken(t, "platform-redis-persistence", `${PFH}-local`, redisDocker, {
        "docker --save ''": { edit: (r) => (find(r, "redis").props.command[2] = find(r, "redis").props.command[2].replace("--include /tmp/redis-auth.conf", "--include /tmp/redis-auth.conf --save ''")), expect: /save points in effect none/ },
        "docker command array --dir /tmp": { edit: (r) => (find(r, "redis").props.command = ["redis-server", "/usr/local/etc/redis/redis.conf", "--dir", "/tmp"]), expect: /dir is \/tmp/ },
    });
    const more = redisK8s();
    conf(more, (c) => `${c}save 30 1\n`);
    startScript(more, '--save "10 1"');
    t.deepEqual((await check("platform-redis-persistence", `${PFH}-staging`, more)).messages, [], "more frequent save points are a tightening");
    // verify-latest.sh's scratch server (no .conf) is not the data store.
    const scratch = redisK8s();
    find(scratch, "platform-scripts").props.data["verify.sh"] = 'redis-server --port 6399 --dir "$data" --save ""\n';
    t.deepEqual((await check("platform-redis-persistence", `${PFH}-staging`, scratch)).messages, []);
});

test("platform-redis-maxmemory-policy: the command line overrides redis.conf; defaults are said to be defaults", async (t) => {
    await compliantAndBroken(t, "platform-redis-maxmemory-policy", `${PFH}-staging`, redisK8s, {
        "start script --maxmemory-policy noeviction": { edit: (r) => startScript(r, "--maxmemory-policy noeviction"), expect: /maxmemory-policy is noeviction \(set by the redis-server command line .*which overrides redis.conf\); allowed: allkeys-lru/ },
        "start script --maxmemory 0": { edit: (r) => startScript(r, "--maxmemory 0"), expect: /maxmemory is 0 \(set by the redis-server command line/ },
    });
    await compliantAndBroken(t, "platform-redis-maxmemory-policy", `${PFH}-local`, redisDocker, {
        "docker --maxmemory-policy noeviction": { edit: (r) => (find(r, "redis").props.command[2] = find(r, "redis").props.command[2].replace("--include /tmp/redis-auth.conf", "--include /tmp/redis-auth.conf --maxmemory-policy noeviction")), expect: /maxmemory-policy is noeviction/ },
    });
    const bunty = getRunbook("bunty");
    const loose = [{ type: CM, name: "redis-config", props: { metadata: meta("bunty-redis-config", "bunty"), data: { "redis.conf": redisConf(bunty.data.redis!).replace(/^maxmemory \d+mb$/m, "maxmemory 64mb") } } }];
    const m = (await check("platform-redis-maxmemory-policy", "bunty-staging", loose)).messages.join("\n");
    t.regex(m, /maxmemory is 64mb; allowed: 512mb \(data.redis.maxmemoryMB\), from the platform default \(a platform default, not the runbook's: the runbook gives no maxmemory/);
    t.notRegex(m, /from the runbook \(runbook/);
});

function statefulSets(): Fake[] {
    return [
        { type: "kubernetes:apps/v1:StatefulSet", name: "redis", props: { metadata: meta(n.redis), spec: structuredClone(redisStatefulSetSpec(pfh, n)) } },
        { type: "kubernetes:apps/v1:StatefulSet", name: "mongodb", props: { metadata: meta(n.mongodb), spec: structuredClone(mongoStatefulSetSpec(pfh, n)) } },
    ];
}

test("k8s-statefulset-data-volume: Redis and MongoDB keep their data on the generated claims", async (t) => {
    const spec = (r: Fake[], name: string) => find(r, name).props.spec;
    await compliantAndBroken(t, "k8s-statefulset-data-volume", `${PFH}-staging`, statefulSets, {
        "redis claim → emptyDir": { edit: (r) => { delete spec(r, "redis").volumeClaimTemplates; spec(r, "redis").template.spec.volumes.push({ name: "data", emptyDir: {} }); }, expect: /volumeClaimTemplates has no "data"/ },
        "mongodb emptyDir shadows the claim": { edit: (r) => spec(r, "mongodb").template.spec.volumes.push({ name: "data", emptyDir: {} }), expect: /pod volume "data" is \{"emptyDir":\{\}\}/ },
        "redis data mounted elsewhere": { edit: (r) => { for (const m of spec(r, "redis").template.spec.containers[0].volumeMounts) if (m.name === "data") m.mountPath = "/scratch"; }, expect: /mounts "data" at \["\/scratch"\], not at \["\/data"\]/ },
    });
});

const lokiRelease = (rb = pfh, nn = n): Fake[] => [{ type: REL, name: "loki", props: { chart: "loki", namespace: nn.monitoring, values: structuredClone(lokiValues(rb, nn)) } }];

test("k8s-loki-log-retention: no shorter stream or tenant, persistence on, a replica; the platform default said as such", async (t) => {
    const v = (r: Fake[]) => find(r, "loki").props.values;
    await compliantAndBroken(t, "k8s-loki-log-retention", `${PFH}-staging`, () => lokiRelease(), {
        "retention_stream 24h": { edit: (r) => (v(r).loki.limits_config.retention_stream = [{ selector: '{namespace=~".+"}', priority: 1, period: "24h" }]), expect: /retention_stream\[0\] \(selector \{namespace=~"\.\+"\}\) period is "24h"/ },
        "tenant override 24h": { edit: (r) => (v(r).loki.runtimeConfig = { overrides: { fake: { retention_period: "24h" } } }), expect: /a tenant override's retention_period is "24h"/ },
        "persistence off": { edit: (r) => (v(r).singleBinary.persistence.enabled = false), expect: /singleBinary.persistence.enabled is false/ },
        "replicas 0": { edit: (r) => (v(r).singleBinary.replicas = 0), expect: /singleBinary.replicas is 0/ },
    });
    const bunty = getRunbook("bunty");
    const bn = names("bunty", "bunty");
    const short = lokiRelease(bunty, bn);
    v(short).loki.limits_config.retention_period = "24h";
    t.regex((await check("k8s-loki-log-retention", "bunty-staging", short)).messages.join("\n"), new RegExp(`the platform default keeps logs ${bunty.logs.retentionDays} days \\(a platform default, not the runbook's: pm2-logrotate keeps`));
    const longer = lokiRelease();
    v(longer).loki.limits_config.retention_stream = [{ selector: '{app="x"}', priority: 1, period: `${pfh.logs.retentionDays * 48}h` }];
    t.deepEqual((await check("k8s-loki-log-retention", `${PFH}-staging`, longer)).messages, [], "a longer stream retention is a tightening");
});

test("k8s-promtail-ships-logs: the generated client, the DaemonSet, no dropping stage", async (t) => {
    const compliant = (): Fake[] => [{ type: REL, name: "promtail", props: { chart: "promtail", namespace: n.monitoring, values: structuredClone(promtailValues(pfh, n)) } }];
    const v = (r: Fake[]) => find(r, "promtail").props.values;
    await compliantAndBroken(t, "k8s-promtail-ships-logs", `${PFH}-staging`, compliant, {
        "pipeline drops the app namespace": { edit: (r) => (v(r).config.snippets = { pipelineStages: [{ match: { selector: `{namespace="${PFH}"}`, action: "drop" } }] }), expect: /config.snippets.pipelineStages\[0\].match .* throw logs or pods away/ },
        "client → another Loki": { edit: (r) => (v(r).config.clients[0].url = "http://loki.scratch.svc:3100/loki/api/v1/push"), expect: /config.clients \["http:\/\/loki.scratch.svc/ },
        "daemonset disabled": { edit: (r) => (v(r).daemonset = { enabled: false }), expect: /daemonset.enabled is false/ },
        "relabel keeps one namespace": { edit: (r) => (v(r).config.snippets = { extraRelabelConfigs: [{ sourceLabels: ["namespace"], regex: "kube-system", action: "keep" }] }), expect: /extraRelabelConfigs\[0\]/ },
    });
});

function dockerStack(): Fake[] {
    const job = backupJobs(pfh)[0];
    return [
        { type: C, name: `${PFH}-monitoring-loki`, props: { restart: "unless-stopped", mustRun: true, memory: 512, cpus: "0.5", volumes: [{ containerPath: LOKI_DATA, volumeName: "loki-data" }], uploads: [{ file: LOKI_CONFIG_PATH, content: toYaml("loki", lokiConfig(pfh)) }] } },
        { type: C, name: `${PFH}-backups-${job.name}`, props: { restart: "unless-stopped", mustRun: true, memory: 512, cpus: "0.5", entrypoints: [...job.entrypoint], command: [...job.command], envs: Object.entries(job.env).map(([k, v]) => `${k}=${v}`) } },
    ];
}

test("docker-container-runs, docker-loki-log-retention, docker-container-limits: local containers that run and keep", async (t) => {
    const loki = (r: Fake[]) => r[0].props;
    const backup = (r: Fake[]) => r[1].props;
    await compliantAndBroken(t, "docker-container-runs", `${PFH}-local`, dockerStack, {
        "loki start: false": { edit: (r) => (loki(r).start = false), expect: /start is false, so Docker creates the container and never starts it/ },
        "backup command → sleep": { edit: (r) => (backup(r).command = ["sleep", "infinity"]), expect: /runs \["bash","sleep","infinity"\], not the generated backup runner/ },
        "backup restart no": { edit: (r) => { backup(r).restart = "no"; backup(r).mustRun = false; }, expect: /restart is "no"; the .* backup runner stays down/ },
    });
    await compliantAndBroken(t, "docker-loki-log-retention", `${PFH}-local`, dockerStack, {
        "loki volume removed": { edit: (r) => (loki(r).volumes = []), expect: /no volume at \/loki/ },
        "retention_stream 24h": { edit: (r) => (loki(r).uploads[0].content = loki(r).uploads[0].content.replace("limits_config:", 'limits_config:\n  retention_stream:\n    - selector: "{app=~\\".+\\"}"\n      priority: 1\n      period: 24h')), expect: /retention_stream\[0\].* period is "24h"/ },
    });
    await compliantAndBroken(t, "docker-container-limits", `${PFH}-local`, dockerStack, {
        "memorySwap -1": { edit: (r) => (loki(r).memorySwap = -1), expect: /memorySwap is -1 \(unlimited swap\)/ },
    });
    const noSwap = dockerStack();
    loki(noSwap).memorySwap = 512;
    t.deepEqual((await check("docker-container-limits", `${PFH}-local`, noSwap)).messages, [], "no swap at all is a tightening");
});
