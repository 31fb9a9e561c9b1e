/**
 * The cloud's default quotas the platform is designed within, each with the document that states
 * it. The targets read these numbers to split what would exceed them (certificates per host group,
 * security groups per port group, load balancers per shard); the pack's
 * `platform-quota-default-limits` policy counts what a stack creates against them. A stack whose
 * account has a raised quota declares it as an exception, `quotas.<id>=<raised limit>` with the
 * Service Quotas case in the reason (`parseQuotaException`).
 */

export interface Quota {
    readonly id: QuotaId;
    /** What is counted, in words ("names on one ACM certificate"). */
    readonly what: string;
    readonly limit: number;
    /** Whether the provider raises it on request (AWS Service Quotas, Let's Encrypt's adjustment form). */
    readonly adjustable: boolean;
    readonly url: string;
}

export const QUOTA_IDS = [
    "acm-names-per-certificate",
    "elb-certificates-per-load-balancer",
    "elb-listener-rules-per-load-balancer",
    "elb-target-groups-per-load-balancer",
    "elb-load-balancers-per-region",
    "vpc-inbound-rules-per-security-group",
    "vpc-outbound-rules-per-security-group",
    "vpc-security-groups-per-network-interface",
    "ecs-task-definition-size",
    "letsencrypt-certificates-per-registered-domain",
    "letsencrypt-names-per-certificate",
] as const;
export type QuotaId = (typeof QUOTA_IDS)[number];

const ACM = "https://docs.aws.amazon.com/acm/latest/userguide/acm-limits.html";
const ELB = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html";
const VPC = "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups";
const ECS = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html";
const LETSENCRYPT = "https://letsencrypt.org/docs/rate-limits/";

export const QUOTAS: Readonly<Record<QuotaId, Quota>> = {
    "acm-names-per-certificate": { id: "acm-names-per-certificate", what: "domain names on one ACM certificate", limit: 10, adjustable: true, url: ACM },
    "elb-certificates-per-load-balancer": { id: "elb-certificates-per-load-balancer", what: "certificates on one Application Load Balancer, the default certificate not counted", limit: 25, adjustable: true, url: ELB },
    "elb-listener-rules-per-load-balancer": { id: "elb-listener-rules-per-load-balancer", what: "listener rules on one Application Load Balancer, default rules not counted", limit: 100, adjustable: true, url: ELB },
    "elb-target-groups-per-load-balancer": { id: "elb-target-groups-per-load-balancer", what: "target groups one Application Load Balancer's listeners forward to", limit: 100, adjustable: false, url: ELB },
    "elb-load-balancers-per-region": { id: "elb-load-balancers-per-region", what: "Application Load Balancers in one region", limit: 50, adjustable: true, url: ELB },
    "vpc-inbound-rules-per-security-group": { id: "vpc-inbound-rules-per-security-group", what: "inbound rules in one security group", limit: 60, adjustable: true, url: VPC },
    "vpc-outbound-rules-per-security-group": { id: "vpc-outbound-rules-per-security-group", what: "outbound rules in one security group", limit: 60, adjustable: true, url: VPC },
    "vpc-security-groups-per-network-interface": { id: "vpc-security-groups-per-network-interface", what: "security groups on one network interface (an ECS task's)", limit: 5, adjustable: true, url: VPC },
    "ecs-task-definition-size": { id: "ecs-task-definition-size", what: "bytes of one ECS task definition", limit: 64 * 1024, adjustable: false, url: ECS },
    "letsencrypt-certificates-per-registered-domain": { id: "letsencrypt-certificates-per-registered-domain", what: "new Let's Encrypt certificates per registered domain per week", limit: 50, adjustable: true, url: LETSENCRYPT },
    "letsencrypt-names-per-certificate": { id: "letsencrypt-names-per-certificate", what: "names on one Let's Encrypt certificate", limit: 100, adjustable: false, url: LETSENCRYPT },
};

/** The key a stack declares an exception under for a raised quota: `quotas.<id>=<limit>`. */
export const QUOTA_EXCEPTION_PREFIX = "quotas.";

export interface RaisedQuota {
    readonly id: QuotaId;
    readonly limit: number;
}

/**
 * Reads a declared exception key as a raised quota: undefined when the key is not a quota's,
 * an error message (naming the key, the bad part and what is allowed) when it is one but malformed.
 */
export function parseQuotaException(key: string): RaisedQuota | { readonly problem: string } | undefined {
    if (!key.startsWith(QUOTA_EXCEPTION_PREFIX)) return undefined;
    const m = /^quotas\.([a-z0-9-]+)=(\d+)$/.exec(key);
    const allowed = `allowed: quotas.<id>=<raised limit>, id one of the adjustable ${QUOTA_IDS.filter((id) => QUOTAS[id].adjustable).join(", ")}`;
    if (!m) return { problem: `exception key "${key}" is not a raised quota; ${allowed}` };
    const id = QUOTA_IDS.find((q) => q === m[1]);
    if (!id) return { problem: `exception key "${key}": no quota "${m[1]}"; ${allowed}` };
    const quota = QUOTAS[id];
    if (!quota.adjustable) return { problem: `exception key "${key}": ${id} cannot be raised (${quota.url}); ${allowed}` };
    const limit = Number(m[2]);
    if (limit <= quota.limit) return { problem: `exception key "${key}": ${limit} does not raise the default of ${quota.limit}; allowed: a limit above ${quota.limit}` };
    return { id, limit };
}

/** Each quota's limit for a stack: the default, or the raised limit its exceptions declare. */
export function quotaLimits(exceptionKeys: readonly string[]): Record<QuotaId, number> {
    const limits = Object.fromEntries(QUOTA_IDS.map((id) => [id, QUOTAS[id].limit])) as Record<QuotaId, number>;
    for (const key of exceptionKeys) {
        const raised = parseQuotaException(key);
        if (raised && "id" in raised) limits[raised.id] = Math.max(limits[raised.id], raised.limit);
    }
    return limits;
}

/** `items` in consecutive groups of at most `size`, in order (a stable split: adding one item never moves the others). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
    if (!Number.isInteger(size) || size < 1) throw new Error(`chunk size ${size}; allowed: a whole number of at least 1`);
    const out: T[][] = [];
    for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
    return out;
}

/**
 * The registered domain Let's Encrypt counts a name under: the last two labels. A name under a
 * multi-label public suffix (`example.co.uk`) is counted one level too high; none of the runbooks'
 * hosts is under one, and counting higher only merges domains (an over-count, never an under-count).
 */
export function registeredDomain(host: string): string {
    return host.split(".").slice(-2).join(".");
}
