export { renderArtifacts, receiverKindFor, ARTIFACT_PATHS, type Artifact } from "./artifacts";
export { coverageRows, coverageProblems, type CoverageRow } from "./coverage";
export { deliverable, deliverableConfig, keptIntegrations, withStandIns, type DeliveryCredentials } from "./delivery";
export { type CoverageClaim, type CoverageKey, type CoverageKind, type CoverageProvider } from "./coverage-claims";
export { caseNamesByAlert, promtoolCases, promtoolTests, type PromtoolCase, type PromtoolTestFile } from "./promtool-tests";
export {
    alertmanagerConfig,
    ampAlertManagerDefinition,
    receiverName,
    routeTimings,
    routingCases,
    WATCHDOG_TIMINGS,
    type DirectReceivers,
    type Receivers,
    type SmtpSettings,
    type SnsReceivers,
} from "./routing";
export { alertName, rulesFor, RUNBOOK_BASE_URL, WATCHDOG, type AlertingRule, type RuleFile, type RuleGroup } from "./rules";
export { DEFAULT_TARGET, TARGETS, type Target } from "../targets";
export { contractMarkdown } from "./contract";
export { BLACKBOX_MODULES, requiredExporters, type ExporterRequirement, type ProbeTarget } from "./exporters";
export { CLOUDWATCH_METRICS, CLOUDWATCH_ONLY_SIGNALS, SIGNAL_SPECS, alertsOn, signalQuery, type CloudWatchOnlySignal } from "./signals";
