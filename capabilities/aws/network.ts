import { chunk, QUOTAS } from "../quotas";

/**
 * VPC address plan: one public and one private subnet per availability zone, carved out of the
 * VPC range the way Terraform's `cidrsubnet` does, so the layout is a pure function of the AZ count.
 */

/** The VPC range. A /16 leaves room for 16 /20 subnets, 4091 addresses each. */
export const VPC_CIDR = "10.0.0.0/16";
/** Bits added to the VPC prefix for each subnet: /16 + 4 = /20. */
export const SUBNET_NEWBITS = 4;
/** Private subnets start at this subnet index, so public ones can grow without renumbering. */
export const PRIVATE_OFFSET = 8;

function parseCidr(cidr: string): { base: number; prefix: number } {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!m) throw new Error(`"${cidr}" is not an IPv4 CIDR block (allowed: a.b.c.d/n)`);
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) throw new Error(`"${cidr}" is not an IPv4 CIDR block`);
    const base = octets.reduce((acc, o) => acc * 256 + o, 0);
    const size = 2 ** (32 - prefix);
    if (base % size !== 0) throw new Error(`"${cidr}" has host bits set (allowed: a network address)`);
    return { base, prefix };
}

function formatIp(n: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** Terraform's `cidrsubnet(cidr, newbits, netnum)`. */
export function cidrSubnet(cidr: string, newBits: number, netNum: number): string {
    const { base, prefix } = parseCidr(cidr);
    const newPrefix = prefix + newBits;
    if (newPrefix > 32) throw new Error(`${cidr} cannot be split by ${newBits} more bits`);
    if (!Number.isInteger(netNum) || netNum < 0 || netNum >= 2 ** newBits) {
        throw new Error(`subnet number ${netNum} does not fit in ${newBits} bits of ${cidr} (allowed: 0 to ${2 ** newBits - 1})`);
    }
    return `${formatIp(base + netNum * 2 ** (32 - newPrefix))}/${newPrefix}`;
}

/** True when the two blocks share any address. */
export function cidrsOverlap(a: string, b: string): boolean {
    const x = parseCidr(a);
    const y = parseCidr(b);
    const xEnd = x.base + 2 ** (32 - x.prefix);
    const yEnd = y.base + 2 ** (32 - y.prefix);
    return x.base < yEnd && y.base < xEnd;
}

export function cidrContains(outer: string, inner: string): boolean {
    const o = parseCidr(outer);
    const i = parseCidr(inner);
    return i.prefix >= o.prefix && i.base >= o.base && i.base + 2 ** (32 - i.prefix) <= o.base + 2 ** (32 - o.prefix);
}

export interface SubnetLayout {
    readonly public: string[];
    readonly private: string[];
}

/** One public and one private /20 per AZ; `azCount` comes from `runbook.aws.availabilityZones`. */
export function subnetLayout(vpcCidr: string, azCount: number): SubnetLayout {
    if (!Number.isInteger(azCount) || azCount < 1 || azCount > PRIVATE_OFFSET) {
        throw new Error(`aws.availabilityZones = ${azCount}: the address plan holds 1 to ${PRIVATE_OFFSET} zones`);
    }
    const zones = Array.from({ length: azCount }, (_, i) => i);
    return {
        public: zones.map((i) => cidrSubnet(vpcCidr, SUBNET_NEWBITS, i)),
        private: zones.map((i) => cidrSubnet(vpcCidr, SUBNET_NEWBITS, PRIVATE_OFFSET + i)),
    };
}

/** Inbound rules each service port takes in a security group: from the load balancer and from the collector. */
export const RULES_PER_SERVICE_PORT = 2;

/**
 * The service ports split into security groups that each stay within the inbound-rule quota: the
 * first group is the tasks' own, every further one a port group. In the services' order, so adding
 * a service never moves another's port to a different group.
 */
export function servicePortGroups(ports: readonly number[], inboundRules = QUOTAS["vpc-inbound-rules-per-security-group"].limit): number[][] {
    const distinct = [...new Set(ports)];
    const groups = chunk(distinct, Math.floor(inboundRules / RULES_PER_SERVICE_PORT));
    return groups.length ? groups : [[]];
}
