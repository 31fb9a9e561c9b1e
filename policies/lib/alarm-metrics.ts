import type { AppId, Env, Runbook } from "../../runbooks";
import { expectedAlarms, type AlarmDimensionValues, type AlarmMetricArgs, type Dimensions, type ExpectedAlarm } from "../../capabilities/aws/alarm-metrics";
import { alarmInventory } from "../../capabilities/aws/inventory";
import { awsNames } from "../../capabilities/aws/names";
import { isUnknown } from "./inputs";
import { label, type Subject } from "./policy";
import { ofType } from "./targets";
import { asArray, isRecord, num } from "./values";

/**
 * The planned resources an alarm's dimensions must point at, for the comparison of each planned
 * CloudWatch alarm with the platform's (capabilities/aws/alarm-metrics.ts). A dimension value that
 * is another resource's output is compared by that resource: a known value must be the value that
 * resource gives (its name or identifier, or the ARN suffix made of its name); an unknown one (a
 * first preview) must come from that resource, which the alarm then depends on. Only when the
 * engine shows no dependencies at all (a resource policy) is an unknown value skipped.
 */
export interface Pointer {
    /** In words: `RDS instance "bunty-production-postgres"`. */
    readonly what: string;
    /** The planned resources it may be (several load balancers: any of the stack's). */
    readonly resources: readonly Subject[];
    /** Whether a known value is this resource's. */
    readonly accepts: (value: string) => boolean;
    /** A known value cannot name the resource by its inputs (an ARN the provider makes): the alarm must depend on the resource too. */
    readonly byDependency?: boolean;
}

const ECS_CLUSTER = "aws:ecs/cluster:Cluster";
const ECS_SERVICE = "aws:ecs/service:Service";
const LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer";
const TARGET_GROUP = "aws:lb/targetGroup:TargetGroup";
const RDS_INSTANCE = "aws:rds/instance:Instance";
const DOCDB_INSTANCE = "aws:docdb/clusterInstance:ClusterInstance";
const MSK_CLUSTER = "aws:msk/cluster:Cluster";
const MQ_BROKER = "aws:mq/broker:Broker";
const CERTIFICATE = "aws:acm/certificate:Certificate";
const BUCKET = "aws:s3/bucket:Bucket";
const VAULT = "aws:backup/vault:Vault";

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A resource found by the input that names it (`name`, `identifier`, …), equal to the platform's name for it. */
function named(resources: readonly Subject[], type: string, prop: string, name: string, what: string): Pointer {
    return { what: `${what} "${name}"`, resources: ofType(resources, type).filter((r) => r.props[prop] === name), accepts: (v) => v === name };
}

/** An ARN suffix (`app/<name>/<id>`, `targetgroup/<name>/<id>`) of a resource named `name`. */
function suffixed(resources: readonly Subject[], type: string, kind: string, names: readonly string[], what: string): Pointer {
    const found = ofType(resources, type).filter((r) => names.includes(String(r.props.name)));
    const present = found.map((r) => String(r.props.name));
    const re = new RegExp(`^${escape(kind)}/(${(present.length ? present : names).map(escape).join("|")})/[^/]+$`);
    return { what: `${what} ${names.map((n) => `"${n}"`).join(" or ")} (ARN suffix ${kind}/<name>/<id>)`, resources: found, accepts: (v) => re.test(v) };
}

/**
 * The S3 bucket of a runbook bucket name: its name holds the account and region (names.ts
 * `bucket`), so it is found by the component's resource name (`<storage>-<runbook name>`) and a
 * known value must be that bucket's name.
 */
function runbookBucket(resources: readonly Subject[], runbookName: string): Pointer {
    const found = ofType(resources, BUCKET).filter((r) => r.name.endsWith(`-${runbookName}`));
    return { what: `S3 bucket of "${runbookName}"`, resources: found, accepts: (v) => found.some((r) => r.props.bucket === v) };
}

/** The services the stack publishes: a host in the runbook, or a target group the plan gives them (the stack's hosts setting). */
function publishedServices(rb: Runbook, resources: readonly Subject[], names: ReturnType<typeof awsNames>): Record<string, string> {
    const groups = new Set(ofType(resources, TARGET_GROUP).map((r) => String(r.props.name)));
    const hosts: Record<string, string> = {};
    for (const s of rb.services) {
        if (s.host || groups.has(names.targetGroup(s.name)) || groups.has(names.targetGroup(s.name, "blue"))) hosts[s.name] = s.host ?? s.name;
    }
    return hosts;
}

/** Every alarm the platform builds for the stack, its dimensions pointing at the planned resources. */
export function plannedAlarmExpectations(rb: Runbook, app: AppId, env: Env, resources: readonly Subject[]): { prefix: string; expected: ExpectedAlarm<Pointer>[] } {
    const names = awsNames(app, env);
    const inv = alarmInventory(rb, publishedServices(rb, resources, names));
    // Services spread over several load balancers (capabilities/aws/load-balancer-shards.ts): any of the stack's, by the platform's shard names.
    const lbNames = Array.from({ length: Math.max(1, ofType(resources, LOAD_BALANCER).length) }, (_, k) => names.loadBalancerShard(k));
    const tgKey = (tg: { service: string; color?: string }) => (tg.color ? `${tg.service}-${tg.color}` : tg.service);
    const dims: AlarmDimensionValues<Pointer> = {
        ecsCluster: named(resources, ECS_CLUSTER, "name", names.cluster, "ECS cluster"),
        ecsServices: Object.fromEntries(inv.services.map((s) => [s, named(resources, ECS_SERVICE, "name", names.ecsService(s), "ECS service")])),
        loadBalancer: suffixed(resources, LOAD_BALANCER, "app", lbNames, "load balancer"),
        targetGroups: Object.fromEntries(inv.targetGroups.map((tg) => [tgKey(tg), suffixed(resources, TARGET_GROUP, "targetgroup", [names.targetGroup(tg.service, tg.color)], "target group")])),
        rdsInstances: Object.fromEntries((inv.rds?.instances ?? []).map((k, i) => [k, named(resources, RDS_INSTANCE, "identifier", i === 0 ? names.postgres : names.postgresReplica(i - 1), "RDS instance")])),
        cacheGroupId: names.redis,
        docdbInstances: Array.from({ length: inv.docdb?.instances ?? 0 }, (_, i) => named(resources, DOCDB_INSTANCE, "identifier", names.documentdbInstance(i), "DocumentDB instance")),
        kafkaCluster: named(resources, MSK_CLUSTER, "clusterName", names.kafka, "MSK cluster"),
        rabbitmqBroker: named(resources, MQ_BROKER, "brokerName", names.rabbitmq, "Amazon MQ broker"),
        buckets: Object.fromEntries((inv.s3?.buckets ?? []).map((b) => [b, runbookBucket(resources, b)])),
        certificateArn: { what: "the stack's ACM certificate", resources: ofType(resources, CERTIFICATE), accepts: (v) => /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[^/]+$/.test(v), byDependency: true },
        vaults: Object.fromEntries(inv.backupVaults.map((v) => [v.name, named(resources, VAULT, "name", names.vault(v.name), "backup vault")])),
    };
    return { prefix: names.prefix, expected: expectedAlarms(rb, inv, dims) };
}

/** One metric-side difference: the field, what the plan has, what the platform builds. */
export interface Difference {
    readonly field: string;
    readonly planned: string;
    readonly expected: string;
    /** `for`: a difference in when the alarm fires; `threshold`: in what its threshold is compared with. */
    readonly about: "threshold" | "for";
}

const show = (v: unknown): string => (isUnknown(v) ? "[unknown]" : v === undefined ? "unset" : typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v));
const squash = (s: unknown) => (typeof s === "string" ? s.replace(/\s+/g, "") : s);

/** CloudWatch's own default for an unset treatMissingData. */
const MISSING_DEFAULT = "missing";
/** How readily each choice fires on a gap in the data: a planned value may fire as readily as the platform's or more, never less. */
const MISSING_RANK: Readonly<Record<string, number>> = { notBreaching: 0, ignore: 1, missing: 1, breaching: 2 };
/** The same comparison, or the same one that also fires on equality (tighter). */
const SAME_OR_TIGHTER: Readonly<Record<string, readonly string[]>> = {
    GreaterThanThreshold: ["GreaterThanThreshold", "GreaterThanOrEqualToThreshold"],
    LessThanThreshold: ["LessThanThreshold", "LessThanOrEqualToThreshold"],
};

/** Compares one dimension set; `at` is the field path in messages. */
function compareDimensions(at: string, planned: unknown, expected: Dimensions<Pointer>, alarm: Subject, out: Difference[]): void {
    if (isUnknown(planned)) return;
    const p: Record<string, unknown> = isRecord(planned) ? planned : {};
    for (const k of Object.keys(p)) {
        if (!(k in expected)) out.push({ field: `${at}.${k}`, planned: show(p[k]), expected: "no such dimension (an extra dimension selects a series the metric is not published under)", about: "threshold" });
    }
    for (const [k, want] of Object.entries(expected)) {
        const v = p[k];
        const field = `${at}.${k}`;
        if (v === undefined) {
            out.push({ field, planned: "unset", expected: typeof want === "string" ? show(want) : want.what, about: "threshold" });
            continue;
        }
        if (typeof want === "string") {
            if (!isUnknown(v) && String(v) !== want) out.push({ field, planned: show(v), expected: show(want), about: "threshold" });
            continue;
        }
        if (want.resources.length === 0) {
            out.push({ field, planned: show(v), expected: `${want.what}, which the plan does not create: the alarm watches a resource that does not exist`, about: "threshold" });
            continue;
        }
        const deps = alarm.dependencies;
        const fromResource = deps === undefined || want.resources.some((r) => deps.includes(r.urn));
        if (isUnknown(v)) {
            // Unknown until deploy: compared by the resource it comes from (skipped only where the engine shows no dependencies).
            if (!fromResource) out.push({ field, planned: "[unknown]", expected: `a value of ${want.what} (${want.resources.map((r) => label(r)).join(" or ")}), which the alarm does not depend on`, about: "threshold" });
            continue;
        }
        if (!want.accepts(String(v)) || (want.byDependency && !fromResource)) out.push({ field, planned: show(v), expected: want.what, about: "threshold" });
    }
}

const STAT_FIELDS = ["namespace", "metricName", "statistic", "extendedStatistic"] as const;

/** Every metric-side difference between a planned alarm's inputs and the platform's alarm. */
export function metricDifferences(alarm: Subject, want: AlarmMetricArgs<Dimensions<Pointer>>): Difference[] {
    const p = alarm.props;
    const out: Difference[] = [];
    const op = p.comparisonOperator;
    if (!isUnknown(op) && !(SAME_OR_TIGHTER[want.comparisonOperator] ?? [want.comparisonOperator]).includes(String(op))) {
        out.push({ field: "comparisonOperator", planned: show(op), expected: show(want.comparisonOperator), about: "threshold" });
    }
    const missing = isUnknown(p.treatMissingData) ? undefined : String(p.treatMissingData ?? MISSING_DEFAULT);
    if (missing !== undefined && (MISSING_RANK[missing] ?? -1) < MISSING_RANK[want.treatMissingData]) {
        out.push({ field: "treatMissingData", planned: show(p.treatMissingData ?? MISSING_DEFAULT), expected: `${show(want.treatMissingData)}${want.treatMissingData === "notBreaching" ? "" : " (missing data is itself the problem here)"}`, about: "for" });
    }
    const periods = num(p.evaluationPeriods);
    const points = num(p.datapointsToAlarm) ?? periods;
    if (points !== undefined && (points > want.datapointsToAlarm || (periods !== undefined && points > periods))) {
        out.push({ field: "datapointsToAlarm", planned: show(p.datapointsToAlarm ?? `${points} (evaluationPeriods)`), expected: `at most ${want.datapointsToAlarm} and at most evaluationPeriods ${show(p.evaluationPeriods)}`, about: "for" });
    }
    for (const f of ["unit", "thresholdMetricId"] as const) if (p[f] !== undefined && p[f] !== null) out.push({ field: f, planned: show(p[f]), expected: "unset (it narrows or replaces what the threshold is compared with)", about: "threshold" });
    // The provider's input is evaluateLowSampleCountPercentiles (CloudFormation's is singular: read both).
    for (const f of ["evaluateLowSampleCountPercentiles", "evaluateLowSampleCountPercentile"] as const) {
        const v = p[f];
        // The platform leaves it unset: CloudWatch's default "evaluate" (ignore keeps the alarm's state while samples are few).
        if (v !== undefined && v !== null && !isUnknown(v) && v !== "evaluate") out.push({ field: f, planned: show(v), expected: 'unset or "evaluate", as generated (ignore keeps the alarm\'s state while samples are few)', about: "for" });
    }
    if (want.metricQueries === undefined) {
        for (const f of STAT_FIELDS) if (!isUnknown(p[f]) && (p[f] ?? undefined) !== want[f]) out.push({ field: f, planned: show(p[f]), expected: show(want[f]), about: "threshold" });
        compareDimensions("dimensions", p.dimensions, want.dimensions ?? {}, alarm, out);
        if (asArray(p.metricQueries).length) out.push({ field: "metricQueries", planned: `${asArray(p.metricQueries).length} queries`, expected: "unset (a single metric)", about: "threshold" });
        return out;
    }
    for (const f of STAT_FIELDS) if (p[f] !== undefined && p[f] !== null) out.push({ field: f, planned: show(p[f]), expected: "unset (metric math in metricQueries)", about: "threshold" });
    if (isUnknown(p.metricQueries)) return out;
    const planned = asArray<Record<string, any>>(p.metricQueries).filter(isRecord);
    const byId = new Map(planned.map((q) => [String(q.id), q]));
    for (const q of planned) if (!want.metricQueries.some((w) => w.id === String(q.id))) out.push({ field: `metricQueries[${show(q.id)}]`, planned: show(q.expression ?? q.metric?.metricName), expected: "no such query", about: "threshold" });
    for (const w of want.metricQueries) {
        const q = byId.get(w.id);
        const at = `metricQueries[${w.id}]`;
        if (!q) {
            out.push({ field: at, planned: "missing", expected: show(w.expression ?? `${w.metric?.namespace} ${w.metric?.metricName}`), about: "threshold" });
            continue;
        }
        const returns = q.returnData === undefined ? true : q.returnData === true || q.returnData === "true";
        if (returns !== w.returnData) out.push({ field: `${at}.returnData`, planned: show(q.returnData ?? "unset (true)"), expected: show(w.returnData), about: "threshold" });
        if (q.accountId !== undefined && q.accountId !== null) out.push({ field: `${at}.accountId`, planned: show(q.accountId), expected: "unset (this account's metric)", about: "threshold" });
        if (w.expression !== undefined) {
            if (!isUnknown(q.expression) && squash(q.expression) !== squash(w.expression)) out.push({ field: `${at}.expression`, planned: show(q.expression), expected: show(w.expression), about: "threshold" });
            if (q.metric !== undefined) out.push({ field: `${at}.metric`, planned: show(q.metric?.metricName), expected: "unset (the expression)", about: "threshold" });
            continue;
        }
        const m = isRecord(q.metric) ? q.metric : {};
        if (q.expression !== undefined) out.push({ field: `${at}.expression`, planned: show(q.expression), expected: "unset (a metric)", about: "threshold" });
        for (const f of ["namespace", "metricName", "stat"] as const) if (!isUnknown(m[f]) && m[f] !== w.metric![f]) out.push({ field: `${at}.metric.${f}`, planned: show(m[f]), expected: show(w.metric![f]), about: "threshold" });
        if (m.unit !== undefined && m.unit !== null) out.push({ field: `${at}.metric.unit`, planned: show(m.unit), expected: "unset (it narrows what the metric returns)", about: "threshold" });
        compareDimensions(`${at}.metric.dimensions`, m.dimensions, w.metric!.dimensions, alarm, out);
    }
    return out;
}

