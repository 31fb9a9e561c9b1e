import test from "ava";
import { planStack, type PlannedResource, type StackPlan } from "../../cli/harness/runtime";
import { getRunbook, parseRunbook, type Runbook } from "../../runbooks";
import { DEFAULTS } from "../../runbooks/defaults";
import { durationSeconds } from "../../runbooks/units";
import { scaleInRule } from "../../runbooks/language/scale-in";
import { hpaSpec, HPA_DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS, scaledObjectSpec } from "../../capabilities/kubernetes/apps";
import { names as kubernetesNames } from "../../capabilities/kubernetes/names";
import { redisConf } from "../../capabilities/datastores";
import { elastiCacheAppendOnly } from "../../capabilities/aws/redis-durability";
import { targetHealthPath } from "../../capabilities/aws/target-health";
import { tierFindings } from "../../policies/lib/storage-tiers";
import { coverageRows } from "../../capabilities/alerting/coverage";
import { backupPlan } from "../../capabilities/backups/plan";
import { awsClaim } from "../../capabilities/aws/coverage";
import { backupRules } from "../../capabilities/aws/backups";
import { awsNames } from "../../capabilities/aws/names";
import { policyCoverage } from "../../policies/coverage";

/**
 * The runbook language's scale-in rule, storage tiers, Redis AOF and readiness path, each from the
 * runbook data to what every target makes of it, and `npm run coverage` showing every backup tier. One production plan (formula-pm, the runbook with
 * S3 buckets, Redis and two services) carries all four stated at once; the rest is pure.
 */

const SOURCE = { seed: "001_50b6c55037a0b11e.txt", section: "Architecture", quote: "stated" };

/** formula-pm with each new statement: the backend's readiness path and a 10-minute scale-in, the frontend never scaling in, storage tiers, AOF. */
function stated(rb: Runbook): Runbook {
    const copy = structuredClone(rb) as Runbook;
    const [frontend, backend] = copy.services;
    (backend as { readinessPath?: string }).readinessPath = "/ready";
    (backend.scaling as Record<string, unknown>).scaleIn = { enabled: true, cooldown: "10m", source: SOURCE };
    (frontend.scaling as Record<string, unknown>).scaleIn = { enabled: false, source: SOURCE };
    const store = copy.data.objectStorage!;
    (store as Record<string, unknown>).lifecycle = [{ bucket: store.buckets[0], transitions: [{ storageClass: "STANDARD_IA", days: 30 }, { storageClass: "GLACIER", days: 180 }], source: SOURCE }];
    (copy.data.redis as Record<string, unknown>).appendOnly = { fsync: "everysec", source: SOURCE };
    return copy;
}

const rb = parseRunbook(JSON.parse(JSON.stringify(stated(getRunbook("formula-pm")))));
let planning: Promise<StackPlan> | undefined;
/** Planned once for every test of the file (tests run concurrently: they share the promise). */
const production = () => (planning ??= planStack("formula-pm-production", { mutate: (c) => ({ ...c, runbook: stated(c.runbook) }) }));
const ofType = (p: StackPlan, type: string) => p.resources.filter((r) => r.type === type);
const props = (r: PlannedResource) => r.props as Record<string, any>;

function refusal(mutate: (r: Runbook) => void): string {
    const copy = stated(getRunbook("formula-pm"));
    mutate(copy);
    try {
        parseRunbook(JSON.parse(JSON.stringify(copy)));
    } catch (e) {
        return (e as Error).message;
    }
    return "accepted";
}

test("scale-in: the runbook's rule, else the platform default marked as such; a disabled rule takes no cooldown", (t) => {
    const [frontend, backend] = rb.services;
    t.deepEqual(scaleInRule(backend.scaling), { enabled: true, cooldownSeconds: 600 });
    t.deepEqual(scaleInRule(frontend.scaling), { enabled: false, cooldownSeconds: 0 });
    const silent = scaleInRule(getRunbook("formula-pm").services[0].scaling);
    t.is(silent.cooldownSeconds, durationSeconds(DEFAULTS.scaleInCooldown.value));
    t.is(silent.defaulted, DEFAULTS.scaleInCooldown.reason);
    t.regex(refusal((r) => ((r.services[0].scaling as Record<string, unknown>).scaleIn = { enabled: false, cooldown: "5m", source: SOURCE })), /services\.0\.scaling\.scaleIn\.cooldown: scale-in is disabled/);
    t.regex(refusal((r) => ((r.services[1].scaling as Record<string, unknown>).scaleIn = { enabled: true, cooldown: "2h", source: SOURCE })), /services\.1\.scaling\.scaleIn\.cooldown: a cooldown of at most 1h/);
});

test("scale-in on Kubernetes: the HPA's scale-down window is the cooldown, Disabled where the runbook disables it, untouched at the default", async (t) => {
    const n = kubernetesNames(rb.app, rb.app);
    const [frontend, backend] = rb.services;
    t.deepEqual(hpaSpec(n, backend).behavior, { scaleDown: { stabilizationWindowSeconds: 600 } });
    t.deepEqual(hpaSpec(n, frontend).behavior, { scaleDown: { selectPolicy: "Disabled" } });
    const plain = getRunbook("formula-pm");
    t.is(hpaSpec(n, plain.services[0]).behavior, undefined, "silent runbook: the HPA's own default");
    t.is(durationSeconds(DEFAULTS.scaleInCooldown.value), HPA_DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS, "the platform default is what the HPA does by itself");
    const { HorizontalPodAutoscaler } = await import("kubernetes-models/autoscaling/v2");
    for (const svc of rb.services) t.notThrows(() => new HorizontalPodAutoscaler({ metadata: { name: svc.name }, spec: hpaSpec(n, svc) as never }).validate(), svc.name);
    // KEDA builds the HPA of a queue or Kafka consumer: the same behavior goes into its advanced config.
    const pfh = structuredClone(getRunbook("personal-finance-hub")) as Runbook;
    const worker = pfh.services.find((s) => s.role === "worker")!;
    (worker.scaling as Record<string, unknown>).scaleIn = { enabled: true, cooldown: "15m", source: SOURCE };
    t.deepEqual(scaledObjectSpec(pfh, kubernetesNames(pfh.app, pfh.app), worker).advanced, { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 900 } } } });
});

test("scale-in on AWS: target tracking takes the cooldown, or disableScaleIn where the runbook disables it", async (t) => {
    const p = await production();
    const policies = ofType(p, "aws:appautoscaling/policy:Policy");
    const [frontend, backend] = rb.services;
    const tracking = (svc: string) => policies.filter((r) => r.name.includes(`-${svc}-`)).map((r) => props(r).targetTrackingScalingPolicyConfiguration);
    t.true(tracking(backend.name).length >= 2);
    for (const c of tracking(backend.name)) {
        t.is(c.scaleInCooldown, 600);
        t.is(c.disableScaleIn, undefined);
    }
    t.true(tracking(frontend.name).length >= 2);
    for (const c of tracking(frontend.name)) {
        t.is(c.disableScaleIn, true);
        t.is(c.scaleInCooldown, undefined);
    }
});

test("readiness path: the target group asks it, the ECS container health check keeps asking health", async (t) => {
    const p = await production();
    const [frontend, backend] = rb.services;
    t.is(targetHealthPath(backend), "/ready");
    t.is(targetHealthPath(frontend), frontend.healthPath);
    const groups = ofType(p, "aws:lb/targetGroup:TargetGroup");
    const of = (svc: string) => groups.filter((g) => g.name.endsWith(`-${svc}`) || g.name.includes(`-${svc}-`)).map((g) => props(g).healthCheck.path);
    t.true(of(backend.name).length > 0 && of(backend.name).every((x) => x === "/ready"), of(backend.name).join(", "));
    t.true(of(frontend.name).length > 0 && of(frontend.name).every((x) => x === frontend.healthPath), of(frontend.name).join(", "));
    const task = ofType(p, "aws:ecs/taskDefinition:TaskDefinition").find((r) => String(props(r).containerDefinitions ?? "").includes(`"name":"${backend.name}"`));
    if (!task) return t.fail("no task definition of the backend");
    t.true(String(props(task).containerDefinitions).includes(backend.healthPath), "container health check on the health path");
});

test("storage tiers: S3 lifecycle transitions on the bucket the runbook names, checked by the lifecycle policy", async (t) => {
    const p = await production();
    const bucket = rb.data.objectStorage!.buckets[0];
    const lifecycle = ofType(p, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").find((r) => r.name.endsWith(`-${bucket}-lifecycle`));
    if (!lifecycle) return t.fail(`no lifecycle configuration of ${bucket}`);
    const rule = (props(lifecycle).rules as Record<string, any>[]).find((r) => r.id === "runbook-tiers");
    t.deepEqual(rule?.transitions, [
        { days: 30, storageClass: "STANDARD_IA" },
        { days: 180, storageClass: "GLACIER" },
    ]);
    t.is(rule?.status, "Enabled");
    const other = ofType(p, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").find((r) => r.name.endsWith(`-${rb.data.objectStorage!.buckets[1]}-lifecycle`));
    t.false(JSON.stringify(other?.props ?? {}).includes("transitions"), "a bucket without tiers gets none");
    const check = (ps: Record<string, any>) => tierFindings(rb, { name: lifecycle.name, props: ps }, "lifecycle").map((f) => f.message);
    t.deepEqual(check(props(lifecycle)), []);
    const broken = (edit: (rules: Record<string, any>[]) => void) => {
        const copy = structuredClone(props(lifecycle));
        edit(copy.rules);
        return check(copy);
    };
    t.true(broken((rs) => rs.find((r) => r.id === "runbook-tiers")!.transitions.pop()).some((m) => /no rule moves formula-pm-storage to GLACIER after 180 days/.test(m)));
    t.true(broken((rs) => (rs.find((r) => r.id === "runbook-tiers")!.transitions[1].days = 90)).some((m) => /GLACIER after 90 days; the runbook says after 180 days/.test(m)));
    t.true(broken((rs) => rs.push({ id: "cold", status: "Enabled", filter: {}, transitions: [{ days: 365, storageClass: "DEEP_ARCHIVE" }] })).some((m) => /DEEP_ARCHIVE after 365 days; the runbook states no such tier/.test(m)));
    t.regex(refusal((r) => (r.data.objectStorage!.lifecycle = [{ bucket: "nope", transitions: [{ storageClass: "GLACIER", days: 10 }], source: SOURCE }])), /lifecycle\.0\.bucket: formula-pm: lifecycle names bucket "nope"/);
    t.regex(refusal((r) => (r.data.objectStorage!.lifecycle![0].transitions[0].days = 10)), /transitions\.0\.days: STANDARD_IA after 10 days: S3 moves objects to an Infrequent Access class no sooner than 30 days/);
    t.regex(refusal((r) => (r.data.objectStorage!.lifecycle![0].transitions.reverse())), /lifecycle\.0\.transitions\.1: STANDARD_IA after 30 days follows GLACIER/);
});

test("Redis AOF: appendfsync written where Redis runs in a container; on ElastiCache the replicas stand in, and `always` is refused", async (t) => {
    const conf = redisConf(rb.data.redis!);
    t.regex(conf, /^appendonly yes$/m);
    t.regex(conf, /^appendfsync everysec$/m);
    t.notRegex(redisConf(getRunbook("formula-pm").data.redis!), /appendfsync/, "silent runbook: redis.conf as before");
    t.regex(elastiCacheAppendOnly(rb, "formula-pm-production") ?? "", /no AOF on ElastiCache .*replica.*Multi-AZ automatic failover, plus daily snapshots/);
    t.is(elastiCacheAppendOnly(getRunbook("formula-pm"), "formula-pm-production"), undefined);
    const always = structuredClone(rb) as Runbook;
    always.data.redis!.appendOnly = { fsync: "always", source: SOURCE };
    t.throws(() => elastiCacheAppendOnly(always, "formula-pm-production"), { message: /^formula-pm-production: data\.redis\.appendOnly\.fsync = "always".*allowed on AWS: "everysec"/ });
    const p = await production();
    const group = ofType(p, "aws:elasticache/replicationGroup:ReplicationGroup")[0];
    t.true(props(group).multiAzEnabled && props(group).automaticFailoverEnabled && props(group).snapshotRetentionLimit > 0);
});

/** `npm run coverage` shows every backup tier of a dataset: a weekly tier added to a runbook whose PostgreSQL has one backup. */
function withWeeklyTier(): Runbook {
    const base = structuredClone(getRunbook("pfm-community")) as Runbook;
    const nightly = base.backups.find((b) => b.dataset === "postgres")!;
    base.backups.push({ ...nightly, tier: "weekly", cron: "0 3 * * 0", every: "1w", retentionDays: nightly.retentionDays * 4, maxAge: undefined });
    return parseRunbook(JSON.parse(JSON.stringify(base)));
}

test("every tier of a dataset has its schedule, retention and interval rows, each claimed by its own plan", (t) => {
    const rb = withWeeklyTier();
    const rows = coverageRows([rb], [(key) => awsClaim(rb, key), policyCoverage]);
    const names = awsNames(rb.app, "production");
    const tiers = backupPlan(rb).filter((p) => p.dataset === "postgres");
    t.is(tiers.length, 2);
    for (const p of tiers) {
        const rule = backupRules(rb).find((r) => r.name === p.name)!;
        for (const kind of ["backup-schedule", "backup-retention", "backup-interval"]) {
            const row = rows.find((r) => r.kind === kind && r.id === p.name);
            if (!row) return t.fail(`no ${kind} row for ${p.name}`);
            t.true(row.enforcedBy.includes("k8s-cnpg-scheduledbackup-runbook-schedule"), `${kind} ${p.name}: the PostgreSQL policies hold every tier`);
            t.true(row.implementedBy.length > 0, `${kind} ${p.name}: nothing implements it`);
        }
        const schedule = rows.find((r) => r.kind === "backup-schedule" && r.id === p.name)!;
        t.is(schedule.number, `cron ${p.backup.cron}`);
        t.true(schedule.implementedBy.some((i) => i.includes(`AWS Backup plan ${names.prefix}-${p.name} schedule ${rule.schedule}`)), schedule.implementedBy.join("; "));
        const retention = rows.find((r) => r.kind === "backup-retention" && r.id === p.name)!;
        t.is(retention.number, `${p.backup.retentionDays} days`);
        t.true(retention.implementedBy.some((i) => i.includes(`${names.prefix}-${p.name} deleteAfter ${p.backup.retentionDays} days`)), retention.implementedBy.join("; "));
        const interval = rows.find((r) => r.kind === "backup-interval" && r.id === p.name)!;
        t.true(interval.implementedBy.some((i) => i.includes(`vault ${names.vault(p.name)}`)), interval.implementedBy.join("; "));
    }
});
