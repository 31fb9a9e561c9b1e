import type { Runbook } from "../../runbooks";
import { alertmanagerConfig, type DirectReceivers, type SmtpSettings } from "./routing";

/**
 * What one stack can actually deliver to. The routing (receivers, routes, timings, inhibitions)
 * is the runbook's on every stack; each integration stays only where the stack has its
 * credential, so a laptop pages nobody and a cluster without a mail relay does not try to send
 * mail. A receiver without integrations still shows its alerts in Alertmanager and Grafana.
 * Used by the Docker and Kubernetes targets, whose Alertmanager calls the integrations itself
 * (AWS publishes to SNS and has its own dead man's switch: a CloudWatch alarm on the heartbeat).
 */

/** The operator's alert-delivery credentials one stack has; each absent one drops its integrations. */
export interface DeliveryCredentials {
    /** PagerDuty Events API v2 key: `pagerduty_configs` (critical). */
    readonly pagerdutyRoutingKey?: string;
    /** Slack incoming webhook: `slack_configs` (every severity). */
    readonly slackWebhookUrl?: string;
    /** Heartbeat URL of a dead man's switch (healthchecks.io, Dead Man's Snitch…): the Watchdog's `webhook_configs`. */
    readonly deadMansSwitchUrl?: string;
    /** Mail relay for the runbook's alert e-mail address: `email_configs` (warning). */
    readonly smtp?: SmtpSettings;
}

/** Which credential each Alertmanager integration needs. Any integration not listed is never kept. */
const NEEDS: Readonly<Record<string, keyof DeliveryCredentials>> = {
    pagerduty_configs: "pagerdutyRoutingKey",
    slack_configs: "slackWebhookUrl",
    webhook_configs: "deadMansSwitchUrl",
    email_configs: "smtp",
};

/**
 * Stand-in for a credential the stack lacks. It only lets the routing render; every integration
 * built from it is removed by `deliverable`, and tests check that none survives.
 */
export const UNSET = "unset.invalid";

/** The stack's credentials, with stand-ins where one is absent, for `alertmanagerConfig`. */
export function withStandIns(runbook: Runbook, c: DeliveryCredentials): DirectReceivers {
    return {
        kind: "direct",
        pagerdutyRoutingKey: c.pagerdutyRoutingKey ?? UNSET,
        slackWebhookUrl: c.slackWebhookUrl ?? `https://${UNSET}/`,
        deadMansSwitchUrl: c.deadMansSwitchUrl ?? `https://${UNSET}/`,
        ...(c.smtp ? { smtp: c.smtp } : runbook.incident.channels.email ? { smtp: { smarthost: `${UNSET}:25`, from: `alertmanager@${UNSET}` } } : {}),
    };
}

/** The integrations a stack with these credentials keeps, e.g. `["pagerduty_configs", "slack_configs"]`. */
export function keptIntegrations(c: DeliveryCredentials): string[] {
    return Object.entries(NEEDS)
        .filter(([, credential]) => c[credential] !== undefined)
        .map(([integration]) => integration);
}

/**
 * Removes, in place, every integration (and global setting) of a rendered Alertmanager config
 * whose credential the stack lacks. Works on the parsed YAML of any direct-receiver config.
 */
export function deliverable<T extends { global?: Record<string, unknown>; receivers?: Record<string, unknown>[] }>(config: T, c: DeliveryCredentials): T {
    const keep = new Set(keptIntegrations(c));
    for (const receiver of config.receivers ?? []) {
        for (const key of Object.keys(receiver)) if (key.endsWith("_configs") && !keep.has(key)) delete receiver[key];
    }
    if (config.global) {
        if (!c.slackWebhookUrl) delete config.global.slack_api_url;
        if (!c.smtp) for (const key of Object.keys(config.global)) if (key.startsWith("smtp_")) delete config.global[key];
    }
    return config;
}

/** The runbook's routing with only the integrations this stack can deliver to. */
export function deliverableConfig(runbook: Runbook, c: DeliveryCredentials): { global: Record<string, unknown>; receivers: Record<string, unknown>[] } {
    return deliverable(alertmanagerConfig(runbook, withStandIns(runbook, c)) as { global: Record<string, unknown>; receivers: Record<string, unknown>[] }, c);
}
