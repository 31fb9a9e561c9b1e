import test from "ava";
import { planStack, type StackPlan } from "../../cli/harness/runtime";
import { getRunbook } from "../../runbooks";
import { cloudWatchAlarms } from "../../capabilities/aws/alarms";
import { alarmInventory } from "../../capabilities/aws/inventory";
import { acceptedExceptionKey } from "../../policies/lib/context";
import { UNKNOWN_STRING } from "../../policies/lib/inputs";
import { runPolicies } from "../../policies/offline";
import { RDS_ALLOCATED_STORAGE_GIB } from "../../capabilities/aws/rds";
import { compliantAndBroken, find, policyNamed, type Fake } from "./helpers";

/**
 * aws-cloudwatch-alarm-metric-spec over the planned formula-pm production stack (ECS, target
 * groups, RDS, AWS Backup, ACM): the plan as the program builds it passes, and each metric-side
 * field of one alarm broken on its own is a mandatory finding naming the alarm, the field, the
 * planned and the expected value. The alarms are picked from the plan by what they measure, not
 * by a name typed here.
 */

const STACK = "formula-pm-production";
const POLICY = "aws-cloudwatch-alarm-metric-spec";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
type Planned = StackPlan["resources"][number];
type Props = Record<string, any>;

let base: StackPlan;
test.before(async () => {
    base = await planStack(STACK);
});

const alarms = (plan: StackPlan) => plan.resources.filter((r) => r.type === ALARM && (r.props as Props).tags?.["runbook:alert"]);
/** The first runbook alarm of the plan that `pick` accepts. */
function alarm(plan: StackPlan, pick: (p: Props) => boolean): Planned {
    const a = alarms(plan).find((r) => pick(r.props as Props));
    if (!a) throw new Error(`${STACK}: no runbook alarm as asked`);
    return a;
}
const single = (ns: string, stat: "statistic" | "extendedStatistic") => (p: Props) => p.namespace === ns && p[stat] !== undefined;
const ecs = single("AWS/ECS", "statistic");
const percentile = single("AWS/ApplicationELB", "extendedStatistic");
const math = (ns: string) => (p: Props) => (p.metricQueries ?? []).some((q: Props) => q.metric?.namespace === ns);
const backup = (p: Props) => p.namespace === "AWS/Backup";
const certificate = (p: Props) => p.namespace === "AWS/CertificateManager";

/** A copy of the plan with one alarm's inputs edited (props and the shown inputs alike). */
function edited(plan: StackPlan, target: Planned, edit: (p: Props) => void): StackPlan {
    return {
        ...plan,
        resources: plan.resources.map((r) => {
            if (r.urn !== target.urn) return r;
            const copy = structuredClone(r);
            edit(copy.props as Props);
            edit(copy.inputs as Props);
            return copy;
        }),
    };
}

async function run(plan: StackPlan, exceptions: { key: string; reason: string }[] = []) {
    const report = await runPolicies(plan, { policies: [policyNamed(POLICY)], exceptions });
    return report.outcomes[0];
}

test("the planned stack passes: every runbook alarm is the platform's", async (t) => {
    const o = await run(base);
    t.is(o.status, "pass", o.violations.map((v) => v.message).join("\n"));
    // Every alarm the capability calls for is in the plan, so each is compared (none skipped by name).
    const rb = getRunbook("formula-pm");
    const names = new Set(alarms(base).map((r) => String((r.props as Props).name)));
    const hosts = Object.fromEntries(rb.services.filter((s) => s.host).map((s) => [s.name, s.host!]));
    for (const spec of cloudWatchAlarms(rb, alarmInventory(rb, hosts))) t.true(names.has(`${STACK}-${spec.key}`), `${spec.key} is planned`);
});

interface Break {
    readonly pick: (p: Props) => boolean;
    readonly edit: (p: Props) => void;
    readonly expect: RegExp;
}

const query = (p: Props, id: string) => p.metricQueries.find((q: Props) => q.id === id) as Props;

const BREAKS: Record<string, Break> = {
    namespace: { pick: ecs, edit: (p) => (p.namespace = "AWS/EC2"), expect: /namespace is "AWS\/EC2", the platform's alarm has "AWS\/ECS"/ },
    metricName: { pick: ecs, edit: (p) => (p.metricName = `${p.metricName}Typo`), expect: /metricName is "\w+Typo", the platform's alarm has "\w+Utilization"/ },
    "dimension value: another service": { pick: ecs, edit: (p) => (p.dimensions.ServiceName = "nonexistent"), expect: /dimensions\.ServiceName is "nonexistent", the platform's alarm has ECS service "/ },
    "dimension value: another cluster": { pick: ecs, edit: (p) => (p.dimensions.ClusterName = "someone-elses"), expect: /dimensions\.ClusterName is "someone-elses", the platform's alarm has ECS cluster "formula-pm-production"/ },
    "dimension value: a load balancer that does not exist": {
        pick: percentile,
        edit: (p) => (p.dimensions.LoadBalancer = "app/gone/0123456789abcdef"),
        expect: /dimensions\.LoadBalancer is "app\/gone\/0123456789abcdef", the platform's alarm has load balancer "formula-pm-production"/,
    },
    "dimension value: a database that does not exist": {
        pick: math("AWS/RDS"),
        edit: (p) => (query(p, "m1").metric.dimensions.DBInstanceIdentifier = "formula-pm-production-postgres-old"),
        expect: /metricQueries\[m1\]\.metric\.dimensions\.DBInstanceIdentifier is "formula-pm-production-postgres-old", the platform's alarm has RDS instance "formula-pm-production-postgres"/,
    },
    "dimension value: a vault that does not exist": { pick: backup, edit: (p) => (p.dimensions.BackupVaultName = "elsewhere"), expect: /dimensions\.BackupVaultName is "elsewhere", the platform's alarm has backup vault "formula-pm-production-/ },
    "dimension value: another resource type": { pick: backup, edit: (p) => (p.dimensions.ResourceType = "EBS"), expect: /dimensions\.ResourceType is "EBS", the platform's alarm has "(RDS|S3)"/ },
    "dimension removed": { pick: ecs, edit: (p) => delete p.dimensions.ServiceName, expect: /dimensions\.ServiceName is unset, the platform's alarm has ECS service/ },
    "dimension added": { pick: ecs, edit: (p) => (p.dimensions.TaskDefinitionFamily = "x"), expect: /dimensions\.TaskDefinitionFamily is "x", the platform's alarm has no such dimension/ },
    statistic: { pick: ecs, edit: (p) => (p.statistic = "Minimum"), expect: /statistic is "Minimum", the platform's alarm has "Maximum"/ },
    extendedStatistic: { pick: percentile, edit: (p) => (p.extendedStatistic = "p10"), expect: /extendedStatistic is "p10", the platform's alarm has "p95"/ },
    "percentile as a statistic": { pick: percentile, edit: (p) => ((p.statistic = "Average"), delete p.extendedStatistic), expect: /statistic is "Average", the platform's alarm has unset/ },
    "metricQueries: expression": { pick: math("AWS/RDS"), edit: (p) => (query(p, "e1").expression = "0 * m1"), expect: /metricQueries\[e1\]\.expression is "0 \* m1", the platform's alarm has "100 \* \(1 - m1/ },
    "metricQueries: id": { pick: math("AWS/RDS"), edit: (p) => (query(p, "m1").id = "m9"), expect: /metricQueries\[m1\] is missing/ },
    "metricQueries: returnData": { pick: math("AWS/RDS"), edit: (p) => ((query(p, "e1").returnData = false), (query(p, "m1").returnData = true)), expect: /metricQueries\[e1\]\.returnData is false, the platform's alarm has true/ },
    "metricQueries: the metric's statistic": { pick: math("AWS/RDS"), edit: (p) => (query(p, "m1").metric.stat = "Maximum"), expect: /metricQueries\[m1\]\.metric\.stat is "Maximum", the platform's alarm has "Minimum"/ },
    "metricQueries: another account": { pick: math("AWS/RDS"), edit: (p) => (query(p, "m1").accountId = "999999999999"), expect: /metricQueries\[m1\]\.accountId is "999999999999"/ },
    "treatMissingData: notBreaching where missing is the problem": { pick: backup, edit: (p) => (p.treatMissingData = "notBreaching"), expect: /treatMissingData is "notBreaching", the platform's alarm has "breaching" \(missing data is itself the problem here\)/ },
    "treatMissingData: unset where missing counts": { pick: certificate, edit: (p) => (p.treatMissingData = "notBreaching"), expect: /treatMissingData is "notBreaching", the platform's alarm has "missing"/ },
    comparisonOperator: { pick: ecs, edit: (p) => (p.comparisonOperator = "LessThanThreshold"), expect: /comparisonOperator is "LessThanThreshold", the platform's alarm has "GreaterThanThreshold"/ },
    "datapointsToAlarm: more than the platform's": { pick: ecs, edit: (p) => ((p.datapointsToAlarm += 1), (p.evaluationPeriods += 1)), expect: /datapointsToAlarm is \d+, the platform's alarm has at most \d+/ },
    "datapointsToAlarm: more than evaluationPeriods": { pick: ecs, edit: (p) => (p.evaluationPeriods = 1), expect: /datapointsToAlarm is \d+, the platform's alarm has at most \d+ and at most evaluationPeriods 1/ },
    unit: { pick: ecs, edit: (p) => (p.unit = "Bytes"), expect: /unit is "Bytes", the platform's alarm has unset/ },
};

for (const [what, b] of Object.entries(BREAKS)) {
    test(`a broken ${what} is a mandatory finding naming the alarm, the field, planned and expected`, async (t) => {
        const target = alarm(base, b.pick);
        const o = await run(edited(base, target, b.edit));
        t.is(o.level, "mandatory");
        const name = String((target.props as Props).name);
        const hit = o.violations.find((v) => v.message.includes(`"${name}"`) && b.expect.test(v.message));
        t.truthy(hit, `expected ${b.expect} on ${name}, got:\n${o.violations.map((v) => v.message).join("\n")}`);
        // The exception key is the narrowest the program accepts (the level's threshold or for), never a prefix.
        for (const v of o.violations) if (v.key) t.true(acceptedExceptionKey("formula-pm", v.key), `${v.key} is a key the program accepts`);
        t.regex(hit!.key ?? "", /^alerts\.[a-z0-9-]+\.(critical|warning|info)\.(threshold|for)$/);
    });
}

test("a dimension unknown until deploy is compared by the resource it comes from", async (t) => {
    const target = alarm(base, ecs);
    const unknown = edited(base, target, (p) => (p.dimensions.ServiceName = UNKNOWN_STRING));
    t.is((await run(unknown)).status, "pass", "unknown, from the ECS service the alarm depends on: passes");
    const orphan = { ...unknown, resources: unknown.resources.map((r) => (r.urn === target.urn ? { ...r, options: { ...r.options, dependsOn: r.options.dependsOn.filter((d) => !/ecs\/service:Service/.test(d)) } } : r)) };
    const o = await run(orphan);
    t.true(
        o.violations.some((v) => /dimensions\.ServiceName is \[unknown\], the platform's alarm has a value of ECS service "\w+" \(aws:ecs\/service:Service "formula-pm-services-\w+"\), which the alarm does not depend on/.test(v.message)),
        o.violations.map((v) => v.message).join("\n"),
    );
});

test("a renamed alarm that still claims the level is compared with the level's alarms; a tighter copy raises nothing", async (t) => {
    const target = alarm(base, ecs);
    const renamed = edited(base, target, (p) => ((p.name = `${p.name}-renamed`), (p.metricName = "NotPublished")));
    const o = await run(renamed);
    t.true(o.violations.some((v) => /-renamed" \([^)]*\), which matches none of the platform's \d+ alarm\(s\) for this level \(compared with the closest\): metricName is "NotPublished"/.test(v.message)), o.violations.map((v) => v.message).join("\n"));
    // An extra alarm measuring the same, firing sooner (>=, one datapoint fewer, missing data breaching): tighter, passes.
    const src = structuredClone(target);
    const p = src.props as Props;
    Object.assign(p, { name: `${p.name}-early`, comparisonOperator: "GreaterThanOrEqualToThreshold", datapointsToAlarm: Math.max(1, p.datapointsToAlarm - 1), treatMissingData: "breaching" });
    const tighter = { ...base, resources: [...base.resources, { ...src, inputs: p, urn: `${src.urn}-early`, name: `${src.name}-early` }] };
    t.is((await run(tighter)).status, "pass");
});

test("an exception for the level's key turns the finding into the declared exception", async (t) => {
    const target = alarm(base, backup);
    const broken = edited(base, target, (p) => (p.treatMissingData = "notBreaching"));
    const key = (await run(broken)).violations.find((v) => /treatMissingData/.test(v.message))?.key;
    t.truthy(key);
    const o = await run(broken, [{ key: key!, reason: "reviewed: test" }]);
    t.false(o.violations.some((v) => /treatMissingData/.test(v.message)), "excepted with the finding's own key");
});

/** The compliance-policies pattern on a hand-built bunty production stack: an ECS, an RDS and an AWS Backup alarm and what they point at. */
const BUNTY = "bunty-production";
const GiB = 1024 ** 3;
function buntyAlarms(): Fake[] {
    const alarmOf = (name: string, deps: string[], props: Props): Fake => ({ type: ALARM, name: `bunty-monitoring-${name}`, dependsOn: deps, props: { name: `${BUNTY}-${name}`, ...props } });
    const tags = (alert: string, severity: string, signal: string) => ({ "runbook:alert": alert, "runbook:severity": severity, "runbook:signal": signal, "runbook:notifies": "true" });
    return [
        { type: "aws:ecs/cluster:Cluster", name: "bunty-services-cluster", props: { name: BUNTY } },
        { type: "aws:ecs/service:Service", name: "bunty-services-backend", props: { name: "backend" } },
        { type: "aws:rds/instance:Instance", name: "bunty-postgres-primary", props: { identifier: `${BUNTY}-postgres` } },
        { type: "aws:backup/vault:Vault", name: "bunty-backups-postgres-vault", props: { name: `${BUNTY}-postgres` } },
        alarmOf("memory-usage-critical-ecs-backend", ["bunty-services-cluster", "bunty-services-backend"], {
            namespace: "AWS/ECS",
            metricName: "MemoryUtilization",
            dimensions: { ClusterName: BUNTY, ServiceName: "backend" },
            statistic: "Maximum",
            period: 60,
            evaluationPeriods: 5,
            datapointsToAlarm: 5,
            comparisonOperator: "GreaterThanThreshold",
            threshold: 90,
            treatMissingData: "notBreaching",
            tags: tags("memory-usage", "critical", "memory_usage"),
        }),
        alarmOf("disk-usage-critical-rds-primary", ["bunty-postgres-primary"], {
            metricQueries: [
                { id: "e1", expression: `100 * (1 - m1 / ${RDS_ALLOCATED_STORAGE_GIB * GiB})`, label: "disk-usage", returnData: true },
                { id: "m1", returnData: false, metric: { namespace: "AWS/RDS", metricName: "FreeStorageSpace", dimensions: { DBInstanceIdentifier: `${BUNTY}-postgres` }, period: 60, stat: "Minimum" } },
            ],
            evaluationPeriods: 5,
            datapointsToAlarm: 5,
            comparisonOperator: "GreaterThanThreshold",
            threshold: 90,
            treatMissingData: "notBreaching",
            tags: tags("disk-usage", "critical", "disk_usage"),
        }),
        alarmOf("backup-overdue-warning-backup-postgres", ["bunty-backups-postgres-vault"], {
            namespace: "AWS/Backup",
            metricName: "NumberOfBackupJobsCompleted",
            dimensions: { BackupVaultName: `${BUNTY}-postgres`, ResourceType: "RDS" },
            statistic: "Sum",
            period: 3600,
            // Fewer hours than the runbook's window: tighter, and no concern of this policy's.
            evaluationPeriods: 1,
            datapointsToAlarm: 1,
            comparisonOperator: "LessThanThreshold",
            threshold: 1,
            treatMissingData: "breaching",
            tags: tags("backup-overdue", "warning", "backup_age"),
        }),
    ];
}

test("aws-cloudwatch-alarm-metric-spec: compliant and one-field-broken fixtures", async (t) => {
    const a = (rs: Fake[], part: string) => find(rs, `bunty-monitoring-${part}`).props;
    await compliantAndBroken(t, "aws-cloudwatch-alarm-metric-spec", BUNTY, buntyAlarms, {
        namespace: { edit: (rs) => (a(rs, "memory-usage-critical-ecs-backend").namespace = "ECS/ContainerInsights"), expect: /namespace is "ECS\/ContainerInsights", the platform's alarm has "AWS\/ECS"/ },
        metricName: { edit: (rs) => (a(rs, "memory-usage-critical-ecs-backend").metricName = "MemoryReservation"), expect: /metricName is "MemoryReservation"/ },
        "a dimension naming a service that does not exist": { edit: (rs) => (a(rs, "memory-usage-critical-ecs-backend").dimensions.ServiceName = "backend-old"), expect: /dimensions\.ServiceName is "backend-old", the platform's alarm has ECS service "backend"/ },
        "the resource pointed at is not planned": { edit: (rs) => rs.splice(rs.indexOf(find(rs, "bunty-postgres-primary")), 1), expect: /DBInstanceIdentifier is "bunty-production-postgres", the platform's alarm has RDS instance "bunty-production-postgres", which the plan does not create/ },
        statistic: { edit: (rs) => (a(rs, "memory-usage-critical-ecs-backend").statistic = "Average"), expect: /statistic is "Average", the platform's alarm has "Maximum"/ },
        "metric math expression": { edit: (rs) => (a(rs, "disk-usage-critical-rds-primary").metricQueries[0].expression = "m1 * 0"), expect: /metricQueries\[e1\]\.expression is "m1 \* 0"/ },
        "metric math returnData": { edit: (rs) => (a(rs, "disk-usage-critical-rds-primary").metricQueries[1].returnData = true), expect: /metricQueries\[m1\]\.returnData is true, the platform's alarm has false/ },
        treatMissingData: { edit: (rs) => delete a(rs, "backup-overdue-warning-backup-postgres").treatMissingData, expect: /treatMissingData is "missing", the platform's alarm has "breaching"/ },
        comparisonOperator: { edit: (rs) => (a(rs, "backup-overdue-warning-backup-postgres").comparisonOperator = "GreaterThanThreshold"), expect: /comparisonOperator is "GreaterThanThreshold", the platform's alarm has "LessThanThreshold"/ },
        datapointsToAlarm: { edit: (rs) => (a(rs, "memory-usage-critical-ecs-backend").datapointsToAlarm = 6), expect: /datapointsToAlarm is 6, the platform's alarm has at most 5 and at most evaluationPeriods 5/ },
    });
});
