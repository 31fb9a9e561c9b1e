import YAML from "yaml";
import { ALERT_SEVERITIES, type AlertSeverity, type Env, type Runbook } from "../../runbooks";
import { WATCHDOG, alertName } from "./rules";
import { oneOf } from "./selectors";
import { SIGNAL_SPECS } from "./signals";
import { alertIdMatcher, maintenanceMute } from "./maintenance";

/**
 * Alertmanager configuration from the runbook's severity model: critical pages, warning goes to
 * chat (and email where the runbook names one), info goes to chat with a long repeat, the
 * Watchdog feeds a dead man's switch. Keys and URLs are inputs: the targets fill them from secrets.
 */

export interface SmtpSettings {
    /** `host:port` of the mail relay. */
    readonly smarthost: string;
    readonly from: string;
    readonly authUsername?: string;
    readonly authPassword?: string;
}

/** Receivers Alertmanager calls itself (Docker and Kubernetes targets). */
export interface DirectReceivers {
    readonly kind: "direct";
    /** PagerDuty Events API v2 integration key. */
    readonly pagerdutyRoutingKey: string;
    /** Slack incoming webhook; the channel comes from the runbook. */
    readonly slackWebhookUrl: string;
    /** URL the Watchdog pings (healthchecks.io, Dead Man's Snitch, ...). */
    readonly deadMansSwitchUrl: string;
    /** Required when the runbook names an alert email address. */
    readonly smtp?: SmtpSettings;
}

/**
 * Receivers for the Amazon Managed Prometheus alert manager, which can only publish to SNS: one
 * topic per severity, which the AWS target subscribes to that severity's channels
 * (`severityChannels`): PagerDuty, chat, the runbook's email address.
 */
export interface SnsReceivers {
    readonly kind: "sns";
    readonly region: string;
    /** The topic each severity's notifications are published to. */
    readonly topicArns: Readonly<Record<AlertSeverity, string>>;
    readonly deadMansSwitchTopicArn: string;
}

export type Receivers = DirectReceivers | SnsReceivers;

export interface RouteTimings {
    readonly group_wait: string;
    readonly group_interval: string;
    readonly repeat_interval: string;
}

/** Whole seconds as the shortest exact Alertmanager duration: `90s`, `7m`, `2h`. */
export function formatDuration(seconds: number): string {
    if (seconds % 3600 === 0) return `${seconds / 3600}h`;
    if (seconds % 60 === 0) return `${seconds / 60}m`;
    return `${seconds}s`;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * Notification timings from a response window of `minutes` (0 = respond immediately):
 * - `group_wait`: a tenth of the window, 10 s to 5 min, so alerts that start together arrive in
 *   one message without eating into the window;
 * - `group_interval`: a sixth of the window in whole minutes, 1 to 30 min;
 * - `repeat_interval`: half the window in whole minutes, at least 5 min, so an alert nobody has
 *   acted on is sent again (repeat + one group interval) before the window ends.
 */
export function routeTimings(minutes: number): RouteTimings {
    const groupMinutes = clamp(Math.floor(minutes / 6), 1, 30);
    // A reminder of an unanswered alert (repeat + group interval) lands within the response window
    // when the runbook gives one (aws/k8s/docker paging policies hold this); 5 min otherwise.
    const repeatMinutes = minutes > 0 ? Math.min(Math.max(5, Math.floor(minutes / 2)), Math.max(1, minutes - groupMinutes)) : 5;
    return {
        group_wait: formatDuration(clamp(Math.round(minutes * 6), 10, 300)),
        group_interval: formatDuration(60 * groupMinutes),
        repeat_interval: formatDuration(60 * repeatMinutes),
    };
}

/** The dead man's switch expects a ping at least every repeat + group interval: set its grace above 6 min. */
export const WATCHDOG_TIMINGS: RouteTimings = { group_wait: "0s", group_interval: "1m", repeat_interval: "5m" };

export type ReceiverRole = AlertSeverity | "watchdog";

/** Where a notification reaches people: the pager, the team's chat channel, the runbook's alert email. */
export type Channel = "pager" | "chat" | "email";

/**
 * The severity → channel decision, made here once for every target: critical pages (and lands in
 * chat, so the team sees what the on-call engineer sees), warning goes to chat and to the
 * runbook's alert email where it names one, info to chat. Alertmanager's direct receivers are
 * built from it, and on AWS it decides which forwarder and subscription reads which topic.
 */
export function severityChannels(runbook: Runbook): Readonly<Record<AlertSeverity, readonly Channel[]>> {
    const email = runbook.incident.channels.email ? (["email"] as const) : [];
    return { critical: ["pager", "chat"], warning: ["chat", ...email], info: ["chat"] };
}

/** The severities whose notifications reach `channel`, most severe first. */
export function severitiesReaching(runbook: Runbook, channel: Channel): AlertSeverity[] {
    const table = severityChannels(runbook);
    return ALERT_SEVERITIES.filter((s) => table[s].includes(channel));
}

export function receiverName(app: string, role: ReceiverRole): string {
    return { critical: `${app}-pager`, warning: `${app}-chat-warning`, info: `${app}-chat-info`, watchdog: `${app}-deadmans-switch` }[role];
}

/**
 * Labels that must match for a more severe alert to silence a milder one: the same alert of the
 * same app and env, and the same instance (every label any signal uses to tell instances apart).
 */
export function inhibitEqualLabels(): string[] {
    return ["app", "env", "alert_id", ...new Set(Object.values(SIGNAL_SPECS).flatMap((s) => s.identity.filter((l) => l !== "app")))];
}

/**
 * The SNS message Amazon Managed Prometheus publishes (`sns_configs[].message`): `key=value`
 * lines the forwarders read, the summary and the alerts' descriptions last (they may span lines).
 * Alertmanager's templates cannot escape JSON, so the message is not JSON.
 */
export const SNS_MESSAGE = [
    "status={{ .Status }}",
    // Templates have no group key; the group's labels (route group_by) identify the group.
    "group={{ range .GroupLabels.SortedPairs }}{{ .Name }}:{{ .Value }};{{ end }}",
    "alertname={{ .CommonLabels.alertname }}",
    "severity={{ .CommonLabels.severity }}",
    "summary={{ .CommonAnnotations.summary }}",
    "{{ range .Alerts }}{{ .Annotations.description }} {{ .Annotations.runbook_url }}",
    "{{ end }}",
].join("\n");

const SLACK_TITLE = "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.app }}, {{ .CommonLabels.env }})";
const SLACK_TEXT = "{{ range .Alerts }}{{ .Annotations.description }}\n{{ .Annotations.runbook_url }}\n{{ end }}";

function receivers(runbook: Runbook, r: Receivers): Record<string, unknown>[] {
    const app = runbook.app;
    const { chat, email } = runbook.incident.channels;
    if (r.kind === "sns") {
        const sns = (topic: string, severity: string) => ({
            topic_arn: topic,
            sigv4: { region: r.region },
            subject: "{{ .CommonLabels.alertname }}",
            message: SNS_MESSAGE,
            attributes: { severity, app },
        });
        return [
            // Each severity's topic carries its channels: the AWS target subscribes them (severityChannels).
            ...ALERT_SEVERITIES.map((severity) => ({ name: receiverName(app, severity), sns_configs: [sns(r.topicArns[severity], severity)] })),
            { name: receiverName(app, "watchdog"), sns_configs: [sns(r.deadMansSwitchTopicArn, "none")] },
        ];
    }
    const slack = { channel: chat, send_resolved: true, title: SLACK_TITLE, text: SLACK_TEXT };
    const integrations: Record<Channel, () => Record<string, unknown>> = {
        pager: () => ({ pagerduty_configs: [{ routing_key: r.pagerdutyRoutingKey, description: "{{ .CommonAnnotations.summary }}", send_resolved: true }] }),
        chat: () => ({ slack_configs: [slack] }),
        email: () => ({ email_configs: [{ to: email, send_resolved: true }] }),
    };
    const table = severityChannels(runbook);
    return [
        ...ALERT_SEVERITIES.map((severity) => Object.assign({ name: receiverName(app, severity) }, ...table[severity].map((c) => integrations[c]()))),
        { name: receiverName(app, "watchdog"), webhook_configs: [{ url: r.deadMansSwitchUrl, send_resolved: false }] },
    ];
}

function global(runbook: Runbook, r: Receivers): Record<string, unknown> {
    if (r.kind === "sns") return { resolve_timeout: "5m" };
    if (runbook.incident.channels.email && !r.smtp) {
        throw new Error(`${runbook.app}: the runbook sends warnings to ${runbook.incident.channels.email}; \`receivers.smtp\` (smarthost, from) is required`);
    }
    return {
        resolve_timeout: "5m",
        slack_api_url: r.slackWebhookUrl,
        ...(r.smtp
            ? {
                  smtp_smarthost: r.smtp.smarthost,
                  smtp_from: r.smtp.from,
                  ...(r.smtp.authUsername ? { smtp_auth_username: r.smtp.authUsername } : {}),
                  ...(r.smtp.authPassword ? { smtp_auth_password: r.smtp.authPassword } : {}),
              }
            : {}),
    };
}

/**
 * Services whose outage a CloudWatch alarm already pages for, and through which of the runbook's
 * levels: on AWS, a public host's Route 53 reachability alarm pages as the runbook's service_down
 * critical level (capabilities/reachability.ts). The host fails from outside whenever the service
 * behind it is down (the load balancer answers 503 with no healthy target), so that alarm is the
 * level's one page for the service; AMP's own ServiceDown of the same service goes to chat, as the
 * view that says the service itself (not DNS, TLS or the load balancer) is down. One outage, one incident.
 */
export interface PagedByAlarm {
    /** The runbook alert (a service_down alert) whose critical level the alarms page for. */
    readonly alertId: string;
    /** The services (`component`) that have such an alarm. */
    readonly components: readonly string[];
}

/** The route that sends AMP's view of a level another evaluator pages for to chat, before the severity routes. */
function pagedElsewhereRoute(runbook: Runbook, paged: PagedByAlarm | undefined): Record<string, unknown>[] {
    if (!paged || paged.components.length === 0) return [];
    return [
        {
            matchers: [`alert_id="${paged.alertId}"`, `severity="critical"`, oneOf("component", paged.components)],
            receiver: receiverName(runbook.app, "warning"),
            ...routeTimings(runbook.incident.alertResponse.warning.minutes),
        },
    ];
}

/**
 * The Alertmanager configuration of one app; `receivers.kind` chooses direct receivers or SNS.
 * Every env routes alike: the env is a label on each alert, and each stack passes its own receivers.
 * `pagedByAlarm`: the services a CloudWatch alarm pages for at a level (AWS reachability), whose
 * rule of that level goes to chat instead.
 */
export function alertmanagerConfig(runbook: Runbook, r: Receivers, pagedByAlarm?: PagedByAlarm): Record<string, unknown> {
    const app = runbook.app;
    const response = runbook.incident.alertResponse;
    const inhibit = (source: AlertSeverity, targets: AlertSeverity[]) => ({
        source_matchers: [`severity="${source}"`],
        target_matchers: [targets.length === 1 ? `severity="${targets[0]}"` : `severity=~"${targets.join("|")}"`],
        equal: inhibitEqualLabels(),
    });
    const mute = maintenanceMute(runbook);
    // The silenced alerts' own routes, ahead of their severity's: same receiver and timings, muted in the window.
    const muted = mute
        ? ALERT_SEVERITIES.filter((severity) => runbook.alerts.some((a) => mute.alertIds.includes(a.id) && a.levels.some((l) => l.severity === severity))).map((severity) => ({
              matchers: [`severity="${severity}"`, alertIdMatcher(mute.alertIds)],
              receiver: receiverName(app, severity),
              ...routeTimings(response[severity].minutes),
              mute_time_intervals: [mute.name],
          }))
        : [];
    return {
        global: global(runbook, r),
        route: {
            // Anything without a known severity still reaches people who read it.
            receiver: receiverName(app, "warning"),
            group_by: ["alertname", "app", "env"],
            ...routeTimings(response.warning.minutes),
            routes: [
                { matchers: [`alertname="${WATCHDOG}"`], receiver: receiverName(app, "watchdog"), ...WATCHDOG_TIMINGS },
                ...pagedElsewhereRoute(runbook, pagedByAlarm),
                ...muted,
                ...ALERT_SEVERITIES.map((severity) => ({
                    matchers: [`severity="${severity}"`],
                    receiver: receiverName(app, severity),
                    ...routeTimings(response[severity].minutes),
                })),
            ],
        },
        inhibit_rules: [inhibit("critical", ["warning", "info"]), inhibit("warning", ["info"])],
        receivers: receivers(runbook, r),
        ...(mute ? { time_intervals: [{ name: mute.name, time_intervals: mute.intervals }] } : {}),
    };
}

/** AMP's alert manager definition wraps the configuration in `alertmanager_config`. */
export function ampAlertManagerDefinition(config: Record<string, unknown>): string {
    return YAML.stringify({ alertmanager_config: YAML.stringify(config, { lineWidth: 0 }) }, { lineWidth: 0 });
}

export interface RoutingCase {
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly receiver: string;
}

/**
 * One routing case per severity and one for the Watchdog. A severity the runbook does not use yet
 * is still routed: its case uses the made-up alert id `routing-check`.
 */
export function routingCases(runbook: Runbook, env: Env): RoutingCase[] {
    const app = runbook.app;
    const cases = ALERT_SEVERITIES.map((severity) => {
        const alert = runbook.alerts.find((a) => a.levels.some((l) => l.severity === severity));
        const id = alert?.id ?? "routing-check";
        const name = alertName(app, id, severity);
        return {
            name: `${severity}: ${name} -> ${receiverName(app, severity)}`,
            labels: { alertname: name, severity, app, env, alert_id: id },
            receiver: receiverName(app, severity),
        };
    });
    return [
        ...cases,
        {
            name: `${WATCHDOG} -> ${receiverName(app, "watchdog")}`,
            labels: { alertname: WATCHDOG, severity: "none", app, env },
            receiver: receiverName(app, "watchdog"),
        },
    ];
}
