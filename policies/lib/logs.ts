import { finding, label, provenance, type CheckContext, type Finding, type Subject } from "./policy";
import { asArray, durationToSeconds, formatSeconds, isRecord, structuredIn } from "./values";

/**
 * Loki retention wherever a target configures Loki: an uploaded loki.yaml, Helm values
 * (`loki.limits_config`), a ConfigMap. Retention is `limits_config.retention_period`, and it is
 * only applied when the compactor has `retention_enabled: true`.
 */
export interface LokiConfig {
    readonly subject: Subject;
    readonly path: string;
    readonly retentionSeconds?: number;
    readonly raw?: unknown;
    readonly compactorRetention?: boolean;
}

export function lokiConfigs(subjects: readonly Subject[]): LokiConfig[] {
    const out: LokiConfig[] = [];
    for (const s of subjects) {
        for (const { path, value } of structuredIn(s.props, ["retention_period"])) {
            const limits = value.limits_config ?? value.limitsConfig;
            if (!isRecord(limits) || !("retention_period" in limits || "retentionPeriod" in limits)) continue;
            const raw = limits.retention_period ?? limits.retentionPeriod;
            const compactor = value.compactor;
            out.push({
                subject: s,
                path,
                raw,
                retentionSeconds: durationToSeconds(raw),
                compactorRetention: isRecord(compactor) ? compactor.retention_enabled === true || compactor.retentionEnabled === true : undefined,
            });
        }
    }
    return out;
}

/** Shorter than the retention: a duration under `days`, except 0 (Loki's "keep forever"). */
const shorter = (seconds: number | undefined, days: number) => seconds === undefined || (seconds !== 0 && seconds < days * 86400);

/**
 * Retention settings beside `limits_config.retention_period` that delete sooner: a
 * `retention_stream` entry (per stream selector, in limits_config or a tenant's overrides) and a
 * tenant's own `retention_period` (runtime `overrides`), anywhere in the resource that configures Loki.
 */
function retentionOverrides(s: Subject, days: number): { path: string; what: string; raw: unknown }[] {
    const out: { path: string; what: string; raw: unknown }[] = [];
    const seen = new Set<unknown>();
    for (const { path, value } of structuredIn(s.props, ["retention_"])) {
        if (seen.has(value)) continue;
        seen.add(value);
        for (const [i, e] of asArray(value.retention_stream ?? value.retentionStream).entries()) {
            const raw = isRecord(e) ? e.period : e;
            if (shorter(durationToSeconds(raw), days)) out.push({ path, what: `retention_stream[${i}]${isRecord(e) && e.selector ? ` (selector ${e.selector})` : ""} period`, raw });
        }
        const own = value.retention_period ?? value.retentionPeriod;
        if (own !== undefined && !/(limits_config|limitsConfig)$/.test(path) && !isRecord(value.limits_config ?? value.limitsConfig) && shorter(durationToSeconds(own), days)) {
            out.push({ path, what: "a tenant override's retention_period", raw: own });
        }
    }
    return out;
}

/**
 * Every Loki configuration keeps logs at least the runbook's retention (or the platform default,
 * said as such), with compactor retention on, and no stream or tenant kept shorter.
 */
export function checkLokiRetention(ctx: CheckContext, subjects: readonly Subject[], days: number, where: string): Finding[] {
    const configs = lokiConfigs(subjects);
    const from = provenance(ctx.runbook.logs, "retentionDays");
    const wants = `${from.defaulted ? "the platform default keeps" : "the runbook keeps"} logs ${days} days ${from.cite}; allowed: that or longer`;
    if (configs.length === 0) return [finding(`${where} configures no Loki retention (limits_config.retention_period); ${wants}`, { key: "logs.retentionDays" })];
    const out: Finding[] = [];
    for (const c of configs) {
        const at = `${label(c.subject)} (${c.path || "inputs"})`;
        if (shorter(c.retentionSeconds, days)) {
            out.push(finding(`${at}: limits_config.retention_period is ${JSON.stringify(c.raw)}${c.retentionSeconds ? ` (${formatSeconds(c.retentionSeconds)})` : ""}; ${wants}`, { urn: c.subject.urn, key: "logs.retentionDays" }));
        }
        if (c.compactorRetention === false) out.push(finding(`${at}: compactor.retention_enabled is not true, so Loki never deletes by retention_period; ${wants}`, { urn: c.subject.urn, key: "logs.retentionDays" }));
    }
    for (const s of new Set(configs.map((c) => c.subject))) {
        for (const o of retentionOverrides(s, days)) {
            out.push(finding(`${label(s)} (${o.path || "inputs"}): ${o.what} is ${JSON.stringify(o.raw)}, so the compactor deletes those logs sooner; ${wants}`, { urn: s.urn, key: "logs.retentionDays" }));
        }
    }
    return out;
}
