import type { Runbook } from "../../runbooks";
import { ALERT_RATE_RANGE, SCOPE_LABELS } from "./metrics";

/** Label matchers and `by` clauses the signals' and charts' PromQL share. */

/** Series of one data-service instance: the scope labels and `instance`. */
export const INSTANCE_LABELS = [...SCOPE_LABELS, "instance"] as const;

/** A `by (…)` clause's labels: `app, component`. */
export const by = (labels: readonly string[]) => labels.join(", ");

/**
 * The per-second rate an alert reads of the counter selected by `series`: per scrape, over its last
 * two samples (metrics.ts ALERT_READING; the range only tolerates a missed scrape). The one place an
 * alert's rates are decided: ratios, percentiles, per-minute counts, hit rates, CPU all read it.
 */
export const lastRate = (series: string) => `irate(${series}[${ALERT_RATE_RANGE}])`;

/**
 * The per-second rate the minimum-traffic guards read: over the last minute. Whether a ratio has
 * volume enough to mean something is a question of volume, not of timing: per scrape, 0.5 req/s is 7
 * or 8 requests, and a guard at 0.5 would flap with them.
 */
export const trafficRate = (series: string) => `rate(${series}[${ALERT_RATE_RANGE}])`;

/**
 * The guard of an error ratio: the calls `total` selects (per second over the last minute, grouped
 * by `labels`) are at least the app's minimum traffic, or the failures `failed` selects are at least
 * its floor of errors a minute. A ratio of few requests is noise, but many failures are not, whatever
 * the traffic: a low-traffic service (or dependency) that fails every request still pages. The one
 * place this guard is written, for the HTTP error rate, the dependency error rate and MinIO's 5xx share.
 */
export const enoughTrafficOrErrors = (c: { readonly minRequestsPerSecond: string; readonly minErrorsPerMinute: string }, labels: readonly string[], total: string, failed: string) => {
    const sum = (series: string) => `sum by (${by(labels)}) (${trafficRate(series)})`;
    return `and on (${by(labels)}) (${sum(total)} >= ${c.minRequestsPerSecond} or ${sum(failed)} * 60 >= ${c.minErrorsPerMinute})`;
};

/**
 * `expr` read `seconds` earlier: every vector or range selector gets `offset <seconds>s` (PromQL
 * offsets selectors, not expressions). Braces appear only in selectors outside strings; a selector
 * that already has an offset or `@` is refused, as is an expression without any selector.
 */
export function offsetSelectors(expr: string, seconds: number): string {
    let out = "";
    let i = 0;
    let selectors = 0;
    while (i < expr.length) {
        const ch = expr[i];
        if (ch === '"') {
            const end = stringEnd(expr, i);
            out += expr.slice(i, end);
            i = end;
            continue;
        }
        if (ch !== "{") {
            out += ch;
            i++;
            continue;
        }
        let j = i + 1;
        while (j < expr.length && expr[j] !== "}") j = expr[j] === '"' ? stringEnd(expr, j) : j + 1;
        if (j >= expr.length) throw new Error(`unclosed selector in ${expr}`);
        j++;
        if (expr[j] === "[") {
            const close = expr.indexOf("]", j);
            if (close < 0) throw new Error(`unclosed range in ${expr}`);
            j = close + 1;
        }
        if (/^\s*(offset\b|@)/.test(expr.slice(j))) throw new Error(`a selector in ${expr} already has an offset or @`);
        out += `${expr.slice(i, j)} offset ${seconds}s`;
        selectors++;
        i = j;
    }
    if (selectors === 0) throw new Error(`no selector to offset in ${expr}`);
    return out;
}

/** The index just past the double-quoted string that opens at `start` (backslash escapes honoured). */
function stringEnd(s: string, start: number): number {
    let k = start + 1;
    while (k < s.length && s[k] !== '"') k += s[k] === "\\" ? 2 : 1;
    if (k >= s.length) throw new Error(`unclosed string in ${s}`);
    return k + 1;
}

/** `label="v"` for one value, `label=~"a|b"` (regex-escaped) for several. */
export function oneOf(label: string, values: readonly string[]): string {
    if (values.length === 0) throw new Error(`no values for label ${label}`);
    if (values.length === 1) return `${label}="${values[0]}"`;
    return `${label}=~"${values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\\\$&")).join("|")}"`;
}

/** The runbook's Kafka topics (and, with groups, its consumer groups). */
export function kafkaSelector(runbook: Runbook, withGroups: boolean): string {
    const kafka = runbook.data.kafka;
    if (!kafka) throw new Error(`${runbook.app}: data.kafka is required for Kafka series`);
    const parts = [`app="${runbook.app}"`, `component="kafka"`];
    if (withGroups) parts.push(oneOf("consumergroup", kafka.consumerGroups));
    parts.push(oneOf("topic", kafka.topics.map((t) => t.name)));
    return parts.join(", ");
}

/** The app's services that have a metrics endpoint. */
export function metricsServicesSelector(runbook: Runbook): string {
    const names = runbook.services.filter((s) => s.metricsPath).map((s) => s.name);
    return [`app="${runbook.app}"`, oneOf("component", names)].join(", ");
}
