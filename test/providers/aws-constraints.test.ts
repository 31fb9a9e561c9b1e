import test from "ava";
import { planStack, type PlannedResource, type StackPlan } from "../../cli/harness/runtime";
import { BACKUP_JOB_DIMENSIONS } from "../../capabilities/aws/alarms";
import { backupService } from "../../capabilities/aws/backups";
import { backupPlan } from "../../capabilities/backups/plan";
import { getRunbook } from "../../runbooks";
import { PRODUCTION } from "../targets/aws/helpers";
import { CONSTRAINTS, dailyWindow, FARGATE_SIZES, overlaps, SCHEMA_ONLY, violations, weeklyWindow } from "./aws-constraints";

/**
 * The documented AWS constraints we rely on, over every production plan: none is broken, every
 * AWS type the stacks create is either checked or says why its schema is all we rely on, and
 * each check fails when one argument of the real plan is broken.
 */

const plans = new Map<string, StackPlan>();
test.before(async () => {
    for (const app of PRODUCTION) plans.set(app, await planStack(`${app}-production`));
});
const all = () => [...plans.values()];

test("no production stack breaks a documented AWS constraint", (t) => {
    for (const plan of all()) t.deepEqual(violations(plan.resources), [], plan.stack);
});

test("every AWS resource type of the production stacks is checked or says why its schema is enough", (t) => {
    const checked = new Set(CONSTRAINTS.flatMap((c) => c.types));
    for (const plan of all()) {
        for (const type of new Set(plan.resources.filter((r) => r.type.startsWith("aws:")).map((r) => r.type))) {
            t.true(checked.has(type) || type in SCHEMA_ONLY, `${plan.stack}: ${type} is neither checked (test/providers/aws-constraints.ts CONSTRAINTS) nor in SCHEMA_ONLY`);
            t.false(checked.has(type) && type in SCHEMA_ONLY, `${type} is both checked and schema-only`);
        }
    }
    for (const c of CONSTRAINTS) {
        t.regex(c.source, /https:\/\/docs\.aws\.amazon\.com\//, `${c.id} cites no AWS document`);
        t.true(all().some((p) => p.resources.some((r) => c.types.includes(r.type))), `${c.id} applies to no resource of any production stack`);
    }
});

/** A copy of the plan's resources with one resource's props changed. */
function broken(plan: StackPlan, pick: (r: PlannedResource) => boolean, change: (props: Record<string, any>) => void): PlannedResource[] {
    const target = plan.resources.find(pick);
    if (!target) throw new Error(`${plan.stack}: no resource to break`);
    return plan.resources.map((r) => {
        if (r !== target) return r;
        const props = structuredClone(r.props) as Record<string, any>;
        change(props);
        return { ...r, props };
    });
}
const ofType = (type: string, extra: (r: PlannedResource) => boolean = () => true) => (r: PlannedResource) => r.type === type && extra(r);
const p = (r: PlannedResource) => r.props as Record<string, any>;

const BREAKS: Record<string, { stack: string; pick: (r: PlannedResource) => boolean; change: (props: Record<string, any>) => void }> = {
    "rds-replica-kms-key": { stack: "personal-finance-hub", pick: ofType("aws:rds/instance:Instance", (r) => !!p(r).replicateSourceDb), change: (x) => (x.kmsKeyId = "arn:aws:kms:us-east-1:123456789012:key/k") },
    "rds-replica-primary-arguments": { stack: "personal-finance-hub", pick: ofType("aws:rds/instance:Instance", (r) => !!p(r).replicateSourceDb), change: (x) => (x.username = "app") },
    "rds-windows": { stack: "bunty", pick: ofType("aws:rds/instance:Instance"), change: (x) => (x.backupWindow = x.maintenanceWindow.slice(4, 9) + "-" + x.maintenanceWindow.slice(4, 6) + ":20") },
    "rds-ranges": { stack: "bunty", pick: ofType("aws:rds/instance:Instance"), change: (x) => (x.performanceInsightsRetentionPeriod = 30) },
    "docdb-windows": { stack: "gravitypm", pick: ofType("aws:docdb/cluster:Cluster"), change: (x) => (x.preferredMaintenanceWindow = "sun:03:00-sun:03:15") },
    "docdb-instance-window": { stack: "gravitypm", pick: ofType("aws:docdb/clusterInstance:ClusterInstance"), change: (x) => (x.preferredMaintenanceWindow = "sunday 03:00") },
    "elasticache-failover": { stack: "pfm-community", pick: ofType("aws:elasticache/replicationGroup:ReplicationGroup"), change: (x) => ((x.numCacheClusters = 1), delete x.numNodeGroups, delete x.replicasPerNodeGroup) },
    "elasticache-windows": { stack: "pfm-community", pick: ofType("aws:elasticache/replicationGroup:ReplicationGroup"), change: (x) => (x.maintenanceWindow = "sun:03:00-sun:03:30") },
    "fargate-task-size": { stack: "formula-pm", pick: ofType("aws:ecs/taskDefinition:TaskDefinition"), change: (x) => ((x.cpu = "256"), (x.memory = "4096")) },
    "ecs-deployment-strategy": { stack: "gravitypm", pick: ofType("aws:ecs/service:Service", (r) => p(r).deploymentConfiguration?.strategy === "BLUE_GREEN"), change: (x) => (x.deploymentCircuitBreaker = { enable: true, rollback: true }) },
    "ecs-service-fargate": { stack: "formula-pm", pick: ofType("aws:ecs/service:Service"), change: (x) => (x.networkConfiguration = undefined) },
    "backup-rule-windows-lifecycle": { stack: "formula-pm", pick: ofType("aws:backup/plan:Plan"), change: (x) => (x.rules[0].lifecycle.deleteAfter = 1) },
    "backup-vault-lock": { stack: "formula-pm", pick: ofType("aws:backup/vaultLockConfiguration:VaultLockConfiguration"), change: (x) => (x.changeableForDays = 1) },
    "backup-restore-testing": { stack: "formula-pm", pick: ofType("aws:backup/restoreTestingSelection:RestoreTestingSelection"), change: (x) => (x.validationWindowHours = 200) },
    "cloudwatch-alarm-shape": { stack: "bunty", pick: ofType("aws:cloudwatch/metricAlarm:MetricAlarm", (r) => p(r).period === 60), change: (x) => (x.evaluationPeriods = 1441) },
    "cloudwatch-metric-dimensions": {
        stack: "bunty",
        pick: ofType("aws:cloudwatch/metricAlarm:MetricAlarm", (r) => p(r).namespace === "AWS/Backup"),
        change: (x) => (x.dimensions = { BackupVaultName: x.dimensions.BackupVaultName }),
    },
    "log-group-retention": { stack: "bunty", pick: ofType("aws:cloudwatch/logGroup:LogGroup"), change: (x) => (x.retentionInDays = 45) },
    "appautoscaling-ecs": { stack: "bunty", pick: ofType("aws:appautoscaling/target:Target"), change: (x) => (x.minCapacity = x.maxCapacity + 1) },
    "msk-brokers": { stack: "personal-finance-hub", pick: ofType("aws:msk/cluster:Cluster"), change: (x) => (x.numberOfBrokerNodes = x.brokerNodeGroupInfo.clientSubnets.length + 1) },
    "waf-logging-destination": { stack: "gravitypm", pick: ofType("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"), change: (x) => (x.logDestinationConfigs = ["arn:aws:logs:us-east-1:123456789012:log-group:gravitypm-waf"]) },
    "route53-health-check": { stack: "bunty", pick: ofType("aws:route53/healthCheck:HealthCheck"), change: (x) => (x.regions = ["us-east-1", "eu-west-1"]) },
    "route53-health-check-alarm-region": { stack: "bunty", pick: ofType("pulumi:providers:aws"), change: (x) => (x.region = "eu-west-1") },
    "lb-target-group-health": { stack: "bunty", pick: ofType("aws:lb/targetGroup:TargetGroup"), change: (x) => (x.healthCheck.timeout = x.healthCheck.interval) },
    "cognito-domain-prefix": { stack: "bunty", pick: ofType("aws:cognito/userPoolDomain:UserPoolDomain"), change: (x) => (x.domain = `${x.domain}-cognito`) },
    "cognito-password-policy-bounds": { stack: "bunty", pick: ofType("aws:cognito/userPool:UserPool"), change: (x) => (x.passwordPolicy.minimumLength = 100) },
    "vpc-endpoint-type-arguments": { stack: "bunty", pick: ofType("aws:ec2/vpcEndpoint:VpcEndpoint", (r) => p(r).vpcEndpointType === "Interface"), change: (x) => (x.routeTableIds = ["rtb-1"]) },
    "alb-cognito-app-client": { stack: "bunty", pick: ofType("aws:cognito/userPoolClient:UserPoolClient"), change: (x) => (x.callbackUrls = ["https://grafana.bunty.io/callback"]) },
};

test("each constraint fails when one argument of a real plan is broken", (t) => {
    for (const c of CONSTRAINTS) {
        const b = BREAKS[c.id];
        if (!b) {
            t.fail(`${c.id} has no breaking case in BREAKS`);
            continue;
        }
        const found = violations(broken(plans.get(b.stack)!, b.pick, b.change)).filter((v) => v.constraint === c.id);
        t.true(found.length > 0, `${c.id}: breaking ${b.stack}-production found nothing`);
    }
});

test("window arithmetic: formats, wrap past midnight and week's end, overlap", (t) => {
    t.deepEqual(dailyWindow("23:30-00:15"), [1410, 1455]);
    t.is(dailyWindow("24:00-01:00"), undefined);
    t.deepEqual(weeklyWindow("sun:23:00-mon:01:00"), [6 * 1440 + 1380, 7 * 1440 + 60]);
    t.is(weeklyWindow("sunday:03:00-sun:05:00"), undefined);
    t.true(overlaps(dailyWindow("00:30-01:00")!, weeklyWindow("sun:23:00-mon:01:00")!));
    t.false(overlaps(dailyWindow("05:30-06:00")!, weeklyWindow("sun:03:00-sun:05:00")!));
    t.deepEqual(FARGATE_SIZES[256], [512, 1024, 2048]);
    t.is(FARGATE_SIZES[4096].at(-1), 30720);
});

test("finding 4: the read replica names no KMS key and is encrypted through its source", (t) => {
    const plan = plans.get("personal-finance-hub")!;
    const rds = plan.resources.filter((r) => r.type === "aws:rds/instance:Instance");
    const replicas = rds.filter((r) => p(r).replicateSourceDb);
    t.is(replicas.length, getRunbook("personal-finance-hub").data.postgres!.readReplicas);
    for (const r of replicas) t.false("kmsKeyId" in p(r), r.name);
    const primary = rds.find((r) => !p(r).replicateSourceDb)!;
    t.truthy(p(primary).kmsKeyId);
    t.true(p(primary).storageEncrypted);
    for (const r of replicas) t.is(p(r).replicateSourceDb, p(primary).identifier);
});

test("finding 5: blue/green services roll back on alarms, rolling ones on the circuit breaker", (t) => {
    for (const plan of all()) {
        const rb = getRunbook(plan.app as never);
        const alarms = new Map(plan.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm").map((r) => [p(r).name, r]));
        for (const s of plan.resources.filter((r) => r.type === "aws:ecs/service:Service")) {
            const blueGreen = p(s).deploymentConfiguration?.strategy === "BLUE_GREEN";
            if (!blueGreen) {
                t.true(p(s).deploymentCircuitBreaker?.enable && p(s).deploymentCircuitBreaker?.rollback, `${s.name}: rolling without the circuit breaker`);
                continue;
            }
            t.truthy(rb.aws.blueGreen, `${s.name}: blue/green where the runbook does not deploy that way`);
            t.is(p(s).deploymentCircuitBreaker, undefined, `${s.name}`);
            t.deepEqual({ enable: p(s).alarms.enable, rollback: p(s).alarms.rollback }, { enable: true, rollback: true });
            for (const name of p(s).alarms.alarmNames) {
                const alarm = alarms.get(name);
                t.truthy(alarm, `${s.name}: rollback alarm ${name} does not exist`);
                // Critical alarms on this service's own target groups.
                t.is(p(alarm!).tags["runbook:severity"], "critical");
                const groups = (p(alarm!).dimensions ? [p(alarm!).dimensions] : p(alarm!).metricQueries.filter((q: any) => q.metric).map((q: any) => q.metric.dimensions)).map((d: any) => d.TargetGroup);
                const own = [p(s).loadBalancers[0].targetGroupArn, p(s).loadBalancers[0].advancedConfiguration.alternateTargetGroupArn].map((arn: string) => arn.replace(/^.*:(targetgroup\/)/, "$1"));
                t.true(groups.every((g: string) => own.includes(g)), `${s.name}: ${name} watches ${groups.join(", ")}`);
            }
            // Both colours are watched.
            const watched = new Set(
                p(s).alarms.alarmNames.flatMap((n: string) => {
                    const a = p(alarms.get(n)!);
                    return (a.dimensions ? [a.dimensions] : a.metricQueries.filter((q: any) => q.metric).map((q: any) => q.metric.dimensions)).map((d: any) => d.TargetGroup);
                }),
            );
            t.is(watched.size, 2, `${s.name}: both target groups`);
        }
    }
    t.true(all().some((plan) => plan.resources.some((r) => r.type === "aws:ecs/service:Service" && p(r).deploymentConfiguration?.strategy === "BLUE_GREEN")), "a stack deploys blue/green");
});

test("finding 7: AWS Backup job-count alarms name the vault and the resource type AWS Backup publishes with", (t) => {
    t.deepEqual([...BACKUP_JOB_DIMENSIONS], ["BackupVaultName", "ResourceType"]);
    let seen = 0;
    for (const plan of all()) {
        const rb = getRunbook(plan.app as never);
        const vaults = new Map(plan.resources.filter((r) => r.type === "aws:backup/vault:Vault").map((r) => [p(r).name, r]));
        for (const a of plan.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && p(r).metricName === "NumberOfBackupJobsCompleted")) {
            seen++;
            t.deepEqual(Object.keys(p(a).dimensions).sort(), [...BACKUP_JOB_DIMENSIONS].sort(), a.name);
            t.true(vaults.has(p(a).dimensions.BackupVaultName), `${a.name}: no vault ${p(a).dimensions.BackupVaultName}`);
            // The resource type is the one the vault's dataset is backed up from.
            const planned = backupPlan(rb).find((b) => p(a).dimensions.BackupVaultName.endsWith(`-${b.dataset}`));
            if (!planned) return t.fail(`${a.name}: no planned backup for its vault`);
            t.is(p(a).dimensions.ResourceType, backupService(planned), a.name);
        }
    }
    t.true(seen > 0);
});
