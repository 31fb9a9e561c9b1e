import YAML from "yaml";
import type { Alert, Level, Runbook } from "../../runbooks";
import { SIGNAL_SPECS, readsPerScrape, signalQuery } from "../../capabilities/alerting/signals";
import { offsetSelectors } from "../../capabilities/alerting/selectors";
import { httpMetricNames, metricNaming } from "../../capabilities/alerting/metrics";

/**
 * Builders for the artifacts policies read (rule files, Alertmanager configs), written from the
 * runbook in the test itself so the fixtures never borrow the generators under review.
 */

export interface RuleShape {
    alert: string;
    expr: string;
    for: string;
    labels: Record<string, string>;
}

export type RuleTweak = (alert: Alert, level: Level, rule: RuleShape) => RuleShape | undefined;

/**
 * A metric the alert's signal reads, from the metrics contract (what the collectors scrape), so a
 * fixture rule reads something Prometheus receives. Its selector names only the app: it is not
 * narrowed to some of the alert's subjects.
 */
export function signalMetric(rb: Runbook, a: Alert): string {
    return SIGNAL_SPECS[a.signal].metrics(httpMetricNames(metricNaming(rb)))[0];
}

/** `(value) > threshold`, and for a per-scrape rate `or (value offset 15s) > threshold`. */
function bridge(rb: Runbook, a: Alert, threshold: number): string {
    const op = a.direction === "above" ? ">" : "<";
    const value = signalQuery(rb, a);
    return readsPerScrape(a.signal) ? `(${value}) ${op} ${threshold} or (${offsetSelectors(value, 15)}) ${op} ${threshold}` : `(${value}) ${op} ${threshold}`;
}

/** One alerting rule per runbook alert level: `value > threshold` for the level's `for`, labelled with severity and id. */
export function ruleGroups(rb: Runbook, opts: { only?: (a: Alert) => boolean; tweak?: RuleTweak } = {}): { groups: { name: string; rules: RuleShape[] }[] } {
    const rules: RuleShape[] = [];
    for (const a of rb.alerts.filter(opts.only ?? (() => true))) {
        for (const l of a.levels) {
            const base: RuleShape = {
                alert: `${a.id.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}${l.severity[0].toUpperCase()}${l.severity.slice(1)}`,
                // The platform's expression for the signal (a pure function of the runbook the pack
                // compares rules with, policies/lib/expressions.ts); only the threshold is the level's.
                // A per-scrape rate also holds the reading one evaluation (15 s) earlier: the bridge.
                expr: bridge(rb, a, l.threshold),
                for: l.for,
                labels: { severity: l.severity, app: rb.app, alert_id: a.id },
            };
            const r = opts.tweak ? opts.tweak(a, l, base) : base;
            if (r) rules.push(r);
        }
    }
    rules.push({ alert: "Watchdog", expr: "vector(1)", for: "0s", labels: { severity: "none", app: rb.app } });
    return { groups: [{ name: `${rb.app}-rules`, rules }] };
}

export function rulesYaml(rb: Runbook, opts: Parameters<typeof ruleGroups>[1] = {}): string {
    return YAML.stringify(ruleGroups(rb, opts));
}

/**
 * An Alertmanager config: critical to a PagerDuty receiver, warning and info to chat, every
 * notification prompt (first message within 10 s, a group's new alert within a minute, a
 * reminder every 5 minutes): tighter than any runbook's response time.
 */
export function alertmanagerConfig(opts: { criticalTo?: string; pager?: Record<string, unknown> } = {}): Record<string, unknown> {
    return {
        route: {
            receiver: "chat",
            group_by: ["alertname", "app"],
            group_wait: "10s",
            group_interval: "1m",
            repeat_interval: "5m",
            routes: [
                { matchers: ['severity="critical"'], receiver: opts.criticalTo ?? "pager", continue: true },
                { matchers: ['severity=~"warning|info"'], receiver: "chat" },
            ],
        },
        receivers: [
            { name: "pager", ...(opts.pager ?? { pagerduty_configs: [{ routing_key: "from-a-pulumi-secret-0123456789" }] }) },
            { name: "chat", slack_configs: [{ api_url: "https://hooks.slack.com/services/T000/B000/from-a-secret", channel: "#alerts" }] },
            { name: "blackhole" },
        ],
    };
}

type Am = Record<string, any>;

/** The fixture config with one route changed: the route that receives `severity` (or the root). */
function withRoute(severity: string, change: (route: Am, am: Am) => void): Am {
    const am = alertmanagerConfig() as Am;
    const route = (am.route.routes as Am[]).find((r) => (r.matchers as string[]).some((m) => new RegExp(`^severity=~?"(.*\\|)?${severity}(\\|.*)?"$`).test(m))) ?? am.route;
    change(route, am);
    return am;
}

/**
 * One-field breaks of the Alertmanager fixture's notification timing and silencing, from the
 * runbook's response time per severity: each severity's first message held twice its response
 * window (or 30 minutes for "immediately"), its reminder held a day, and for critical alerts a
 * mute interval and an inhibit rule. `apply` puts the broken config where the target keeps it.
 */
export function timingBreaks<R>(rb: Runbook, apply: (resources: R[], am: Am) => void): Record<string, { edit: (resources: R[]) => void; expect: RegExp }> {
    const out: Record<string, { edit: (resources: R[]) => void; expect: RegExp }> = {};
    const severities = [...new Set(rb.alerts.flatMap((a) => a.levels.map((l) => l.severity)))];
    for (const severity of severities) {
        const minutes = rb.incident.alertResponse[severity].minutes;
        const late = `${Math.max(minutes * 2, 30)}m`;
        out[`${severity} group_wait ${late}`] = {
            edit: (rs) => apply(rs, withRoute(severity, (r) => (r.group_wait = late))),
            expect: new RegExp(`group_wait ${late} holds the first ${severity} message .*\\[runbook key: incident\\.alertResponse\\.${severity}\\]`),
        };
        out[`${severity} group_interval ${late}`] = {
            edit: (rs) => apply(rs, withRoute(severity, (r) => (r.group_interval = late))),
            expect: new RegExp(`group_interval ${late} holds a new ${severity} alert .*incident\\.alertResponse\\.${severity}`),
        };
        out[`${severity} repeat_interval 1d`] = {
            edit: (rs) => apply(rs, withRoute(severity, (r) => (r.repeat_interval = "1d"))),
            expect: new RegExp(`repeat_interval 1d \\(\\+ group_interval\\) re-sends an unanswered ${severity} alert .*incident\\.alertResponse\\.${severity}`),
        };
    }
    if (severities.includes("critical")) {
        out["critical muted at night"] = {
            edit: (rs) =>
                apply(
                    rs,
                    withRoute("critical", (r, am) => {
                        r.mute_time_intervals = ["nights"];
                        am.time_intervals = [{ name: "nights", time_intervals: [{ times: [{ start_time: "22:00", end_time: "06:00" }] }] }];
                    }),
                ),
            expect: /mute_time_intervals "nights" keeps critical alerts from being sent.*incident.alertResponse.critical/,
        };
        out["critical inhibited by warnings"] = {
            edit: (rs) => apply(rs, withRoute("critical", (_r, am) => (am.inhibit_rules = [{ source_matchers: ['severity="warning"'], target_matchers: ['severity="critical"'], equal: ["app"] }]))),
            expect: /inhibit rule .* drops critical alert .*incident.alertResponse.critical/,
        };
    }
    return out;
}
