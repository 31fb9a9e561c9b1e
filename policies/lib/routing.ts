import { PAGED_ENVS } from "../../stacks/settings";
import { prometheusEvidence } from "./alerts";
import { alertmanagerConfigs, pages, receiversFor } from "./alertmanager";
import { cite, finding, label, type CheckContext, type Finding, type Subject } from "./policy";
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

/** A Lambda function whose configuration points it at a paging API (PagerDuty Events, Opsgenie). */
function pagingFunction(resources: readonly Subject[], endpoint: string): boolean {
    const name = endpoint.split(":").pop();
    return resources.some(
        (r) =>
            r.type === LAMBDA_FUNCTION &&
            (r.props.name === name || r.name === name || r.props.arn === endpoint) &&
            Object.values(isRecord(r.props.environment?.variables) ? r.props.environment.variables : {}).some((v) => typeof v === "string" && PAGING_APIS.test(v)),
    );
}

/**
 * An SNS topic pages when it has a subscription that reaches a pager: an HTTPS integration
 * endpoint, an SMS, or a Lambda function configured to call a paging API (the Events API v2
 * forwarder). A chat forwarder does not page.
 */
export function snsTopicPages(resources: readonly Subject[]): (arn: string) => boolean {
    return (arn) =>
        resources.some((r) => {
            if (r.type !== SNS_SUBSCRIPTION || r.props.topic !== arn) return false;
            const protocol = String(r.props.protocol ?? "").toLowerCase();
            return PAGING_PROTOCOLS.includes(protocol) || (protocol === "lambda" && pagingFunction(resources, String(r.props.endpoint ?? "")));
        });
}

/**
 * Every alert the runbook rates critical is routed by every Alertmanager configuration of the
 * stack to a receiver that pages a person, with the labels its rule actually carries.
 */
export function checkCriticalPaging(ctx: CheckContext, subjects: readonly Subject[], all: readonly Subject[], where: string): Finding[] {
    const critical = ctx.runbook.alerts.filter((a) => a.levels.some((l) => l.severity === "critical"));
    const response = ctx.runbook.incident.alertResponse.critical;
    const requirement = `the runbook answers critical alerts within ${response.minutes === 0 ? "minutes, immediately" : `${response.minutes} minutes`} ${cite(response.source ?? ctx.runbook.incident.severities.find((s) => s.alertSeverity === "critical")?.source)}`;
    const configs = alertmanagerConfigs(subjects);
    if (critical.length === 0) return [];
    if (configs.length === 0) {
        return [finding(`${where} has no Alertmanager configuration (route + receivers), so no critical alert reaches a pager; ${requirement}`, { key: "incident.alertResponse.critical" })];
    }
    const rules = prometheusEvidence(ctx.runbook, subjects);
    const topicPages = snsTopicPages(all);
    const out: Finding[] = [];
    for (const cfg of configs) {
        const byName = new Map(cfg.receivers.map((r) => [String(r.name), r]));
        for (const alert of critical) {
            const labelled = rules.filter((r) => r.alertId === alert.id && r.severity === "critical").map((r) => ({ alertname: r.name, ...r.labels }));
            const labelSets = labelled.length ? labelled : [{ alertname: alert.id, severity: "critical", app: ctx.app }];
            for (const labels of labelSets) {
                const names = receiversFor(cfg.route, { app: ctx.app, ...labels });
                const paging = names.filter((n) => {
                    const r = byName.get(n);
                    return isRecord(r) && pages(r, topicPages);
                });
                if (paging.length === 0) {
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
    return out;
}
