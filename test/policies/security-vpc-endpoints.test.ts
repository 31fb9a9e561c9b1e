import test from "ava";
import { API_ENDPOINTS, endpointPolicy, endpointServiceName, S3_GATEWAY_SERVICE } from "../../capabilities/aws/vpc-endpoints";
import { awsVpcEndpointPolicyScoped } from "../../policies/aws/vpc-endpoint-policy-scoped";
import { allStacks } from "../../stacks/settings";
import { find, type Fake } from "./helpers";
import { compliantAndBroken, planPasses, runRule } from "./security-helpers";

/**
 * aws-vpc-endpoint-policy-scoped (issue 15, finding 3): a compliant VPC with the platform's
 * endpoints, each broken one field at a time, and every production plan.
 */

const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";
const ACCOUNT = "111122223333";
const REGION = "eu-west-1";

const fixture = (execute = false): Fake[] => [
    { type: "aws:ec2/vpc:Vpc", name: "vpc", props: { cidrBlock: "10.0.0.0/16" } },
    { type: "aws:ecs/service:Service", name: "grafana", props: { launchType: "FARGATE", ...(execute ? { enableExecuteCommand: true } : {}) } },
    { type: ENDPOINT, name: "s3", props: { vpcId: "vpc-1", serviceName: endpointServiceName(REGION, S3_GATEWAY_SERVICE), vpcEndpointType: "Gateway", routeTableIds: ["rtb-1"], policy: endpointPolicy(ACCOUNT, S3_GATEWAY_SERVICE) } },
    ...API_ENDPOINTS.filter((e) => execute || !e.onlyWithExec).map((e) => ({
        type: ENDPOINT,
        name: e.service,
        props: {
            vpcId: "vpc-1",
            serviceName: endpointServiceName(REGION, e.service),
            vpcEndpointType: "Interface",
            privateDnsEnabled: true,
            subnetIds: ["subnet-1", "subnet-2"],
            securityGroupIds: ["sg-endpoints"],
            policy: endpointPolicy(ACCOUNT, e.iamPrefix),
        },
    })),
];

/** The endpoint's policy document, edited in place. */
const editPolicy = (r: Fake[], name: string, edit: (doc: any) => void) => {
    const e = find(r, name);
    const doc = JSON.parse(e.props.policy);
    edit(doc);
    e.props.policy = JSON.stringify(doc);
};

test("aws-vpc-endpoint-policy-scoped: compliant fixture passes; open, unconfined or missing policies and missing endpoints are each reported", async (t) => {
    await compliantAndBroken(t, "aws-vpc-endpoint-policy-scoped", "bunty-production", () => fixture(), {
        "no policy (the default: every principal, every resource)": { edit: (r) => delete find(r, "logs").props.policy, expect: /VpcEndpoint "logs" \(com\.amazonaws\.eu-west-1\.logs\) has no endpoint policy/ },
        "S3 gateway without a policy (the old one)": { edit: (r) => delete find(r, "s3").props.policy, expect: /\.s3\) has no endpoint policy/ },
        "Principal * without the account condition": {
            edit: (r) => editPolicy(r, "secretsmanager", (d) => delete d.Statement[0].Condition.StringEquals["aws:PrincipalAccount"]),
            expect: /without a StringEquals on aws:PrincipalAccount/,
        },
        "Principal {AWS: *} without any condition": { edit: (r) => editPolicy(r, "aps-workspaces", (d) => Object.assign(d.Statement[0], { Principal: { AWS: "*" }, Condition: undefined })), expect: /aps-workspaces\).*without a StringEquals on aws:PrincipalAccount/ },
        "a wildcard account value": { edit: (r) => editPolicy(r, "s3", (d) => (d.Statement[0].Condition.StringEquals["aws:PrincipalAccount"] = "*")), expect: /s3\).*aws:PrincipalAccount/ },
        "the condition under StringLike, which matches patterns": {
            edit: (r) => editPolicy(r, "monitoring", (d) => (d.Statement[0].Condition = { StringLike: d.Statement[0].Condition.StringEquals })),
            expect: /monitoring\).*aws:PrincipalAccount/,
        },
        "no resource-account condition on Action *": { edit: (r) => editPolicy(r, "s3", (d) => delete d.Statement[0].Condition.StringEquals["aws:ResourceAccount"]), expect: /s3\).*allows \* without a StringEquals on aws:ResourceAccount/ },
        "the resourceless statement grows an action that takes a resource": {
            edit: (r) => editPolicy(r, "logs", (d) => d.Statement[1].Action.push("logs:GetLogEvents")),
            expect: /logs\).*allows logs:DescribeLogGroups, logs:StopQuery, logs:GetLogEvents without a StringEquals on aws:ResourceAccount/,
        },
        "NotPrincipal": { edit: (r) => editPolicy(r, "ec2", (d) => d.Statement.push({ Effect: "Allow", NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "*", Resource: "*" })), expect: /NotPrincipal/ },
        "private DNS off": { edit: (r) => (find(r, "logs").props.privateDnsEnabled = false), expect: /logs\) has no private DNS/ },
        "no security group": { edit: (r) => (find(r, "secretsmanager").props.securityGroupIds = []), expect: /secretsmanager\) has no a security group of its own/ },
        "an API's endpoint missing": { edit: (r) => r.splice(r.indexOf(find(r, "aps-workspaces")), 1), expect: /Vpc "vpc": no interface endpoint for aps-workspaces/ },
        "the S3 gateway missing": { edit: (r) => r.splice(r.indexOf(find(r, "s3")), 1), expect: /no gateway endpoint for s3/ },
        "ECS Exec on without ssmmessages": { edit: (r) => (find(r, "grafana").props.enableExecuteCommand = true), expect: /no interface endpoint for ssmmessages \(called by ECS Exec/ },
    });
    const withExec = await runRule(awsVpcEndpointPolicyScoped, "bunty-production", fixture(true));
    t.deepEqual(withExec.violations, [], "ECS Exec with the ssmmessages endpoint passes");
    t.is((await runRule(awsVpcEndpointPolicyScoped, "bunty-production", fixture().filter((r) => r.type !== "aws:ec2/vpc:Vpc" && r.type !== ENDPOINT))).status, "not-applicable", "no VPC");
});

test("every planned production stack passes aws-vpc-endpoint-policy-scoped", async (t) => {
    t.timeout(10 * 60_000);
    await planPasses(t, allStacks().filter((s) => s.endsWith("-production")), [awsVpcEndpointPolicyScoped]);
});
