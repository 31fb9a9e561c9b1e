import test from "ava";
import * as fs from "node:fs";
import * as path from "node:path";
import { planStack, type PlannedResource, type StackPlan } from "../../cli/harness/runtime";
import { apiEndpointsFor, S3_GATEWAY_SERVICE } from "../../capabilities/aws/vpc-endpoints";
import { externalUrls, HTTPS_PORT, internetPorts } from "../../capabilities/egress";
import { APP_IDS, getRunbook, type AppId } from "../../runbooks";

/**
 * Issue 15, finding 3 (docs/security.md, *AWS APIs through VPC endpoints*), on every production
 * plan: the AWS APIs the tasks call go through the VPC endpoints, and what still reaches the
 * internet is the written exception, exactly. A test here fails when a world-open rule appears
 * that the exception does not name, when a reason of the exception stops being true (images from
 * ECR, a dependency on S3), or when a task is granted an API that has no endpoint.
 */

const DOC = fs.readFileSync(path.join(__dirname, "../../docs/security.md"), "utf8");
const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";
const OPEN = ["0.0.0.0/0", "::/0"];

/** API prefixes the tasks are granted that no endpoint carries, and why (each must still be granted somewhere, or leave this list). */
const NOT_THROUGH_AN_ENDPOINT: Record<string, string> = {
    kms: "granted for SSE-KMS objects and secrets: S3 and Secrets Manager call KMS themselves, the task never does",
    tag: "Grafana's CloudWatch data source (tag:GetResources): no endpoint here, it goes through the NAT gateways (the written exception)",
};

const plans = new Map<AppId, StackPlan>();
test.before(async () => {
    for (const app of APP_IDS) plans.set(app, await planStack(`${app}-production`));
});

const ofType = (plan: StackPlan, type: string) => plan.resources.filter((r) => r.type === type);
/** The firewall part (`tasks`, `alb`, …) of the group a rule's `securityGroupId` (the mocks' `<name>-id`) names. */
const partOf = (app: AppId, id: unknown) => String(id).replace(/-id$/, "").replace(`${app}-firewall-`, "");
const grafanaExecutes = (plan: StackPlan) => ofType(plan, "aws:ecs/service:Service").some((s) => s.props.enableExecuteCommand === true);

test("every world-open rule is one the exception names: HTTPS and the runbook's dependency ports for images and external APIs, the load balancer's listeners and its Cognito sign-in", (t) => {
    for (const app of APP_IDS) {
        const plan = plans.get(app)!;
        const rb = getRunbook(app);
        const open = plan.resources.filter((r) => (r.type === INGRESS || r.type === EGRESS) && OPEN.some((c) => c === r.props.cidrIpv4 || c === r.props.cidrIpv6));
        const seen = open.map((r) => `${r.type === INGRESS ? "in" : "out"} ${partOf(app, r.props.securityGroupId)} ${r.props.ipProtocol}/${r.props.fromPort}-${r.props.toPort}`).sort();
        const published = ofType(plan, "aws:cognito/userPool:UserPool").length > 0;
        const expected = [
            `in alb tcp/${HTTPS_PORT}-${HTTPS_PORT}`,
            "in alb tcp/80-80",
            ...(published ? [`out alb tcp/${HTTPS_PORT}-${HTTPS_PORT}`] : []),
            ...internetPorts(rb).flatMap((p) => [`out tasks tcp/${p}-${p}`, `out collector tcp/${p}-${p}`]),
            `out grafana tcp/${HTTPS_PORT}-${HTTPS_PORT}`,
        ].sort();
        t.deepEqual(seen, expected, `${app}-production: a world-open rule the exception (docs/security.md) does not name, or one it names is gone`);
        t.deepEqual(
            ofType(plan, SG).filter((g) => [g.props.ingress, g.props.egress].some((rules) => Array.isArray(rules) && rules.length)).map((g) => g.name),
            [],
            `${app}: inline rules on a group bypass this list`,
        );
        t.deepEqual(ofType(plan, "aws:ec2/securityGroupRule:SecurityGroupRule").map((r) => r.name), [], `${app}: legacy rules bypass this list`);
    }
});

test("the exception's reasons still hold: images come from Docker Hub, not ECR; no external dependency is an S3 URL; Grafana is granted an API without an endpoint", (t) => {
    for (const app of APP_IDS) {
        const plan = plans.get(app)!;
        const images = ofType(plan, "aws:ecs/taskDefinition:TaskDefinition").flatMap((d) => (JSON.parse(String(d.props.containerDefinitions)) as { image: string }[]).map((c) => c.image));
        t.true(images.length > 0, `${app}: task definitions read`);
        t.deepEqual(
            images.filter((i) => /\.dkr\.ecr\.|^public\.ecr\.aws\//.test(i)),
            [],
            `${app}: an image from ECR: add the ecr.api and ecr.dkr endpoints (its layers are in AWS-owned buckets: the S3 gateway policy must admit them) and drop image pulls from the exception`,
        );
        for (const url of externalUrls(getRunbook(app))) {
            t.notRegex(new URL(url).hostname, /(^|\.)s3[.-]([a-z0-9-]+\.)*amazonaws\.com$/, `${app}: ${url} is S3: the gateway endpoint's policy refuses another account's buckets`);
        }
        const grafana = ofType(plan, "aws:iam/rolePolicy:RolePolicy").filter((p) => String(p.props.role).startsWith(`${app}-grafana-task-role`));
        t.true(grafana.some((p) => String(p.props.policy).includes("tag:GetResources")), `${app}: Grafana no longer calls the tagging API: its HTTPS exception is the image pull only (update docs/security.md)`);
    }
});

test("the endpoints are exactly the APIs the tasks call: each granted API has one, or a reason it has none", (t) => {
    const unused = new Set(Object.keys(NOT_THROUGH_AN_ENDPOINT));
    for (const app of APP_IDS) {
        const plan = plans.get(app)!;
        const wanted = apiEndpointsFor({ execute: grafanaExecutes(plan) });
        const endpoints = ofType(plan, ENDPOINT).map((e) => `${e.props.vpcEndpointType} ${String(e.props.serviceName).split(".").slice(3).join(".")}`);
        t.deepEqual(endpoints.sort(), [`Gateway ${S3_GATEWAY_SERVICE}`, ...wanted.map((e) => `Interface ${e.service}`)].sort(), `${app}: the endpoint set`);

        const taskRoles = ofType(plan, "aws:iam/role:Role").filter((r) => String(r.props.assumeRolePolicy).includes("ecs-tasks.amazonaws.com"));
        t.true(taskRoles.length > 0, `${app}: task roles read`);
        const ids = new Set(taskRoles.map((r) => `${r.name}-id`));
        const granted = new Set<string>();
        for (const p of ofType(plan, "aws:iam/rolePolicy:RolePolicy").filter((x) => ids.has(String(x.props.role)))) {
            for (const s of JSON.parse(String(p.props.policy)).Statement) for (const a of [s.Action].flat()) granted.add(String(a).split(":")[0]);
        }
        const carried = new Set([S3_GATEWAY_SERVICE, ...wanted.map((e) => e.iamPrefix)]);
        for (const prefix of granted) {
            if (carried.has(prefix)) continue;
            t.truthy(NOT_THROUGH_AN_ENDPOINT[prefix], `${app}: the tasks are granted ${prefix}:* calls but no endpoint carries them: add it to API_ENDPOINTS (capabilities/aws/vpc-endpoints.ts)`);
            unused.delete(prefix);
        }
        for (const e of wanted) t.true(granted.has(e.iamPrefix), `${app}: the ${e.service} endpoint carries no call the tasks are granted`);
    }
    t.deepEqual([...unused], [], "a reason in NOT_THROUGH_AN_ENDPOINT no longer applies: remove it");
});

test("the endpoints' group admits HTTPS from the platform's groups only, and sends nothing", (t) => {
    for (const app of APP_IDS) {
        const plan = plans.get(app)!;
        const group = `${app}-firewall-endpoints-id`;
        const rules = plan.resources.filter((r) => (r.type === INGRESS || r.type === EGRESS) && r.props.securityGroupId === group);
        const describe = (r: PlannedResource) => `${r.type === INGRESS ? "in" : "out"} ${r.props.ipProtocol}/${r.props.fromPort} from ${r.props.cidrIpv4 ?? r.props.cidrIpv6 ?? partOf(app, r.props.referencedSecurityGroupId)}`;
        t.deepEqual(rules.map(describe).sort(), ["collector", "grafana", "tasks"].map((p) => `in tcp/${HTTPS_PORT} from ${p}`), `${app}: the endpoints' group`);
        for (const e of ofType(plan, ENDPOINT).filter((x) => x.props.vpcEndpointType === "Interface")) t.deepEqual(e.props.securityGroupIds, [group], `${app}: ${e.name}`);
    }
});

test("docs/security.md states the exception and what would close it", (t) => {
    t.regex(DOC, /## AWS APIs through VPC endpoints/);
    t.regex(DOC, /ECR pull-through cache/);
    t.regex(DOC, /Network Firewall/);
    t.regex(DOC, /test\/security\/vpc-endpoints\.test\.ts/);
});
