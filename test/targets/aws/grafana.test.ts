import test from "ava";
import { readFileSync } from "fs";
import * as path from "path";
import YAML from "yaml";
import { captureRegistrations, planStack, type StackPlan } from "../../../cli/harness/runtime";
import { readStackConfig } from "../../../cli/harness/stack-files";
import { IMAGES } from "../../../capabilities/aws/collector";
import { awsNames } from "../../../capabilities/aws/names";
import { GRAFANA_SIGN_IN, GRAFANA_WRITABLE } from "../../../capabilities/aws/grafana";
import { WILDCARD_ONLY_ACTIONS } from "../../../capabilities/aws/iam-wildcard";
import { dashboardsFor, GRAFANA_ADMIN_USER, GRAFANA_HEALTH_PATH, GRAFANA_PORT, grafanaEnv } from "../../../capabilities/dashboards";
import { imageRepository, isPinned, PLATFORM_IMAGES } from "../../../capabilities/docker/versions";
import { fargateSize } from "../../../capabilities/sizing";
import { getRunbook, type AppId, type Runbook } from "../../../runbooks";
import { buildPlatform } from "../../../stacks/program";
import { mockId, named, ofType, prop, PRODUCTION } from "./helpers";

/**
 * Grafana on the AWS target: the five production stacks through the real program under the mock
 * engine, checked against the runbook (its hosts, its dashboards from `dashboardsFor`) and against
 * the other resources of the same plan (the AMP workspace the collector writes to, the data key,
 * the load balancer), never against copies of the values the program writes.
 */

const ROOT = path.resolve(__dirname, "..", "..", "..");
const CUSTOM_HOST = "dashboards.ops.example.com";
function stackText(stack: string, extra: Record<string, unknown>): string {
    const doc = YAML.parse(readFileSync(path.join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    return YAML.stringify({ config: { ...doc.config, ...extra } });
}

const plans = new Map<AppId, StackPlan>();
const custom = new Map<AppId, StackPlan>();
const endpoints = new Map<string, Record<string, string>>();
test.before(async () => {
    for (const app of PRODUCTION) plans.set(app, await planStack(`${app}-production`));
    for (const app of ["personal-finance-hub", "gravitypm"] as const) {
        custom.set(app, await planStack(`${app}-production`, { stackFileText: stackText(`${app}-production`, { "runbook-platform:aws": { grafanaHost: CUSTOM_HOST } }) }));
    }
    for (const stack of ["gravitypm-production", "personal-finance-hub-production"]) {
        let outputs: ReturnType<typeof buildPlatform> | undefined;
        const { config, secretKeys } = readStackConfig(stack);
        await captureRegistrations(stack, { config, secretKeys, region: config["aws:region"] }, () => {
            outputs = buildPlatform();
        });
        endpoints.set(stack, await new Promise<Record<string, string>>((resolve) => outputs!.endpoints.apply(resolve)));
    }
});
const each = (fn: (app: AppId, plan: StackPlan, rb: Runbook) => void) => {
    for (const app of PRODUCTION) fn(app, plans.get(app)!, getRunbook(app));
};

interface Container {
    name: string;
    image: string;
    essential: boolean;
    command?: string[];
    entryPoint?: string[];
    environment: { name: string; value: string }[];
    secrets: { name: string; valueFrom: string }[];
    mountPoints?: { sourceVolume: string; containerPath: string; readOnly: boolean }[];
    dependsOn?: { containerName: string; condition: string }[];
    portMappings?: { containerPort: number }[];
    healthCheck?: { command: string[] };
    logConfiguration: { options: Record<string, string> };
}
interface Statement {
    Effect: string;
    Action: string[];
    Resource: string | string[];
}

/** Everything of one stack's Grafana, found by the names and links the program gives it. */
function grafanaOf(app: AppId, plan: StackPlan) {
    const taskDefinition = named(plan, "aws:ecs/taskDefinition:TaskDefinition", `${app}-grafana-task`);
    const containers = JSON.parse(prop<string>(taskDefinition, "containerDefinitions")) as Container[];
    const grafana = containers.find((c) => c.essential)!;
    const init = containers.find((c) => !c.essential)!;
    const env = Object.fromEntries(grafana.environment.map((e) => [e.name, e.value]));
    const bucket = named(plan, "aws:s3/bucket:Bucket", `${app}-grafana-provisioning`);
    const objects = ofType(plan, "aws:s3/bucketObjectv2:BucketObjectv2").filter((o) => prop(o, "bucket") === mockId(bucket));
    const object = (key: string) => objects.find((o) => prop(o, "key") === key);
    // The init container copies the bucket's root into its mount; Grafana sees the same volume at its own mount.
    // A shell opens the writable volumes, then runs `aws s3 sync <source> <target>`.
    const [, source, target] = /exec aws s3 sync (\S+) (\S+)/.exec(init.command![0]) ?? [];
    const physical = /^s3:\/\/([^/]+)\/$/.exec(source)?.[1];
    const mount = (c: Container) => c.mountPoints!.find((m) => m.sourceVolume === init.mountPoints![0].sourceVolume)!;
    const atGrafana = (key: string) => `${mount(grafana).containerPath}/${key}`;
    const policy = (name: string) => JSON.parse(prop<string>(named(plan, "aws:iam/rolePolicy:RolePolicy", name), "policy")).Statement as Statement[];
    return { taskDefinition, containers, grafana, init, env, bucket, objects, object, physical, target, mount, atGrafana, policy, service: named(plan, "aws:ecs/service:Service", `${app}-grafana-service`) };
}

/** The workspace the collector remote-writes to, as its IAM policy names it, and its query URL from the agent's configuration. */
function workspaceOf(app: AppId, plan: StackPlan) {
    const arn = (JSON.parse(prop<string>(named(plan, "aws:iam/rolePolicy:RolePolicy", `${app}-collector-remote-write`), "policy")).Statement as Statement[])[0].Resource as string;
    // The agent's configuration is an object in the collector's bucket (an init container copies it in).
    const config = YAML.parse(prop<string>(named(plan, "aws:s3/bucketObjectv2:BucketObjectv2", `${app}-collector-config-prometheus`), "content")) as { remote_write: { url: string }[] };
    return { arn, endpoint: config.remote_write[0].url.replace(/api\/v1\/remote_write$/, "") };
}

/** The data key's ARN, as the app's log groups use it. */
const dataKeyOf = (app: AppId, plan: StackPlan) => prop<string>(named(plan, "aws:cloudwatch/logGroup:LogGroup", `${app}-collector-logs`), "kmsKeyId");

/** The host the brief asks for: grafana.<parent domain of the first public host>; an apex host is its own parent. */
function expectedHost(rb: Runbook): string | undefined {
    const first = rb.services.find((s) => s.host)?.host;
    if (!first) return undefined;
    const labels = first.split(".");
    return `grafana.${labels.slice(labels.length > 2 ? 1 : 0).join(".")}`;
}

test("Grafana: one ECS service in the app's cluster running a pinned Grafana (the Docker target's release) after a pinned aws-cli init container succeeded", (t) => {
    each((app, plan) => {
        const g = grafanaOf(app, plan);
        const appService = named(plan, "aws:ecs/service:Service", `${app}-services-${getRunbook(app).services[0].name}`);
        t.like(g.service.props, { name: "grafana", desiredCount: 1, launchType: "FARGATE", deploymentCircuitBreaker: { enable: true, rollback: true }, networkConfiguration: { assignPublicIp: false } });
        t.is(prop(g.service, "cluster"), prop(appService, "cluster"), `${app}: the app's own cluster`);
        t.is(prop(g.service, "taskDefinition"), `arn:aws:ecs:us-east-1:123456789012:${g.taskDefinition.name}`);
        // Task: a valid Fargate size, the family named like the app's tasks.
        t.is(prop(g.taskDefinition, "family"), awsNames(app, "production").taskFamily("grafana"));
        const size = { cpu: Number(prop(g.taskDefinition, "cpu")), memory: Number(prop(g.taskDefinition, "memory")) };
        t.deepEqual(fargateSize({ ...getRunbook(app).services[0].resources, limits: { cpu: size.cpu / 1024, memoryMiB: size.memory } }), size, `${app}: a valid Fargate size`);
        t.deepEqual(prop(g.taskDefinition, "requiresCompatibilities"), ["FARGATE"]);
        t.is(g.containers.length, 2);
        // Images: pinned; Grafana is the release the Docker target runs.
        t.is(g.grafana.image, PLATFORM_IMAGES.grafana);
        t.is(g.init.image, IMAGES.awsCli);
        t.is(imageRepository(g.init.image), "amazon/aws-cli");
        for (const c of g.containers) t.true(isPinned(c.image), `${app} ${c.name}: ${c.image} is pinned`);
        // The init container syncs the provisioning bucket into the shared volume; Grafana waits for its success and mounts it read-only.
        t.deepEqual(g.init.entryPoint, ["/bin/sh", "-c"]);
        t.regex(g.init.command![0], /^chmod 1777 \S+ \S+ && exec aws s3 sync /);
        t.is(g.physical, `${g.bucket.name}-1a2b3c4`, `${app}: the sync reads the provisioning bucket`);
        t.is(g.target, g.mount(g.init).containerPath);
        t.false(g.mount(g.init).readOnly);
        t.true(g.mount(g.grafana).readOnly);
        t.deepEqual(g.grafana.dependsOn, [{ containerName: g.init.name, condition: "SUCCESS" }]);
        t.deepEqual(prop(g.taskDefinition, "volumes"), [{ name: g.mount(g.init).sourceVolume }, ...GRAFANA_WRITABLE.map((w) => ({ name: w.volume }))]);
        t.is(g.init.environment.find((e) => e.name === "AWS_DEFAULT_REGION")?.value, getRunbook(app).aws.region);
        // Grafana: its port, its health endpoint, the shared settings (no sign-up, no anonymous access), logs in the app's log group.
        t.deepEqual(g.grafana.portMappings!.map((p) => p.containerPort), [GRAFANA_PORT]);
        t.true(g.grafana.healthCheck!.command[1].includes(`127.0.0.1:${GRAFANA_PORT}${GRAFANA_HEALTH_PATH}`));
        t.like(g.env, grafanaEnv());
        t.is(g.env.GF_USERS_ALLOW_SIGN_UP, "false");
        t.is(g.env.GF_AUTH_ANONYMOUS_ENABLED, "false");
        t.is(g.env.GF_AUTH_SIGV4_AUTH_ENABLED, "true");
        for (const c of g.containers) t.is(c.logConfiguration.options["awslogs-group"], prop<string>(named(plan, "aws:cloudwatch/logGroup:LogGroup", `${app}-grafana-logs`), "name"));
    });
});

test("Grafana's admin password reaches the task only as a Secrets Manager reference the execution role alone may read; no literal secret anywhere", (t) => {
    each((app, plan) => {
        const g = grafanaOf(app, plan);
        const secret = named(plan, "aws:secretsmanager/secret:Secret", `${app}-grafana-admin`);
        const secretArn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${secret.name}-AbCdEf`;
        t.deepEqual(g.grafana.secrets, [{ name: "GF_SECURITY_ADMIN_PASSWORD", valueFrom: `${secretArn}:password::` }]);
        t.deepEqual(g.init.secrets, []);
        for (const c of g.containers) for (const e of c.environment) t.false(/PASSWORD|TOKEN|SECRET/.test(e.name), `${app} ${c.name}: ${e.name} is a plain variable`);
        t.false(JSON.stringify(g.taskDefinition.props).includes("generated-"), `${app}: a generated value in the task definition`);
        t.is(prop(secret, "kmsKeyId"), dataKeyOf(app, plan));
        const version = named(plan, "aws:secretsmanager/secretVersion:SecretVersion", `${app}-grafana-admin`);
        t.deepEqual(version.secretPaths, ["secretString"]);
        t.deepEqual(JSON.parse(prop<string>(version, "secretString")), { user: GRAFANA_ADMIN_USER, password: `generated-${app}-secrets-grafana-admin` });
        const execution = g.policy(`${app}-grafana-execution-secrets`);
        t.deepEqual(execution.find((s) => s.Action.includes("secretsmanager:GetSecretValue"))!.Resource, [secretArn]);
        // That policy is on the role the task definition executes with.
        const role = named(plan, "aws:iam/role:Role", `${app}-grafana-execution`);
        t.is(prop(named(plan, "aws:iam/rolePolicy:RolePolicy", `${app}-grafana-execution-secrets`), "role"), mockId(role));
        t.true(prop<string>(g.taskDefinition, "executionRoleArn").includes(`:role/${role.name}-`));
    });
});

test("provisioning objects: a private, KMS-encrypted, versioned bucket holds the data sources, the read-only dashboard provider and exactly dashboardsFor(runbook), where Grafana reads them", (t) => {
    each((app, plan, rb) => {
        const g = grafanaOf(app, plan);
        const key = dataKeyOf(app, plan);
        // The bucket: never public, encrypted with the stack's data key, versioned, TLS only, protected in production.
        t.true(g.bucket.options.protect);
        t.not(prop(g.bucket, "forceDestroy"), true);
        const sse = prop<{ applyServerSideEncryptionByDefault: { sseAlgorithm: string; kmsMasterKeyId: string } }[]>(
            named(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", `${g.bucket.name}-encryption`),
            "rules",
        )[0].applyServerSideEncryptionByDefault;
        t.deepEqual(sse, { sseAlgorithm: "aws:kms", kmsMasterKeyId: key });
        t.like(named(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${g.bucket.name}-public-access`).props, {
            bucket: mockId(g.bucket),
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        t.is(prop(named(plan, "aws:s3/bucketVersioning:BucketVersioning", `${g.bucket.name}-versioning`), "versioningConfiguration.status"), "Enabled");
        t.regex(prop<string>(named(plan, "aws:s3/bucketPolicy:BucketPolicy", `${g.bucket.name}-tls-only`), "policy"), /"aws:SecureTransport":"false"/);
        for (const o of g.objects) t.like(o.props, { serverSideEncryption: "aws:kms", kmsKeyId: key });

        // One JSON object per runbook dashboard, equal to the dashboards capability's output.
        const dashboards = dashboardsFor(rb, "aws");
        const jsonObjects = g.objects.filter((o) => prop(o, "contentType") === "application/json");
        t.is(jsonObjects.length, dashboards.length, app);
        const provider = YAML.parse(prop<string>(g.objects.find((o) => /provisioning\/dashboards\/[^/]+\.ya?ml$/.test(prop(o, "key")))!, "content"));
        const dashboardDir = provider.providers[0].options.path as string;
        for (const d of dashboards) {
            const o = jsonObjects.find((x) => JSON.parse(prop<string>(x, "content")).uid === d.uid);
            t.truthy(o, `${app}: dashboard ${d.uid}`);
            t.deepEqual(JSON.parse(prop<string>(o!, "content")), JSON.parse(JSON.stringify(d.dashboard)), `${app} ${d.uid}`);
            t.is(path.posix.dirname(g.atGrafana(prop(o!, "key"))), dashboardDir, `${app} ${d.uid}: where the provider reads`);
        }
        // The provider as Grafana reads it: apiVersion 1, one file provider, dashboards read-only in the UI (as on Docker).
        t.is(provider.apiVersion, 1);
        t.is(provider.providers.length, 1);
        t.like(provider.providers[0], { type: "file", disableDeletion: true, allowUiUpdates: false, folder: rb.title });
        // Both provisioning files sit where GF_PATHS_PROVISIONING points.
        for (const kind of ["datasources", "dashboards"]) {
            const yml = g.objects.filter((o) => prop(o, "contentType") === "application/yaml" && g.atGrafana(prop(o, "key")).startsWith(`${g.env.GF_PATHS_PROVISIONING}/${kind}/`));
            t.is(yml.length, 1, `${app}: one ${kind} provisioning file`);
        }
        t.is(g.objects.length, dashboards.length + 2);
        // The task starts only once every object is written.
        for (const o of g.objects) t.true(g.taskDefinition.options.dependsOn.includes(o.urn), `${app}: the task waits for ${prop(o, "key")}`);
    });
});

/** Every data source reference in a dashboard, wherever it appears (panels, targets, rows). */
function datasourceRefs(value: unknown): { type?: string; uid?: string }[] {
    if (Array.isArray(value)) return value.flatMap(datasourceRefs);
    if (!value || typeof value !== "object") return [];
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => (k === "datasource" && v && typeof v === "object" ? [v as { type?: string; uid?: string }] : datasourceRefs(v)));
}

test("data sources: AMP with SigV4 is the default Prometheus every dashboard panel resolves to; CloudWatch for metrics and logs; structure as Grafana parses it", (t) => {
    each((app, plan, rb) => {
        const g = grafanaOf(app, plan);
        const file = YAML.parse(prop<string>(g.objects.find((o) => g.atGrafana(prop(o, "key")).startsWith(`${g.env.GF_PATHS_PROVISIONING}/datasources/`))!, "content")) as {
            apiVersion: number;
            datasources: { name: string; uid: string; type: string; access: string; url?: string; isDefault?: boolean; editable: boolean; jsonData?: Record<string, unknown> }[];
        };
        t.is(file.apiVersion, 1);
        const sources = file.datasources;
        t.is(new Set(sources.map((s) => s.uid)).size, sources.length, "unique uids");
        t.is(new Set(sources.map((s) => s.name)).size, sources.length, "unique names");
        t.is(sources.filter((s) => s.isDefault).length, 1, "one default");
        for (const s of sources) {
            t.true(typeof s.name === "string" && typeof s.uid === "string" && typeof s.type === "string", `${app}: ${JSON.stringify(s)}`);
            t.is(s.access, "proxy");
            t.false(s.editable);
        }
        // AMP: the workspace the collector writes to, signed with the task role's credentials in the stack's region.
        const prometheus = sources.filter((s) => s.type === "prometheus");
        t.is(prometheus.length, 1);
        const workspace = workspaceOf(app, plan);
        t.is(prometheus[0].url, workspace.endpoint);
        t.true(prometheus[0].isDefault);
        t.like(prometheus[0].jsonData, { sigV4Auth: true, sigV4AuthType: "default", sigV4Region: rb.aws.region });
        // Every reference in every dashboard resolves: a `${variable}` to the default source of the variable's type, a uid to a provisioned source of its type.
        for (const d of dashboardsFor(rb, "aws")) {
            const variables = ((d.dashboard.templating?.list ?? []) as { name: string; type: string; query?: unknown }[]).filter((v) => v.type === "datasource");
            const refs = datasourceRefs(d.dashboard);
            t.true(refs.length > 0, `${app} ${d.uid}: panels reference a data source`);
            for (const ref of refs) {
                const variable = /^\$\{?(\w+)\}?$/.exec(ref.uid ?? "")?.[1];
                const resolved = variable ? sources.find((s) => s.isDefault && s.type === variables.find((v) => v.name === variable)?.query) : sources.find((s) => s.uid === ref.uid);
                t.truthy(resolved, `${app} ${d.uid}: ${JSON.stringify(ref)} resolves to no provisioned data source`);
                if (ref.type) t.is(resolved?.type, ref.type);
            }
        }
        // Logs are in CloudWatch on AWS: no dashboard reads Loki, so no Loki source; CloudWatch is there for logs and AWS metrics.
        t.false(sources.some((s) => s.type === "loki"));
        const cloudwatch = sources.find((s) => s.type === "cloudwatch");
        t.like(cloudwatch?.jsonData, { authType: "default", defaultRegion: rb.aws.region });
    });
});

test("IAM: the task role queries AMP only on the app's workspace, reads only its provisioning bucket, CloudWatch read-only; nothing it can write", (t) => {
    each((app, plan) => {
        const g = grafanaOf(app, plan);
        const statements = g.policy(`${app}-grafana-task-reads`);
        const resourcesOf = (action: string) => statements.filter((s) => s.Action.includes(action)).flatMap((s) => [s.Resource].flat());
        const aps = statements.filter((s) => s.Action.some((a) => a.startsWith("aps:")));
        t.is(aps.length, 1);
        t.deepEqual([...aps[0].Action].sort(), ["aps:GetLabels", "aps:GetMetricMetadata", "aps:GetSeries", "aps:QueryMetrics"]);
        t.is(aps[0].Resource, workspaceOf(app, plan).arn, `${app}: the collector's workspace only`);
        const bucketArn = `arn:aws:s3:::${g.physical}`;
        t.deepEqual(resourcesOf("s3:ListBucket"), [bucketArn]);
        t.deepEqual(resourcesOf("s3:GetObject"), [`${bucketArn}/*`]);
        t.deepEqual(resourcesOf("kms:Decrypt"), [dataKeyOf(app, plan)]);
        const actions = statements.flatMap((s) => s.Action);
        t.false(actions.some((a) => a.includes("*")), `${app}: no wildcard action`);
        for (const a of actions) t.regex(a.split(":")[1], /^(Get|List|Describe|Query|Filter|StartQuery|StopQuery|Decrypt)/, `${app}: ${a} is not a read`);
        for (const s of statements) t.is(s.Effect, "Allow");
        t.true(actions.includes("cloudwatch:GetMetricData") && actions.includes("logs:StartQuery"));
        // Alarm reads only on the stack's alarms; "*" only for the actions without a resource type.
        for (const a of ["cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory"]) t.deepEqual(resourcesOf(a), [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${app}-production-*`], `${app}: ${a}`);
        for (const s of statements.filter((x) => [x.Resource].flat().includes("*"))) for (const a of s.Action) t.true(a in WILDCARD_ONLY_ACTIONS, `${app}: ${a} on "*"`);
        // Log queries only on the app's log groups.
        for (const r of resourcesOf("logs:StartQuery")) t.regex(r, new RegExp(`^arn:aws:logs:us-east-1:123456789012:log-group:(/${app}/production/|/aws/(rds/instance|docdb)/${app}-production-)`));
        const role = named(plan, "aws:iam/role:Role", `${app}-grafana-task-role`);
        t.is(prop(named(plan, "aws:iam/rolePolicy:RolePolicy", `${app}-grafana-task-reads`), "role"), mockId(role));
        t.true(prop<string>(g.taskDefinition, "taskRoleArn").includes(`:role/${role.name}-`));
    });
});

test("exposure: Grafana on grafana.<parent domain> behind the app's ALB (listener rule, certificate SAN, health on /api/health, WAF); its security group admits only the load balancer", (t) => {
    t.is(expectedHost(getRunbook("gravitypm")), "grafana.gravitypm.com", "the brief's example");
    t.is(expectedHost(getRunbook("formula-pm")), "grafana.formulapm.com", "an apex host is its own parent domain");
    each((app, plan, rb) => {
        const g = grafanaOf(app, plan);
        // The security group: Grafana's port from the load balancer's group, nothing else; the ALB may reach it.
        const groups = new Map(ofType(plan, "aws:ec2/securityGroup:SecurityGroup").map((sg) => [mockId(sg), sg.name.slice(`${app}-firewall-`.length)]));
        const grafanaGroup = (prop<string[]>(g.service, "networkConfiguration.securityGroups") ?? []).map((id) => groups.get(id));
        t.deepEqual(grafanaGroup, ["grafana"]);
        const into = ofType(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => groups.get(prop(r, "securityGroupId")) === "grafana");
        t.is(into.length, 1, `${app}: one way in`);
        t.like(into[0].props, { referencedSecurityGroupId: `${app}-firewall-alb-id`, fromPort: GRAFANA_PORT, toPort: GRAFANA_PORT, ipProtocol: "tcp" });
        t.is(prop(into[0], "cidrIpv4"), undefined);
        t.true(
            ofType(plan, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").some(
                (e) => groups.get(prop(e, "securityGroupId")) === "alb" && groups.get(prop(e, "referencedSecurityGroupId")) === "grafana" && prop(e, "fromPort") === GRAFANA_PORT,
            ),
        );
        const host = expectedHost(rb);
        const rule = plan.resources.find((r) => r.type === "aws:lb/listenerRule:ListenerRule" && r.name === `${app}-ingress-grafana`);
        if (!host) {
            // No public host and none set: no load balancer; an operator port-forwards through ECS Exec.
            t.is(rule, undefined, app);
            t.is(prop(g.service, "loadBalancers"), undefined);
            t.is(prop(g.service, "enableExecuteCommand"), true);
            t.true(g.policy(`${app}-grafana-task-exec`).flatMap((s) => s.Action).every((a) => a.startsWith("ssmmessages:")));
            t.false("GF_SERVER_ROOT_URL" in g.env);
            return;
        }
        t.truthy(rule, `${app}: a listener rule for ${host}`);
        t.deepEqual(prop(rule!, "conditions"), [{ hostHeader: { values: [host] } }]);
        const targetGroup = named(plan, "aws:lb/targetGroup:TargetGroup", `${app}-ingress-grafana`);
        const tgArn = `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${prop(targetGroup, "name")}/0123456789abcdef`;
        // Signed in at the load balancer first (Cognito), then forwarded.
        const pool = named(plan, "aws:cognito/userPool:UserPool", `${app}-ingress-grafana-users`);
        const client = named(plan, "aws:cognito/userPoolClient:UserPoolClient", `${app}-ingress-grafana-client`);
        const domain = named(plan, "aws:cognito/userPoolDomain:UserPoolDomain", `${app}-ingress-grafana-sign-in`);
        t.deepEqual(prop(rule!, "actions"), [
            {
                type: "authenticate-cognito",
                order: 1,
                authenticateCognito: {
                    userPoolArn: `arn:aws:cognito:us-east-1:123456789012:${pool.name}`,
                    userPoolClientId: mockId(client),
                    userPoolDomain: prop(domain, "domain"),
                    onUnauthenticatedRequest: "authenticate",
                    scope: "openid",
                    sessionTimeout: GRAFANA_SIGN_IN.sessionTimeoutSeconds,
                },
            },
            { type: "forward", order: 2, targetGroupArn: tgArn },
        ]);
        t.like(pool.props, { adminCreateUserConfig: { allowAdminCreateUserOnly: true }, mfaConfiguration: "ON", softwareTokenMfaConfiguration: { enabled: true }, deletionProtection: "ACTIVE" });
        t.true(pool.options.protect && pool.options.retainOnDelete, `${app}: the users are kept`);
        t.deepEqual(prop(client, "callbackUrls"), [`https://${host}/oauth2/idpresponse`]);
        t.is(prop(domain, "domain"), `${app}-production-grafana-123456789012`);
        t.like(targetGroup.props, { port: GRAFANA_PORT, protocol: "HTTP", targetType: "ip", healthCheck: { path: GRAFANA_HEALTH_PATH, port: "traffic-port" } });
        const https = ofType(plan, "aws:lb/listener:Listener").find((l) => prop(l, "protocol") === "HTTPS")!;
        t.is(prop(rule!, "listenerArn"), `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/${https.name}/0123456789abcdef`);
        const cert = ofType(plan, "aws:acm/certificate:Certificate")[0];
        t.true([prop(cert, "domainName"), ...prop<string[]>(cert, "subjectAlternativeNames")].includes(host), `${app}: the certificate covers ${host}`);
        t.deepEqual(prop(g.service, "loadBalancers"), [{ targetGroupArn: tgArn, containerName: g.grafana.name, containerPort: GRAFANA_PORT }]);
        t.true(g.service.options.dependsOn.includes(rule!.urn), `${app}: the service waits for the rule`);
        t.is(prop(g.service, "enableExecuteCommand"), undefined);
        t.is(g.env.GF_SERVER_ROOT_URL, `https://${host}`);
        // The WAF guards the load balancer, so Grafana's host too.
        const albs = ofType(plan, "aws:lb/loadBalancer:LoadBalancer");
        t.is(albs.length, 1, `${app}: the app's one load balancer`);
        if (rb.aws.waf) {
            t.is(prop(ofType(plan, "aws:wafv2/webAclAssociation:WebAclAssociation")[0], "resourceArn"), `arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/${prop(albs[0], "name")}/0123456789abcdef`);
        }
    });
});

test("endpoints: the AWS target lists https://<grafana host> beside the services where Grafana is published", (t) => {
    const rb = getRunbook("gravitypm");
    t.deepEqual(endpoints.get("gravitypm-production"), { ...Object.fromEntries(rb.services.map((s) => [s.name, `https://${s.host}`])), grafana: `https://${expectedHost(rb)}` });
    t.deepEqual(endpoints.get("personal-finance-hub-production"), {}, "no public host: nothing published");
});

test("aws.grafanaHost publishes Grafana on that host, also for an app without public hosts (a load balancer for Grafana alone)", (t) => {
    const pfh = custom.get("personal-finance-hub")!;
    t.is(ofType(pfh, "aws:lb/loadBalancer:LoadBalancer").length, 1);
    t.deepEqual(
        ofType(pfh, "aws:lb/targetGroup:TargetGroup").map((g) => g.name),
        ["personal-finance-hub-ingress-grafana"],
    );
    const cert = ofType(pfh, "aws:acm/certificate:Certificate")[0];
    t.is(prop(cert, "domainName"), CUSTOM_HOST);
    t.deepEqual(prop(cert, "subjectAlternativeNames"), []);
    t.deepEqual(prop(named(pfh, "aws:lb/listenerRule:ListenerRule", "personal-finance-hub-ingress-grafana"), "conditions"), [{ hostHeader: { values: [CUSTOM_HOST] } }]);
    const service = named(pfh, "aws:ecs/service:Service", "personal-finance-hub-grafana-service");
    t.is(prop<unknown[]>(service, "loadBalancers").length, 1);
    t.is(prop(service, "enableExecuteCommand"), undefined);
    t.false(pfh.resources.some((r) => r.name === "personal-finance-hub-grafana-task-exec"), "published: no ECS Exec permissions");
    t.is(ofType(pfh, "aws:ecs/service:Service").filter((s) => prop(s, "loadBalancers")).length, 1, "the app's services stay off the load balancer");

    const gravitypm = custom.get("gravitypm")!;
    const domains = ((c) => [prop<string>(c, "domainName"), ...prop<string[]>(c, "subjectAlternativeNames")])(ofType(gravitypm, "aws:acm/certificate:Certificate")[0]);
    t.true(domains.includes(CUSTOM_HOST));
    t.false(domains.includes(expectedHost(getRunbook("gravitypm"))!), "the setting replaces the default host");
    t.deepEqual(prop(named(gravitypm, "aws:lb/listenerRule:ListenerRule", "gravitypm-ingress-grafana"), "conditions"), [{ hostHeader: { values: [CUSTOM_HOST] } }]);
});

test("the alarm inventory keeps to the runbook's services: Grafana's target group is on the load balancer but gets no runbook alarm", (t) => {
    let alarmedGroups = 0;
    each((app, plan) => {
        const alarmed = ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => JSON.stringify(a.props).includes("targetgroup/"));
        alarmedGroups += alarmed.length;
        for (const a of alarmed) t.false(JSON.stringify(a.props).includes(`targetgroup/${awsNames(app, "production").targetGroup("grafana")}/`), `${app}: ${a.name} alarms on Grafana`);
    });
    t.true(alarmedGroups > 0, "the services' target groups are alarmed");
});
