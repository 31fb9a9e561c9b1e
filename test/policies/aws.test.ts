import test from "ava";
import { UNKNOWN_STRING } from "../../policies/lib/inputs";
import YAML from "yaml";
import { awsCron } from "../../capabilities/schedules";
import { durationSeconds, getRunbook, type Runbook } from "../../runbooks";
import { PAGERDUTY_EVENTS_URL } from "../../capabilities/aws/pager";
import { alertmanagerConfig, ruleGroups, rulesYaml, timingBreaks, type RuleTweak } from "./fixtures";
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

function rds(rb: Runbook): Fake[] {
    const b = rb.backups.find((x) => x.dataset === "postgres")!;
    return [
        {
            type: "aws:rds/instance:Instance",
            name: "primary",
            protect: true,
            props: { engine: "postgres", backupRetentionPeriod: Math.min(b.retentionDays, 35), storageEncrypted: true, kmsKeyId: "arn:aws:kms:key", publiclyAccessible: false, deletionProtection: true, skipFinalSnapshot: false, deleteAutomatedBackups: false, multiAz: true },
        },
        ...Array.from({ length: rb.data.postgres?.readReplicas ?? 0 }, (_, i) => ({
            type: "aws:rds/instance:Instance",
            name: `replica-${i}`,
            protect: true,
            props: { replicateSourceDb: "primary-id", storageEncrypted: true, publiclyAccessible: false, multiAz: false },
        })),
    ];
}

test("aws-rds-instance-*: retention, encryption, private, deletion protection, Multi-AZ", async (t) => {
    const retention = pfh.backups.find((b) => b.dataset === "postgres")!.retentionDays;
    await compliantAndBroken(t, "aws-rds-instance-backup-retention", PFH_PROD, () => rds(pfh), {
        "retention halved": { edit: (rs) => (rs[0].props.backupRetentionPeriod = retention / 2), expect: new RegExp(`backupRetentionPeriod is ${retention / 2}; the runbook keeps postgres backups ${retention} days.*backups.postgres.retentionDays`) },
        "retention unset": { edit: (rs) => delete rs[0].props.backupRetentionPeriod, expect: /not set \(RDS defaults to 1 day\)/ },
    });
    await compliantAndBroken(t, "aws-rds-instance-encryption", PFH_PROD, () => rds(pfh), {
        "storage unencrypted": { edit: (rs) => (rs[0].props.storageEncrypted = false), expect: /storageEncrypted is false/ },
        "a replica explicitly unencrypted": { edit: (rs) => (rs[1].props.storageEncrypted = false), expect: /replica-0.*storageEncrypted is false/ },
    });
    await compliantAndBroken(t, "aws-rds-instance-not-public", PFH_PROD, () => rds(pfh), {
        "publicly accessible": { edit: (rs) => (rs[0].props.publiclyAccessible = true), expect: /publiclyAccessible is true/ },
    });
    await compliantAndBroken(t, "aws-rds-instance-deletion-protection", PFH_PROD, () => rds(pfh), {
        "deletion protection off": { edit: (rs) => (rs[0].props.deletionProtection = false), expect: /deletionProtection is false.*\[runbook key: protect\]/ },
        "no final snapshot": { edit: (rs) => (rs[0].props.skipFinalSnapshot = true), expect: /skipFinalSnapshot is true/ },
    });
    await compliantAndBroken(t, "aws-rds-instance-multi-az", PFH_PROD, () => rds(pfh), {
        "single-AZ primary": { edit: (rs) => delete rs[0].props.multiAz, expect: /multiAz is not set \(single-AZ\)/ },
    });
    await compliantAndBroken(t, "aws-rds-read-replicas", PFH_PROD, () => rds(pfh), {
        "the read replica missing": { edit: (rs) => rs.splice(1), expect: new RegExp(`0 RDS read replica\\(s\\).*the runbook runs ${pfh.data.postgres!.readReplicas}.*data.postgres.readReplicas`) },
    });
    await compliantAndBroken(t, "aws-stateful-resource-protect", PFH_PROD, () => [...rds(pfh), { type: "aws:s3/bucket:Bucket", name: "logs", props: { forceDestroy: false } }], {
        "the primary not protected": { edit: (rs) => (rs[0].protect = false), expect: /"primary" is not protected.*\[runbook key: protect\]/ },
        "an unprotected bucket S3 may empty": { edit: (rs) => (find(rs, "logs").props.forceDestroy = true), expect: /"logs" is not protected .* and forceDestroy is true/ },
    });
});

test("aws-rds-parametergroup-force-ssl: TLS required", async (t) => {
    const pg = (family: string, params: { name: string; value: string }[]): Fake[] => [{ type: "aws:rds/parameterGroup:ParameterGroup", name: "params", props: { family, parameters: params } }];
    await compliantAndBroken(t, "aws-rds-parametergroup-force-ssl", PFH_PROD, () => pg(`postgres${pfh.data.postgres!.version}`, [{ name: "shared_buffers", value: "32768" }]), {
        "force_ssl turned off": { edit: (rs) => rs[0].props.parameters.push({ name: "rds.force_ssl", value: "0" }), expect: /rds.force_ssl is 0/ },
        "an old family left at its default": { edit: (rs) => (rs[0].props.family = "postgres14"), expect: /family postgres14 defaults rds.force_ssl to 0/ },
    });
});

function cache(rb: Runbook): Fake[] {
    const b = rb.backups.find((x) => x.dataset === "redis")!;
    return [
        {
            type: "aws:elasticache/replicationGroup:ReplicationGroup",
            name: "redis",
            protect: true,
            secretPaths: ["authToken"],
            props: { atRestEncryptionEnabled: true, transitEncryptionEnabled: true, authToken: "generated-redis-password-0123456789abcdef", automaticFailoverEnabled: true, multiAzEnabled: true, snapshotRetentionLimit: Math.min(b.retentionDays, 35), snapshotWindow: "01:00-02:00", finalSnapshotIdentifier: "redis-final" },
        },
    ];
}

test("aws-elasticache-replicationgroup-*: encryption, failover, snapshot retention", async (t) => {
    await compliantAndBroken(t, "aws-elasticache-replicationgroup-encryption", PFH_PROD, () => cache(pfh), {
        "at rest off": { edit: (rs) => (rs[0].props.atRestEncryptionEnabled = false), expect: /atRestEncryptionEnabled is false/ },
        "in transit off": { edit: (rs) => delete rs[0].props.transitEncryptionEnabled, expect: /transitEncryptionEnabled is not set/ },
        "no auth token": { edit: (rs) => delete rs[0].props.authToken, expect: /no authToken/ },
    });
    await compliantAndBroken(t, "aws-elasticache-replicationgroup-failover", PFH_PROD, () => cache(pfh), {
        "failover off": { edit: (rs) => (rs[0].props.automaticFailoverEnabled = false), expect: /automaticFailoverEnabled is false/ },
        "single AZ": { edit: (rs) => (rs[0].props.multiAzEnabled = false), expect: /multiAzEnabled is false/ },
    });
    await compliantAndBroken(t, "aws-elasticache-replicationgroup-snapshot-retention", PFH_PROD, () => cache(pfh), {
        "snapshots off": { edit: (rs) => (rs[0].props.snapshotRetentionLimit = 0), expect: /snapshotRetentionLimit is 0.*backups.redis.retentionDays/ },
    });
    const sixHourly = await check("aws-elasticache-replicationgroup-snapshot-retention", GRAVITY_PROD, cache(gravitypm));
    t.deepEqual(sixHourly.messages, [], "gravitypm backs Redis up daily, which daily snapshots meet");
});

function docdb(rb: Runbook): Fake[] {
    return [
        {
            type: "aws:docdb/cluster:Cluster",
            name: "docdb",
            protect: true,
            secretPaths: ["masterPassword"],
            props: { backupRetentionPeriod: Math.min(rb.backups.find((b) => b.dataset === "mongodb")!.retentionDays, 35), storageEncrypted: true, deletionProtection: true, skipFinalSnapshot: false, masterPassword: "generated-mongodb-password-0123456789" },
        },
    ];
}

test("aws-docdb-cluster-*: retention, encryption, deletion protection", async (t) => {
    await compliantAndBroken(t, "aws-docdb-cluster-backup-retention", GRAVITY_PROD, () => docdb(gravitypm), {
        "retention of a week": { edit: (rs) => (rs[0].props.backupRetentionPeriod = 7), expect: /backupRetentionPeriod is 7; the runbook keeps mongodb backups 30 days.*backups.mongodb.retentionDays/ },
    });
    await compliantAndBroken(t, "aws-docdb-cluster-encryption", GRAVITY_PROD, () => docdb(gravitypm), {
        unencrypted: { edit: (rs) => delete rs[0].props.storageEncrypted, expect: /storageEncrypted is not set/ },
    });
    await compliantAndBroken(t, "aws-docdb-cluster-deletion-protection", GRAVITY_PROD, () => docdb(gravitypm), {
        "deletion protection off": { edit: (rs) => (rs[0].props.deletionProtection = false), expect: /deletionProtection is false/ },
        "no final snapshot": { edit: (rs) => (rs[0].props.skipFinalSnapshot = true), expect: /skipFinalSnapshot is true/ },
    });
});

test("aws-msk-cluster-encryption: TLS only, private brokers", async (t) => {
    const msk = (): Fake[] => [
        {
            type: "aws:msk/cluster:Cluster",
            name: "kafka",
            props: { numberOfBrokerNodes: pfh.data.kafka!.brokers, encryptionInfo: { encryptionInTransit: { clientBroker: "TLS", inCluster: true } }, brokerNodeGroupInfo: { connectivityInfo: { publicAccess: { type: "DISABLED" } } } },
        },
    ];
    await compliantAndBroken(t, "aws-msk-cluster-encryption", PFH_PROD, msk, {
        "plaintext clients allowed": { edit: (rs) => (rs[0].props.encryptionInfo.encryptionInTransit.clientBroker = "TLS_PLAINTEXT"), expect: /clientBroker is TLS_PLAINTEXT/ },
        "plaintext between brokers": { edit: (rs) => (rs[0].props.encryptionInfo.encryptionInTransit.inCluster = false), expect: /inCluster is false/ },
        "public brokers": { edit: (rs) => (rs[0].props.brokerNodeGroupInfo.connectivityInfo.publicAccess.type = "SERVICE_PROVIDED_EIPS"), expect: /publicAccess.type is SERVICE_PROVIDED_EIPS/ },
    });
});

function buckets(): Fake[] {
    return pfh.data.objectStorage!.buckets.flatMap((name) => [
        { type: "aws:s3/bucket:Bucket", name, protect: true, props: { bucket: `${name}-prod` } },
        { type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", name: `${name}-sse`, props: { bucket: `${name}-id`, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "key" } }] }, dependsOn: [name] },
        { type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name: `${name}-pab`, props: { bucket: `${name}-prod`, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true } },
    ]);
}

test("aws-s3-bucket-*: encryption and public access block per bucket", async (t) => {
    const first = pfh.data.objectStorage!.buckets[0];
    await compliantAndBroken(t, "aws-s3-bucket-encryption", PFH_PROD, buckets, {
        "encryption configuration removed": { edit: (rs) => rs.splice(rs.findIndex((r) => r.name === `${first}-sse`), 1), expect: new RegExp(`"${first}" has no server-side encryption configuration`) },
        "an unknown algorithm": { edit: (rs) => (find(rs, `${first}-sse`).props.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm = "none"), expect: /with a known algorithm \(found none\)/ },
    });
    await compliantAndBroken(t, "aws-s3-bucket-public-access-block", PFH_PROD, buckets, {
        "public policies allowed": { edit: (rs) => (find(rs, `${first}-pab`).props.blockPublicPolicy = false), expect: /leaves blockPublicPolicy off/ },
        "no public access block": { edit: (rs) => rs.splice(rs.findIndex((r) => r.name === `${first}-pab`), 1), expect: /has no public access block/ },
    });
});

test("aws-securitygroup-no-public-data-ports: data ports only from the app", async (t) => {
    const rules = (): Fake[] => [
        { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "postgres-from-app", props: { securityGroupId: "sg-db", referencedSecurityGroupId: "sg-app", fromPort: 5432, toPort: 5432, ipProtocol: "tcp" } },
        { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "https-from-internet", props: { securityGroupId: "sg-alb", cidrIpv4: "0.0.0.0/0", fromPort: 443, toPort: 443, ipProtocol: "tcp" } },
        { type: "aws:ec2/securityGroup:SecurityGroup", name: "cache", props: { ingress: [{ fromPort: 6379, toPort: 6379, protocol: "tcp", securityGroups: ["sg-app"] }] } },
    ];
    await compliantAndBroken(t, "aws-securitygroup-no-public-data-ports", PFH_PROD, rules, {
        "PostgreSQL open to the internet": { edit: (rs) => Object.assign(rs[0].props, { cidrIpv4: "0.0.0.0/0" }), expect: /opens PostgreSQL 5432 to the internet/ },
        "every port open over IPv6": { edit: (rs) => rs[2].props.ingress.push({ fromPort: 0, toPort: 0, protocol: "-1", ipv6CidrBlocks: ["::/0"] }), expect: /on all ports opens .*Redis 6379/ },
        "a port range spanning MongoDB": { edit: (rs) => rs.push({ type: "aws:ec2/securityGroupRule:SecurityGroupRule", name: "range", props: { type: "ingress", fromPort: 27000, toPort: 28000, protocol: "tcp", cidrBlocks: ["0.0.0.0/0"] } }), expect: /MongoDB 27017/ },
    });
});

test("aws-cloudwatch-loggroup-retention: log groups keep the runbook's retention", async (t) => {
    const groups = (): Fake[] => [
        { type: "aws:cloudwatch/logGroup:LogGroup", name: "app", props: { retentionInDays: pfh.logs.retentionDays } },
        { type: "aws:cloudwatch/logGroup:LogGroup", name: "forever", props: {} },
    ];
    await compliantAndBroken(t, "aws-cloudwatch-loggroup-retention", PFH_PROD, groups, {
        "a week": { edit: (rs) => (rs[0].props.retentionInDays = 7), expect: new RegExp(`retentionInDays is 7; the runbook keeps logs ${pfh.logs.retentionDays} days.*logs.retentionDays`) },
    });
});

test("aws-s3-bucket-lifecycle-retention: lifecycle rules keep logs and file versions long enough", async (t) => {
    const formula = getRunbook("formula-pm");
    const files = formula.backups.find((b) => b.dataset === "files")!;
    const rules = (): Fake[] => [
        { type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", name: "access-logs-lifecycle", props: { bucket: "formula-pm-ingress-access-logs-id", rules: [{ id: "log-retention", status: "Enabled", expiration: { days: formula.logs.retentionDays } }] } },
        { type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", name: "files-lifecycle", props: { bucket: "formula-pm-files-id", rules: [{ id: "versions", status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: files.retentionDays } }] } },
    ];
    await compliantAndBroken(t, "aws-s3-bucket-lifecycle-retention", "formula-pm-production", rules, {
        "access logs kept half as long": { edit: (rs) => (rs[0].props.rules[0].expiration.days = formula.logs.retentionDays / 2), expect: new RegExp(`expiration.days is ${formula.logs.retentionDays / 2}; the runbook keeps logs ${formula.logs.retentionDays} days.*logs.retentionDays`) },
        "old file versions dropped after a week": { edit: (rs) => (rs[1].props.rules[0].noncurrentVersionExpiration.noncurrentDays = 7), expect: /noncurrentDays is 7; the runbook keeps file backups 30 days.*backups.files.retentionDays/ },
        "current files expired": { edit: (rs) => (rs[1].props.rules[0].expiration = { days: 1 }), expect: /expiration.days is 1/ },
    });
});

function taskDefinitions(rb: Runbook): Fake[] {
    return rb.services.map((svc) => ({
        type: "aws:ecs/taskDefinition:TaskDefinition",
        name: `${svc.name}-task`,
        props: {
            family: `${rb.app}-${svc.name}`,
            cpu: String(svc.resources.limits.cpu * 1024),
            memory: String(svc.resources.limits.memoryMiB),
            containerDefinitions: JSON.stringify([
                {
                    name: svc.name,
                    cpu: svc.resources.reservations.cpu * 1024,
                    memory: svc.resources.limits.memoryMiB,
                    memoryReservation: svc.resources.reservations.memoryMiB,
                    image: `ghcr.io/${rb.app}/${svc.name}:1.2.3`,
                    healthCheck: { command: ["CMD-SHELL", `curl -fsS http://localhost:${svc.port}${svc.healthPath} || exit 1`] }, secrets: [{ name: "DATABASE_PASSWORD", valueFrom: "arn:aws:secretsmanager:x" }] },
                { name: "log-router", image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.2" },
            ]),
        },
    }));
}

const editContainer = (r: Fake, edit: (c: Record<string, any>) => void) => {
    const defs = JSON.parse(r.props.containerDefinitions);
    edit(defs[0]);
    r.props.containerDefinitions = JSON.stringify(defs);
};

test("aws-ecs-taskdefinition-*: runbook sizes, health path, pinned images", async (t) => {
    const svc = pfh.services[0];
    await compliantAndBroken(t, "aws-ecs-taskdefinition-healthcheck-limits", PFH_PROD, () => taskDefinitions(pfh), {
        "less memory than the runbook": { edit: (rs) => (rs[0].props.memory = String(svc.resources.limits.memoryMiB / 2)), expect: new RegExp(`task memory is ${svc.resources.limits.memoryMiB / 2} MiB, less than the ${svc.resources.limits.memoryMiB}`) },
        "less CPU than the runbook": { edit: (rs) => (rs[0].props.cpu = "128"), expect: /task cpu is 128 units/ },
        "the app container's hard memory limit halved": {
            edit: (rs) => editContainer(rs[0], (c) => (c.memory = svc.resources.limits.memoryMiB / 2)),
            expect: new RegExp(`hard memory limit is ${svc.resources.limits.memoryMiB / 2} MiB, below the ${svc.resources.limits.memoryMiB} MiB limit.*services.${svc.name}.resources`),
        },
        "the app container's memory reservation halved": {
            edit: (rs) => editContainer(rs[0], (c) => (c.memoryReservation = svc.resources.reservations.memoryMiB / 2)),
            expect: new RegExp(`memoryReservation is ${svc.resources.reservations.memoryMiB / 2} MiB, less than the ${svc.resources.reservations.memoryMiB} MiB reserved`),
        },
        "the app container's cpu reservation halved": {
            edit: (rs) => editContainer(rs[0], (c) => (c.cpu = (svc.resources.reservations.cpu * 1024) / 2)),
            expect: new RegExp(`cpu reserves ${(svc.resources.reservations.cpu * 1024) / 2} units, less than the ${svc.resources.reservations.cpu * 1024} reserved`),
        },
        "the app container reserving nothing beside its sidecar": {
            edit: (rs) => editContainer(rs[0], (c) => (delete c.cpu, delete c.memory, delete c.memoryReservation)),
            expect: /shares its task with 1 other container\(s\) but reserves nothing of its own/,
        },
        "health check on another path": { edit: (rs) => editContainer(rs[0], (c) => (c.healthCheck.command = ["CMD-SHELL", "curl -f http://localhost/"])), expect: new RegExp(`does not request ${svc.healthPath}`) },
        "no health check": { edit: (rs) => editContainer(rs[0], (c) => delete c.healthCheck), expect: /has no healthCheck/ },
    });
    await compliantAndBroken(t, "aws-ecs-taskdefinition-image-pinned", PFH_PROD, () => taskDefinitions(pfh), {
        latest: { edit: (rs) => editContainer(rs[0], (c) => (c.image = "ghcr.io/x/backend:latest")), expect: /the tag "latest" moves/ },
        "no tag": { edit: (rs) => editContainer(rs[0], (c) => (c.image = "nginx")), expect: /has no tag/ },
    });
});

function scaling(rb: Runbook): Fake[] {
    return rb.services.flatMap((svc) => [
        { type: "aws:ecs/service:Service", name: `${svc.name}-service`, props: { name: svc.name, desiredCount: svc.scaling.desired } },
        { type: "aws:appautoscaling/target:Target", name: `${svc.name}-target`, props: { resourceId: `service/cluster/${rb.app}-${svc.name}`, minCapacity: svc.scaling.min, maxCapacity: svc.scaling.max } },
        ...(["CPU", "Memory"] as const).map((m) => ({
            type: "aws:appautoscaling/policy:Policy",
            name: `${svc.name}-${m.toLowerCase()}`,
            props: {
                resourceId: `service/cluster/${rb.app}-${svc.name}`,
                policyType: "TargetTrackingScaling",
                targetTrackingScalingPolicyConfiguration: { targetValue: m === "CPU" ? svc.scaling.cpuTargetPercent : svc.scaling.memoryTargetPercent, predefinedMetricSpecification: { predefinedMetricType: `ECSServiceAverage${m}Utilization` } },
            },
        })),
    ]);
}

test("aws-appautoscaling-*: targets no higher and capacity no lower than the runbook", async (t) => {
    const svc = gravitypm.services[0];
    await compliantAndBroken(t, "aws-appautoscaling-runbook-targets", GRAVITY_PROD, () => scaling(gravitypm), {
        "CPU target raised": { edit: (rs) => (find(rs, `${svc.name}-cpu`).props.targetTrackingScalingPolicyConfiguration.targetValue = 95), expect: new RegExp(`targetValue is 95, above ${svc.scaling.cpuTargetPercent}; ${svc.scaling.defaulted?.cpuTargetPercent ? "the platform default" : "the runbook"} scales.*services.${svc.name}.scaling.cpuTargetPercent`) },
        "memory policy missing": { edit: (rs) => rs.splice(rs.findIndex((r) => r.name === `${svc.name}-memory`), 1), expect: new RegExp(`no target-tracking policy on ECSServiceAverageMemoryUtilization for ECS service ${svc.name}`) },
    });
    await compliantAndBroken(t, "aws-appautoscaling-target-capacity", GRAVITY_PROD, () => scaling(gravitypm), {
        "minimum lowered": { edit: (rs) => (find(rs, `${svc.name}-target`).props.minCapacity = 1), expect: new RegExp(`minCapacity is 1, below ${svc.scaling.min}.*services.${svc.name}.scaling.min`) },
        "maximum lowered": { edit: (rs) => (find(rs, `${svc.name}-target`).props.maxCapacity = svc.scaling.min), expect: new RegExp(`maxCapacity is ${svc.scaling.min}, below ${svc.scaling.max}`) },
    });
});

function blueGreenServices(rb: Runbook): Fake[] {
    const bake = rb.aws.blueGreen ? rb.aws.blueGreen.bakeMinutes : 0;
    return rb.services.map((svc) => ({
        type: "aws:ecs/service:Service",
        name: `${svc.name}-service`,
        props: {
            name: `${rb.app}-${svc.name}`,
            loadBalancers: [{ targetGroupArn: "blue", containerName: svc.name, containerPort: svc.port, advancedConfiguration: { alternateTargetGroupArn: "green" } }],
            deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: String(bake) },
        },
    }));
}

test("aws-ecs-service-blue-green-bake: blue/green where the runbook says, the old colour kept for its watch period", async (t) => {
    const blueGreen = gravitypm.aws.blueGreen;
    if (!blueGreen) return t.fail("gravitypm releases blue/green");
    const svc = gravitypm.services[0];
    await compliantAndBroken(t, "aws-ecs-service-blue-green-bake", GRAVITY_PROD, () => blueGreenServices(gravitypm), {
        "bake time halved": {
            edit: (rs) => (find(rs, `${svc.name}-service`).props.deploymentConfiguration.bakeTimeInMinutes = String(blueGreen.bakeMinutes / 2)),
            expect: new RegExp(`bakeTimeInMinutes is ${blueGreen.bakeMinutes / 2}, below ${blueGreen.bakeMinutes}.*aws.blueGreen.bakeMinutes`),
        },
        "rolling update instead": { edit: (rs) => (find(rs, `${svc.name}-service`).props.deploymentConfiguration = { strategy: "ROLLING" }), expect: /deployment strategy is ROLLING/ },
        "no deployment configuration": { edit: (rs) => delete find(rs, `${svc.name}-service`).props.deploymentConfiguration, expect: /not set \(ROLLING\)/ },
    });
    // A runbook that rolls has nothing to hold a service to.
    const rolling = await check("aws-ecs-service-blue-green-bake", PFH_PROD, blueGreenServices(pfh).map((r) => ({ ...r, props: { ...r.props, deploymentConfiguration: { strategy: "ROLLING" } } })));
    t.deepEqual(rolling.messages, []);
});

test("CloudWatch rule groups are found in AMP data only, Prometheus evidence ignores unrelated YAML", async (t) => {
    const unrelated: Fake = { type: "aws:ssm/parameter:Parameter", name: "p", props: { value: YAML.stringify(ruleGroups(pfh)) } };
    const r = await check("aws-amp-cloudwatch-runbook-alerts", PFH_PROD, [unrelated]);
    t.true(r.messages.length >= pfh.alerts.reduce((n, a) => n + a.levels.length, 0), "rules outside AMP do not implement AWS alerting");
});
