import { wildcardOnly } from "../../capabilities/aws/iam-wildcard";
import { apiEndpointsFor, PRINCIPAL_ACCOUNT_KEY, RESOURCE_ACCOUNT_KEY, S3_GATEWAY_SERVICE } from "../../capabilities/aws/vpc-endpoints";
import { isUnknown } from "../lib/inputs";
import { finding, label, stackRule, type Finding, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord } from "../lib/values";

const VPC = "aws:ec2/vpc:Vpc";
const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";
const ECS_SERVICE = "aws:ecs/service:Service";
/** Keys that confine a statement to one account's (or organization's) principals, and to its resources. */
const PRINCIPAL_KEYS = [PRINCIPAL_ACCOUNT_KEY, "aws:PrincipalOrgID"].map((k) => k.toLowerCase());
const RESOURCE_KEYS = [RESOURCE_ACCOUNT_KEY, "aws:ResourceOrgID"].map((k) => k.toLowerCase());
const EQUALS = ["stringequals", "stringequalsignorecase"];

const everyone = (principal: unknown) => principal === "*" || (isRecord(principal) && asArray(principal.AWS).includes("*"));

/** The values a StringEquals-type condition of the statement gives the keys (lower-cased names); wildcards never confine. */
function confined(condition: unknown, keys: readonly string[]): boolean {
    if (!isRecord(condition)) return false;
    return Object.entries(condition).some(
        ([op, block]) =>
            EQUALS.includes(op.toLowerCase()) &&
            isRecord(block) &&
            Object.entries(block).some(([k, v]) => keys.includes(k.toLowerCase()) && asArray<string>(v).length > 0 && asArray<string>(v).every((x) => typeof x === "string" && x !== "" && !/[*?]/.test(x))),
    );
}

/** What is wrong with one endpoint policy document: each Allow statement open to every principal must name the account, and its resources' account unless every action it allows takes no resource. */
function endpointPolicyProblems(policy: unknown): string[] {
    if (policy === undefined || policy === null || policy === "") return ["has no endpoint policy: the default admits every principal of every account to every resource"];
    if (isUnknown(policy)) return [];
    let doc: unknown;
    try {
        doc = typeof policy === "string" ? JSON.parse(policy) : policy;
    } catch {
        return ["has an endpoint policy that is not JSON"];
    }
    if (!isRecord(doc)) return ["has an endpoint policy that is not a JSON object"];
    return asArray(doc.Statement)
        .filter(isRecord)
        .flatMap((s, i) => {
            if (s.Effect !== "Allow") return [];
            const at = `statement ${s.Sid ?? i}`;
            if (s.NotPrincipal !== undefined || s.NotAction !== undefined || s.NotResource !== undefined) return [`${at} allows by NotPrincipal/NotAction/NotResource, which admits what it does not name`];
            if (!everyone(s.Principal)) return [];
            const out: string[] = [];
            if (!confined(s.Condition, PRINCIPAL_KEYS)) out.push(`${at} allows "Principal": "*" without a StringEquals on ${PRINCIPAL_ACCOUNT_KEY} (or aws:PrincipalOrgID): another account's credentials could use the endpoint`);
            const actions = asArray<string>(s.Action);
            const resourceless = actions.length > 0 && actions.every((a) => typeof a === "string" && wildcardOnly(a));
            if (!resourceless && !confined(s.Condition, RESOURCE_KEYS)) out.push(`${at} allows ${actions.join(", ") || "its actions"} without a StringEquals on ${RESOURCE_ACCOUNT_KEY} (or aws:ResourceOrgID): data could leave to another account's resources through the endpoint`);
            return out;
        });
}

/** `com.amazonaws.<region>.<service>` → `<service>`. */
const serviceOf = (e: Subject) => (typeof e.props.serviceName === "string" ? e.props.serviceName.split(".").slice(3).join(".") : undefined);

/**
 * The AWS APIs stay inside the VPC and inside the account (issue 15, docs/security.md *AWS APIs
 * through VPC endpoints*): every VPC endpoint has a policy confined to this account's principals
 * and resources, data-perimeter style; the stack's VPC has the S3 gateway endpoint and the
 * interface endpoints of every API its tasks call (capabilities/aws/vpc-endpoints.ts), each with
 * private DNS, in subnets, behind a security group.
 */
export const awsVpcEndpointPolicyScoped = stackRule({
    name: "aws-vpc-endpoint-policy-scoped",
    description:
        "Every VPC endpoint has an endpoint policy whose Allow statements for any principal are confined by aws:PrincipalAccount and aws:ResourceAccount; the VPC has the S3 gateway endpoint and the interface endpoints (private DNS, subnets, a security group) of every AWS API the platform's tasks call.",
    tier: "security",
    target: "aws",
    remediationSteps:
        'Give each aws.ec2.VpcEndpoint a policy: { Effect: "Allow", Principal: "*", Action: "*", Resource: "*", Condition: { StringEquals: { "aws:PrincipalAccount": <account>, "aws:ResourceAccount": <account> } } } (capabilities/aws/vpc-endpoints.ts endpointPolicy), and create the endpoints API_ENDPOINTS lists (components/targets/aws/endpoints.ts).',
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, VPC).length ? undefined : "the stack has no VPC"),
    check: (resources) => {
        const endpoints = ofType(resources, ENDPOINT);
        const out: Finding[] = endpoints.flatMap((e) => endpointPolicyProblems(e.props.policy).map((p) => finding(`${label(e)} (${String(e.props.serviceName)}) ${p}`, { urn: e.urn })));
        for (const e of endpoints.filter((x) => x.props.vpcEndpointType === "Interface")) {
            const missing = [
                ...(e.props.privateDnsEnabled === true || isUnknown(e.props.privateDnsEnabled) ? [] : ["private DNS (the SDKs would keep resolving the public endpoint)"]),
                ...(asArray(e.props.subnetIds).length ? [] : ["subnets"]),
                ...(asArray(e.props.securityGroupIds).length ? [] : ["a security group of its own (the VPC's default group would apply)"]),
            ];
            if (missing.length) out.push(finding(`${label(e)} (${String(e.props.serviceName)}) has no ${missing.join(", no ")}`, { urn: e.urn }));
        }
        const execute = ofType(resources, ECS_SERVICE).some((s) => s.props.enableExecuteCommand === true);
        const present = (service: string, type: string) => endpoints.some((e) => serviceOf(e) === service && e.props.vpcEndpointType === type);
        const required = [
            { service: S3_GATEWAY_SERVICE, type: "Gateway", why: "backups, the app's buckets, the platform's configuration objects" },
            ...apiEndpointsFor({ execute }).map((a) => ({ service: a.service, type: "Interface", why: a.callers })),
        ];
        for (const vpc of ofType(resources, VPC)) {
            for (const r of required.filter((x) => !present(x.service, x.type))) {
                out.push(finding(`${label(vpc)}: no ${r.type.toLowerCase()} endpoint for ${r.service} (called by ${r.why}; capabilities/aws/vpc-endpoints.ts): those calls leave through the NAT gateways`, { urn: vpc.urn }));
            }
        }
        return out;
    },
});
