import { finding, label, stackRule, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord } from "../lib/values";

const LOAD_BALANCERS = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"];
const WEB_ACL = "aws:wafv2/webAcl:WebAcl";
const ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation";

const isApplication = (lb: Subject) => (lb.props.loadBalancerType ?? "application") === "application";

/** Whether an association points at this load balancer: by dependency (a preview, ARNs unknown) or by its ARN's name. */
function associates(a: Subject, lb: Subject): boolean {
    if (a.dependencies?.includes(lb.urn)) return true;
    const arn = a.props.resourceArn;
    const name = lb.props.name;
    return typeof arn === "string" && typeof name === "string" && arn.includes(`:loadbalancer/app/${name}/`);
}

/** Managed rule groups only block when their overrideAction is `none`; `count` only counts what they would block. */
function countedGroups(acl: Subject): string[] {
    return asArray(acl.props.rules)
        .filter(isRecord)
        .filter((r) => isRecord(r.statement?.managedRuleGroupStatement) && (!isRecord(r.overrideAction) || r.overrideAction.none === undefined || r.overrideAction.count !== undefined))
        .map((r) => String(r.name ?? r.statement.managedRuleGroupStatement.name));
}

/**
 * Where the platform puts a WAF in front of the app (`aws.waf`, a default every public ALB gets),
 * every application load balancer of the stack is associated with a web ACL, and each managed rule
 * group of a web ACL blocks (overrideAction none) instead of only counting.
 */
export const awsWafv2WebAclEnforced = stackRule({
    name: "aws-wafv2-webacl-enforced",
    description: "Every application load balancer is associated with a web ACL where the platform sets a WAF, and no managed rule group runs in count mode.",
    tier: "security",
    target: "aws",
    remediationSteps: "Add an aws.wafv2.WebAclAssociation { resourceArn: <load balancer>.arn, webAclArn } for each load balancer; set each managed rule group's overrideAction to { none: {} }.",
    notApplicable: (resources, ctx) =>
        absentTarget(resources, "aws") ?? (ctx.runbook.aws.waf ? undefined : `the ${ctx.app} runbook sets no WAF (aws.waf false)`),
    check: (resources, ctx) => {
        const associations = ofType(resources, ASSOCIATION);
        const findings = ofType(resources, ...LOAD_BALANCERS)
            .filter(isApplication)
            .filter((lb) => !associations.some((a) => associates(a, lb)))
            .map((lb) =>
                finding(`${label(lb)}: no web ACL association; the platform puts every public ALB of ${ctx.app} behind the WAF (aws.waf${ctx.runbook.aws.defaulted?.waf ? `, a platform default: ${ctx.runbook.aws.defaulted.waf}` : ""})`, { urn: lb.urn }),
            );
        for (const acl of ofType(resources, WEB_ACL)) {
            for (const group of countedGroups(acl)) {
                findings.push(finding(`${label(acl)}: managed rule group ${group} has an overrideAction other than none (count mode); it logs the attacks it should block`, { urn: acl.urn }));
            }
        }
        return findings;
    },
});
