import type { StackPlan } from "../../cli/harness/runtime";
import { durationSeconds, type Runbook } from "../../runbooks";
import { cnpgBackups, cronJobBackups } from "../../policies/lib/kubernetes-backups";
import type { Subject } from "../../policies/lib/policy";
import { sample, type Mutation } from "./mutation-lib";
import { editRules, rulesOf } from "./mutation-subjects";
import { alarmMetricMutations } from "./mutation-alarm-metrics";
import { scalingMutations } from "./mutation-scaling";
import { deliveryMutations } from "./mutation-delivery";
import { dataStoreMutations } from "./mutation-data-stores";
import { k8sObjectMutations } from "./mutation-k8s-objects";
import { ALB_DEFAULT_SESSION_SECONDS } from "../../capabilities/aws/grafana";
import { awsLoop13Mutations } from "./mutation-aws-loop13";
import { editUrn } from "./plan-edits";
import { healthTimingMutations } from "./mutation-health-timing";
import { egress13Mutations } from "./mutation-egress13";
import { signalMutations } from "./mutation-signals";
import { aws13Mutations } from "./mutation-aws13";
import { paging13Mutations } from "./mutation-paging13";

/**
 * Switch mutations of issue 13, generated from the baseline plan: guards that exist yet are
 * switched off outside the settings the older policies read — the alerting pipeline around
 * Alertmanager (AWS topic policies, the pager forwarder, the heartbeat; the kube-prometheus-stack
 * values), backups that back up nothing (selections, vaults, restore testing; backup CronJobs and
 * CloudNativePG), and Route 53 health checks that tell nothing. Each is one edit of one subject.
 */

type Planned = StackPlan["resources"][number];
const PER_SWITCH = 2;

const asSubject = (r: Planned): Subject => ({ type: r.type, name: r.name, urn: r.urn, props: r.props as Record<string, any>, opts: { protect: r.options.protect, parent: r.parent }, dependencies: r.options.dependsOn });

/** A copy of the plan with one resource edited (props and inputs alike, as the engine shows them). */

const without = (plan: StackPlan, urn: string): StackPlan => ({ ...plan, resources: plan.resources.filter((r) => r.urn !== urn) });

const container0 = (p: Record<string, any>) => p.spec?.jobTemplate?.spec?.template?.spec?.containers?.[0] as Record<string, any> | undefined;
function setEnv(p: Record<string, any>, name: string, value: string): void {
    const c = container0(p);
    if (!c) return;
    const env = (c.env ??= []) as Record<string, any>[];
    const e = env.find((x) => x.name === name);
    if (e) {
        delete e.valueFrom;
        e.value = value;
    } else env.push({ name, value });
}

export function offSwitchMutations(rb: Runbook, plan: StackPlan): Mutation[] {
    const subjects = plan.resources.map(asSubject);
    const out: Mutation[] = [];
    const of = (type: string, match: (s: Subject) => boolean = () => true) => subjects.filter((s) => s.type === type && match(s));
    const add = (kind: string, policies: string[], targets: readonly Subject[], edit: (p: Record<string, any>) => void, what: string) => {
        for (const s of sample(targets, PER_SWITCH, `${plan.stack}:${kind}`)) out.push({ id: `${kind}: ${s.name} ${what}`, how: "plan edit", policies, batch: `L:${kind}:${s.urn}`, edit: (pl) => editUrn(pl, s.urn, edit) });
    };
    const remove = (kind: string, policies: string[], targets: readonly Subject[], what: string) => {
        for (const s of sample(targets, PER_SWITCH, `${plan.stack}:${kind}`)) out.push({ id: `${kind}: ${s.name} ${what}`, how: "plan edit", policies, batch: `L:${kind}:${s.urn}`, edit: (pl) => without(pl, s.urn) });
    };

    // A. The alerting pipeline on AWS: the paging topic, its forwarder, the dead-man's switch.
    const PIPE = ["aws-alerting-pipeline-intact"];
    const pagingTopics = new Set(
        of("aws:sns/topicSubscription:TopicSubscription", (s) => s.props.protocol === "lambda" && /pager/.test(String(s.props.endpoint))).map((s) => String(s.props.topic)),
    );
    add("topic-policy", PIPE, of("aws:sns/topicPolicy:TopicPolicy", (s) => pagingTopics.has(String(s.props.arn))), (p) => (p.policy = String(p.policy).replace(/"Effect":"Allow"/g, '"Effect":"Deny"')), "Allow → Deny");
    const pagers = of("aws:lambda/function:Function", (s) => typeof s.props.environment?.variables?.ROUTING_KEY_SECRET_ARN === "string");
    add("pager-concurrency", PIPE, pagers, (p) => (p.reservedConcurrentExecutions = 0), "reservedConcurrentExecutions → 0");
    add("pager-secret", PIPE, pagers, (p) => (p.environment.variables.ROUTING_KEY_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:not-this-stack-AbCdEf"), "routing key secret → another account's");
    const pagerNames = new Set(pagers.map((s) => s.props.name));
    remove("pager-permission", PIPE, of("aws:lambda/permission:Permission", (s) => pagerNames.has(s.props.function)), "deleted");
    const heartbeats = of("aws:cloudwatch/metricAlarm:MetricAlarm", (s) => s.props.namespace === "AWS/SNS" && s.props.metricName === "NumberOfMessagesPublished");
    add("heartbeat", PIPE, heartbeats, (p) => (p.actionsEnabled = false), "actionsEnabled → false");
    remove("heartbeat", PIPE, heartbeats, "deleted");

    // A. The alerting pipeline on Kubernetes: the kube-prometheus-stack values.
    const KPS = ["k8s-alerting-pipeline-enabled"];
    const kps = of("kubernetes:helm.sh/v3:Release", (s) => s.props.chart === "kube-prometheus-stack");
    add("kps", KPS, kps, (p) => (p.values.alertmanager = { ...p.values.alertmanager, enabled: false }), "alertmanager.enabled → false");
    add("kps-am-replicas", KPS, kps, (p) => (p.values.alertmanager.alertmanagerSpec = { ...p.values.alertmanager.alertmanagerSpec, replicas: 0 }), "alertmanager replicas → 0");
    add("kps-config", KPS, kps, (p) => (p.values.alertmanager.alertmanagerSpec = { ...p.values.alertmanager.alertmanagerSpec, configSecret: "other-secret" }), "configSecret → a Secret not of the stack");
    add("kps-prom-replicas", KPS, kps, (p) => (p.values.prometheus.prometheusSpec = { ...p.values.prometheus.prometheusSpec, replicas: 0 }), "prometheus replicas → 0");
    add("kps-rules", KPS, kps, (p) => (p.values.prometheus.prometheusSpec = { ...p.values.prometheus.prometheusSpec, ruleSelector: { matchLabels: { "selects-nothing": "true" } } }), "ruleSelector → a label no rule has");
    add("kps-eval", KPS, kps, (p) => (p.values.prometheus.prometheusSpec = { ...p.values.prometheus.prometheusSpec, evaluationInterval: "30m" }), "evaluationInterval → 30m");

    // B. Backups on AWS that back up or restore-test nothing.
    const SEL = ["aws-backup-selection-effective"];
    add("selection-not", SEL, of("aws:backup/selection:Selection"), (p) => (p.notResources = ["*"]), "notResources → *");
    add("selection-condition", SEL, of("aws:backup/selection:Selection", (s) => (s.props.selectionTags ?? []).length > 0), (p) => (p.conditions = { stringEquals: [{ key: "aws:ResourceTag/carried-by-nothing", value: "true" }] }), "condition on a tag nothing carries");
    add("selection-role", SEL, of("aws:backup/selection:Selection"), (p) => (p.iamRoleArn = "arn:aws:iam::123456789012:role/not-this-stack"), "iamRoleArn → a role not of the stack");
    add("plan-vault", SEL, of("aws:backup/plan:Plan"), (p) => (p.rules = p.rules.map((r: Record<string, any>) => ({ ...r, targetVaultName: "scratch-vault" }))), "targetVaultName → a vault not of the stack");
    add("lock-max", SEL, of("aws:backup/vaultLockConfiguration:VaultLockConfiguration"), (p) => (p.maxRetentionDays = 1), "maxRetentionDays → 1");
    add("restore-exclude", SEL, of("aws:backup/restoreTestingPlan:RestoreTestingPlan"), (p) => (p.recoveryPointSelection = { ...p.recoveryPointSelection, excludeVaults: p.recoveryPointSelection.includeVaults }), "excludeVaults = includeVaults");
    add("restore-type", SEL, of("aws:backup/restoreTestingSelection:RestoreTestingSelection"), (p) => (p.protectedResourceType = "EBS"), "protectedResourceType → EBS");

    // B. Backups on Kubernetes that back up nothing.
    const JOB = ["k8s-backup-job-effective"];
    const jobs = [...new Set(cronJobBackups(subjects).filter((e) => rb.backups.some((b) => b.dataset === e.dataset)).map((e) => e.subject))];
    add("backup-command", JOB, jobs, (p) => (container0(p)!.command = ["bash", "/opt/platform/run-job.sh", "true"]), "command → true");
    add("backup-dest", JOB, jobs.filter((s) => container0(s.props)?.env?.some((e: Record<string, any>) => e.name === "BACKUP_DEST")), (p) => setEnv(p, "BACKUP_DEST", "/tmp/dumps"), "BACKUP_DEST → /tmp");
    add("backup-deadline", JOB, jobs, (p) => (p.spec.jobTemplate.spec.activeDeadlineSeconds = 1), "activeDeadlineSeconds → 1");
    if (rb.data.postgres) add("backup-database", JOB, jobs.filter((s) => container0(s.props)?.env?.some((e: Record<string, any>) => e.name === "PGDATABASE")), (p) => setEnv(p, "PGDATABASE", "postgres"), "PGDATABASE → postgres");
    const clusters = new Set(cnpgBackups(subjects).map((e) => e.subject.props.spec?.cluster?.name));
    add("cnpg-store", ["k8s-cnpg-scheduledbackup-runbook-schedule"], of("kubernetes:postgresql.cnpg.io/v1:Cluster", (s) => clusters.has(s.props.metadata?.name)), (p) => {
        p.spec = { ...p.spec, backup: { ...p.spec.backup } };
        delete p.spec.backup.barmanObjectStore;
    }, "barmanObjectStore removed");

    // C. Route 53 health checks that tell nothing.
    const REACH = ["aws-route53-public-host-reachability"];
    const checks = of("aws:route53/healthCheck:HealthCheck");
    add("healthcheck-disabled", REACH, checks, (p) => (p.disabled = true), "disabled");
    add("healthcheck-inverted", REACH, checks, (p) => (p.invertHealthcheck = true), "inverted");
    add("healthcheck-slow", REACH, checks, (p) => (p.failureThreshold = 10), "failureThreshold → 10");
    add("healthcheck-pinned", REACH, checks, (p) => (p.ipAddress = "192.0.2.10"), "ipAddress pinned");

    // E. Pods that reach past their containers, and credentials in clear.
    const POD = ["k8s-workload-pod-security"];
    const deployments = of("kubernetes:apps/v1:Deployment", (s) => Array.isArray(s.props.spec?.template?.spec?.containers));
    add("pod-privileged", POD, deployments, (p) => (p.spec.template.spec.containers[0].securityContext = { ...p.spec.template.spec.containers[0].securityContext, privileged: true }), "privileged");
    add("pod-host", POD, deployments, (p) => (p.spec.template.spec.hostNetwork = true), "hostNetwork");
    const podNamespaces = new Set(deployments.map((s) => s.props.metadata?.namespace));
    add("namespace-pss", POD, of("kubernetes:core/v1:Namespace", (s) => podNamespaces.has(s.props.metadata?.name)), (p) => (p.metadata = { ...p.metadata, labels: { ...p.metadata.labels, "pod-security.kubernetes.io/enforce": "privileged" } }), "enforce → privileged");
    add("env-credential", ["platform-no-literal-secrets"], jobs.filter((s) => container0(s.props)?.env?.some((e: Record<string, any>) => e.name === "PGPASSWORD")), (p) => setEnv(p, "PGPASSWORD", "hunter2hunter2"), "PGPASSWORD → a literal");

    // D. Scaling that cannot scale.
    const SCALE = ["k8s-autoscaler-effective"];
    const hpas = of("kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
    add("hpa-disabled", SCALE, hpas, (p) => (p.spec = { ...p.spec, behavior: { scaleUp: { selectPolicy: "Disabled" } } }), "scaleUp disabled");
    add("hpa-target", SCALE, hpas, (p) => (p.spec = { ...p.spec, scaleTargetRef: { ...p.spec.scaleTargetRef, name: `${p.spec.scaleTargetRef?.name}-old` } }), "scaleTargetRef → a workload not of the stack");
    add("keda-paused", SCALE, of("kubernetes:keda.sh/v1alpha1:ScaledObject"), (p) => (p.metadata = { ...p.metadata, annotations: { ...p.metadata?.annotations, "autoscaling.keda.sh/paused": "true" } }), "paused");
    const AAS = ["aws-appautoscaling-policy-effective"];
    const aas = of("aws:appautoscaling/policy:Policy");
    add("aas-resource", AAS, aas, (p) => (p.resourceId = `${p.resourceId}-old`), "resourceId → a service not of the stack");
    add("aas-cooldown", AAS, aas.filter((s) => s.props.targetTrackingScalingPolicyConfiguration), (p) => (p.targetTrackingScalingPolicyConfiguration = { ...p.targetTrackingScalingPolicyConfiguration, scaleOutCooldown: 3600 }), "scaleOutCooldown → 3600");

    // F. Rules that cannot fire although their threshold and for look right (review finding 1):
    // one runbook rule's expression edited, or the Watchdog gone, in a resource holding both.
    const EXPR = ["k8s-prometheusrule-runbook-alerts", "aws-amp-cloudwatch-runbook-alerts"];
    const ids = new Set(rb.alerts.map((a) => a.id));
    const runbookRule = (r: { labels?: Record<string, string> }) => ids.has(r.labels?.alert_id ?? "");
    const holders = of("kubernetes:monitoring.coreos.com/v1:PrometheusRule")
        .concat(of("aws:amp/ruleGroupNamespace:RuleGroupNamespace"))
        .filter((s) => rulesOf(s.props).some(runbookRule) && rulesOf(s.props).some((r) => r.alert === "Watchdog"));
    const firstRule = (edit: (expr: string) => string) => (p: Record<string, any>) => {
        let done = false;
        editRules(p, (r) => {
            if (!done && runbookRule(r)) {
                r.expr = edit(r.expr);
                done = true;
            }
        });
    };
    add("rule-unless", EXPR, holders, firstRule((e) => `${e} unless on() vector(1)`), "a runbook rule's expr + unless on() vector(1)");
    add("rule-zero", EXPR, holders, firstRule((e) => `0 * ${e}`), "a runbook rule's expr multiplied by 0");
    add("rule-window", EXPR, holders, firstRule((e) => (/\[[0-9]+[smh]\]/.test(e) ? e.replace(/\[[0-9]+[smh]\]/g, "[6h]") : e.replace(/app="/g, 'app="x-'))), "a runbook rule's range → 6h (or app label typo)");
    // Issue 14's timing (rules.ts conditionExpr): a per-scrape rate's bridge dropped, its reading widened back to a 5-minute rate, or any level's `for` lengthened.
    const ruleWhere = (pick: (r: { expr: string }) => boolean, edit: (r: { expr: string; for?: string }) => void) => (p: Record<string, any>) => {
        let done = false;
        editRules(p, (r) => {
            if (!done && runbookRule(r) && pick(r)) {
                edit(r);
                done = true;
            }
        });
    };
    const bridged = (r: { expr: string }) => /\birate\(/.test(r.expr) && / offset \d+s\b/.test(r.expr);
    const bridgeHolders = holders.filter((h) => rulesOf(h.props).some((r) => runbookRule(r) && bridged(r)));
    add("rule-bridge-dropped", EXPR, bridgeHolders, ruleWhere(bridged, (r) => (r.expr = r.expr.slice(0, r.expr.lastIndexOf(" or (")))), "a per-scrape rule's bridge (`or … offset`) dropped");
    add("rule-rate-5m", EXPR, bridgeHolders, ruleWhere(bridged, (r) => (r.expr = r.expr.replace(/\birate\(([^[]*)\[1m\]/g, "rate($1[5m]"))), "a per-scrape rule's irate(…[1m]) → rate(…[5m])");
    add("rule-for-longer", EXPR, holders, ruleWhere(() => true, (r) => (r.for = `${2 * durationSeconds(r.for ?? "0s") + 60}s`)), "a runbook rule's for doubled plus a minute");
    add("rule-watchdog", EXPR, holders, (p) => editRules(p, (r) => r.alert === "Watchdog" && (r.alert = "WatchdogRetired")), "Watchdog renamed away");
    // G. Grafana's sign-in held open for a week (review finding 21): the listener rule's Cognito session.
    const signIns = of("aws:lb/listenerRule:ListenerRule", (s) => (s.props.actions ?? []).some((a: Record<string, any>) => a?.type === "authenticate-cognito"));
    add("grafana-session", ["aws-lb-listenerrule-grafana-authenticated"], signIns, (p) => {
        for (const a of p.actions) if (a?.type === "authenticate-cognito") a.authenticateCognito = { ...a.authenticateCognito, sessionTimeout: ALB_DEFAULT_SESSION_SECONDS };
    }, `authenticate-cognito sessionTimeout → ${ALB_DEFAULT_SESSION_SECONDS}`);
    // E. Alarms and platform rules that exist, with the right numbers, yet measure nothing (mutation-alarm-metrics.ts).
    out.push(...alarmMetricMutations(rb, plan, sample));
    // D. Scaling, readiness and disruption switched off (review findings 4, 5, 10, 11, 14a; mutation-scaling.ts).
    out.push(...scalingMutations(rb, plan, sample));
    // A. Alert delivery switched off in the channels, forwarders, schedules and Alertmanager receivers (mutation-delivery.ts).
    out.push(...deliveryMutations(rb, plan));
    // G. Data stores held to their generated settings (mutation-data-stores.ts).
    out.push(...dataStoreMutations(rb, plan, sample));
    // Issue 13's remaining AWS switches: MSK ACLs and configuration, ECS health timing, alert destinations (mutation-aws-loop13.ts).
    out.push(...awsLoop13Mutations(rb, plan));
    // Kubernetes object by object: NetworkPolicy coverage and peers, KEDA triggers, probe timing (loop 13; mutation-k8s-objects.ts).
    out.push(...k8sObjectMutations(rb, plan));
    // Health timings the program itself used to break: the timeout and initial delay the old bounds left out, MSK's pinned revision (program13; mutation-health-timing.ts).
    out.push(...healthTimingMutations(rb, plan));
    // Kubernetes: the data stores' egress as generated, the operators namespace on its operators' ports (issue 13; mutation-egress13.ts).
    out.push(...egress13Mutations(rb, plan));
    // Signals bent on the way to the rules: the AWS agent's file, monitors, blackbox modules and Probes (review findings 5, 6, 12; mutation-signals.ts).
    out.push(...signalMutations(rb, plan));
    // Stores that keep nothing: CronJobs that never run, Redis persistence, Loki and data volumes, promtail (stores13; mutation-stores13.ts).
    out.push(...storesMutations(rb, plan, sample));
    // Review findings 10 (production), 13 and 15 (fix13, aws13): ECS capacity and log destinations, log groups, p95 samples, backup windows, CNPG destination (mutation-aws13.ts).
    out.push(...aws13Mutations(rb, plan));
    // Paging switched off where the older policies did not look: alert path values, Alertmanager global, external labels, grouping, absence rules (fix13 paging; mutation-paging13.ts).
    out.push(...paging13Mutations(rb, plan));
    return out;
}

import { storesMutations } from "./mutation-stores13";
