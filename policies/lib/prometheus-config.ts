import { asArray, durationToSeconds, isRecord } from "./values";

/** The local prometheus.yml against the generated one, in the parts that decide alerting (docker-prometheus-config-intact). */

const canonical = (v: unknown): string => JSON.stringify(v, (_k, x) => (isRecord(x) && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));

/** What differs from the generated configuration in the parts that decide alerting. */
export function prometheusConfigProblems(planned: Record<string, any>, generated: Record<string, any>): string[] {
    const out: string[] = [];
    const g = isRecord(generated.global) ? generated.global : {};
    const p = isRecord(planned.global) ? planned.global : {};
    for (const [k, v] of Object.entries(g)) {
        const want = durationToSeconds(v);
        const got = durationToSeconds(p[k] ?? "1m");
        // Prometheus's own default is 1m for both intervals.
        if (want !== undefined && (got === undefined || got > want)) out.push(`global.${k} is ${JSON.stringify(p[k] ?? "unset (Prometheus's default 1m)")}, less often than the generated ${v}: the rules see their signals late`);
    }
    for (const [k, v] of Object.entries(p)) {
        if (k in g || k === "scrape_timeout") continue;
        out.push(`global.${k} ${JSON.stringify(v)} is set, the generated configuration sets none: ${k === "external_labels" ? "every alert carries these labels, and a route may match on them" : "it changes what every scrape or rule sees"}`);
    }
    const files = asArray(planned.rule_files).map(String);
    for (const f of asArray(generated.rule_files).map(String)) if (!files.includes(f)) out.push(`rule_files ${JSON.stringify(planned.rule_files ?? null)} leaves out the generated ${JSON.stringify(f)}: Prometheus loads none of the runbook's rules`);
    if (canonical(planned.alerting ?? null) !== canonical(generated.alerting)) {
        const relabel = isRecord(planned.alerting) ? planned.alerting.alert_relabel_configs : undefined;
        out.push(
            relabel !== undefined
                ? `alerting.alert_relabel_configs ${JSON.stringify(relabel)} is set, the generated configuration has none: it drops or rewrites alerts on their way to Alertmanager`
                : `alerting is ${JSON.stringify(planned.alerting ?? null)}, not the generated ${JSON.stringify(generated.alerting)}: alerts go to another Alertmanager, or to none`,
        );
    }
    return out;
}

