import { finding, label, resourceRule } from "../lib/policy";
import { asArray, isRecord, num } from "../lib/values";
import { allowedInternetPorts } from "../lib/security";

const OPEN = ["0.0.0.0/0", "::/0"];

interface Rule {
    from?: number;
    to?: number;
    protocol: string;
    cidrs: string[];
}

function egressOf(type: string, p: Record<string, any>): Rule[] {
    if (type === "aws:ec2/securityGroup:SecurityGroup") {
        return asArray(p.egress)
            .filter(isRecord)
            .map((r) => ({ from: num(r.fromPort), to: num(r.toPort), protocol: String(r.protocol ?? ""), cidrs: [...asArray<string>(r.cidrBlocks), ...asArray<string>(r.ipv6CidrBlocks)] }));
    }
    if (type === "aws:ec2/securityGroupRule:SecurityGroupRule") {
        if (p.type !== "egress") return [];
        return [{ from: num(p.fromPort), to: num(p.toPort), protocol: String(p.protocol ?? ""), cidrs: [...asArray<string>(p.cidrBlocks), ...asArray<string>(p.ipv6CidrBlocks)] }];
    }
    return [{ from: num(p.fromPort), to: num(p.toPort), protocol: String(p.ipProtocol ?? ""), cidrs: [p.cidrIpv4, p.cidrIpv6].filter((c): c is string => typeof c === "string") }];
}


/**
 * Closed egress (checkov CKV_AWS_382, FSBP EC2.2's spirit): no security group sends all protocols
 * anywhere, and to the internet only single TCP ports the runbook justifies: HTTPS (AWS APIs,
 * registries, the external APIs) and the ports of its external dependencies' URLs.
 */
export const awsSecurityGroupEgressRestricted = resourceRule({
    name: "aws-securitygroup-egress-restricted",
    description: "Security group egress never allows all protocols, and reaches 0.0.0.0/0 or ::/0 only on single TCP ports: HTTPS and the runbook's external dependencies' ports.",
    tier: "security",
    target: "aws",
    types: ["aws:ec2/securityGroup:SecurityGroup", "aws:ec2/securityGroupRule:SecurityGroupRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"],
    remediationSteps: "Allow egress to the data services' security groups on their ports (referencedSecurityGroupId) and to 0.0.0.0/0 only on tcp/443 or a port an external dependency's URL names.",
    check: (s, ctx) => {
        const allowed = allowedInternetPorts(ctx.runbook);
        return egressOf(s.type, s.props).flatMap((r) => {
            if (r.protocol === "-1" || r.protocol === "all") {
                return [finding(`${label(s)}: egress allows all protocols${r.cidrs.length ? ` to ${r.cidrs.join(", ")}` : ""}; name the protocol and port each connection needs`)];
            }
            const open = r.cidrs.filter((c) => OPEN.includes(c));
            if (open.length === 0) return [];
            if (r.protocol !== "tcp" && r.protocol !== "6") return [finding(`${label(s)}: egress to ${open.join(", ")} over protocol ${r.protocol}; only TCP reaches the internet`)];
            if (r.from === undefined || r.from !== r.to || !allowed.includes(r.from)) {
                return [finding(`${label(s)}: egress to ${open.join(", ")} on ports ${r.from}-${r.to}; allowed to the internet: single ports ${allowed.join(", ")} (HTTPS and the ${ctx.app} runbook's external dependencies)`)];
            }
            return [];
        });
    },
});
