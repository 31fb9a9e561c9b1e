import { PAGERDUTY_EVENTS_URL } from "../../capabilities/aws/pager";
import { isUnknown } from "../lib/inputs";
import { finding, label, provenance, stackRule, type Finding, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { isRecord } from "../lib/values";

const FUNCTION = "aws:lambda/function:Function";
const SECRET = "aws:secretsmanager/secret:Secret";
const SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
/**
 * Where the chat forwarder may post: Slack's incoming webhooks. It posts Slack's webhook body
 * (`{channel, text}`, capabilities/aws/chat.ts) and the other targets' Alertmanager uses
 * `slack_configs`: the platform's chat is Slack.
 */
const SLACK_WEBHOOK = /^https:\/\/hooks\.slack\.com\/(services|workflows|triggers)\/\S+$/;
/** A PagerDuty Events API v2 integration (routing) key: 32 letters and digits. */
const ROUTING_KEY = /^[A-Za-z0-9]{32}$/;
/** What the offline plan shows for a `secure:` stack value it cannot decrypt. */
const PLACEHOLDER = "[secret]";

/** The value the stack stores in the secret a forwarder reads (its SecretVersion), when it can be read. */
function storedValue(resources: readonly Subject[], secretArn: unknown): { version?: Subject; value?: string } {
    if (typeof secretArn !== "string") return {};
    const part = /:secret:(.+)$/.exec(secretArn)?.[1];
    const secret = part === undefined ? undefined : ofType(resources, SECRET).find((s) => [s.props.name, s.name].some((n) => typeof n === "string" && (part === n || part.startsWith(`${n}-`))));
    if (!secret) return {};
    const version = ofType(resources, SECRET_VERSION).find((v) => (v.dependencies ?? []).includes(secret.urn));
    const value = version?.props.secretString;
    return { version, value: typeof value === "string" && !isUnknown(value) && value !== PLACEHOLDER ? value : undefined };
}

/**
 * Where the stack's alert notifications go on AWS (issue 13): the only stack settings that steer
 * them are the operator secrets `pagerdutyRoutingKey` and `slackWebhookUrl` (stored in Secrets
 * Manager, read by the forwarders) and the runbook's channels. A webhook to any host but Slack's, a
 * routing key that is no PagerDuty integration key (PagerDuty refuses every event: no page), the
 * pager forwarder posting anywhere but PagerDuty's Events API, the chat forwarder posting to
 * another channel, or the alert e-mail sent to another address redirects or drops the alerts while
 * every alarm still looks wired.
 */
export const awsAlertForwarderDestinations = stackRule({
    name: "aws-alert-forwarder-destinations",
    description: "The pager forwarder posts to PagerDuty's Events API v2 with a PagerDuty integration key, the chat forwarder posts to the runbook's chat channel through a Slack webhook, and alert e-mail subscriptions go to the runbook's address.",
    tier: "security",
    target: "aws",
    remediationSteps: "Set pagerdutyRoutingKey to the service's Events API v2 integration key and slackWebhookUrl to a https://hooks.slack.com/ webhook (pulumi config set --secret); keep the forwarders' EVENTS_URL and CHANNEL as components/targets/aws/monitoring.ts sets them.",
    notApplicable: (resources) => absentTarget(resources, "aws"),
    check: (resources, ctx) => {
        const out: Finding[] = [];
        const channels = ctx.runbook.incident.channels;
        const chat = provenance(channels, "chat");
        const email = provenance(channels, "email");
        for (const fn of ofType(resources, FUNCTION)) {
            const vars = isRecord(fn.props.environment) && isRecord(fn.props.environment.variables) ? fn.props.environment.variables : {};
            if (typeof vars.ROUTING_KEY_SECRET_ARN === "string" || isUnknown(vars.ROUTING_KEY_SECRET_ARN)) {
                if (!isUnknown(vars.EVENTS_URL) && vars.EVENTS_URL !== PAGERDUTY_EVENTS_URL) out.push(finding(`${label(fn)}: EVENTS_URL is ${JSON.stringify(vars.EVENTS_URL ?? null)}: pages go to another host or nowhere; allowed: PagerDuty's Events API v2, ${PAGERDUTY_EVENTS_URL} (capabilities/aws/pager.ts)`, { urn: fn.urn }));
                const { version, value } = storedValue(resources, vars.ROUTING_KEY_SECRET_ARN);
                if (version && value !== undefined && !ROUTING_KEY.test(value)) {
                    out.push(finding(`${label(version)}: the pager routing key (runbook-platform:pagerdutyRoutingKey) is ${value.length ? `${value.length} character(s) that are not a PagerDuty integration key` : "empty"}: PagerDuty refuses every event and no one is paged; allowed: a PagerDuty Events API v2 integration key (32 letters and digits)`, { urn: version.urn }));
                }
            }
            if (typeof vars.WEBHOOK_SECRET_ARN === "string" || isUnknown(vars.WEBHOOK_SECRET_ARN)) {
                if (!isUnknown(vars.CHANNEL) && vars.CHANNEL !== channels.chat) out.push(finding(`${label(fn)}: CHANNEL is ${JSON.stringify(vars.CHANNEL ?? null)}: chat alerts go to another channel; allowed: ${chat.who}'s ${channels.chat} ${chat.cite}`, { urn: fn.urn, key: "incident.channels.chat" }));
                const { version, value } = storedValue(resources, vars.WEBHOOK_SECRET_ARN);
                if (version && value !== undefined && !SLACK_WEBHOOK.test(value)) {
                    const host = /^[a-z]+:\/\/([^/?#]*)/i.exec(value)?.[1];
                    out.push(finding(`${label(version)}: the chat webhook (runbook-platform:slackWebhookUrl) ${host ? `posts to ${host}` : "is not a https URL"}: chat alerts for ${channels.chat} go elsewhere or nowhere; allowed: a Slack incoming webhook, https://hooks.slack.com/… (the chat forwarder speaks Slack's webhook body, capabilities/aws/chat.ts)`, { urn: version.urn }));
                }
            }
        }
        if (channels.email) {
            for (const sub of ofType(resources, SUBSCRIPTION).filter((s) => s.props.protocol === "email" || s.props.protocol === "email-json")) {
                const endpoint = sub.props.endpoint;
                if (isUnknown(endpoint) || endpoint === channels.email) continue;
                out.push(finding(`${label(sub)}: alert e-mail goes to ${JSON.stringify(endpoint ?? null)}; allowed: ${email.who}'s ${channels.email} ${email.cite}`, { urn: sub.urn, key: "incident.channels.email" }));
            }
        }
        return out;
    },
});
