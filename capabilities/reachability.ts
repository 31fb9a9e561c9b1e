import type { Alert, AppId, Env, Level, Runbook } from "../runbooks";
import { levelCondition } from "./alerting/levels";
import { alertName, pascal, runbookUrl, type AlertingRule, type RuleFile } from "./alerting/rules";
import { GRAFANA_HEALTH_PATH } from "./dashboards/grafana";

/**
 * External reachability: every host the stack publishes, checked from outside the way a user
 * reaches it (DNS, TLS, the load balancer or ingress, then the service's health path). The
 * in-cluster health probe behind ServiceDown cannot see a broken DNS record, certificate or
 * ingress; these checks can. A failed public host is the runbook's "service unavailable": it
 * follows the critical level of the runbook's service_down alert (its `for`, its severity).
 */

export interface PublicEndpoint {
    /** The runbook service it serves, or `grafana`. */
    readonly subject: string;
    readonly host: string;
    /** The path checked: the service's health path, Grafana's `/api/health`. */
    readonly path: string;
}

/** The subject of the Grafana endpoint. */
export const GRAFANA_SUBJECT = "grafana";

/**
 * Every public endpoint of a stack: one per published service host (the stack's `hosts`,
 * service → host) and Grafana's host where it is published.
 */
export function publicEndpoints(rb: Runbook, hosts: Readonly<Record<string, string>>, grafanaHost?: string): PublicEndpoint[] {
    const out = Object.entries(hosts).map(([service, host]): PublicEndpoint => {
        const svc = rb.services.find((s) => s.name === service);
        if (!svc) throw new Error(`${rb.app}: hosts.${service} = "${host}" names no runbook service; allowed: ${rb.services.map((s) => s.name).join(", ")}`);
        return { subject: service, host, path: svc.healthPath };
    });
    if (grafanaHost) out.push({ subject: GRAFANA_SUBJECT, host: grafanaHost, path: GRAFANA_HEALTH_PATH });
    const seen = new Set<string>();
    for (const e of out) {
        if (seen.has(e.host)) throw new Error(`${rb.app}: host ${e.host} is published twice (${out.filter((x) => x.host === e.host).map((x) => x.subject).join(", ")}); allowed: one subject per host`);
        seen.add(e.host);
    }
    return out;
}

/** The URL a user (and the outside check) reaches. */
export function publicUrl(e: PublicEndpoint): string {
    return `https://${e.host}${e.path}`;
}

/** A name part for the endpoint: its host with dots as dashes. */
export function endpointSlug(e: PublicEndpoint): string {
    return e.host.replace(/[^a-zA-Z0-9]+/g, "-").replace(/^-|-$/g, "").toLowerCase();
}

/**
 * The runbook level a failed public host follows: the critical level of the service_down alert.
 * A runbook without one cannot say how fast an unreachable service pages: that is an error.
 */
export function reachabilityLevel(rb: Runbook): { readonly alert: Alert; readonly level: Level } {
    for (const alert of rb.alerts.filter((a) => a.signal === "service_down")) {
        const level = alert.levels.find((l) => l.severity === "critical");
        if (level) return { alert, level };
    }
    throw new Error(
        `${rb.app}: no critical level of a service_down alert (have: ${rb.alerts.filter((a) => a.signal === "service_down").map((a) => `${a.id}: ${a.levels.map((l) => l.severity).join("/")}`).join("; ") || "no service_down alert"}); a failed public host must page as the runbook's service unavailable: add a critical service_down level`,
    );
}

/** The `probe` label of the outside checks' series (blackbox_exporter's probe_success). */
export const REACHABILITY_PROBE = "reachability";

/** The alert a failed public host raises where Prometheus evaluates it (Kubernetes). */
export function reachabilityAlertName(app: AppId): string {
    return pascal(`${app}-public-host-unreachable`);
}

/**
 * The rule group that pages when a public host fails from outside: one rule per endpoint, firing
 * when its probe fails or its probe series is missing (a probe that stopped is no proof the host
 * answers), for the runbook's service_down critical `for`, with its severity and runbook link.
 */
export function reachabilityRules(rb: Runbook, env: Env, endpoints: readonly PublicEndpoint[]): RuleFile {
    if (endpoints.length === 0) return { groups: [] };
    const { alert, level } = reachabilityLevel(rb);
    // One outage, one page: while the runbook's ServiceDown of the same service is pending or firing,
    // the service itself is down and that rule pages (with the cause); the public host failing with
    // it adds nothing. Same `for`, so the two cross together and this one's pending state is reset.
    const serviceDownAlerts = `ALERTS{alertname="${alertName(rb.app, alert.id, "critical")}", app="${rb.app}", alertstate=~"pending|firing"}`;
    const rules: AlertingRule[] = endpoints.map((e) => {
        const sel = `app="${rb.app}", probe="${REACHABILITY_PROBE}", component="${e.subject}", host="${e.host}"`;
        return {
            alert: reachabilityAlertName(rb.app),
            expr: `((max by (app, probe, component, host) (probe_success{${sel}}) < 1) or (absent(probe_success{${sel}}))) unless on (app, component) ${serviceDownAlerts}`,
            for: level.for,
            labels: { severity: "critical", app: rb.app, env, component: e.subject, host: e.host },
            annotations: {
                summary: `${publicUrl(e)} is unreachable from outside`,
                description:
                    `${publicUrl(e)} (${e.subject}) failed its HTTPS probe through DNS, TLS and the ingress, or its probe stopped reporting. ` +
                    `Pages as ${alert.title} (critical): ${levelCondition(alert, level)} (${level.source.seed}, "${level.source.section}").`,
                runbook_url: runbookUrl(rb.app, level.source),
            },
        };
    });
    return { groups: [{ name: `${rb.app}-reachability`, rules }] };
}
