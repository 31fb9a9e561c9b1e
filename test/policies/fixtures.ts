import YAML from "yaml";
import type { Alert, Level, Runbook } from "../../runbooks";

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

/** One alerting rule per runbook alert level: `value > threshold` for the level's `for`, labelled with severity and id. */
export function ruleGroups(rb: Runbook, opts: { only?: (a: Alert) => boolean; tweak?: RuleTweak } = {}): { groups: { name: string; rules: RuleShape[] }[] } {
    const rules: RuleShape[] = [];
    for (const a of rb.alerts.filter(opts.only ?? (() => true))) {
        for (const l of a.levels) {
            const base: RuleShape = {
                alert: `${a.id.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}${l.severity[0].toUpperCase()}${l.severity.slice(1)}`,
                expr: `(some_signal{app="${rb.app}", component=~"a|b"} / on (app) group_left max(other)) ${a.direction === "above" ? ">" : "<"} ${l.threshold}`,
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

/** An Alertmanager config: critical to a PagerDuty receiver, warning and info to chat. */
export function alertmanagerConfig(opts: { criticalTo?: string; pager?: Record<string, unknown> } = {}): Record<string, unknown> {
    return {
        route: {
            receiver: "chat",
            group_by: ["alertname", "app"],
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
