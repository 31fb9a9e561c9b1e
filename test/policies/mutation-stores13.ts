import type { StackPlan } from "../../cli/harness/runtime";
import type { Runbook } from "../../runbooks";
import type { Mutation } from "./mutation-lib";
import { editUrn, type Props } from "./plan-edits";

/**
 * Stores that keep nothing (issue 13, stores13; review findings 7, 8, 9, 10): backup and
 * restore-check CronJobs that never run, Redis persistence and eviction overridden in redis.conf or
 * on the redis-server command line, Loki retention per stream, Loki and data-store volumes dropped,
 * Promtail shipping elsewhere or nothing. Each is one edit of one subject of the baseline plan.
 * (The Docker parts of finding 16 are local-only and advisory; test/policies/stores13.test.ts holds them.)
 */

type Planned = StackPlan["resources"][number];
const PER_SWITCH = 1;

const RUNS = ["k8s-cronjob-runs"];
const PERSIST = ["platform-redis-persistence"];
const EVICTION = ["platform-redis-maxmemory-policy"];
const LOKI = ["k8s-loki-log-retention"];
const VOLUME = ["k8s-statefulset-data-volume"];
const PROMTAIL = ["k8s-promtail-ships-logs"];

const confKeys = (p: Props) => Object.keys(p.data ?? {}).filter((k) => /^maxmemory-policy /m.test(String(p.data[k])));
const jobTemplate = (p: Props) => (p.spec.jobTemplate.spec ??= {});

export function storesMutations(_rb: Runbook, plan: StackPlan, pick: <T>(xs: readonly T[], n: number, seed: string) => T[]): Mutation[] {
    const out: Mutation[] = [];
    const of = (type: string, match: (r: Planned) => boolean = () => true) => plan.resources.filter((r) => r.type === type && match(r));
    const add = (kind: string, policies: string[], targets: readonly Planned[], edit: (p: Props) => void, what: string) => {
        for (const r of pick(targets, PER_SWITCH, `${plan.stack}:${kind}`)) out.push({ id: `${kind}: ${r.name} ${what}`, how: "plan edit", policies, batch: `S13:${kind}:${r.urn}`, edit: (pl) => editUrn(pl, r.urn, edit) });
    };
    // Finding 7: CronJobs that never run.
    const backups = of("kubernetes:batch/v1:CronJob", (r) => /-backup-/.test(r.name));
    const checks = of("kubernetes:batch/v1:CronJob", (r) => /restore-check/.test(r.name));
    add("cronjob-parallelism", RUNS, backups, (p) => (jobTemplate(p).parallelism = 0), "jobTemplate parallelism → 0");
    add("cronjob-completions", RUNS, checks, (p) => (jobTemplate(p).completions = 0), "jobTemplate completions → 0");
    add("cronjob-starting-deadline", RUNS, backups, (p) => (p.spec.startingDeadlineSeconds = 1), "startingDeadlineSeconds → 1");
    add("cronjob-timezone", RUNS, checks, (p) => (p.spec.timeZone = "Pacific/Kiritimati"), "timeZone → Pacific/Kiritimati");
    add("cronjob-restore-deadline", RUNS, checks, (p) => (jobTemplate(p).activeDeadlineSeconds = 1), "jobTemplate activeDeadlineSeconds → 1");
    add("cronjob-concurrency", RUNS, backups, (p) => (p.spec.concurrencyPolicy = "Replace"), "concurrencyPolicy → Replace");
    // Finding 8: Redis persistence and eviction, in the file and on the command line.
    const confs = of("kubernetes:core/v1:ConfigMap", (r) => confKeys(r.props as Props).length > 0);
    const editConf = (f: (text: string) => string) => (p: Props) => {
        for (const k of confKeys(p)) p.data[k] = f(String(p.data[k]));
    };
    add("redis-save", PERSIST, confs, editConf((c) => c.replace(/^save .*\n/gm, "")), "redis.conf save lines removed");
    add("redis-dir", PERSIST, confs, editConf((c) => c.replace(/^dir .*$/m, "dir /tmp")), "redis.conf dir → /tmp");
    const scripts = of("kubernetes:core/v1:ConfigMap", (r) => typeof (r.props as Props).data?.["redis-start.sh"] === "string");
    const flags = (extra: string) => (p: Props) => (p.data["redis-start.sh"] = String(p.data["redis-start.sh"]).replace('"${args[@]}"', `"\${args[@]}" ${extra}`));
    add("redis-cmdline-save", PERSIST, scripts, flags('--save ""'), 'redis-start.sh + --save ""');
    add("redis-cmdline-aof", PERSIST, scripts, flags("--appendonly no"), "redis-start.sh + --appendonly no");
    add("redis-cmdline-policy", EVICTION, scripts, flags("--maxmemory-policy noeviction --maxmemory 0"), "redis-start.sh + --maxmemory-policy noeviction --maxmemory 0");
    // Finding 9: Loki retention per stream, Loki's volume and replica, data-store volumes.
    const loki = of("kubernetes:helm.sh/v3:Release", (r) => (r.props as Props).chart === "loki");
    add("loki-retention-stream", LOKI, loki, (p) => (p.values.loki.limits_config = { ...p.values.loki.limits_config, retention_stream: [{ selector: '{namespace=~".+"}', priority: 1, period: "24h" }] }), "retention_stream 24h");
    add("loki-persistence", LOKI, loki, (p) => (p.values.singleBinary = { ...p.values.singleBinary, persistence: { ...p.values.singleBinary.persistence, enabled: false } }), "persistence.enabled → false");
    add("loki-replicas", LOKI, loki, (p) => (p.values.singleBinary = { ...p.values.singleBinary, replicas: 0 }), "singleBinary.replicas → 0");
    const sets = of("kubernetes:apps/v1:StatefulSet", (r) => /-(redis|mongodb)$/.test(String((r.props as Props).metadata?.name ?? "")));
    add("statefulset-emptydir", VOLUME, sets, (p) => {
        delete p.spec.volumeClaimTemplates;
        p.spec.template.spec.volumes = [...(p.spec.template.spec.volumes ?? []), { name: "data", emptyDir: {} }];
    }, "volumeClaimTemplates → emptyDir");
    // Finding 10 (staging): promtail.
    const promtail = of("kubernetes:helm.sh/v3:Release", (r) => (r.props as Props).chart === "promtail");
    add("promtail-drop", PROMTAIL, promtail, (p) => (p.values.config = { ...p.values.config, snippets: { pipelineStages: [{ match: { selector: `{namespace="${plan.app}"}`, action: "drop" } }] } }), "pipelineStages drop the app namespace");
    add("promtail-client", PROMTAIL, promtail, (p) => (p.values.config = { ...p.values.config, clients: [{ url: "http://loki.scratch.svc:3100/loki/api/v1/push" }] }), "clients → another Loki");
    add("promtail-daemonset", PROMTAIL, promtail, (p) => (p.values.daemonset = { enabled: false }), "daemonset.enabled → false");
    return out;
}
