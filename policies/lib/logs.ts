import { cite, finding, label, type CheckContext, type Finding, type Subject } from "./policy";
import { durationToSeconds, formatSeconds, isRecord, structuredIn } from "./values";

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

/** Every Loki configuration keeps logs at least the runbook's retention, with compactor retention on. */
export function checkLokiRetention(ctx: CheckContext, subjects: readonly Subject[], days: number, where: string): Finding[] {
    const configs = lokiConfigs(subjects);
    const wants = `the runbook keeps logs ${days} days ${cite(ctx.runbook.logs.source)}`;
    if (configs.length === 0) return [finding(`${where} configures no Loki retention (limits_config.retention_period); ${wants}`, { key: "logs.retentionDays" })];
    const out: Finding[] = [];
    for (const c of configs) {
        const at = `${label(c.subject)} (${c.path || "inputs"})`;
        if (c.retentionSeconds === undefined || (c.retentionSeconds !== 0 && c.retentionSeconds < days * 86400)) {
            out.push(finding(`${at}: limits_config.retention_period is ${JSON.stringify(c.raw)}${c.retentionSeconds ? ` (${formatSeconds(c.retentionSeconds)})` : ""}; ${wants}`, { urn: c.subject.urn, key: "logs.retentionDays" }));
        }
        if (c.compactorRetention === false) out.push(finding(`${at}: compactor.retention_enabled is not true, so Loki never deletes by retention_period; ${wants}`, { urn: c.subject.urn, key: "logs.retentionDays" }));
    }
    return out;
}
