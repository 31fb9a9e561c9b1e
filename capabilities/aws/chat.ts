/**
 * SNS cannot post to a chat webhook itself (it wraps messages in its own envelope and asks for a
 * subscription confirmation), so a small Lambda function forwards each notification. Its source is
 * this text; the webhook URL stays in Secrets Manager and is read at run time.
 */

/** Lambda runtime of the forwarders (chat, pager); its AWS SDK v3 and global fetch are all the code needs. */
export const FORWARDER_RUNTIME = "nodejs22.x";
export const FORWARDER_HANDLER = "index.handler";
/** Seconds one batch of notifications may take (a slow endpoint is retried by SNS). */
export const FORWARDER_TIMEOUT_SECONDS = 15;

/**
 * The start of every forwarder's source: `secret()` reads the operator credential whose ARN is in
 * `process.env[envVar]` from Secrets Manager, once per warm container; `alarmOf(sns)` is the
 * CloudWatch alarm a notification carries, or undefined for an Alertmanager (AMP) notification.
 */
export function forwarderPrelude(envVar: string): string {
    return `"use strict";
const { SecretsManagerClient, GetSecretValueCommand } = require("@aws-sdk/client-secrets-manager");
const client = new SecretsManagerClient({});
let cached;
async function secret() {
    if (cached === undefined) {
        const out = await client.send(new GetSecretValueCommand({ SecretId: process.env.${envVar} }));
        cached = out.SecretString;
    }
    return cached;
}
function alarmOf(sns) {
    try {
        const body = JSON.parse(sns.Message);
        return body && body.AlarmName ? body : undefined;
    } catch {
        return undefined;
    }
}
`;
}

/**
 * `index.js` of the forwarder (CommonJS). Environment: WEBHOOK_SECRET_ARN, APP, CHANNEL. The text is
 * escaped as Slack's formatting docs require (&, < and > as HTML entities), so nothing in an alarm
 * or alert (a label value, a state reason) can mention <!channel>, a user, or hide a link.
 */
export const CHAT_FORWARDER_SOURCE = `${forwarderPrelude("WEBHOOK_SECRET_ARN")}
function escapeText(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
function describe(sns) {
    const body = alarmOf(sns);
    const severity = (sns.MessageAttributes && sns.MessageAttributes.severity && sns.MessageAttributes.severity.Value) || "";
    if (body) {
        const state = body.NewStateValue === "OK" ? "RESOLVED" : body.NewStateValue;
        return "[" + process.env.APP + "] " + state + ": " + body.AlarmName + "\\n" + (body.AlarmDescription || "") + "\\n" + (body.NewStateReason || "");
    }
    return "[" + process.env.APP + "]" + (severity ? " " + severity : "") + " " + (sns.Subject || "alert") + "\\n" + sns.Message;
}

exports.describe = describe;
exports.escapeText = escapeText;
exports.handler = async (event) => {
    const webhook = await secret();
    for (const record of event.Records || []) {
        const res = await fetch(webhook, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ channel: process.env.CHANNEL, text: escapeText(describe(record.Sns)) }),
        });
        if (!res.ok) throw new Error("chat webhook answered " + res.status);
    }
};
`;

/** Days a forwarder's dead-letter queue keeps a notification it could not deliver: SQS's longest, time to replay it. */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

/**
 * Where a forwarder's failure alarm goes: the most severe topic that some other receiver (another
 * forwarder, the e-mail subscription) also reads, so the news of a broken pager does not travel
 * only through that pager. With no other receiver anywhere, the most severe topic the forwarder
 * itself does not read, else the first: the alarm and the dead-letter queue still show in the console.
 */
export function failureTopic<S extends string>(failing: string, severities: readonly S[], subscribers: Readonly<Record<S, readonly string[]>>): S {
    if (severities.length === 0) throw new Error(`failureTopic(${failing}): no topics`);
    return (
        severities.find((s) => subscribers[s].some((r) => r !== failing)) ??
        severities.find((s) => !subscribers[s].includes(failing)) ??
        severities[0]
    );
}
