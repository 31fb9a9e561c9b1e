import type { CoverageClaim, CoverageKey, CoverageProvider } from "../alerting/coverage-claims";
import { getRunbook, type Runbook } from "../../runbooks";
import { fargateSize } from "../sizing";
import { cloudWatchAlarms, subjectSlug } from "./alarms";
import { backupPlan } from "../backups/plan";
import { BACKUP_TASK_METRIC, backupRules, backupService, backupTasks } from "./backups";
import { dashboardProvisioningFiles, grafanaHost, PROVISIONING_KEYS } from "./grafana";
import { cacheNodeType, cacheParameters } from "./elasticache";
import { alarmInventory } from "./inventory";
import { cloudWatchRetentionDays } from "./logs";
import { awsNames } from "./names";
import { rdsParameters, rdsSize } from "./rds";
import { snapshotWindow } from "./windows";

/**
 * What the AWS target implements for each runbook number, and which of its tests proves it, for
 * `npm run coverage` (a provider composed in cli/coverage.ts). Production is
 * the stack that runs on AWS; its hosts are the runbook's own.
 */

const PLAN_TEST = "test/targets/aws/plan.test.ts";
/** The data services and AWS Backup, split from PLAN_TEST. */
const PLAN_DATA_TEST = "test/targets/aws/plan-data.test.ts";
const GRAFANA_TEST = "test/targets/aws/grafana.test.ts";
const CAPABILITY_TEST = "test/targets/aws/capabilities.test.ts";
const WHERE = "production/aws";
/** Tests that evaluate the alarms of a subject kind against the service's own metric names (CloudWatch metric math, both sides of the level). */
const SUBJECT_TESTS: Partial<Record<ReturnType<typeof cloudWatchAlarms>[number]["subject"]["kind"], string>> = {
    "s3-bucket": "test/alerting/object-storage-aws.test.ts: S3 5xx alarms",
};

function productionHosts(rb: Runbook): Record<string, string> {
    return Object.fromEntries(rb.services.filter((s) => s.host).map((s) => [s.name, s.host!]));
}

/** The AWS claims for one runbook's number (the provider looks the runbook up by app; tests hand one in). */
export function awsClaim(rb: Runbook, key: CoverageKey): CoverageClaim | undefined {
    const names = awsNames(rb.app, "production");
    switch (key.kind) {
        case "alert-level": {
            const [alertId, severity] = key.id.split("/");
            const alarms = cloudWatchAlarms(rb, alarmInventory(rb, productionHosts(rb))).filter((a) => a.alertId === alertId && a.severity === severity);
            if (!alarms.length) return undefined;
            return {
                implementedBy: alarms.map((a) => `${WHERE}: CloudWatch alarm ${names.prefix}-${a.key} (${a.metrics.map((m) => `${m.namespace} ${m.metricName}`).join(", ")} on ${subjectSlug(a.subject)})`),
                testedBy: [`${PLAN_TEST}: CloudWatch alarms`, `${CAPABILITY_TEST}: CloudWatch alarms`, ...new Set(alarms.flatMap((a) => SUBJECT_TESTS[a.subject.kind] ?? []))],
            };
        }
        case "backup-schedule":
        case "backup-retention":
        case "backup-interval": {
            // key.id is the plan's name: the dataset, or `<dataset>-<tier>` for each further tier.
            const planned = backupPlan(rb).find((p) => p.name === key.id);
            if (!planned) return undefined;
            if (backupService(planned) === "ElastiCache") {
                return {
                    implementedBy: [`${WHERE}: ElastiCache snapshotWindow ${snapshotWindow(rb, planned.cron, `backups[${planned.index}].cron`)}, snapshotRetentionLimit ${planned.retentionDays}`],
                    testedBy: [`${PLAN_DATA_TEST}: ElastiCache`],
                };
            }
            if (backupService(planned) === "ECS") {
                // What AWS Backup cannot take: the operations script in an ECS task EventBridge Scheduler starts (components/targets/aws/backups.ts AwsBackupTasks).
                const task = backupTasks(rb).find((t) => t.kind === "backup" && t.name === planned.name);
                if (!task) return undefined;
                const part = `backup-${task.name}`;
                return {
                    implementedBy: [
                        key.kind === "backup-retention"
                            ? `${WHERE}: ECS task ${names.taskFamily(part)} RETENTION_DAYS ${task.env.RETENTION_DAYS} (the script prunes), platform backup bucket keeps old versions ${task.env.RETENTION_DAYS} days`
                            : key.kind === "backup-schedule"
                              ? `${WHERE}: EventBridge Scheduler schedule ${names.prefix}-${part} ${task.schedule} (UTC) running ECS task ${names.taskFamily(part)}`
                              : `${WHERE}: CloudWatch alarm on ${BACKUP_TASK_METRIC.namespace} ${BACKUP_TASK_METRIC.completed} (App ${rb.app}, Backup ${task.name})`,
                    ],
                    testedBy: ["test/operations/rabbitmq-backup-plan.test.ts: AWS", "test/targets/rabbitmq.test.ts: the definitions backup"],
                };
            }
            const rule = backupRules(rb).find((r) => r.name === planned.name);
            if (!rule) return undefined;
            return {
                implementedBy: [
                    key.kind === "backup-retention"
                        ? `${WHERE}: AWS Backup plan ${names.prefix}-${rule.name} deleteAfter ${rule.deleteAfterDays} days, vault lock min ${rule.deleteAfterDays} days`
                        : key.kind === "backup-schedule"
                          ? `${WHERE}: AWS Backup plan ${names.prefix}-${rule.name} schedule ${rule.schedule} (UTC)`
                          : `${WHERE}: CloudWatch alarm on AWS/Backup NumberOfBackupJobsCompleted, vault ${names.vault(rule.name)}`,
                ],
                testedBy: [`${PLAN_DATA_TEST}: AWS Backup`],
            };
        }
        case "log-retention":
            return { implementedBy: [`${WHERE}: every CloudWatch log group, retention ${cloudWatchRetentionDays(rb.logs.retentionDays)} days`], testedBy: [`${PLAN_TEST}: every log group`] };
        case "scaling": {
            const svc = rb.services.find((s) => s.name === key.id);
            if (!svc) return undefined;
            return {
                implementedBy: [
                    `${WHERE}: ECS service ${svc.name} desiredCount ${svc.scaling.desired}; Application Auto Scaling ${svc.scaling.min}-${svc.scaling.max}, CPU ${svc.scaling.cpuTargetPercent}%, memory ${svc.scaling.memoryTargetPercent}%`,
                ],
                testedBy: [`${PLAN_TEST}: ECS`],
            };
        }
        case "resources": {
            const svc = rb.services.find((s) => s.name === key.id);
            if (!svc) return undefined;
            const size = fargateSize(svc.resources);
            return { implementedBy: [`${WHERE}: Fargate task ${size.cpu} CPU units / ${size.memory} MiB; container limit ${svc.resources.limits.memoryMiB} MiB`], testedBy: [`${PLAN_TEST}: ECS`] };
        }
        case "release":
            return rb.aws.blueGreen
                ? { implementedBy: [`${WHERE}: every ECS service behind the ALB deploys BLUE_GREEN, bakeTimeInMinutes ${rb.aws.blueGreen.bakeMinutes}; blue and green target groups`], testedBy: [`${PLAN_TEST}: blue/green`] }
                : undefined;
        case "postgres-tuning": {
            const pg = rb.data.postgres;
            if (!pg) return undefined;
            const name = key.id === "slowQueryMs" ? "log_min_duration_statement" : key.id;
            const param = rdsParameters(pg, rdsSize(pg)).find((p) => p.name === name);
            return param ? { implementedBy: [`${WHERE}: RDS parameter ${param.name} = ${param.value} (${param.applyMethod})`], testedBy: [`${PLAN_DATA_TEST}: RDS PostgreSQL`, `${CAPABILITY_TEST}: RDS parameters`] } : undefined;
        }
        case "redis-tuning": {
            const redis = rb.data.redis;
            if (!redis) return undefined;
            const policy = cacheParameters(redis).find((p) => p.name === "maxmemory-policy")!;
            return { implementedBy: [`${WHERE}: ElastiCache ${cacheNodeType(redis).nodeType} (maxmemory >= ${redis.maxmemoryMB} MB after reserve), maxmemory-policy ${policy.value}`], testedBy: [`${PLAN_DATA_TEST}: ElastiCache`] };
        }
        case "dashboard": {
            const file = dashboardProvisioningFiles(rb).find((f) => f.key === PROVISIONING_KEYS.dashboard(`${key.id}.json`));
            if (!file) return undefined;
            const host = grafanaHost(undefined, productionHosts(rb));
            return {
                implementedBy: [`${WHERE}: S3 object ${file.key} in the Grafana provisioning bucket, loaded read-only by the Grafana service on ECS (${host ? `https://${host}` : "unpublished: no public host"})`],
                testedBy: [`${GRAFANA_TEST}: provisioning objects`],
            };
        }
        default:
            return undefined;
    }
}

export const awsCoverage: CoverageProvider = (key) => awsClaim(getRunbook(key.app), key);
