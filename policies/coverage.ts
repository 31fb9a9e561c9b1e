import type { CoverageKey, CoverageClaim } from "../capabilities/alerting/coverage-claims";

/**
 * The policy column of `npm run coverage`: which pack policies hold each kind of runbook number,
 * and the mutation test that proves a loosened number is caught. Names only, so the coverage
 * report does not load the providers; a test keeps every name equal to a policy in the pack.
 */

const MUTATIONS = "test/policies/mutations.test.ts";

const ALERTS = ["docker-prometheus-rules-runbook-alerts", "k8s-prometheusrule-runbook-alerts", "aws-amp-cloudwatch-runbook-alerts"];
const PAGING = ["docker-alertmanager-critical-paging", "k8s-alertmanager-critical-paging", "aws-amp-alertmanager-critical-paging"];
const LOGS = ["docker-loki-log-retention", "k8s-loki-log-retention", "aws-cloudwatch-loggroup-retention", "aws-s3-bucket-lifecycle-retention"];
const SCALING = ["k8s-hpa-runbook-targets", "k8s-hpa-min-replicas", "aws-appautoscaling-runbook-targets", "aws-appautoscaling-target-capacity"];
const RELEASE = ["aws-ecs-service-blue-green-bake"];
/** redis.conf's maxmemory and maxmemory-policy, ElastiCache's parameter group; ElastiCache's memory is its node type. */
const REDIS_TUNING = ["platform-redis-maxmemory-policy", "aws-data-instance-size-floor"];
const RESOURCES = ["docker-container-limits", "k8s-workload-probes-resources", "aws-ecs-taskdefinition-healthcheck-limits"];

function backupPolicies(dataset: string, retention: boolean): string[] {
    const k8s = dataset === "postgres" ? "k8s-cnpg-scheduledbackup-runbook-schedule" : "k8s-cronjob-backup-runbook-schedule";
    const aws = dataset === "redis" ? ["aws-elasticache-replicationgroup-snapshot-retention"] : ["aws-backup-plan-runbook-schedule", ...(dataset === "files" && retention ? ["aws-s3-bucket-lifecycle-retention"] : [])];
    const managed = retention ? ({ postgres: ["aws-rds-instance-backup-retention"], mongodb: ["aws-docdb-cluster-backup-retention"] } as Record<string, string[]>)[dataset] ?? [] : [];
    return ["docker-backup-runbook-schedule", k8s, ...aws, ...managed];
}

/**
 * The dataset of a backup plan name: `postgres` for `postgres` and for its tier `postgres-weekly`
 * (capabilities/backups/plan.ts names a tier `<dataset>-<tier>`; neither a dataset nor a tier has a
 * dash), so every tier of a dataset is held by the dataset's policies.
 */
export function planDataset(planName: string): string {
    return planName.split("-")[0];
}

/** Every policy name this file hands out, for the test that keeps them real. */
export const COVERAGE_POLICY_NAMES = [...new Set([...ALERTS, ...PAGING, ...LOGS, ...SCALING, ...RESOURCES, ...RELEASE, ...REDIS_TUNING, ...["postgres", "redis", "mongodb", "files", "config"].flatMap((d) => backupPolicies(d, true))])];

export function policyCoverage(key: CoverageKey): CoverageClaim | undefined {
    const claim = (enforcedBy: string[], mutation?: string): CoverageClaim => ({ enforcedBy, ...(mutation ? { testedBy: [`${MUTATIONS}: ${mutation}`] } : {}) });
    switch (key.kind) {
        case "alert-level":
            return claim(ALERTS, `alerts.${key.id.replace("/", ".")}.{for,threshold} loosened, alert removed`);
        case "alert-response":
            return key.id === "critical" ? claim(PAGING) : undefined;
        case "backup-interval":
        case "backup-schedule":
            return claim(backupPolicies(planDataset(key.id), false), `backups.${key.id}.cron rarer`);
        case "backup-retention":
            return claim(backupPolicies(planDataset(key.id), true), `backups.${key.id}.retentionDays halved`);
        case "log-retention":
            return claim(LOGS, "logs.retentionDays halved");
        case "scaling":
            return claim(SCALING, `services.${key.id}.scaling targets raised, min/max lowered`);
        case "resources":
            return claim(RESOURCES, `services.${key.id}.resources halved`);
        case "release":
            return claim(RELEASE, "aws.blueGreen.bakeMinutes halved");
        case "redis-tuning":
            return claim(REDIS_TUNING, "redis-eviction: maxmemory-policy → noeviction");
        default:
            return undefined;
    }
}
