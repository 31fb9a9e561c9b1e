import test from "ava";
import YAML from "yaml";
import { createHash } from "crypto";
import type { PlannedResource, StackPlan } from "../../cli/harness/runtime";
import { planSynthetic, syntheticServices } from "../../cli/harness/synthetic";
import { COLLECTOR_CONFIG } from "../../capabilities/aws/collector";
import { GRAFANA_RULE_PRIORITY, MAX_RULE_PRIORITY, serviceRulePriority } from "../../capabilities/aws/listener-rules";
import { awsNames } from "../../capabilities/aws/names";
import { loadBalancerLimits, shardLoadBalancers, type RoutedService } from "../../capabilities/aws/load-balancer-shards";
import { RULES_PER_SERVICE_PORT, servicePortGroups } from "../../capabilities/aws/network";
import { parseQuotaException, QUOTA_IDS, QUOTAS, quotaLimits, registeredDomain, type QuotaId } from "../../capabilities/quotas";
import { runPolicies, type OfflineViolation } from "../../policies/offline";
import { policies } from "../../policies/pack";
import { ConfigError, resolveStack } from "../../stacks/settings";
import { readStackConfig } from "../../cli/harness/stack-files";

/**
 * The platform at scale: the synthetic app (gravitypm with N services, cli/harness/synthetic.ts)
 * planned once per environment at N = 51 (past every quota the issue found: ACM names at 5,
 * security group rules at 31, the task definition at 37, the load balancer's rules and target
 * groups at 50, Let's Encrypt at 51; the priority clash at 100 is the allocator's own test, and
 * `npm run bench -- --scale` runs 200), and
 * counted here independently of the pack's quota policy: each quota is kept by the plan (the
 * platform's design), or else reported by the pack, naming the quota, the count and its document.
 * How the pack treats a raised quota is test/policies/quota.test.ts's.
 */

const N = 51;
const QUOTA_POLICY = "platform-quota-default-limits";
const quotaPolicy = policies.filter((p) => p.name === QUOTA_POLICY);

let production: Promise<StackPlan> | undefined;
let productionReport: ReturnType<typeof runPolicies> | undefined;
let staging: Promise<StackPlan> | undefined;
// One plan per environment for the whole file; the SDK's mock runtime is process-global, so they run one after the other.
const productionPlan = () => (production ??= planSynthetic(N, "production"));
const productionQuotaReport = () => (productionReport ??= productionPlan().then((plan) => runPolicies(plan, { policies: quotaPolicy })));
const stagingPlan = () => (staging ??= productionPlan().then(() => planSynthetic(N, "staging")));

const ofType = (plan: StackPlan, type: string) => plan.resources.filter((r) => r.type === type);
const byName = (plan: StackPlan, type: string, name: string) => {
    const r = plan.resources.find((x) => x.type === type && x.name === name);
    if (!r) throw new Error(`${plan.stack}: no ${type} ${name}`);
    return r;
};
const quotaOf = (v: OfflineViolation) => QUOTA_IDS.find((id) => v.message.includes(`the quota ${id} `));

/** The counts the quotas are about, straight from the plan (the mock engine's ids are `<name>-id`). */
function counts(plan: StackPlan): Partial<Record<QuotaId, { count: number; where: string }[]>> {
    const out: Partial<Record<QuotaId, { count: number; where: string }[]>> = {};
    const add = (id: QuotaId, count: number, where: string) => (out[id] ??= []).push({ count, where });
    for (const c of ofType(plan, "aws:acm/certificate:Certificate")) add("acm-names-per-certificate", new Set([c.props.domainName, ...((c.props.subjectAlternativeNames as string[]) ?? [])]).size, c.name);
    // Load balancers by the resources the program wired together (the requests' property dependencies), not by the pack's reading.
    const dep = (r: PlannedResource, input: string) => r.propertyDependencies?.[input] ?? [];
    const targetGroups = new Set(ofType(plan, "aws:lb/targetGroup:TargetGroup").map((g) => g.urn));
    const lbOfListener = new Map(ofType(plan, "aws:lb/listener:Listener").map((l) => [l.urn, dep(l, "loadBalancerArn")[0]]));
    for (const lb of ofType(plan, "aws:lb/loadBalancer:LoadBalancer")) {
        const rules = ofType(plan, "aws:lb/listenerRule:ListenerRule").filter((r) => lbOfListener.get(dep(r, "listenerArn")[0]) === lb.urn);
        add("elb-listener-rules-per-load-balancer", rules.length, lb.name);
        // The actions also name what an authenticate action signs in against (Grafana's Cognito pool): only target groups count.
        add("elb-target-groups-per-load-balancer", new Set(rules.flatMap((r) => dep(r, "actions")).filter((u) => targetGroups.has(u))).size, lb.name);
        const extra = ofType(plan, "aws:lb/listenerCertificate:ListenerCertificate").filter((c) => lbOfListener.get(dep(c, "listenerArn")[0]) === lb.urn);
        add("elb-certificates-per-load-balancer", extra.length, lb.name);
    }
    const sgRules = new Map<string, { inbound: number; outbound: number }>();
    for (const [type, dir] of [
        ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "inbound"],
        ["aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "outbound"],
    ] as const) {
        for (const r of ofType(plan, type)) {
            const sg = String(r.props.securityGroupId);
            const entry = sgRules.get(sg) ?? { inbound: 0, outbound: 0 };
            entry[dir]++;
            sgRules.set(sg, entry);
        }
    }
    for (const [sg, n] of sgRules) {
        add("vpc-inbound-rules-per-security-group", n.inbound, sg);
        add("vpc-outbound-rules-per-security-group", n.outbound, sg);
    }
    for (const s of ofType(plan, "aws:ecs/service:Service")) add("vpc-security-groups-per-network-interface", ((s.props.networkConfiguration as { securityGroups: unknown[] }).securityGroups ?? []).length, s.name);
    for (const td of ofType(plan, "aws:ecs/taskDefinition:TaskDefinition")) {
        add("ecs-task-definition-size", Buffer.byteLength(JSON.stringify({ ...td.props, containerDefinitions: JSON.parse(td.props.containerDefinitions as string) })), td.name);
    }
    // Every TLS secret an Ingress serves is one certificate order, however it is issued (annotation or Certificate).
    const perDomain = new Map<string, Set<string>>();
    for (const ing of ofType(plan, "kubernetes:networking.k8s.io/v1:Ingress")) {
        const spec = ing.props.spec as { tls?: { hosts: string[]; secretName: string }[] };
        for (const tls of spec.tls ?? []) for (const h of tls.hosts) perDomain.set(registeredDomain(h), (perDomain.get(registeredDomain(h)) ?? new Set()).add(tls.secretName));
    }
    for (const c of ofType(plan, "kubernetes:cert-manager.io/v1:Certificate")) {
        const spec = c.props.spec as { dnsNames: string[]; secretName: string };
        for (const h of spec.dnsNames) perDomain.set(registeredDomain(h), (perDomain.get(registeredDomain(h)) ?? new Set()).add(spec.secretName));
    }
    for (const [domain, secrets] of perDomain) add("letsencrypt-certificates-per-registered-domain", secrets.size, domain);
    return out;
}

async function withinOrRefused(t: import("ava").ExecutionContext, plan: StackPlan, expectedQuotas: readonly QuotaId[]) {
    const report = await (plan.env === "production" ? productionQuotaReport() : runPolicies(plan, { policies: quotaPolicy }));
    const reported = new Set(report.violations.map(quotaOf));
    const found = counts(plan);
    for (const id of expectedQuotas) {
        t.truthy(found[id]?.length, `${plan.stack}: the plan has something counted by ${id}`);
        for (const { count, where } of found[id] ?? []) {
            if (count <= QUOTAS[id].limit) continue;
            const v = report.violations.find((x) => quotaOf(x) === id && x.message.includes(`${count} ${QUOTAS[id].what}`));
            t.truthy(v, `${plan.stack}: ${where} has ${count} (${id}, quota ${QUOTAS[id].limit}) and the pack does not refuse it`);
            if (v) {
                t.is(v.level, "mandatory", `${id} is mandatory in ${plan.env}`);
                t.true(v.message.includes(QUOTAS[id].url), `${id}: the message names the document`);
            }
        }
    }
    for (const id of reported) t.truthy(id, "every finding names a quota");
    return { report, reported, found };
}

const DESIGNED: readonly QuotaId[] = [
    "acm-names-per-certificate",
    "elb-listener-rules-per-load-balancer",
    "elb-target-groups-per-load-balancer",
    "elb-certificates-per-load-balancer",
    "vpc-inbound-rules-per-security-group",
    "vpc-outbound-rules-per-security-group",
    "vpc-security-groups-per-network-interface",
    "ecs-task-definition-size",
];

test(`the synthetic ${N}-service production stack: planned within every quota, on several load balancers`, async (t) => {
    const plan = await productionPlan();
    const { reported, found } = await withinOrRefused(t, plan, DESIGNED);
    // What the design keeps: every quota the pack counts here, so the pack has nothing to refuse.
    t.deepEqual([...reported], []);
    for (const id of DESIGNED) for (const { count, where } of found[id] ?? []) t.true(count <= QUOTAS[id].limit, `${where}: ${count} > ${QUOTAS[id].limit} (${id})`);
    // Past one load balancer's rules (2 per blue/green service and Grafana's), so spread over several, each host's alias on its rule's.
    const lbs = ofType(plan, "aws:lb/loadBalancer:LoadBalancer");
    t.true(lbs.length >= 2);
    t.is(lbs[0].props.name, awsNames("gravitypm", "production").loadBalancer, "the first load balancer keeps its name");
    lbs.slice(1).forEach((lb, i) => t.is(lb.props.name, awsNames("gravitypm", "production").loadBalancerShard(i + 1)));
    const dep = (r: PlannedResource, input: string) => r.propertyDependencies?.[input] ?? [];
    const lbOfListener = new Map(ofType(plan, "aws:lb/listener:Listener").map((l) => [l.urn, dep(l, "loadBalancerArn")[0]]));
    const lbOfHost = new Map<string, string>();
    for (const r of ofType(plan, "aws:lb/listenerRule:ListenerRule")) for (const h of (r.props.conditions as { hostHeader: { values: string[] } }[])[0].hostHeader.values) lbOfHost.set(h, lbOfListener.get(dep(r, "listenerArn")[0])!);
    const aliases = ofType(plan, "aws:route53/record:Record").filter((r) => r.props.type === "A");
    t.is(aliases.length, lbOfHost.size, "one alias per routed host");
    for (const a of aliases) t.deepEqual(dep(a, "aliases"), [lbOfHost.get(a.props.name as string)], `${a.props.name as string}: its alias points at the load balancer holding its rule`);
    // Every host is served by a certificate on its own load balancer (the listener's default or a listener certificate).
    const lbOfCertificate = new Map<string, string>();
    const validated = new Map(ofType(plan, "aws:acm/certificateValidation:CertificateValidation").map((v) => [v.urn, dep(v, "certificateArn")[0]]));
    for (const l of ofType(plan, "aws:lb/listener:Listener")) for (const v of dep(l, "certificateArn")) lbOfCertificate.set(validated.get(v)!, lbOfListener.get(l.urn)!);
    for (const c of ofType(plan, "aws:lb/listenerCertificate:ListenerCertificate")) lbOfCertificate.set(validated.get(dep(c, "certificateArn")[0])!, lbOfListener.get(dep(c, "listenerArn")[0])!);
    for (const c of ofType(plan, "aws:acm/certificate:Certificate")) {
        for (const h of [c.props.domainName as string, ...((c.props.subjectAlternativeNames as string[]) ?? [])]) t.is(lbOfCertificate.get(c.urn), lbOfHost.get(h), `${h}: certificate ${c.name} is on its load balancer`);
    }
});

test(`the synthetic ${N}-service staging stack: Let's Encrypt certificates per registered domain kept or refused`, async (t) => {
    const plan = await stagingPlan();
    const { reported, found } = await withinOrRefused(t, plan, ["letsencrypt-certificates-per-registered-domain"]);
    // What the design keeps: one certificate for the namespace's hosts, however many services.
    t.false(reported.has("letsencrypt-certificates-per-registered-domain"));
    t.deepEqual(found["letsencrypt-certificates-per-registered-domain"]?.map((c) => c.count), [1]);
});

const routed = (n: number, blueGreen = true): RoutedService[] =>
    syntheticServices(n).map((svc) => ({ name: svc.name, hosts: blueGreen ? [svc.host!, `green.${svc.host!}`] : [svc.host!], targetGroups: blueGreen ? 2 : 1 }));

test("load balancer layout: within each quota, in runbook order, stable as services are added; raised quotas move it", (t) => {
    const limits = loadBalancerLimits();
    for (const [n, blueGreen] of [[200, true], [200, false], [49, true], [50, true], [99, false]] as const) {
        const services = routed(n, blueGreen);
        const shards = shardLoadBalancers(services, "grafana.gravitypm.com", limits);
        t.deepEqual(shards.flatMap((s) => s.services), services.map((s) => s.name), `N=${n}: every service once, in order`);
        for (const s of shards) {
            t.true(s.rules <= QUOTAS["elb-listener-rules-per-load-balancer"].limit && s.targetGroups <= QUOTAS["elb-target-groups-per-load-balancer"].limit);
            t.true(s.certificates.every((c) => c.length <= QUOTAS["acm-names-per-certificate"].limit));
            t.true(s.certificates.length - 1 <= QUOTAS["elb-certificates-per-load-balancer"].limit);
            const hosts = services.filter((x) => s.services.includes(x.name)).flatMap((x) => x.hosts);
            t.deepEqual(s.certificates.flat(), [...hosts, ...(s.grafana ? ["grafana.gravitypm.com"] : [])]);
        }
        const perRule = blueGreen ? 2 : 1;
        // No load balancer is opened while the one before could have taken the next service.
        shards.slice(1).forEach((s, i) => t.true(shards[i].rules + perRule > QUOTAS["elb-listener-rules-per-load-balancer"].limit, `N=${n}: load balancer ${i + 1} closed early`));
        t.is(shards.filter((s) => s.grafana).map((s) => s.index).join(), "0", "Grafana on the first");
    }
    // One load balancer for a blue/green app up to 49 services (98 rules and Grafana's), a second from the 50th.
    t.is(shardLoadBalancers(routed(49), "grafana.gravitypm.com").length, 1);
    t.is(shardLoadBalancers(routed(50), "grafana.gravitypm.com").length, 2);
    // Adding services never moves one already placed.
    const small = shardLoadBalancers(routed(120), "grafana.gravitypm.com");
    const large = shardLoadBalancers(routed(200), "grafana.gravitypm.com");
    small.slice(0, -1).forEach((s, i) => t.deepEqual(large[i].services, s.services));
    // A stack that declares a raised ACM quota gets fewer, larger certificates; a lowered or bad limit is refused.
    const raised = shardLoadBalancers(routed(40), undefined, loadBalancerLimits(quotaLimits(["quotas.acm-names-per-certificate=25"])));
    t.deepEqual(raised[0].certificates.map((c) => c.length), [25, 25, 25, 5]);
    t.throws(() => shardLoadBalancers(routed(2), undefined, { ...limits, rules: 0 }), { message: /limit rules = 0; allowed/ });
    t.throws(() => shardLoadBalancers(routed(2), undefined, { ...limits, rules: 1 }), { message: /service .*: 2 listener rules .* do not fit one load balancer/ });
});

test("quota exceptions in a stack file: malformed keys refused at the edge, naming the key and what is allowed", (t) => {
    const stack = "gravitypm-production";
    const { config } = readStackConfig(stack);
    const withException = (key: string) => ({ ...config, "runbook-platform:exceptions": JSON.stringify([{ key, reason: "Service Quotas case 1: raised for this account" }]) });
    t.notThrows(() => resolveStack(stack, withException("quotas.acm-names-per-certificate=100")));
    for (const [key, says] of [
        ["quotas.acm-names-per-certificate", /quotas\.<id>=<raised limit>/],
        ["quotas.acm-names=100", /no quota "acm-names"/],
        ["quotas.ecs-task-definition-size=100000", /cannot be raised/],
        ["quotas.acm-names-per-certificate=10", /does not raise the default of 10/],
    ] as const) {
        const e = t.throws(() => resolveStack(stack, withException(key)), { instanceOf: ConfigError });
        t.regex(e!.message, says, key);
        t.true(e!.message.includes(key), `${key}: the message names the key`);
    }
    t.deepEqual(parseQuotaException("aws.region"), undefined);
    t.is(quotaLimits(["quotas.acm-names-per-certificate=40", "protect"])["acm-names-per-certificate"], 40);
});

test("listener rule priorities: unique on the listener for every service count a listener holds, Grafana's never taken", (t) => {
    const taken = new Set<number>([GRAFANA_RULE_PRIORITY]);
    const most = Math.floor(MAX_RULE_PRIORITY / 10) - 2;
    for (let i = 0; i < most; i++) {
        const p = serviceRulePriority(i);
        for (const q of [p, p + 1]) {
            if (taken.has(q)) return t.fail(`service ${i + 1}: priority ${q} is taken`);
            taken.add(q);
        }
        t.true(p + 1 <= MAX_RULE_PRIORITY);
    }
    t.throws(() => serviceRulePriority(most), { message: /allowed: at most/ });
    t.pass();
});

test(`listener rule priorities in the ${N}-service plan: unique per listener`, async (t) => {
    const plan = await productionPlan();
    const seen = new Map<string, Map<number, string>>();
    for (const r of ofType(plan, "aws:lb/listenerRule:ListenerRule")) {
        const listener = String(r.props.listenerArn);
        const taken = seen.get(listener) ?? new Map<number, string>();
        const p = r.props.priority as number;
        t.false(taken.has(p), `${r.name} and ${taken.get(p)} share priority ${p}`);
        taken.set(p, r.name);
        seen.set(listener, taken);
    }
    // Every service's two rules and Grafana's, over more than one listener, none past its quota.
    t.is([...seen.values()].reduce((n, m) => n + m.size, 0), 2 * N + 1);
    t.true(seen.size >= 2);
    for (const m of seen.values()) t.true(m.size <= QUOTAS["elb-listener-rules-per-load-balancer"].limit);
});

test("service ports split into security groups within the inbound-rule quota, stably", (t) => {
    const ports = syntheticServices(200).map((s) => s.port);
    const groups = servicePortGroups(ports);
    const perGroup = Math.floor(QUOTAS["vpc-inbound-rules-per-security-group"].limit / RULES_PER_SERVICE_PORT);
    for (const g of groups) t.true(g.length * RULES_PER_SERVICE_PORT <= QUOTAS["vpc-inbound-rules-per-security-group"].limit);
    t.deepEqual(groups.flat(), [...new Set(ports)]);
    t.is(groups.length, Math.ceil(new Set(ports).size / perGroup));
    // Adding services never moves a port already placed.
    t.deepEqual(servicePortGroups(ports.slice(0, 100)).flat(), groups.flat().slice(0, 100));
    t.deepEqual(servicePortGroups(ports.slice(0, 100)).slice(0, -1), groups.slice(0, 3));
});

test(`the collector's Prometheus configuration is an object in its bucket, read by the agent from the volume its init container fills`, async (t) => {
    const plan = await productionPlan();
    const td = byName(plan, "aws:ecs/taskDefinition:TaskDefinition", "gravitypm-collector-task");
    const containers = JSON.parse(td.props.containerDefinitions as string) as { name: string; essential: boolean; command?: string[]; entryPoint?: string[]; environment: { name: string; value: string }[]; mountPoints?: { sourceVolume: string; containerPath: string }[]; dependsOn?: { containerName: string; condition: string }[] }[];
    const object: PlannedResource = byName(plan, "aws:s3/bucketObjectv2:BucketObjectv2", "gravitypm-collector-config-prometheus");
    const config = YAML.parse(object.props.content as string) as { scrape_configs: { job_name: string }[] };
    t.true(config.scrape_configs.filter((j) => j.job_name.startsWith("app-")).length >= N / 2, "the file scrapes every service with metrics");
    t.false((td.props.containerDefinitions as string).includes("scrape_configs"), "the configuration is not in the task definition");
    const init = containers.find((c) => c.name === COLLECTOR_CONFIG.initContainer)!;
    const agent = containers.find((c) => c.name === "prometheus-agent")!;
    t.false(init.essential);
    t.deepEqual(agent.dependsOn, [{ containerName: init.name, condition: "SUCCESS" }]);
    // The init container copies the object (as root without capabilities, after opening the agent's writable volumes): `… aws s3 cp <object> <file> …`.
    const copy = /\baws s3 cp (\S+) (\S+)/.exec([...(init.entryPoint ?? []), ...init.command!].join(" "));
    if (!copy) return t.fail(`the init container copies no object: ${JSON.stringify(init.command)}`);
    const [, source, file] = copy;
    const volume = init.mountPoints!.find((m) => file.startsWith(`${m.containerPath}/`))!;
    const agentMount = agent.mountPoints!.find((m) => m.sourceVolume === volume.sourceVolume)!;
    t.true(agent.entryPoint!.includes(`--config.file=${agentMount.containerPath}${file.slice(volume.containerPath.length)}`));
    t.true(source.endsWith(`/${object.props.key}`));
    t.is(agent.environment.find((e) => e.name === COLLECTOR_CONFIG.digestVariable)?.value, createHash("sha256").update(object.props.content as string).digest("hex"));
    t.true(td.options.dependsOn.includes(object.urn), "the task waits for its configuration");
});
