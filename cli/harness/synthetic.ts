import { getRunbook, type Env, type Service } from "../../runbooks";
import type { PlatformContext } from "../../stacks/settings";
import { planStack, type StackPlan } from "./runtime";

/**
 * A synthetic app with N services, derived from gravitypm (the app with the most of everything on
 * AWS: three zones, blue/green, WAF, a Redis cluster and MongoDB), for the scale run of
 * `npm run bench` and the quota tests. It is never committed as an app: the real gravitypm stack
 * file is planned and its resolved context rewritten (the plan's `mutate` hook) so the runbook has
 * N services cloned from gravitypm's own, alternating between them. The first two keep gravitypm's
 * names, hosts and ports (so its alerts' subjects stay valid); service i > 2 is `<template>-<i>`
 * on `<template>-<i>.<domain>` with a port of its own (the next free one above its template's),
 * the worst case for per-port security-group rules. On AWS it has a Route 53 zone, so every host's
 * certificate validation record and alias is planned.
 */

export const SYNTHETIC_BASE_APP = "gravitypm" as const;

/** The Route 53 zone the synthetic app's AWS stack validates its certificates and aliases its hosts in (its base stack file sets none). */
export const SYNTHETIC_HOSTED_ZONE = "Z0SYNTHETIC000";

/** N services cloned from the base app's, as described above. */
export function syntheticServices(n: number): Service[] {
    if (!Number.isInteger(n) || n < 1) throw new Error(`synthetic app: services = ${n}; allowed: a whole number of at least 1`);
    const templates = getRunbook(SYNTHETIC_BASE_APP).services;
    const used = new Set<number>();
    const out: Service[] = [];
    for (let i = 0; i < n; i++) {
        const t = templates[i % templates.length];
        if (i < templates.length) {
            out.push(t);
            used.add(t.port);
            continue;
        }
        let port = t.port + 1;
        while (used.has(port)) port++;
        used.add(port);
        const name = `${t.name}-${i + 1}`;
        const domain = t.host ? t.host.split(".").slice(-2).join(".") : `${SYNTHETIC_BASE_APP}.com`;
        out.push({ ...t, name, port, host: `${name}.${domain}` });
    }
    return out;
}

/** Rewrites a resolved gravitypm stack into the synthetic app with `n` services (images, hosts and runbook alike). */
export function syntheticContext(n: number): (context: PlatformContext) => PlatformContext {
    const services = syntheticServices(n);
    return (context) => {
        if (context.app !== SYNTHETIC_BASE_APP) throw new Error(`synthetic app: derived from ${SYNTHETIC_BASE_APP}, not ${context.app}`);
        const images: Record<string, string> = { ...context.settings.images };
        const hosts: Record<string, string> = {};
        for (const [i, s] of services.entries()) {
            const template = services[i % 2];
            images[s.name] ??= context.settings.images[template.name];
            const base = context.hosts[s.name] ?? (s.host && (context.env === "production" ? s.host : `${context.env}.${s.host}`));
            if (base) hosts[s.name] = base;
        }
        const withHosts = services.map((s) => (hosts[s.name] ? { ...s, host: hosts[s.name] } : s));
        // On AWS, a Route 53 zone: certificates validated and every host aliased to its load balancer, as a team with a zone deploys.
        const aws = context.target === "aws" ? { ...context.settings.aws, hostedZoneId: context.settings.aws?.hostedZoneId ?? SYNTHETIC_HOSTED_ZONE } : context.settings.aws;
        return {
            ...context,
            runbook: { ...context.runbook, services: withHosts },
            settings: { ...context.settings, images, ...(aws ? { aws } : {}) },
            hosts,
        };
    };
}

/** The synthetic app's stack in one environment, planned offline. */
export async function planSynthetic(n: number, env: Env = "production"): Promise<StackPlan> {
    return planStack(`${SYNTHETIC_BASE_APP}-${env}`, { mutate: syntheticContext(n) });
}
