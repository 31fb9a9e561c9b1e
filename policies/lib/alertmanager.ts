import type { Subject } from "./policy";
import { asArray, isRecord, structuredIn } from "./values";

/**
 * Alertmanager routing, read the way Alertmanager reads it: the first matching child route wins
 * unless it says `continue`, a route without a receiver inherits its parent's. Accepts the file
 * format (snake_case, `match`/`match_re`/`matchers`) and the AlertmanagerConfig CRD (camelCase,
 * `matchers: [{name, value, matchType}]`), and AMP definitions (`alertmanager_config: |`).
 */

export interface AmConfig {
    readonly subject: Subject;
    readonly path: string;
    readonly route: Record<string, any>;
    readonly receivers: readonly Record<string, any>[];
    /** `inhibit_rules` (file format) or `inhibitRules` (CRD). */
    readonly inhibitRules: readonly Record<string, any>[];
    /** Named time intervals: `time_intervals` and the older `mute_time_intervals` (file format), `timeIntervals`/`muteTimeIntervals` (CRD). */
    readonly timeIntervals: readonly Record<string, any>[];
    /** `global` (file format only): defaults every receiver inherits (PagerDuty URL, proxy, SMTP relay…). */
    readonly global?: Record<string, any>;
}

export function alertmanagerConfigs(subjects: readonly Subject[]): AmConfig[] {
    const out: AmConfig[] = [];
    for (const s of subjects) {
        for (const { path, value } of structuredIn(s.props, ["route", "receiver"])) {
            if (isRecord(value.route) && Array.isArray(value.receivers)) {
                out.push({ subject: s, path, route: value.route, receivers: value.receivers.filter(isRecord), inhibitRules: [...asArray(value.inhibit_rules), ...asArray(value.inhibitRules)].filter(isRecord),
                    timeIntervals: [...asArray(value.time_intervals), ...asArray(value.mute_time_intervals), ...asArray(value.timeIntervals), ...asArray(value.muteTimeIntervals)].filter(isRecord),
                    ...(value.global !== undefined ? { global: isRecord(value.global) ? value.global : { "(not a map)": value.global } } : {}),
                });
            }
        }
    }
    return out;
}

type Labels = Readonly<Record<string, string>>;

function matcherOk(name: string, op: string, value: string, labels: Labels): boolean {
    const v = labels[name] ?? "";
    const re = (x: string) => {
        try {
            return new RegExp(`^(?:${x})$`);
        } catch {
            // Alertmanager refuses a configuration with an invalid regular expression: such a route matches nothing.
            return undefined;
        }
    };
    switch (op) {
        case "=":
            return v === value;
        case "!=":
            return v !== value;
        case "=~":
            return re(value)?.test(v) ?? false;
        case "!~":
            return re(value) ? !re(value)!.test(v) : false;
        default:
            return false;
    }
}

export interface Matcher {
    readonly name: string;
    readonly op: "=" | "!=" | "=~" | "!~";
    readonly value: string;
}

/** A double-quoted string's content, with Alertmanager's escapes (`\\`, `\"`, `\n`); undefined when an unescaped quote is left inside or the quote is not closed. */
function unquoted(body: string): string | undefined {
    let out = "";
    for (let i = 0; i < body.length; i++) {
        const c = body[i];
        if (c === "\\") {
            const n = body[++i];
            if (n === undefined) return undefined;
            out += n === "n" ? "\n" : n;
        } else if (c === '"') return undefined;
        else out += c;
    }
    return out;
}

const MATCHER = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*|"(?:[^"\\]|\\.)*")\s*(=~|!~|!=|=)\s*([\s\S]*?)\s*$/;

/**
 * One `matchers:` entry parsed as Alertmanager parses it (pkg/labels, ParseMatchers): optional
 * braces around a comma-separated list of `name op value`, a value unquoted or double-quoted
 * (commas inside quotes belong to the value). Undefined when Alertmanager would refuse it.
 */
export function parseMatchers(text: string): Matcher[] | undefined {
    let s = text.trim();
    if (s.startsWith("{") && s.endsWith("}")) s = s.slice(1, -1);
    const parts: string[] = [];
    let cur = "";
    let quoted = false;
    for (let i = 0; i < s.length; i++) {
        const c = s[i];
        if (c === "\\" && quoted) {
            cur += c + (s[++i] ?? "");
            continue;
        }
        if (c === '"') quoted = !quoted;
        if (c === "," && !quoted) {
            parts.push(cur);
            cur = "";
        } else cur += c;
    }
    if (quoted) return undefined;
    parts.push(cur);
    // A trailing comma is allowed; an empty list is not a matcher.
    if (parts.length > 1 && parts[parts.length - 1].trim() === "") parts.pop();
    const out: Matcher[] = [];
    for (const part of parts) {
        const m = MATCHER.exec(part);
        if (!m) return undefined;
        const name = m[1].startsWith('"') ? unquoted(m[1].slice(1, -1)) : m[1];
        const raw = m[3];
        const value = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? unquoted(raw.slice(1, -1)) : raw.includes('"') ? undefined : raw;
        if (name === undefined || value === undefined) return undefined;
        out.push({ name, op: m[2] as Matcher["op"], value });
    }
    return out;
}

/** Whether one route's own matchers accept the labels. */
export function routeMatches(route: Record<string, any>, labels: Labels): boolean {
    for (const [k, v] of Object.entries(isRecord(route.match) ? route.match : {})) if ((labels[k] ?? "") !== String(v)) return false;
    for (const [k, v] of Object.entries(isRecord(route.match_re) ? route.match_re : {})) if (!matcherOk(k, "=~", String(v), labels)) return false;
    for (const m of asArray(route.matchers)) {
        if (typeof m === "string") {
            // An entry Alertmanager refuses keeps the whole configuration from loading: read as matching nothing.
            const parsed = parseMatchers(m);
            if (!parsed || !parsed.every((p) => matcherOk(p.name, p.op, p.value, labels))) return false;
        } else if (isRecord(m) && typeof m.name === "string") {
            const op = typeof m.matchType === "string" ? m.matchType : m.regex ? "=~" : "=";
            if (!matcherOk(m.name, op, String(m.value ?? ""), labels)) return false;
        }
    }
    return true;
}

/** The receivers an alert with these labels is sent to. */
export function receiversFor(route: Record<string, any>, labels: Labels, inherited?: string): string[] {
    const receiver = typeof route.receiver === "string" ? route.receiver : inherited;
    const found: string[] = [];
    for (const child of asArray(route.routes)) {
        if (!isRecord(child) || !routeMatches(child, labels)) continue;
        found.push(...receiversFor(child, labels, receiver));
        if (!child.continue) break;
    }
    return found.length ? found : receiver ? [receiver] : [];
}

const PAGERS = ["pagerduty_configs", "pagerdutyConfigs", "opsgenie_configs", "opsgenieConfigs"];

/**
 * Whether a receiver pages a person: PagerDuty or Opsgenie, a webhook to one of them, or (AMP) an
 * SNS topic with a paging subscription (`snsTopicPages`).
 */
export function pages(receiver: Record<string, any>, topicPages: (arn: unknown) => boolean | undefined): boolean {
    if (PAGERS.some((k) => asArray(receiver[k]).length > 0)) return true;
    for (const w of [...asArray(receiver.webhook_configs), ...asArray(receiver.webhookConfigs)]) {
        if (isRecord(w) && /pagerduty|opsgenie/i.test(String(w.url ?? ""))) return true;
    }
    for (const sns of [...asArray(receiver.sns_configs), ...asArray(receiver.snsConfigs)]) {
        const arn: unknown = isRecord(sns) ? (sns.topic_arn ?? sns.topicARN ?? sns.topicArn) : undefined;
        // A topic whose paging is unknown until deploy is not reported as not paging.
        if (arn !== undefined && arn !== "" && topicPages(arn) !== false) return true;
    }
    return false;
}
