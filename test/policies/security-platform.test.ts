import test from "ava";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { planStack } from "../../cli/harness/runtime";
import { readStackConfig, STACKS_DIR } from "../../cli/harness/stack-files";
import { ALB_DEFAULT_SESSION_SECONDS, GRAFANA_CONTAINER, GRAFANA_SIGN_IN } from "../../capabilities/aws/grafana";
import { WILDCARD_ONLY_ACTIONS } from "../../capabilities/aws/iam-wildcard";
import { runPolicies } from "../../policies/offline";
import { toPolicy } from "../../policies/lib/policy";
import { awsBackupPlanCopyRegion } from "../../policies/aws/backup-plan-copy-region";
import { awsBackupVaultLockCompliance } from "../../policies/aws/backup-vault-lock-compliance";
import { awsBackupVaultPolicyDenyDelete } from "../../policies/aws/backup-vault-policy-deny-delete";
import { awsIamPolicyResourceScoped } from "../../policies/aws/iam-policy-resource-scoped";
import { awsLbListenerRuleGrafanaAuthenticated } from "../../policies/aws/lb-listenerrule-grafana-authenticated";
import { awsRoute53PublicHostReachability } from "../../policies/aws/route53-public-host-reachability";
import { GRAFANA_HEALTH_PATH } from "../../capabilities/dashboards";
import { getRunbook } from "../../runbooks";
import { ConfigError, PROJECT, resolveStack } from "../../stacks/settings";
import { fakePlan, find, type Fake } from "./helpers";
import { compliantAndBroken, SECURITY_RULES } from "./security-helpers";

/**
 * Issue 15's platform hardening on AWS: Grafana behind an authenticate action and a Cognito pool
 * with admin-created users and MFA; identity policies with Resource "*" only for actions that take
 * no resource; and, where a stack asks for it, a copy of every backup in another region. Each
 * policy from a compliant fixture broken one field at a time, the settings refused with a clear
 * error, and one real production stack planned with both settings on.
 */

const APP = "bunty";
const STACK = `${APP}-production`;
const postgres = getRunbook(APP).backups.find((b) => b.dataset === "postgres")!;

// Grafana's sign-in ------------------------------------------------------------------------------

const GROUP_ARN = `arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/${APP}-production-grafana/0123456789abcdef`;
const grafanaFixture = (): Fake[] => [
    { type: "aws:lb/targetGroup:TargetGroup", name: "grafana-group", props: { name: `${APP}-production-grafana`, port: 3000, protocol: "HTTP" } },
    { type: "aws:ecs/service:Service", name: "grafana-service", props: { name: "grafana", loadBalancers: [{ targetGroupArn: GROUP_ARN, containerName: GRAFANA_CONTAINER, containerPort: 3000 }] } },
    {
        type: "aws:lb/listenerRule:ListenerRule",
        name: "grafana-rule",
        props: {
            conditions: [{ hostHeader: { values: ["grafana.example.com"] } }],
            actions: [
                { type: "authenticate-cognito", order: 1, authenticateCognito: { userPoolArn: "arn:aws:cognito-idp:us-east-1:1:userpool/p", userPoolClientId: "c", userPoolDomain: "d", onUnauthenticatedRequest: "authenticate", sessionTimeout: GRAFANA_SIGN_IN.sessionTimeoutSeconds } },
                { type: "forward", order: 2, targetGroupArn: GROUP_ARN },
            ],
        },
    },
    { type: "aws:cognito/userPool:UserPool", name: "users", props: { adminCreateUserConfig: { allowAdminCreateUserOnly: true }, mfaConfiguration: "ON", passwordPolicy: { ...GRAFANA_SIGN_IN.passwordPolicy } } },
];
const grafanaRule = (r: Fake[]) => find(r, "grafana-rule").props;

test("aws-lb-listenerrule-grafana-authenticated: a rule that signs in first passes; no authenticate action, one after the forward, unauthenticated allowed, a session longer than the platform's, a default action to Grafana, self sign-up, no MFA, short passwords are reported", async (t) => {
    await compliantAndBroken(t, "aws-lb-listenerrule-grafana-authenticated", STACK, grafanaFixture, {
        "forward only": { edit: (r) => (grafanaRule(r).actions = [grafanaRule(r).actions[1]]), expect: /forwards to Grafana .* without an authenticate action before it/ },
        "authenticate after the forward": { edit: (r) => (grafanaRule(r).actions[0].order = 3), expect: /without an authenticate action before it/ },
        "weighted forward without sign-in": { edit: (r) => (grafanaRule(r).actions = [{ type: "forward", forward: { targetGroups: [{ arn: GROUP_ARN, weight: 100 }] } }]), expect: /without an authenticate action/ },
        "unauthenticated requests let through": { edit: (r) => (grafanaRule(r).actions[0].authenticateCognito.onUnauthenticatedRequest = "allow"), expect: /lets unauthenticated requests through to Grafana/ },
        // The reviewer's edit: a week-long sign-in session.
        "a week's session": { edit: (r) => (grafanaRule(r).actions[0].authenticateCognito.sessionTimeout = ALB_DEFAULT_SESSION_SECONDS), expect: new RegExp(`keeps a Grafana sign-in for ${ALB_DEFAULT_SESSION_SECONDS} seconds; allowed: at most ${GRAFANA_SIGN_IN.sessionTimeoutSeconds}`) },
        "the load balancer's default session": { edit: (r) => delete grafanaRule(r).actions[0].authenticateCognito.sessionTimeout, expect: new RegExp(`the load balancer's default ${ALB_DEFAULT_SESSION_SECONDS} seconds; allowed: at most ${GRAFANA_SIGN_IN.sessionTimeoutSeconds}`) },
        "a listener's default action to Grafana": {
            edit: (r) => r.push({ type: "aws:lb/listener:Listener", name: "https", props: { port: 443, defaultActions: [{ type: "forward", targetGroupArn: GROUP_ARN }] } }),
            expect: /aws:lb\/listener:Listener "https" forwards to Grafana/,
        },
        "self sign-up": { edit: (r) => (find(r, "users").props.adminCreateUserConfig.allowAdminCreateUserOnly = false), expect: /anyone can sign up/ },
        "MFA optional": { edit: (r) => (find(r, "users").props.mfaConfiguration = "OPTIONAL"), expect: /mfaConfiguration is OPTIONAL; allowed: ON/ },
        "Cognito's default password length": { edit: (r) => delete find(r, "users").props.passwordPolicy, expect: new RegExp(`Cognito's default 8 characters; allowed: at least ${GRAFANA_SIGN_IN.passwordPolicy.minimumLength}`) },
    });
});

test("aws-lb-listenerrule-grafana-authenticated: a service's rule without sign-in is not Grafana's; a stack without Grafana behind a load balancer is not applicable", async (t) => {
    const rule = SECURITY_RULES.find((r) => r.name === "aws-lb-listenerrule-grafana-authenticated")!;
    const resources = grafanaFixture();
    resources.push({ type: "aws:lb/listenerRule:ListenerRule", name: "backend", props: { actions: [{ type: "forward", targetGroupArn: GROUP_ARN.replace("grafana", "backend") }] } });
    const mixed = (await runPolicies(fakePlan(STACK, resources), { policies: [toPolicy(rule)], exceptions: [] })).outcomes[0];
    t.deepEqual(mixed.violations, []);
    const without = (await runPolicies(fakePlan(STACK, grafanaFixture().filter((r) => r.name !== "grafana-service")), { policies: [toPolicy(rule)], exceptions: [] })).outcomes[0];
    t.is(without.status, "not-applicable");
});

// IAM resource scoping ---------------------------------------------------------------------------

const iamFixture = (): Fake[] => [
    {
        type: "aws:iam/rolePolicy:RolePolicy",
        name: "reads",
        props: {
            policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    { Effect: "Allow", Action: ["cloudwatch:GetMetricData", "logs:DescribeLogGroups"], Resource: "*" },
                    { Effect: "Allow", Action: ["cloudwatch:DescribeAlarms"], Resource: "arn:aws:cloudwatch:us-east-1:1:alarm:bunty-production-*" },
                    { Effect: "Deny", Action: ["s3:*"], Resource: "*" },
                ],
            }),
        },
    },
    { type: "aws:iam/role:Role", name: "role", props: { assumeRolePolicy: "{}", inlinePolicies: [{ name: "inline", policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "ssmmessages:OpenDataChannel", Resource: ["*"] }] }) }] } },
];
const statements = (r: Fake[]) => JSON.parse(find(r, "reads").props.policy);
const editStatements = (f: (doc: any) => void) => (r: Fake[]) => {
    const doc = statements(r);
    f(doc);
    find(r, "reads").props.policy = JSON.stringify(doc);
};

test("aws-iam-policy-resource-scoped: '*' only for actions without a resource type; an alarm read, a wildcard action, NotResource or NotAction on '*', or a role's inline policy are reported", async (t) => {
    await compliantAndBroken(t, "aws-iam-policy-resource-scoped", STACK, iamFixture, {
        "an alarm read on '*'": { edit: editStatements((d) => (d.Statement[1].Resource = "*")), expect: /statement 2: Resource "\*" for cloudwatch:DescribeAlarms; these actions take resources/ },
        "a wildcard action": { edit: editStatements((d) => d.Statement[0].Action.push("cloudwatch:Get*")), expect: /Resource "\*" for cloudwatch:Get\*/ },
        "NotResource": { edit: editStatements((d) => (d.Statement[1] = { Effect: "Allow", Action: "s3:GetObject", NotResource: "arn:aws:s3:::x/*" })), expect: /NotResource \(every other resource\) for s3:GetObject/ },
        "NotAction on '*'": { edit: editStatements((d) => (d.Statement[0] = { Effect: "Allow", NotAction: "iam:*", Resource: "*" })), expect: /NotAction \(every other action\)/ },
        "a role's inline policy": {
            edit: (r) => (find(r, "role").props.inlinePolicies[0].policy = JSON.stringify({ Statement: [{ Effect: "Allow", Action: "s3:DeleteObject", Resource: "*" }] })),
            expect: /aws:iam\/role:Role "role" inline policy "inline", statement 1: Resource "\*" for s3:DeleteObject/,
        },
    });
});

test("the wildcard allowlist cites a Service Authorization Reference page per action", (t) => {
    for (const [action, page] of Object.entries(WILDCARD_ONLY_ACTIONS)) {
        t.regex(action, /^[a-z0-9-]+:[A-Za-z]+$/, `${action}: one action, no wildcard`);
        t.regex(page, /^https:\/\/docs\.aws\.amazon\.com\/service-authorization\/latest\/reference\/list_[a-z0-9]+\.html$/, action);
    }
});

// Cross-region backup copy -----------------------------------------------------------------------

const COPY_REGION = "us-west-2";
const withCopy = (stack: string, region: string | undefined, extra: Record<string, unknown> = {}) => {
    const doc = YAML.parse(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    return YAML.stringify({ config: { ...doc.config, [`${PROJECT}:aws`]: { ...(region ? { backupCopy: { region } } : {}), ...extra } } });
};
const vaultArn = (region: string) => `arn:aws:backup:${region}:1:backup-vault:${APP}-production-postgres`;
const copyFixture = (): Fake[] => [
    {
        type: "aws:backup/plan:Plan",
        name: "plan",
        props: {
            name: `${APP}-production-postgres`,
            rules: [{ ruleName: "postgres", targetVaultName: `${APP}-production-postgres`, lifecycle: { deleteAfter: postgres.retentionDays }, copyActions: [{ destinationVaultArn: vaultArn(COPY_REGION), lifecycle: { deleteAfter: postgres.retentionDays } }] }],
        },
    },
];
const copyRule = (r: Fake[]) => find(r, "plan").props.rules[0];
const runCopy = async (resources: Fake[], region: string | undefined) =>
    (await runPolicies(fakePlan(STACK, resources), { policies: [toPolicy(awsBackupPlanCopyRegion)], exceptions: [], stackFileText: withCopy(STACK, region) })).outcomes[0];

test("aws-backup-plan-copy-region: with aws.backupCopy set, a rule copying there for as long passes; no copy, another region, a shorter copy are reported; without the setting it is not applicable", async (t) => {
    // prettier-ignore
    await compliantAndBroken(t, "aws-backup-plan-copy-region", STACK, copyFixture, {
            "no copy": { edit: (r) => delete copyRule(r).copyActions, expect: new RegExp(`rule "postgres" copies nothing; the stack's aws.backupCopy.region is ${COPY_REGION}`) },
            "a copy in the same region": { edit: (r) => (copyRule(r).copyActions[0].destinationVaultArn = vaultArn("us-east-1")), expect: new RegExp(`copies to us-east-1, not to ${COPY_REGION}`) },
            "a copy kept shorter": {
                edit: (r) => (copyRule(r).copyActions[0].lifecycle.deleteAfter = postgres.retentionDays - 1),
                expect: new RegExp(`deleted after ${postgres.retentionDays - 1} days, before the original's ${postgres.retentionDays}`),
            },
        }, withCopy(STACK, COPY_REGION));
    const off = await runCopy(copyFixture(), undefined);
    t.is(off.status, "not-applicable");
});

test("the settings are refused with the key, the value and what is allowed: a copy in the stack's own region, a region that is not one, a CIDR that is not one, too many CIDRs", (t) => {
    const region = readStackConfig(STACK).config["aws:region"];
    const refused = (text: string, expect: RegExp) => {
        const err = t.throws(() => resolveStack(STACK, readStackConfig(STACK, text).config), { instanceOf: ConfigError });
        t.regex(err!.message, expect);
    };
    refused(withCopy(STACK, region), new RegExp(`${PROJECT}:aws.backupCopy.region = "${region}": the stack's own region .*allowed: another region`));
    refused(withCopy(STACK, "mars-north-1x"), /backupCopy.region.*not an AWS region name \(allowed: e.g. us-west-2\)/);
    refused(withCopy(STACK, undefined, { grafanaAllowedCidrs: ["10.0.0.0/33"] }), /grafanaAllowedCidrs.*not an IPv4 CIDR/);
    refused(withCopy(STACK, undefined, { grafanaAllowedCidrs: ["10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16"] }), /grafanaAllowedCidrs.*at most 4 CIDRs/);
    t.notThrows(() => resolveStack(STACK, readStackConfig(STACK, withCopy(STACK, COPY_REGION, { grafanaAllowedCidrs: ["203.0.113.0/24"] })).config));
});

test(`${STACK} planned with aws.backupCopy and a Grafana allowlist: the new resources are where they belong and the pack's rules for them pass`, async (t) => {
    t.timeout(5 * 60_000);
    const text = withCopy(STACK, COPY_REGION, { grafanaAllowedCidrs: ["203.0.113.0/24"] });
    const plan = await planStack(STACK, { stackFileText: text });
    const rules = [awsBackupPlanCopyRegion, awsBackupVaultLockCompliance, awsBackupVaultPolicyDenyDelete, awsIamPolicyResourceScoped, awsLbListenerRuleGrafanaAuthenticated, awsRoute53PublicHostReachability];
    const report = await runPolicies(plan, { policies: rules.map(toPolicy), exceptions: [], stackFileText: text });
    for (const o of report.outcomes) t.is(o.status, "pass", `${o.name}: ${o.notApplicable ?? ""} ${o.violations.map((v) => v.message).join("; ")}`);

    const providers = plan.resources.filter((r) => r.type === "pulumi:providers:aws");
    const copyProvider = providers.find((p) => p.props.region === COPY_REGION);
    t.truthy(copyProvider, "a provider for the copy region");
    const inCopyRegion = plan.resources.filter((r) => r.options.provider?.startsWith(`${copyProvider!.urn}::`));
    const vaults = plan.resources.filter((r) => r.type === "aws:backup/vault:Vault");
    t.is(inCopyRegion.filter((r) => r.type === "aws:backup/vault:Vault").length, vaults.length / 2, "one copy vault per backup rule");
    t.true(inCopyRegion.some((r) => r.type === "aws:kms/key:Key" && r.options.protect && r.options.retainOnDelete), "a protected, retained key in the copy region");
    for (const v of inCopyRegion.filter((r) => r.type === "aws:backup/vault:Vault")) t.true(v.options.protect && v.options.retainOnDelete, `${v.name} protected and retained`);

    const rule = plan.resources.find((r) => r.type === "aws:lb/listenerRule:ListenerRule" && r.name === `${APP}-ingress-grafana`)!;
    const conditions = rule.props.conditions as any[];
    t.deepEqual(conditions.find((c) => c.sourceIp)?.sourceIp.values, ["203.0.113.0/24"]);
    // Outside the allowlist (Route 53's checkers), only Grafana's health path is answered, at the load balancer.
    const probe = plan.resources.find((r) => r.type === "aws:lb/listenerRule:ListenerRule" && /grafana-probe$/.test(r.name))!;
    t.deepEqual(probe.props.conditions, [{ hostHeader: { values: [conditions.find((c) => c.hostHeader).hostHeader.values[0]] } }, { pathPattern: { values: [GRAFANA_HEALTH_PATH] } }]);
    t.deepEqual((probe.props.actions as any[]).map((a) => a.type), ["fixed-response"]);
    t.true(Number(probe.props.priority) < Number(rule.props.priority), "the probe rule is evaluated first");
    const client = plan.resources.find((r) => r.type === "aws:cognito/userPoolClient:UserPoolClient")!;
    const host = conditions.find((c) => c.hostHeader).hostHeader.values[0];
    t.deepEqual(client.props.callbackUrls, [`https://${host}${GRAFANA_SIGN_IN.callbackPath}`]);
    t.is(client.props.generateSecret, true);
    const domain = plan.resources.find((r) => r.type === "aws:cognito/userPoolDomain:UserPoolDomain")!;
    t.regex(String(domain.props.domain), new RegExp(`^${STACK}-grafana-\\d{12}$`), "the hosted-UI domain is derived from the stack and the account");
});
