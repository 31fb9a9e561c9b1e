import { PAGED_ENVS } from "../../capabilities/stacks";
import { prometheusEvidence } from "./alerts";
import { alertmanagerConfigs, pages, receiversFor } from "./alertmanager";
import type { AlertSeverity } from "../../runbooks";
import { checkNotificationTiming, responseOf } from "./paging";
import { checkReceiversAsGenerated } from "./receivers";
import { finding, label, type CheckContext, type Finding, type Subject } from "./policy";
import { hasUnknown, isUnknown } from "./inputs";
import { asArray, isRecord } from "./values";

/** Not applicable where no one is paged: a laptop's Alertmanager routes to receivers without integrations. */
export function unpagedEnv(ctx: CheckContext): string | undefined {
    return PAGED_ENVS.includes(ctx.env) ? undefined : `${ctx.env} stacks page no one (only ${PAGED_ENVS.join(" and ")} do)`;
}

const SNS_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const PAGING_PROTOCOLS = ["https", "http", "sms"];

const LAMBDA_FUNCTION = "aws:lambda/function:Function";
/** Paging services' APIs a forwarder function may be configured to call. */
const PAGING_APIS = /(^|\/\/)(events\.pagerduty\.com|events\.eu\.pagerduty\.com|api\.(eu\.)?opsgenie\.com)\//;

const SNS_TOPIC = "aws:sns/topic:Topic";
const RELEASE = "kubernetes:helm.sh/v3:Release";

type Labels = Readonly<Record<string, string>>;

/**
 * Labels Prometheus adds to every alert it sends (its external labels; a rule's own label of the
 * same name wins): the Prometheus operator's `prometheus` (`<namespace>/<name>`) and
 * `prometheus_replica` (`prometheus-<name>-<ordinal>`; the operator drops it again before
 * Alertmanager, so both with and without it), and `externalLabels` of kube-prometheus-stack's
 * values. A route that matches on them sees them: routes are followed with each set. `[{}]` when
 * no Prometheus of the stack adds any (a Docker or AWS stack's collector labels are held by the
 * config policies to the generated ones, which the rules' `env` label already carries).
 */
export function externalLabelSets(all: readonly Subject[]): Labels[] {
    const out: Labels[] = [];
    for (const r of all.filter((x) => x.type === RELEASE && x.props.chart === "kube-prometheus-stack")) {
        const values = isRecord(r.props.values) ? r.props.values : {};
        const spec = isRecord(values.prometheus?.prometheusSpec) ? values.prometheus.prometheusSpec : {};
        const name = `${typeof values.fullnameOverride === "string" ? values.fullnameOverride : String(r.props.name ?? r.name)}-prometheus`;
        const promLabel = typeof spec.prometheusExternalLabelName === "string" ? spec.prometheusExternalLabelName : "prometheus";
        const replicaLabel = typeof spec.replicaExternalLabelName === "string" ? spec.replicaExternalLabelName : "prometheus_replica";
        const extra = Object.fromEntries(Object.entries(isRecord(spec.externalLabels) ? spec.externalLabels : {}).map(([k, v]) => [k, String(v)]));
        const base: Record<string, string> = { ...extra, ...(promLabel ? { [promLabel]: `${String(r.props.namespace ?? "default")}/${name}` } : {}) };
        out.push(base, replicaLabel ? { ...base, [replicaLabel]: `prometheus-${name}-0` } : base);
    }
    return out.length ? out : [{}];
}

/** Each label set as Alertmanager receives it: every external label set under the rule's own labels. */
const withExternal = (sets: readonly Labels[], external: readonly Labels[]): Labels[] => sets.flatMap((l) => external.map((e) => ({ ...e, ...l })));

/**
 * Whether a subscription reaches a pager: an HTTPS integration endpoint, an SMS, or a Lambda
 * forwarder configured to call a paging API. Undefined when that is unknown until deploy (a
 * forwarder whose environment is built from an ARN, in a first preview): nothing to report yet.
 */
function subscriptionPages(resources: readonly Subject[], sub: Subject): boolean | undefined {
    if (isUnknown(sub.props.protocol)) return undefined;
    const protocol = typeof sub.props.protocol === "string" ? sub.props.protocol.toLowerCase() : "";
    if (PAGING_PROTOCOLS.includes(protocol)) return true;
    if (protocol !== "lambda") return false;
    const endpoint = typeof sub.props.endpoint === "string" ? sub.props.endpoint : undefined;
    // A forwarder's ARN is unknown until it exists: the subscription then names it by depending on it.
    const fns = resources.filter((r) => r.type === LAMBDA_FUNCTION && (endpoint === undefined ? (sub.dependencies ?? []).includes(r.urn) : r.props.name === endpoint.split(":").pop() || r.name === endpoint.split(":").pop() || r.props.arn === endpoint));
    const verdicts = fns.map((r): boolean | undefined => {
        const vars = r.props.environment?.variables;
        if (isUnknown(r.props.environment) || isUnknown(vars)) return undefined;
        return Object.values(isRecord(vars) ? vars : {}).some((v) => typeof v === "string" && PAGING_APIS.test(v)) || (Object.values(isRecord(vars) ? vars : {}).some(isUnknown) ? undefined : false);
    });
    return verdicts.includes(true) ? true : verdicts.includes(undefined) ? undefined : false;
}

/**
 * Whether an SNS topic pages: it has a subscription that reaches a pager (a chat forwarder does
 * not). The topic is named by its ARN, or — where the ARN is unknown until deploy (a first
 * preview) — by the resource that refers to it (`from`): a topic `from` depends on, and the
 * subscriptions that depend on that topic. Undefined when the answer is unknown until deploy.
 */
export function snsTopicPages(resources: readonly Subject[]): (arn: unknown, from?: Subject) => boolean | undefined {
    const subs = resources.filter((r) => r.type === SNS_SUBSCRIPTION);
    const topics = resources.filter((r) => r.type === SNS_TOPIC);
    const any = (verdicts: (boolean | undefined)[]) => (verdicts.includes(true) ? true : verdicts.includes(undefined) ? undefined : false);
    return (arn, from) => {
        if (typeof arn === "string") return any(subs.filter((r) => r.props.topic === arn).map((r) => subscriptionPages(resources, r)));
        if (!isUnknown(arn) || !from) return false;
        const deps = new Set(from.dependencies ?? []);
        return any(topics.filter((t) => deps.has(t.urn)).flatMap((t) => subs.filter((r) => (r.dependencies ?? []).includes(t.urn)).map((r) => subscriptionPages(resources, r))));
    };
}

/**
 * Every alert the runbook rates critical is routed by every Alertmanager configuration of the
 * stack to a receiver that pages a person, with the labels its rule actually carries.
 */
export function checkCriticalPaging(ctx: CheckContext, subjects: readonly Subject[], all: readonly Subject[], where: string): Finding[] {
    const critical = ctx.runbook.alerts.filter((a) => a.levels.some((l) => l.severity === "critical"));
    const requirement = responseOf(ctx.runbook, "critical").why;
    const configs = alertmanagerConfigs(subjects);
    if (critical.length === 0) return [];
    // A configuration built from values unknown until deploy (a topic ARN in a first preview) is checked on the update, not reported missing.
    if (configs.length === 0 && subjects.some((s) => hasUnknown(s.props))) return [];
    if (configs.length === 0) {
        return [finding(`${where} has no Alertmanager configuration (route + receivers), so no critical alert reaches a pager; ${requirement}`, { key: "incident.alertResponse.critical" })];
    }
    const rules = prometheusEvidence(ctx.runbook, subjects);
    const external = externalLabelSets(all);
    const topicPages = snsTopicPages(all);
    const out: Finding[] = [];
    // One finding per alert and receivers, however many external label sets lead there.
    const reported = new Set<string>();
    for (const cfg of configs) {
        const byName = new Map(cfg.receivers.map((r) => [String(r.name), r]));
        for (const alert of critical) {
            const labelled = rules.filter((r) => r.alertId === alert.id && r.severity === "critical").map((r) => ({ alertname: r.name, ...r.labels }));
            const labelSets = labelled.length ? labelled : [{ alertname: alert.id, severity: "critical", app: ctx.app }];
            for (const labels of withExternal(labelSets.map((l) => ({ app: ctx.app, ...l })), external)) {
                const names = receiversFor(cfg.route, labels);
                const paging = names.filter((n) => {
                    const r = byName.get(n);
                    return isRecord(r) && pages(r, (arn) => topicPages(arn, cfg.subject));
                });
                if (paging.length === 0 && !reported.has(`${cfg.subject.urn} ${labels.alertname} ${names.join(",")}`)) {
                    reported.add(`${cfg.subject.urn} ${labels.alertname} ${names.join(",")}`);
                    const shown = names.length ? names.map((n) => `"${n}"${byName.has(n) ? ` (${Object.keys(byName.get(n) ?? {}).filter((k) => k !== "name" && asArray(byName.get(n)?.[k]).length).join(", ") || "no integrations"})` : " (not defined)"}`).join(", ") : "no receiver";
                    out.push(
                        finding(`${label(cfg.subject)} routes critical alert "${labels.alertname}" (${alert.id}) to ${shown}, none of which pages a person (PagerDuty/Opsgenie, or SNS with a paging subscription); ${requirement}`, {
                            urn: cfg.subject.urn,
                            key: "incident.alertResponse.critical",
                        }),
                    );
                }
            }
        }
    }
    const labelSets = (alertId: string, severity: AlertSeverity) => {
        const labelled = rules.filter((r) => r.alertId === alertId && r.severity === severity).map((r) => ({ alertname: r.name, ...r.labels }));
        return labelled.length ? labelled : [{ alertname: alertId, severity, app: ctx.app }];
    };
    out.push(...checkNotificationTiming(ctx.runbook, configs, (id, severity) => withExternal(labelSets(id, severity).map((l) => ({ app: ctx.app, ...l })), external)));
    const bySeverity = (severity: AlertSeverity) => rules.filter((r) => r.severity === severity).map((r) => ({ alertname: r.name, ...r.labels }));
    for (const cfg of configs) out.push(...checkReceiversAsGenerated(ctx.runbook, ctx.env, cfg, bySeverity, external));
    return out;
}
