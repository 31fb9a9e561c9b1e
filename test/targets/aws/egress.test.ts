import test from "ava";
import { planStack, type PlannedResource, type StackPlan } from "../../../cli/harness/runtime";
import { getRunbook, type AppId, type Runbook } from "../../../runbooks";
import { mockId, ofType, prop, PRODUCTION } from "./helpers";

/**
 * Closed egress on the five production stacks (issue 15): no security group may send everything
 * everywhere; every connection the platform wires is still allowed on both sides. Expectations
 * come from the runbook (its external dependencies' URLs, its services' ports, its data services)
 * and from the plan's own wiring (the ingress rules and the ECS services' groups), not from the
 * function the firewall uses.
 */

const plans = new Map<AppId, StackPlan>();
test.before(async () => {
    for (const app of PRODUCTION) plans.set(app, await planStack(`${app}-production`));
});
const each = (fn: (app: AppId, plan: StackPlan, rb: Runbook) => void) => {
    for (const app of PRODUCTION) fn(app, plans.get(app)!, getRunbook(app));
};

const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
/** EC2's allowed characters in a security group rule description (AuthorizeSecurityGroupIngress/Egress, VPC). */
const EC2_DESCRIPTION = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]{0,255}$/;

interface Rule {
    readonly group: string;
    readonly peer: string;
    readonly protocol: string;
    readonly from: number;
    readonly to: number;
    readonly description: string;
}

function rules(app: AppId, plan: StackPlan, type: string): Rule[] {
    const groups = new Map(ofType(plan, "aws:ec2/securityGroup:SecurityGroup").map((g) => [mockId(g), g.name.slice(`${app}-firewall-`.length)]));
    return ofType(plan, type).map((r: PlannedResource) => ({
        group: groups.get(prop(r, "securityGroupId"))!,
        // A group of ours by its firewall part, a CIDR, or a prefix list (`pl-…`, S3's gateway endpoint).
        peer: prop<string | undefined>(r, "referencedSecurityGroupId") ? groups.get(prop(r, "referencedSecurityGroupId"))! : (prop<string | undefined>(r, "cidrIpv4") ?? prop<string>(r, "prefixListId")),
        protocol: prop<string>(r, "ipProtocol"),
        from: prop<number>(r, "fromPort"),
        to: prop<number>(r, "toPort"),
        description: prop<string>(r, "description"),
    }));
}

/** Ports a URL connects to, read the way a client does. */
const portOf = (url: string) => {
    const u = new URL(url);
    return u.port ? Number(u.port) : { "https:": 443, "http:": 80 }[u.protocol]!;
};

const INTERNET_GROUPS = ["tasks", "collector", "grafana"];
/** Whether the load balancer signs Grafana's users in (a Cognito user pool in the stack). */
const signsIn = (plan: StackPlan) => plan.resources.some((r) => r.type === "aws:cognito/userPool:UserPool");

test("no security group sends all protocols, nor any port but the runbook's, to the internet", (t) => {
    each((app, plan, rb) => {
        const out = rules(app, plan, EGRESS);
        t.true(out.length > 0);
        const allowed = new Set([443, ...rb.externalDependencies.flatMap((d) => [d.url, ...(d.fallbackUrl ? [d.fallbackUrl] : [])]).map(portOf)]);
        for (const r of out) {
            t.is(r.protocol, "tcp", `${app} ${r.group}: TCP only`);
            // A range goes only to a group of ours (the ALB to the service ports), which admits single ports.
            if (!r.peer.includes("/")) continue;
            t.is(r.from, r.to, `${app} ${r.group}: single ports only to a CIDR`);
            t.true(allowed.has(r.from), `${app} ${r.group} -> ${r.peer}:${r.from}: not HTTPS nor a runbook dependency's port`);
            t.true([...INTERNET_GROUPS, ...(signsIn(plan) ? ["alb"] : [])].includes(r.group), `${app}: ${r.group} reaches the internet`);
        }
        // The load balancer calls Cognito's token and user-info endpoints for Grafana's sign-in: HTTPS only, and only where Grafana is published.
        t.deepEqual(out.filter((r) => r.group === "alb" && r.peer.includes("/")).map((r) => `${r.peer}:${r.from}`), signsIn(plan) ? ["0.0.0.0/0:443"] : [], `${app}: the ALB's way out`);
        // Every dependency's port is open where it is called (the app) and probed (the collector).
        for (const port of allowed) {
            for (const group of ["tasks", "collector"]) t.true(out.some((r) => r.group === group && r.peer === "0.0.0.0/0" && r.from === port), `${app} ${group}: ${port} out`);
        }
        const s3 = prop<string>(ofType(plan, "aws:ec2/vpcEndpoint:VpcEndpoint").find((e) => prop(e, "vpcEndpointType") === "Gateway")!, "serviceName");
        t.regex(s3, /\.s3$/);
        t.deepEqual(
            out.filter((r) => r.group === "grafana").map((r) => `${r.peer.startsWith("pl-") ? "s3" : r.peer}:${r.from}`).sort(),
            ["0.0.0.0/0:443", "endpoints:443", "s3:443"],
            `${app}: Grafana talks HTTPS only (AWS through the endpoints and S3's gateway, its image pull and the tagging API to the internet)`,
        );
    });
});

test("every connection the platform wires between its groups is allowed on both sides", (t) => {
    each((app, plan) => {
        const ins = rules(app, plan, INGRESS);
        const out = rules(app, plan, EGRESS);
        const wired = ins.filter((r) => !r.peer.includes("/"));
        t.true(wired.length > 0);
        for (const r of wired) {
            t.true(
                out.some((e) => e.group === r.peer && e.peer === r.group && e.from <= r.from && r.to <= e.to),
                `${app}: ${r.peer} -> ${r.group}:${r.from} is let in but not out`,
            );
        }
        // And nothing goes out to a group of ours that does not let it in.
        for (const e of out.filter((x) => !x.peer.includes("/") && !x.peer.startsWith("pl-"))) {
            t.true(
                ins.some((r) => r.group === e.peer && r.peer === e.group && e.from <= r.from && r.to <= e.to),
                `${app}: ${e.group} -> ${e.peer}:${e.from} goes out to nothing`,
            );
        }
    });
});

test("every ECS service's group can reach HTTPS (image pulls, AWS APIs, logs); data groups send nothing", (t) => {
    each((app, plan, rb) => {
        const groups = new Map(ofType(plan, "aws:ec2/securityGroup:SecurityGroup").map((g) => [mockId(g), g.name.slice(`${app}-firewall-`.length)]));
        const out = rules(app, plan, EGRESS);
        const used = new Set(ofType(plan, "aws:ecs/service:Service").flatMap((s) => prop<string[]>(s, "networkConfiguration.securityGroups").map((id) => groups.get(id)!)));
        t.true(used.has("tasks") && used.has("collector") && used.has("grafana"), `${app}: ${[...used]}`);
        for (const g of used) t.true(out.some((r) => r.group === g && r.peer === "0.0.0.0/0" && r.from === 443), `${app} ${g}: HTTPS out`);
        for (const d of ["postgres", "redis", "mongodb", "kafka"].filter((k) => k in rb.data)) t.false(out.some((r) => r.group === d), `${app} ${d}`);
    });
});

test("every security group rule's description uses only the characters EC2 accepts", (t) => {
    each((app, plan) => {
        for (const r of [...rules(app, plan, INGRESS), ...rules(app, plan, EGRESS)]) t.regex(r.description, EC2_DESCRIPTION, `${app} ${r.group}`);
        for (const g of ofType(plan, "aws:ec2/securityGroup:SecurityGroup")) t.regex(prop<string>(g, "description"), EC2_DESCRIPTION, `${app} ${g.name}`);
    });
});
