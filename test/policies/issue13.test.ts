import test from "ava";
import { check, compliantAndBroken, find, type Fake } from "./helpers";
import { getRunbook } from "../../runbooks";
import { durationSeconds } from "../../runbooks/units";
import { quickestLevel, selects } from "../../policies/lib/selectors";
import { DEFAULTS } from "../../runbooks/defaults";
import { kubePrometheusStackValues } from "../../capabilities/kubernetes/monitoring";
import { names } from "../../capabilities/kubernetes/names";

/**
 * Issue 13: loopholes an adversarial review found — guards that exist yet are switched off outside
 * the settings the older policies read. One file (one ava worker) for all of them; each block is one
 * policy's compliant fixture and one-field breaks.
 */

// ---- pipeline-intact ----
{
    /**
     * aws-alerting-pipeline-intact (issue 13, class A: the alerting pipeline switched off outside the
     * Alertmanager configuration). The fixture is the path a critical alert takes on AWS: AMP publishes
     * to the critical topic, SNS invokes the pager forwarder, which reads its routing key from a
     * secret; AMP's Watchdog goes to the heartbeat topic, whose silence an alarm pages on.
     */

    const ACCOUNT = "123456789012";
    const arn = (topic: string) => `arn:aws:sns:us-east-1:${ACCOUNT}:bunty-production-${topic}`;
    const topicPolicy = (topic: string) =>
        JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Sid: "AlertPublishers", Effect: "Allow", Principal: { Service: ["aps.amazonaws.com", "cloudwatch.amazonaws.com"] }, Action: ["sns:Publish"], Resource: arn(topic) }],
        });

    function fixture(): Fake[] {
        return [
            ...["critical", "heartbeat"].flatMap((t): Fake[] => [
                { type: "aws:sns/topic:Topic", name: `topic-${t}`, props: { name: `bunty-production-${t}` } },
                { type: "aws:sns/topicPolicy:TopicPolicy", name: `policy-${t}`, props: { arn: arn(t), policy: topicPolicy(t) } },
            ]),
            { type: "aws:secretsmanager/secret:Secret", name: "pager-routing-key", props: { description: "PagerDuty routing key" } },
            {
                type: "aws:lambda/function:Function",
                name: "pager",
                props: {
                    name: "bunty-production-pager",
                    environment: { variables: { EVENTS_URL: "https://events.pagerduty.com/v2/enqueue", ROUTING_KEY_SECRET_ARN: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:pager-routing-key-AbCdEf` } },
                },
            },
            { type: "aws:lambda/permission:Permission", name: "pager-critical", props: { action: "lambda:InvokeFunction", function: "bunty-production-pager", principal: "sns.amazonaws.com", sourceArn: arn("critical") } },
            { type: "aws:sns/topicSubscription:TopicSubscription", name: "critical-pager", props: { topic: arn("critical"), protocol: "lambda", endpoint: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:bunty-production-pager` } },
            {
                type: "aws:amp/alertManagerDefinition:AlertManagerDefinition",
                name: "alertmanager",
                props: { definition: `alertmanager_config: |\n  receivers:\n    - name: pager\n      sns_configs:\n        - topic_arn: ${arn("critical")}\n    - name: deadmans-switch\n      sns_configs:\n        - topic_arn: ${arn("heartbeat")}\n` },
            },
            {
                type: "aws:cloudwatch/metricAlarm:MetricAlarm",
                name: "heartbeat",
                props: {
                    namespace: "AWS/SNS",
                    metricName: "NumberOfMessagesPublished",
                    dimensions: { TopicName: "bunty-production-heartbeat" },
                    statistic: "Sum",
                    period: 300,
                    evaluationPeriods: 3,
                    comparisonOperator: "LessThanThreshold",
                    threshold: 1,
                    treatMissingData: "breaching",
                    alarmActions: [arn("critical")],
                },
            },
        ];
    }

    const statements = (rs: Fake[]) => find(rs, "policy-critical").props;

    test("aws-alerting-pipeline-intact: a critical alert's path from AMP to the pager is open, and its silence pages", async (t) => {
        await compliantAndBroken(t, "aws-alerting-pipeline-intact", "bunty-production", fixture, {
            "the critical topic's policy denies publishing": { edit: (rs) => (statements(rs).policy = statements(rs).policy.replace('"Allow"', '"Deny"')), expect: /denies sns:Publish to aps\.amazonaws\.com, cloudwatch\.amazonaws\.com/ },
            "the critical topic's policy allows only CloudWatch": {
                edit: (rs) => (statements(rs).policy = statements(rs).policy.replace('["aps.amazonaws.com","cloudwatch.amazonaws.com"]', '["cloudwatch.amazonaws.com"]')),
                expect: /allows aps\.amazonaws\.com no sns:Publish/,
            },
            "the critical topic's policy deleted": { edit: (rs) => rs.splice(rs.indexOf(find(rs, "policy-critical")), 1), expect: /no aws:sns\/topicPolicy:TopicPolicy/ },
            "the pager's invoke permission deleted": { edit: (rs) => rs.splice(rs.indexOf(find(rs, "pager-critical")), 1), expect: /no aws:lambda\/permission:Permission lets sns\.amazonaws\.com invoke it/ },
            "the pager's permission for another principal": { edit: (rs) => (find(rs, "pager-critical").props.principal = "events.amazonaws.com"), expect: /lets sns\.amazonaws\.com invoke it/ },
            "the pager throttled to zero": { edit: (rs) => (find(rs, "pager").props.reservedConcurrentExecutions = 0), expect: /reservedConcurrentExecutions is 0/ },
            "the pager reads a secret the stack does not manage": {
                edit: (rs) => (find(rs, "pager").props.environment.variables.ROUTING_KEY_SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:someone-elses-key-XyZ123`),
                expect: /ROUTING_KEY_SECRET_ARN = \S+someone-elses-key-XyZ123 is not a secret of this stack \(pager-routing-key\)/,
            },
            "the heartbeat alarm deleted": { edit: (rs) => rs.splice(rs.indexOf(find(rs, "heartbeat")), 1), expect: /has a CloudWatch alarm on NumberOfMessagesPublished, the dead-man's switch/ },
            "the heartbeat alarm's actions off": { edit: (rs) => (find(rs, "heartbeat").props.actionsEnabled = false), expect: /dead-man's switch on AMP's Watchdog but actionsEnabled is false/ },
            "the heartbeat alarm notifies a topic that pages no one": { edit: (rs) => (find(rs, "heartbeat").props.alarmActions = [arn("heartbeat")]), expect: /none of its alarmActions \S+bunty-production-heartbeat\) is a topic that pages/ },
            "the heartbeat alarm treats silence as fine": { edit: (rs) => (find(rs, "heartbeat").props.treatMissingData = "notBreaching"), expect: /treatMissingData is notBreaching, not breaching/ },
        });
    });

    test("aws-alerting-pipeline-intact: tightening passes (an extra Allow, reserved concurrency above zero, a second heartbeat alarm)", async (t) => {
        const rs = fixture();
        const p = JSON.parse(statements(rs).policy);
        p.Statement.push({ Sid: "Events", Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sns:Publish", Resource: arn("critical") });
        statements(rs).policy = JSON.stringify(p);
        find(rs, "pager").props.reservedConcurrentExecutions = 5;
        rs.push({ ...structuredClone(find(rs, "heartbeat")), name: "heartbeat-2" });
        t.deepEqual((await check("aws-alerting-pipeline-intact", "bunty-production", rs)).messages, []);
    });
}

// ---- pipeline-enabled ----
{
    /**
     * k8s-alerting-pipeline-enabled (issue 13, class A: the in-cluster alerting pipeline switched off in
     * the kube-prometheus-stack values, outside the Alertmanager configuration the paging policy reads).
     */

    const NS = "bunty-monitoring";
    const generatedSpec = () => {
        const spec = (kubePrometheusStackValues(getRunbook("bunty"), names("bunty", "bunty")) as Record<string, any>).prometheus.prometheusSpec;
        return { scrapeInterval: spec.scrapeInterval, retention: spec.retention, retentionSize: spec.retentionSize };
    };

    function fixture(): Fake[] {
        return [
            { type: "kubernetes:core/v1:Namespace", name: "ns", props: { metadata: { name: NS, labels: { "app.kubernetes.io/part-of": "bunty" } } } },
            { type: "kubernetes:core/v1:Secret", name: "am-config", props: { metadata: { name: "bunty-alertmanager-config", namespace: NS }, stringData: { "alertmanager.yaml": "route: {}" } } },
            {
                type: "kubernetes:helm.sh/v3:Release",
                name: "kps",
                props: {
                    chart: "kube-prometheus-stack",
                    name: "kps",
                    namespace: NS,
                    version: "65.1.1",
                    values: {
                        alertmanager: { alertmanagerSpec: { useExistingSecret: true, configSecret: "bunty-alertmanager-config" } },
                        // The generated scrape cadence and history (fix13: held to kubePrometheusStackValues).
                        prometheus: { prometheusSpec: { ...generatedSpec(), ruleSelectorNilUsesHelmValues: false, evaluationInterval: "15s" } },
                    },
                },
            },
            {
                type: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
                name: "rules",
                props: { metadata: { name: "bunty-runbook-alerts", namespace: NS, labels: { "app.kubernetes.io/part-of": "bunty" } }, spec: { groups: [{ name: "bunty-staging", rules: [] }] } },
            },
        ];
    }

    const values = (rs: Fake[]) => find(rs, "kps").props.values;

    test("k8s-alerting-pipeline-enabled: Alertmanager and Prometheus run, read the stack's configuration and rules, and evaluate in time", async (t) => {
        const quickest = quickestLevel(getRunbook("bunty"))!;
        await compliantAndBroken(t, "k8s-alerting-pipeline-enabled", "bunty-staging", fixture, {
            "Alertmanager disabled": { edit: (rs) => (values(rs).alertmanager.enabled = false), expect: /alertmanager\.enabled is false/ },
            "no Alertmanager replica": { edit: (rs) => (values(rs).alertmanager.alertmanagerSpec.replicas = 0), expect: /alertmanagerSpec\.replicas is 0/ },
            "Alertmanager reads another Secret": { edit: (rs) => (values(rs).alertmanager.alertmanagerSpec.configSecret = "other-secret"), expect: /configSecret is "other-secret", not a Secret this stack creates in bunty-monitoring/ },
            "Prometheus disabled": { edit: (rs) => (values(rs).prometheus.enabled = false), expect: /prometheus\.enabled is false/ },
            "no Prometheus replica": { edit: (rs) => (values(rs).prometheus.prometheusSpec.replicas = 0), expect: /prometheusSpec\.replicas is 0/ },
            "a rule selector no rule matches": { edit: (rs) => (values(rs).prometheus.prometheusSpec.ruleSelector = { matchLabels: { team: "nobody" } }), expect: /ruleSelector \{"matchLabels":\{"team":"nobody"\}\} does not select/ },
            "the chart's release selector": { edit: (rs) => delete values(rs).prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues, expect: /ruleSelector \{"matchLabels":\{"release":"kps"\}\} does not select/ },
            "a namespace selector that leaves out the rules' namespace": {
                edit: (rs) => (values(rs).prometheus.prometheusSpec.ruleNamespaceSelector = { matchExpressions: [{ key: "app.kubernetes.io/part-of", operator: "NotIn", values: ["bunty"] }] }),
                expect: /ruleNamespaceSelector .* does not select namespace bunty-monitoring/,
            },
            "rules evaluated every 30 minutes": { edit: (rs) => (values(rs).prometheus.prometheusSpec.evaluationInterval = "30m"), expect: new RegExp(`evaluationInterval is "30m": rules are evaluated less often than ${quickest.seconds}s`) },
            "a rule group evaluated every 30 minutes": { edit: (rs) => (find(rs, "rules").props.spec.groups[0].interval = "30m"), expect: /group "bunty-staging" interval "30m"/ },
        });
    });

    test("k8s-alerting-pipeline-enabled: tightening passes (more replicas, a selector the rules match, a shorter interval)", async (t) => {
        const rs = fixture();
        values(rs).alertmanager.alertmanagerSpec.replicas = 3;
        values(rs).prometheus.prometheusSpec.replicas = 2;
        values(rs).prometheus.prometheusSpec.ruleSelector = { matchLabels: { "app.kubernetes.io/part-of": "bunty" } };
        values(rs).prometheus.prometheusSpec.evaluationInterval = "10s";
        t.deepEqual((await check("k8s-alerting-pipeline-enabled", "bunty-staging", rs)).messages, []);
    });

    test("quickestLevel is the runbook's shortest non-zero `for`; selects follows Kubernetes label selectors", (t) => {
        const rb = getRunbook("bunty");
        const fors = rb.alerts.flatMap((a) => a.levels.map((l) => durationSeconds(l.for))).filter((s) => s > 0);
        t.is(quickestLevel(rb)?.seconds, Math.min(...fors));
        t.true(selects({}, {}));
        t.true(selects({ matchExpressions: [{ key: "a", operator: "Exists" }] }, { a: "1" }));
        t.false(selects({ matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, { a: "1" }));
        t.false(selects({ matchExpressions: [{ key: "a", operator: "In", values: ["2"] }] }, { a: "1" }));
        t.false(selects({ matchLabels: { a: "1" } }, {}));
    });
}

// ---- backup-selection ----
{
    /**
     * aws-backup-selection-effective (issue 13, class B: AWS Backup wiring that exists but backs up or
     * restore-tests nothing). The fixture is one dataset's chain as the AWS target builds it.
     */

    const ACCOUNT = "123456789012";
    const VAULT = "bunty-production-postgres";
    const vaultArn = (name: string) => `arn:aws:backup:us-east-1:${ACCOUNT}:backup-vault:${name}`;

    function fixture(): Fake[] {
        return [
            { type: "aws:rds/instance:Instance", name: "postgres-primary", props: { engine: "postgres", tags: { app: "bunty", "backup:postgres": "true" } } },
            { type: "aws:iam/role:Role", name: "backups-role", props: { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }] }) } },
            { type: "aws:backup/vault:Vault", name: "postgres-vault", props: { name: VAULT } },
            { type: "aws:backup/vaultLockConfiguration:VaultLockConfiguration", name: "postgres-lock", props: { backupVaultName: VAULT, changeableForDays: 3, minRetentionDays: 30 } },
            {
                type: "aws:backup/plan:Plan",
                name: "postgres-plan",
                props: { name: VAULT, rules: [{ ruleName: "postgres", schedule: "cron(0 1 * * ? *)", targetVaultName: VAULT, lifecycle: { deleteAfter: 30 } }] },
            },
            {
                type: "aws:backup/selection:Selection",
                name: "postgres-selection",
                props: { name: VAULT, planId: "postgres-plan-id", iamRoleArn: `arn:aws:iam::${ACCOUNT}:role/backups-role-1a2b3c4`, selectionTags: [{ key: "backup:postgres", type: "STRINGEQUALS", value: "true" }] },
            },
            {
                type: "aws:backup/restoreTestingPlan:RestoreTestingPlan",
                name: "restore-testing",
                props: { name: "bunty_production", scheduleExpression: "cron(30 5 1 * ? *)", recoveryPointSelection: { algorithm: "LATEST_WITHIN_WINDOW", includeVaults: [vaultArn(VAULT)], recoveryPointTypes: ["SNAPSHOT"], selectionWindowDays: 7 } },
            },
            {
                type: "aws:backup/restoreTestingSelection:RestoreTestingSelection",
                name: "restore-postgres",
                props: { name: "postgres", restoreTestingPlanName: "bunty_production", protectedResourceType: "RDS", protectedResourceConditions: { stringEquals: [{ key: "aws:ResourceTag/backup:postgres", value: "true" }] } },
            },
        ];
    }

    const sel = (rs: Fake[]) => find(rs, "postgres-selection").props;
    const rp = (rs: Fake[]) => find(rs, "restore-testing").props.recoveryPointSelection;

    test("aws-backup-selection-effective: the selection backs up the dataset into the locked vault, and restore tests read it", async (t) => {
        await compliantAndBroken(t, "aws-backup-selection-effective", "bunty-production", fixture, {
            "notResources excludes everything": { edit: (rs) => (sel(rs).notResources = ["*"]), expect: /notResources "\*" excludes every resource/ },
            "notResources excludes every RDS database": { edit: (rs) => (sel(rs).notResources = ["arn:aws:rds:*:*:db:*"]), expect: /notResources "arn:aws:rds:\*:\*:db:\*" excludes every resource/ },
            "a condition on a tag nobody carries": {
                edit: (rs) => (sel(rs).conditions = { stringEquals: [{ key: "aws:ResourceTag/nobody", value: "x" }] }),
                expect: /its conditions \(stringEquals nobody=x\) hold for none of the resources its tags select \(postgres-primary\)/,
            },
            "a role that is not the stack's": { edit: (rs) => (sel(rs).iamRoleArn = `arn:aws:iam::${ACCOUNT}:role/someone-else`), expect: /iamRoleArn "\S+someone-else" is not a role of this stack/ },
            "a role AWS Backup may not assume": {
                edit: (rs) => (find(rs, "backups-role").props.assumeRolePolicy = JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] })),
                expect: /which backup\.amazonaws\.com may not assume/,
            },
            "the rule writes to another vault": { edit: (rs) => (find(rs, "postgres-plan").props.rules[0].targetVaultName = "scratch"), expect: /rule "postgres" writes to vault "scratch", not a vault of this stack/ },
            "the vault's lock deleted": { edit: (rs) => rs.splice(rs.indexOf(find(rs, "postgres-lock")), 1), expect: /which has no vault lock/ },
            "the lock's maximum below the rule's retention": { edit: (rs) => (find(rs, "postgres-lock").props.maxRetentionDays = 7), expect: /maxRetentionDays = 7, below the 30 days/ },
            "restore tests exclude the vault": { edit: (rs) => (rp(rs).excludeVaults = [vaultArn(VAULT)]), expect: /excludeVaults .* excludes bunty-production-postgres/ },
            "restore tests read an empty vault": { edit: (rs) => (rp(rs).includeVaults = [vaultArn("empty")]), expect: /leaves out bunty-production-postgres/ },
            "restore tests read continuous points the plans never make": { edit: (rs) => (rp(rs).recoveryPointTypes = ["CONTINUOUS"]), expect: /recoveryPointTypes \["CONTINUOUS"\] match none/ },
            "restore selection of the wrong resource type": { edit: (rs) => (find(rs, "restore-postgres").props.protectedResourceType = "EBS"), expect: /protectedResourceType EBS is not the type of what its conditions select \(RDS/ },
        });
    });

    test("aws-backup-selection-effective: tightening passes (a condition the database meets, a narrower notResources, a higher lock maximum, a wildcard include)", async (t) => {
        const rs = fixture();
        sel(rs).conditions = { stringEquals: [{ key: "aws:ResourceTag/app", value: "bunty" }] };
        sel(rs).notResources = ["arn:aws:rds:*:*:db:*-scratch"];
        find(rs, "postgres-lock").props.maxRetentionDays = 365;
        rp(rs).includeVaults = ["*"];
        t.deepEqual((await check("aws-backup-selection-effective", "bunty-production", rs)).messages, []);
    });
}

// ---- lifecycle-shorter ----
{
    /**
     * aws-s3-bucket-lifecycle-retention (issue 13, class B): a data bucket no file backup covers keeps
     * old versions as long as the runbook's longest-kept backup, and a shorter rule added beside the
     * one that keeps them decides (the shortest enabled rule applying to the objects wins).
     */

    test("aws-s3-bucket-lifecycle-retention: an added shorter rule on a bucket no file backup covers is caught, with the default's provenance", async (t) => {
        const pfh = getRunbook("personal-finance-hub");
        const longest = [...pfh.backups].sort((a, b) => b.retentionDays - a.retentionDays)[0];
        t.falsy(pfh.backups.find((b) => b.dataset === "files"), "personal-finance-hub has no file backup: the case this test covers");
        const rules = (): Fake[] => [
            {
                type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                name: "storage-lifecycle",
                props: { bucket: "personal-finance-hub-storage-pfh-bucket-id", rules: [{ id: "keep-old-versions", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: longest.retentionDays } }] },
            },
        ];
        const add = (rule: Record<string, unknown>) => (rs: Fake[]) => rs[0].props.rules.push({ status: "Enabled", filter: {}, ...rule });
        await compliantAndBroken(t, "aws-s3-bucket-lifecycle-retention", "personal-finance-hub-production", rules, {
            "an added rule expiring objects after a day": {
                edit: add({ id: "x", expiration: { days: 1 } }),
                expect: new RegExp(`rule "x" .*expiration.days is 1; no file backup covers this bucket.*${longest.dataset} ${longest.retentionDays} days \\(a platform default, not the runbook's`),
            },
            "an added rule dropping old versions after a day": { edit: add({ id: "y", noncurrentVersionExpiration: { noncurrentDays: 1 } }), expect: /rule "y" .*noncurrentVersionExpiration.noncurrentDays is 1/ },
        });
    });
}

// ---- backup-job ----
{
    /**
     * k8s-backup-job-effective and the CloudNativePG schedule (issue 13, class B: backups that back up
     * nothing). The fixture is the PostgreSQL backup CronJob and CNPG backup as the Kubernetes target builds them.
     */

    const DB = getRunbook("bunty").data.postgres!.database;

    function fixture(): Fake[] {
        return [
            {
                type: "kubernetes:batch/v1:CronJob",
                name: "backup-postgres",
                props: {
                    metadata: { name: "bunty-backup-postgres" },
                    spec: {
                        schedule: "0 1 * * *",
                        jobTemplate: {
                            spec: {
                                activeDeadlineSeconds: 10800,
                                template: {
                                    spec: {
                                        containers: [
                                            {
                                                name: "backup-postgres",
                                                command: ["bash", "/opt/platform/run-job.sh", "bash", "/opt/backup/backup-postgres.sh"],
                                                env: [
                                                    { name: "BACKUP_DEST", value: "s3://bunty-platform-backups/dumps" },
                                                    { name: "PGDATABASE", value: DB },
                                                    { name: "RETENTION_DAYS", value: "30" },
                                                    { name: "JOB_DATASET", value: "postgres" },
                                                ],
                                                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                            },
                                        ],
                                        volumes: [{ name: "tmp", emptyDir: {} }],
                                    },
                                },
                            },
                        },
                    },
                },
            },
        ];
    }

    const spec = (rs: Fake[]) => find(rs, "backup-postgres").props.spec;
    const container = (rs: Fake[]) => spec(rs).jobTemplate.spec.template.spec.containers[0];
    const setEnv = (name: string, value: string) => (rs: Fake[]) => (container(rs).env.find((e: { name: string }) => e.name === name).value = value);

    test("k8s-backup-job-effective: the backup job copies the app's database to the object store, in time, under its own name", async (t) => {
        await compliantAndBroken(t, "k8s-backup-job-effective", "bunty-staging", fixture, {
            "its command replaced by true": { edit: (rs) => (container(rs).command = ["bash", "/opt/platform/run-job.sh", "true"]), expect: /runs "bash \/opt\/platform\/run-job\.sh true", which runs no backup of postgres/ },
            "dumps to the pod's emptyDir": { edit: setEnv("BACKUP_DEST", "/tmp/dumps"), expect: /BACKUP_DEST=\/tmp\/dumps, volume "tmp" \(emptyDir\), which is gone when the pod ends/ },
            "dumps to the container's filesystem": { edit: setEnv("BACKUP_DEST", "/var/backups"), expect: /BACKUP_DEST=\/var\/backups, the container's own filesystem/ },
            "a deadline of one second": { edit: (rs) => (spec(rs).jobTemplate.spec.activeDeadlineSeconds = 1), expect: new RegExp(`activeDeadlineSeconds 1, less than ${DEFAULTS.backupJobMinSeconds.value}s \\(platform default`) },
            "dumps the postgres maintenance database": { edit: setEnv("PGDATABASE", "postgres"), expect: new RegExp(`PGDATABASE=postgres, not the runbook's database ${DB}`) },
            "reports its success as redis": { edit: setEnv("JOB_DATASET", "redis"), expect: /reports its success as JOB_DATASET=redis/ },
        });
    });

    test("k8s-backup-job-effective: tightening passes (a longer deadline, a persistent volume destination)", async (t) => {
        const rs = fixture();
        spec(rs).jobTemplate.spec.activeDeadlineSeconds = 4 * 3600;
        container(rs).env.find((e: { name: string }) => e.name === "BACKUP_DEST").value = "/backups/dumps";
        container(rs).volumeMounts.push({ name: "backups", mountPath: "/backups" });
        spec(rs).jobTemplate.spec.template.spec.volumes.push({ name: "backups", persistentVolumeClaim: { claimName: "bunty-backups" } });
        t.deepEqual((await check("k8s-backup-job-effective", "bunty-staging", rs)).messages, []);
    });

    test("k8s-cnpg-scheduledbackup-runbook-schedule: a cluster without the object store its ScheduledBackup writes to backs up nothing", async (t) => {
        const rb = getRunbook("bunty");
        const pg = rb.backups.find((b) => b.dataset === "postgres")!;
        const cnpg = (): Fake[] => [
            {
                type: "kubernetes:postgresql.cnpg.io/v1:Cluster",
                name: "cluster",
                props: { metadata: { name: "bunty-postgres" }, spec: { instances: 1, backup: { retentionPolicy: `${pg.retentionDays}d`, barmanObjectStore: { destinationPath: "s3://bunty-platform-backups/cnpg" } } } },
            },
            { type: "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup", name: "scheduled", props: { metadata: { name: "bunty-postgres" }, spec: { cluster: { name: "bunty-postgres" }, method: "barmanObjectStore", schedule: "0 0 1 * * *" } } },
        ];
        const ok = await check("k8s-cnpg-scheduledbackup-runbook-schedule", "bunty-staging", cnpg());
        const rs = cnpg();
        delete find(rs, "cluster").props.spec.backup.barmanObjectStore;
        const broken = await check("k8s-cnpg-scheduledbackup-runbook-schedule", "bunty-staging", rs);
        t.false(ok.messages.some((m) => /has no spec\.backup/.test(m)), ok.messages.join("\n"));
        t.true(broken.messages.some((m) => /switched off: its method barmanObjectStore has no spec\.backup\.barmanObjectStore in cluster bunty-postgres/.test(m)), broken.messages.join("\n"));
    });
}

// ---- pod-security ----
{
    /**
     * k8s-workload-pod-security and literal credential environment variables (issue 13, class E).
     * The fixture is an app Deployment with the platform's hardened security context, in a namespace
     * enforcing the baseline Pod Security Standard.
     */

    function fixture(): Fake[] {
        return [
            { type: "kubernetes:core/v1:Namespace", name: "ns", props: { metadata: { name: "bunty", labels: { "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted" } } } },
            {
                type: "kubernetes:apps/v1:Deployment",
                name: "backend",
                props: {
                    metadata: { name: "bunty-backend", namespace: "bunty" },
                    spec: {
                        template: {
                            spec: {
                                containers: [
                                    {
                                        name: "backend",
                                        image: "bunty/backend@sha256:0123",
                                        env: [{ name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: "bunty-postgres-app", key: "password" } } }],
                                        securityContext: { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, readOnlyRootFilesystem: true },
                                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                    },
                                ],
                                volumes: [{ name: "tmp", emptyDir: {} }],
                            },
                        },
                    },
                },
            },
        ];
    }

    const pod = (rs: Fake[]) => find(rs, "backend").props.spec.template.spec;
    const sc = (rs: Fake[]) => pod(rs).containers[0].securityContext;

    test("k8s-workload-pod-security: pods stay in their containers, in namespaces that enforce it", async (t) => {
        await compliantAndBroken(t, "k8s-workload-pod-security", "bunty-staging", fixture, {
            "privileged alone": { edit: (rs) => (sc(rs).privileged = true), expect: /container "backend" is privileged/ },
            "the host's network": { edit: (rs) => (pod(rs).hostNetwork = true), expect: /hostNetwork is true: the pod shares the node's network namespace/ },
            "the host's PIDs": { edit: (rs) => (pod(rs).hostPID = true), expect: /hostPID is true/ },
            "the host's IPC": { edit: (rs) => (pod(rs).hostIPC = true), expect: /hostIPC is true/ },
            "a hostPath volume": { edit: (rs) => pod(rs).volumes.push({ name: "root", hostPath: { path: "/" } }), expect: /volume "root" is a hostPath \(\/\)/ },
            "an added capability": { edit: (rs) => (sc(rs).capabilities.add = ["SYS_ADMIN"]), expect: /adds capabilities SYS_ADMIN/ },
            "privilege escalation": { edit: (rs) => (sc(rs).allowPrivilegeEscalation = true), expect: /allows privilege escalation/ },
            "the namespace enforces privileged": { edit: (rs) => (find(rs, "ns").props.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged"), expect: /enforce=privileged/ },
            "the namespace enforces nothing": { edit: (rs) => delete find(rs, "ns").props.metadata.labels["pod-security.kubernetes.io/enforce"], expect: /enforce=unset \(privileged\)/ },
        });
    });

    test("k8s-workload-pod-security: tightening passes (restricted enforcement, NET_BIND_SERVICE added)", async (t) => {
        const rs = fixture();
        find(rs, "ns").props.metadata.labels["pod-security.kubernetes.io/enforce"] = "restricted";
        sc(rs).capabilities.add = ["NET_BIND_SERVICE"];
        t.deepEqual((await check("k8s-workload-pod-security", "bunty-staging", rs)).messages, []);
    });

    test("platform-no-literal-secrets: any literal in a credential environment variable, not only listed ones", async (t) => {
        const ok = await check("platform-no-literal-secrets", "bunty-staging", fixture());
        t.deepEqual(ok.messages, []);
        const rs = fixture();
        pod(rs).containers[0].env = [{ name: "PGPASSWORD", value: "hunter2hunter2" }, { name: "API_TOKEN", value: "t0k3n-abc" }, { name: "PGUSER", value: "bunty" }];
        const broken = await check("platform-no-literal-secrets", "bunty-staging", rs);
        t.true(broken.messages.some((m) => /environment variable PGPASSWORD\) holds a literal value where a reference belongs/.test(m)), broken.messages.join("\n"));
        t.true(broken.messages.some((m) => /environment variable API_TOKEN\)/.test(m)), broken.messages.join("\n"));
        t.false(broken.messages.some((m) => /PGUSER/.test(m)), broken.messages.join("\n"));
        t.true(broken.violations.every((v) => v.level === "mandatory"));
    });
}

// ---- autoscaler-effective ----
{
    /** k8s-autoscaler-effective and aws-appautoscaling-policy-effective (issue 13, class D: scaling that cannot scale). */

    function k8s(): Fake[] {
        return [
            { type: "kubernetes:apps/v1:Deployment", name: "backend", props: { metadata: { name: "pfh-backend", namespace: "pfh" }, spec: { template: { spec: { containers: [{ name: "backend" }] } } } } },
            { type: "kubernetes:apps/v1:Deployment", name: "consumer", props: { metadata: { name: "pfh-consumer", namespace: "pfh" }, spec: { template: { spec: { containers: [{ name: "consumer" }] } } } } },
            { type: "kubernetes:kafka.strimzi.io/v1beta2:KafkaTopic", name: "topic", props: { metadata: { name: "transactions" }, spec: { topicName: "personal_finance.transactions.v1" } } },
            { type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", name: "hpa", props: { metadata: { name: "pfh-backend", namespace: "pfh" }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "pfh-backend" }, minReplicas: 2, maxReplicas: 4 } } },
            {
                type: "kubernetes:keda.sh/v1alpha1:ScaledObject",
                name: "scaled",
                props: {
                    metadata: { name: "pfh-consumer", namespace: "pfh" },
                    spec: { scaleTargetRef: { kind: "Deployment", name: "pfh-consumer" }, triggers: [{ type: "kafka", metadata: { topic: "personal_finance.transactions.v1", consumerGroup: getRunbook("personal-finance-hub").data.kafka!.consumerGroups[0], lagThreshold: "333" } }] },
                },
            },
        ];
    }

    test("k8s-autoscaler-effective: autoscalers aim at the stack's workloads and may scale up in time", async (t) => {
        const d = DEFAULTS.scaleOutDelaySeconds.value;
        await compliantAndBroken(t, "k8s-autoscaler-effective", "personal-finance-hub-staging", k8s, {
            "scale-up disabled": { edit: (rs) => (find(rs, "hpa").props.spec.behavior = { scaleUp: { selectPolicy: "Disabled" } }), expect: /selectPolicy is Disabled/ },
            "scale-up held back an hour": { edit: (rs) => (find(rs, "hpa").props.spec.behavior = { scaleUp: { stabilizationWindowSeconds: 3600 } }), expect: new RegExp(`stabilizationWindowSeconds is 3600, longer than ${d}s \\(platform default`) },
            "an HPA aimed at a workload the stack lacks": { edit: (rs) => (find(rs, "hpa").props.spec.scaleTargetRef.name = "pfh-backend-old"), expect: /scales Deployment pfh-backend-old, which this stack does not create/ },
            "a ScaledObject without a target": { edit: (rs) => delete find(rs, "scaled").props.spec.scaleTargetRef, expect: /has no scaleTargetRef/ },
            "a paused ScaledObject": { edit: (rs) => (find(rs, "scaled").props.metadata.annotations = { "autoscaling.keda.sh/paused": "true" }), expect: /is paused \(autoscaling\.keda\.sh\/paused/ },
            "a trigger on another topic": { edit: (rs) => (find(rs, "scaled").props.spec.triggers[0].metadata.topic = "other.topic"), expect: /reads topic other\.topic, not a topic of this stack/ },
        });
        const tight = k8s();
        find(tight, "hpa").props.spec.behavior = { scaleUp: { stabilizationWindowSeconds: 0 } };
        t.deepEqual((await check("k8s-autoscaler-effective", "personal-finance-hub-staging", tight)).messages, []);
    });

    function aws(): Fake[] {
        const id = "service/pfh-production/backend";
        return [
            { type: "aws:appautoscaling/target:Target", name: "scaling", props: { resourceId: id, scalableDimension: "ecs:service:DesiredCount", serviceNamespace: "ecs", minCapacity: 2, maxCapacity: 4 } },
            {
                type: "aws:appautoscaling/policy:Policy",
                name: "cpu",
                props: { resourceId: id, scalableDimension: "ecs:service:DesiredCount", serviceNamespace: "ecs", policyType: "TargetTrackingScaling", targetTrackingScalingPolicyConfiguration: { targetValue: 70, scaleOutCooldown: 60, scaleInCooldown: 300 } },
            },
        ];
    }

    test("aws-appautoscaling-policy-effective: policies scale a target of the stack, without a long scale-out cooldown", async (t) => {
        await compliantAndBroken(t, "aws-appautoscaling-policy-effective", "personal-finance-hub-production", aws, {
            "a policy on another service": { edit: (rs) => (find(rs, "cpu").props.resourceId = "service/pfh-production/backend-old"), expect: /resourceId "service\/pfh-production\/backend-old" is no scalable target of this stack/ },
            "an hour's scale-out cooldown": { edit: (rs) => (find(rs, "cpu").props.targetTrackingScalingPolicyConfiguration.scaleOutCooldown = 3600), expect: /scaleOutCooldown is 3600s, longer than/ },
        });
    });
}
