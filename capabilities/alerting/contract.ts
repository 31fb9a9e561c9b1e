import { allRunbooks, getRunbook, SIGNALS, type AppId, type Signal } from "../../runbooks";
import { CHART_SPECS, type ChartId, type ChartSpec } from "./charts";
import { EXPORTERS, type ExporterId } from "./exporters";
import { httpMetricNames, metricNaming } from "./metrics";
import { CLOUDWATCH_METRICS, SIGNAL_SPECS, isCloudWatchOnlySignal, type QueryContext } from "./signals";

/** Every metric name an app's rules and charts may read: the contract's vocabulary for that app. */
export function contractMetrics(app: AppId): Set<string> {
    const http = httpMetricNames(metricNaming(getRunbook(app)));
    const names = new Set<string>();
    for (const spec of Object.values(SIGNAL_SPECS)) spec.metrics(http).forEach((m) => names.add(m));
    for (const chart of Object.values(CHART_SPECS) as ChartSpec[]) chart.metrics(http).forEach((m) => names.add(m));
    return names;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/**
 * The contract as Markdown tables (docs/alerting.md embeds this verbatim; a test keeps them equal).
 * PromQL is shown with `<scope>` for the alert's label matchers and `<prefix>` for the app's
 * HTTP metric prefix.
 */
export function contractMarkdown(): string {
    const generic: QueryContext = {
        sel: "<scope>",
        http: httpMetricNames({ prefix: "<prefix>", errors: "status-label", why: "" }),
        minRequestsPerSecond: "<minRequestsPerSecond>",
        minErrorsPerMinute: "<minErrorsPerMinute>",
        slowQuerySeconds: "<slowQueryMs/1000>",
        backupGroups: [{ datasets: ["<dataset>"], seconds: "<every, seconds>" }],
        kafka: { brokers: "<brokers>", minInsync: "<minInsyncReplicas>", topics: 'topic=~"<topics>"' },
    };
    const rows = (Object.keys(SIGNAL_SPECS) as Signal[]).map((signal) => {
        const s = SIGNAL_SPECS[signal];
        const aws =
            s.onlyOn && !s.onlyOn.includes("aws")
                ? `not evaluated (only ${s.onlyOn.join(", ")})`
                : isCloudWatchOnlySignal(signal)
                  ? `CloudWatch ${CLOUDWATCH_METRICS[signal].namespace} ${CLOUDWATCH_METRICS[signal].metric}`
                  : "AMP rule";
        return `| \`${signal}\` | ${cell(SIGNALS[signal])} | ${s.unit} | ${cell(EXPORTERS[s.exporter].name)} | ${s.metrics(generic.http).map((m) => `\`${m}\``).join(", ")} | ${cell(s.how)} | \`${cell(s.value(generic))}\` | ${s.identity.join(", ")} | ${aws} |`;
    });
    const naming = allRunbooks().map((rb) => {
        const n = metricNaming(rb);
        const h = httpMetricNames(n);
        return `| ${rb.app} | \`${h.requests}\` | \`${h.errors}{${h.statusLabel}=~"5.."}\` | \`${h.duration}\` | \`${h.authFailures}\` | ${cell(n.why)} |`;
    });
    const charts = (Object.keys(CHART_SPECS) as ChartId[]).map((id) => {
        const c: ChartSpec = CHART_SPECS[id];
        return `| \`${id}\` | ${cell(c.title)} | ${c.family} | ${cell(EXPORTERS[c.exporter].name)} | ${c.metrics(generic.http).map((m) => `\`${m}\``).join(", ")} | ${cell(c.when)} |`;
    });
    const exporters = (Object.keys(EXPORTERS) as ExporterId[]).map((id) => {
        const e = EXPORTERS[id];
        return `| ${cell(e.name)} | \`${e.image}\` | ${e.flags.map((f) => `\`${f}\``).join(" ") || "—"} | ${cell(e.labelling)} |`;
    });
    return [
        "| signal | meaning | unit | exporter | metrics | how | PromQL | alert labels | on AWS |",
        "|---|---|---|---|---|---|---|---|---|",
        ...rows,
        "",
        "| chart (no alert) | title | family | exporter | metrics | shown when |",
        "|---|---|---|---|---|---|",
        ...charts,
        "",
        "| app | requests | 5xx answers | latency histogram | auth failures | why |",
        "|---|---|---|---|---|---|",
        ...naming,
        "",
        "| exporter | image | flags | how series get `app` / `component` |",
        "|---|---|---|---|",
        ...exporters,
    ].join("\n");
}
