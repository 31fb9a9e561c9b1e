import { ALERT_SEVERITIES, type AlertSeverity, type Runbook } from "../../runbooks";
import { alertmanagerConfig, receiverName, routingCases, severityChannels, type Channel, type Receivers } from "../../capabilities/alerting/routing";
import { withStandIns } from "../../capabilities/alerting/delivery";
import { PAGERDUTY_EVENTS_URL } from "../../capabilities/aws/pager";
import type { AmConfig } from "./alertmanager";
import { receiversFor } from "./alertmanager";
import { responseOf, routeChains } from "./paging";
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

/** `global` fields the stack fills from its own inputs (webhook URL, relay, its credentials): not compared, wherever the stack has them. */
const GLOBAL_INPUTS = /^(slack_api_url|smtp_smarthost|smtp_from|smtp_auth_username|smtp_auth_password)$/;
/** Fields the platform leaves unset that are harmless at Alertmanager's own default. */
const GLOBAL_DEFAULTS: Readonly<Record<string, unknown>> = { pagerduty_url: PAGERDUTY_EVENTS_URL, smtp_require_tls: true, resolve_timeout: "5m" };

/**
 * `global` as generated: every receiver inherits it, so a `pagerduty_url` elsewhere, an
 * `http_config` proxy, another `opsgenie_api_url` or a changed `resolve_timeout` redirects or
 * resolves every notification while each receiver entry still looks right. Fields the stack fills
 * from its inputs are only required where generated; any other field is held to the generated value
 * (or, where the platform sets none, to Alertmanager's default).
 */
function globalProblems(rb: Runbook, cfg: AmConfig, gen: Record<string, any>): Finding[] {
    const planned = cfg.global ?? {};
    const generated: Record<string, any> = isRecord(gen.global) ? gen.global : {};
    const out: string[] = [];
    for (const [k, v] of Object.entries(planned)) {
        // The stack's own inputs (its webhook, relay and credentials), wherever it has them.
        if (GLOBAL_INPUTS.test(k)) continue;
        if (k in generated) {
            if (canonical(v) !== canonical(generated[k])) out.push(`${k} is ${JSON.stringify(v)}, not the generated ${JSON.stringify(generated[k])}`);
        } else if (!(k in GLOBAL_DEFAULTS) || canonical(v) !== canonical(GLOBAL_DEFAULTS[k])) {
            out.push(`${k} ${JSON.stringify(v)} is set, the platform sets no global ${k}${k in GLOBAL_DEFAULTS ? ` (Alertmanager's default: ${JSON.stringify(GLOBAL_DEFAULTS[k])})` : ""}: every receiver inherits it, so it changes where or how every notification is sent`);
        }
    }
    for (const k of Object.keys(generated)) if (!(k in planned) && !GLOBAL_INPUTS.test(k) && canonical(GLOBAL_DEFAULTS[k]) !== canonical(generated[k])) out.push(`${k} is missing (generated: ${JSON.stringify(generated[k])})`);
    const why = responseWhyOf(rb);
    return out.map((p) => finding(`${label(cfg.subject)} global: ${p}; ${why}`, { urn: cfg.subject.urn, key: keyOf("critical") }));
}

/** Why every page must arrive: the runbook's critical response, with its provenance. */
const responseWhyOf = (rb: Runbook) => responseOf(rb, "critical").why;

/** The grouping in effect at the end of a chain: the nearest route's `group_by` (CRD `groupBy`); none groups every alert of the route together. */
function groupingOf(chain: readonly Record<string, any>[]): { labels: string[] | undefined; text: string } {
    for (let i = chain.length - 1; i >= 0; i--) {
        const v = chain[i].group_by ?? chain[i].groupBy;
        if (v !== undefined) return { labels: asArray(v).map(String), text: JSON.stringify(v) };
    }
    return { labels: [], text: "unset (Alertmanager then groups every alert of the route into one notification)" };
}

/**
 * Each route an alert takes groups by at least the generated labels (or by every label, `...`):
 * grouping by fewer folds a later, different alert into a notification already sent (an open
 * incident), where it is only mentioned at the next group_interval, and a pager never pages again.
 */
function groupingProblems(rb: Runbook, cfg: AmConfig, gen: Record<string, any>, sets: readonly { severity?: string; labels: Readonly<Record<string, string>> }[]): Finding[] {
    // A generated label with one value across the stack's alerts (its app, its env) folds nothing when left out.
    const varies = (l: string) => new Set(sets.map((x) => x.labels[l] ?? "")).size > 1;
    const generated = asArray<string>(gen.route?.group_by).map(String);
    const wanted = generated.filter(varies);
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const { severity, labels } of sets) {
        for (const chain of routeChains(cfg.route, labels)) {
            const g = groupingOf(chain);
            if (g.labels?.includes("...")) continue;
            // An AlertmanagerConfig's routes sit under the main configuration's root: unset, they inherit its group_by.
            if (!chain.some((r) => r.group_by !== undefined || r.groupBy !== undefined) && /AlertmanagerConfig$/.test(cfg.subject.type)) continue;
            const missing = wanted.filter((l) => !g.labels?.includes(l));
            if (missing.length === 0) continue;
            const leaf = chain[chain.length - 1];
            const where = `${label(cfg.subject)} route ${leaf === cfg.route ? "(root)" : JSON.stringify(leaf.matchers ?? leaf.match ?? leaf.match_re ?? leaf.receiver ?? "?")}`;
            const message = `${where}: group_by ${g.text} leaves out ${missing.join(", ")} (generated: ${JSON.stringify(generated)}, capabilities/alerting/routing.ts; ${missing.join(", ")} differ${missing.length === 1 ? "s" : ""} between this stack's alerts): a different ${severity ?? ""} alert joins a group already notified and is sent only as an update of it, so it never pages on its own; ${responseOf(rb, (severity as AlertSeverity | undefined) ?? "critical").why}`;
            if (seen.has(message)) continue;
            seen.add(message);
            out.push(finding(message, { urn: cfg.subject.urn, key: keyOf(severity) }));
        }
    }
    return out;
}

/**
 * Findings for one configuration: `labelSets` gives the labels the stack's rules of an alert
 * level carry (so a route matching on them is followed as Alertmanager would).
 */
export function checkReceiversAsGenerated(
    rb: Runbook,
    env: string,
    cfg: AmConfig,
    labelSets: (severity: (typeof ALERT_SEVERITIES)[number]) => Record<string, string>[],
    external: readonly Readonly<Record<string, string>>[] = [{}],
): Finding[] {
    const kind: Receivers["kind"] = cfg.receivers.some((r) => asArray(r.sns_configs).length > 0) ? "sns" : "direct";
    const gen = generatedConfig(rb, kind);
    const genReceivers = new Map<string, Record<string, any>>(asArray<Record<string, any>>(gen.receivers).map((r) => [String(r.name), r]));
    const planned = new Map(cfg.receivers.map((r) => [String(r.name), r]));
    // Integrations the stack has credentials for: those that appear in any receiver (a laptop or a cluster without a mail relay keeps fewer).
    const present = new Set(cfg.receivers.flatMap(integrationsOf));
    const out: Finding[] = [];
    const where = label(cfg.subject);
    const channels = severityChannels(rb);
    const grouped: { severity?: string; labels: Readonly<Record<string, string>> }[] = [];

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
        for (const labels of sets.flatMap((l) => external.map((e) => ({ ...e, app: rb.app, env, ...l })))) {
            if (severity) grouped.push({ severity, labels });
            const names = receiversFor(cfg.route, labels);
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
    out.push(...globalProblems(rb, cfg, gen));
    // Grouping is judged on every alert the stack's rules raise too (a route for some of them, e.g. an alarm-paged service_down to chat).
    for (const severity of ALERT_SEVERITIES) for (const l of labelSets(severity)) for (const e of external) grouped.push({ severity, labels: { ...e, app: rb.app, env, ...l } });
    out.push(...groupingProblems(rb, cfg, gen, grouped));
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
