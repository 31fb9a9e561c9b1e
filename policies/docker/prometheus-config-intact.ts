import YAML from "yaml";
import { PROMETHEUS_CONFIG_PATH, prometheusConfig } from "../../capabilities/docker/prometheus";
import { finding, label, stackRule, type Finding } from "../lib/policy";
import { absentTarget, ofTarget } from "../lib/targets";
import { asArray, durationToSeconds, isRecord, textOf } from "../lib/values";

/**
 * The prometheus.yml uploaded into the local stack's Prometheus container, held to the one
 * capabilities/docker/prometheus.ts generates where it decides whether an alert fires and reaches
 * Alertmanager: `global` (scrape and evaluation no less often; no external label a route could
 * match on), `rule_files` (every generated pattern: `[]` loads no rule at all), and `alerting`
 * (the generated Alertmanager, no alert_relabel_configs that drop or rewrite alerts). The scrape
 * jobs are the signal policies'.
 */

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

export const dockerPrometheusConfigIntact = stackRule({
    name: "docker-prometheus-config-intact",
    description:
        "The prometheus.yml uploaded to the Docker Prometheus keeps the generated global intervals (no longer) and no extra global labels, loads the generated rule files, and sends alerts to the generated Alertmanager without alert_relabel_configs.",
    tier: "runbook",
    target: "docker",
    remediationSteps: "Upload the prometheus.yml capabilities/docker/prometheus.ts renders (prometheusYaml); do not edit rule_files, alerting or global by hand.",
    notApplicable: (resources) => absentTarget(resources, "docker"),
    check: (resources, ctx) => {
        const generated = prometheusConfig(ctx.runbook) as unknown as Record<string, any>;
        const out: Finding[] = [];
        let seen = 0;
        for (const s of ofTarget(resources, "docker")) {
            for (const [i, u] of asArray<Record<string, any>>(s.props.uploads).entries()) {
                if (!isRecord(u) || u.file !== PROMETHEUS_CONFIG_PATH) continue;
                seen++;
                const text = u.content !== undefined ? textOf(`uploads[${i}].content`, u.content) : textOf(`uploads[${i}].contentBase64`, u.contentBase64);
                let planned: unknown;
                try {
                    planned = text === undefined ? undefined : YAML.parse(text);
                } catch (e) {
                    planned = undefined;
                    out.push(finding(`${label(s)} uploads ${PROMETHEUS_CONFIG_PATH} that is not YAML (${(e as Error).message}): Prometheus does not start`, { urn: s.urn }));
                    continue;
                }
                if (!isRecord(planned)) {
                    out.push(finding(`${label(s)} uploads ${PROMETHEUS_CONFIG_PATH} with no configuration the pack can read: Prometheus evaluates no rule`, { urn: s.urn }));
                    continue;
                }
                for (const p of prometheusConfigProblems(planned, generated)) out.push(finding(`${label(s)} ${PROMETHEUS_CONFIG_PATH}: ${p} (generated by capabilities/docker/prometheus.ts)`, { urn: s.urn }));
            }
        }
        if (seen === 0 && ofTarget(resources, "docker").some((s) => /prometheus/.test(String(s.props.image ?? "")))) {
            out.push(finding(`no Docker container uploads ${PROMETHEUS_CONFIG_PATH}: the Prometheus container runs without the generated configuration, so none of the runbook's rules is evaluated`));
        }
        return out;
    },
});
