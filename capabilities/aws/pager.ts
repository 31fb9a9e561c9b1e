import { forwarderPrelude } from "./chat";

/**
 * Pages from AWS go through PagerDuty's Events API v2, by a small Lambda function on the critical
 * topic. PagerDuty's CloudWatch integration URL would understand CloudWatch alarms only: Amazon
 * Managed Prometheus publishes Alertmanager notifications, which it would take as unparsed text,
 * open a new incident for every repeat and never resolve. The forwarder reads both kinds and gives
 * each alert group one incident, triggered while it fires and resolved when it clears. The
 * notifications' text is `SNS_MESSAGE` (capabilities/alerting/routing.ts).
 */

/** PagerDuty's Events API v2 endpoint. */
export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

/** `index.js` of the pager forwarder (CommonJS). Environment: ROUTING_KEY_SECRET_ARN, APP, EVENTS_URL. */
export const PAGER_FORWARDER_SOURCE = `${forwarderPrelude("ROUTING_KEY_SECRET_ARN")}const crypto = require("crypto");

/** The key=value lines of an Alertmanager notification; "summary" takes the rest of the message. */
function fields(text) {
    const out = {};
    const lines = String(text || "").split("\\n");
    for (let i = 0; i < lines.length; i++) {
        const m = /^([a-z_]+)=(.*)$/.exec(lines[i]);
        if (!m) continue;
        if (m[1] === "summary") {
            out.summary = [m[2]].concat(lines.slice(i + 1)).join("\\n").trim();
            break;
        }
        out[m[1]] = m[2];
    }
    return out;
}

/** What one SNS notification asks of PagerDuty: trigger or resolve, for which alert, saying what. */
function pagerEvent(sns) {
    const alarm = alarmOf(sns);
    if (alarm) {
        return {
            action: alarm.NewStateValue === "OK" ? "resolve" : "trigger",
            key: alarm.AlarmArn || alarm.AlarmName,
            summary: alarm.AlarmName + ": " + (alarm.AlarmDescription || alarm.NewStateReason || ""),
            details: { reason: alarm.NewStateReason, region: alarm.Region, state: alarm.NewStateValue },
        };
    }
    const f = fields(sns.Message);
    return {
        action: f.status === "resolved" ? "resolve" : "trigger",
        key: f.group || sns.Subject || sns.MessageId,
        summary: f.summary || f.alertname || sns.Subject || "alert",
        details: f,
    };
}

exports.fields = fields;
exports.pagerEvent = pagerEvent;
exports.handler = async (event) => {
    const routingKey = await secret();
    for (const record of event.Records || []) {
        const e = pagerEvent(record.Sns);
        // One incident per alert group: the same key while it fires, so repeats do not open new ones.
        const dedupKey = crypto.createHash("sha256").update(process.env.APP + "/" + e.key).digest("hex");
        const body = { routing_key: routingKey, event_action: e.action, dedup_key: dedupKey };
        if (e.action === "trigger") {
            body.payload = { summary: ("[" + process.env.APP + "] " + e.summary).slice(0, 1024), source: process.env.APP, severity: "critical", custom_details: e.details };
        }
        const res = await fetch(process.env.EVENTS_URL, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        // 429 and 5xx: throw, and SNS retries the delivery.
        if (!res.ok) throw new Error("PagerDuty answered " + res.status);
    }
};
`;
