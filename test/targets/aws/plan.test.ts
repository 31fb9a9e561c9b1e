import { MSK_CLIENT_PORT } from "../../../capabilities/aws/msk";
import test from "ava";
import YAML from "yaml";
import { planStack, type PlannedResource, type StackPlan } from "../../../cli/harness/runtime";
import { readStackConfig } from "../../../cli/harness/stack-files";
import { renderStack } from "../../../cli/render";
import { ARTIFACT_PATHS, CLOUDWATCH_ONLY_SIGNALS, rulesFor } from "../../../capabilities/alerting";
import { allAlerts } from "../../../capabilities/alerting/baseline";
import { PAGERDUTY_EVENTS_URL } from "../../../capabilities/aws/pager";
import { usesDataServices } from "../../../capabilities/datastores";
import { fargateSize } from "../../../capabilities/sizing";
import { durationSeconds, getRunbook, type AppId, type Runbook } from "../../../runbooks";
import { credentialPaths, mockId, named, ofType, prop, PRODUCTION } from "./helpers";

/**
 * The five `<app>-production` stacks through the real program under the mock engine: every
 * resource the AWS target registers outside the data services (provider, network, security
 * groups, ECS, load balancer, alarms and alerting, secrets, protection, collector), checked against
 * the runbook's numbers (from `getRunbook`). The data services and their backups: plan-data.test.ts.
 */

const plans = new Map<AppId, StackPlan>();
test.before(async () => {
    for (const app of PRODUCTION) plans.set(app, await planStack(`${app}-production`));
});
const each = (fn: (app: AppId, plan: StackPlan, rb: Runbook) => void) => {
    for (const app of PRODUCTION) fn(app, plans.get(app)!, getRunbook(app));
};
/** The images the stack file pins, per service. */
const imagesOf = (stack: string) => JSON.parse(readStackConfig(stack).config["runbook-platform:images"]) as Record<string, string>;

test("one AWS provider in the runbook's region with default tags; every AWS resource uses it and sits under the AWS platform", (t) => {
    each((app, plan, rb) => {
        const providers = ofType(plan, "pulumi:providers:aws");
        t.is(providers.length, 1, app);
        const provider = providers[0];
        t.is(prop(provider, "region"), rb.aws.region);
        // Provider inputs travel as JSON text.
        t.deepEqual(JSON.parse(prop<string>(provider, "defaultTags")), { tags: { app, env: "production", "managed-by": "pulumi" } });
        const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
        const platform = plan.resources.find((r) => r.type === "platform:aws:Platform")!;
        for (const r of plan.resources.filter((x) => x.type.startsWith("aws:"))) {
            t.true(r.options.provider?.startsWith(`${provider.urn}::`), `${app} ${r.type} ${r.name}: provider ${r.options.provider}`);
            let p: PlannedResource | undefined = r;
            while (p && p !== platform) p = p.parent ? byUrn.get(p.parent) : undefined;
            t.is(p, platform, `${app} ${r.name} is not under the AWS platform`);
            t.true(r.name.startsWith(`${app}-`), `${app} ${r.name}: child names start with the component's`);
        }
        for (const c of plan.resources.filter((x) => !x.custom && x.type.startsWith("platform:aws:"))) t.true(c.name.startsWith(app));
    });
});

test("network: a VPC over the runbook's AZs, public and private subnets, a NAT per AZ, flow logs kept as long as the runbook's logs", (t) => {
    each((app, plan, rb) => {
        const azs = rb.aws.availabilityZones;
        t.is(ofType(plan, "aws:ec2/vpc:Vpc").length, 1);
        const subnets = ofType(plan, "aws:ec2/subnet:Subnet");
        t.is(subnets.filter((s) => prop(s, "tags.tier") === "public").length, azs, app);
        t.is(subnets.filter((s) => prop(s, "tags.tier") === "private").length, azs, app);
        t.is(new Set(subnets.map((s) => prop(s, "availabilityZone"))).size, azs, `${app}: one zone per subnet pair`);
        t.is(new Set(subnets.map((s) => prop(s, "cidrBlock"))).size, 2 * azs);
        t.true(subnets.every((s) => prop(s, "mapPublicIpOnLaunch") !== true));
        t.is(ofType(plan, "aws:ec2/natGateway:NatGateway").length, azs);
        t.is(ofType(plan, "aws:ec2/internetGateway:InternetGateway").length, 1);
        const defaults = ofType(plan, "aws:ec2/route:Route");
        t.is(defaults.filter((r) => prop(r, "natGatewayId")).length, azs, "each private route table leaves through its own NAT");
        const flow = ofType(plan, "aws:ec2/flowLog:FlowLog");
        t.is(flow.length, 1);
        t.is(prop(flow[0], "trafficType"), "ALL");
        t.is(prop(flow[0], "logDestinationType"), "cloud-watch-logs");
        const group = ofType(plan, "aws:cloudwatch/logGroup:LogGroup").find((g) => prop(g, "name") === `/${app}/production/vpc-flow-logs`)!;
        t.true(prop<number>(group, "retentionInDays") >= rb.logs.retentionDays);
    });
});

test("every log group keeps logs at least as long as the runbook, and no longer than the next CloudWatch step", (t) => {
    const steps = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365];
    each((app, plan, rb) => {
        const expected = steps.find((d) => d >= rb.logs.retentionDays);
        const groups = ofType(plan, "aws:cloudwatch/logGroup:LogGroup");
        t.true(groups.length > 5, app);
        for (const g of groups) t.is(prop(g, "retentionInDays"), expected, `${app} ${prop(g, "name")}`);
    });
});

test("security groups: only the app's tasks (and the exporters) reach a data service, on its port; only the ALB is open to the internet", (t) => {
    // Kafka clients log in with SASL/SCRAM over TLS: MSK serves that on its own port.
    const ports: Record<string, number> = { postgres: 5432, redis: 6379, mongodb: 27017, kafka: MSK_CLIENT_PORT };
    each((app, plan, rb) => {
        const groups = new Map(ofType(plan, "aws:ec2/securityGroup:SecurityGroup").map((g) => [mockId(g), g.name.slice(`${app}-firewall-`.length)]));
        const rules = ofType(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => ({
            to: groups.get(prop(r, "securityGroupId"))!,
            from: prop<string | undefined>(r, "referencedSecurityGroupId") ? groups.get(prop(r, "referencedSecurityGroupId"))! : prop<string>(r, "cidrIpv4"),
            port: prop<number>(r, "fromPort"),
            toPort: prop<number>(r, "toPort"),
        }));
        for (const r of rules) {
            t.is(r.port, r.toPort, "single ports only");
            if (r.from === "0.0.0.0/0") t.is(r.to, "alb", `${app}: only the load balancer is public`);
        }
        const services = Object.keys(rb.data).filter((k) => k in ports);
        t.deepEqual([...groups.values()].filter((g) => g in ports).sort(), services.sort(), `${app}: one group per data service`);
        for (const svc of services) {
            const into = rules.filter((r) => r.to === svc);
            t.true(into.some((r) => r.from === "tasks" && r.port === ports[svc]), `${app}: tasks reach ${svc}`);
            for (const r of into) t.true(["tasks", "collector"].includes(r.from), `${app}: ${svc} reachable from ${r.from}`);
            for (const r of into.filter((x) => x.from === "tasks")) t.is(r.port, ports[svc]);
            t.false(
                ofType(plan, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").some((e) => groups.get(prop(e, "securityGroupId")) === svc),
                `${app}: ${svc} has no outbound rule`,
            );
        }
        for (const s of rb.services) t.true(rules.some((r) => r.to === "tasks" && r.from === "alb" && r.port === s.port), `${app}: ALB reaches ${s.name}`);
    });
});

test("ECS: one Fargate service per runbook service, sized and health-checked from the runbook, scaled on its targets, rolled back on failure", (t) => {
    each((app, plan, rb) => {
        const cluster = ofType(plan, "aws:ecs/cluster:Cluster")[0];
        t.deepEqual(prop(cluster, "settings"), [{ name: "containerInsights", value: "enabled" }]);
        const stack = `${app}-production`;
        for (const svc of rb.services) {
            const td = named(plan, "aws:ecs/taskDefinition:TaskDefinition", `${app}-services-${svc.name}`);
            const size = fargateSize(svc.resources);
            t.is(Number(prop(td, "cpu")), size.cpu);
            t.is(Number(prop(td, "memory")), size.memory);
            t.true(size.cpu >= svc.resources.limits.cpu * 1024 && size.memory >= svc.resources.limits.memoryMiB);
            t.deepEqual(prop(td, "requiresCompatibilities"), ["FARGATE"]);
            const defs = JSON.parse(prop<string>(td, "containerDefinitions")) as Record<string, any>[];
            const c = defs.find((d) => d.name === svc.name)!;
            t.truthy(c, `${stack}: container ${svc.name}`);
            t.is(c.image, imagesOf(stack)[svc.name]);
            t.is(c.memory, svc.resources.limits.memoryMiB);
            t.is(c.memoryReservation, svc.resources.reservations.memoryMiB);
            t.is(c.cpu, svc.resources.limits.cpu * 1024);
            t.deepEqual(c.portMappings.map((p: { containerPort: number }) => p.containerPort), [svc.port]);
            t.is(c.healthCheck.command[0], "CMD-SHELL");
            t.true(c.healthCheck.command[1].includes(`127.0.0.1:${svc.port}${svc.healthPath}`), `${stack} ${svc.name}: health on ${svc.healthPath}`);
            t.is(c.logConfiguration.logDriver, "awslogs");
            t.is(c.logConfiguration.options["awslogs-group"], `/${app}/production/ecs/${svc.name}`);
            for (const s of c.secrets) t.regex(s.valueFrom, /^arn:aws:secretsmanager:.*:(password|url|username)::$/, `${stack} ${s.name}`);
            for (const e of c.environment) t.false(/PASSWORD|TOKEN|SECRET/.test(e.name), `${stack}: ${e.name} is a plain environment variable`);
            // Only services that use the data services get their credentials; a frontend gets none.
            if (usesDataServices(svc)) {
                if (rb.data.postgres) t.true(c.secrets.some((s: { name: string }) => s.name === "PGPASSWORD"));
            } else {
                t.deepEqual(c.secrets ?? [], [], `${stack} ${svc.name}: a frontend holds no credentials`);
                t.false(c.environment.some((e: { name: string }) => /^(PG|REDIS_|MONGO_|KAFKA_|S3_BUCKET_)/.test(e.name)), `${stack} ${svc.name}: no data endpoints`);
            }
            const service = named(plan, "aws:ecs/service:Service", `${app}-services-${svc.name}`);
            t.like(service.props, { desiredCount: svc.scaling.desired, launchType: "FARGATE", networkConfiguration: { assignPublicIp: false } });
            // Rolled back on failure: by the circuit breaker on rolling updates (the only kind it acts on), by alarms on blue/green.
            if (prop(service, "deploymentConfiguration.strategy") === "BLUE_GREEN") t.like(service.props, { alarms: { enable: true, rollback: true } });
            else t.like(service.props, { deploymentCircuitBreaker: { enable: true, rollback: true } });
            t.true(service.options.ignoreChanges.includes("desiredCount"), "autoscaling owns the running count");
            const target = named(plan, "aws:appautoscaling/target:Target", `${app}-services-${svc.name}-scaling`);
            t.like(target.props, { minCapacity: svc.scaling.min, maxCapacity: svc.scaling.max, scalableDimension: "ecs:service:DesiredCount" });
            const cpu = named(plan, "aws:appautoscaling/policy:Policy", `${app}-services-${svc.name}-cpu`);
            t.is(prop(cpu, "targetTrackingScalingPolicyConfiguration.targetValue"), svc.scaling.cpuTargetPercent);
            t.is(prop(cpu, "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType"), "ECSServiceAverageCPUUtilization");
            const mem = named(plan, "aws:appautoscaling/policy:Policy", `${app}-services-${svc.name}-memory`);
            t.is(prop(mem, "targetTrackingScalingPolicyConfiguration.targetValue"), svc.scaling.memoryTargetPercent);
            t.is(prop(mem, "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType"), "ECSServiceAverageMemoryUtilization");
        }
    });
    t.is(prop(named(plans.get("gravitypm")!, "aws:ecs/service:Service", "gravitypm-services-backend"), "desiredCount"), 5, "gravitypm's runbook scales the API to 5");
});

test("ALB: HTTPS with an ACM certificate for the runbook's hosts, HTTP redirected, a target group per public service health-checked on its path, WAF", (t) => {
    each((app, plan, rb) => {
        const hosted = rb.services.filter((s) => s.host);
        const albs = ofType(plan, "aws:lb/loadBalancer:LoadBalancer");
        if (hosted.length === 0) {
            t.is(albs.length, 0, `${app}: no public host, no load balancer`);
            return;
        }
        t.is(prop(albs[0], "internal"), false);
        t.is(prop(albs[0], "dropInvalidHeaderFields"), true);
        t.is(prop(albs[0], "accessLogs.enabled"), true);
        const cert = ofType(plan, "aws:acm/certificate:Certificate")[0];
        const domains = [prop<string>(cert, "domainName"), ...prop<string[]>(cert, "subjectAlternativeNames")];
        for (const s of hosted) t.true(domains.includes(s.host!), `${app}: certificate covers ${s.host}`);
        t.is(prop(cert, "validationMethod"), "DNS");
        const listeners = ofType(plan, "aws:lb/listener:Listener");
        const https = listeners.find((l) => prop(l, "protocol") === "HTTPS")!;
        t.is(prop(https, "port"), 443);
        t.truthy(prop(https, "certificateArn"));
        const http = listeners.find((l) => prop(l, "protocol") === "HTTP")!;
        t.like(prop<Record<string, unknown>[]>(http, "defaultActions")[0], { type: "redirect", redirect: { protocol: "HTTPS", statusCode: "HTTP_301" } });
        // The services' target groups; Grafana's is the one more (test/targets/aws/grafana.test.ts).
        const groups = ofType(plan, "aws:lb/targetGroup:TargetGroup").filter((g) => g.name !== `${app}-ingress-grafana`);
        t.is(groups.length, hosted.length * (rb.aws.blueGreen ? 2 : 1));
        for (const s of hosted) {
            for (const g of groups.filter((x) => x.name.startsWith(`${app}-ingress-${s.name}`))) {
                t.like(g.props, { port: s.port, targetType: "ip", healthCheck: { path: s.healthPath } });
            }
            const rule = named(plan, "aws:lb/listenerRule:ListenerRule", `${app}-ingress-${s.name}`);
            t.deepEqual(prop(rule, "conditions"), [{ hostHeader: { values: [s.host] } }]);
        }
        const waf = ofType(plan, "aws:wafv2/webAcl:WebAcl");
        t.is(waf.length, rb.aws.waf ? 1 : 0);
        if (rb.aws.waf) {
            t.is(prop(waf[0], "scope"), "REGIONAL");
            const groupsUsed = prop<{ statement: { managedRuleGroupStatement: { vendorName: string; name: string } } }[]>(waf[0], "rules").map((r) => r.statement.managedRuleGroupStatement);
            t.true(groupsUsed.every((g) => g.vendorName === "AWS"));
            t.true(groupsUsed.some((g) => g.name === "AWSManagedRulesCommonRuleSet"));
            t.is(ofType(plan, "aws:wafv2/webAclAssociation:WebAclAssociation").length, 1);
            t.regex(prop<string>(ofType(plan, "aws:cloudwatch/logGroup:LogGroup").find((g) => String(prop(g, "name")).startsWith("aws-waf-logs-"))!, "name"), /^aws-waf-logs-/);
        }
    });
});

test("blue/green (gravitypm): a blue and a green target group per service; ECS shifts the listener weights, which Pulumi then leaves alone", (t) => {
    const plan = plans.get("gravitypm")!;
    const rb = getRunbook("gravitypm");
    const blueGreen = rb.aws.blueGreen;
    if (!blueGreen) return t.fail("gravitypm's runbook releases blue/green");
    for (const svc of rb.services) {
        const service = named(plan, "aws:ecs/service:Service", `gravitypm-services-${svc.name}`);
        t.is(prop(service, "deploymentConfiguration.strategy"), "BLUE_GREEN");
        t.is(prop(service, "deploymentConfiguration.bakeTimeInMinutes"), String(blueGreen.bakeMinutes), "the old colour is kept for the runbook's watch period");
        const lb = prop<{ targetGroupArn: string; advancedConfiguration: { alternateTargetGroupArn: string; productionListenerRule: string; roleArn: string } }[]>(service, "loadBalancers")[0];
        t.not(lb.targetGroupArn, lb.advancedConfiguration.alternateTargetGroupArn);
        const rule = named(plan, "aws:lb/listenerRule:ListenerRule", `gravitypm-ingress-${svc.name}`);
        const forward = prop<{ forward: { targetGroups: { arn: string; weight: number }[] } }[]>(rule, "actions")[0].forward.targetGroups;
        t.deepEqual(forward.map((g) => [g.arn, g.weight]), [
            [lb.targetGroupArn, 100],
            [lb.advancedConfiguration.alternateTargetGroupArn, 0],
        ]);
        t.deepEqual(rule.options.ignoreChanges, ["actions"]);
        t.true(service.options.ignoreChanges.includes("loadBalancers"));
        t.deepEqual(prop(named(plan, "aws:lb/listenerRule:ListenerRule", `gravitypm-ingress-${svc.name}-test`), "conditions"), [{ hostHeader: { values: [`green.${svc.host}`] } }]);
    }
    // The role ECS shifts weights with carries the managed policy AWS publishes at the root path (not service-role/).
    const attachment = ofType(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").find((a) => a.name.startsWith("gravitypm-services-blue-green-"));
    t.is(prop(attachment!, "policyArn"), "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers");
    for (const app of PRODUCTION.filter((a) => a !== "gravitypm")) {
        for (const s of ofType(plans.get(app)!, "aws:ecs/service:Service")) t.not(prop(s, "deploymentConfiguration.strategy"), "BLUE_GREEN");
    }
});

test("CloudWatch alarms: threshold, direction, period and evaluation count are the runbook's, a notifying alarm's actions go to the severity's topic", (t) => {
    each((app, plan, rb) => {
        const alarms = ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => prop(a, "tags.runbook:alert"));
        t.true(alarms.length > 5, app);
        const topicArn = (severity: string) => `:${app}-production-${severity}`;
        for (const a of alarms) {
            // The runbook's alerts and the platform defaults only CloudWatch evaluates (PostgreSQL replica lag).
            const alert = allAlerts(rb).find((x) => x.id === prop(a, "tags.runbook:alert"))!;
            t.truthy(alert, `${app} ${a.name}: no such runbook alert`);
            const level = alert.levels.find((l) => l.severity === prop(a, "tags.runbook:severity"))!;
            t.truthy(level, `${app} ${a.name}: no such level`);
            if (notifies(a)) t.true(prop<string[]>(a, "alarmActions")[0].endsWith(topicArn(level.severity)), `${app} ${a.name} -> ${level.severity} topic`);
            t.deepEqual(prop(a, "okActions"), prop(a, "alarmActions"));
            const queries = prop<{ metric?: { period: number; namespace: string; metricName: string } }[] | undefined>(a, "metricQueries");
            const periods = queries ? queries.filter((q) => q.metric).map((q) => q.metric!.period) : [prop<number>(a, "period")];
            t.is(new Set(periods).size, 1, `${a.name}: one period`);
            const period = periods[0];
            const evaluations = prop<number>(a, "evaluationPeriods");
            t.is(prop(a, "datapointsToAlarm"), evaluations);
            const namespace = queries ? queries.find((q) => q.metric)!.metric!.namespace : prop<string>(a, "namespace");
            if (alert.signal === "backup_age") {
                // No completed AWS Backup job in `threshold` intervals of the dataset's backup.
                const dataset = prop<string>(a, "dimensions.BackupVaultName").split("-").pop()!;
                const every = durationSeconds(rb.backups.find((b) => b.dataset === dataset)!.every);
                t.is(period * evaluations, level.threshold * every, a.name);
                t.like(a.props, { comparisonOperator: "LessThanThreshold", threshold: 1, treatMissingData: "breaching", namespace: "AWS/Backup", metricName: "NumberOfBackupJobsCompleted" });
                continue;
            }
            t.is(prop(a, "threshold"), level.threshold, a.name);
            t.is(prop(a, "comparisonOperator"), alert.direction === "above" ? "GreaterThanThreshold" : "LessThanThreshold", a.name);
            // The runbook's `for` as whole periods of the metric's resolution (ACM reports once a day).
            const resolution = namespace === "AWS/CertificateManager" ? 86400 : 60;
            t.is(period, resolution, a.name);
            t.is(evaluations, Math.max(1, Math.ceil(durationSeconds(level.for) / resolution)), a.name);
        }
        // Every level of every signal AMP leaves to CloudWatch on AWS has its alarms.
        for (const alert of rb.alerts.filter((x) => (CLOUDWATCH_ONLY_SIGNALS as readonly string[]).includes(x.signal))) {
            for (const level of alert.levels) {
                const mine = alarms.filter((a) => prop(a, "tags.runbook:alert") === alert.id && prop(a, "tags.runbook:severity") === level.severity);
                if (alert.signal === "backup_age") {
                    t.deepEqual(
                        mine.map((a) => prop<string>(a, "dimensions.BackupVaultName")).sort(),
                        rb.backups.filter((b) => b.dataset !== "redis").map((b) => `${app}-production-${b.dataset}`).sort(),
                    );
                    continue;
                }
                const services = mine.map((a) => (prop<{ metric?: { dimensions: Record<string, string> } }[] | undefined>(a, "metricQueries")?.[1]?.metric?.dimensions ?? prop<Record<string, string>>(a, "dimensions")).ServiceName).filter(Boolean);
                t.deepEqual(services.sort(), rb.services.map((s) => s.name).sort(), `${app} ${alert.id}/${level.severity} on every ECS service`);
            }
        }
        const heartbeat = named(plan, "aws:cloudwatch/metricAlarm:MetricAlarm", `${app}-monitoring-heartbeat`);
        t.like(heartbeat.props, { namespace: "AWS/SNS", metricName: "NumberOfMessagesPublished", comparisonOperator: "LessThanThreshold", treatMissingData: "breaching" });
        t.true(prop<string[]>(heartbeat, "alarmActions")[0].endsWith(topicArn("critical")));
    });
});

/** An alarm that tells someone: actions enabled and at least one alarm action. */
const notifies = (a: PlannedResource) => prop(a, "actionsEnabled") !== false && (prop<string[] | undefined>(a, "alarmActions") ?? []).length > 0;
/** What an alarm watches: its dimensions (of its first metric query when it computes). */
const alarmSubject = (a: PlannedResource) =>
    JSON.stringify(prop<{ metric?: { dimensions: unknown } }[] | undefined>(a, "metricQueries")?.find((q) => q.metric)?.metric?.dimensions ?? prop(a, "dimensions"));
type AmpRule = { alert: string; labels: Record<string, string> };
const ampRules = (plan: StackPlan) =>
    (YAML.parse(prop<string>(ofType(plan, "aws:amp/ruleGroupNamespace:RuleGroupNamespace")[0], "data")) as { groups: { rules: AmpRule[] }[] }).groups.flatMap((g) => g.rules).filter((r) => r.alert);

test("one page per runbook level and subject: a level AMP has a rule for notifies through AMP only, any other through exactly one alarm per subject", (t) => {
    each((app, plan, rb) => {
        const rules = ampRules(plan);
        const alarms = ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => prop(a, "tags.runbook:alert"));
        for (const alert of rb.alerts) {
            for (const level of alert.levels) {
                const what = `${app} ${alert.id}/${level.severity}`;
                const ruled = rules.filter((r) => r.labels.alert_id === alert.id && r.labels.severity === level.severity);
                const notifying = alarms.filter((a) => prop(a, "tags.runbook:alert") === alert.id && prop(a, "tags.runbook:severity") === level.severity && notifies(a));
                if (ruled.length) {
                    t.is(ruled.length, 1, `${what}: one AMP rule`);
                    t.deepEqual(notifying.map((a) => a.name), [], `${what}: AMP pages; its alarms are views`);
                    continue;
                }
                t.true(notifying.length > 0, `${what}: nothing notifies`);
                const subjects = notifying.map(alarmSubject);
                t.is(new Set(subjects).size, subjects.length, `${what}: two alarms notify for one subject`);
            }
        }
        // Each severity's topic has exactly its channels: one pager delivery for a critical notification, none elsewhere.
        const subs = ofType(plan, "aws:sns/topicSubscription:TopicSubscription");
        const pagerFn = `${app}-monitoring-pager`;
        const pagerSubs = subs.filter((s) => String(prop(s, "endpoint")).endsWith(`:${pagerFn}`) || s.name.endsWith("-pager"));
        t.deepEqual(pagerSubs.map((s) => prop<string>(s, "topic").split(":").pop()), [`${app}-production-critical`], `${app}: the pager reads the critical topic once`);
        // The AMP route sends a critical alert to one receiver, on the critical topic.
        const definition = YAML.parse(YAML.parse(prop<string>(ofType(plan, "aws:amp/alertManagerDefinition:AlertManagerDefinition")[0], "definition")).alertmanager_config) as {
            route: { routes: { matchers: string[]; receiver: string; continue?: boolean }[] };
            receivers: { name: string; sns_configs: { topic_arn: string }[] }[];
        };
        // The severity's own route; a route that also matches `alert_id` and `component` sends the ServiceDown of a published
        // service to chat, its Route 53 reachability alarm paging for it (one outage, one page).
        const critical = definition.route.routes.filter((r) => r.matchers.length === 1 && r.matchers[0] === 'severity="critical"');
        t.is(critical.length, 1, app);
        for (const r of definition.route.routes.filter((x) => x.matchers.includes('severity="critical"') && x !== critical[0])) {
            t.true(r.matchers.some((m) => m.startsWith("component")), `${app}: a critical route besides the severity's is for published services only`);
            t.is(r.receiver, `${app}-chat-warning`, app);
        }
        t.falsy(critical[0].continue, `${app}: a critical alert stops at its route`);
        const receiver = definition.receivers.find((r) => r.name === critical[0].receiver)!;
        t.deepEqual(receiver.sns_configs.map((c) => c.topic_arn.split(":").pop()), [`${app}-production-critical`]);
    });
});

test("npm run render writes the AMP alert manager definition the plan deploys, byte for byte", (t) => {
    each((app, plan) => {
        const deployed = prop<string>(ofType(plan, "aws:amp/alertManagerDefinition:AlertManagerDefinition")[0], "definition");
        // The account the stand-in engine deploys to, read off a topic ARN the program received.
        const account = prop<string[]>(named(plan, "aws:cloudwatch/metricAlarm:MetricAlarm", `${app}-monitoring-heartbeat`), "alarmActions")[0].split(":")[4];
        const rendered = renderStack(`${app}-production`, undefined, undefined, account).find((a) => a.path === ARTIFACT_PATHS.ampDefinition);
        t.is(rendered?.content, deployed, app);
    });
    // Without the account the render says its ARNs are placeholders.
    t.true(renderStack("bunty-production").find((a) => a.path === ARTIFACT_PATHS.ampDefinition)!.content.startsWith("# Receiver values in this file are placeholders"));
});

test("external reachability: every public host has a Route 53 HTTPS check on its health path from three regions, and an alarm in us-east-1 that pages as the runbook's service_down critical", (t) => {
    each((app, plan, rb) => {
        const checks = ofType(plan, "aws:route53/healthCheck:HealthCheck");
        const alarms = ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => prop(a, "namespace") === "AWS/Route53");
        // Every name the certificate serves is checked, but the idle colour's test host of a blue/green service (no targets between deployments).
        const certificate = ofType(plan, "aws:acm/certificate:Certificate")[0] as PlannedResource | undefined;
        const served = certificate ? [prop<string>(certificate, "domainName"), ...(prop<string[] | undefined>(certificate, "subjectAlternativeNames") ?? [])] : [];
        const testHosts = rb.aws.blueGreen ? served.filter((h) => served.includes(h.replace(/^green\./, "")) && h.startsWith("green.")) : [];
        const publicHosts = served.filter((h) => !testHosts.includes(h));
        t.deepEqual(checks.map((c) => prop<string>(c, "fqdn")).sort(), [...publicHosts].sort(), app);
        for (const s of rb.services.filter((x) => x.host)) t.true(publicHosts.includes(s.host!), `${app}: the runbook's host ${s.host} is checked`);
        const level = rb.alerts.find((a) => a.signal === "service_down")!.levels.find((l) => l.severity === "critical")!;
        const critical = prop<string[]>(named(plan, "aws:cloudwatch/metricAlarm:MetricAlarm", `${app}-monitoring-heartbeat`), "alarmActions")[0].replace(/-heartbeat$/, "-critical");
        const providers = new Map(ofType(plan, "pulumi:providers:aws").map((x) => [x.urn, prop<string>(x, "region")]));
        for (const c of checks) {
            const host = prop<string>(c, "fqdn");
            const service = rb.services.find((x) => x.host === host);
            t.like(c.props, { type: "HTTPS", port: 443, enableSni: true, resourcePath: service ? service.healthPath : "/api/health" }, `${app} ${host}`);
            t.true(prop<string[]>(c, "regions").length >= 3, `${app} ${host}: checked from several regions`);
            const mine = alarms.filter((a) => prop(a, "dimensions.HealthCheckId") === mockId(c));
            t.is(mine.length, 1, `${app} ${host}: one alarm`);
            const a = mine[0];
            t.like(a.props, { metricName: "HealthCheckStatus", comparisonOperator: "LessThanThreshold", threshold: 1, period: 60, treatMissingData: "breaching" }, `${app} ${host}`);
            t.is(prop(a, "evaluationPeriods"), Math.max(1, Math.ceil(durationSeconds(level.for) / 60)), `${app} ${host}: the runbook's for`);
            t.deepEqual(prop(a, "alarmActions"), [critical], `${app} ${host}: pages`);
            t.not(prop(a, "actionsEnabled"), false);
            t.is(providers.get(a.options.provider!.split("::").slice(0, -1).join("::")), "us-east-1", `${app} ${host}: HealthCheckStatus exists only in us-east-1`);
        }
    });
});

test("the managed services' thresholds are alarmed where the runbook has them", (t) => {
    const alarmsOf = (app: AppId, alertId: string) => ofType(plans.get(app)!, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => prop(a, "tags.runbook:alert") === alertId);
    const metricOf = (a: PlannedResource) => prop<{ metric?: { metricName: string } }[] | undefined>(a, "metricQueries")?.find((q) => q.metric)?.metric?.metricName ?? prop<string>(a, "metricName");
    t.true(alarmsOf("personal-finance-hub", "kafka-consumer-lag").every((a) => metricOf(a) === "SumOffsetLag" && prop(a, "dimensions.Consumer Group") === "pfh-dashboard-consumer"));
    t.is(alarmsOf("personal-finance-hub", "kafka-consumer-lag").length, 2);
    t.true(alarmsOf("personal-finance-hub", "postgres-pool-usage").every((a) => metricOf(a) === "DatabaseConnections"));
    t.is(alarmsOf("personal-finance-hub", "postgres-pool-usage").length, 2, "primary and replica");
    t.true(alarmsOf("personal-finance-hub", "redis-memory-usage").every((a) => metricOf(a) === "DatabaseMemoryUsagePercentage"));
    t.true(alarmsOf("pfm-community", "redis-hit-rate").every((a) => metricOf(a) === "CacheHitRate"));
    t.true(alarmsOf("gravitypm", "mongodb-replication-lag").every((a) => metricOf(a) === "DBInstanceReplicaLag"));
    t.is(alarmsOf("gravitypm", "mongodb-replication-lag").length, getRunbook("gravitypm").data.mongodb!.replicaSetMembers);
    t.true(alarmsOf("gravitypm", "mongodb-connections").every((a) => metricOf(a) === "DatabaseConnections"));
    t.true(alarmsOf("formula-pm", "http-error-rate").every((a) => JSON.stringify(prop(a, "metricQueries")).includes("HTTPCode_Target_5XX_Count")));
    t.true(alarmsOf("formula-pm", "http-latency-p95").every((a) => prop(a, "extendedStatistic") === "p95" && metricOf(a) === "TargetResponseTime"));
    t.true(alarmsOf("gravitypm", "certificate-expiry").every((a) => metricOf(a) === "DaysToExpiry"));
    t.true(alarmsOf("bunty", "disk-usage").some((a) => metricOf(a) === "FreeStorageSpace"));
    t.true(alarmsOf("bunty", "cpu-usage").length === 0, "bunty's runbook has no CPU alert");
});

test("Amazon Managed Prometheus: the alerting capability's rules for aws, routed per severity to SNS; PagerDuty on critical, email on warning", (t) => {
    each((app, plan, rb) => {
        const rules = ofType(plan, "aws:amp/ruleGroupNamespace:RuleGroupNamespace");
        t.is(rules.length, 1);
        t.deepEqual(YAML.parse(prop<string>(rules[0], "data")), JSON.parse(JSON.stringify(rulesFor(rb, "production", "aws"))));
        const ruleNames = (YAML.parse(prop<string>(rules[0], "data")) as { groups: { rules: { alert: string; labels: { alert_id?: string } }[] }[] }).groups.flatMap((g) => g.rules);
        for (const signal of CLOUDWATCH_ONLY_SIGNALS) t.false(ruleNames.some((r) => rb.alerts.find((a) => a.id === r.labels.alert_id)?.signal === signal), `${app}: ${signal} is a CloudWatch alarm, not a rule`);
        const definition = YAML.parse(YAML.parse(prop<string>(ofType(plan, "aws:amp/alertManagerDefinition:AlertManagerDefinition")[0], "definition")).alertmanager_config) as {
            receivers: { name: string; sns_configs: { topic_arn: string }[] }[];
        };
        const topics = definition.receivers.map((r) => r.sns_configs[0].topic_arn.split(":").pop()).sort();
        t.deepEqual(topics, ["critical", "heartbeat", "info", "warning"].map((s) => `${app}-production-${s}`));
        const subs = ofType(plan, "aws:sns/topicSubscription:TopicSubscription");
        // Pages go through the Events API v2 forwarder, on the critical topic only; its routing key is a secret in Secrets Manager.
        t.false(subs.some((s) => prop(s, "protocol") === "https"), "no PagerDuty CloudWatch-integration URL");
        const pagerFn = named(plan, "aws:lambda/function:Function", `${app}-monitoring-pager`);
        t.is(prop(pagerFn, "environment.variables.EVENTS_URL"), PAGERDUTY_EVENTS_URL);
        t.is(prop(pagerFn, "environment.variables.APP"), app);
        const pagerSubs = subs.filter((s) => s.name.endsWith("-pager"));
        t.deepEqual(pagerSubs.map((s) => prop<string>(s, "topic").split(":").pop()), [`${app}-production-critical`]);
        const routingKey = ofType(plan, "aws:secretsmanager/secretVersion:SecretVersion").find((v) => v.name === `${app}-monitoring-pager-routing-key`)!;
        t.true(routingKey.secretPaths.includes("secretString"));
        t.is(routingKey.inputs.secretString, "[secret]");
        const definitionText = YAML.parse(prop<string>(ofType(plan, "aws:amp/alertManagerDefinition:AlertManagerDefinition")[0], "definition")).alertmanager_config as string;
        t.true(definitionText.includes("group={{ range .GroupLabels.SortedPairs }}"), "AMP notifications carry the group key the pager deduplicates on");
        const email = subs.filter((s) => prop(s, "protocol") === "email");
        t.deepEqual(email.map((s) => prop(s, "endpoint")), rb.incident.channels.email ? [rb.incident.channels.email] : []);
        for (const s of email) t.true(prop<string>(s, "topic").endsWith(`:${app}-production-warning`));
        t.is(subs.filter((s) => s.name.endsWith("-chat")).length, 3, `${app}: chat on every severity`);
        t.is(prop(named(plan, "aws:lambda/function:Function", `${app}-monitoring-chat`), "environment.variables.CHANNEL"), rb.incident.channels.chat);
    });
});

test("secrets: every password, token and secret string input is a Pulumi secret; no task definition or plan input holds a generated value", (t) => {
    each((app, plan) => {
        for (const r of plan.resources) {
            for (const path of credentialPaths(r.props)) t.true(r.secretPaths.some((p) => p === path || path.startsWith(`${p}.`) || path.startsWith(`${p}[`)), `${app} ${r.type} ${r.name}: ${path} is not secret`);
            t.false(JSON.stringify(r.inputs).includes("generated-"), `${app} ${r.name}: a generated secret is visible`);
        }
        for (const td of ofType(plan, "aws:ecs/taskDefinition:TaskDefinition")) t.false(JSON.stringify(td.props).includes("generated-"), `${app} ${td.name}: a credential in a task definition`);
        const versions = ofType(plan, "aws:secretsmanager/secretVersion:SecretVersion");
        t.true(versions.length >= 1);
        for (const v of versions) t.deepEqual(v.secretPaths, ["secretString"]);
    });
});

test("stateful resources are protected; keys and vaults outlive the stack", (t) => {
    const stateful = [
        "aws:rds/instance:Instance",
        "aws:docdb/cluster:Cluster",
        "aws:docdb/clusterInstance:ClusterInstance",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:msk/cluster:Cluster",
        "aws:amp/workspace:Workspace",
        "aws:kms/key:Key",
        "aws:backup/vault:Vault",
    ];
    each((app, plan, rb) => {
        for (const type of stateful) for (const r of ofType(plan, type)) t.true(r.options.protect, `${app} ${r.name}`);
        for (const name of rb.data.objectStorage?.buckets ?? []) t.true(named(plan, "aws:s3/bucket:Bucket", `${app}-storage-${name}`).options.protect);
        for (const k of ofType(plan, "aws:kms/key:Key")) t.like(k, { options: { retainOnDelete: true }, props: { enableKeyRotation: true } });
    });
});

test("the metrics collector runs the exporters the metrics contract requires on AWS and writes to the AMP workspace", (t) => {
    each((app, plan, rb) => {
        const td = named(plan, "aws:ecs/taskDefinition:TaskDefinition", `${app}-collector-task`);
        const names = (JSON.parse(prop<string>(td, "containerDefinitions")) as { name: string }[]).map((c) => c.name);
        t.true(names.includes("prometheus-agent"));
        t.true(names.includes("blackbox-exporter"));
        for (const d of ["postgres", "redis", "kafka", "mongodb"] as const) {
            const needed = rb.alerts.some((a) => a.subject === d || (d === "postgres" && a.signal.startsWith("postgres")) || a.signal.startsWith(d));
            if (needed) t.true(names.includes(`${d}-exporter`), `${app}: ${d}-exporter`);
            if (!rb.data[d]) t.false(names.includes(`${d}-exporter`));
        }
        const service = named(plan, "aws:ecs/service:Service", `${app}-collector-service`);
        t.is(prop(service, "desiredCount"), 1);
    });
});
