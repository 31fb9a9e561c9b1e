import type { Runbook } from "../../runbooks";
import { SCOPE_LABELS } from "./metrics";

/** Label matchers and `by` clauses the signals' and charts' PromQL share. */

/** Series of one data-service instance: the scope labels and `instance`. */
export const INSTANCE_LABELS = [...SCOPE_LABELS, "instance"] as const;

/** A `by (…)` clause's labels: `app, component`. */
export const by = (labels: readonly string[]) => labels.join(", ");

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
