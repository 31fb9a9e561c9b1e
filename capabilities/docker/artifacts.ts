import YAML from "yaml";
import type { Env, Runbook } from "../../runbooks";
import { ARTIFACT_PATHS, renderArtifacts } from "../alerting";
import { deliverableConfig, keptIntegrations, withStandIns, type DeliveryCredentials } from "../alerting/delivery";

/**
 * The alerting capability's files as the local platform uses them: the rules file and the
 * dashboards as rendered, and the Alertmanager configuration with the runbook's routing kept and
 * only the integrations this stack has credentials for (`capabilities/alerting/delivery.ts`). A
 * laptop usually has none of the operator's secrets: its alerts are routed (and visible in
 * Alertmanager and Grafana) to receivers without integrations, so nobody is paged from a
 * developer's machine. Where a stack does set a credential, that integration stays.
 */

export interface LocalArtifacts {
    /** prometheus/rules.yml as rendered for the docker target. */
    readonly rules: string;
    /** grafana/dashboards/*.json, as `<uid>.json` file names and contents. */
    readonly dashboards: readonly { file: string; content: string }[];
    /** alertmanager.yml with only the integrations `present` has credentials for. */
    readonly alertmanager: string;
}

/** One render of the alerting capability's files for the docker target (rendering is the slow part of a plan: once per stack). */
export function localArtifacts(runbook: Runbook, env: Env, present: DeliveryCredentials = {}): LocalArtifacts {
    const files = renderArtifacts(runbook, env, "docker", withStandIns(runbook, present));
    const find = (path: string) => {
        const found = files.find((a) => a.path === path);
        if (!found) throw new Error(`${runbook.app}: capabilities/alerting rendered no ${path}`);
        return found.content;
    };
    const prefix = `${ARTIFACT_PATHS.dashboards}/`;
    return {
        rules: find(ARTIFACT_PATHS.rules),
        dashboards: files.filter((a) => a.path.startsWith(prefix)).map((a) => ({ file: a.path.slice(prefix.length), content: a.content })),
        alertmanager: localAlertmanager(runbook, env, present),
    };
}

/**
 * alertmanager.yml for the local platform: the runbook's routing, with only the integrations
 * `present` can deliver to. Rendered on its own, so a stack whose credentials arrive later (as
 * Pulumi outputs) renders only this file again, not the rules, tests and dashboards.
 */
export function localAlertmanager(runbook: Runbook, env: Env, present: DeliveryCredentials = {}): string {
    const config = deliverableConfig(runbook, present);
    const kept = keptIntegrations(present).join(", ") || "none";
    return [
        `# Rendered by capabilities/alerting for ${runbook.app} (${env}), trimmed by capabilities/docker/artifacts.ts.`,
        `# Integrations kept on this stack: ${kept}; receivers without one still show their alerts in Alertmanager and Grafana.`,
        YAML.stringify(config, { lineWidth: 0 }),
    ].join("\n");
}
