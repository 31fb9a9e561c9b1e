import type { PlannedResource } from "../../cli/harness/runtime";

/**
 * What AWS documents it refuses (or silently ignores) in the argument combinations the production
 * stacks use, as checks over a planned stack. Each constraint cites the AWS page it comes from;
 * each returns findings naming the resource, the argument and the allowed values. Pure: the
 * input is the plan's resources (cli/harness), nothing else.
 */

type Props = Record<string, any>;

export interface Constraint {
    readonly id: string;
    /** Resource types it applies to. */
    readonly types: readonly string[];
    readonly rule: string;
    /** The AWS document the rule is read from. */
    readonly source: string;
    readonly check: (r: PlannedResource, plan: readonly PlannedResource[]) => string[];
}

const P = (r: PlannedResource) => r.props as Props;
const at = (r: PlannedResource, arg: string) => `${r.type.split(":").pop()} ${r.name}: ${arg}`;

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** `hh24:mi-hh24:mi` (UTC, may wrap midnight) → [start, end) in minutes of the day; undefined when malformed. */
export function dailyWindow(w: unknown): [number, number] | undefined {
    if (typeof w !== "string") return undefined;
    const [a, b, ...rest] = w.split("-");
    if (rest.length || !HHMM.test(a ?? "") || !HHMM.test(b ?? "")) return undefined;
    const min = (x: string) => Number(x.slice(0, 2)) * 60 + Number(x.slice(3));
    const start = min(a);
    let end = min(b);
    if (end <= start) end += 1440;
    return [start, end];
}

/** `ddd:hh24:mi-ddd:hh24:mi` → [start, end) in minutes of the week (Monday 00:00 = 0); undefined when malformed. */
export function weeklyWindow(w: unknown): [number, number] | undefined {
    if (typeof w !== "string") return undefined;
    const m = /^([a-z]{3}):(\d\d:\d\d)-([a-z]{3}):(\d\d:\d\d)$/.exec(w.toLowerCase());
    if (!m || !DAYS.includes(m[1]) || !DAYS.includes(m[3]) || !HHMM.test(m[2]) || !HHMM.test(m[4])) return undefined;
    const min = (d: string, t: string) => DAYS.indexOf(d) * 1440 + Number(t.slice(0, 2)) * 60 + Number(t.slice(3));
    const start = min(m[1], m[2]);
    let end = min(m[3], m[4]);
    if (end <= start) end += 7 * 1440;
    return [start, end];
}

/** Whether a daily window overlaps a weekly one on any day. */
export function overlaps(daily: [number, number], weekly: [number, number]): boolean {
    for (let day = -1; day <= 7; day++) {
        const s = day * 1440 + daily[0];
        const e = day * 1440 + daily[1];
        for (const shift of [-7 * 1440, 0, 7 * 1440]) if (s < weekly[1] + shift && weekly[0] + shift < e) return true;
    }
    return false;
}

function windowChecks(r: PlannedResource, dailyArg: string | undefined, weeklyArg: string, minMinutes: { daily: number; weekly: number }): string[] {
    const p = P(r);
    const out: string[] = [];
    const weekly = p[weeklyArg] === undefined ? undefined : weeklyWindow(p[weeklyArg]);
    if (p[weeklyArg] !== undefined && !weekly) out.push(`${at(r, weeklyArg)} = ${JSON.stringify(p[weeklyArg])} is not ddd:hh24:mi-ddd:hh24:mi`);
    if (weekly && weekly[1] - weekly[0] < minMinutes.weekly) out.push(`${at(r, weeklyArg)} = ${p[weeklyArg]} is shorter than ${minMinutes.weekly} minutes`);
    if (dailyArg && p[dailyArg] !== undefined) {
        const daily = dailyWindow(p[dailyArg]);
        if (!daily) out.push(`${at(r, dailyArg)} = ${JSON.stringify(p[dailyArg])} is not hh24:mi-hh24:mi`);
        else {
            if (daily[1] - daily[0] < minMinutes.daily) out.push(`${at(r, dailyArg)} = ${p[dailyArg]} is shorter than ${minMinutes.daily} minutes`);
            if (weekly && overlaps(daily, weekly)) out.push(`${at(r, dailyArg)} = ${p[dailyArg]} overlaps ${weeklyArg} = ${p[weeklyArg]}`);
        }
    }
    return out;
}

// The services' published limits and catalogues the constraints read (aws-limits.ts).
export { FARGATE_SIZES, LOG_RETENTION_DAYS, METRIC_DIMENSIONS, ROUTE53_CHECKER_REGIONS } from "./aws-limits";
import { FARGATE_SIZES, LOG_RETENTION_DAYS, METRIC_DIMENSIONS, ROUTE53_CHECKER_REGIONS } from "./aws-limits";


const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
const num = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? Number(v) : (v as number));

export const CONSTRAINTS: readonly Constraint[] = [
    {
        id: "rds-replica-kms-key",
        types: ["aws:rds/instance:Instance"],
        rule: "A read replica in the source's region takes no KmsKeyId: it is encrypted with its source's key",
        source: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstanceReadReplica.html (KmsKeyId)",
        check: (r) => (P(r).replicateSourceDb && !/^arn:/.test(String(P(r).replicateSourceDb)) && P(r).kmsKeyId !== undefined ? [`${at(r, "kmsKeyId")} is set on a same-region read replica`] : []),
    },
    {
        id: "rds-replica-primary-arguments",
        types: ["aws:rds/instance:Instance"],
        rule: "A read replica takes its engine, version, database, master user and password from its source; CreateDBInstanceReadReplica has none of those parameters",
        source: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstanceReadReplica.html",
        check: (r) =>
            P(r).replicateSourceDb ? ["engine", "engineVersion", "dbName", "username", "password"].filter((k) => P(r)[k] !== undefined).map((k) => `${at(r, k)} is set on a read replica`) : [],
    },
    {
        id: "rds-windows",
        types: ["aws:rds/instance:Instance"],
        rule: "PreferredBackupWindow is hh24:mi-hh24:mi UTC, at least 30 minutes, clear of the maintenance window; PreferredMaintenanceWindow is ddd:hh24:mi-ddd:hh24:mi, at least 30 minutes",
        source: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html (PreferredBackupWindow, PreferredMaintenanceWindow)",
        check: (r) => windowChecks(r, "backupWindow", "maintenanceWindow", { daily: 30, weekly: 30 }),
    },
    {
        id: "rds-ranges",
        types: ["aws:rds/instance:Instance"],
        rule: "BackupRetentionPeriod 0-35 days (a source of read replicas needs at least 1); MonitoringInterval one of 0, 1, 5, 10, 15, 30, 60 with a MonitoringRoleArn when not 0; PerformanceInsightsRetentionPeriod 7, a multiple of 31 up to 713, or 731",
        source: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
        check: (r, plan) => {
            const p = P(r);
            const out: string[] = [];
            if (p.backupRetentionPeriod !== undefined && !(p.backupRetentionPeriod >= 0 && p.backupRetentionPeriod <= 35)) out.push(`${at(r, "backupRetentionPeriod")} = ${p.backupRetentionPeriod} is outside 0-35`);
            const sourceOfReplica = plan.some((x) => x.type === r.type && P(x).replicateSourceDb === p.identifier);
            if (sourceOfReplica && !(p.backupRetentionPeriod >= 1)) out.push(`${at(r, "backupRetentionPeriod")} must be at least 1 on the source of read replicas`);
            if (p.monitoringInterval !== undefined && ![0, 1, 5, 10, 15, 30, 60].includes(p.monitoringInterval)) out.push(`${at(r, "monitoringInterval")} = ${p.monitoringInterval} is not 0, 1, 5, 10, 15, 30 or 60`);
            if (p.monitoringInterval > 0 && !p.monitoringRoleArn) out.push(`${at(r, "monitoringRoleArn")} is required with monitoringInterval ${p.monitoringInterval}`);
            const pi = p.performanceInsightsRetentionPeriod;
            if (pi !== undefined && !(pi === 7 || pi === 731 || (pi % 31 === 0 && pi >= 31 && pi <= 713))) out.push(`${at(r, "performanceInsightsRetentionPeriod")} = ${pi} is not 7, 31×n (n ≤ 23) or 731`);
            return out;
        },
    },
    {
        id: "docdb-windows",
        types: ["aws:docdb/cluster:Cluster"],
        rule: "PreferredBackupWindow hh24:mi-hh24:mi, at least 30 minutes, clear of PreferredMaintenanceWindow ddd:hh24:mi-ddd:hh24:mi (at least 30 minutes); BackupRetentionPeriod 1-35",
        source: "https://docs.aws.amazon.com/documentdb/latest/developerguide/API_CreateDBCluster.html",
        check: (r) => {
            const out = windowChecks(r, "preferredBackupWindow", "preferredMaintenanceWindow", { daily: 30, weekly: 30 });
            const days = P(r).backupRetentionPeriod;
            if (days !== undefined && !(days >= 1 && days <= 35)) out.push(`${at(r, "backupRetentionPeriod")} = ${days} is outside 1-35`);
            return out;
        },
    },
    {
        id: "docdb-instance-window",
        types: ["aws:docdb/clusterInstance:ClusterInstance"],
        rule: "PreferredMaintenanceWindow ddd:hh24:mi-ddd:hh24:mi, at least 30 minutes",
        source: "https://docs.aws.amazon.com/documentdb/latest/developerguide/API_CreateDBInstance.html",
        check: (r) => windowChecks(r, undefined, "preferredMaintenanceWindow", { daily: 30, weekly: 30 }),
    },
    {
        id: "elasticache-failover",
        types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
        rule: "AutomaticFailoverEnabled needs at least one replica (NumCacheClusters ≥ 2, or node groups); MultiAZEnabled needs AutomaticFailoverEnabled; an AuthToken needs TransitEncryptionEnabled",
        source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html",
        check: (r) => {
            const p = P(r);
            const out: string[] = [];
            const clusterMode = p.numNodeGroups !== undefined || p.replicasPerNodeGroup !== undefined;
            if (p.automaticFailoverEnabled && !clusterMode && !(p.numCacheClusters >= 2)) out.push(`${at(r, "automaticFailoverEnabled")} with numCacheClusters ${p.numCacheClusters}: needs at least 2`);
            if (p.multiAzEnabled && !p.automaticFailoverEnabled) out.push(`${at(r, "multiAzEnabled")} without automaticFailoverEnabled`);
            if (p.authToken !== undefined && p.transitEncryptionEnabled !== true) out.push(`${at(r, "authToken")} without transitEncryptionEnabled`);
            return out;
        },
    },
    {
        id: "elasticache-windows",
        types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
        rule: "PreferredMaintenanceWindow ddd:hh24:mi-ddd:hh24:mi, at least 60 minutes; SnapshotWindow hh24:mi-hh24:mi, at least 60 minutes, clear of the maintenance window",
        source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html (PreferredMaintenanceWindow: \"The minimum maintenance window is a 60 minute period\" in CreateCacheCluster); the provider's ReplicationGroup snapshotWindow: \"The minimum snapshot window is a 60 minute period\" (https://www.pulumi.com/registry/packages/aws/api-docs/elasticache/replicationgroup/)",
        check: (r) => windowChecks(r, "snapshotWindow", "maintenanceWindow", { daily: 60, weekly: 60 }),
    },
    {
        id: "fargate-task-size",
        types: ["aws:ecs/taskDefinition:TaskDefinition"],
        rule: "A Fargate task's cpu and memory are one of the supported pairs, with network mode awsvpc",
        source: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size",
        check: (r) => {
            const p = P(r);
            if (!(p.requiresCompatibilities ?? []).includes("FARGATE")) return [];
            const out: string[] = [];
            const cpu = num(p.cpu);
            const memory = num(p.memory);
            const allowed = FARGATE_SIZES[cpu];
            if (!allowed) out.push(`${at(r, "cpu")} = ${p.cpu} is not a Fargate size (${Object.keys(FARGATE_SIZES).join(", ")})`);
            else if (!allowed.includes(memory)) out.push(`${at(r, "memory")} = ${p.memory} MiB is not allowed with ${cpu} CPU units (${allowed.join(", ")})`);
            if (p.networkMode !== "awsvpc") out.push(`${at(r, "networkMode")} = ${p.networkMode}: Fargate needs awsvpc`);
            return out;
        },
    },
    {
        id: "ecs-deployment-strategy",
        types: ["aws:ecs/service:Service"],
        rule: "The deployment circuit breaker is for rolling updates only; a BLUE_GREEN deployment needs each load balancer's advancedConfiguration (alternate target group, production listener rule, role) and a bake time of 0-1440 minutes, and rolls back on CloudWatch alarms that exist",
        source:
            "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentCircuitBreaker.html; https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html; https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AdvancedConfiguration.html; https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentAlarms.html",
        check: (r, plan) => {
            const p = P(r);
            const out: string[] = [];
            const strategy = p.deploymentConfiguration?.strategy ?? "ROLLING";
            if (strategy !== "ROLLING" && p.deploymentCircuitBreaker?.enable) out.push(`${at(r, "deploymentCircuitBreaker")} is on with strategy ${strategy}: it only acts on rolling updates`);
            if (strategy === "BLUE_GREEN") {
                const bake = num(p.deploymentConfiguration?.bakeTimeInMinutes ?? 0);
                if (!(bake >= 0 && bake <= 1440)) out.push(`${at(r, "deploymentConfiguration.bakeTimeInMinutes")} = ${bake} is outside 0-1440`);
                for (const [i, lb] of (p.loadBalancers ?? []).entries()) {
                    for (const k of ["alternateTargetGroupArn", "productionListenerRule", "roleArn"]) if (!lb.advancedConfiguration?.[k]) out.push(`${at(r, `loadBalancers[${i}].advancedConfiguration.${k}`)} is required for BLUE_GREEN`);
                }
                if (!p.alarms?.enable || !p.alarms?.rollback || !(p.alarms?.alarmNames ?? []).length) out.push(`${at(r, "alarms")}: a BLUE_GREEN service without the circuit breaker rolls back only on alarms; none are set`);
            }
            const alarms = new Set(plan.filter((x) => x.type === "aws:cloudwatch/metricAlarm:MetricAlarm").map((x) => P(x).name));
            for (const name of p.alarms?.alarmNames ?? []) if (!alarms.has(name)) out.push(`${at(r, "alarms.alarmNames")}: no alarm named ${name} in the stack`);
            return out;
        },
    },
    {
        id: "ecs-service-fargate",
        types: ["aws:ecs/service:Service"],
        rule: "A Fargate service uses awsvpc networking (networkConfiguration with subnets); healthCheckGracePeriodSeconds applies only with a load balancer; the minimum healthy percent does not exceed the maximum",
        source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html",
        check: (r) => {
            const p = P(r);
            const out: string[] = [];
            if (p.launchType === "FARGATE" && !(p.networkConfiguration?.subnets ?? []).length) out.push(`${at(r, "networkConfiguration.subnets")} is required on Fargate`);
            if (p.healthCheckGracePeriodSeconds !== undefined && !(p.loadBalancers ?? []).length) out.push(`${at(r, "healthCheckGracePeriodSeconds")} without a load balancer`);
            if (p.deploymentMinimumHealthyPercent > p.deploymentMaximumPercent) out.push(`${at(r, "deploymentMinimumHealthyPercent")} exceeds deploymentMaximumPercent`);
            return out;
        },
    },
    {
        id: "backup-rule-windows-lifecycle",
        types: ["aws:backup/plan:Plan"],
        rule: "A rule's start window is at least 60 minutes and its completion window longer than the start window; its schedule runs at most hourly; its deleteAfter is within the target vault's lock (minimum and maximum retention), or the job fails",
        source: "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupRule.html; https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html",
        check: (r, plan) => {
            const out: string[] = [];
            const locks = plan.filter((x) => x.type === "aws:backup/vaultLockConfiguration:VaultLockConfiguration");
            for (const [i, rule] of (P(r).rules ?? []).entries()) {
                const arg = (k: string) => at(r, `rules[${i}].${k}`);
                if (rule.startWindow !== undefined && rule.startWindow < 60) out.push(`${arg("startWindow")} = ${rule.startWindow}: at least 60 minutes`);
                if (rule.completionWindow !== undefined && rule.startWindow !== undefined && !(rule.completionWindow > rule.startWindow)) out.push(`${arg("completionWindow")} = ${rule.completionWindow} is not longer than startWindow ${rule.startWindow}`);
                const cron = /^cron\((\S+) (\S+) \S+ \S+ \S+ \S+\)$/.exec(String(rule.schedule ?? ""));
                if (!cron) out.push(`${arg("schedule")} = ${rule.schedule} is not a six-field cron()`);
                else if (!/^\d+$/.test(cron[1])) out.push(`${arg("schedule")} = ${rule.schedule} runs more than once an hour`);
                const lock = locks.find((l) => P(l).backupVaultName === rule.targetVaultName);
                const days = rule.lifecycle?.deleteAfter;
                if (lock && days !== undefined) {
                    if (P(lock).minRetentionDays !== undefined && days < P(lock).minRetentionDays) out.push(`${arg("lifecycle.deleteAfter")} = ${days} is below the vault lock's minRetentionDays ${P(lock).minRetentionDays}`);
                    if (P(lock).maxRetentionDays !== undefined && days > P(lock).maxRetentionDays) out.push(`${arg("lifecycle.deleteAfter")} = ${days} is above the vault lock's maxRetentionDays ${P(lock).maxRetentionDays}`);
                }
                if (rule.lifecycle?.coldStorageAfter !== undefined && days !== undefined && days < rule.lifecycle.coldStorageAfter + 90) out.push(`${arg("lifecycle.deleteAfter")} must be at least 90 days after coldStorageAfter`);
            }
            return out;
        },
    },
    {
        id: "backup-vault-lock",
        types: ["aws:backup/vaultLockConfiguration:VaultLockConfiguration"],
        rule: "MinRetentionDays at least 1, MaxRetentionDays not below it; ChangeableForDays, when set, at least 3",
        source: "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_PutBackupVaultLockConfiguration.html",
        check: (r) => {
            const p = P(r);
            const out: string[] = [];
            if (p.minRetentionDays !== undefined && p.minRetentionDays < 1) out.push(`${at(r, "minRetentionDays")} = ${p.minRetentionDays}: at least 1`);
            if (p.maxRetentionDays !== undefined && p.minRetentionDays !== undefined && p.maxRetentionDays < p.minRetentionDays) out.push(`${at(r, "maxRetentionDays")} is below minRetentionDays`);
            if (p.changeableForDays !== undefined && p.changeableForDays < 3) out.push(`${at(r, "changeableForDays")} = ${p.changeableForDays}: at least 3`);
            return out;
        },
    },
    {
        id: "backup-restore-testing",
        types: ["aws:backup/restoreTestingPlan:RestoreTestingPlan", "aws:backup/restoreTestingSelection:RestoreTestingSelection"],
        rule: "A restore testing plan picks from 1-365 days of recovery points on a cron() schedule; a selection names a supported resource type and a validation window of 0-168 hours",
        source: "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RestoreTestingRecoveryPointSelection.html; https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RestoreTestingSelectionForCreate.html",
        check: (r) => {
            const p = P(r);
            const out: string[] = [];
            if (r.type.endsWith("RestoreTestingPlan")) {
                const days = p.recoveryPointSelection?.selectionWindowDays;
                if (days !== undefined && !(days >= 1 && days <= 365)) out.push(`${at(r, "recoveryPointSelection.selectionWindowDays")} = ${days} is outside 1-365`);
                if (!/^cron\(.+\)$/.test(String(p.scheduleExpression))) out.push(`${at(r, "scheduleExpression")} = ${p.scheduleExpression} is not cron()`);
            } else {
                if (!["Aurora", "DocumentDB", "DynamoDB", "EBS", "EC2", "EFS", "FSx", "Neptune", "RDS", "S3"].includes(p.protectedResourceType)) out.push(`${at(r, "protectedResourceType")} = ${p.protectedResourceType} is not a restore-testable type`);
                if (p.validationWindowHours !== undefined && !(p.validationWindowHours >= 0 && p.validationWindowHours <= 168)) out.push(`${at(r, "validationWindowHours")} = ${p.validationWindowHours} is outside 0-168`);
            }
            return out;
        },
    },
    {
        id: "cloudwatch-alarm-shape",
        types: ["aws:cloudwatch/metricAlarm:MetricAlarm"],
        rule: "An alarm has a single metric or metric queries (exactly one returning data), not both; its period is 10, 20, 30 or a multiple of 60; evaluation periods × period is at most one day for periods under an hour and seven days otherwise; datapointsToAlarm does not exceed evaluationPeriods",
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
        check: (r) => {
            const p = P(r);
            const out: string[] = [];
            const queries = p.metricQueries as Props[] | undefined;
            const single = p.metricName !== undefined;
            if (single === !!queries?.length) out.push(`${at(r, "metricName/metricQueries")}: exactly one of the two`);
            if (queries?.length && queries.filter((q) => q.returnData).length !== 1) out.push(`${at(r, "metricQueries")}: exactly one query returns data`);
            const periods = [p.period, ...(queries ?? []).map((q) => q.metric?.period)].filter((x) => x !== undefined) as number[];
            for (const period of periods) {
                if (!([10, 20, 30].includes(period) || (period > 0 && period % 60 === 0))) out.push(`${at(r, "period")} = ${period}: 10, 20, 30 or a multiple of 60`);
                const limit = period < 3600 ? 86400 : 604800;
                if (period * p.evaluationPeriods > limit) out.push(`${at(r, "evaluationPeriods")} × period = ${period * p.evaluationPeriods} s exceeds ${limit === 86400 ? "one day (period under an hour)" : "seven days"}`);
            }
            if (p.datapointsToAlarm !== undefined && p.datapointsToAlarm > p.evaluationPeriods) out.push(`${at(r, "datapointsToAlarm")} exceeds evaluationPeriods`);
            return out;
        },
    },
    {
        id: "cloudwatch-metric-dimensions",
        types: ["aws:cloudwatch/metricAlarm:MetricAlarm"],
        rule: "Each metric an alarm reads is one its namespace publishes, with a dimension set it publishes (METRIC_DIMENSIONS, from each service's metrics page)",
        source: Object.values(METRIC_DIMENSIONS)
            .map((m) => m.source)
            .join("; "),
        check: (r) => {
            const p = P(r);
            const metrics: { namespace: string; metricName: string; dimensions?: Record<string, string> }[] = p.metricName
                ? [{ namespace: p.namespace, metricName: p.metricName, dimensions: p.dimensions }]
                : ((p.metricQueries ?? []) as Props[]).filter((q) => q.metric).map((q) => q.metric);
            const out: string[] = [];
            for (const m of metrics) {
                const known = METRIC_DIMENSIONS[m.namespace];
                if (!known) {
                    out.push(`${at(r, "namespace")} = ${m.namespace} has no recorded metric table`);
                    continue;
                }
                if (!known.metrics.includes(m.metricName)) out.push(`${at(r, "metricName")} = ${m.metricName} is not a ${m.namespace} metric we have the dimensions of`);
                const dims = Object.keys(m.dimensions ?? {});
                if (!known.sets.some((s) => same(s, dims))) out.push(`${at(r, "dimensions")} = [${dims.join(", ")}]: ${m.namespace} publishes ${m.metricName} with ${known.sets.map((s) => `[${s.join(", ")}]`).join(" or ")}`);
            }
            return out;
        },
    },
    {
        id: "log-group-retention",
        types: ["aws:cloudwatch/logGroup:LogGroup"],
        rule: "retentionInDays is one of CloudWatch Logs' values",
        source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html",
        check: (r) => {
            const days = P(r).retentionInDays;
            return days === undefined || (LOG_RETENTION_DAYS as readonly number[]).includes(days) ? [] : [`${at(r, "retentionInDays")} = ${days} is not one of ${LOG_RETENTION_DAYS.join(", ")}`];
        },
    },
    {
        id: "appautoscaling-ecs",
        types: ["aws:appautoscaling/target:Target", "aws:appautoscaling/policy:Policy"],
        rule: "An ECS scalable target is service/<cluster>/<service> on ecs:service:DesiredCount with MinCapacity ≤ MaxCapacity; a target-tracking policy on it uses an ECS predefined metric",
        source: "https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html; https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PredefinedMetricSpecification.html",
        check: (r) => {
            const p = P(r);
            const out: string[] = [];
            if (p.serviceNamespace !== "ecs") return out;
            if (!/^service\/[^/]+\/[^/]+$/.test(String(p.resourceId))) out.push(`${at(r, "resourceId")} = ${p.resourceId} is not service/<cluster>/<service>`);
            if (p.scalableDimension !== "ecs:service:DesiredCount") out.push(`${at(r, "scalableDimension")} = ${p.scalableDimension}`);
            if (r.type.endsWith("Target") && !(p.minCapacity <= p.maxCapacity)) out.push(`${at(r, "minCapacity")} ${p.minCapacity} exceeds maxCapacity ${p.maxCapacity}`);
            const metric = p.targetTrackingScalingPolicyConfiguration?.predefinedMetricSpecification?.predefinedMetricType;
            if (r.type.endsWith("Policy") && metric !== undefined && !["ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization", "ALBRequestCountPerTarget"].includes(metric)) out.push(`${at(r, "predefinedMetricType")} = ${metric} is not an ECS metric`);
            return out;
        },
    },
    {
        id: "msk-brokers",
        types: ["aws:msk/cluster:Cluster"],
        rule: "The number of broker nodes is a multiple of the number of client subnets (one per Availability Zone); broker EBS volumes are 1-16384 GiB",
        source: "https://docs.aws.amazon.com/msk/1.0/apireference/clusters.html (numberOfBrokerNodes, BrokerNodeGroupInfo)",
        check: (r) => {
            const p = P(r);
            const out: string[] = [];
            const subnets = (p.brokerNodeGroupInfo?.clientSubnets ?? []).length;
            if (subnets && p.numberOfBrokerNodes % subnets !== 0) out.push(`${at(r, "numberOfBrokerNodes")} = ${p.numberOfBrokerNodes} is not a multiple of ${subnets} client subnets`);
            const size = p.brokerNodeGroupInfo?.storageInfo?.ebsStorageInfo?.volumeSize;
            if (size !== undefined && !(size >= 1 && size <= 16384)) out.push(`${at(r, "volumeSize")} = ${size} is outside 1-16384`);
            return out;
        },
    },
    {
        id: "waf-logging-destination",
        types: ["aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"],
        rule: "A web ACL logs to CloudWatch Logs only into a log group whose name starts with aws-waf-logs-",
        source: "https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html",
        check: (r, plan) => {
            const out: string[] = [];
            for (const arn of (P(r).logDestinationConfigs ?? []) as string[]) {
                const group = plan.find((x) => x.type === "aws:cloudwatch/logGroup:LogGroup" && (P(x).arn === arn || String(arn).endsWith(`:log-group:${P(x).name}`) || String(arn).includes(`:log-group:${P(x).name}:`)));
                const name = group ? String(P(group).name) : String(arn).replace(/^.*:log-group:/, "").replace(/:\*$/, "");
                if (!name.startsWith("aws-waf-logs-")) out.push(`${at(r, "logDestinationConfigs")}: log group ${name} does not start with aws-waf-logs-`);
            }
            return out;
        },
    },
    {
        id: "lb-target-group-health",
        types: ["aws:lb/targetGroup:TargetGroup"],
        rule: "Fargate tasks (awsvpc) register by IP: target type ip; the health check timeout is shorter than its interval; thresholds 2-10",
        source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html",
        check: (r) => {
            const p = P(r);
            const out: string[] = [];
            if (p.targetType !== "ip") out.push(`${at(r, "targetType")} = ${p.targetType}: Fargate tasks need ip`);
            const hc = p.healthCheck ?? {};
            if (hc.timeout !== undefined && hc.interval !== undefined && !(hc.timeout < hc.interval)) out.push(`${at(r, "healthCheck.timeout")} ${hc.timeout} is not shorter than interval ${hc.interval}`);
            for (const k of ["healthyThreshold", "unhealthyThreshold"]) if (hc[k] !== undefined && !(hc[k] >= 2 && hc[k] <= 10)) out.push(`${at(r, `healthCheck.${k}`)} = ${hc[k]} is outside 2-10`);
            return out;
        },
    },
    {
        id: "route53-health-check",
        types: ["aws:route53/healthCheck:HealthCheck"],
        rule: "An HTTP(S) endpoint check names an fqdn or IP address; RequestInterval is 10 or 30; FailureThreshold is 1-10; ResourcePath starts with / and has at most 255 characters; Regions, when given, are at least three of Route 53's checker regions",
        source: "https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html",
        check: (r) => {
            const p = P(r);
            const out: string[] = [];
            if (["HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP"].includes(p.type) && !p.fqdn && !p.ipAddress) out.push(`${at(r, "fqdn/ipAddress")}: an endpoint check needs one`);
            if (p.requestInterval !== undefined && ![10, 30].includes(p.requestInterval)) out.push(`${at(r, "requestInterval")} = ${p.requestInterval}: 10 or 30`);
            if (p.failureThreshold !== undefined && !(p.failureThreshold >= 1 && p.failureThreshold <= 10)) out.push(`${at(r, "failureThreshold")} = ${p.failureThreshold} is outside 1-10`);
            if (p.resourcePath !== undefined && !(typeof p.resourcePath === "string" && p.resourcePath.startsWith("/") && p.resourcePath.length <= 255)) out.push(`${at(r, "resourcePath")} = ${p.resourcePath}: starts with /, at most 255 characters`);
            if (p.regions !== undefined) {
                const regions = p.regions as string[];
                if (regions.length < 3) out.push(`${at(r, "regions")} = ${regions.join(", ")}: at least three`);
                for (const x of regions.filter((x) => !ROUTE53_CHECKER_REGIONS.includes(x))) out.push(`${at(r, "regions")}: ${x} is not a checker region (${ROUTE53_CHECKER_REGIONS.join(", ")})`);
            }
            return out;
        },
    },
    {
        id: "route53-health-check-alarm-region",
        types: ["aws:cloudwatch/metricAlarm:MetricAlarm"],
        rule: "Route 53 publishes HealthCheckStatus only in us-east-1: an alarm on an AWS/Route53 metric is created by a provider in us-east-1",
        source: "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html",
        check: (r, plan) => {
            const p = P(r);
            const namespaces = [p.namespace, ...((p.metricQueries ?? []) as Props[]).map((q) => q.metric?.namespace)];
            if (!namespaces.includes("AWS/Route53")) return [];
            const providerUrn = r.options.provider?.split("::").slice(0, -1).join("::");
            const provider = plan.find((x) => x.urn === providerUrn);
            const region = provider ? P(provider).region : undefined;
            return region === "us-east-1" ? [] : [`${at(r, "provider region")} = ${region ?? "(no provider found)"}: AWS/Route53 metrics exist only in us-east-1`];
        },
    },
    {
        id: "cognito-domain-prefix",
        types: ["aws:cognito/userPoolDomain:UserPoolDomain"],
        rule: "A Cognito hosted-UI domain prefix is 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen, and contains none of aws, amazon, cognito",
        source: "https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-assign-domain-prefix.html",
        check: (r) => {
            const d = String(P(r).domain ?? "");
            const bad = !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(d) || ["aws", "amazon", "cognito"].some((w) => d.includes(w));
            return bad ? [`${at(r, "domain")} = ${JSON.stringify(d)} is not a domain prefix Cognito accepts`] : [];
        },
    },
    {
        id: "cognito-password-policy-bounds",
        types: ["aws:cognito/userPool:UserPool"],
        rule: "A user pool's password policy: MinimumLength 6-99, TemporaryPasswordValidityDays 0-365",
        source: "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_PasswordPolicyType.html",
        check: (r) => {
            const pp = (P(r).passwordPolicy ?? {}) as Props;
            const out: string[] = [];
            if (pp.minimumLength !== undefined && (pp.minimumLength < 6 || pp.minimumLength > 99)) out.push(`${at(r, "passwordPolicy.minimumLength")} = ${pp.minimumLength}: allowed 6-99`);
            if (pp.temporaryPasswordValidityDays !== undefined && (pp.temporaryPasswordValidityDays < 0 || pp.temporaryPasswordValidityDays > 365)) out.push(`${at(r, "passwordPolicy.temporaryPasswordValidityDays")} = ${pp.temporaryPasswordValidityDays}: allowed 0-365`);
            return out;
        },
    },
    {
        id: "alb-cognito-app-client",
        types: ["aws:cognito/userPoolClient:UserPoolClient"],
        rule: "An app client an ALB authenticates with has a client secret, the authorization code grant with OAuth flows enabled, and https://<DNS>/oauth2/idpresponse as a callback URL",
        source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-authenticate-users.html (Prepare to use Amazon Cognito)",
        check: (r) => {
            const p = P(r);
            const out: string[] = [];
            if (p.generateSecret !== true) out.push(`${at(r, "generateSecret")} is not true`);
            if (p.allowedOauthFlowsUserPoolClient !== true || !((p.allowedOauthFlows ?? []) as string[]).includes("code")) out.push(`${at(r, "allowedOauthFlows")}: the code grant is not enabled`);
            if (!((p.callbackUrls ?? []) as string[]).some((u) => /^https:\/\/[^/]+\/oauth2\/idpresponse$/.test(u))) out.push(`${at(r, "callbackUrls")} has no https://<host>/oauth2/idpresponse`);
            return out;
        },
    },
    {
        id: "vpc-endpoint-type-arguments",
        types: ["aws:ec2/vpcEndpoint:VpcEndpoint"],
        rule: "A Gateway endpoint (S3 or DynamoDB) takes route tables, no subnets, security groups or private DNS; an Interface endpoint takes distinct subnets and a security group, no route tables, and private DNS only in a VPC with DNS support and DNS hostnames on; a policy is a JSON document with statements",
        source: "https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html",
        check: (r, plan) => {
            const p = P(r);
            const out: string[] = [];
            const none = (k: string) => p[k] === undefined || (Array.isArray(p[k]) && p[k].length === 0);
            if (p.vpcEndpointType === "Gateway") {
                if (!/\.(s3|dynamodb)$/.test(String(p.serviceName))) out.push(`${at(r, "serviceName")} = ${p.serviceName}: gateway endpoints exist for S3 and DynamoDB only`);
                if (none("routeTableIds")) out.push(`${at(r, "routeTableIds")}: a gateway endpoint needs route tables`);
                for (const k of ["subnetIds", "securityGroupIds"]) if (!none(k)) out.push(`${at(r, k)}: not taken by a gateway endpoint`);
                if (p.privateDnsEnabled !== undefined) out.push(`${at(r, "privateDnsEnabled")}: interface endpoints only`);
            } else if (p.vpcEndpointType === "Interface") {
                const subnets = (p.subnetIds ?? []) as string[];
                if (!subnets.length || new Set(subnets).size !== subnets.length) out.push(`${at(r, "subnetIds")} = ${subnets.join(", ")}: distinct subnets, one per zone`);
                if (none("securityGroupIds")) out.push(`${at(r, "securityGroupIds")}: none (the VPC's default group would apply)`);
                if (!none("routeTableIds")) out.push(`${at(r, "routeTableIds")}: gateway endpoints only`);
                const vpc = plan.find((v) => v.type === "aws:ec2/vpc:Vpc" && `${v.name}-id` === p.vpcId);
                if (p.privateDnsEnabled === true && !(vpc && P(vpc).enableDnsSupport === true && P(vpc).enableDnsHostnames === true)) out.push(`${at(r, "privateDnsEnabled")}: its VPC ${p.vpcId} does not have enableDnsSupport and enableDnsHostnames on`);
            } else out.push(`${at(r, "vpcEndpointType")} = ${p.vpcEndpointType}: Gateway or Interface`);
            if (p.policy !== undefined) {
                let doc: any;
                try {
                    doc = JSON.parse(String(p.policy));
                } catch {
                    doc = undefined;
                }
                if (!doc || !Array.isArray(doc.Statement) || !doc.Statement.length) out.push(`${at(r, "policy")}: not a JSON policy document with statements`);
            }
            return out;
        },
    },
];

/**
 * Types the production stacks create whose argument combinations we rely on nothing beyond
 * their schema for (required fields and enums the provider's own Check enforces before AWS is
 * called), with why. A type in a plan that is in neither list fails the test: decide for it.
 */
export const SCHEMA_ONLY: Readonly<Record<string, string>> = {
    "aws:msk/scramSecretAssociation:ScramSecretAssociation": "a cluster ARN and secret ARNs; that each secret is named AmazonMSK_ and encrypted with a customer key is held by aws-msk-cluster-client-authentication",
    "aws:s3/bucketMetric:BucketMetric": "a bucket and a configuration id, no filter (the whole bucket); that each S3 request-metrics alarm's BucketName and FilterId name one is held by test/alerting/object-storage-aws.test.ts",
    "aws:s3/bucketLogging:BucketLogging": "a source bucket, the stack's access-log bucket and a prefix; that every bucket but the log bucket has one is held by awsguard's s3-bucket-logging-enabled (test/security/awsguard.test.ts)",
    "aws:backup/vaultPolicy:VaultPolicy": "one access policy document per vault (its deny-delete statement is held by aws-backup-vault-policy-deny-delete)",
    "aws:sqs/queue:Queue": "a forwarder's dead-letter queue: a name, a KMS key and a retention within SQS's 60 s to 14 days",
    "aws:acm/certificate:Certificate": "DNS validation of the names it lists; no combination",
    "aws:acm/certificateValidation:CertificateValidation": "waits on the certificate's records",
    "aws:amp/alertManagerDefinition:AlertManagerDefinition": "its YAML is checked by amtool in test/alerting",
    "aws:amp/ruleGroupNamespace:RuleGroupNamespace": "its rules are checked by promtool in test/alerting",
    "aws:amp/workspace:Workspace": "no arguments beyond alias and logging",
    "aws:backup/selection:Selection": "a plan, a role and tag conditions",
    "aws:backup/vault:Vault": "a name and a KMS key",
    "aws:docdb/clusterParameterGroup:ClusterParameterGroup": "family and parameters",
    "aws:docdb/subnetGroup:SubnetGroup": "subnets in the VPC",
    "aws:ec2/eip:Eip": "domain vpc",
    "aws:ec2/flowLog:FlowLog": "one destination",
    "aws:ec2/internetGateway:InternetGateway": "attached to the VPC",
    "aws:ec2/natGateway:NatGateway": "a public subnet and an EIP",
    "aws:ec2/route:Route": "one destination, one target",
    "aws:ec2/routeTable:RouteTable": "the VPC",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "one subnet, one table",
    "aws:ec2/securityGroup:SecurityGroup": "rules are separate resources",
    "aws:ec2/subnet:Subnet": "a CIDR in the VPC's",
    "aws:ec2/vpc:Vpc": "a CIDR",
    "aws:ecs/cluster:Cluster": "a name and Container Insights",
    "aws:elasticache/parameterGroup:ParameterGroup": "family and parameters",
    "aws:elasticache/subnetGroup:SubnetGroup": "subnets in the VPC",
    "aws:iam/role:Role": "trust policy JSON",
    "aws:iam/rolePolicy:RolePolicy": "policy JSON",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "a role and a policy ARN",
    "aws:kms/alias:Alias": "alias/ prefix, enforced by the provider",
    "aws:kms/key:Key": "rotation and policy",
    "aws:lambda/function:Function": "runtime, handler, role",
    "aws:lambda/permission:Permission": "principal and source ARN",
    "aws:lambda/invocation:Invocation": "a function name and a JSON input (capabilities/aws/task-runner.ts taskRunInput); replaced when its triggers change",
    "aws:lb/listener:Listener": "certificate on HTTPS",
    "aws:lb/listenerRule:ListenerRule": "priority and conditions",
    "aws:lb/loadBalancer:LoadBalancer": "subnets in two or more AZs (the network spans the runbook's AZs)",
    "aws:msk/configuration:Configuration": "server properties",
    "aws:rds/parameterGroup:ParameterGroup": "family and parameters",
    "aws:rds/subnetGroup:SubnetGroup": "subnets in two or more AZs",
    "aws:s3/bucket:Bucket": "configured by its sub-resources",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "expirations; held to the runbook's retention by policies/aws/s3-bucket-lifecycle-retention.ts",
    "aws:s3/bucketObjectv2:BucketObjectv2": "content objects",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "one rule",
    "aws:s3/bucketPolicy:BucketPolicy": "policy JSON",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "four booleans",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "needs versioning on both buckets, created before it",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "one rule",
    "aws:s3/bucketVersioning:BucketVersioning": "status",
    "aws:secretsmanager/secret:Secret": "name and key",
    "aws:secretsmanager/secretVersion:SecretVersion": "a string",
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": "a VPC",
    "aws:servicediscovery/service:Service": "DNS records",
    "aws:sns/topic:Topic": "a KMS key",
    "aws:sns/topicPolicy:TopicPolicy": "policy JSON",
    "aws:sns/topicSubscription:TopicSubscription": "protocol and endpoint",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "one peer",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "one peer",
    "aws:wafv2/webAcl:WebAcl": "managed rule groups and rate rules",
    "aws:wafv2/webAclAssociation:WebAclAssociation": "an ALB ARN",
};

export interface Violation {
    readonly constraint: string;
    readonly source: string;
    readonly finding: string;
}

/** Every constraint over every resource of one planned stack. */
export function violations(resources: readonly PlannedResource[]): Violation[] {
    return CONSTRAINTS.flatMap((c) => resources.filter((r) => c.types.includes(r.type)).flatMap((r) => c.check(r, resources).map((finding) => ({ constraint: c.id, source: c.source, finding }))));
}
