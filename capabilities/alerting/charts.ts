import type { Runbook } from "../../runbooks";
import type { ExporterId } from "./exporters";
import { CLIENT_LABELS, METRICS, RATE_WINDOW, SCOPE_LABELS, type Family, type HttpMetricNames } from "./metrics";
import { by, kafkaSelector, metricsServicesSelector } from "./selectors";

/** Charts without an alert: request volume everywhere, and the transaction stream where the app has Kafka. */
export interface ChartSpec {
    readonly title: string;
    readonly exporter: ExporterId;
    readonly family: Family;
    /** Grafana unit id. */
    readonly unit: string;
    readonly legend: string;
    readonly metrics: (http: HttpMetricNames) => readonly string[];
    readonly value: (runbook: Runbook, http: HttpMetricNames) => string;
    readonly applies: (runbook: Runbook) => boolean;
    /** When `applies` holds, in words, for the docs. */
    readonly when: string;
}

export const CHART_SPECS = {
    request_rate: {
        title: "Requests per second",
        exporter: "app",
        family: "api",
        unit: "reqps",
        legend: "{{component}}",
        metrics: (h) => [h.requests],
        value: (rb, h) => `sum by (${by(SCOPE_LABELS)}) (rate(${h.requests}{${metricsServicesSelector(rb)}}[${RATE_WINDOW}]))`,
        applies: (rb) => rb.services.some((s) => s.metricsPath),
        when: "a service has a metricsPath",
    },
    external_error_rate: {
        title: "External dependency calls failing",
        exporter: "app",
        family: "api",
        unit: "percent",
        legend: "{{server_address}}",
        metrics: () => [METRICS.httpClientCalls],
        value: (rb) => {
            const calls = (failed: boolean) =>
                `sum by (app, ${CLIENT_LABELS.server}) (rate(${METRICS.httpClientCalls}{${metricsServicesSelector(rb)}${failed ? `, ${CLIENT_LABELS.error}!="", ${CLIENT_LABELS.status}!~"4.."` : ""}}[${RATE_WINDOW}]))`;
            return `100 * ${calls(true)} / ${calls(false)}`;
        },
        applies: (rb) => rb.externalDependencies.length > 0 && rb.services.some((s) => s.metricsPath),
        when: "the runbook calls external dependencies from a service with a metricsPath: the share of its calls that fail, per host called (signal external_error_rate)",
    },
    transactions_produced: {
        title: "Transactions produced per second",
        exporter: "kafka",
        family: "business",
        unit: "short",
        legend: "{{topic}}",
        metrics: () => [METRICS.kafkaTopicOffset],
        value: (rb) => `sum by (app, topic) (rate(${METRICS.kafkaTopicOffset}{${kafkaSelector(rb, false)}}[${RATE_WINDOW}]))`,
        applies: (rb) => rb.data.kafka !== undefined,
        when: "the runbook has Kafka: its topics (personal-finance-hub: personal_finance.transactions.v1) carry the transactions",
    },
    transactions_consumed: {
        title: "Transactions processed per second",
        exporter: "kafka",
        family: "business",
        unit: "short",
        legend: "{{consumergroup}} / {{topic}}",
        metrics: () => [METRICS.kafkaGroupOffset],
        value: (rb) => `sum by (app, consumergroup, topic) (rate(${METRICS.kafkaGroupOffset}{${kafkaSelector(rb, true)}}[${RATE_WINDOW}]))`,
        applies: (rb) => rb.data.kafka !== undefined,
        when: "the runbook has Kafka: its consumer groups (pfh-dashboard-consumer) process the transactions",
    },
} satisfies Record<string, ChartSpec>;
export type ChartId = keyof typeof CHART_SPECS;

export function chartsFor(runbook: Runbook): ChartId[] {
    return (Object.keys(CHART_SPECS) as ChartId[]).filter((id) => CHART_SPECS[id].applies(runbook));
}
