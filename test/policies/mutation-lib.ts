import { planStack, type StackPlan } from "../../cli/harness/runtime";
import { durationSeconds, getRunbook, type Env, type Runbook } from "../../runbooks";
import type { PlatformContext } from "../../stacks/settings";
import { secretCandidates, seedLiterals } from "../../policies/lib/credentials";
import { DATA_PORTS } from "../../policies/lib/workloads";
import { runPolicies, type OfflineViolation, type StackReport } from "../../policies/offline";
import { policies } from "../../policies/pack";
import { cloudwatchEvidence } from "../../policies/lib/alerts";
import { restoreCadence, scheduledVerifications } from "../../policies/lib/backups";
import { CRONJOB } from "../../policies/lib/kubernetes";
import { cnpgBackups, cronJobBackups, cronJobCommand } from "../../policies/lib/kubernetes-backups";
import type { Subject } from "../../policies/lib/policy";
import { HPA, SCALED_OBJECT } from "../../policies/lib/autoscalers";
import { subjectMutations } from "./mutation-subjects";
import { offSwitchMutations } from "./mutation-switches";

/**
 * Mutation testing of the pack: the program builds from a loosened runbook (through the
 * `mutate` hook of `planStack`), or a stack setting is loosened, or a security flag is flipped in
 * the captured plan; the pack, which reads the baseline runbook, must report a mandatory
 * violation naming the loosened number (its runbook key) or, for security mutations, from the
 * policy that guards the flag.
 *
 * Each mutation loosens one number. To keep the suite fast, mutations of different numbers are
 * planned together in a few batches and each is judged by its own key; a mutation a batch does
 * not catch is planned again on its own, which also tells "survived" (the plan changed and
 * nothing caught it: a hole in the pack) from "no effect" (the target does not implement that
 * number yet: nothing to catch). Set MUTATIONS_SOLO=1 to plan every mutation on its own.
 */

export type How = "runbook" | "settings" | "plan edit" | "tightening";

export interface Mutation {
    readonly id: string;
    readonly how: How;
    /** Caught by a mandatory violation whose runbook key is one of these... */
    readonly keys?: readonly string[];
    /** ...or, for security mutations, from one of these policies. */
    readonly policies?: readonly string[];
    /** Mutations sharing a batch are planned together. */
    readonly batch: string;
    readonly runbook?: (rb: Runbook) => void;
    readonly context?: (ctx: PlatformContext) => PlatformContext;
    /** Edits a copy of the baseline plan; undefined when the plan has nothing to edit. */
    readonly edit?: (plan: StackPlan) => StackPlan | undefined;
}

/** `refused`: the program itself will not build the loosened runbook (it throws), so it cannot be deployed. */
export type Status = "killed" | "survived" | "no effect" | "not applicable" | "refused" | "false positive";

export interface Result {
    readonly stack: string;
    readonly mutation: string;
    readonly how: How;
    readonly status: Status;
    readonly by?: string;
}

const seconds = (d: string) => durationSeconds(d);

/** True when `path` or one of its ancestors is a secret in the plan (the program's marking, which the engine does not show the pack). */
function isSecretPath(secretPaths: readonly string[], path: string): boolean {
    return secretPaths.some((s) => s === "" || path === s || path.startsWith(`${s}.`) || path.startsWith(`${s}[`) || path.startsWith(`${s}>`));
}

/** A looser threshold: later in the alert's direction. */
export function loosen(threshold: number, direction: "above" | "below", unit: string): number {
    if (direction === "below") return threshold / 2;
    if (threshold === 0) return 1;
    return unit === "percent" && threshold < 100 ? threshold + (100 - threshold) / 2 : threshold * 2;
}

/** A weekly schedule at the same minute: rarer than any of the runbooks' daily or 6-hourly backups. */
export function rarer(cron: string): string {
    const [m, h] = cron.split(/\s+/);
    return `${/^\d+$/.test(m) ? m : "0"} ${/^\d+$/.test(h) ? h : "0"} * * 0`;
}

function levelOf(rb: Runbook, id: string, severity: string) {
    const a = rb.alerts.find((x) => x.id === id);
    return a?.levels.find((l) => l.severity === severity);
}

/** One mutation per runbook number the pack holds a stack to, for one app in one environment. */
export function runbookMutations(rb: Runbook, env: Env): Mutation[] {
    const out: Mutation[] = [];
    rb.alerts.forEach((a, i) => {
        for (const l of a.levels) {
            const base = `alerts.${a.id}.${l.severity}`;
            out.push({
                id: `${base}.for doubled (${l.for} → ${seconds(l.for) * 2}s)`,
                how: "runbook",
                keys: [`${base}.for`],
                batch: "A",
                runbook: (r) => (levelOf(r, a.id, l.severity)!.for = `${seconds(l.for) * 2}s`),
            });
            const to = loosen(l.threshold, a.direction, a.unit);
            out.push({
                id: `${base}.threshold loosened (${l.threshold} → ${to})`,
                how: "runbook",
                keys: [`${base}.threshold`],
                batch: "B",
                runbook: (r) => (levelOf(r, a.id, l.severity)!.threshold = to),
            });
        }
        out.push({
            id: `alerts.${a.id} removed`,
            how: "runbook",
            keys: a.levels.map((l) => `alerts.${a.id}.${l.severity}`),
            batch: `C${i % 2}`,
            runbook: (r) => (r.alerts = r.alerts.filter((x) => x.id !== a.id)),
        });
    });
    for (const b of rb.backups) {
        out.push({
            id: `backups.${b.dataset}.retentionDays halved (${b.retentionDays} → ${Math.floor(b.retentionDays / 2)})`,
            how: "runbook",
            keys: [`backups.${b.dataset}.retentionDays`],
            batch: "A",
            runbook: (r) => (r.backups.find((x) => x.dataset === b.dataset)!.retentionDays = Math.floor(b.retentionDays / 2)),
        });
        out.push({
            id: `backups.${b.dataset}.cron rarer (${b.cron} → ${rarer(b.cron)})`,
            how: "runbook",
            keys: [`backups.${b.dataset}.cron`],
            batch: "D",
            runbook: (r) => Object.assign(r.backups.find((x) => x.dataset === b.dataset)!, { cron: rarer(b.cron), every: "7d" }),
        });
    }
    out.push({
        id: `logs.retentionDays halved (${rb.logs.retentionDays} → ${Math.floor(rb.logs.retentionDays / 2)})`,
        how: "runbook",
        keys: ["logs.retentionDays"],
        batch: "A",
        runbook: (r) => (r.logs.retentionDays = Math.floor(rb.logs.retentionDays / 2)),
    });
    for (const s of rb.services) {
        const svc = (r: Runbook) => r.services.find((x) => x.name === s.name)!;
        out.push({
            id: `services.${s.name}.resources limits halved (${s.resources.limits.memoryMiB} MiB/${s.resources.limits.cpu} CPU → ${s.resources.limits.memoryMiB / 2}/${s.resources.limits.cpu / 2})`,
            how: "runbook",
            keys: [`services.${s.name}.resources`],
            batch: "A",
            runbook: (r) => {
                const res = svc(r).resources;
                res.limits = { memoryMiB: s.resources.limits.memoryMiB / 2, cpu: s.resources.limits.cpu / 2 };
                res.reservations = { memoryMiB: Math.min(res.reservations.memoryMiB, res.limits.memoryMiB), cpu: Math.min(res.reservations.cpu, res.limits.cpu) };
            },
        });
        for (const kind of ["cpu", "memory"] as const) {
            const field = `${kind}TargetPercent` as const;
            const to = Math.min(100, s.scaling[field] + 20);
            out.push({
                id: `services.${s.name}.scaling.${field} raised (${s.scaling[field]} → ${to})`,
                how: "runbook",
                keys: [`services.${s.name}.scaling.${field}`],
                batch: "B",
                runbook: (r) => (svc(r).scaling[field] = to),
            });
        }
        // Minimum and maximum capacity are production hardening (advisory in staging).
        if (env === "production" && s.scaling.min > 1) {
            out.push({ id: `services.${s.name}.scaling.min lowered (${s.scaling.min} → 1)`, how: "runbook", keys: [`services.${s.name}.scaling.min`], batch: "C0", runbook: (r) => (svc(r).scaling.min = 1) });
        }
        if (env === "production" && s.scaling.max > s.scaling.min) {
            out.push({ id: `services.${s.name}.scaling.max lowered (${s.scaling.max} → ${s.scaling.min})`, how: "runbook", keys: [`services.${s.name}.scaling.max`], batch: "C1", runbook: (r) => (svc(r).scaling.max = s.scaling.min) });
        }
    }
    // Blue/green releases are an AWS (production) mechanism; the other targets roll.
    const blueGreen = rb.aws.blueGreen;
    if (env === "production" && blueGreen) {
        const to = Math.floor(blueGreen.bakeMinutes / 2);
        out.push({ id: `aws.blueGreen.bakeMinutes halved (${blueGreen.bakeMinutes} → ${to})`, how: "runbook", keys: ["aws.blueGreen.bakeMinutes"], batch: "A", runbook: (r) => r.aws.blueGreen && (r.aws.blueGreen.bakeMinutes = to) });
    }
    // Production only: on Kubernetes the cluster keeps two instances for failover whatever the
    // replica count, so fewer read replicas there changes only the app's read URL, no guarded number.
    if (env === "production" && rb.data.postgres && rb.data.postgres.readReplicas > 0) {
        out.push({ id: `data.postgres.readReplicas lowered (${rb.data.postgres.readReplicas} → 0)`, how: "runbook", keys: ["data.postgres.readReplicas"], batch: "C0", runbook: (r) => (r.data.postgres!.readReplicas = 0) });
    }
    return out;
}

const IMAGE_POLICIES = ["aws-ecs-taskdefinition-image-pinned", "k8s-workload-image-pinned", "docker-container-image-pinned"];

function editFirst(plan: StackPlan, match: (r: StackPlan["resources"][number]) => boolean, edit: (props: Record<string, any>) => void): StackPlan | undefined {
    const copy = structuredClone(plan);
    const r = copy.resources.find(match);
    if (!r) return undefined;
    edit(r.props);
    return copy;
}

/** Security mutations: a loosened stack setting (through `mutate`) or a flag flipped in the captured plan. */
export function securityMutations(rb: Runbook, env: Env): Mutation[] {
    const svc = rb.services[0].name;
    const out: Mutation[] = [
        {
            id: `settings.images.${svc} → :latest`,
            how: "settings",
            policies: IMAGE_POLICIES,
            batch: "S",
            context: (ctx) => ({ ...ctx, settings: { ...ctx.settings, images: { ...ctx.settings.images, [svc]: ctx.settings.images[svc].replace(/(:[^:/@]+|@sha256:[a-f0-9]+)$/, ":latest") } } }),
        },
    ];
    if (env === "production") out.push({ id: "protect → false", how: "settings", keys: ["protect"], policies: ["aws-stateful-resource-protect", "k8s-stateful-resource-protect"], batch: "S", context: (ctx) => ({ ...ctx, protect: false }) });
    const flip = (id: string, policy: string, type: string, edit: (p: Record<string, any>) => void, match: (p: Record<string, any>) => boolean = () => true): Mutation => ({
        id,
        how: "plan edit",
        policies: [policy],
        batch: `E:${id}`,
        edit: (plan) => editFirst(plan, (r) => r.type === type && match(r.props), edit),
    });
    out.push(
        flip("RDS primary publiclyAccessible → true", "aws-rds-instance-not-public", "aws:rds/instance:Instance", (p) => (p.publiclyAccessible = true), (p) => !p.replicateSourceDb),
        flip("RDS storageEncrypted → false", "aws-rds-instance-encryption", "aws:rds/instance:Instance", (p) => (p.storageEncrypted = false)),
        flip("ElastiCache transitEncryptionEnabled → false", "aws-elasticache-replicationgroup-encryption", "aws:elasticache/replicationGroup:ReplicationGroup", (p) => (p.transitEncryptionEnabled = false)),
        flip("DocumentDB storageEncrypted → false", "aws-docdb-cluster-encryption", "aws:docdb/cluster:Cluster", (p) => (p.storageEncrypted = false)),
        flip("MSK clientBroker → TLS_PLAINTEXT", "aws-msk-cluster-encryption", "aws:msk/cluster:Cluster", (p) => (p.encryptionInfo = { ...p.encryptionInfo, encryptionInTransit: { ...p.encryptionInfo?.encryptionInTransit, clientBroker: "TLS_PLAINTEXT" } })),
        flip(
            "a data-port ingress rule opened to 0.0.0.0/0",
            "aws-securitygroup-no-public-data-ports",
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            (p) => {
                delete p.referencedSecurityGroupId;
                p.cidrIpv4 = "0.0.0.0/0";
            },
            (p) => DATA_PORTS[p.fromPort] !== undefined,
        ),
        flip("a data Service exposed as LoadBalancer", "k8s-service-no-public-data-ports", "kubernetes:core/v1:Service", (p) => (p.spec = { ...p.spec, type: "LoadBalancer" }), (p) => (p.spec?.ports ?? []).some((x: { port: number }) => DATA_PORTS[x.port] !== undefined)),
        flip("a Deployment's image → :latest", "k8s-workload-image-pinned", "kubernetes:apps/v1:Deployment", (p) => {
            const c = p.spec.template.spec.containers[0];
            c.image = String(c.image).replace(/(:[^:/@]+|@sha256:[a-f0-9]+)$/, ":latest");
        }, (p) => !!p.spec?.template?.spec?.containers?.length),
        flip("an ECS container's image → :latest", "aws-ecs-taskdefinition-image-pinned", "aws:ecs/taskDefinition:TaskDefinition", (p) => {
            const defs = JSON.parse(p.containerDefinitions);
            defs[0].image = String(defs[0].image).replace(/(:[^:/@]+|@sha256:[a-f0-9]+)$/, ":latest");
            p.containerDefinitions = JSON.stringify(defs);
        }, (p) => typeof p.containerDefinitions === "string"),
        flip("a Helm chart version unpinned", "k8s-helm-release-version-pinned", "kubernetes:helm.sh/v3:Release", (p) => delete p.version),
        flip(
            "postgres_exporter logs in as the PostgreSQL administrator",
            "docker-container-no-master-credentials",
            "docker:index/container:Container",
            (p) => (p.envs = p.envs.map((e: string) => (e.startsWith("DATA_SOURCE_USER=") ? `DATA_SOURCE_USER=${rb.data.postgres!.user}` : e))),
            (p) => !!rb.data.postgres && Array.isArray(p.envs) && p.envs.some((e: unknown) => typeof e === "string" && e.startsWith("DATA_SOURCE_USER=")),
        ),
        flip("MSK unauthenticated clients → true", "aws-msk-cluster-client-authentication", "aws:msk/cluster:Cluster", (p) => (p.clientAuthentication = { ...p.clientAuthentication, unauthenticated: true })),
        flip("CloudNativePG superuser access → true", "k8s-workload-no-master-credentials", "kubernetes:postgresql.cnpg.io/v1:Cluster", (p) => (p.spec = { ...p.spec, enableSuperuserAccess: true })),
        flip(
            "an app task's PGUSER → the RDS master user",
            "aws-ecs-taskdefinition-no-master-credentials",
            "aws:ecs/taskDefinition:TaskDefinition",
            (p) => {
                const defs = JSON.parse(p.containerDefinitions);
                for (const d of defs) for (const e of d.environment ?? []) if (e.name === "PGUSER") e.value = rb.data.postgres!.user;
                p.containerDefinitions = JSON.stringify(defs);
            },
            (p) => !!rb.data.postgres && typeof p.containerDefinitions === "string" && p.containerDefinitions.includes('"PGUSER"') && !p.containerDefinitions.includes("postgres-roles"),
        ),
        {
            id: "S3 bucket encryption configuration removed",
            how: "plan edit",
            policies: ["aws-s3-bucket-encryption"],
            batch: "E:s3",
            edit: (plan) => {
                const sse = plan.resources.filter((r) => /bucketServerSideEncryptionConfiguration/.test(r.type));
                return sse.length ? { ...plan, resources: plan.resources.filter((r) => !sse.includes(r)) } : undefined;
            },
        },
        {
            id: "a generated secret replaced by the runbook's clear-text password",
            how: "plan edit",
            policies: ["platform-no-literal-secrets"],
            batch: "E:secret",
            edit: (plan) => {
                const copy = structuredClone(plan);
                const literal = seedLiterals()[0];
                for (const r of copy.resources) {
                    const c = secretCandidates({ ...r, opts: r.options }).find((x) => !x.path.includes(">") && x.value.length > 0 && isSecretPath(r.secretPaths, x.path));
                    if (!c) continue;
                    const parts = c.path.split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== "");
                    const last = parts.pop()!;
                    const holder = parts.reduce<any>((o, k) => o?.[k], r.props);
                    if (typeof holder?.[last] !== "string") continue;
                    holder[last] = holder[last].replace(c.value, literal);
                    return copy;
                }
                return undefined;
            },
        },
    );
    return out;
}

const asSubject = (r: StackPlan["resources"][number]): Subject => ({ type: r.type, name: r.name, urn: r.urn, props: r.props as Record<string, any>, opts: { protect: r.options.protect, parent: r.parent }, dependencies: r.options.dependsOn });

/** A copy of the plan with one resource (by URN) edited. */
function editUrn(plan: StackPlan, urn: string, edit: (props: Record<string, any>) => void): StackPlan {
    const copy = { ...plan, resources: plan.resources.map((r) => (r.urn === urn ? structuredClone(r) : r)) };
    edit(copy.resources.find((r) => r.urn === urn)!.props as Record<string, any>);
    return copy;
}

/**
 * A deterministic sample of at most `n` of `xs` (evenly spaced, offset by the stack so that the
 * stacks together cover different subjects); every one with MUTATIONS_ALL=1.
 */
export function sample<T>(xs: readonly T[], n: number, seed: string): T[] {
    if (process.env.MUTATIONS_ALL === "1" || xs.length <= n) return [...xs];
    const offset = [...seed].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % xs.length;
    const step = xs.length / n;
    return Array.from({ length: n }, (_, i) => xs[(offset + Math.floor(i * step)) % xs.length]);
}

/** How many subjects of each switch a stack's run turns off (all of them with MUTATIONS_ALL=1). */
const PER_SWITCH = 2;

/**
 * Switch mutations, generated from the baseline plan: every guard the plan holds that can be
 * present yet switched off is switched off, one subject at a time — a runbook alarm's actions, a
 * backup or restore-check CronJob, a ScheduledBackup, an AWS Backup selection or restore testing
 * selection whose tag then matches nothing, the versioning a bucket's retention relies on.
 */
export function switchMutations(rb: Runbook, plan: StackPlan): Mutation[] {
    const subjects = plan.resources.map(asSubject);
    const out: Mutation[] = [];
    const add = (kind: string, policies: string[], targets: readonly Subject[], edit: (p: Record<string, any>) => void, what: string) => {
        for (const s of sample(targets, PER_SWITCH, `${plan.stack}:${kind}`)) {
            out.push({ id: `${kind}: ${s.name} ${what}`, how: "plan edit", policies, batch: `W:${kind}:${s.urn}`, edit: (pl) => editUrn(pl, s.urn, edit) });
        }
    };
    const levels = new Set(rb.alerts.flatMap((a) => a.levels.map((l) => `${a.id}.${l.severity}`)));
    // Only alarms that notify: a view of a level AMP pages for is off by design (one page per level).
    const alarms = cloudwatchEvidence(rb, subjects).filter((e) => e.alertId && !e.off && levels.has(`${e.alertId}.${e.severity}`));
    add("alarm", ["aws-amp-cloudwatch-runbook-alerts", "aws-amp-alertmanager-critical-paging"], [...new Set(alarms.map((e) => e.subject))], (p) => (p.actionsEnabled = false), "actionsEnabled → false");
    const cronGuards = [...cronJobBackups(subjects).filter((e) => rb.backups.some((b) => b.dataset === e.dataset)).map((e) => e.subject)];
    add("cronjob", ["k8s-cronjob-backup-runbook-schedule", "k8s-cnpg-scheduledbackup-runbook-schedule"], [...new Set(cronGuards)], (p) => (p.spec = { ...p.spec, suspend: true }), "suspended");
    if (restoreCadence(rb)) {
        const verifiers = subjects.filter((s) => s.type === CRONJOB && scheduledVerifications(s, String(s.props.spec?.schedule ?? ""), `${s.props.metadata?.name ?? s.name} ${cronJobCommand(s)}`).length > 0);
        add("restore-check", ["k8s-cronjob-restore-check-cadence"], verifiers, (p) => (p.spec = { ...p.spec, suspend: true }), "suspended");
        add("restore-selection", ["aws-backup-restoretestingplan-cadence"], subjects.filter((s) => s.type === "aws:backup/restoreTestingSelection:RestoreTestingSelection"), (p) => {
            for (const c of p.protectedResourceConditions?.stringEquals ?? []) c.value = `${c.value}-nothing-carries-this`;
        }, "conditions match no resource");
    }
    add("scheduledbackup", ["k8s-cnpg-scheduledbackup-runbook-schedule"], cnpgBackups(subjects).map((e) => e.subject), (p) => (p.spec = { ...p.spec, suspend: true }), "suspended");
    add("backup-selection", ["aws-backup-plan-runbook-schedule"], subjects.filter((s) => s.type === "aws:backup/selection:Selection" && (s.props.selectionTags ?? []).length > 0), (p) => {
        for (const t of p.selectionTags) t.value = `${t.value}-nothing-carries-this`;
    }, "tags match no resource");
    // Versioning a bucket's retention relies on: its bucket keeps noncurrent versions by a lifecycle rule.
    const keepsVersions = new Set(
        subjects.filter((s) => /bucketLifecycleConfiguration/.test(s.type) && (s.props.rules ?? []).some((r: Record<string, any>) => r.status !== "Disabled" && r.noncurrentVersionExpiration)).map((s) => String(s.props.bucket)),
    );
    // Scaling pinned at one size (min = max) where the runbook gives a service room to scale.
    const roomy = new Set(rb.services.filter((s) => s.scaling.max > s.scaling.min).map((s) => s.name));
    const scalesRoomy = (s: Subject) => [...roomy].some((n) => String(s.props.resourceId ?? s.props.spec?.scaleTargetRef?.name ?? "").endsWith(n));
    add("min=max", ["aws-appautoscaling-room-to-scale"], subjects.filter((s) => s.type === "aws:appautoscaling/target:Target" && scalesRoomy(s)), (p) => (p.minCapacity = p.maxCapacity), "minCapacity → maxCapacity");
    add("min=max", ["k8s-hpa-room-to-scale"], subjects.filter((s) => s.type === HPA && scalesRoomy(s)), (p) => (p.spec = { ...p.spec, minReplicas: p.spec.maxReplicas }), "minReplicas → maxReplicas");
    add("min=max", ["k8s-hpa-room-to-scale"], subjects.filter((s) => s.type === SCALED_OBJECT && scalesRoomy(s)), (p) => (p.spec = { ...p.spec, minReplicaCount: p.spec.maxReplicaCount }), "minReplicaCount → maxReplicaCount");
    // A public host's outside probe that probes nothing.
    add("reachability-probe", ["k8s-public-host-reachability"], subjects.filter((s) => s.type === "kubernetes:monitoring.coreos.com/v1:Probe" && s.props.spec?.targets?.staticConfig?.labels?.probe === "reachability"), (p) => (p.spec = { ...p.spec, targets: { staticConfig: { ...p.spec.targets.staticConfig, static: [] } } }), "targets → none");
    out.push(...subjectMutations(rb, plan, subjects, sample));
    add("versioning", ["aws-s3-bucket-versioning-retention"], subjects.filter((s) => /bucketVersioning/.test(s.type) && keepsVersions.has(String(s.props.bucket))), (p) => (p.versioningConfiguration = { ...p.versioningConfiguration, status: "Suspended" }), "suspended");
    return out;
}

/**
 * Tightening edits that must raise nothing new: an extra tag on every tagged resource, an extra
 * runbook alarm firing sooner than the runbook's, lifecycle rules keeping versions twice as long.
 */
export function tightened(rb: Runbook, plan: StackPlan): StackPlan {
    const copy = structuredClone(plan);
    for (const r of copy.resources) {
        const p = r.props as Record<string, any>;
        if (p.tags && typeof p.tags === "object") p.tags = { ...p.tags, reviewed: "tightening-test" };
        for (const rule of Array.isArray(p.rules) ? p.rules : []) {
            if (rule?.noncurrentVersionExpiration?.noncurrentDays) rule.noncurrentVersionExpiration.noncurrentDays *= 2;
            if (rule?.expiration?.days) rule.expiration.days *= 2;
        }
    }
    const alarm = cloudwatchEvidence(rb, copy.resources.map(asSubject)).find(
        (e) => e.alertId && e.comparisons.length === 1 && e.comparisons[0].value > 0 && /Greater/.test(String(e.subject.props.comparisonOperator)) && e.subject.props.namespace !== "AWS/Backup",
    );
    if (alarm) {
        const src = copy.resources.find((r) => r.urn === alarm.subject.urn)!;
        const extra = structuredClone(src);
        const op = String((extra.props as Record<string, any>).comparisonOperator);
        (extra.props as Record<string, any>).threshold = /Greater/.test(op) ? alarm.comparisons[0].value * 0.9 : alarm.comparisons[0].value * 1.1;
        (extra.props as Record<string, any>).name = `${String((extra.props as Record<string, any>).name ?? src.name)}-early`;
        copy.resources.push({ ...extra, urn: `${src.urn}-early`, name: `${src.name}-early` });
    }
    return copy;
}

function caught(m: Mutation, report: StackReport, before: ReadonlySet<string>): OfflineViolation | undefined {
    return report.violations.find(
        (v) => v.level === "mandatory" && !before.has(v.message) && ((m.keys && v.key && m.keys.includes(v.key)) || (m.policies && m.policies.includes(v.policy))),
    );
}

/** Free text for people; a change there alone changes nothing the platform does. */
const PROSE = new Set(["alarmDescription", "description", "summary"]);
/** A JSON document held in a string input (a Grafana dashboard in an S3 object's `content`), parsed so its prose is left out too. */
function embeddedJson(v: string): unknown {
    if (!v.startsWith("{")) return v;
    try {
        return JSON.parse(v);
    } catch {
        return v;
    }
}
const withoutProse = (_key: string, v: unknown): unknown => {
    if (typeof v === "string") return embeddedJson(v);
    return v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).filter(([k]) => !PROSE.has(k))) : v;
};

/** What the platform would do: every resource's inputs and options, prose left out, in URN order (registration order varies with timing). */
const fingerprint = (plan: StackPlan) =>
    JSON.stringify(
        [...plan.resources].sort((a, b) => a.urn.localeCompare(b.urn)).map((r) => [r.urn, r.props, { ...r.options, dependsOn: [...r.options.dependsOn].sort() }, r.secretPaths]),
        withoutProse,
    );

function combined(ms: readonly Mutation[]): (ctx: PlatformContext) => PlatformContext {
    return (ctx) => {
        let next = ctx;
        const edits = ms.filter((m) => m.runbook);
        if (edits.length) {
            const rb = structuredClone(ctx.runbook) as Runbook;
            for (const m of edits) m.runbook!(rb);
            next = { ...next, runbook: rb };
        }
        for (const m of ms) if (m.context) next = m.context(next);
        return next;
    };
}

let refusal = "";

/**
 * The plan of the mutated program, or undefined when the program refuses the loosened runbook.
 * (The harness drains what a throwing program left in flight, so nothing lands in the next plan.)
 */
async function tryPlan(stack: string, ms: readonly Mutation[]): Promise<StackPlan | undefined> {
    try {
        const plan = await planStack(stack, { mutate: combined(ms) });
        const urns = plan.resources.map((r) => r.urn);
        if (new Set(urns).size !== urns.length) throw new Error(`${stack}: the plan registered a URN twice (a leftover of an earlier run)`);
        return plan;
    } catch (e) {
        refusal = (e as Error).message.split("\n").slice(0, 2).join(" ");
        return undefined;
    }
}

/** Runs every mutation of one stack; planning is sequential (the SDK runtime is process-global). */
export async function runMutations(stack: string, env: Env, app: Parameters<typeof getRunbook>[0], solo = process.env.MUTATIONS_SOLO === "1"): Promise<Result[]> {
    const rb = getRunbook(app);
    const baseline = await planStack(stack);
    const mutations = [...runbookMutations(rb, env), ...securityMutations(rb, env), ...switchMutations(rb, baseline), ...offSwitchMutations(rb, baseline)];
    const baseReport = await runPolicies(baseline);
    const before = new Set(baseReport.violations.filter((v) => v.level === "mandatory").map((v) => v.message));
    const baseFingerprint = fingerprint(baseline);
    const results: Result[] = [];
    const judge = async (m: Mutation, plan: StackPlan): Promise<{ by?: OfflineViolation; changed: boolean }> => {
        // A flipped flag is judged by the policies that guard it; a loosened number by the whole pack.
        const report = await runPolicies(plan, m.edit && m.policies ? { policies: policies.filter((p) => m.policies!.includes(p.name)) } : {});
        return { by: caught(m, report, before), changed: fingerprint(plan) !== baseFingerprint };
    };
    const record = (m: Mutation, status: Status, by?: OfflineViolation) =>
        results.push({ stack, mutation: m.id, how: m.how, status, ...(by ? { by: `${by.policy}: ${by.message.slice(0, 160)}` } : {}) });

    const misses: Mutation[] = [];
    /** Plans a batch; a batch the program refuses is split in two until the refusing mutation stands alone. */
    const runBatch = async (group: readonly Mutation[]): Promise<void> => {
        const plan = await tryPlan(stack, group);
        if (!plan) {
            if (group.length === 1) record(group[0], "refused", { policy: "the program", message: refusal } as OfflineViolation);
            else {
                const half = Math.ceil(group.length / 2);
                await runBatch(group.slice(0, half));
                await runBatch(group.slice(half));
            }
            return;
        }
        if (group.length === 1) {
            const { by, changed } = await judge(group[0], plan);
            record(group[0], by ? "killed" : changed ? "survived" : "no effect", by);
            return;
        }
        const report = await runPolicies(plan);
        for (const m of group) {
            const by = caught(m, report, before);
            if (by) record(m, "killed", by);
            else misses.push(m);
        }
    };
    const batches = new Map<string, Mutation[]>();
    for (const m of mutations) batches.set(solo ? m.id : m.batch, [...(batches.get(solo ? m.id : m.batch) ?? []), m]);
    /**
     * Plan edits that each loosen their own runbook key (the per-subject class) are applied together
     * and judged by key, one policy run for the lot; any not caught so is judged alone below.
     */
    const together = async (all: readonly Mutation[]): Promise<Mutation[]> => {
        let group = [...all];
        if (group.length < 2 || !group.every((m) => m.keys?.length)) return group;
        // A key two of them loosen (every subject of a level, MUTATIONS_ALL=1) cannot tell them apart: those go alone.
        const seen = new Map<string, number>();
        for (const m of group) for (const k of m.keys!) seen.set(k, (seen.get(k) ?? 0) + 1);
        const shared = group.filter((m) => m.keys!.some((k) => seen.get(k)! > 1));
        group = group.filter((m) => !shared.includes(m));
        let plan = baseline;
        const applied = new Set<Mutation>();
        for (const m of group) {
            const next = m.edit!(plan);
            if (next) {
                plan = next;
                applied.add(m);
            }
        }
        const report = await runPolicies(plan, { policies: policies.filter((p) => group.some((m) => m.policies?.includes(p.name))) });
        const rest: Mutation[] = [...shared];
        for (const m of group) {
            const by = applied.has(m) ? report.violations.find((v) => v.level === "mandatory" && !before.has(v.message) && v.key !== undefined && m.keys!.includes(v.key)) : undefined;
            if (by) record(m, "killed", by);
            else rest.push(m);
        }
        return rest;
    };
    for (const group of batches.values()) {
        if (group[0].edit) {
            for (const m of await together(group)) {
                const plan = m.edit!(baseline);
                if (!plan) {
                    record(m, "not applicable");
                    continue;
                }
                const { by } = await judge(m, plan);
                record(m, by ? "killed" : "survived", by);
            }
            continue;
        }
        await runBatch(group);
    }
    // No false positive on tightening: the tightened plan raises no mandatory finding the baseline did not.
    // Tags, lifecycle rules and CloudWatch alarms are AWS resources: elsewhere the edit changes nothing.
    const tight = baseline.target === "aws" ? await runPolicies(tightened(rb, baseline)) : { violations: [] };
    for (const v of tight.violations.filter((x) => x.level === "mandatory" && !before.has(x.message))) {
        results.push({ stack, mutation: `tightening reported: ${v.policy}: ${v.message.slice(0, 200)}`, how: "tightening", status: "false positive" });
    }
    for (const m of misses) {
        const plan = await tryPlan(stack, [m]);
        if (!plan) {
            record(m, "refused", { policy: "the program", message: refusal } as OfflineViolation);
            continue;
        }
        const { by, changed } = await judge(m, plan);
        record(m, by ? "killed" : changed ? "survived" : "no effect", by);
    }
    return results;
}
