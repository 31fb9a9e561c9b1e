import { finding, label, resourceRule } from "../lib/policy";
import { DATA_PORTS } from "../lib/workloads";
import { asArray, isRecord, num } from "../lib/values";

const OPEN = ["0.0.0.0/0", "::/0"];

interface Rule {
    from?: number;
    to?: number;
    protocol?: string;
    cidrs: string[];
}

function rulesOf(type: string, p: Record<string, any>): Rule[] {
    if (type === "aws:ec2/securityGroup:SecurityGroup") {
        return asArray(p.ingress)
            .filter(isRecord)
            .map((r) => ({ from: num(r.fromPort), to: num(r.toPort), protocol: String(r.protocol ?? ""), cidrs: [...asArray<string>(r.cidrBlocks), ...asArray<string>(r.ipv6CidrBlocks)] }));
    }
    if (type === "aws:ec2/securityGroupRule:SecurityGroupRule") {
        if (p.type !== "ingress") return [];
        return [{ from: num(p.fromPort), to: num(p.toPort), protocol: String(p.protocol ?? ""), cidrs: [...asArray<string>(p.cidrBlocks), ...asArray<string>(p.ipv6CidrBlocks)] }];
    }
    return [{ from: num(p.fromPort), to: num(p.toPort), protocol: String(p.ipProtocol ?? ""), cidrs: [p.cidrIpv4, p.cidrIpv6].filter((c): c is string => typeof c === "string") }];
}

/** The internet cannot reach a database, cache or broker port. */
export const awsSecurityGroupNoPublicDataPorts = resourceRule({
    name: "aws-securitygroup-no-public-data-ports",
    description: "No security group rule opens a data-service port (PostgreSQL, Redis, MongoDB, Kafka, ZooKeeper) to 0.0.0.0/0 or ::/0.",
    tier: "security",
    target: "aws",
    types: ["aws:ec2/securityGroup:SecurityGroup", "aws:ec2/securityGroupRule:SecurityGroupRule", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"],
    remediationSteps: "Allow data ports only from the app's security group (referencedSecurityGroupId / securityGroups), never from an open CIDR.",
    check: (s) =>
        rulesOf(s.type, s.props).flatMap((r) => {
            const open = r.cidrs.filter((c) => OPEN.includes(c));
            if (open.length === 0) return [];
            const all = r.protocol === "-1" || r.protocol === "all";
            const exposed = Object.entries(DATA_PORTS)
                .map(([port, what]) => [Number(port), what] as const)
                .filter(([port]) => all || (r.from !== undefined && r.to !== undefined && r.from <= port && port <= (r.to === -1 ? 65535 : r.to)) || (r.from === undefined && r.to === undefined && all));
            return exposed.length
                ? [finding(`${label(s)}: ingress from ${open.join(", ")} on ${all ? "all ports" : `ports ${r.from}-${r.to}`} opens ${exposed.map(([p, w]) => `${w} ${p}`).join(", ")} to the internet; data services must be reachable only from the app`)]
                : [];
        }),
});
