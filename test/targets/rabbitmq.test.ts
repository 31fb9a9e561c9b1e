import test from "ava";
import { createHash } from "crypto";
import YAML from "yaml";
import { planStack, type PlannedResource, type StackPlan } from "../../cli/harness/runtime";
import { names as kubernetesNames } from "../../capabilities/kubernetes/names";
import { topologySpecs } from "../../capabilities/kubernetes/rabbitmq";
import { MANAGEMENT_ENV, queueConsumers, rabbitmqTopologyScript } from "../../capabilities/rabbitmq";
import { unreadKeys } from "../providers/chart-values";
import { chartDir } from "../providers/helm";
import { runPolicies } from "../../policies/offline";
import { policies } from "../../policies/pack";
import { parseRunbook, type Runbook } from "../../runbooks";
import { rabbitMqApp, WORKER, WORKER_IMAGE } from "./rabbitmq-app";
import type { PlatformContext } from "../../stacks/settings";
import { DEFAULTS } from "../../runbooks/defaults";
import { awsCron } from "../../capabilities/schedules";
import { runbookBackups } from "../../capabilities/backups/plan";

/**
 * A sixth team's runbook, built from bunty's: its API and frontend plus a worker that consumes two
 * RabbitMQ queues, and `data.rabbitmq`. No real runbook has RabbitMQ, so this is the one plan of
 * the kind on each target: local (Docker), staging (Kubernetes), production (AWS). Expected
 * values are read from the synthetic runbook's data, never from the generators under test.
 */


const RB = rabbitMqApp();
const MQ = RB.data.rabbitmq!;
const withRabbitMq = (c: PlatformContext): PlatformContext => ({
    ...c,
    runbook: RB,
    baseline: RB,
    settings: { ...c.settings, images: { ...c.settings.images, [WORKER]: WORKER_IMAGE } },
});

const plans = new Map<string, StackPlan>();
test.before(async () => {
    for (const env of ["local", "staging", "production"]) plans.set(env, await planStack(`bunty-${env}`, { mutate: withRabbitMq }));
});
const ofType = (plan: StackPlan, type: string) => plan.resources.filter((r) => r.type === type);
const props = (r: PlannedResource) => r.props as Record<string, any>;
const one = (plan: StackPlan, type: string, where: (r: PlannedResource) => boolean = () => true) => {
    const found = ofType(plan, type).filter(where);
    if (found.length !== 1) throw new Error(`${plan.stack}: ${found.length} ${type}, expected one (have ${ofType(plan, type).map((r) => r.name).join(", ")})`);
    return found[0];
};
/** Backlog each worker replica should keep up with: the smallest of its queues' targets. */
const workerTarget = Math.min(...MQ.queues.filter((q) => q.consumer === WORKER).map((q) => q.messagesPerConsumer));
/** RabbitMQ's rabbit_password_hashing_sha256, checked from its definition: base64(salt(4) ‖ sha256(salt ‖ password)). */
const hashMatches = (hash: string, password: string) => {
    const raw = Buffer.from(hash, "base64");
    const salt = raw.subarray(0, 4);
    return raw.length === 36 && createHash("sha256").update(Buffer.concat([salt, Buffer.from(password)])).digest().equals(raw.subarray(4));
};

test("the synthetic runbook is a valid runbook whose queues name its worker", (t) => {
    t.is(MQ.queues.length, 2);
    t.true(RB.services.some((s) => s.name === WORKER && s.role === "worker"));
    // A queue consumed by a service the runbook does not run as a worker is refused by name.
    const broken: Runbook = { ...RB, data: { ...RB.data, rabbitmq: { ...MQ, queues: [{ ...MQ.queues[0], consumer: "backend" }] } } };
    t.throws(() => queueConsumers(broken), { message: /data\.rabbitmq\.queues\[0\]\.consumer` = "backend": not a worker service of the runbook; allowed: mailer/ });
    // A quorum queue that is not durable is refused by the schema.
    t.throws(() => parseRunbook({ ...RB, data: { ...RB.data, rabbitmq: { ...MQ, queues: [{ ...MQ.queues[0], durable: false }] } } }), { message: /a quorum queue is always durable/ });
});

test("Docker: the official management image at the runbook's version, healthchecked and limited, loading the runbook's queues with the generated password hashed", (t) => {
    const plan = plans.get("local")!;
    const component = one(plan, "platform:docker:RabbitMq");
    const broker = one(plan, "docker:index/container:Container", (r) => r.parent === component.urn);
    const label = (name: string) => (props(broker).labels as { label: string; value: string }[]).find((l) => l.label === name)?.value;
    t.regex(label("platform.image")!, new RegExp(`^rabbitmq:${MQ.version.replace(".", "\\.")}\\.\\d+-management$`));
    t.truthy(props(broker).healthcheck?.tests?.length, "healthcheck");
    t.true(props(broker).memory > 0, "memory limit");
    t.true(broker.secretPaths.some((p) => p.startsWith("uploads")), "the definitions upload is kept secret");
    const upload = (suffix: string) => (props(broker).uploads as { file: string; content: string }[]).find((u) => u.file.endsWith(suffix))!;
    const definitions = JSON.parse(upload("definitions.json").content);
    t.deepEqual(
        definitions.queues.map((q: any) => [q.name, q.vhost, q.durable, q.arguments["x-queue-type"]]),
        MQ.queues.map((q) => [q.name, MQ.vhost, q.durable, q.type]),
    );
    const password = one(plan, "random:index/randomPassword:RandomPassword", (r) => r.name.endsWith("-rabbitmq"));
    t.true(hashMatches(definitions.users[0].password_hash, `generated-${password.name}`), "the user's hash is RabbitMQ's sha256 of the generated password");
    t.deepEqual(definitions.permissions.map((p: any) => [p.user, p.vhost]), [[definitions.users[0].name, MQ.vhost]]);
    t.regex(upload(".conf").content, /load_definitions = \/etc\/rabbitmq\/definitions\.json/);
    // Without per-object metrics /metrics aggregates the queues away, and the queue signals read nothing.
    t.regex(upload(".conf").content, /^prometheus\.return_per_object_metrics = true$/m);
    // The worker gets the URL as a secret environment value, with the vhost and queues in the clear.
    const worker = ofType(plan, "docker:index/container:Container").find((r) => (props(r).labels as { label: string; value: string }[]).some((l) => l.label === "component" && l.value === WORKER))!;
    const envs = props(worker).envs as string[];
    t.true(envs.includes(`RABBITMQ_VHOST=${MQ.vhost}`));
    t.true(envs.some((e) => e.startsWith(`RABBITMQ_URL=amqp://bunty-app:generated-`)), "URL with the generated password");
    t.true(worker.secretPaths.some((p) => p.startsWith("envs[")), "the URL env is secret");
    // Prometheus scrapes the built-in plugin's per-queue endpoint.
    const prometheus = ofType(plan, "docker:index/container:Container").find((r) => (props(r).uploads as { file: string }[] | undefined)?.some((u) => u.file.endsWith("prometheus.yml")))!;
    const config = YAML.parse((props(prometheus).uploads as { file: string; content: string }[]).find((u) => u.file.endsWith("prometheus.yml"))!.content);
    const job = config.scrape_configs.find((j: any) => j.job_name === "rabbitmq");
    t.is(job?.metrics_path, "/metrics");
    t.deepEqual(job?.static_configs[0].targets, ["rabbitmq:15692"]);
});

test("Kubernetes: a RabbitmqCluster of the runbook's nodes, its queues as objects, and KEDA scaling the worker on each queue's depth", (t) => {
    const plan = plans.get("staging")!;
    const cluster = one(plan, "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster");
    t.is(props(cluster).spec.replicas, MQ.nodes);
    t.regex(props(cluster).spec.rabbitmq.additionalConfig, /^prometheus\.return_per_object_metrics = true$/m, "per-queue series on the scraped /metrics");
    const namespace = one(plan, "kubernetes:core/v1:Namespace", (r) => props(r).metadata.name === props(cluster).metadata.namespace);
    t.is(cluster.options.protect, namespace.options.protect, "protected as the stack's other state");
    const queues = ofType(plan, "kubernetes:rabbitmq.com/v1beta1:Queue").map((r) => props(r).spec);
    t.deepEqual(
        queues.map((q) => [q.name, q.vhost, q.type, q.durable, q.rabbitmqClusterReference.name]),
        MQ.queues.map((q) => [q.name, MQ.vhost, q.type, q.durable, props(cluster).metadata.name]),
    );
    const user = one(plan, "kubernetes:rabbitmq.com/v1beta1:User");
    const userSecret = one(plan, "kubernetes:core/v1:Secret", (r) => props(r).metadata.name === props(user).spec.importCredentialsSecret.name);
    t.true(userSecret.secretPaths.some((p) => p.startsWith("stringData")), "the imported credentials are secret");
    const release = one(plan, "kubernetes:helm.sh/v3:Release", (r) => props(r).chart === "rabbitmq-cluster-operator");
    t.regex(props(release).version, /^\d+\.\d+\.\d+$/);
    t.deepEqual(props(release).values.clusterOperator.watchNamespaces, [props(cluster).metadata.namespace]);
    t.deepEqual(unreadKeys(chartDir(props(release).chart, props(release).version), props(release).values), [], "every value key is read by the vendored chart");
    const scaled = one(plan, "kubernetes:keda.sh/v1alpha1:ScaledObject", (r) => props(r).spec.scaleTargetRef.name.endsWith(`-${WORKER}`));
    const triggers = props(scaled).spec.triggers as any[];
    t.deepEqual(
        triggers.map((tr) => [tr.type, tr.metadata.queueName, tr.metadata.mode, Number(tr.metadata.value), tr.metadata.vhostName]),
        MQ.queues.filter((q) => q.consumer === WORKER).map((q) => ["rabbitmq", q.name, "QueueLength", workerTarget, MQ.vhost]),
    );
    const auth = one(plan, "kubernetes:keda.sh/v1alpha1:TriggerAuthentication");
    t.true(triggers.every((tr) => tr.authenticationRef.name === props(auth).metadata.name));
    const ref = props(auth).spec.secretTargetRef[0];
    const appEnv = one(plan, "kubernetes:core/v1:Secret", (r) => props(r).metadata.name === ref.name);
    t.truthy(props(appEnv).stringData[ref.key], "the app env Secret holds the key KEDA reads");
    t.is(ofType(plan, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").filter((r) => props(r).spec.scaleTargetRef.name.endsWith(`-${WORKER}`)).length, 0, "KEDA, not an HPA, owns the worker's replicas");
    // The broker's pods take connections only from the labelled pods, monitoring and operators.
    const policy = one(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", (r) => props(r).metadata.name.endsWith("-data-rabbitmq"));
    t.is(props(policy).spec.podSelector.matchLabels["app.kubernetes.io/name"], props(cluster).metadata.name);
    const monitor = one(plan, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor", (r) => props(r).metadata.name === props(cluster).metadata.name);
    t.is(props(monitor).spec.endpoints[0].path, "/metrics");
});

test("AWS: Amazon MQ for RabbitMQ, private, in its own security group, clustered over three AZs for three nodes, and the worker tracking messages ready per task", (t) => {
    const plan = plans.get("production")!;
    const broker = one(plan, "aws:mq/broker:Broker");
    const p = props(broker);
    t.is(p.engineType, "RabbitMQ");
    t.is(p.publiclyAccessible, false);
    t.is(p.deploymentMode, MQ.nodes === 3 ? "CLUSTER_MULTI_AZ" : "SINGLE_INSTANCE");
    t.is(p.subnetIds.length, MQ.nodes === 3 ? 3 : 1);
    t.is(p.logs.general, true);
    t.is(broker.options.protect, true, "stateful in production: protected");
    t.true(broker.secretPaths.some((s) => s.startsWith("users")), "the user's password is secret");
    const [sgId] = p.securityGroups as string[];
    const group = plan.resources.find((r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && `${r.name}-id` === sgId);
    t.truthy(group, "the broker's group is one of ours");
    const ingress = ofType(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => props(r).securityGroupId === sgId);
    t.true(ingress.length > 0);
    const tasksGroup = plan.resources.find((r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && r.name.endsWith("-tasks"))!;
    t.deepEqual(
        ingress.map((r) => props(r).fromPort).sort(),
        [443, 5671, 5671],
        "AMQPS from the tasks and the collector; the management API (HTTPS) from the tasks only, for the topology task",
    );
    t.is(ingress.find((r) => props(r).fromPort === 443)?.props.referencedSecurityGroupId, `${tasksGroup.name}-id`);
    t.true(ingress.every((r) => props(r).referencedSecurityGroupId && !props(r).cidrIpv4), "from our groups, never a CIDR");
    // The runbook's vhost, the user's permissions and the queues: Amazon MQ makes none of them, the one-off topology task does.
    const topology = one(plan, "aws:ecs/taskDefinition:TaskDefinition", (r) => props(r).family.endsWith("-rabbitmq-topology"));
    const [container] = JSON.parse(props(topology).containerDefinitions) as any[];
    t.deepEqual(container.command, [rabbitmqTopologyScript(RB)]);
    t.deepEqual(container.environment.map((e: any) => e.name), [MANAGEMENT_ENV.url]);
    t.regex(container.environment[0].value, /^https:\/\/b-[^/]+\.mq\.[a-z0-9-]+\.amazonaws\.com$/, "the broker's console URL, its management API");
    const credentials = one(plan, "aws:secretsmanager/secret:Secret", (r) => r.name.endsWith("-rabbitmq-credentials"));
    t.deepEqual(
        container.secrets.map((s: any) => s.name).sort(),
        [MANAGEMENT_ENV.password, MANAGEMENT_ENV.user].sort(),
    );
    t.true(container.secrets.every((s: any) => String(s.valueFrom).startsWith(`${credentials.name}-arn`) || String(s.valueFrom).includes(credentials.name)), "the broker user's secret");
    t.false(JSON.stringify(container).includes("generated-"), "no password in the task definition");
    const policy = one(plan, "aws:appautoscaling/policy:Policy", (r) => r.name.endsWith(`-${WORKER}-queue-depth`));
    const tracking = props(policy).targetTrackingScalingPolicyConfiguration;
    t.is(tracking.targetValue, workerTarget);
    const queueMetrics = (tracking.customizedMetricSpecification.metrics as any[]).filter((m) => m.metricStat?.metric.namespace === "AWS/AmazonMQ");
    t.deepEqual(
        queueMetrics.map((m) => Object.fromEntries(m.metricStat.metric.dimensions.map((d: any) => [d.name, d.value]))),
        MQ.queues.filter((q) => q.consumer === WORKER).map((q) => ({ Broker: p.brokerName, VirtualHost: MQ.vhost, Queue: q.name })),
    );
    const task = one(plan, "aws:ecs/taskDefinition:TaskDefinition", (r) => props(r).family.endsWith(`-${WORKER}`));
    const app = (JSON.parse(props(task).containerDefinitions) as any[]).find((c) => c.name === WORKER);
    t.true(app.secrets.some((s: any) => s.name === "RABBITMQ_URL" && /:url::$/.test(s.valueFrom)), "URL from Secrets Manager");
    t.false(JSON.stringify(app.environment).includes("generated-"), "no password in the plain environment");
});

const RABBITMQ_POLICIES = ["aws-mq-broker-not-public", "aws-mq-broker-cluster-deployment", "k8s-rabbitmqcluster-quorum", "k8s-rabbitmqcluster-not-public", "docker-container-rabbitmq-definitions-hashed", "aws-securitygroup-no-public-data-ports", "docker-container-data-ports-loopback"];

test("the pack's RabbitMQ policies pass the planned stacks, and catch each one loosened in the plan", async (t) => {
    const run = async (plan: StackPlan) => {
        const report = await runPolicies(plan, { policies: policies.filter((p) => RABBITMQ_POLICIES.includes(p.name)), exceptions: [] });
        return report.outcomes.flatMap((o) => o.violations.map((v) => `${o.name}: ${v.message}`));
    };
    for (const env of ["local", "staging", "production"]) t.deepEqual(await run(plans.get(env)!), [], `bunty-${env}`);
    const loosened = (env: string, type: string, edit: (p: Record<string, any>) => void): StackPlan => {
        const plan = structuredClone(plans.get(env)!);
        const r = plan.resources.find((x) => x.type === type)!;
        edit(r.props as Record<string, any>);
        return plan;
    };
    t.regex((await run(loosened("production", "aws:mq/broker:Broker", (p) => (p.publiclyAccessible = true)))).join("\n"), /aws-mq-broker-not-public: .*publiclyAccessible is true/);
    t.regex((await run(loosened("production", "aws:mq/broker:Broker", (p) => (p.deploymentMode = "SINGLE_INSTANCE")))).join("\n"), /aws-mq-broker-cluster-deployment/);
    t.regex((await run(loosened("staging", "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster", (p) => (p.spec.replicas = 1)))).join("\n"), /k8s-rabbitmqcluster-quorum: .*need at least 3 nodes/);
    t.regex((await run(loosened("staging", "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster", (p) => (p.spec.service = { type: "LoadBalancer" })))).join("\n"), /k8s-rabbitmqcluster-not-public/);
    const open = structuredClone(plans.get("production")!);
    const [sgId] = props(one(open, "aws:mq/broker:Broker")).securityGroups as string[];
    const rule = open.resources.find((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && props(r).securityGroupId === sgId)!;
    Object.assign(rule.props, { cidrIpv4: "0.0.0.0/0", referencedSecurityGroupId: undefined });
    t.regex((await run(open)).join("\n"), /aws-securitygroup-no-public-data-ports: .*RabbitMQ \(AMQPS\)/);
    const plainPassword = loosened("local", "platform:docker:RabbitMq", () => undefined);
    const broker = plainPassword.resources.find((r) => r.type === "docker:index/container:Container" && (r.props.uploads as any[] | undefined)?.some((u) => u.file.endsWith("definitions.json")))!;
    const upload = (broker.props.uploads as any[]).find((u) => u.file.endsWith("definitions.json"));
    const doc = JSON.parse(upload.content);
    doc.users[0].password = "hunter2";
    upload.content = JSON.stringify(doc);
    t.regex((await run(plainPassword)).join("\n"), /docker-container-rabbitmq-definitions-hashed: .*a plain password/);
    const published = structuredClone(plans.get("local")!);
    const container = published.resources.find((r) => r.type === "docker:index/container:Container" && r.name.endsWith("-rabbitmq-broker"))!;
    (container.props.ports as any[]).forEach((p) => (p.ip = "0.0.0.0"));
    t.regex((await run(published)).join("\n"), /docker-container-data-ports-loopback: .*RabbitMQ \(AMQP\)/);
});

const BACKUP_POLICIES = ["docker-backup-runbook-schedule", "k8s-cronjob-backup-runbook-schedule", "k8s-backup-job-effective", "aws-backup-plan-runbook-schedule"];

test("the definitions backup is planned on every target, and the backup policies catch it suspended or missing", async (t) => {
    const run = async (plan: StackPlan) => {
        // The pack's per-app config defaults are the committed runbooks' (bunty backs up no rabbitmq): an operator's config names the synthetic app's datasets.
        const datasets = (keep: (d: string) => boolean) => ({ datasets: { [RB.app]: runbookBackups(RB).map((b) => b.dataset).filter(keep) } });
        const config = {
            "docker-backup-runbook-schedule": datasets(() => true),
            "k8s-cronjob-backup-runbook-schedule": datasets((d) => d !== "postgres"),
            "aws-backup-plan-runbook-schedule": datasets((d) => d !== "redis"),
        };
        const report = await runPolicies(plan, { policies: policies.filter((p) => BACKUP_POLICIES.includes(p.name)), exceptions: [], runbook: RB, config });
        return report.outcomes.flatMap((o) => o.violations.map((v) => `${o.name}: ${v.message}`));
    };
    for (const env of ["local", "staging", "production"]) t.deepEqual(await run(plans.get(env)!), [], `bunty-${env}`);
    const env = (r: PlannedResource) => new Map(((props(r).envs as string[] | undefined) ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));

    // Docker: the backup container, on the platform default's cron (the runbook states none).
    const local = plans.get("local")!;
    const container = one(local, "docker:index/container:Container", (r) => env(r).get("JOB_DATASET") === "rabbitmq");
    t.is(env(container).get("CRON_SCHEDULE"), DEFAULTS.rabbitmqDefinitionsBackup.value.cron);
    t.true(container.secretPaths.some((p) => p.startsWith("envs")), "the admin password only in a secret env");
    const withoutContainer = structuredClone(local);
    (withoutContainer as { resources: PlannedResource[] }).resources = withoutContainer.resources.filter((r) => r.urn !== container.urn);
    t.regex((await run(withoutContainer)).join("\n"), /docker-backup-runbook-schedule: the Docker stack has no backup schedule for rabbitmq/);

    // Kubernetes: the backup CronJob and its restore check; suspended, it is a finding.
    const staging = plans.get("staging")!;
    const cronJob = one(staging, "kubernetes:batch/v1:CronJob", (r) => props(r).metadata?.name === `${RB.app}-backup-rabbitmq`);
    one(staging, "kubernetes:batch/v1:CronJob", (r) => props(r).metadata?.name === `${RB.app}-restore-check-rabbitmq`);
    t.is(props(cronJob).spec.schedule, DEFAULTS.rabbitmqDefinitionsBackup.value.cron);
    const suspended = structuredClone(staging);
    props(suspended.resources.find((r) => r.urn === cronJob.urn)!).spec.suspend = true;
    t.regex((await run(suspended)).join("\n"), /k8s-cronjob-backup-runbook-schedule: .*spec\.suspend is true.*rabbitmq/);

    // AWS: a schedule starting the backup task, into the platform backup bucket; disabled or deleted, it is a finding.
    const production = plans.get("production")!;
    const schedule = one(production, "aws:scheduler/schedule:Schedule", (r) => String(props(r).name).endsWith("-backup-rabbitmq"));
    t.is(props(schedule).scheduleExpression, awsCron(DEFAULTS.rabbitmqDefinitionsBackup.value.cron));
    t.is(props(schedule).state, "ENABLED");
    const task = one(production, "aws:ecs/taskDefinition:TaskDefinition", (r) => props(r).family === props(schedule).name);
    const [container0] = JSON.parse(props(task).containerDefinitions);
    t.regex(container0.image, /^amazon\/aws-cli:/);
    t.deepEqual(container0.secrets.map((s: any) => s.name).sort(), [MANAGEMENT_ENV.password, MANAGEMENT_ENV.user]);
    t.regex(container0.environment.find((e: any) => e.name === "BACKUP_DEST").value, /^s3:\/\/platform-backups-.*/);
    one(production, "aws:cloudwatch/metricAlarm:MetricAlarm", (r) => props(r).namespace === "Platform/Backups" && props(r).metricName === "RestoreChecksFailed");
    const checkTask = one(production, "aws:ecs/taskDefinition:TaskDefinition", (r) => String(props(r).family).endsWith("-restore-check-rabbitmq"));
    const [checkContainer] = JSON.parse(props(checkTask).containerDefinitions);
    t.deepEqual(checkContainer.secrets, [], "the restore check reads the store only, never the broker's secret");
    t.deepEqual(checkContainer.environment.find((e: any) => e.name === "VERIFY_RABBITMQ_NAMES").value.split(" "), [MQ.vhost, ...MQ.queues.map((q) => q.name)]);
    const disabled = structuredClone(production);
    props(disabled.resources.find((r) => r.urn === schedule.urn)!).state = "DISABLED";
    t.regex((await run(disabled)).join("\n"), /aws-backup-plan-runbook-schedule: .*state DISABLED.*rabbitmq/);
    const deleted = structuredClone(production);
    (deleted as { resources: PlannedResource[] }).resources = deleted.resources.filter((r) => r.urn !== schedule.urn);
    t.regex((await run(deleted)).join("\n"), /aws-backup-plan-runbook-schedule: .*no backup schedule for rabbitmq/);
});

test("queue names that collide as Kubernetes object names are refused by name", (t) => {
    const clash: Runbook = { ...RB, data: { ...RB.data, rabbitmq: { ...MQ, queues: [MQ.queues[0], { ...MQ.queues[1], name: MQ.queues[0].name.toUpperCase() }] } } };
    t.throws(() => topologySpecs(clash, kubernetesNames("bunty", "bunty")), { message: /data\.rabbitmq\.queues\[1\]\.name` = "MAIL\.OUTBOUND" and "mail\.outbound" make the same Kubernetes object name/ });
});
