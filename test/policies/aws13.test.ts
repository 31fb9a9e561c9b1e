import test from "ava";
import { awsNames } from "../../capabilities/aws/names";
import { awslogs } from "../../capabilities/aws/containers";
import { backupRules } from "../../capabilities/aws/backups";
import { formatWeekly, maintenanceWindow } from "../../capabilities/aws/windows";
import { clusterSpec } from "../../capabilities/kubernetes/postgres";
import { names } from "../../capabilities/kubernetes/names";
import { cloudWatchRetentionDays } from "../../capabilities/aws/logs";
import { getRunbook, type AppId } from "../../runbooks";
import { ECS_ROLLING } from "../../policies/lib/ecs-deployment";
import { check, compliantAndBroken, find, type Fake } from "./helpers";

/**
 * Review findings 10 (production), 13, 14 (AWS provenance) and 15 (fix13, aws13): one compliant
 * fixture per policy, built from the platform's generators and the runbook data, broken one field
 * at a time; tightening edits pass. The plan-based probes (alarm sample counts, log regions, the
 * generated deployment percents) are in aws13-plan.test.ts.
 */

const REGION = "us-east-1";
const KEY = `arn:aws:kms:${REGION}:123456789012:key/data`;

// ---- aws-ecs-service-capacity (finding 13) ----
const BUNTY: AppId = "bunty";
const B_STACK = `${BUNTY}-production`;
const bn = awsNames(BUNTY, "production");
const backend = getRunbook(BUNTY).services.find((s) => s.name === "backend")!;

function ecs(): Fake[] {
    const name = bn.ecsService(backend.name);
    return [
        {
            type: "aws:ecs/service:Service",
            name: "services-backend",
            props: { name, desiredCount: backend.scaling.desired, deploymentMinimumHealthyPercent: ECS_ROLLING.minimumHealthyPercent.value, deploymentMaximumPercent: ECS_ROLLING.maximumPercent.value },
        },
        { type: "aws:appautoscaling/target:Target", name: "services-backend-scaling", props: { resourceId: `service/${bn.cluster}/${name}`, minCapacity: backend.scaling.min, maxCapacity: backend.scaling.max } },
    ];
}
const svc = (rs: Fake[]) => find(rs, "services-backend").props;

test("aws-ecs-service-capacity: desiredCount and deployment percents as generated, never below the scalable target's minimum", async (t) => {
    await compliantAndBroken(t, "aws-ecs-service-capacity", B_STACK, ecs, {
        "desiredCount 0": { edit: (rs) => (svc(rs).desiredCount = 0), expect: new RegExp(`desiredCount is 0; allowed: at least ${backend.scaling.desired}`) },
        "desiredCount unset": { edit: (rs) => delete svc(rs).desiredCount, expect: /desiredCount is unset \(0 tasks\)/ },
        "desiredCount below a raised target minimum": {
            edit: (rs) => (find(rs, "services-backend-scaling").props.minCapacity = backend.scaling.desired + 1),
            expect: new RegExp(`allowed: at least ${backend.scaling.desired + 1}, .*keeps at least ${backend.scaling.desired + 1}`),
        },
        "deploymentMinimumHealthyPercent 0": { edit: (rs) => (svc(rs).deploymentMinimumHealthyPercent = 0), expect: /deploymentMinimumHealthyPercent is 0; allowed: at least 100, as generated \(a platform default/ },
        "deploymentMaximumPercent 100": { edit: (rs) => (svc(rs).deploymentMaximumPercent = 100), expect: /deploymentMaximumPercent is 100; allowed: at least 200/ },
    });
    const tighter = ecs();
    Object.assign(svc(tighter), { desiredCount: backend.scaling.max, deploymentMaximumPercent: 300 });
    delete svc(tighter).deploymentMinimumHealthyPercent; // ECS's default for a replica service: 100
    t.deepEqual((await check("aws-ecs-service-capacity", B_STACK, tighter)).messages, [], "more tasks, a wider surge and ECS's default pass");
    const bunty = (await check("aws-ecs-service-capacity", B_STACK, (() => { const rs = ecs(); svc(rs).desiredCount = 0; return rs; })())).messages.join("\n");
    t.regex(bunty, /the platform default runs backend/, "bunty's scaling is defaulted: the message says so");
});

// ---- aws-ecs-container-log-destination (finding 10, production) ----
const GROUP = bn.logGroup("ecs/backend");
function logs(): Fake[] {
    return [
        { type: "aws:cloudwatch/logGroup:LogGroup", name: "services-backend-logs", props: { name: GROUP, retentionInDays: cloudWatchRetentionDays(getRunbook(BUNTY).logs.retentionDays), kmsKeyId: KEY } },
        {
            type: "aws:ecs/taskDefinition:TaskDefinition",
            name: "services-backend",
            props: { family: "bunty-backend", containerDefinitions: JSON.stringify([{ name: "task-init", logConfiguration: awslogs(GROUP, REGION, "task-init") }, { name: "backend", logConfiguration: awslogs(GROUP, REGION, "backend") }]) },
        },
    ];
}
const editContainers = (rs: Fake[], edit: (c: Record<string, any>) => void) => {
    const td = find(rs, "services-backend");
    const cs = JSON.parse(td.props.containerDefinitions);
    edit(cs[1]);
    td.props.containerDefinitions = JSON.stringify(cs);
};

test("aws-ecs-container-log-destination: every container logs with awslogs to one of the stack's log groups", async (t) => {
    await compliantAndBroken(t, "aws-ecs-container-log-destination", B_STACK, logs, {
        "logConfiguration removed": { edit: (rs) => editContainers(rs, (c) => delete c.logConfiguration), expect: /container "backend": logConfiguration is unset/ },
        "another driver": { edit: (rs) => editContainers(rs, (c) => (c.logConfiguration = { logDriver: "none" })), expect: /logDriver is "none"; allowed: "awslogs"/ },
        "an unmanaged group": { edit: (rs) => editContainers(rs, (c) => (c.logConfiguration.options["awslogs-group"] = "/tmp/unmanaged")), expect: new RegExp(`awslogs-group is "/tmp/unmanaged", a group the stack does not create.*allowed: "${GROUP}"`) },
        "the stack's group deleted": { edit: (rs) => rs.splice(rs.findIndex((r) => r.name === "services-backend-logs"), 1), expect: /a group the stack does not create/ },
        "no region": { edit: (rs) => editContainers(rs, (c) => delete c.logConfiguration.options["awslogs-region"]), expect: /awslogs-region is undefined/ },
    });
    const other = logs();
    editContainers(other, (c) => (c.logConfiguration.options["awslogs-stream-prefix"] = "api"));
    t.deepEqual((await check("aws-ecs-container-log-destination", B_STACK, other)).messages, [], "another stream prefix in the same group passes");
});

// ---- aws-cloudwatch-loggroup-encryption and the log class (finding 15) ----
test("aws-cloudwatch-loggroup-encryption and -retention: the stack's KMS key, the STANDARD class", async (t) => {
    const group = () => [logs()[0]];
    await compliantAndBroken(t, "aws-cloudwatch-loggroup-encryption", B_STACK, group, {
        "kmsKeyId removed": { edit: (rs) => delete rs[0].props.kmsKeyId, expect: /kmsKeyId is unset, so CloudWatch encrypts it with its own key/ },
        "kmsKeyId empty": { edit: (rs) => (rs[0].props.kmsKeyId = ""), expect: /kmsKeyId is ""/ },
    });
    await compliantAndBroken(t, "aws-cloudwatch-loggroup-retention", B_STACK, group, {
        "DELIVERY class": { edit: (rs) => (rs[0].props.logGroupClass = "DELIVERY"), expect: /logGroupClass is "DELIVERY"; allowed: "STANDARD" or unset.*the platform default keeps logs/ },
        "INFREQUENT_ACCESS class": { edit: (rs) => (rs[0].props.logGroupClass = "INFREQUENT_ACCESS"), expect: /logGroupClass is "INFREQUENT_ACCESS"/ },
        "retention shorter (provenance: bunty's is defaulted)": { edit: (rs) => (rs[0].props.retentionInDays = 1), expect: /retentionInDays is 1; the platform default keeps logs \d+ days \(a platform default, not the runbook's: / },
    });
    const standard = group();
    Object.assign(standard[0].props, { logGroupClass: "STANDARD", retentionInDays: 3653 });
    t.deepEqual((await check("aws-cloudwatch-loggroup-retention", B_STACK, standard)).messages, [], "STANDARD and a longer retention pass");
});

// ---- aws-backup-plan-windows (finding 15) ----
const GPM: AppId = "gravitypm";
const G_STACK = `${GPM}-production`;
const rules = backupRules(getRunbook(GPM));
function plans(): Fake[] {
    return rules.map((r) => ({
        type: "aws:backup/plan:Plan",
        name: `backups-${r.name}-plan`,
        props: { name: `${G_STACK}-${r.name}`, rules: [{ ruleName: r.name, schedule: r.schedule, scheduleExpressionTimezone: "Etc/UTC", startWindow: r.startWindowMinutes, completionWindow: r.completionWindowMinutes, lifecycle: { deleteAfter: r.deleteAfterDays } }] },
    }));
}
const rule0 = (rs: Fake[]) => rs[0].props.rules[0];

test("aws-backup-plan-windows: start window at most, completion window at least as generated, the schedule in UTC", async (t) => {
    await compliantAndBroken(t, "aws-backup-plan-windows", G_STACK, plans, {
        "completionWindow shorter": { edit: (rs) => (rule0(rs).completionWindow = rules[0].completionWindowMinutes - 60), expect: new RegExp(`completionWindow is ${rules[0].completionWindowMinutes - 60}; allowed: at least ${rules[0].completionWindowMinutes} minutes`) },
        "startWindow unset (AWS: 8 hours)": { edit: (rs) => delete rule0(rs).startWindow, expect: /startWindow is unset \(AWS waits up to 8 hours\); allowed: at most/ },
        "startWindow longer": { edit: (rs) => (rule0(rs).startWindow = 480), expect: new RegExp(`startWindow is 480; allowed: at most ${rules[0].startWindowMinutes}`) },
        "another time zone": { edit: (rs) => (rule0(rs).scheduleExpressionTimezone = "Pacific/Kiritimati"), expect: /scheduleExpressionTimezone is "Pacific\/Kiritimati"; allowed: "Etc\/UTC" or unset/ },
    });
    const tighter = plans();
    Object.assign(rule0(tighter), { completionWindow: rules[0].completionWindowMinutes * 4 });
    delete rule0(tighter).scheduleExpressionTimezone;
    t.deepEqual((await check("aws-backup-plan-windows", G_STACK, tighter)).messages, [], "a longer completion window and the UTC default pass");
    // A schedule twice as frequent as the runbook's, with the window the generator gives that interval (the job ends before the next starts).
    const frequent = plans();
    const r0 = rules[0];
    const half = r0.everySeconds / 2 / 3600;
    Object.assign(rule0(frequent), { schedule: `cron(0 */${half} * * ? *)`, completionWindow: Math.max(r0.startWindowMinutes + 60, Math.min(r0.completionWindowMinutes, half * 60 - r0.startWindowMinutes)) });
    t.true(Number.isInteger(half), "the first rule's interval halves into whole hours");
    t.deepEqual((await check("aws-backup-plan-windows", G_STACK, frequent)).messages, [], "a more frequent schedule with its own shorter completion window passes");
});

// ---- provenance of the AWS backup and window messages (finding 14) ----
test("AWS backup retention and maintenance window messages say 'platform default' with the reason where the number is defaulted", async (t) => {
    const shortPlans = plans();
    for (const p of shortPlans) p.props.rules[0].lifecycle.deleteAfter = 1;
    const plan = (await check("aws-backup-plan-runbook-schedule", G_STACK, shortPlans)).messages.join("\n");
    t.regex(plan, /and the platform default keeps it \d+ days \(a platform default, not the runbook's: /, "gravitypm's retentionDays is defaulted");
    t.notRegex(plan, /the runbook backs up \S+ every .* and keeps \d+ days \(runbook/, "never the runbook's");
    const rds = (app: AppId, props: Record<string, unknown>) => check(props.maintenanceWindow ? "aws-data-maintenance-window" : "aws-rds-instance-backup-retention", `${app}-production`, [{ type: "aws:rds/instance:Instance", name: "postgres-primary", props: { identifier: `${app}-production-postgres`, ...props } }]);
    t.regex((await rds(BUNTY, { backupRetentionPeriod: 1 })).messages.join(), /the platform default keeps postgres backups \d+ days \(a platform default, not the runbook's: /);
    t.regex((await rds("formula-pm", { backupRetentionPeriod: 1 })).messages.join(), /the runbook keeps postgres backups \d+ days \(runbook /, "formula-pm states its retention");
    const window = formatWeekly(maintenanceWindow(getRunbook(BUNTY)));
    t.deepEqual((await rds(BUNTY, { maintenanceWindow: window, backupRetentionPeriod: 35 })).messages, []);
    t.regex((await rds(BUNTY, { maintenanceWindow: "mon:12:00-mon:13:00" })).messages.join(), /the platform's default maintenanceWindow .*\(a platform default, not the runbook's: /);
});

// ---- k8s-cnpg-cluster-backup-destination (finding 15) ----
const K_STACK = `${BUNTY}-staging`;
function cnpg(): Fake[] {
    const n = names(BUNTY, BUNTY);
    return [{ type: "kubernetes:postgresql.cnpg.io/v1:Cluster", name: "postgres-cluster", props: { metadata: { name: n.postgres, namespace: n.namespace }, spec: clusterSpec(getRunbook(BUNTY), "staging", n) } }];
}
const store = (rs: Fake[]) => rs[0].props.spec.backup.barmanObjectStore;

test("k8s-cnpg-cluster-backup-destination: base backups and WAL go to the stack's backup bucket on its object store", async (t) => {
    await compliantAndBroken(t, "k8s-cnpg-cluster-backup-destination", K_STACK, cnpg, {
        "another bucket": { edit: (rs) => (store(rs).destinationPath = "s3://elsewhere/cnpg"), expect: /destinationPath is "s3:\/\/elsewhere\/cnpg"; allowed: "s3:\/\/[^"]+\/cnpg", as generated/ },
        "another endpoint": { edit: (rs) => (store(rs).endpointURL = "https://s3.example.invalid"), expect: /endpointURL is "https:\/\/s3.example.invalid"/ },
        "another Secret": { edit: (rs) => (store(rs).s3Credentials.accessKeyId.name = "other"), expect: /s3Credentials.accessKeyId.name is "other"/ },
    });
    const tighter = cnpg();
    store(tighter).wal = { compression: "bzip2" };
    t.deepEqual((await check("k8s-cnpg-cluster-backup-destination", K_STACK, tighter)).messages, [], "other compression passes");
});
