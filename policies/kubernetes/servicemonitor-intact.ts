import { OBJECT_STORAGE_COMPONENT } from "../../capabilities/alerting/minio";
import { SCRAPE_INTERVAL } from "../../capabilities/alerting/metrics";
import { minioMonitorSpec } from "../../capabilities/kubernetes/minio";
import { kafkaExporterMonitorSpec, serviceMonitorSpec } from "../../capabilities/kubernetes/monitoring";
import { names } from "../../capabilities/kubernetes/names";
import { hasReplicaLagMonitor, postgresInstancesMonitorSpec } from "../../capabilities/kubernetes/postgres-exporter";
import type { Runbook } from "../../runbooks";
import { same } from "../lib/blackbox";
import { finding, label, stackRule, type Finding } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, durationToSeconds, isRecord } from "../lib/values";

const SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
type Kind = "ServiceMonitor" | "PodMonitor";
type Endpoint = Record<string, any>;

/** Endpoint settings that say where to scrape (held by the selector's owners), not what reaches the rules. */
const WHERE = new Set(["port", "path", "targetPort"]);

interface Generated {
    readonly kind: Kind;
    readonly component: string;
    readonly endpoint: Endpoint;
    readonly by: string;
    /** Whether the generator's path is known here (the data services' exporters take theirs from their components). */
    readonly pathKnown: boolean;
}

/**
 * Every scrape endpoint the generator makes for the app, by kind and the `component` it stamps:
 * the services' /metrics, the data services' exporters (serviceMonitorSpec), MinIO
 * (minioMonitorSpec), Strimzi's Kafka exporter and CloudNativePG's instances (PodMonitors).
 */
function generatedEndpoints(rb: Runbook, namespace: string): Generated[] {
    const n = names(rb.app, namespace);
    const sm = (component: string, path?: string): Generated => ({ kind: "ServiceMonitor", component, endpoint: serviceMonitorSpec(rb, n, {}, "", component, path).endpoints![0] as Endpoint, by: "serviceMonitorSpec", pathKnown: path !== undefined });
    const out: Generated[] = rb.services.filter((s) => s.metricsPath).map((s) => sm(s.name, s.metricsPath));
    for (const d of ["postgres", "redis", "mongodb", "rabbitmq"] as const) if (rb.data[d]) out.push(sm(d));
    const minio = minioMonitorSpec(rb, n);
    if (minio) out.push({ kind: "ServiceMonitor", component: OBJECT_STORAGE_COMPONENT, endpoint: minio.endpoints![0] as Endpoint, by: "minioMonitorSpec", pathKnown: true });
    if (rb.data.kafka) out.push({ kind: "PodMonitor", component: "kafka", endpoint: kafkaExporterMonitorSpec(rb, n).podMetricsEndpoints![0] as Endpoint, by: "kafkaExporterMonitorSpec", pathKnown: true });
    if (hasReplicaLagMonitor(rb)) out.push({ kind: "PodMonitor", component: "postgres", endpoint: postgresInstancesMonitorSpec(rb, n).podMetricsEndpoints![0] as Endpoint, by: "postgresInstancesMonitorSpec", pathKnown: true });
    return out;
}

/** The `component` an endpoint's relabelings stamp. */
const stampedComponent = (e: Endpoint): string | undefined => asArray<Record<string, any>>(e.relabelings).find((r) => isRecord(r) && r.targetLabel === "component" && (r.action ?? "replace") === "replace")?.replacement;
const withAction = (rs: unknown) => asArray<Record<string, any>>(rs).map((r) => (isRecord(r) ? { action: "replace", ...r } : r));

/** Why an endpoint is not the generated one: other relabelings (a keep on some pods, a dropped metric), a slower interval, settings the platform does not make. */
function endpointProblems(e: Endpoint, g: Generated): string[] {
    const want = g.endpoint;
    const out: string[] = [];
    if (g.pathKnown && (e.path ?? "/metrics") !== want.path) out.push(`path ${JSON.stringify(e.path)}, not the generated ${JSON.stringify(want.path)}: the series the rules read are not there`);
    if (!same(withAction(e.relabelings), withAction(want.relabelings))) out.push(`relabelings ${JSON.stringify(e.relabelings)}, not the generated ${JSON.stringify(want.relabelings)}: a keep or drop here leaves some pods unscraped, another label hides the series from the rules`);
    if (!same(withAction(e.metricRelabelings), withAction(want.metricRelabelings))) out.push(`metricRelabelings ${JSON.stringify(e.metricRelabelings)}, not the generated ${JSON.stringify(want.metricRelabelings ?? [])}: series the rules read are dropped or renamed before they are stored`);
    const iv = durationToSeconds(e.interval);
    if (e.interval !== undefined && (iv === undefined || iv > durationToSeconds(want.interval ?? SCRAPE_INTERVAL)!)) out.push(`interval ${JSON.stringify(e.interval)}, slower than the generated ${want.interval}`);
    const extra = Object.keys(e).filter((k) => !(k in want) && !WHERE.has(k) && k !== "metricRelabelings");
    if (extra.length) out.push(`${extra.map((k) => `${k} ${JSON.stringify(e[k])}`).join(", ")}, which the platform does not set (honorLabels lets a target overwrite app and component; limits fail whole scrapes)`);
    return out;
}

/**
 * ServiceMonitors and PodMonitors scrape what the rules read (review findings 5 and 12): each
 * endpoint's relabelings, metricRelabelings and interval are the generated ones for the component
 * it stamps (no keep on one pod, no drop of http_* or 5xx samples, no slower interval), no spec-wide
 * limit the platform does not set, and every service that serves /metrics keeps its monitor.
 */
export const k8sServiceMonitorIntact = stackRule({
    name: "k8s-servicemonitor-intact",
    description:
        "Every ServiceMonitor and PodMonitor endpoint keeps the generated relabelings, metricRelabelings and interval of the component it stamps (no keep of some pods, no dropped or renamed series, no slower scrape, no honorLabels or limits), and every runbook service with a metrics path keeps a monitor stamping it.",
    tier: "runbook",
    target: "kubernetes",
    remediationSteps: "Keep the monitors capabilities/kubernetes/monitoring.ts (serviceMonitorSpec, podMonitorSpec, kafkaExporterMonitorSpec), minio.ts and postgres-exporter.ts generate; change a scrape in the generator, not in the stack.",
    notApplicable: (resources) => absentTarget(resources, "kubernetes") ?? (ofType(resources, SERVICE_MONITOR, POD_MONITOR).length ? undefined : "the stack has no ServiceMonitor or PodMonitor"),
    check: (resources, ctx) => {
        const out: Finding[] = [];
        const gen = generatedEndpoints(ctx.runbook, ctx.kubernetesNamespace ?? ctx.app);
        const stamped = new Set<string>();
        for (const m of ofType(resources, SERVICE_MONITOR, POD_MONITOR)) {
            const kind: Kind = m.type === POD_MONITOR ? "PodMonitor" : "ServiceMonitor";
            const spec = isRecord(m.props.spec) ? m.props.spec : {};
            const field = kind === "PodMonitor" ? "podMetricsEndpoints" : "endpoints";
            const at = `${label(m)} (${m.props.metadata?.namespace}/${m.props.metadata?.name})`;
            const extra = Object.keys(spec).filter((k) => !["selector", "namespaceSelector", field, "jobLabel"].includes(k));
            if (extra.length) out.push(finding(`${at} sets ${extra.map((k) => `spec.${k} ${JSON.stringify(spec[k])}`).join(", ")}, which the platform does not (a limit fails or drops whole scrapes)`, { urn: m.urn }));
            asArray<Endpoint>(spec[field]).forEach((e, i) => {
                if (!isRecord(e)) return;
                const component = stampedComponent(e);
                const mine = gen.filter((g) => g.kind === kind && g.component === component);
                if (mine.length === 0) {
                    const known = [...new Set(gen.filter((g) => g.kind === kind).map((g) => g.component))].join(", ");
                    out.push(finding(`${at} ${field}[${i}] stamps component ${component === undefined ? "none" : JSON.stringify(component)}, which no generated ${kind} stamps (generated: ${known || "none"}): its series are not the ones the rules read`, { urn: m.urn }));
                    return;
                }
                if (component) stamped.add(`${kind}/${component}`);
                if (mine.some((g) => endpointProblems(e, g).length === 0)) return;
                for (const p of endpointProblems(e, mine[0])) out.push(finding(`${at} ${field}[${i}] (component ${component}) has ${p} (generated by capabilities/kubernetes ${mine[0].by} for the runbook's ${component} alerts)`, { urn: m.urn }));
            });
        }
        for (const s of ctx.runbook.services.filter((x) => x.metricsPath)) {
            if (!stamped.has(`ServiceMonitor/${s.name}`)) out.push(finding(`no ServiceMonitor endpoint stamps component ${s.name}: its ${s.metricsPath} is not scraped, or not as ${s.name}, and the rules on its requests read nothing (serviceMonitorSpec generates one)`));
        }
        return out;
    },
});
