import type { Signal } from "../../runbooks";
import { CLIENT_LABELS, METRICS, httpMetricNames, metricNaming } from "./metrics";
import { MINIO_METRICS, OBJECT_STORAGE_COMPONENT } from "./minio";
import { counter, type Labels, type Scenario, type Setup, type Sim } from "./scenario-kit";

/**
 * The error ratios whose guard is traffic or errors (selectors.ts enoughTrafficOrErrors): the series
 * each shows under a given load, for the low-traffic promtool cases (promtool-tests.ts). `perMinute`
 * is the alert instance's calls a minute, `failing` how many of them fail; the ratio is read when
 * the calls reach the app's minimum traffic or the failures its floor of errors a minute, which
 * the case's sizes decide (the scenario only lays out the series).
 */
export interface Load {
    readonly perMinute: number;
    readonly failing: number;
}

/** One alert instance of a guarded error ratio: its labels and the series behind it. */
export interface LoadScenario {
    readonly series: readonly Sim[];
    readonly instances: readonly { readonly labels: Labels }[];
}

/** Per-second rates of the instance's calls split evenly over `parts` series (an app's callers of a dependency). */
const split = (load: Load, parts: number) => ({ ok: (load.perMinute - load.failing) / 60 / parts, failed: load.failing / 60 / parts });

export const LOW_TRAFFIC_SCENARIOS: Readonly<Partial<Record<Signal, (s: Setup, load: Load) => LoadScenario>>> = {
    // Per service, one replica: 200s and 500s (an app with its own error counter counts the 500s there again).
    http_error_rate: (s, load) => {
        const http = httpMetricNames(metricNaming(s.runbook));
        const r = split(load, 1);
        const series = s.components.flatMap((c) => {
            const port = s.runbook.services.find((x) => x.name === c)?.port ?? 0;
            const base = { app: s.app, component: c, job: c, instance: `${c}-1:${port}`, method: "GET" };
            const at = (name: string, status: string, perSecond: number): Sim => ({ name, labels: { ...base, [http.statusLabel]: status }, values: counter(s.samples, perSecond) });
            return [at(http.requests, "200", r.ok), at(http.requests, "500", r.failed), ...(http.errors === http.requests ? [] : [at(http.errors, "500", r.failed)])];
        });
        return { series, instances: s.components.map((c) => ({ labels: { app: s.app, component: c } })) };
    },
    // The app's calls to the dependency, from every service with a metrics endpoint: the ratio and its guard are over the app's calls together.
    external_error_rate: (s, load) => {
        const dep = s.runbook.externalDependencies.find((d) => d.name === s.alert.subject);
        if (!dep) throw new Error(`${s.runbook.app} alert ${s.alert.id}: no external dependency ${s.alert.subject}`);
        const r = split(load, s.components.length);
        const series = s.components.flatMap((c) => {
            const base = { app: s.app, component: c, job: c, instance: `${c}-1:9464`, http_request_method: "POST", [CLIENT_LABELS.server]: new URL(dep.url).hostname };
            return [
                { name: METRICS.httpClientCalls, labels: { ...base, [CLIENT_LABELS.status]: "200" }, values: counter(s.samples, r.ok) },
                { name: METRICS.httpClientCalls, labels: { ...base, [CLIENT_LABELS.status]: "503", [CLIENT_LABELS.error]: "503" }, values: counter(s.samples, r.failed) },
            ];
        });
        return { series, instances: [{ labels: { app: s.app, component: dep.name } }] };
    },
    // One MinIO server, its PUTs.
    minio_error_rate: (s, load) => {
        const r = split(load, 1);
        const labels = { app: s.app, component: OBJECT_STORAGE_COMPONENT, job: "minio", instance: "minio:9000", api: "putobject", server: "minio:9000" };
        return {
            series: [
                { name: MINIO_METRICS.requests, labels, values: counter(s.samples, r.ok + r.failed) },
                { name: MINIO_METRICS.errors5xx, labels, values: counter(s.samples, r.failed) },
            ],
            instances: [{ labels: { app: s.app, component: OBJECT_STORAGE_COMPONENT, instance: "minio:9000" } }],
        };
    },
};

/** The low-traffic scenario of an alert's signal at a load, as a Scenario whose instances read its share of failures (whether the guard lets it through is the case's to model: promtool-tests.ts). */
export function loadScenario(s: Setup, load: Load, story: string): Scenario {
    const build = LOW_TRAFFIC_SCENARIOS[s.alert.signal];
    if (!build) throw new Error(`${s.runbook.app} alert ${s.alert.id}: signal ${s.alert.signal} has no low-traffic scenario`);
    const { series, instances } = build(s, load);
    const value = (100 * load.failing) / load.perMinute;
    return { series, instances: instances.map((i) => ({ labels: i.labels, valueAt: () => value })), story };
}
