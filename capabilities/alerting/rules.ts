import type { Alert, AlertSeverity, AppId, Env, Level, Runbook, Source } from "../../runbooks";
import { levelBound, levelCondition, UNIT_SUFFIX } from "./levels";
import { absenceRuleParts, presences, type Presence } from "./absence";
import type { Target } from "../targets";
import { CLOUDWATCH_METRICS, SIGNAL_SPECS, alertsOn, isCloudWatchOnlySignal, readsPerScrape, signalQuery } from "./signals";
import { SCRAPE_INTERVAL } from "./metrics";
import { offsetSelectors } from "./selectors";
import { durationSeconds } from "../../runbooks/schema";

/** Where the runbooks are published; every `runbook_url` points into it. */
export const RUNBOOK_BASE_URL = "https://runbooks.internal";

/** The alert that always fires, so a silent pipeline is noticed by the dead man's switch. */
export const WATCHDOG = "Watchdog";

export interface AlertingRule {
    readonly alert: string;
    readonly expr: string;
    readonly for?: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
}

export interface RuleGroup {
    readonly name: string;
    readonly rules: readonly AlertingRule[];
}

/** A Prometheus rule file; also the `spec` of a PrometheusRule and the body of an AMP rule group namespace. */
export interface RuleFile {
    readonly groups: readonly RuleGroup[];
}

export function pascal(s: string): string {
    return s
        .split(/[^a-zA-Z0-9]+/)
        .filter(Boolean)
        .map((w) => w[0].toUpperCase() + w.slice(1))
        .join("");
}

/** `PfmCommunityHttpErrorRateCritical`: stable across envs and targets, unique per level. */
export function alertName(app: AppId, alertId: string, severity: AlertSeverity): string {
    return pascal(`${app}-${alertId}-${severity}`);
}

/** GitHub-style anchor of a Markdown heading. */
export function sectionSlug(section: string): string {
    return section
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, "")
        .trim()
        .replace(/ /g, "-");
}

export function runbookUrl(app: AppId, source: Pick<Source, "seed" | "section">): string {
    return `${RUNBOOK_BASE_URL}/${app}/${source.seed}#${sectionSlug(source.section)}`;
}

/** The live value as annotations print it; promtool tests render the same two decimals. */
export const VALUE_TEMPLATE = '{{ printf "%.2f" $value }}';

/** `component={{ $labels.component }}, instance={{ $labels.instance }}`: which instance fired. */
function instanceText(alert: Alert): string {
    return SIGNAL_SPECS[alert.signal].identity
        .filter((l) => l !== "app")
        .map((l) => `${l}={{ $labels.${l} }}`)
        .join(", ");
}

/**
 * How far back the bridge looks: one evaluation interval, which every target's Prometheus sets to
 * the scrape interval (docker/prometheus.ts, kubernetes/monitoring.ts, aws/collector.ts).
 */
export const BRIDGE_SECONDS = durationSeconds(SCRAPE_INTERVAL);

/**
 * A level's condition with `threshold` as written (a number, or `<threshold>` for the policy pack).
 * A gauge (or availability's hour) is compared as it is. A per-scrape rate (metrics.ts ALERT_READING)
 * is beyond when its reading now or one evaluation earlier is: `(<signal> > T) or (<signal> offset
 * E > T)`. One clean scrape interval inside a breach (the bursty backend's 6, 6, 6, 0) then does
 * not reset `for`, two do, and a breach of n intervals holds the condition for exactly n·S: it fires
 * iff n·S >= `for`. An instant `offset` reads exactly the previous pair of samples whatever the
 * group's phase; a subquery's steps are aligned to absolute time and its range ends are closed on
 * Prometheus 2 and half-open on 3, so its number of points would depend on both.
 */
export function conditionExpr(runbook: Runbook, alert: Alert, threshold: string): string {
    const op = alert.direction === "above" ? ">" : "<";
    const signal = signalQuery(runbook, alert);
    if (!readsPerScrape(alert.signal)) return `(${signal}) ${op} ${threshold}`;
    // Comparisons bind tighter than `or`: both stay top-level, where the policy pack reads thresholds.
    return `(${signal}) ${op} ${threshold} or (${offsetSelectors(signal, BRIDGE_SECONDS)}) ${op} ${threshold}`;
}

export function levelExpr(runbook: Runbook, alert: Alert, level: Level): string {
    return conditionExpr(runbook, alert, String(level.threshold));
}

export function levelAnnotations(runbook: Runbook, alert: Alert, level: Level): Record<string, string> {
    const where = instanceText(alert);
    return {
        summary: `${alert.title}: ${levelCondition(alert, level)}`,
        description:
            `${alert.title}${where ? ` on ${where}` : ""}: ${VALUE_TEMPLATE}${alert.unit === "bool" ? " (1 = down)" : UNIT_SUFFIX[alert.unit]}. ` +
            (level.overridden
                ? `This stack's ${level.severity} level: ${levelBound(alert, level)} (set by ${Object.values(level.overridden).join(" and ")}; ${level.source.seed}, "${level.source.section}").`
                : `The runbook's ${level.severity} level: ${levelBound(alert, level)} (${level.source.seed}, "${level.source.section}").`),
        runbook_url: runbookUrl(runbook.app, level.source),
    };
}

function levelRule(runbook: Runbook, env: Env, alert: Alert, level: Level): AlertingRule {
    return {
        alert: alertName(runbook.app, alert.id, level.severity),
        expr: levelExpr(runbook, alert, level),
        for: level.for,
        labels: { severity: level.severity, app: runbook.app, env, alert_id: alert.id },
        annotations: levelAnnotations(runbook, alert, level),
    };
}

/** The absence rule of one series the stack's alerts read (absence.ts). */
export function absenceRule(runbook: Runbook, env: Env, p: Presence): AlertingRule {
    const parts = absenceRuleParts(runbook, env, p);
    return {
        alert: pascal(`${runbook.app}-${parts.id}`),
        expr: parts.expr,
        for: parts.for,
        labels: parts.labels,
        annotations: { ...parts.annotations, runbook_url: `${RUNBOOK_BASE_URL}/${runbook.app}/${runbook.seed}` },
    };
}

export function watchdogRule(runbook: Runbook, env: Env, target: Target): AlertingRule {
    const cloudwatch = alertsOn(runbook, target).cloudwatch;
    const elsewhere = cloudwatch.length
        ? ` On ${target}, ${cloudwatch.map((a) => a.id).join(", ")} are CloudWatch alarms (${[...new Set(cloudwatch.map((a) => a.signal))]
              .filter(isCloudWatchOnlySignal)
              .map((s) => `${CLOUDWATCH_METRICS[s].namespace} ${CLOUDWATCH_METRICS[s].metric}`)
              .join(", ")}), not rules here.`
        : "";
    return {
        alert: WATCHDOG,
        expr: "vector(1)",
        labels: { severity: "none", app: runbook.app, env },
        annotations: {
            summary: `Alerting pipeline heartbeat for ${runbook.app} (${env})`,
            description: `Always firing. The dead man's switch alarms when it stops arriving: then no alert of ${runbook.app} can arrive either.${elsewhere}`,
            runbook_url: `${RUNBOOK_BASE_URL}/${runbook.app}/${runbook.seed}`,
        },
    };
}

/**
 * The rule group of one app and environment: one alert per level of the runbook's alerts and the
 * platform's defaults (baseline.ts), one absence rule per series they read (absence.ts), plus the Watchdog.
 * On `aws`, the signals in CLOUDWATCH_ONLY_SIGNALS are left to CloudWatch alarms; the Watchdog's
 * description names them so the group says what it does not cover.
 */
export function rulesFor(runbook: Runbook, env: Env, target: Target): RuleFile {
    const levels = alertsOn(runbook, target).prometheus.flatMap((alert) => alert.levels.map((level) => levelRule(runbook, env, alert, level)));
    const absence = presences(runbook, target).map((p) => absenceRule(runbook, env, p));
    const rules = [...levels, ...absence];
    const names = new Set<string>();
    for (const r of rules) {
        if (names.has(r.alert)) throw new Error(`${runbook.app}: two rules are named ${r.alert}; alert ids must differ beyond punctuation`);
        names.add(r.alert);
    }
    // The policy pack recognises a runbook alert's rule by the alert id in its name: no other rule may carry one.
    const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
    for (const r of absence) {
        const clash = runbook.alerts.find((a) => norm(r.alert).includes(norm(a.id)));
        if (clash) throw new Error(`${runbook.app}: absence rule ${r.alert} contains the runbook alert id ${clash.id}`);
    }
    return { groups: [{ name: `${runbook.app}-${env}`, rules: [...rules, watchdogRule(runbook, env, target)] }] };
}
