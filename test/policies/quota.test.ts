import test from "ava";
import { QUOTAS } from "../../capabilities/quotas";
import { check, compliantAndBroken, find, type Fake } from "./helpers";

/** platform-quota-default-limits over hand-built stacks: compliant, then one count pushed past its quota at a time. */

const NAME = "platform-quota-default-limits";
const PROD = "gravitypm-production";
const STAGING = "gravitypm-staging";
const limit = (id: keyof typeof QUOTAS) => QUOTAS[id].limit;

const T = {
    cert: "aws:acm/certificate:Certificate",
    lb: "aws:lb/loadBalancer:LoadBalancer",
    listener: "aws:lb/listener:Listener",
    rule: "aws:lb/listenerRule:ListenerRule",
    listenerCert: "aws:lb/listenerCertificate:ListenerCertificate",
    tg: "aws:lb/targetGroup:TargetGroup",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    service: "aws:ecs/service:Service",
    task: "aws:ecs/taskDefinition:TaskDefinition",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    certificate: "kubernetes:cert-manager.io/v1:Certificate",
};

const targetGroup = (name: string): Fake => ({ type: T.tg, name, props: { port: 3000, protocol: "HTTP" } });
const listenerRule = (name: string, priority: number, group: string): Fake => ({ type: T.rule, name, props: { listenerArn: "arn:listener", priority, actions: [{ type: "forward", targetGroupArn: `arn:${group}` }] }, dependsOn: ["https", group] });
const ingressRule = (name: string): Fake => ({ type: T.ingressRule, name, props: { securityGroupId: "sg-tasks", ipProtocol: "tcp", fromPort: 3000, toPort: 3000, referencedSecurityGroupId: "sg-alb" }, dependsOn: ["tasks", "alb-sg"] });

function aws(): Fake[] {
    return [
        { type: T.cert, name: "certificate", props: { domainName: "api.gravitypm.com", subjectAlternativeNames: ["gravitypm.com", "grafana.gravitypm.com"] } },
        { type: T.lb, name: "alb", props: { loadBalancerType: "application" } },
        { type: T.listener, name: "https", props: { loadBalancerArn: "arn:alb", port: 443 }, dependsOn: ["alb", "certificate"] },
        targetGroup("tg-1"),
        targetGroup("tg-2"),
        listenerRule("rule-1", 10, "tg-1"),
        listenerRule("rule-2", 20, "tg-2"),
        { type: T.listenerCert, name: "extra-certificate", props: { listenerArn: "arn:listener", certificateArn: "arn:cert-2" }, dependsOn: ["https"] },
        { type: T.sg, name: "tasks", props: { description: "tasks" } },
        { type: T.sg, name: "alb-sg", props: { description: "alb" } },
        ingressRule("tasks-from-alb-1"),
        ingressRule("tasks-from-alb-2"),
        { type: T.egressRule, name: "tasks-internet", props: { securityGroupId: "sg-tasks", ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }, dependsOn: ["tasks"] },
        { type: T.service, name: "backend", props: { networkConfiguration: { securityGroups: ["sg-tasks"], subnets: ["s-1"] } } },
        { type: T.task, name: "backend-task", props: { family: "backend", containerDefinitions: JSON.stringify([{ name: "backend", image: "x@sha256:0", environment: [{ name: "A", value: "b" }] }]) } },
    ];
}

function k8s(): Fake[] {
    return [
        { type: T.certificate, name: "tls", props: { metadata: { name: "gravitypm-tls", namespace: "gravitypm" }, spec: { secretName: "gravitypm-tls", dnsNames: ["staging.api.gravitypm.com", "staging.gravitypm.com"] } } },
        { type: T.ingress, name: "backend-ingress", props: { metadata: { namespace: "gravitypm", annotations: {} }, spec: { tls: [{ hosts: ["staging.api.gravitypm.com"], secretName: "gravitypm-tls" }] } } },
    ];
}

const many = <X>(n: number, f: (i: number) => X) => Array.from({ length: n }, (_, i) => f(i));

test("platform-quota-default-limits: AWS counts past their quotas are refused, naming the quota, the count and the document", async (t) => {
    await compliantAndBroken(t, "platform-quota-default-limits", PROD, aws, {
        "ACM names": { edit: (r) => (find(r, "certificate").props.subjectAlternativeNames = many(limit("acm-names-per-certificate"), (i) => `s${i}.gravitypm.com`)), expect: /11 domain names on one ACM certificate; the quota acm-names-per-certificate is 10 \(the default\), https:\/\/docs\.aws\.amazon\.com\/acm\// },
        "listener rules and target groups": {
            edit: (r) => r.push(...many(limit("elb-listener-rules-per-load-balancer") - 1, (i) => targetGroup(`tg-x${i}`)), ...many(limit("elb-listener-rules-per-load-balancer") - 1, (i) => listenerRule(`rule-x${i}`, 100 + i, `tg-x${i}`))),
            expect: /101 listener rules on one Application Load Balancer.*elb-listener-rules-per-load-balancer is 100/,
        },
        "target groups": { edit: (r) => r.push(...many(limit("elb-target-groups-per-load-balancer") - 1, (i) => targetGroup(`tg-x${i}`)), ...many(limit("elb-target-groups-per-load-balancer") - 1, (i) => listenerRule(`rule-x${i}`, 100 + i, `tg-x${i}`))), expect: /101 target groups.*elb-target-groups-per-load-balancer/ },
        "listener certificates": { edit: (r) => r.push(...many(limit("elb-certificates-per-load-balancer"), (i) => ({ type: T.listenerCert, name: `cert-x${i}`, props: { listenerArn: "arn:listener" }, dependsOn: ["https"] }))), expect: /26 certificates on one Application Load Balancer/ },
        "a priority taken twice": { edit: (r) => (find(r, "rule-2").props.priority = 10), expect: /"rule-1", "rule-2" share priority 10/ },
        "security group inbound rules": { edit: (r) => r.push(...many(limit("vpc-inbound-rules-per-security-group") - 1, (i) => ingressRule(`in-${i}`))), expect: /SecurityGroup "tasks": 61 inbound rules in one security group; the quota vpc-inbound-rules-per-security-group is 60/ },
        "security groups per task": { edit: (r) => (find(r, "backend").props.networkConfiguration.securityGroups = many(limit("vpc-security-groups-per-network-interface") + 1, (i) => `sg-${i}`)), expect: /6 security groups on one network interface/ },
        "task definition size": {
            edit: (r) => (find(r, "backend-task").props.containerDefinitions = JSON.stringify([{ name: "backend", image: "x", environment: [{ name: "BIG", value: "x".repeat(limit("ecs-task-definition-size")) }] }])),
            expect: /bytes of one ECS task definition; the quota ecs-task-definition-size is 65536/,
        },
    });
});

test("platform-quota-default-limits: Let's Encrypt certificates per registered domain and names per certificate", async (t) => {
    await compliantAndBroken(t, "platform-quota-default-limits", STAGING, k8s, {
        "certificates per registered domain (Certificates)": {
            edit: (r) => r.push(...many(limit("letsencrypt-certificates-per-registered-domain"), (i) => ({ type: T.certificate, name: `tls-${i}`, props: { metadata: { namespace: "gravitypm" }, spec: { secretName: `s-${i}`, dnsNames: [`h${i}.gravitypm.com`] } } }))),
            expect: /registered domain gravitypm\.com .*51 new Let's Encrypt certificates per registered domain per week; .*https:\/\/letsencrypt\.org\/docs\/rate-limits\//,
        },
        "certificates per registered domain (annotated Ingresses)": {
            edit: (r) =>
                r.push(
                    ...many(limit("letsencrypt-certificates-per-registered-domain"), (i) => ({
                        type: T.ingress,
                        name: `ing-${i}`,
                        props: { metadata: { namespace: "gravitypm", annotations: { "cert-manager.io/cluster-issuer": "letsencrypt-prod" } }, spec: { tls: [{ hosts: [`h${i}.gravitypm.com`], secretName: `s-${i}` }] } },
                    })),
                ),
            expect: /51 new Let's Encrypt certificates/,
        },
        "names per certificate": { edit: (r) => (find(r, "tls").props.spec.dnsNames = many(limit("letsencrypt-names-per-certificate") + 1, (i) => `h${i}.gravitypm.com`)), expect: /101 names on one Let's Encrypt certificate/ },
    });
});

test("platform-quota-default-limits: a raised quota moves the limit and says so; an exception naming the quota silences nothing", async (t) => {
    const resources = aws();
    find(resources, "certificate").props.subjectAlternativeNames = many(20, (i) => `s${i}.gravitypm.com`);
    const reason = "Service Quotas case 1234: raised for this account";
    t.deepEqual((await check(NAME, PROD, resources, { exceptions: [{ key: "quotas.acm-names-per-certificate=25", reason }] })).messages, []);
    const tooLow = await check(NAME, PROD, resources, { exceptions: [{ key: "quotas.acm-names-per-certificate=15", reason }] });
    t.regex(tooLow.messages.join("\n"), /21 domain names on one ACM certificate; the quota acm-names-per-certificate is 15 \(raised from the default 10/);
    const silenced = await check(NAME, PROD, resources, { exceptions: [{ key: "quotas.acm-names-per-certificate", reason }, { key: "quotas", reason }] });
    t.is(silenced.violations.filter((v) => v.level === "mandatory").length, 1);
    t.is((await check(NAME, "gravitypm-local", resources)).violations[0]?.level, "advisory", "local stacks are told, not blocked");
});
