import test from "ava";
import { awsIamRoleTrustConfusedDeputy } from "../../policies/aws/iam-role-trust-confused-deputy";
import { trustPolicy } from "../../capabilities/aws/trust";
import { allStacks } from "../../stacks/settings";
import { find, type Fake } from "./helpers";
import { compliantAndBroken, planPasses } from "./security-helpers";

/** Confused-deputy conditions on service-role trusts (issue 15). */

const trust = (service: string, condition?: Record<string, unknown>) =>
    JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", ...(condition ? { Condition: condition } : {}) }] });
const ACCOUNT = { StringEquals: { "aws:SourceAccount": "123456789012" } };

const fixture = (): Fake[] => [
    { type: "aws:iam/role:Role", name: "task", props: { assumeRolePolicy: trust("ecs-tasks.amazonaws.com", { ...ACCOUNT, ArnLike: { "aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*" } }) } },
    { type: "aws:iam/role:Role", name: "flow", props: { assumeRolePolicy: trust("vpc-flow-logs.amazonaws.com", ACCOUNT) } },
    { type: "aws:iam/role:Role", name: "execution", props: { name: "exec-role", assumeRolePolicy: trust("ecs-tasks.amazonaws.com") } },
    { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: "execution-policy", props: { role: "exec-role", policyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" }, dependsOn: ["execution"] },
    { type: "aws:iam/role:Role", name: "lambda", props: { assumeRolePolicy: trust("lambda.amazonaws.com") } },
];

test("aws-iam-role-trust-confused-deputy: conditioned trusts, execution roles and undocumented services pass; a bare documented trust is reported", async (t) => {
    await compliantAndBroken(t, "aws-iam-role-trust-confused-deputy", "bunty-production", fixture, {
        "a task role without conditions (as before)": { edit: (r) => (find(r, "task").props.assumeRolePolicy = trust("ecs-tasks.amazonaws.com")), expect: /"task": trusts ecs-tasks\.amazonaws\.com without aws:SourceAccount/ },
        "a condition on another key": { edit: (r) => (find(r, "flow").props.assumeRolePolicy = trust("vpc-flow-logs.amazonaws.com", { Bool: { "aws:SecureTransport": "true" } })), expect: /"flow": trusts vpc-flow-logs/ },
        "an ECS role that is not an execution role": { edit: (r) => (find(r, "execution-policy").props.policyArn = "arn:aws:iam::aws:policy/ReadOnlyAccess"), expect: /"execution": trusts ecs-tasks/ },
        "unparseable trust": { edit: (r) => (find(r, "lambda").props.assumeRolePolicy = "{"), expect: /not a JSON policy document/ },
    });
});

test("trustPolicy: conditions for documented services, none for the others or when not asked", (t) => {
    const scope = { partition: "aws", region: "eu-west-1", accountId: "111122223333" };
    t.deepEqual((trustPolicy("ecs-tasks.amazonaws.com", scope, true).Statement as any)[0].Condition, {
        StringEquals: { "aws:SourceAccount": "111122223333" },
        ArnLike: { "aws:SourceArn": "arn:aws:ecs:eu-west-1:111122223333:*" },
    });
    t.deepEqual((trustPolicy("s3.amazonaws.com", scope, true).Statement as any)[0].Condition, { StringEquals: { "aws:SourceAccount": "111122223333" } });
    t.is((trustPolicy("lambda.amazonaws.com", scope, true).Statement as any)[0].Condition, undefined);
    t.is((trustPolicy("ecs-tasks.amazonaws.com", scope, false).Statement as any)[0].Condition, undefined);
});

test("every production stack's roles pass", async (t) => {
    t.timeout(10 * 60_000);
    await planPasses(t, allStacks().filter((s) => s.endsWith("-production")), [awsIamRoleTrustConfusedDeputy]);
});
