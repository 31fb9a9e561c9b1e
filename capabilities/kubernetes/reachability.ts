import type { Runbook } from "../../runbooks";
import { SCRAPE_INTERVAL } from "../alerting/metrics";
import { publicUrl, REACHABILITY_PROBE, type PublicEndpoint } from "../reachability";
import { BLACKBOX_PORT, type ProbeSpec } from "./monitoring";
import { serviceHost, type Names } from "./names";

/**
 * External reachability on Kubernetes: blackbox_exporter probes each public host's https URL,
 * resolved by public DNS and answered by the ingress (with its certificate verified), not the
 * in-cluster Service the ServiceDown probe reads. The rules that page on it are
 * `reachabilityRules` (capabilities/reachability.ts).
 */
export function reachabilityProbeSpecs(rb: Runbook, n: Names, endpoints: readonly PublicEndpoint[]): { part: string; spec: ProbeSpec }[] {
    return endpoints.map((e) => ({
        part: `${REACHABILITY_PROBE}-${e.subject}`,
        spec: {
            jobName: `${rb.app}-${REACHABILITY_PROBE}-${e.subject}`,
            interval: SCRAPE_INTERVAL,
            module: "http_2xx",
            prober: { url: `${serviceHost(n.releases.blackbox, n.monitoring)}:${BLACKBOX_PORT}`, path: "/probe" },
            targets: { staticConfig: { static: [publicUrl(e)], labels: { app: rb.app, component: e.subject, probe: REACHABILITY_PROBE, host: e.host } } },
        },
    }));
}
