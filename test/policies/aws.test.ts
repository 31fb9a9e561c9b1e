import test from "ava";
import { UNKNOWN_STRING } from "../../policies/lib/inputs";
import YAML from "yaml";
import { awsCron } from "../../capabilities/schedules";
import { durationSeconds, getRunbook, type Runbook } from "../../runbooks";
import { PAGERDUTY_EVENTS_URL } from "../../capabilities/aws/pager";
import { alertmanagerConfig, rulesYaml, timingBreaks, type RuleTweak } from "./fixtures";
import { check, compliantAndBroken, find, urnOf, type Fake } from "./helpers";

/**
 * AWS policies against hand-built resources in @pulumi/aws v7 input shapes. Every compliant
 * fixture takes its numbers from the runbook; every break changes one field.
 */

const PFH = "personal-finance-hub";
const pfh = getRunbook(PFH);
const PFH_PROD = `${PFH}-production`;
const gravitypm = getRunbook("gravitypm");
const GRAVITY_PROD = "gravitypm-production";

const TOPIC = (sev: string) => `arn:aws:sns:us-east-1:123456789012:${PFH}-${sev}`;
/** The levels CloudWatch evaluates on AWS (ECS has no cAdvisor or node_exporter; AWS Backup pushes no backup metric): alarms, not AMP rules. */
const CLOUDWATCH_IDS = ["disk-usage", "backup-overdue"];

/** What a CloudWatch alarm watches, as its dimensions name it. */
type Watched = { slug: string; dimensions: Record<string, string> };

/** pfh's disk-usage subjects: each ECS service, the RDS primary and each read replica, each MSK broker (from the runbook's data). */
const DISK_SUBJECTS: Watched[] = [
    ...pfh.services.map((s) => ({ slug: `ecs-${s.name}`, dimensions: { ClusterName: PFH_PROD, ServiceName: s.name } })),
    { slug: "rds-primary", dimensions: { DBInstanceIdentifier: `${PFH_PROD}-postgres` } },
    ...Array.from({ length: pfh.data.postgres!.readReplicas }, (_, i) => ({ slug: `rds-replica-${i + 1}`, dimensions: { DBInstanceIdentifier: `${PFH_PROD}-postgres-replica-${i + 1}` } })),
    ...Array.from({ length: pfh.data.kafka!.brokers }, (_, i) => ({ slug: `kafka-broker-${i + 1}`, dimensions: { "Cluster Name": `${PFH_PROD}-kafka`, "Broker ID": String(i + 1) } })),
];
const DATABASES: Fake[] = [
    { type: "aws:rds/instance:Instance", name: "postgres", props: { identifier: `${PFH_PROD}-postgres` } },
    ...Array.from({ length: pfh.data.postgres!.readReplicas }, (_, i): Fake => ({ type: "aws:rds/instance:Instance", name: `postgres-replica-${i + 1}`, props: { identifier: `${PFH_PROD}-postgres-replica-${i + 1}`, replicateSourceDb: `${PFH_PROD}-postgres` } })),
];
/** Datasets AWS Backup keeps in a vault (ElastiCache snapshots Redis itself: no vault, no job count). */
const VAULTED = pfh.backups.filter((b) => b.dataset !== "redis");

function alarm(rb: Runbook, alertId: string, severity: string, edit: Record<string, unknown> = {}, watched: Watched = DISK_SUBJECTS[0]): Fake {
    const a = rb.alerts.find((x) => x.id === alertId)!;
    const l = a.levels.find((x) => x.severity === severity)!;
    const periods = Math.max(1, durationSeconds(l.for) / 60);
    return {
        type: "aws:cloudwatch/metricAlarm:MetricAlarm",
        name: `alarm-${alertId}-${severity}${watched === DISK_SUBJECTS[0] ? "" : `-${watched.slug}`}`,
        props: {
            name: `${rb.app}-production-${alertId}-${severity}-${watched.slug}`,
            comparisonOperator: a.direction === "above" ? "GreaterThanThreshold" : "LessThanThreshold",
            threshold: l.threshold,
            period: 60,
            evaluationPeriods: periods,
            datapointsToAlarm: periods,
            namespace: "ECS/ContainerInsights",
            metricName: "EphemeralStorageUtilized",
            dimensions: watched.dimensions,
            alarmActions: [TOPIC(severity)],
            ...edit,
        },
    };
}

/** AWS Backup's completed-job count of one dataset's vault: none within `hours` is the overdue backup. */
function vaultAlarm(dataset: string, hours: number): Fake {
    return {
        type: "aws:cloudwatch/metricAlarm:MetricAlarm",
        name: `backup-alarm-${dataset}`,
        props: {
            name: `${PFH}-production-backup-overdue-warning-backup-${dataset}`,
            alarmActions: [TOPIC("warning")],
            comparisonOperator: "LessThanThreshold",
            threshold: 1,
            period: 3600,
            evaluationPeriods: hours,
            datapointsToAlarm: hours,
            namespace: "AWS/Backup",
            metricName: "NumberOfBackupJobsCompleted",
            dimensions: { BackupVaultName: `${PFH_PROD}-${dataset}`, ResourceType: dataset === "mongodb" ? "DocumentDB" : "RDS" },
        },
    };
}

const overdueHours = (dataset: string) => (pfh.alerts.find((a) => a.signal === "backup_age")!.levels[0].threshold * durationSeconds(pfh.backups.find((b) => b.dataset === dataset)!.every)) / 3600;

function monitoring(tweak?: RuleTweak): Fake[] {
    const disk = pfh.alerts.find((a) => a.id === "disk-usage")!;
    const cw = disk.levels.flatMap((l) => DISK_SUBJECTS.map((w) => alarm(pfh, disk.id, l.severity, {}, w)));
    return [
        { type: "aws:amp/ruleGroupNamespace:RuleGroupNamespace", name: "rules", props: { name: "rules", workspaceId: "ws", data: rulesYaml(pfh, { only: (a) => !CLOUDWATCH_IDS.includes(a.id), tweak }) } },
        ...cw,
        ...VAULTED.map((b) => vaultAlarm(b.dataset, overdueHours(b.dataset))),
        ...DATABASES,
    ];
}

test("aws-amp-cloudwatch-runbook-alerts: AMP rules and CloudWatch alarms together implement every level, none looser", async (t) => {
    await compliantAndBroken(t, "aws-amp-cloudwatch-runbook-alerts", PFH_PROD, () => monitoring(), {
        "an AMP rule's threshold raised": {
            edit: (rs) => (find(rs, "rules").props.data = rulesYaml(pfh, { only: (a) => !CLOUDWATCH_IDS.includes(a.id), tweak: (a, l, r) => (a.id === "kafka-consumer-lag" && l.severity === "critical" ? { ...r, expr: r.expr.replace(/> [0-9.]+$/, `> ${l.threshold * 2}`) } : r) })),
            expect: /fires at > 10000, looser than the runbook's threshold 5000.*kafka-consumer-lag.critical.threshold/,
        },
        "an AMP rule's for doubled": {
            edit: (rs) => (find(rs, "rules").props.data = rulesYaml(pfh, { only: (a) => !CLOUDWATCH_IDS.includes(a.id), tweak: (a, l, r) => (a.id === "http-error-rate" && l.severity === "warning" ? { ...r, for: "10m" } : r) })),
            expect: /waits 10m before firing, longer than the runbook's for 5m.*alerts.http-error-rate.warning.for/,
        },
        "an AMP rule missing": {
            edit: (rs) => (find(rs, "rules").props.data = rulesYaml(pfh, { only: (a) => !CLOUDWATCH_IDS.includes(a.id), tweak: (a, l, r) => (a.id === "service-down" ? undefined : r) })),
            expect: /no alert for the runbook's critical level of .*service-down.*\[runbook key: alerts.service-down.critical\]/,
        },
        "an AMP rule with another severity": {
            edit: (rs) => (find(rs, "rules").props.data = rulesYaml(pfh, { only: (a) => !CLOUDWATCH_IDS.includes(a.id), tweak: (a, l, r) => (a.id === "redis-memory-usage" && l.severity === "critical" ? { ...r, labels: { ...r.labels, severity: "info" } } : r) })),
            expect: /redis-memory-usage.*found only .*severity info/,
        },
        "an AMP rule firing the wrong way": {
            edit: (rs) => (find(rs, "rules").props.data = rulesYaml(pfh, { only: (a) => !CLOUDWATCH_IDS.includes(a.id), tweak: (a, l, r) => (a.id === "postgres-pool-usage" ? { ...r, expr: r.expr.replace(/>( [0-9.]+)$/, "<$1") } : r) })),
            expect: /does not fire above a threshold \(it has < 80\)/,
        },
        "a CloudWatch alarm's threshold raised": {
            edit: (rs) => Object.assign(find(rs, "alarm-disk-usage-warning").props, { threshold: 90 }),
            expect: /CloudWatch alarm .*fires at > 90, looser than the runbook's threshold 80/,
        },
        "a CloudWatch alarm evaluated over more periods": {
            edit: (rs) => Object.assign(find(rs, "alarm-disk-usage-critical").props, { evaluationPeriods: 10, datapointsToAlarm: 10 }),
            expect: /waits 10m before firing, longer than the runbook's for 5m/,
        },
        // Coverage per subject (issue 13, class 1): each database, broker, service and dataset has its own alarm.
        "one database's disk alarm deleted while the other's remains": {
            edit: (rs) => rs.splice(rs.findIndex((r) => r.name === "alarm-disk-usage-warning-rds-replica-1"), 1),
            expect: /no switched-on CloudWatch alarm of disk-usage \(warning\) watches RDS instance replica-1 .*\[runbook key: alerts.disk-usage.warning\]/,
        },
        "one dataset's backup-overdue alarm deleted": {
            edit: (rs) => rs.splice(rs.findIndex((r) => r.name === "backup-alarm-mongodb"), 1),
            expect: /no switched-on CloudWatch alarm of backup-overdue \(warning\) watches backup vault of mongodb .*\[runbook key: alerts.backup-overdue.warning\]/,
        },
        "a broker's alarm pointed at another broker": {
            edit: (rs) => (find(rs, "alarm-disk-usage-critical-kafka-broker-3").props.dimensions = { ...find(rs, "alarm-disk-usage-critical-kafka-broker-3").props.dimensions, "Broker ID": "1" }),
            expect: /watches MSK broker 3 .*alerts.disk-usage.critical/,
        },
        "an AMP rule narrowed to one service": {
            edit: (rs) =>
                (find(rs, "rules").props.data = rulesYaml(pfh, {
                    only: (a) => !CLOUDWATCH_IDS.includes(a.id),
                    tweak: (a, _l, r) => (a.id === "service-down" ? { ...r, expr: r.expr.replace(`app="${PFH}"`, `app="${PFH}", component="${pfh.services[0].name}"`) } : r),
                })),
            expect: new RegExp(`no critical rule of service-down selects component="${pfh.services[1].name}".*\\[runbook key: alerts.service-down.critical\\]`),
        },
        // Review finding 4: an AMP rule over a metric AMP never receives must not stand in for a CloudWatch-only level.
        "a CloudWatch-only level given an AMP rule AMP cannot evaluate, its alarms silenced": {
            edit: (rs) => {
                find(rs, "rules").props.data = rulesYaml(pfh, { only: (a) => a.id !== "backup-overdue" });
                for (const r of rs.filter((x) => x.name.startsWith("alarm-disk-usage"))) Object.assign(r.props, { actionsEnabled: false, alarmActions: [] });
            },
            expect: /reads node_filesystem_avail_bytes(, node_filesystem_size_bytes)?, which the collector never sends to Amazon Managed Prometheus .*\[runbook key: alerts.disk-usage.warning\]/,
        },
        "a level's CloudWatch alarms removed": {
            edit: (rs) => {
                for (let i = rs.length - 1; i >= 0; i--) if (rs[i].name.startsWith("alarm-disk-usage-critical")) rs.splice(i, 1);
            },
            expect: new RegExp(`no alert for the runbook's critical level of "${pfh.alerts.find((a) => a.id === "disk-usage")!.title}" \\(disk-usage\\) is above 95`),
        },
        "a CloudWatch alarm's actions disabled": {
            edit: (rs) => Object.assign(find(rs, "alarm-disk-usage-warning").props, { actionsEnabled: false }),
            expect: /CloudWatch alarm ".*disk-usage-warning.*" .* is switched off: actionsEnabled is false, so it notifies no one.*\[runbook key: alerts.disk-usage.warning\]/,
        },
    });
});

test("aws-amp-cloudwatch-runbook-alerts reads AWS Backup job-count alarms as backup age and allows a metric's own resolution", async (t) => {
    const overdue = pfh.alerts.find((a) => a.signal === "backup_age")!.levels[0];
    const hours = overdueHours("postgres");
    const rules = (h: number) => monitoring().map((r) => (r.name === "backup-alarm-postgres" ? vaultAlarm("postgres", h) : r));
    const ok = await check("aws-amp-cloudwatch-runbook-alerts", PFH_PROD, rules(hours));
    t.deepEqual(ok.messages, []);
    const loose = await check("aws-amp-cloudwatch-runbook-alerts", PFH_PROD, rules(2 * hours));
    t.regex(loose.messages.join("\n"), new RegExp(`fires at > ${overdue.threshold * 2}, looser than the runbook's threshold ${overdue.threshold}`));

    const cert = gravitypm.alerts.find((a) => a.id === "certificate-expiry")!;
    const acm = (period: number, points: number): Fake => ({
        type: "aws:cloudwatch/metricAlarm:MetricAlarm",
        name: "acm",
        props: { name: "gravitypm-production-certificate-expiry-critical-acm", alarmActions: ["arn:aws:sns:us-east-1:123456789012:critical"], comparisonOperator: "LessThanThreshold", threshold: cert.levels[0].threshold, period, evaluationPeriods: points, namespace: "AWS/CertificateManager", metricName: "DaysToExpiry" },
    });
    const gRules: Fake = { type: "aws:amp/ruleGroupNamespace:RuleGroupNamespace", name: "rules", props: { data: rulesYaml(gravitypm, { only: (a) => a.id !== "certificate-expiry" }) } };
    const certMessages = async (alarm: Fake) => (await check("aws-amp-cloudwatch-runbook-alerts", GRAVITY_PROD, [gRules, alarm])).messages.filter((m) => m.includes("certificate-expiry"));
    t.deepEqual(await certMessages(acm(86400, 1)), [], "DaysToExpiry is published daily: one day is the fastest");
    t.regex((await check("aws-amp-cloudwatch-runbook-alerts", GRAVITY_PROD, [gRules, acm(86400, 2)])).messages.join("\n"), /waits 2d before firing.*its metric allows no less than 1d/);
});

function paging(): Fake[] {
    const cfg = alertmanagerConfig({ pager: { sns_configs: [{ topic_arn: TOPIC("critical") }] } });
    (cfg.receivers as Record<string, unknown>[])[1] = { name: "chat", sns_configs: [{ topic_arn: TOPIC("warning") }] };
    return [
        { type: "aws:amp/alertManagerDefinition:AlertManagerDefinition", name: "am", props: { workspaceId: "ws", definition: YAML.stringify({ alertmanager_config: YAML.stringify(cfg) }) } },
        // As on AWS: the alerts CloudWatch evaluates have no rule.
        { type: "aws:amp/ruleGroupNamespace:RuleGroupNamespace", name: "rules", props: { data: rulesYaml(pfh, { only: (a) => !CLOUDWATCH_IDS.includes(a.id) }) } },
        // The Events API v2 forwarder on the critical topic; the chat forwarder on warnings pages no one.
        { type: "aws:sns/topicSubscription:TopicSubscription", name: "pagerduty", props: { topic: TOPIC("critical"), protocol: "lambda", endpoint: "arn:aws:lambda:us-east-1:123456789012:function:pfh-pager" } },
        { type: "aws:lambda/function:Function", name: "pager-fn", props: { name: "pfh-pager", environment: { variables: { EVENTS_URL: PAGERDUTY_EVENTS_URL, ROUTING_KEY_SECRET_ARN: "arn:aws:secretsmanager:x" } } } },
        { type: "aws:sns/topicSubscription:TopicSubscription", name: "chat", props: { topic: TOPIC("warning"), protocol: "lambda", endpoint: "arn:aws:lambda:us-east-1:123456789012:function:chat" } },
        { type: "aws:lambda/function:Function", name: "chat-fn", props: { name: "chat", environment: { variables: { WEBHOOK_SECRET_ARN: "arn:aws:secretsmanager:y" } } } },
        alarm(pfh, "disk-usage", "critical"),
        // A level AMP has a rule for pages through AMP: its alarm is a view without actions.
        alarm(pfh, "service-down", "critical", { actionsEnabled: false, alarmActions: [], okActions: [] }),
    ];
}

test("aws-amp-alertmanager-critical-paging: critical alerts and alarms reach an SNS topic that pages", async (t) => {
    await compliantAndBroken(t, "aws-amp-alertmanager-critical-paging", PFH_PROD, paging, {
        "critical routed to the chat topic": {
            edit: (rs) => {
                const cfg = alertmanagerConfig({ criticalTo: "chat", pager: { sns_configs: [{ topic_arn: TOPIC("critical") }] } });
                (cfg.receivers as Record<string, unknown>[])[1] = { name: "chat", sns_configs: [{ topic_arn: TOPIC("warning") }] };
                find(rs, "am").props.definition = YAML.stringify({ alertmanager_config: YAML.stringify(cfg) });
            },
            expect: /routes critical alert .* to "chat" \(sns_configs\), none of which pages a person/,
        },
        "the critical topic's subscription is e-mail": {
            edit: (rs) => Object.assign(find(rs, "pagerduty").props, { protocol: "email" }),
            expect: /none of which pages a person/,
        },
        "the critical topic feeds the chat forwarder instead": {
            edit: (rs) => Object.assign(find(rs, "pagerduty").props, { endpoint: "arn:aws:lambda:us-east-1:123456789012:function:chat" }),
            expect: /none of which pages a person/,
        },
        "a critical alarm notifying the warning topic": {
            edit: (rs) => Object.assign(find(rs, "alarm-disk-usage-critical").props, { alarmActions: [TOPIC("warning")] }),
            expect: /is critical \(disk-usage\) but none of its alarmActions .* pages a person/,
        },
        "the alarm AMP leaves to CloudWatch has its actions disabled": {
            edit: (rs) => Object.assign(find(rs, "alarm-disk-usage-critical").props, { actionsEnabled: false }),
            expect: /is critical \(disk-usage\) but actionsEnabled is false, so it notifies no one: it pages no one/,
        },
        "the alarm AMP leaves to CloudWatch has no actions at all": {
            edit: (rs) => Object.assign(find(rs, "alarm-disk-usage-critical").props, { alarmActions: [] }),
            expect: /is critical \(disk-usage\) but it has no alarmActions, so it notifies no one: it pages no one/,
        },
        "the view of a level AMP pages for pages as well (two incidents)": {
            edit: (rs) => Object.assign(find(rs, "alarm-service-down-critical").props, { actionsEnabled: true, alarmActions: [TOPIC("critical")] }),
            expect: /pages for critical service-down, which the AMP rule group already pages for/,
        },
        "no alert manager definition": {
            edit: (rs) => rs.splice(0, 1),
            expect: /has no Alertmanager configuration/,
        },
        "a critical alarm's actions disabled": {
            edit: (rs) => Object.assign(find(rs, "alarm-disk-usage-critical").props, { actionsEnabled: false }),
            expect: /is critical \(disk-usage\) but actionsEnabled is false, so it notifies no one: it pages no one/,
        },
        ...timingBreaks(pfh, (rs: Fake[], cfg) => {
            (cfg.receivers as Record<string, unknown>[])[0] = { name: "pager", sns_configs: [{ topic_arn: TOPIC("critical") }] };
            (cfg.receivers as Record<string, unknown>[])[1] = { name: "chat", sns_configs: [{ topic_arn: TOPIC("warning") }] };
            find(rs, "am").props.definition = YAML.stringify({ alertmanager_config: YAML.stringify(cfg) });
        }),
    });
    const local = await check("aws-amp-alertmanager-critical-paging", `${PFH}-local`, paging());
    t.is(local.outcome.status, "not-applicable", "a stack no one is paged for is not checked");
});

/** The same stack in a first preview: every ARN is unknown, so topics, subscriptions and forwarders are related by dependency only. */
function pagingPreview(): Fake[] {
    const rs = paging().filter((r) => r.type !== "aws:amp/alertManagerDefinition:AlertManagerDefinition");
    const topics: Fake[] = ["critical", "warning"].map((sev) => ({ type: "aws:sns/topic:Topic", name: `topic-${sev}`, props: { name: `${PFH}-${sev}` } }));
    const urn = (type: string, name: string) => urnOf(PFH_PROD, type, name);
    const topicUrn = (sev: string) => urn("aws:sns/topic:Topic", `topic-${sev}`);
    const fnUrn = (name: string) => urn("aws:lambda/function:Function", name);
    const sub = (name: string, sev: string, fn: string): Fake => ({ ...find(rs, name), props: { topic: UNKNOWN_STRING, protocol: "lambda", endpoint: UNKNOWN_STRING }, dependsOn: [topicUrn(sev), fnUrn(fn)] });
    const alarmCritical = find(rs, "alarm-disk-usage-critical");
    return [
        // The definition names its topics by ARN: unknown until deploy, so the whole definition is.
        { type: "aws:amp/alertManagerDefinition:AlertManagerDefinition", name: "am", props: { workspaceId: UNKNOWN_STRING, definition: UNKNOWN_STRING } },
        ...topics,
        ...rs.filter((r) => !["pagerduty", "chat", "alarm-disk-usage-critical"].includes(r.name)),
        sub("pagerduty", "critical", "pager-fn"),
        sub("chat", "warning", "chat-fn"),
        { ...alarmCritical, props: { ...alarmCritical.props, alarmActions: [UNKNOWN_STRING] }, dependsOn: [topicUrn("critical")] },
    ];
}

test("aws-amp-alertmanager-critical-paging in a first preview: alarms reach a paging topic by dependency; a configuration unknown until deploy is not reported missing", async (t) => {
    const ok = await check("aws-amp-alertmanager-critical-paging", PFH_PROD, pagingPreview());
    t.deepEqual(ok.messages, []);
    t.not(ok.outcome.status, "not-applicable");
    const toWarning = pagingPreview().map((r) => (r.name === "alarm-disk-usage-critical" ? { ...r, dependsOn: [urnOf(PFH_PROD, "aws:sns/topic:Topic", "topic-warning")] } : r));
    t.regex((await check("aws-amp-alertmanager-critical-paging", PFH_PROD, toWarning)).messages.join("\n"), /is critical \(disk-usage\) but none of its alarmActions \(\[unknown\]\) is an SNS topic that pages a person/, "a critical alarm on the chat topic is still caught");
    const emailPager = pagingPreview().map((r) => (r.name === "pagerduty" ? { ...r, props: { ...r.props, protocol: "email" } } : r));
    t.regex((await check("aws-amp-alertmanager-critical-paging", PFH_PROD, emailPager)).messages.join("\n"), /is critical \(disk-usage\)/, "a known protocol is still checked");
});

function backupPlan(rb: Runbook): Fake[] {
    return [
        {
            type: "aws:backup/plan:Plan",
            name: "plan",
            props: {
                name: `${rb.app}-backups`,
                rules: rb.backups.filter((b) => b.dataset !== "redis").map((b) => ({ ruleName: `${b.dataset}-backup`, schedule: awsCron(b.cron), targetVaultName: "vault", lifecycle: { deleteAfter: b.retentionDays } })),
            },
        },
        { type: "aws:backup/selection:Selection", name: "selection", props: { name: "tagged", planId: "plan-id", selectionTags: [{ type: "STRINGEQUALS", key: "backup", value: "yes" }] }, dependsOn: ["plan"] },
        { type: "aws:docdb/cluster:Cluster", name: "documentdb", props: { tags: { backup: "yes" } } },
    ];
}

test("aws-backup-plan-runbook-schedule: a plan rule per dataset, as often and as long as the runbook", async (t) => {
    const mongo = gravitypm.backups.find((b) => b.dataset === "mongodb")!;
    await compliantAndBroken(t, "aws-backup-plan-runbook-schedule", GRAVITY_PROD, () => backupPlan(gravitypm), {
        "the mongodb rule runs daily instead of every 6 hours": {
            edit: (rs) => (find(rs, "plan").props.rules.find((r: { ruleName: string }) => r.ruleName === "mongodb-backup").schedule = "cron(0 1 * * ? *)"),
            expect: new RegExp(`runs mongodb backups "cron\\(0 1 \\* \\* \\? \\*\\)", up to 1d apart, rarer than every ${mongo.every}.*backups.mongodb.cron`),
        },
        "the files rule keeps half as long": {
            edit: (rs) => (find(rs, "plan").props.rules.find((r: { ruleName: string }) => r.ruleName === "files-backup").lifecycle.deleteAfter = 15),
            expect: /keeps files backups 15 days, less than 30.*backups.files.retentionDays/,
        },
        "the config rule missing": {
            edit: (rs) => (find(rs, "plan").props.rules = find(rs, "plan").props.rules.filter((r: { ruleName: string }) => r.ruleName !== "config-backup")),
            expect: /has no backup schedule for config.*backups.config.cron/,
        },
        "a rule without a lifecycle": {
            edit: (rs) => delete find(rs, "plan").props.rules[0].lifecycle,
            expect: /sets no retention for mongodb backups/,
        },
        "the selection's tag carried by no resource": {
            edit: (rs) => (find(rs, "documentdb").props.tags = { backup: "no" }),
            expect: /rule "mongodb-backup" is switched off: .*selects by tag backup=yes, which no resource of the stack carries.*backups.mongodb.cron/,
        },
        "the selection removed": { edit: (rs) => rs.splice(rs.findIndex((r) => r.name === "selection"), 1), expect: /is switched off: no selection assigns resources to its plan/ },
    });
    // An extra tag, an extra tagged resource: tighter, not reported.
    const extra = backupPlan(gravitypm);
    extra.push({ type: "aws:rds/instance:Instance", name: "more", props: { tags: { backup: "yes", team: "data" } } });
    t.deepEqual((await check("aws-backup-plan-runbook-schedule", GRAVITY_PROD, extra)).messages, []);
});

test("aws-backup-restoretestingplan-cadence: restore testing at least as often as the runbook's restore test", async (t) => {
    const plan = (expr: string): Fake[] => [
        { type: "aws:backup/restoreTestingPlan:RestoreTestingPlan", name: "restore", props: { name: "restore", scheduleExpression: expr, recoveryPointSelection: { algorithm: "LATEST_WITHIN_WINDOW" } } },
        { type: "aws:backup/vault:Vault", name: "vault", props: {} },
        {
            type: "aws:backup/restoreTestingSelection:RestoreTestingSelection",
            name: "restore-mongodb",
            props: { name: "mongodb", restoreTestingPlanName: "restore", protectedResourceType: "DocumentDB", protectedResourceConditions: { stringEquals: [{ key: "aws:ResourceTag/backup:mongodb", value: "true" }] } },
        },
        { type: "aws:docdb/cluster:Cluster", name: "documentdb", props: { tags: { "backup:mongodb": "true" } } },
    ];
    t.is(gravitypm.verification.find((v) => v.kind === "restore-test")?.cadence, "monthly");
    await compliantAndBroken(t, "aws-backup-restoretestingplan-cadence", GRAVITY_PROD, () => plan("cron(30 5 1 * ? *)"), {
        "quarterly instead of monthly": { edit: (rs) => (rs[0].props.scheduleExpression = "cron(30 5 1 1,4,7,10 ? *)"), expect: /rarer than monthly/ },
        "no restore testing plan": { edit: (rs) => rs.splice(0, 1), expect: /schedules no restore check.*verification.restore-test/ },
        "its selection's condition matches no resource": {
            edit: (rs) => (find(rs, "restore-mongodb").props.protectedResourceConditions.stringEquals[0].value = "false"),
            expect: /is switched off: .*backup:mongodb=false, which no resource of the stack carries.*verification.restore-test/,
        },
        "its selection removed": { edit: (rs) => rs.splice(rs.findIndex((r) => r.name === "restore-mongodb"), 1), expect: /switched off: no restore testing selection names it/ },
    });
    const none = await check("aws-backup-restoretestingplan-cadence", PFH_PROD, [{ type: "aws:s3/bucket:Bucket", name: "b", props: {} }]);
    t.is(none.outcome.status, "not-applicable", "personal-finance-hub's runbook schedules no restore test");
});
