import YAML from "yaml";
import type { Env, Runbook } from "../../runbooks";
import { ARTIFACT_PATHS, renderArtifacts, type DirectReceivers } from "../alerting";

/**
 * The alerting capability's files as the local platform uses them: the rules file and the
 * dashboards as rendered, and the Alertmanager configuration with the runbook's routing kept and
 * only the integrations this stack has credentials for. A laptop usually has none of the
 * operator's secrets: its alerts are routed (and visible in Alertmanager and Grafana) to
 * receivers without integrations, so nobody is paged from a developer's machine. Where a stack
 * does set `pagerdutyRoutingKey` or `slackWebhookUrl`, those integrations stay.
 */

/** The operator's credentials this stack has; absent ones drop their integration. */
export interface LocalReceivers {
    readonly pagerdutyRoutingKey?: string;
    readonly slackWebhookUrl?: string;
}

/**
 * Stand-ins for credentials the local stack never has (a dead man's switch URL, a mail relay) and
 * for operator secrets it lacks. They only let the renderer run: every integration built from one
 * is removed before the file is written, and a test checks none survives.
 */
export const UNSET = "unset.invalid";

function receiversFor(runbook: Runbook, present: LocalReceivers): DirectReceivers {
    return {
        kind: "direct",
        pagerdutyRoutingKey: present.pagerdutyRoutingKey ?? UNSET,
        slackWebhookUrl: present.slackWebhookUrl ?? `https://${UNSET}/`,
        deadMansSwitchUrl: `https://${UNSET}/`,
        ...(runbook.incident.channels.email ? { smtp: { smarthost: `${UNSET}:25`, from: `alertmanager@${UNSET}` } } : {}),
    };
}

export interface LocalArtifacts {
    /** prometheus/rules.yml as rendered for the docker target. */
    readonly rules: string;
    /** grafana/dashboards/*.json, as `<uid>.json` file names and contents. */
    readonly dashboards: readonly { file: string; content: string }[];
    /** alertmanager.yml with only the integrations `present` has credentials for. */
    readonly alertmanager: string;
}

/** One render of the alerting capability's files for the docker target (rendering is the slow part of a plan: once per stack). */
export function localArtifacts(runbook: Runbook, env: Env, present: LocalReceivers = {}): LocalArtifacts {
    const files = renderArtifacts(runbook, env, "docker", receiversFor(runbook, present));
    const find = (path: string) => {
        const found = files.find((a) => a.path === path);
        if (!found) throw new Error(`${runbook.app}: capabilities/alerting rendered no ${path}`);
        return found.content;
    };
    const prefix = `${ARTIFACT_PATHS.dashboards}/`;
    return {
        rules: find(ARTIFACT_PATHS.rules),
        dashboards: files.filter((a) => a.path.startsWith(prefix)).map((a) => ({ file: a.path.slice(prefix.length), content: a.content })),
        alertmanager: trimAlertmanager(runbook, env, find(ARTIFACT_PATHS.alertmanager), present),
    };
}

const INTEGRATIONS = ["pagerduty_configs", "slack_configs", "email_configs", "webhook_configs", "opsgenie_configs", "sns_configs", "victorops_configs", "pushover_configs", "wechat_configs", "telegram_configs", "webex_configs", "discord_configs", "msteams_configs"];

/**
 * alertmanager.yml for the local platform: the rendered routes, inhibitions and receiver names as
 * they are; PagerDuty and Slack integrations only where the stack has their credentials; e-mail and
 * the dead man's switch never (no relay or switch URL on a laptop).
 */
function trimAlertmanager(runbook: Runbook, env: Env, rendered: string, present: LocalReceivers): string {
    const config = YAML.parse(rendered) as { global?: Record<string, unknown>; receivers?: Record<string, unknown>[] };
    const keep = new Set([...(present.pagerdutyRoutingKey ? ["pagerduty_configs"] : []), ...(present.slackWebhookUrl ? ["slack_configs"] : [])]);
    for (const receiver of config.receivers ?? []) {
        for (const key of INTEGRATIONS) if (!keep.has(key)) delete receiver[key];
    }
    if (config.global) {
        if (!present.slackWebhookUrl) delete config.global.slack_api_url;
        for (const key of Object.keys(config.global)) if (key.startsWith("smtp_")) delete config.global[key];
    }
    const kept = [...keep].join(", ") || "none";
    return [
        `# Rendered by capabilities/alerting for ${runbook.app} (${env}), trimmed by capabilities/docker/artifacts.ts.`,
        `# Integrations kept on this stack: ${kept}; receivers without one still show their alerts in Alertmanager and Grafana.`,
        YAML.stringify(config, { lineWidth: 0 }),
    ].join("\n");
}
