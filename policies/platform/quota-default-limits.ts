import { QUOTAS, quotaLimits, registeredDomain, type QuotaId } from "../../capabilities/quotas";
import { isUnknown } from "../lib/inputs";
import { finding, label, stackRule, type Finding, type Subject } from "../lib/policy";
import { asArray, isRecord } from "../lib/values";

/**
 * What a stack creates, counted against the providers' default quotas (capabilities/quotas.ts):
 * a stack over one deploys part-way and stops at the first refused request, or (Let's Encrypt)
 * leaves hosts without certificates for a week. Counted per scope the provider counts in: names
 * per certificate, rules, target groups and certificates per load balancer (through the rules'
 * and listeners' dependencies, which a first preview knows as well as an update), inbound and
 * outbound rules per security group, security groups per task, bytes per task definition, and
 * cert-manager certificates per registered domain. Listener rule priorities that collide on one
 * listener are reported too: not a quota, but the same kind of refusal at deploy time.
 *
 * A raised quota is an exception `quotas.<id>=<limit>` in the stack's `runbook-platform:exceptions`
 * (reason: the Service Quotas case), which moves the limit, never silences the count: findings
 * carry no exception key, so no declared exception can hide one.
 *
 * Linear in the stack's resources: each resource is read once into maps by URN and by scope.
 */

const T = {
    certificate: "aws:acm/certificate:Certificate",
    loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
    listener: "aws:lb/listener:Listener",
    listenerRule: "aws:lb/listenerRule:ListenerRule",
    listenerCertificate: "aws:lb/listenerCertificate:ListenerCertificate",
    targetGroup: "aws:lb/targetGroup:TargetGroup",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    sgRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    ecsService: "aws:ecs/service:Service",
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    k8sCertificate: "kubernetes:cert-manager.io/v1:Certificate",
} as const;

const PRIORITY_DOC = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-update-rules.html";
const CERT_MANAGER_ANNOTATIONS = ["cert-manager.io/cluster-issuer", "cert-manager.io/issuer"];

type Direction = "inbound" | "outbound";

/** Every resource in `resources` of one type, by URN. */
function byType(resources: readonly Subject[]): Map<string, Subject[]> {
    const out = new Map<string, Subject[]>();
    for (const r of resources) {
        const list = out.get(r.type);
        if (list) list.push(r);
        else out.set(r.type, [r]);
    }
    return out;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && !isUnknown(v) ? v : undefined);

/** How many rules one rule resource is to AWS: each CIDR, prefix list and group of a legacy rule is one. */
function ruleEntries(p: Record<string, any>): number {
    const n = asArray(p.cidrBlocks).length + asArray(p.ipv6CidrBlocks).length + asArray(p.prefixListIds).length + asArray(p.securityGroups).length + (p.sourceSecurityGroupId !== undefined ? 1 : 0) + (p.self ? 1 : 0);
    return Math.max(1, n);
}

export const platformQuotaDefaultLimits = stackRule({
    name: "platform-quota-default-limits",
    description:
        "The stack stays within the providers' default quotas of what it creates (ACM names per certificate; listener rules, target groups and certificates per load balancer; rules per security group; security groups per task; task definition size; Let's Encrypt certificates per registered domain), unless the stack declares the quota raised; listener rule priorities are unique per listener.",
    // Enforced at the runbook tier's levels, mandatory in production and staging: a stack over a quota fails its deploy part-way.
    tier: "runbook",
    target: "any",
    remediationSteps:
        "Split what exceeds the quota (certificates per host group, security groups per port group, load balancers per shard: the AWS target does this from capabilities/quotas.ts), or raise the quota through Service Quotas and declare it in the stack: runbook-platform:exceptions [{key: quotas.<id>=<raised limit>, reason: <the quota request>}].",
    notApplicable: (resources) => (resources.some((r) => r.type.startsWith("aws:") || r.type === T.ingress || r.type === T.k8sCertificate) ? undefined : "the stack creates nothing with a provider quota the pack counts (no AWS, Ingress or cert-manager resources)"),
    check: (resources, ctx) => {
        const limits = quotaLimits(ctx.exceptions.map((e) => e.key));
        const out: Finding[] = [];
        const over = (id: QuotaId, count: number, where: string, urn?: string) => {
            const limit = limits[id];
            if (count <= limit) return;
            const q = QUOTAS[id];
            const raised = limit !== q.limit ? ` (raised from the default ${q.limit} by the stack's exception)` : " (the default)";
            out.push(finding(`${where}: ${count} ${q.what}; the quota ${id} is ${limit}${raised}, ${q.url}`, { urn }));
        };
        const types = byType(resources);
        const of = (t: string) => types.get(t) ?? [];
        const byUrn = new Map(resources.map((r) => [r.urn, r]));
        const depsOf = (r: Subject, type: string) => (r.dependencies ?? []).map((d) => byUrn.get(d)).filter((d): d is Subject => d?.type === type);

        for (const c of of(T.certificate)) {
            const names = new Set([c.props.domainName, ...asArray(c.props.subjectAlternativeNames)].filter((n) => n !== undefined));
            over("acm-names-per-certificate", names.size, label(c), c.urn);
        }

        // Load balancers: each listener's by its dependency, each rule's and listener certificate's by its listener's.
        const albs = of(T.loadBalancer).filter((lb) => (str(lb.props.loadBalancerType) ?? "application") === "application");
        over("elb-load-balancers-per-region", albs.length, `stack ${ctx.stack}`);
        const lbOfListener = new Map<string, Subject>();
        for (const l of of(T.listener)) {
            const lb = depsOf(l, T.loadBalancer)[0];
            if (lb) lbOfListener.set(l.urn, lb);
        }
        const perLb = new Map<string, { lb: Subject; rules: number; groups: Set<string>; certificates: number }>();
        const lbEntry = (lb: Subject) => {
            let e = perLb.get(lb.urn);
            if (!e) perLb.set(lb.urn, (e = { lb, rules: 0, groups: new Set(), certificates: 0 }));
            return e;
        };
        for (const l of of(T.listener)) {
            const lb = lbOfListener.get(l.urn);
            if (lb) for (const g of depsOf(l, T.targetGroup)) lbEntry(lb).groups.add(g.urn);
        }
        const priorities = new Map<string, Map<number, Subject[]>>();
        for (const rule of of(T.listenerRule)) {
            const listener = depsOf(rule, T.listener)[0];
            const lb = listener && lbOfListener.get(listener.urn);
            if (lb) {
                const e = lbEntry(lb);
                e.rules++;
                for (const g of depsOf(rule, T.targetGroup)) e.groups.add(g.urn);
            }
            const priority = typeof rule.props.priority === "number" ? rule.props.priority : undefined;
            if (listener && priority !== undefined) {
                let taken = priorities.get(listener.urn);
                if (!taken) priorities.set(listener.urn, (taken = new Map()));
                taken.set(priority, [...(taken.get(priority) ?? []), rule]);
            }
        }
        for (const lc of of(T.listenerCertificate)) {
            const listener = depsOf(lc, T.listener)[0];
            const lb = listener && lbOfListener.get(listener.urn);
            if (lb) lbEntry(lb).certificates++;
        }
        for (const { lb, rules, groups, certificates } of perLb.values()) {
            over("elb-listener-rules-per-load-balancer", rules, label(lb), lb.urn);
            over("elb-target-groups-per-load-balancer", groups.size, label(lb), lb.urn);
            over("elb-certificates-per-load-balancer", certificates, label(lb), lb.urn);
        }
        for (const [listener, taken] of priorities) {
            for (const [priority, rules] of taken) {
                if (rules.length > 1) out.push(finding(`${label(byUrn.get(listener)!)}: listener rules ${rules.map((r) => `"${r.name}"`).join(", ")} share priority ${priority}; a listener refuses a second rule at a taken priority, ${PRIORITY_DOC}`, { urn: rules[1].urn }));
            }
        }

        // Security group rules, by the group they belong to: its id where known; in a first preview
        // (ids unknown) each rule counts toward every group it depends on, an upper bound.
        const groups = new Map<string, { inbound: number; outbound: number; candidates: Set<string> | undefined; first: Subject }>();
        const count = (key: string, dir: Direction, n: number, rule: Subject, candidates: string[]) => {
            let g = groups.get(key);
            if (!g) groups.set(key, (g = { inbound: 0, outbound: 0, candidates: undefined, first: rule }));
            g[dir] += n;
            g.candidates = g.candidates ? new Set(candidates.filter((c) => g!.candidates!.has(c))) : new Set(candidates);
        };
        const attribute = (rule: Subject, dir: Direction, n: number) => {
            const sgs = depsOf(rule, T.securityGroup).map((s) => s.urn);
            const id = str(rule.props.securityGroupId);
            if (id) count(`id:${id}`, dir, n, rule, sgs);
            else for (const sg of new Set(sgs)) count(sg, dir, n, rule, [sg]);
        };
        for (const r of of(T.ingressRule)) attribute(r, "inbound", 1);
        for (const r of of(T.egressRule)) attribute(r, "outbound", 1);
        for (const r of of(T.sgRule)) attribute(r, r.props.type === "egress" ? "outbound" : "inbound", ruleEntries(r.props));
        for (const sg of of(T.securityGroup)) {
            const inline = (list: unknown) => asArray(list).filter(isRecord).reduce((n, e) => n + ruleEntries(e), 0);
            if (sg.props.ingress !== undefined || sg.props.egress !== undefined) {
                const g = { inbound: inline(sg.props.ingress), outbound: inline(sg.props.egress) };
                over("vpc-inbound-rules-per-security-group", g.inbound, label(sg), sg.urn);
                over("vpc-outbound-rules-per-security-group", g.outbound, label(sg), sg.urn);
            }
        }
        for (const [key, g] of groups) {
            const named = g.candidates?.size === 1 ? byUrn.get([...g.candidates][0]) : undefined;
            const where = named ? label(named) : key.startsWith("id:") ? `security group ${key.slice(3)}` : label(byUrn.get(key) ?? g.first);
            over("vpc-inbound-rules-per-security-group", g.inbound, where, named?.urn ?? g.first.urn);
            over("vpc-outbound-rules-per-security-group", g.outbound, where, named?.urn ?? g.first.urn);
        }

        for (const svc of of(T.ecsService)) {
            const nc = isRecord(svc.props.networkConfiguration) ? svc.props.networkConfiguration : undefined;
            over("vpc-security-groups-per-network-interface", asArray(nc?.securityGroups).length, label(svc), svc.urn);
        }

        for (const td of of(T.taskDefinition)) {
            const defs = td.props.containerDefinitions;
            if (typeof defs !== "string") continue;
            let parsed: unknown;
            try {
                parsed = JSON.parse(defs);
            } catch {
                continue;
            }
            // The task definition as RegisterTaskDefinition receives it: the containers as JSON, not as an escaped string.
            over("ecs-task-definition-size", Buffer.byteLength(JSON.stringify({ ...td.props, containerDefinitions: parsed })), label(td), td.urn);
        }

        // cert-manager orders one certificate per Certificate, and per TLS secret of an annotated Ingress (ingress-shim).
        const certificates = new Map<string, { names: Set<string>; subject: Subject }>();
        for (const ing of of(T.ingress)) {
            const annotations = isRecord(ing.props.metadata?.annotations) ? ing.props.metadata.annotations : {};
            if (!CERT_MANAGER_ANNOTATIONS.some((a) => a in annotations)) continue;
            const namespace = str(ing.props.metadata?.namespace) ?? "default";
            for (const tls of asArray(ing.props.spec?.tls).filter(isRecord)) {
                const key = `${namespace}/${str(tls.secretName) ?? ing.urn}`;
                const cert = certificates.get(key) ?? { names: new Set<string>(), subject: ing };
                for (const h of asArray(tls.hosts)) if (str(h)) cert.names.add(h);
                certificates.set(key, cert);
            }
        }
        for (const c of of(T.k8sCertificate)) {
            const names = new Set([c.props.spec?.commonName, ...asArray(c.props.spec?.dnsNames)].filter((n): n is string => !!str(n)));
            certificates.set(`${str(c.props.metadata?.namespace) ?? "default"}/${str(c.props.spec?.secretName) ?? c.urn}`, { names, subject: c });
        }
        const perDomain = new Map<string, number>();
        for (const { names, subject } of certificates.values()) {
            over("letsencrypt-names-per-certificate", names.size, label(subject), subject.urn);
            for (const d of new Set([...names].map(registeredDomain))) perDomain.set(d, (perDomain.get(d) ?? 0) + 1);
        }
        for (const [domain, n] of perDomain) over("letsencrypt-certificates-per-registered-domain", n, `registered domain ${domain} (stack ${ctx.stack}, every certificate ordered on its first deploy)`);
        return out;
    },
});
