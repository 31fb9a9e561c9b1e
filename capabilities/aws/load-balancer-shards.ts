import { chunk, QUOTAS, type QuotaId } from "../quotas";

/**
 * How the public entry is laid out within the quotas of one Application Load Balancer
 * (capabilities/quotas.ts): listener rules and target groups per load balancer, names per ACM
 * certificate and certificates per listener. Services are assigned to load balancers in runbook
 * order, each load balancer filled before the next is opened (host-based sharding: every host's
 * rule, target groups and DNS alias go to its service's load balancer), so adding a service at the
 * end never moves another, and an app within one load balancer's quotas keeps exactly one, with
 * Grafana on it. Each load balancer's hosts are split into certificates of at most the ACM quota
 * of names: the first is the HTTPS listener's default, the others are added to the listener
 * (aws.lb.ListenerCertificate).
 */

/** The per-load-balancer limits the layout keeps within. */
export interface LoadBalancerLimits {
    readonly rules: number;
    readonly targetGroups: number;
    readonly namesPerCertificate: number;
    /** Certificates on one load balancer besides its listener's default one. */
    readonly extraCertificates: number;
}

const LIMIT_QUOTAS: Readonly<Record<keyof LoadBalancerLimits, QuotaId>> = {
    rules: "elb-listener-rules-per-load-balancer",
    targetGroups: "elb-target-groups-per-load-balancer",
    namesPerCertificate: "acm-names-per-certificate",
    extraCertificates: "elb-certificates-per-load-balancer",
};

/** The limits from each quota's limit (the defaults, or a stack's raised ones from `quotaLimits`). */
export function loadBalancerLimits(limits: Readonly<Partial<Record<QuotaId, number>>> = {}): LoadBalancerLimits {
    const pick = (k: keyof LoadBalancerLimits) => limits[LIMIT_QUOTAS[k]] ?? QUOTAS[LIMIT_QUOTAS[k]].limit;
    return { rules: pick("rules"), targetGroups: pick("targetGroups"), namesPerCertificate: pick("namesPerCertificate"), extraCertificates: pick("extraCertificates") };
}

/** A service behind the load balancers: each of its hosts is one listener rule; it has `targetGroups` target groups. */
export interface RoutedService {
    readonly name: string;
    /** The hosts its rules match, in rule order (the host, then `green.<host>` for blue/green). */
    readonly hosts: readonly string[];
    readonly targetGroups: number;
}

export interface LoadBalancerShard {
    /** 0 for the first load balancer (the one an app within the quotas has alone). */
    readonly index: number;
    /** The services routed by this load balancer, in runbook order. */
    readonly services: readonly string[];
    /** Whether Grafana's host is on this load balancer (the first one, when published). */
    readonly grafana: boolean;
    /** The load balancer's distinct hosts split into certificates: the first is the listener's default. */
    readonly certificates: readonly (readonly string[])[];
    readonly rules: number;
    readonly targetGroups: number;
}

/**
 * The load balancers for `services` (and Grafana's host, on the first), each within `limits`.
 * Throws, naming the service and the limit, when one service alone exceeds a load balancer.
 */
export function shardLoadBalancers(services: readonly RoutedService[], grafanaHost: string | undefined, limits: LoadBalancerLimits = loadBalancerLimits()): LoadBalancerShard[] {
    for (const [k, v] of Object.entries(limits)) {
        if (!Number.isInteger(v) || v < (k === "extraCertificates" ? 0 : 1)) throw new Error(`load balancer layout: limit ${k} = ${v}; allowed: a whole number of at least ${k === "extraCertificates" ? 0 : 1}`);
    }
    interface Open {
        services: RoutedService[];
        grafana: boolean;
        rules: number;
        targetGroups: number;
        hosts: Set<string>;
    }
    const open = (grafana: boolean): Open => ({ services: [], grafana, rules: grafana ? 1 : 0, targetGroups: grafana ? 1 : 0, hosts: new Set(grafana && grafanaHost ? [grafanaHost] : []) });
    const maxNames = limits.namesPerCertificate * (1 + limits.extraCertificates);
    const fits = (s: Open, svc: RoutedService) => {
        const names = new Set([...s.hosts, ...svc.hosts]).size;
        return s.rules + svc.hosts.length <= limits.rules && s.targetGroups + svc.targetGroups <= limits.targetGroups && names <= maxNames;
    };
    const shards: Open[] = [open(grafanaHost !== undefined)];
    for (const svc of services) {
        let current = shards[shards.length - 1];
        if (!fits(current, svc)) {
            current = open(false);
            if (!fits(current, svc)) {
                throw new Error(
                    `service ${svc.name}: ${svc.hosts.length} listener rules and ${svc.targetGroups} target groups do not fit one load balancer; allowed: at most ${limits.rules} rules, ${limits.targetGroups} target groups and ${maxNames} host names per load balancer`,
                );
            }
            shards.push(current);
        }
        current.services.push(svc);
        current.rules += svc.hosts.length;
        current.targetGroups += svc.targetGroups;
        for (const h of svc.hosts) current.hosts.add(h);
    }
    return shards.map((s, index) => {
        // The services' hosts in rule order, then Grafana's: the order one certificate has always listed them in.
        const hosts = [...new Set([...s.services.flatMap((svc) => svc.hosts), ...(s.grafana && grafanaHost ? [grafanaHost] : [])])];
        return { index, services: s.services.map((svc) => svc.name), grafana: s.grafana, certificates: hosts.length ? chunk(hosts, limits.namesPerCertificate) : [], rules: s.rules, targetGroups: s.targetGroups };
    });
}
