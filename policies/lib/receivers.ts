import { ALERT_SEVERITIES, type Runbook } from "../../runbooks";
import { alertmanagerConfig, receiverName, routingCases, severityChannels, type Channel, type Receivers } from "../../capabilities/alerting/routing";
import { withStandIns } from "../../capabilities/alerting/delivery";
import { PAGERDUTY_EVENTS_URL } from "../../capabilities/aws/pager";
import type { AmConfig } from "./alertmanager";
import { receiversFor } from "./alertmanager";
import { finding, label, type Finding } from "./policy";
import { asArray, isRecord } from "./values";

/**
 * The receivers and inhibit rules of an Alertmanager configuration, held to the ones the platform
 * generates from the runbook (capabilities/alerting/routing.ts, `severityChannels`): every severity
 * (one the runbook does not use yet too, as the generator routes it) and the Watchdog reach their
 * generated receiver, or at least receivers with that role's first channel; a generated receiver
 * keeps its channels' integrations (those the stack has a credential for) configured as generated
 * (the SNS subject, message and attributes the forwarders read); no PagerDuty integration anywhere
 * goes to another host than the Events API v2, through a proxy or at another severity; and no
 * inhibit rule but the generated ones drops an alert.
 */

/** The runbook key the findings name: how fast (and whether) each severity reaches people. */
const keyOf = (severity?: string) => `incident.alertResponse.${severity && severity !== "none" ? severity : "critical"}`;

/** Per integration, the fields a stack fills from its own inputs (secrets, topic ARNs, region): not compared. */
const INPUT_FIELDS: Readonly<Record<string, readonly string[]>> = {
    pagerduty_configs: ["routing_key"],
    webhook_configs: ["url"],
    sns_configs: ["topic_arn", "sigv4"],
};

/** The Alertmanager integration each of the runbook's channels is delivered by, per receiver kind. */
const CHANNEL_INTEGRATION: Readonly<Record<Receivers["kind"], Readonly<Record<Channel, string>>>> = {
    direct: { pager: "pagerduty_configs", chat: "slack_configs", email: "email_configs" },
    sns: { pager: "sns_configs", chat: "sns_configs", email: "sns_configs" },
};

/** A receiver's integrations with at least one entry, by their file-format name (the AlertmanagerConfig CRD's `pagerdutyConfigs` is `pagerduty_configs`). */
const integrationsOf = (r: Record<string, any> | undefined) => [
    ...new Set(
        Object.keys(r ?? {})
            .filter((k) => /(_configs|Configs)$/.test(k) && asArray(r?.[k]).length > 0)
            .map((k) => k.replace(/Configs$/, "_configs").toLowerCase()),
    ),
];

/** The configuration the platform generates for this runbook with stand-in inputs, as `kind` receivers. */
export function generatedConfig(rb: Runbook, kind: Receivers["kind"]): Record<string, any> {
    const receivers: Receivers =
        kind === "sns"
            ? { kind: "sns", region: "region", topicArns: Object.fromEntries(ALERT_SEVERITIES.map((s) => [s, s])) as Record<(typeof ALERT_SEVERITIES)[number], string>, deadMansSwitchTopicArn: "watchdog" }
            : withStandIns(rb, { pagerdutyRoutingKey: "key", slackWebhookUrl: "https://chat.invalid/", deadMansSwitchUrl: "https://heartbeat.invalid/", ...(rb.incident.channels.email ? { smtp: { smarthost: "relay:25", from: "alertmanager@relay" } } : {}) });
    return alertmanagerConfig(rb, receivers) as Record<string, any>;
}

const canonical = (v: unknown): string => JSON.stringify(v, (_k, x) => (isRecord(x) && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));

/** What differs between one planned integration entry and the generated one (input fields aside). */
function entryProblems(integration: string, planned: Record<string, any>, generated: Record<string, any>): string[] {
    const skip = new Set(INPUT_FIELDS[integration] ?? []);
    const out: string[] = [];
    for (const [k, v] of Object.entries(planned)) {
        if (skip.has(k)) continue;
        if (integration === "pagerduty_configs" && k === "url") {
            if (v !== PAGERDUTY_EVENTS_URL) out.push(`url ${JSON.stringify(v)} is not PagerDuty's Events API v2 (${PAGERDUTY_EVENTS_URL}, Alertmanager's default): pages go to another host`);
            continue;
        }
        if (!(k in generated)) out.push(`${k} ${JSON.stringify(v)} is set, the platform sets no ${k} (it changes where or how the notification is sent)`);
        else if (canonical(v) !== canonical(generated[k])) out.push(`${k} is ${JSON.stringify(v)}, not the generated ${JSON.stringify(generated[k])}`);
    }
    for (const k of Object.keys(generated)) if (!skip.has(k) && !(k in planned)) out.push(`${k} is missing (generated: ${JSON.stringify(generated[k])})`);
    return out;
}

/**
 * Findings for one configuration: `labelSets` gives the labels the stack's rules of an alert
 * level carry (so a route matching on them is followed as Alertmanager would).
 */
export function checkReceiversAsGenerated(rb: Runbook, env: string, cfg: AmConfig, labelSets: (severity: (typeof ALERT_SEVERITIES)[number]) => Record<string, string>[]): Finding[] {
    const kind: Receivers["kind"] = cfg.receivers.some((r) => asArray(r.sns_configs).length > 0) ? "sns" : "direct";
    const gen = generatedConfig(rb, kind);
    const genReceivers = new Map<string, Record<string, any>>(asArray<Record<string, any>>(gen.receivers).map((r) => [String(r.name), r]));
    const planned = new Map(cfg.receivers.map((r) => [String(r.name), r]));
    // Integrations the stack has credentials for: those that appear in any receiver (a laptop or a cluster without a mail relay keeps fewer).
    const present = new Set(cfg.receivers.flatMap(integrationsOf));
    const out: Finding[] = [];
    const where = label(cfg.subject);
    const channels = severityChannels(rb);

    /** The integration of a role's first channel (pager for critical, chat for warning and info; the Watchdog's own), where this stack delivers it. */
    const neededFor = (name: string) => {
        const severity = ALERT_SEVERITIES.find((s) => receiverName(rb.app, s) === name);
        const first = severity ? [CHANNEL_INTEGRATION[kind][channels[severity][0]]] : integrationsOf(genReceivers.get(name));
        return first.filter((i) => present.has(i));
    };

    // Every severity (and the Watchdog) reaches its generated receiver, or receivers with its first
    // channel's integration (where the stack has none: at least one integration).
    for (const c of routingCases(rb, env as Parameters<typeof routingCases>[1])) {
        const severity = ALERT_SEVERITIES.find((s) => s === c.labels.severity);
        const sets = [c.labels, ...(severity && severity !== "critical" ? labelSets(severity) : [])];
        const needed = neededFor(c.receiver);
        for (const labels of sets) {
            const names = receiversFor(cfg.route, { app: rb.app, env, ...labels });
            if (names.includes(c.receiver)) continue;
            const reached = new Set(names.flatMap((n) => integrationsOf(planned.get(n))));
            if (needed.length ? needed.every((i) => reached.has(i)) : reached.size > 0) continue;
            const what = severity ? `${severity} alerts (the runbook sends them to ${channels[severity].join(" and ")})` : "the Watchdog (the dead man's switch heartbeat)";
            out.push(
                finding(
                    `${where} routes ${what} — labels ${JSON.stringify(labels)} — to ${names.map((n) => `"${n}" (${integrationsOf(planned.get(n)).join(", ") || (planned.has(n) ? "no integrations" : "not defined")})`).join(", ") || "no receiver"}: not "${c.receiver}" as generated, and ${needed.length ? `without ${needed.filter((i) => !reached.has(i)).join(", ")}` : "without any integration"}: they reach no one the runbook names`,
                    { urn: cfg.subject.urn, key: keyOf(severity) },
                ),
            );
            break;
        }
    }
    // Each generated receiver keeps its channels' integrations, configured as generated; any other
    // receiver's PagerDuty integration adds nothing the platform does not set (another host, a proxy, a severity).
    const templates = new Map<string, Record<string, any>>();
    for (const g of genReceivers.values()) for (const i of integrationsOf(g)) if (!templates.has(i)) templates.set(i, asArray<Record<string, any>>(g[i])[0]);
    for (const r of cfg.receivers) {
        const name = String(r.name);
        const g = genReceivers.get(name);
        const severity = ALERT_SEVERITIES.find((s) => receiverName(rb.app, s) === name);
        if (g && severity) {
            const needed = [...new Set(channels[severity].map((ch) => CHANNEL_INTEGRATION[kind][ch]))].filter((i) => present.has(i));
            for (const i of needed) if (!integrationsOf(r).includes(i)) out.push(finding(`${where} receiver "${name}" has no ${i}: the runbook sends ${severity} alerts to ${channels[severity].join(" and ")}, and the stack delivers ${i} elsewhere`, { urn: cfg.subject.urn, key: keyOf(severity) }));
        }
        for (const i of integrationsOf(r)) {
            const own = g ? asArray<Record<string, any>>(g[i])[0] : undefined;
            const template = own ?? templates.get(i);
            // Entries in the file format only (the platform writes no CRD form to compare with).
            for (const [n, entry] of asArray<unknown>(r[i]).entries()) {
                if (!isRecord(entry) || !template || (!own && i !== "pagerduty_configs")) continue;
                // A receiver the platform does not name is held only to adding nothing; a generated one to every field.
                const problems = entryProblems(i, entry, template).filter((p) => own || / is set, the platform sets no |^url /.test(p));
                for (const p of problems) out.push(finding(`${where} receiver "${name}" ${i}[${n}]: ${p}`, { urn: cfg.subject.urn, key: keyOf(severity) }));
            }
        }
    }
    // Inhibit rules: only the generated ones (a more severe alert silences a milder one of the same alert and instance).
    const allowed = new Set(asArray(gen.inhibit_rules).map(canonical));
    for (const rule of cfg.inhibitRules) {
        if (allowed.has(canonical(rule))) continue;
        out.push(
            finding(`${where} inhibit rule ${JSON.stringify(rule)} is not one the platform generates (${asArray(gen.inhibit_rules).map((x) => JSON.stringify(x)).join("; ")}): while its source fires it drops the alerts it targets, and the runbook silences only a milder level of the same alert and instance`, {
                urn: cfg.subject.urn,
                key: keyOf(),
            }),
        );
    }
    return out;
}
