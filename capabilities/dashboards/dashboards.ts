import { GraphThresholdsStyleConfigBuilder, GraphThresholdsStyleMode } from "@grafana/grafana-foundation-sdk/common";
import {
    DashboardBuilder,
    DatasourceVariableBuilder,
    RowBuilder,
    ThresholdsConfigBuilder,
    ThresholdsMode,
    type Dashboard,
    type DataSourceRef,
    type Threshold,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { CloudWatchMetricsQueryBuilder, CloudWatchQueryMode, MetricEditorMode, MetricQueryType } from "@grafana/grafana-foundation-sdk/cloudwatch";
import { PanelBuilder as TimeseriesBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { SIGNALS, type Alert, type AlertSeverity, type Runbook, type Unit } from "../../runbooks";
import { levelSummary } from "../alerting/levels";
import { CHART_SPECS, chartsFor } from "../alerting/charts";
import { httpMetricNames, metricNaming, type Family } from "../alerting/metrics";
import { CLOUDWATCH_PANELS, SIGNAL_SPECS, alertsOn, isCloudWatchOnlySignal, signalQuery } from "../alerting/signals";
import { allAlerts } from "../alerting/baseline";
import type { Target } from "../targets";
import { DATASOURCE_UIDS } from "./grafana";

/**
 * Grafana dashboards per app: the ones its runbook names (`monitoring.dashboards`), each holding
 * the panels of the signal families its name claims. Every alert gets a panel whose query is the
 * contract's PromQL and whose threshold steps are the runbook's levels.
 */

/** Which families a dashboard holds, by the last word of its id; `overview` takes every family no other dashboard claims. */
export const DASHBOARD_FAMILIES: Readonly<Record<string, readonly Family[]>> = {
    api: ["api"],
    database: ["database", "cache"],
    kafka: ["kafka"],
    queue: ["queue"],
    business: ["business"],
    overview: [],
};

const FAMILY_ORDER: readonly Family[] = ["api", "database", "cache", "kafka", "queue", "infrastructure", "business"];

export const SEVERITY_COLOR: Readonly<Record<AlertSeverity | "ok", string>> = { ok: "green", info: "blue", warning: "orange", critical: "red" };

const GRAFANA_UNIT: Readonly<Record<Unit, string>> = {
    percent: "percent",
    seconds: "s",
    per_minute: "cpm",
    messages: "short",
    days: "d",
    intervals: "short",
    bool: "short",
};

const DATASOURCE: DataSourceRef = { type: "prometheus", uid: "${datasource}" };
/** The CloudWatch data source the AWS Grafana provisions (capabilities/aws/grafana.ts); read when a panel is built (grafana.ts imports this module). */
const cloudWatchSource = (): DataSourceRef => ({ type: "cloudwatch", uid: DATASOURCE_UIDS.cloudwatch });


/**
 * Threshold steps for an alert's panel. Grafana colours a value by the last step at or below it,
 * so `above` alerts start green and change at each threshold to that level's colour, and `below`
 * alerts start in the most severe level's colour and turn milder at each threshold. A 0/1 signal
 * alerts on values above 0, that is on 1, so its step sits at 1.
 */
export function thresholdSteps(alert: Alert): Threshold[] {
    const levels = [...alert.levels].sort((a, b) => a.threshold - b.threshold);
    if (alert.direction === "above") {
        const start = alert.unit === "bool" ? 1 : 0;
        return [{ value: null, color: SEVERITY_COLOR.ok }, ...levels.map((l) => ({ value: l.threshold + start, color: SEVERITY_COLOR[l.severity] }))];
    }
    return [
        { value: null, color: SEVERITY_COLOR[levels[0].severity] },
        ...levels.map((l, i) => ({ value: l.threshold, color: i + 1 < levels.length ? SEVERITY_COLOR[levels[i + 1].severity] : SEVERITY_COLOR.ok })),
    ];
}

/** The suffix of a dashboard id that says what it holds: `pfh-database` holds the database family. */
export function dashboardKind(runbook: Runbook, id: string): string {
    const kind = id.split("-").pop() ?? "";
    if (!(kind in DASHBOARD_FAMILIES)) {
        throw new Error(`${runbook.app}: monitoring.dashboards entry "${id}" ends in "${kind}" (allowed endings: ${Object.keys(DASHBOARD_FAMILIES).join(", ")})`);
    }
    return kind;
}

/** The dashboard id each family's panels go to. */
export function familyHomes(runbook: Runbook): Map<Family, string> {
    const homes = new Map<Family, string>();
    const ids = runbook.monitoring.dashboards;
    for (const id of ids) for (const f of DASHBOARD_FAMILIES[dashboardKind(runbook, id)]) homes.set(f, id);
    const overview = ids.find((id) => dashboardKind(runbook, id) === "overview");
    for (const f of FAMILY_ORDER) {
        if (homes.has(f)) continue;
        if (!overview) throw new Error(`${runbook.app}: no dashboard in monitoring.dashboards holds the ${f} family; add an "-overview" dashboard`);
        homes.set(f, overview);
    }
    return homes;
}

function levelText(alert: Alert): string {
    return [...alert.levels]
        .map((l) => levelSummary(alert, l))
        .join("; ");
}

function legend(labels: readonly string[]): string {
    return labels
        .filter((l) => l !== "app")
        .map((l) => `{{${l}}}`)
        .join(" ");
}

function alertPanel(runbook: Runbook, alert: Alert, target?: Target): TimeseriesBuilder {
    const spec = SIGNAL_SPECS[alert.signal];
    // On AWS, a signal only CloudWatch sees (S3, Amazon MQ) is charted from CloudWatch where a panel is declared (signals.ts CLOUDWATCH_PANELS).
    const cw = target === "aws" && isCloudWatchOnlySignal(alert.signal) ? CLOUDWATCH_PANELS[alert.signal] : undefined;
    const base = new TimeseriesBuilder().title(alert.title).description(`${SIGNALS[alert.signal]}. Runbook levels: ${levelText(alert)}.${cw ? " On AWS: CloudWatch metric math." : ""}`);
    const panel = (
        cw
            ? base
                  .datasource(cloudWatchSource())
                  .withTarget(
                      new CloudWatchMetricsQueryBuilder()
                          .datasource(cloudWatchSource())
                          .queryMode(CloudWatchQueryMode.Metrics)
                          .metricQueryType(MetricQueryType.Search)
                          .metricEditorMode(MetricEditorMode.Code)
                          .expression(cw.expression)
                          .label(cw.label)
                          .region("default")
                          .period(String(cw.period))
                          .id("")
                          .refId("A"),
                  )
            : base.datasource(DATASOURCE).withTarget(new DataqueryBuilder().expr(signalQuery(runbook, alert)).legendFormat(legend(spec.identity)).refId("A"))
    )
        .unit(GRAFANA_UNIT[alert.unit])
        .thresholds(new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(thresholdSteps(alert)))
        .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.DashedAndArea))
        .span(12)
        .height(8);
    return alert.unit === "percent" ? panel.min(0).max(100) : panel.min(0);
}

export interface DashboardFile {
    readonly uid: string;
    readonly title: string;
    readonly dashboard: Dashboard;
}

/**
 * The runbook's dashboards, built with the Grafana foundation SDK. With a target, only the alerts
 * evaluated there get a panel (a backup-only MinIO runs on Kubernetes alone), and on AWS the ones
 * whose series are CloudWatch's read CloudWatch.
 */
export function dashboardsFor(runbook: Runbook, target?: Target): DashboardFile[] {
    const homes = familyHomes(runbook);
    const on = target ? alertsOn(runbook, target) : undefined;
    const shown = on ? new Set([...on.prometheus, ...on.cloudwatch]) : undefined;
    const http = httpMetricNames(metricNaming(runbook));
    return runbook.monitoring.dashboards.map((id) => {
        const title = `${runbook.title}: ${dashboardKind(runbook, id)}`;
        const builder = new DashboardBuilder(title)
            .uid(id)
            .tags([runbook.app, "runbook"])
            .description(`Generated from the ${runbook.app} runbook (${runbook.seed}); thresholds are its alert levels.`)
            .time({ from: "now-6h", to: "now" })
            .refresh("1m")
            .withVariable(new DatasourceVariableBuilder("datasource").label("Prometheus").type("prometheus"));
        for (const family of FAMILY_ORDER.filter((f) => homes.get(f) === id)) {
            const alerts = allAlerts(runbook).filter((a) => SIGNAL_SPECS[a.signal].family === family && (shown?.has(a) ?? true));
            const charts = chartsFor(runbook).filter((c) => CHART_SPECS[c].family === family);
            if (alerts.length === 0 && charts.length === 0) continue;
            // An expanded row is followed by its panels at the top level (nested panels mean a collapsed row).
            builder.withRow(new RowBuilder(family[0].toUpperCase() + family.slice(1)));
            for (const alert of alerts) builder.withPanel(alertPanel(runbook, alert, target));
            for (const c of charts) {
                const chart = CHART_SPECS[c];
                builder.withPanel(
                    new TimeseriesBuilder()
                        .title(chart.title)
                        .datasource(DATASOURCE)
                        .withTarget(new DataqueryBuilder().expr(chart.value(runbook, http)).legendFormat(chart.legend).refId("A"))
                        .unit(chart.unit)
                        .min(0)
                        .span(12)
                        .height(8),
                );
            }
        }
        const dashboard = builder.build();
        dashboard.panels?.forEach((p, i) => (p.id = i + 1));
        return { uid: id, title, dashboard };
    });
}
