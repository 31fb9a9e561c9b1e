import type { Runbook } from "../../runbooks";
import { requiredExporters } from "../../capabilities/alerting/exporters";
import { NOT_ON_AWS } from "../../capabilities/aws/collector";

/**
 * What Amazon Managed Prometheus receives for an app: the metrics of the exporters the AWS
 * collector scrapes (the metrics contract's requirements on `aws`, less the exporters that have
 * no job there: cAdvisor, node_exporter and the Pushgateway, whose signals CloudWatch measures).
 * A rule over any other metric never fires: it is no evidence that a level is watched.
 */
export function awsReceivedMetrics(rb: Runbook): Set<string> {
    return new Set(
        requiredExporters(rb, "aws")
            .filter((e) => !NOT_ON_AWS.includes(e.exporter))
            .flatMap((e) => e.metrics),
    );
}

const KEYWORDS = new Set(["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan", "atan2"]);
/** Aggregation operators, which may take their `by (…)` clause before the parenthesis. */
const AGGREGATIONS = new Set(["sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio"]);

/**
 * The metric names a PromQL expression reads: identifiers that are not functions (followed by
 * `(`), keywords, label lists of `by`/`on`/… clauses, durations or the insides of selectors and strings.
 */
export function metricsRead(expr: string): string[] {
    const stripped = expr
        .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
        .replace(/\{[^}]*\}/g, "{}")
        .replace(/\[[^\]]*\]/g, "[]")
        .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "$1");
    const out = new Set<string>();
    const re = /(^|[^a-zA-Z0-9_:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?=\s*(\(|\{|\[|[^(]|$))/g;
    for (const m of stripped.matchAll(re)) {
        const name = m[2];
        const after = stripped.slice((m.index ?? 0) + m[0].length).trimStart();
        if (after.startsWith("(") || KEYWORDS.has(name.toLowerCase()) || AGGREGATIONS.has(name.toLowerCase())) continue;
        if (/^\d/.test(name)) continue;
        out.add(name);
    }
    return [...out];
}
