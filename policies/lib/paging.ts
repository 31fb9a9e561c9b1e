import { DEFAULTS } from "../../runbooks/defaults";
import { ALERT_SEVERITIES, type AlertSeverity, type Runbook } from "../../runbooks";
import type { AmConfig } from "./alertmanager";
import { routeMatches } from "./alertmanager";
import { finding, label, provenance, type Finding } from "./policy";
import { asArray, durationToSeconds, formatSeconds, isRecord } from "./values";
import { maintenanceMute, type MaintenanceMute } from "../../capabilities/alerting/maintenance";

/**
 * When a notification leaves Alertmanager, and what keeps it from leaving: the route an alert
 * takes (first matching child, `continue`, timings inherited from the parent), the timings on
 * it, mute/active time intervals on the way, and inhibit rules that suppress it.
 */

type Labels = Readonly<Record<string, string>>;

/** Alertmanager's own defaults when no route on the way sets a timing. */
export const ALERTMANAGER_DEFAULTS = { group_wait: 30, group_interval: 300, repeat_interval: 4 * 3600 } as const;

/**
 * What "respond immediately" (a response time of 0) allows: the first message within
 * Alertmanager's default group_wait (30 s), a new alert of an open group within its default
 * group_interval (5 min). A page nobody took is sent again before the runbook's next escalation
 * level is due (or, with no escalation time, within the response window).
 */
export const IMMEDIATE = { group_wait: ALERTMANAGER_DEFAULTS.group_wait, group_interval: ALERTMANAGER_DEFAULTS.group_interval } as const;

/** Every chain of routes (root first) an alert with these labels ends on, as Alertmanager walks the tree. */
export function routeChains(route: Record<string, any>, labels: Labels, above: readonly Record<string, any>[] = []): Record<string, any>[][] {
    const chain = [...above, route];
    const found: Record<string, any>[][] = [];
    for (const child of asArray(route.routes)) {
        if (!isRecord(child) || !routeMatches(child, labels)) continue;
        found.push(...routeChains(child, labels, chain));
        if (!child.continue) break;
    }
    return found.length ? found : [chain];
}

const CAMEL: Record<keyof typeof ALERTMANAGER_DEFAULTS, string> = { group_wait: "groupWait", group_interval: "groupInterval", repeat_interval: "repeatInterval" };

/** A timing in effect at the end of a chain: the nearest route that sets it, else Alertmanager's default. */
export function timing(chain: readonly Record<string, any>[], key: keyof typeof ALERTMANAGER_DEFAULTS): { seconds: number; text: string } {
    for (let i = chain.length - 1; i >= 0; i--) {
        const v = chain[i][key] ?? chain[i][CAMEL[key]];
        if (v !== undefined) {
            const s = durationToSeconds(v);
            return { seconds: s ?? Number.POSITIVE_INFINITY, text: String(v) };
        }
    }
    return { seconds: ALERTMANAGER_DEFAULTS[key], text: `${formatSeconds(ALERTMANAGER_DEFAULTS[key])} (Alertmanager's default)` };
}

/**
 * Time intervals on the way that keep the alert from being sent: mute intervals, or active
 * intervals (sent only inside them). `declared`: the one mute the runbook states (its
 * maintenance window, for the alerts it silences in it), passed over when the configuration
 * defines it exactly as the window: same name, same days and times.
 */
export function silencingIntervals(chain: readonly Record<string, any>[], declared?: { readonly mute: MaintenanceMute; readonly defined: readonly Record<string, any>[] }): string[] {
    const isDeclared = (n: unknown) => {
        if (!declared || n !== declared.mute.name) return false;
        const def = declared.defined.filter((d) => d.name === n);
        const ranges = def.length === 1 ? (def[0].time_intervals ?? def[0].timeIntervals) : undefined;
        return def.length === 1 && def[0].location === undefined && JSON.stringify(ranges) === JSON.stringify(declared.mute.intervals);
    };
    return chain.flatMap((r) => [
        ...[...asArray(r.mute_time_intervals), ...asArray(r.muteTimeIntervals)].filter((n) => !isDeclared(n)).map((n) => `mute_time_intervals ${JSON.stringify(n)}`),
        ...[...asArray(r.active_time_intervals), ...asArray(r.activeTimeIntervals)].map((n) => `active_time_intervals ${JSON.stringify(n)}`),
    ]);
}

/** Inhibit rules of a configuration whose target matchers accept these labels (they drop the alert while their source fires). */
export function inhibitingRules(cfg: AmConfig, labels: Labels): Record<string, any>[] {
    return cfg.inhibitRules.filter((r) => {
        const target = {
            match: r.target_match,
            match_re: r.target_match_re,
            matchers: [...asArray(r.target_matchers), ...asArray(r.targetMatch), ...asArray(r.targetMatchers)],
        };
        const empty = !isRecord(target.match) && !isRecord(target.match_re) && target.matchers.length === 0;
        return !empty && routeMatches(target, labels);
    });
}

/** Minutes within which the runbook (or, where it is silent, the platform default) answers a severity. */
export function responseOf(rb: Runbook, severity: AlertSeverity): { minutes: number; why: string } {
    const r = rb.incident.alertResponse[severity];
    const p = provenance({ source: r.source ?? rb.incident.severities.find((s) => s.alertSeverity === severity)?.source, defaulted: r.defaulted }, "minutes");
    return { minutes: r.minutes, why: `${p.who} answers ${severity} alerts ${r.minutes === 0 ? "immediately" : `within ${r.minutes} minutes`} ${p.cite}` };
}

/**
 * How soon a page nobody took must be sent again when the runbook says "immediately": within the
 * usual first-response window (the platform's escalation default), or the runbook's own next
 * escalation if that is later (PagerDuty escalates by itself; the reminder only has to beat the
 * window in which someone should have answered).
 */
function reminderWindow(rb: Runbook): { seconds: number; why: string } {
    const later = rb.incident.escalation.filter((e) => e.afterMinutes > 0).sort((a, b) => a.afterMinutes - b.afterMinutes)[0];
    const floor = DEFAULTS.escalationAfter.value;
    if (later && later.afterMinutes > floor) return { seconds: later.afterMinutes * 60, why: `the runbook escalates to ${later.who} after ${later.afterMinutes} minutes` };
    return { seconds: floor * 60, why: `platform default ${floor} minutes: ${DEFAULTS.escalationAfter.reason}` };
}

/**
 * Each route an alert of the runbook takes notifies within the runbook's response time for its
 * severity: first message (group_wait), a new alert of an open group (group_interval), and the
 * reminder of an alert nobody acted on (repeat_interval + group_interval) before the next
 * escalation (or within the window). Critical alerts are never muted by time intervals nor
 * inhibited by another alert.
 */
export function checkNotificationTiming(rb: Runbook, configs: readonly AmConfig[], labelSets: (alertId: string, severity: AlertSeverity) => Labels[]): Finding[] {
    const out: Finding[] = [];
    const firstWindow = reminderWindow(rb);
    const mute = maintenanceMute(rb);
    for (const cfg of configs) {
        const seen = new Set<string>();
        for (const a of rb.alerts) {
            for (const level of a.levels) {
                const severity = level.severity;
                if (!ALERT_SEVERITIES.includes(severity)) continue;
                const { minutes, why } = responseOf(rb, severity);
                const key = `incident.alertResponse.${severity}`;
                const window = minutes * 60;
                const bounds = {
                    group_wait: window || IMMEDIATE.group_wait,
                    group_interval: window || IMMEDIATE.group_interval,
                    repeat: window || firstWindow.seconds,
                };
                const repeatWhy = window ? "within the response window" : `within the first-response window (${firstWindow.why})`;
                for (const labels of labelSets(a.id, severity)) {
                    for (const chain of routeChains(cfg.route, labels)) {
                        const leaf = chain[chain.length - 1];
                        const where = `${label(cfg.subject)} route ${leaf === cfg.route ? "(root)" : JSON.stringify(leaf.matchers ?? leaf.match ?? leaf.match_re ?? leaf.receiver ?? "?")}`;
                        const wait = timing(chain, "group_wait");
                        const interval = timing(chain, "group_interval");
                        const repeat = timing(chain, "repeat_interval");
                        const problems: string[] = [];
                        if (wait.seconds > bounds.group_wait) problems.push(`group_wait ${wait.text} holds the first ${severity} message longer than ${formatSeconds(bounds.group_wait)}`);
                        if (interval.seconds > bounds.group_interval) problems.push(`group_interval ${interval.text} holds a new ${severity} alert of an open group longer than ${formatSeconds(bounds.group_interval)}`);
                        if (repeat.seconds + interval.seconds > bounds.repeat)
                            problems.push(`repeat_interval ${repeat.text} (+ group_interval) re-sends an unanswered ${severity} alert after ${formatSeconds(repeat.seconds + interval.seconds)}, not ${repeatWhy} (${formatSeconds(bounds.repeat)})`);
                        // Only the runbook's own silence, on the alerts it names: any other mute (or a redefined window) is flagged.
                        const declared = mute && mute.alertIds.includes(a.id) ? { mute, defined: cfg.timeIntervals } : undefined;
                        for (const s of silencingIntervals(chain, declared)) {
                            problems.push(`${s} keeps ${severity} alerts from being sent part of the time${mute ? ` (the runbook silences only ${mute.alertIds.join(", ")} in its maintenance window, as time interval "${mute.name}")` : " (the runbook silences no alert by time)"}`);
                        }
                        if (severity === "critical") {
                            for (const r of inhibitingRules(cfg, labels)) problems.push(`inhibit rule ${JSON.stringify(r)} drops critical alert "${labels.alertname ?? a.id}" while its source fires`);
                        }
                        for (const p of problems) {
                            const message = `${where}: ${p}; ${why}`;
                            if (seen.has(message)) continue;
                            seen.add(message);
                            out.push(finding(message, { urn: cfg.subject.urn, key }));
                        }
                    }
                }
            }
        }
    }
    return out;
}
