import { DEFAULTS } from "../../runbooks/defaults";
import type { Alert, AlertSeverity, Env, Runbook } from "../../runbooks";
import { runbookBackups } from "../backups/plan";
import type { Target } from "../targets";
import { METRICS } from "./metrics";
import { SIGNAL_SPECS, alertsOn, scopeComponents } from "./signals";

/**
 * Absence rules: a series an alert reads that vanishes (exporter stopped, target no longer
 * scraped, probe removed) would otherwise resolve its alerts quietly. For every series an alert
 * depends on, per component, a rule fires when the series is gone, or, for a scraped target, when
 * its scrape fails (`up == 0`). It carries the app and component labels and the severity of the
 * most severe level it would silence.
 */

export interface Presence {
    /** The series that exists whenever the signal can be read. */
    readonly metric: string;
    /** Equality matchers: `absent()` returns exactly these as the alert's labels. */
    readonly matchers: Readonly<Record<string, string>>;
    /** A scrape target: `up == 0` counts as gone too. */
    readonly scraped: boolean;
    /** The alerts (ids) and the most severe level it feeds. */
    readonly alerts: readonly string[];
    readonly severity: AlertSeverity;
}

const RANK: Readonly<Record<AlertSeverity, number>> = { info: 0, warning: 1, critical: 2 };

/** Which probe a blackbox signal reads. */
function probeOf(alert: Alert): string {
    const scope = SIGNAL_SPECS[alert.signal].scope;
    return scope === "external" ? "external" : scope === "tls-services" ? "tls" : "health";
}

/** The series each of an alert's instances needs, one per component (or dataset, or the app's hosts). */
export function presencesOf(rb: Runbook, alert: Alert): { metric: string; matchers: Record<string, string>; scraped: boolean }[] {
    const spec = SIGNAL_SPECS[alert.signal];
    const app = rb.app;
    const perComponent = (metric: string, scraped: boolean, extra: Record<string, string> = {}) =>
        scopeComponents(rb, alert).map((component) => ({ metric, matchers: { app, component, ...extra }, scraped }));
    switch (spec.exporter) {
        case "blackbox":
            return perComponent(METRICS.probeSuccess, false, { probe: probeOf(alert) });
        case "app":
            // Counters with labels appear only once counted (no 5xx yet, no failed login yet): the scrape itself is the series that must be there.
            return perComponent(METRICS.up, true);
        case "postgres":
            return perComponent(METRICS.pgUp, false);
        case "redis":
            return perComponent(METRICS.redisUp, false);
        case "mongodb":
            return perComponent(METRICS.mongoUp, false);
        case "kafka":
        case "rabbitmq":
        case "minio":
            return perComponent(METRICS.up, true);
        case "cadvisor":
            return perComponent(METRICS.containerMemory, false);
        case "node":
            return [{ metric: METRICS.fsSize, matchers: { app }, scraped: false }];
        case "pushgateway":
            return runbookBackups(rb).map((b) => ({ metric: METRICS.backupLastSuccess, matchers: { app, dataset: b.dataset }, scraped: false }));
    }
}

/** The series the stack's Prometheus-evaluated alerts depend on, each once. */
export function presences(rb: Runbook, target: Target): Presence[] {
    const byKey = new Map<string, { metric: string; matchers: Record<string, string>; scraped: boolean; alerts: string[]; severity: AlertSeverity }>();
    for (const alert of alertsOn(rb, target).prometheus) {
        const worst = alert.levels.map((l) => l.severity).reduce((a, b) => (RANK[b] > RANK[a] ? b : a));
        for (const p of presencesOf(rb, alert)) {
            const key = `${p.metric}${JSON.stringify(p.matchers)}`;
            const seen = byKey.get(key);
            if (!seen) byKey.set(key, { ...p, alerts: [alert.id], severity: worst });
            else {
                if (!seen.alerts.includes(alert.id)) seen.alerts.push(alert.id);
                if (RANK[worst] > RANK[seen.severity]) seen.severity = worst;
            }
        }
    }
    return [...byKey.values()];
}

export const selectorOf = (p: Pick<Presence, "metric" | "matchers">) =>
    `${p.metric}{${Object.entries(p.matchers)
        .map(([k, v]) => `${k}="${v}"`)
        .join(", ")}}`;

/** `absent(pg_up{app="x", component="postgres"})`, and for a scrape target `or` its failing scrape. */
export function absenceExpr(p: Presence): string {
    const sel = selectorOf(p);
    if (!p.scraped) return `absent(${sel})`;
    return `absent(${sel}) or max by (${Object.keys(p.matchers).join(", ")}) (${sel}) == 0`;
}

/** What the absent series is about: its component, dataset, or the app's hosts. */
export function presenceSubject(p: Pick<Presence, "matchers">): string {
    return p.matchers.component ?? p.matchers.dataset ?? "hosts";
}

export function absenceAlertId(p: Presence): string {
    return `absent-${presenceSubject(p)}-${p.matchers.probe ? `${p.matchers.probe}-` : ""}${p.metric}`.replace(/_/g, "-");
}

/** The rule parts that do not depend on the rule file's shape: name stem, `for`, labels, annotations. */
export function absenceRuleParts(rb: Runbook, env: Env, p: Presence) {
    const what = selectorOf(p);
    return {
        id: absenceAlertId(p),
        expr: absenceExpr(p),
        for: DEFAULTS.signalAbsentFor.value,
        labels: { severity: p.severity, app: rb.app, env, alert_id: absenceAlertId(p) },
        annotations: {
            summary: `${presenceSubject(p)}: ${p.metric} is not reported`,
            description:
                `No ${what} series${p.scraped ? ", or its scrape fails" : ""}: the exporter or target stopped reporting, so ${p.alerts.join(", ")} cannot fire. ` +
                `Platform default, for ${DEFAULTS.signalAbsentFor.value}: ${DEFAULTS.signalAbsentFor.reason}.`,
        },
    };
}
