import test from "ava";
import YAML from "yaml";
import { createHash } from "crypto";
import type { PlannedResource, StackPlan } from "../../cli/harness/runtime";
import { planSynthetic, syntheticServices } from "../../cli/harness/synthetic";
import { COLLECTOR_CONFIG } from "../../capabilities/aws/collector";
import { GRAFANA_RULE_PRIORITY, MAX_RULE_PRIORITY, serviceRulePriority } from "../../capabilities/aws/listener-rules";
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
 * counted here independently of the pack's quota policy: each quota is either kept by the plan or
 * reported by the pack, naming the quota, the count and its document.
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
    const lbs = ofType(plan, "aws:lb/loadBalancer:LoadBalancer");
    const listeners = ofType(plan, "aws:lb/listener:Listener");
    const lbOf = (listenerArn: unknown) => listeners.find((l) => listenerArn === `arn:aws:lb:us-east-1:123456789012:${l.name}`)?.props.loadBalancerArn;
    for (const lb of lbs) {
        const arn = `arn:aws:lb:us-east-1:123456789012:${lb.name}`;
        const rules = ofType(plan, "aws:lb/listenerRule:ListenerRule").filter((r) => lbOf(r.props.listenerArn) === arn);
        add("elb-listener-rules-per-load-balancer", rules.length, lb.name);
        const groups = new Set(JSON.stringify(rules.map((r) => r.props.actions)).match(/arn:aws:lb:[^"]*/g) ?? []);
        add("elb-target-groups-per-load-balancer", groups.size, lb.name);
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

test(`the synthetic ${N}-service production stack: every quota kept by the plan or refused by the pack, naming it`, async (t) => {
    const plan = await productionPlan();
    const { reported, found } = await withinOrRefused(t, plan, [
        "acm-names-per-certificate",
        "elb-listener-rules-per-load-balancer",
        "elb-target-groups-per-load-balancer",
        "vpc-inbound-rules-per-security-group",
        "vpc-outbound-rules-per-security-group",
        "vpc-security-groups-per-network-interface",
        "ecs-task-definition-size",
    ]);
    // What the design keeps: task definitions, security group rules and groups per task stay within their quotas at this size.
    for (const id of ["ecs-task-definition-size", "vpc-inbound-rules-per-security-group", "vpc-outbound-rules-per-security-group", "vpc-security-groups-per-network-interface"] as const) {
        t.false(reported.has(id), `${id} is kept at N=${N}`);
        for (const { count, where } of found[id] ?? []) t.true(count <= QUOTAS[id].limit, `${where}: ${count} > ${QUOTAS[id].limit} (${id})`);
    }
});

test(`the synthetic ${N}-service staging stack: Let's Encrypt certificates per registered domain kept or refused`, async (t) => {
    const plan = await stagingPlan();
    const { reported, found } = await withinOrRefused(t, plan, ["letsencrypt-certificates-per-registered-domain"]);
    // What the design keeps: one certificate for the namespace's hosts, however many services.
    t.false(reported.has("letsencrypt-certificates-per-registered-domain"));
    t.deepEqual(found["letsencrypt-certificates-per-registered-domain"]?.map((c) => c.count), [1]);
});

test("a raised quota declared as an exception moves the limit; a malformed one silences nothing", async (t) => {
    const plan = await productionPlan();
    const acm = (r: { violations: OfflineViolation[] }) => r.violations.filter((v) => quotaOf(v) === "acm-names-per-certificate");
    const names = Math.max(...(counts(plan)["acm-names-per-certificate"] ?? []).map((c) => c.count));
    t.true(acm(await productionQuotaReport()).length > 0);
    const raised = await runPolicies(plan, { policies: quotaPolicy, exceptions: [{ key: `quotas.acm-names-per-certificate=${names}`, reason: "Service Quotas case 1: raised for this account" }] });
    t.is(acm(raised).length, 0);
    const tooLow = await runPolicies(plan, { policies: quotaPolicy, exceptions: [{ key: `quotas.acm-names-per-certificate=${names - 1}`, reason: "Service Quotas case 1: raised for this account" }] });
    t.regex(acm(tooLow)[0]?.message ?? "", new RegExp(`the quota acm-names-per-certificate is ${names - 1} \\(raised from the default ${QUOTAS["acm-names-per-certificate"].limit}`));
    const keys = ["quotas.acm-names-per-certificate", "quotas", "quotas.elb-target-groups-per-load-balancer=500"];
    const malformed = await runPolicies(plan, { policies: quotaPolicy, exceptions: keys.map((key) => ({ key, reason: "an exception that must not silence the quota count" })) });
    t.true(acm(malformed).length > 0, `exceptions ${keys.join(", ")} silenced the ACM count`);
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
    t.true([...seen.values()].some((m) => m.size > 2 * (N - 1)));
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
    const file = init.command![3];
    const volume = init.mountPoints!.find((m) => file.startsWith(`${m.containerPath}/`))!;
    const agentMount = agent.mountPoints!.find((m) => m.sourceVolume === volume.sourceVolume)!;
    t.true(agent.entryPoint!.includes(`--config.file=${agentMount.containerPath}${file.slice(volume.containerPath.length)}`));
    t.true(init.command![2].endsWith(`/${object.props.key}`));
    t.is(agent.environment.find((e) => e.name === COLLECTOR_CONFIG.digestVariable)?.value, createHash("sha256").update(object.props.content as string).digest("hex"));
    t.true(td.options.dependsOn.includes(object.urn), "the task waits for its configuration");
});
