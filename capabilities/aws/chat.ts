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

/** `index.js` of the forwarder (CommonJS). Environment: WEBHOOK_SECRET_ARN, APP, CHANNEL. */
export const CHAT_FORWARDER_SOURCE = `${forwarderPrelude("WEBHOOK_SECRET_ARN")}
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
exports.handler = async (event) => {
    const webhook = await secret();
    for (const record of event.Records || []) {
        const res = await fetch(webhook, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ channel: process.env.CHANNEL, text: describe(record.Sns) }),
        });
        if (!res.ok) throw new Error("chat webhook answered " + res.status);
    }
};
`;
