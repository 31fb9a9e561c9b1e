import type { Runbook } from "../runbooks";

/**
 * What the platform's workloads may open to the internet, on every target. The AWS security groups
 * (components/targets/aws/firewall.ts) and the Kubernetes egress NetworkPolicies
 * (capabilities/kubernetes/security.ts) read these, so an allowance exists exactly where a
 * connection is wired: the runbook's external dependencies are what the app calls and what the
 * blackbox probes watch.
 */

/** HTTPS: AWS APIs, container registries, the external APIs. */
export const HTTPS_PORT = 443;

/** The TCP port a URL connects to: its explicit port, else its scheme's. */
export function urlPort(url: string): number {
    const u = new URL(url);
    if (u.port) return Number(u.port);
    if (u.protocol === "https:") return HTTPS_PORT;
    if (u.protocol === "http:") return 80;
    throw new Error(`runbook externalDependencies: URL "${url}" uses ${u.protocol}; allowed: http: or https:`);
}

/** Each external dependency's URLs (the fallback too: the runbook switches to it in an incident). */
export function externalUrls(rb: Pick<Runbook, "externalDependencies">): string[] {
    return rb.externalDependencies.flatMap((d) => [d.url, ...(d.fallbackUrl ? [d.fallbackUrl] : [])]);
}

/**
 * TCP ports the app's services (and the probes of its dependencies) open to the internet, sorted:
 * HTTPS always, plus any other port an external dependency's URL names. Nothing else leaves.
 */
export function internetPorts(rb: Pick<Runbook, "externalDependencies">): number[] {
    return [...new Set([HTTPS_PORT, ...externalUrls(rb).map(urlPort)])].sort((a, b) => a - b);
}
