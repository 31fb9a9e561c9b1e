import test from "ava";
import { ACME_HTTP01_SOLVER } from "../../capabilities/kubernetes/security";
import { acceptedExceptionKey, exceptionFor, stackFileFacts, withStackFile } from "../../policies/lib/context";
import { overridableKeys } from "../../runbooks/overrides";
import { getRunbook } from "../../runbooks";
import { check, compliantAndBroken, find, type Fake } from "./helpers";
import * as security from "./security-helpers";

/**
 * The review's remaining loopholes (issue 13, review items 9 and 10): TLS on the load balancer's
 * listeners, the WAF in front of every ALB, ECS deployments that roll themselves back, no
 * NetworkPolicy that opens the namespace to everything, and exception keys that cannot silence a
 * whole family of findings. Fixtures only: no stack is planned here.
 */

const PROD = "bunty-production";
const STAGING = "bunty-staging";
const LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/bunty-production/0123456789abcdef";
const LB2_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/bunty-production-2/0123456789abcdef";

const listeners = (): Fake[] => [
    { type: "aws:lb/listener:Listener", name: "http", props: { loadBalancerArn: LB_ARN, port: 80, protocol: "HTTP", defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }] } },
    {
        type: "aws:lb/listener:Listener",
        name: "https",
        props: { loadBalancerArn: LB_ARN, port: 443, protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/x", defaultActions: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404" } }] },
    },
    {
        type: "aws:lb/listenerRule:ListenerRule",
        name: "backend-rule",
        props: { priority: 10, conditions: [{ hostHeader: { values: ["api.bunty.app"] } }], actions: [{ type: "forward", targetGroupArn: "arn:tg" }] },
        dependsOn: ["https"],
    },
];

test("aws-lb-listener-tls: TLS 1.2+ on HTTPS, HTTP only redirects to HTTPS", async (t) => {
    await security.compliantAndBroken(t, "aws-lb-listener-tls", PROD, listeners, {
        "a TLS 1.0 policy": { edit: (r) => (find(r, "https").props.sslPolicy = "ELBSecurityPolicy-TLS-1-0-2015-04"), expect: /sslPolicy "ELBSecurityPolicy-TLS-1-0-2015-04"; allowed: ELBSecurityPolicy-TLS13-1-2/ },
        "a TLS13 policy that still accepts TLS 1.0": { edit: (r) => (find(r, "https").props.sslPolicy = "ELBSecurityPolicy-TLS13-1-0-2021-06"), expect: /TLS13-1-0-2021-06/ },
        "no sslPolicy (the 2016-08 default)": { edit: (r) => delete find(r, "https").props.sslPolicy, expect: /not set \(AWS defaults to ELBSecurityPolicy-2016-08/ },
        "HTTP forwards plaintext": { edit: (r) => (find(r, "http").props.defaultActions = [{ type: "forward", targetGroupArn: "arn:tg" }]), expect: /HTTP listener on port 80: default action 0 is "forward"/ },
        "HTTP redirects to HTTP": { edit: (r) => (find(r, "http").props.defaultActions[0].redirect.protocol = "HTTP"), expect: /redirects to protocol HTTP/ },
        "a forwarding rule moved onto the HTTP listener": {
            edit: (r) => r.push({ ...find(r, "backend-rule"), name: "backend-plain", dependsOn: ["http"] }),
            expect: /"backend-plain": rule on the HTTP listener http: action 0 is "forward"/,
        },
    });
    for (const policy of ["ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-TLS-1-2-Ext-2018-06", "ELBSecurityPolicy-FS-1-2-Res-2020-10"]) {
        const r = listeners();
        find(r, "https").props.sslPolicy = policy;
        t.deepEqual((await check("aws-lb-listener-tls", PROD, r)).messages, [], `${policy} is TLS 1.2+`);
    }
});

const waf = (): Fake[] => [
    { type: "aws:lb/loadBalancer:LoadBalancer", name: "alb", props: { name: "bunty-production", loadBalancerType: "application", internal: false } },
    { type: "aws:lb/loadBalancer:LoadBalancer", name: "lb2-alb", props: { name: "bunty-production-2", loadBalancerType: "application", internal: false } },
    {
        type: "aws:wafv2/webAcl:WebAcl",
        name: "waf",
        props: {
            scope: "REGIONAL",
            defaultAction: { allow: {} },
            rules: ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet"].map((g, i) => ({ name: g, priority: i, overrideAction: { none: {} }, statement: { managedRuleGroupStatement: { vendorName: "AWS", name: g } } })),
        },
    },
    { type: "aws:wafv2/webAclAssociation:WebAclAssociation", name: "waf-assoc", props: { resourceArn: LB_ARN, webAclArn: "arn:waf" }, dependsOn: ["alb", "waf"] },
    { type: "aws:wafv2/webAclAssociation:WebAclAssociation", name: "lb2-waf", props: { resourceArn: LB2_ARN, webAclArn: "arn:waf" }, dependsOn: ["lb2-alb", "waf"] },
];

test("aws-wafv2-webacl-enforced: every ALB associated, no managed group in count mode", async (t) => {
    t.true(getRunbook("bunty").aws.waf, "bunty's runbook (defaults) puts a WAF in front of its ALBs");
    await security.compliantAndBroken(t, "aws-wafv2-webacl-enforced", PROD, waf, {
        "the second ALB's association removed": { edit: (r) => r.splice(r.findIndex((x) => x.name === "lb2-waf"), 1), expect: /"lb2-alb": no web ACL association/ },
        "the first ALB's association removed": { edit: (r) => r.splice(r.findIndex((x) => x.name === "waf-assoc"), 1), expect: /"alb": no web ACL association/ },
        "a managed group in count mode": { edit: (r) => (find(r, "waf").props.rules[1].overrideAction = { count: {} }), expect: /managed rule group AWSManagedRulesSQLiRuleSet .*count mode/ },
        "a managed group without overrideAction": { edit: (r) => delete find(r, "waf").props.rules[0].overrideAction, expect: /AWSManagedRulesCommonRuleSet/ },
    });
    // A first preview knows no ARNs: the association still counts through its dependency.
    const unknown = waf();
    for (const a of unknown.filter((x) => x.type.includes("webAclAssociation"))) a.props.resourceArn = undefined;
    t.deepEqual((await check("aws-wafv2-webacl-enforced", PROD, unknown)).messages, []);
});

const ecs = (): Fake[] => [
    { type: "aws:ecs/service:Service", name: "backend", props: { name: "backend", launchType: "FARGATE", deploymentCircuitBreaker: { enable: true, rollback: true }, deploymentConfiguration: { strategy: "ROLLING" } } },
    {
        type: "aws:ecs/service:Service",
        name: "frontend",
        props: {
            name: "frontend",
            launchType: "FARGATE",
            deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: "30" },
            alarms: { alarmNames: ["bunty-production-service-down-critical-frontend"], enable: true, rollback: true },
        },
    },
];

test("aws-ecs-service-deployment-rollback: circuit breaker and deployment alarms stay on with rollback", async (t) => {
    await compliantAndBroken(t, "aws-ecs-service-deployment-rollback", PROD, ecs, {
        "circuit breaker disabled": { edit: (r) => (find(r, "backend").props.deploymentCircuitBreaker.enable = false), expect: /"backend": deploymentCircuitBreaker is \{"enable":false,"rollback":true\}/ },
        "circuit breaker without rollback": { edit: (r) => (find(r, "backend").props.deploymentCircuitBreaker.rollback = false), expect: /"rollback":false/ },
        "circuit breaker removed": { edit: (r) => delete find(r, "backend").props.deploymentCircuitBreaker, expect: /deploymentCircuitBreaker is "not set"/ },
        "deployment alarms disabled": { edit: (r) => (find(r, "frontend").props.alarms.enable = false), expect: /"frontend": deployment alarms have enable false, rollback true/ },
        "deployment alarms without rollback": { edit: (r) => (find(r, "frontend").props.alarms.rollback = false), expect: /rollback false/ },
        "deployment alarms removed from blue/green": { edit: (r) => delete find(r, "frontend").props.alarms, expect: /blue\/green deployment without deployment alarms/ },
        "deployment alarms naming nothing": { edit: (r) => (find(r, "frontend").props.alarms.alarmNames = []), expect: /name no alarm/ },
    });
    const broken = ecs();
    find(broken, "backend").props.deploymentCircuitBreaker.enable = false;
    t.is((await check("aws-ecs-service-deployment-rollback", PROD, broken)).violations[0]?.level, "mandatory", "runbook tier: mandatory in production");
});

const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const backendPort = getRunbook("bunty").services.find((s) => s.name === "backend")!.port;
const policiesNs = (): Fake[] => [
    { type: NP, name: "deny", props: { metadata: { name: "bunty-default-deny-ingress", namespace: "bunty" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } } },
    {
        type: NP,
        name: "service-backend",
        props: {
            metadata: { name: "bunty-service-backend", namespace: "bunty" },
            spec: { podSelector: { matchLabels: { "app.kubernetes.io/name": "backend" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: backendPort }] }] },
        },
    },
    {
        type: NP,
        name: "acme",
        props: {
            metadata: { name: "bunty-acme-http01-solver", namespace: "bunty" },
            spec: { podSelector: { matchLabels: ACME_HTTP01_SOLVER.label }, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: ACME_HTTP01_SOLVER.port }] }] },
        },
    },
    {
        type: NP,
        name: "scrapes",
        props: { metadata: { name: "bunty-monitoring-scrapes", namespace: "bunty" }, spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "bunty-monitoring" } } }] }] } },
    },
];
const extra = (spec: Record<string, unknown>) => (r: Fake[]) => r.push({ type: NP, name: "extra", props: { metadata: { name: "allow-all", namespace: "bunty" }, spec: { policyTypes: ["Ingress"], ...spec } } });

test("k8s-networkpolicy-no-open-ingress: no extra policy opens the namespace to everything", async (t) => {
    await security.compliantAndBroken(t, "k8s-networkpolicy-no-open-ingress", STAGING, policiesNs, {
        "an empty from": { edit: extra({ podSelector: {}, ingress: [{}] }), expect: /ingress rule 0 admits every source \(no from\) on every port/ },
        "empty pod and namespace selectors": { edit: extra({ podSelector: {}, ingress: [{ from: [{ podSelector: {}, namespaceSelector: {} }] }] }), expect: /empty namespace and pod selector.* on every port/ },
        "0.0.0.0/0": { edit: extra({ podSelector: { matchLabels: { app: "x" } }, ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] }), expect: /allow-all\): ingress rule 0 .* every port/ },
        "every pod on a service port": { edit: extra({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: backendPort }] }] }), expect: /to every pod of the namespace/ },
        "the service policy opened to a data port": { edit: (r) => find(r, "service-backend").props.spec.ingress[0].ports.push({ protocol: "TCP", port: 5432 }), expect: new RegExp(`port\\(s\\) 5432; from everywhere only the bunty runbook's service ports .*${backendPort}`) },
        "the service policy's ports removed": { edit: (r) => delete find(r, "service-backend").props.spec.ingress[0].ports, expect: /bunty-service-backend\): ingress rule 0 .* every port/ },
    });
});

test("exceptions: only a leaf key the program accepts silences a finding; a prefix or a wildcard silences nothing", async (t) => {
    const keys = [...overridableKeys(getRunbook("bunty")).keys()];
    const leaf = keys.find((k) => k.startsWith("alerts."))!;
    t.true(acceptedExceptionKey("bunty", leaf), `${leaf} is a key the program overrides`);
    t.true(acceptedExceptionKey("bunty", "protect"));
    for (const bad of ["alerts", "alerts.service-down", "*", "backups", ""]) t.false(acceptedExceptionKey("bunty", bad), `"${bad}" is no leaf key`);
    // A finding keyed under the prefix stays unexcepted with the prefix declared, excepted with its own key.
    const reason = "reviewed: the month-end batch raises this by design";
    const ctx = { stack: PROD, app: "bunty" as const, env: "production" as const, runbook: getRunbook("bunty"), plaintextCredentials: [] };
    for (const bad of ["alerts", leaf.split(".").slice(0, 2).join("."), leaf.split(".").slice(0, 3).join("."), "*"]) {
        t.is(exceptionFor({ ...ctx, exceptions: [{ key: bad, reason }] }, leaf), undefined, `exception "${bad}" does not silence ${leaf}`);
    }
    t.is(exceptionFor({ ...ctx, exceptions: [{ key: leaf, reason }] }, leaf)?.reason, reason, "the leaf key itself is excepted");
    // `key: *` in the stack file: a YAML alias, reported with the file and the key, not as another policy's crash.
    const text = `config:\n  runbook-platform:exceptions:\n    - key: *\n      reason: ${reason}\n`;
    const err = await withStackFile({ stack: PROD, stackFileText: text }, async () => {
        try {
            stackFileFacts(PROD);
            return undefined;
        } catch (e) {
            return (e as Error).message;
        }
    });
    t.regex(err ?? "", /supplied stack file\): not valid YAML: Alias cannot be an empty string.*exceptions key \* is read as a YAML alias, not a key/);
});
