import type { Runbook } from "../../runbooks";
import { SCOPE_LABELS } from "./metrics";

/** Label matchers and `by` clauses the signals' and charts' PromQL share. */

/** Series of one data-service instance: the scope labels and `instance`. */
export const INSTANCE_LABELS = [...SCOPE_LABELS, "instance"] as const;

/** A `by (…)` clause's labels: `app, component`. */
export const by = (labels: readonly string[]) => labels.join(", ");

/**
 * The guard of an error ratio: `total` (per second, grouped by `labels`) is at least the app's
 * minimum traffic, or `failed` (the same) is at least its floor of errors a minute. A ratio of few
 * requests is noise, but many failures are not, whatever the traffic: a low-traffic service (or
 * dependency) that fails every request still pages. The one place this guard is written, for the
 * HTTP error rate, the dependency error rate and MinIO's 5xx share.
 */
export const enoughTrafficOrErrors = (c: { readonly minRequestsPerSecond: string; readonly minErrorsPerMinute: string }, labels: readonly string[], total: string, failed: string) =>
    `and on (${by(labels)}) (${total} >= ${c.minRequestsPerSecond} or ${failed} * 60 >= ${c.minErrorsPerMinute})`;

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
