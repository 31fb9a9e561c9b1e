import YAML from "yaml";
import type { Env, Runbook } from "../../runbooks";
import { dashboardFiles } from "../dashboards";
import { promtoolTests } from "./promtool-tests";
import { alertmanagerConfig, ampAlertManagerDefinition, type PagedByAlarm, type Receivers } from "./routing";
import { rulesFor } from "./rules";
import type { Target } from "../targets";
import { alertsOn } from "./signals";

export interface Artifact {
    /** Relative path, `/`-separated: where the target mounts or uploads it. */
    readonly path: string;
    readonly content: string;
}

export const ARTIFACT_PATHS = {
    rules: "prometheus/rules.yml",
    ruleTests: "prometheus/rules.test.yml",
    alertmanager: "alertmanager/alertmanager.yml",
    ampDefinition: "alertmanager/amp-alert-manager-definition.yml",
    dashboards: "grafana/dashboards",
} as const;

const yaml = (v: unknown) => YAML.stringify(v, { lineWidth: 0 });

/** `aws` publishes through SNS from AMP; Docker and Kubernetes run Alertmanager with direct receivers. */
export function receiverKindFor(target: Target): Receivers["kind"] {
    return target === "aws" ? "sns" : "direct";
}

/**
 * Everything the alerting and dashboard capability writes for one app, env and target: the rule
 * file, its promtool tests (next to it, as `promtool test rules` expects), the Alertmanager
 * configuration (plus AMP's wrapped definition on aws) and one JSON file per Grafana dashboard.
 */
export function renderArtifacts(runbook: Runbook, env: Env, target: Target, receivers: Receivers, pagedByAlarm?: PagedByAlarm): Artifact[] {
    if (receivers.kind !== receiverKindFor(target)) {
        throw new Error(`target ${target} needs \`receivers.kind\` "${receiverKindFor(target)}", got "${receivers.kind}"`);
    }
    const cloudwatch = alertsOn(runbook, target).cloudwatch;
    const source = `# Generated from runbooks/${runbook.app}.ts (seed ${runbook.seed}) by capabilities/alerting; edit the runbook data, not this file.`;
    const rulesHeader = [
        source,
        ...(cloudwatch.length ? [`# On ${target}, CloudWatch alarms cover ${cloudwatch.map((a) => a.id).join(", ")}: they are not in this file.`] : []),
    ].join("\n");
    const config = alertmanagerConfig(runbook, receivers, pagedByAlarm);
    return [
        { path: ARTIFACT_PATHS.rules, content: `${rulesHeader}\n${yaml(rulesFor(runbook, env, target))}` },
        { path: ARTIFACT_PATHS.ruleTests, content: `${source}\n# Run: promtool test rules rules.test.yml\n${yaml(promtoolTests(runbook, env, target, "rules.yml"))}` },
        { path: ARTIFACT_PATHS.alertmanager, content: `${source}\n${yaml(config)}` },
        ...(receivers.kind === "sns" ? [{ path: ARTIFACT_PATHS.ampDefinition, content: ampAlertManagerDefinition(config) }] : []),
        ...dashboardFiles(runbook, target).map((d) => ({ path: `${ARTIFACT_PATHS.dashboards}/${d.file}`, content: d.content })),
    ];
}
