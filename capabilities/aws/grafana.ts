import YAML from "yaml";
import type { Runbook } from "../../runbooks";
import {
    DATASOURCE_UIDS,
    dashboardFiles,
    datasourcesFile,
    GRAFANA_HEALTH_PATH,
    GRAFANA_IMAGE,
    GRAFANA_PORT,
    grafanaDashboardProvider,
    grafanaEnv,
    prometheusDatasource,
    type Datasource,
} from "../dashboards";
import { IMAGES } from "./collector";
import { awslogs, healthCommand, HEALTH_CHECK, ROOT_WITHOUT_CAPABILITIES, secretKey, type ContainerDefinition } from "./containers";

/**
 * Grafana on ECS Fargate, as text and plain data; components/targets/aws/grafana.ts wires it.
 * Fargate cannot upload files into a task, so the provisioning files (data sources, the dashboard
 * provider, one JSON per dashboard) are S3 objects that an init container syncs into a task volume
 * before Grafana starts. Everything Grafana shows is provisioned, so its SQLite database lives on
 * the task's ephemeral storage: users made in the UI, annotations and preferences are lost when
 * the task is replaced (the admin login is re-created from the generated secret at every start).
 */

/** Where the task volume is mounted in Grafana: `provisioning/` (GF_PATHS_PROVISIONING) and `dashboards/` below it. */
export const GRAFANA_FILES_DIR = "/etc/grafana/runbook";
/** Where the init container writes the same volume. */
export const GRAFANA_SYNC_DIR = "/grafana";
export const GRAFANA_VOLUME = "grafana-provisioning";
/**
 * Grafana's writable paths on a read-only root: its data directory (SQLite, plugins, and its logs,
 * `GF_PATHS_LOGS` below it) and /tmp, each a task volume (Fargate ephemeral storage). Fargate
 * creates them owned by root, 0755: the init container opens them (sticky, like /tmp) before
 * Grafana starts as its image's user.
 */
export const GRAFANA_WRITABLE = [
    { volume: "grafana-data", path: "/var/lib/grafana" },
    { volume: "grafana-tmp", path: "/tmp" },
] as const;
/** The UID the grafana/grafana image runs as (its `grafana` user, documented in Grafana's Docker guide). */
export const GRAFANA_UID = 472;
/** Where the init container sees the writable volumes. */
const INIT_MOUNTS = "/init";
export const GRAFANA_CONTAINER = "grafana";
export const GRAFANA_INIT_CONTAINER = "grafana-provisioning";
/** The ECS service and task family part, and the target group's service part. */
export const GRAFANA_SERVICE = "grafana";
/** The Fargate size of the Grafana task: one Grafana with SQLite needs half a vCPU and 1 GiB. */
export const GRAFANA_TASK_SIZE = { cpu: 512, memory: 1024 } as const;

/** Object keys in the provisioning bucket, relative to the synced directory. */
const DASHBOARDS = "dashboards";
export const PROVISIONING_KEYS = {
    datasources: "provisioning/datasources/platform.yml",
    dashboardProvider: "provisioning/dashboards/platform.yml",
    dashboard: (file: string) => `${DASHBOARDS}/${file}`,
} as const;

/**
 * The host Grafana is published on: the stack's `aws.grafanaHost`, else `grafana.` before the
 * parent domain of the app's first public host (api.gravitypm.com → grafana.gravitypm.com; an
 * apex such as formulapm.com is its own parent: grafana.formulapm.com). Undefined when the app has
 * no public host and none is set: Grafana then runs without a load balancer.
 */
export function grafanaHost(configured: string | undefined, hosts: Readonly<Record<string, string>>): string | undefined {
    if (configured) return configured;
    const first = Object.values(hosts)[0];
    if (!first) return undefined;
    const labels = first.split(".");
    return `grafana.${(labels.length > 2 ? labels.slice(1) : labels).join(".")}`;
}

export interface AwsGrafanaSources {
    /** The AMP workspace's `prometheusEndpoint` (ends in `/`). */
    readonly prometheusEndpoint: string;
    readonly region: string;
}

/**
 * Data sources on AWS: Amazon Managed Prometheus as the default Prometheus (the dashboards'
 * `datasource` variable selects it), signed with SigV4 by the task role; CloudWatch for the AWS
 * metrics and the logs, which are in CloudWatch Logs on AWS (there is no Loki to point at).
 */
export function awsGrafanaDatasources(at: AwsGrafanaSources): Datasource[] {
    return [
        prometheusDatasource(at.prometheusEndpoint, { sigV4Auth: true, sigV4AuthType: "default", sigV4Region: at.region, httpMethod: "POST" }),
        { name: "CloudWatch", uid: DATASOURCE_UIDS.cloudwatch, type: "cloudwatch", access: "proxy", editable: false, jsonData: { authType: "default", defaultRegion: at.region } },
    ];
}

export interface ProvisioningFile {
    /** Object key, also the path below the synced directory. */
    readonly key: string;
    readonly content: string;
    readonly contentType: string;
}

const yaml = (v: unknown) => YAML.stringify(v, { lineWidth: 0 });

/** The data source file: the one provisioning file that waits for the AMP workspace's endpoint. */
export function datasourcesProvisioningFile(at: AwsGrafanaSources): ProvisioningFile {
    return { key: PROVISIONING_KEYS.datasources, content: yaml(datasourcesFile(awsGrafanaDatasources(at))), contentType: "application/yaml" };
}

/** The files known from the runbook alone: the dashboard provider (read-only dashboards) and one JSON per runbook dashboard. */
export function dashboardProvisioningFiles(rb: Runbook): ProvisioningFile[] {
    return [
        { key: PROVISIONING_KEYS.dashboardProvider, content: yaml(grafanaDashboardProvider(rb, `${GRAFANA_FILES_DIR}/${DASHBOARDS}`)), contentType: "application/yaml" },
        ...dashboardFiles(rb, "aws").map((d) => ({ key: PROVISIONING_KEYS.dashboard(d.file), content: d.content, contentType: "application/json" })),
    ];
}

export interface GrafanaContainerArgs {
    readonly bucket: string;
    readonly region: string;
    readonly logGroup: string;
    /** The Secrets Manager secret with the admin `password` key. */
    readonly adminSecretArn: string;
    /** The public host, for Grafana's root URL; absent when it runs without a load balancer. */
    readonly host?: string;
}

/**
 * The Grafana task's containers: a non-essential init container that copies the provisioning
 * objects into the task volume, and Grafana, started only once that copy succeeded, with the
 * admin password from Secrets Manager (a `valueFrom` reference, never a value).
 */
export function grafanaContainers(a: GrafanaContainerArgs): ContainerDefinition[] {
    const env = {
        ...grafanaEnv(),
        GF_PATHS_PROVISIONING: `${GRAFANA_FILES_DIR}/provisioning`,
        // SigV4 signing of the Prometheus data source by the task role's credentials only.
        GF_AUTH_SIGV4_AUTH_ENABLED: "true",
        GF_AWS_ALLOWED_AUTH_PROVIDERS: "default",
        ...(a.host ? { GF_SERVER_ROOT_URL: `https://${a.host}`, GF_SECURITY_COOKIE_SECURE: "true" } : {}),
        // Logs to the console (awslogs); the logs path, should anything write there, is on the data volume.
        GF_LOG_MODE: "console",
        GF_PATHS_DATA: GRAFANA_WRITABLE[0].path,
        GF_PATHS_LOGS: `${GRAFANA_WRITABLE[0].path}/log`,
    };
    const opened = GRAFANA_WRITABLE.map((w) => `${INIT_MOUNTS}/${w.volume}`);
    return [
        {
            name: GRAFANA_INIT_CONTAINER,
            image: IMAGES.awsCli,
            essential: false,
            // Root without capabilities on a read-only root (containers.ts): it writes only the fresh volumes, which root owns.
            ...ROOT_WITHOUT_CAPABILITIES,
            entryPoint: ["/bin/sh", "-c"],
            command: [`chmod 1777 ${opened.join(" ")} && exec aws s3 sync s3://${a.bucket}/ ${GRAFANA_SYNC_DIR} --only-show-errors --no-progress`],
            environment: [{ name: "AWS_DEFAULT_REGION", value: a.region }],
            secrets: [],
            mountPoints: [
                { sourceVolume: GRAFANA_VOLUME, containerPath: GRAFANA_SYNC_DIR, readOnly: false },
                ...GRAFANA_WRITABLE.map((w, i) => ({ sourceVolume: w.volume, containerPath: opened[i], readOnly: false })),
            ],
            logConfiguration: awslogs(a.logGroup, a.region, GRAFANA_INIT_CONTAINER),
        },
        {
            name: GRAFANA_CONTAINER,
            image: GRAFANA_IMAGE,
            essential: true,
            portMappings: [{ containerPort: GRAFANA_PORT, protocol: "tcp", name: "grafana-http" }],
            environment: Object.entries(env).map(([name, value]) => ({ name, value })),
            secrets: [{ name: "GF_SECURITY_ADMIN_PASSWORD", valueFrom: secretKey(a.adminSecretArn, "password") }],
            healthCheck: { command: healthCommand({ port: GRAFANA_PORT, healthPath: GRAFANA_HEALTH_PATH }), ...HEALTH_CHECK },
            user: `${GRAFANA_UID}`,
            readonlyRootFilesystem: true,
            linuxParameters: { capabilities: { drop: ["ALL"] } },
            mountPoints: [
                { sourceVolume: GRAFANA_VOLUME, containerPath: GRAFANA_FILES_DIR, readOnly: true },
                ...GRAFANA_WRITABLE.map((w) => ({ sourceVolume: w.volume, containerPath: w.path, readOnly: false })),
            ],
            dependsOn: [{ containerName: GRAFANA_INIT_CONTAINER, condition: "SUCCESS" }],
            logConfiguration: awslogs(a.logGroup, a.region, GRAFANA_CONTAINER),
            stopTimeout: 30,
        },
    ];
}

/**
 * Grafana's sign-in on AWS. The load balancer's rule for Grafana's host authenticates every
 * request against a Cognito user pool (`authenticate-cognito`) before it forwards: users are
 * created by an administrator only (no self sign-up), with a TOTP second factor required and a
 * strong password. Behind it Grafana keeps its own login (the generated admin password): the
 * load balancer's identity headers (`x-amzn-oidc-*`) are not trusted as a login, because
 * Grafana's JWT auth cannot verify the ALB's token (ES256, its key served per key id as PEM, not
 * as a JWK set) and auth.proxy would trust a header on the network path alone. A stolen Grafana
 * password is useless without a Cognito user and its second factor; the reverse, too.
 */
/** An authenticate action's session when `sessionTimeout` is absent: the load balancer's default, a week (Elastic Load Balancing, "Authenticate users using an Application Load Balancer"). */
export const ALB_DEFAULT_SESSION_SECONDS = 7 * 24 * 3600;

export const GRAFANA_SIGN_IN = {
    /** Cognito's password policy for Grafana's users (NIST 800-63B length, every character class). */
    passwordPolicy: { minimumLength: 14, requireLowercase: true, requireUppercase: true, requireNumbers: true, requireSymbols: true, temporaryPasswordValidityDays: 3 },
    /** Seconds an ALB sign-in session lasts before Cognito is asked again: one working day. */
    sessionTimeoutSeconds: 8 * 3600,
    /** The ALB's fixed OAuth callback path. */
    callbackPath: "/oauth2/idpresponse",
    /** The OAuth scope the ALB asks for: the user's identity only. */
    scopes: ["openid"],
} as const;

/** Words Cognito refuses in a hosted-UI domain prefix. */
const COGNITO_RESERVED = ["aws", "amazon", "cognito"] as const;

/**
 * The Cognito hosted-UI domain prefix for Grafana's user pool: unique across AWS in a region, so
 * the account id is part of it (`bunty-production-grafana-123456789012`). Refuses a prefix Cognito
 * would refuse (a reserved word, over 63 characters) before anything is created.
 */
export function cognitoDomainPrefix(stackPrefix: string, accountId: string): string {
    const domain = `${stackPrefix}-grafana-${accountId}`.toLowerCase();
    const reserved = COGNITO_RESERVED.find((w) => domain.includes(w));
    if (reserved) throw new Error(`${stackPrefix}: Grafana's Cognito domain prefix "${domain}" contains "${reserved}", which Cognito refuses; allowed: an app id and env without ${COGNITO_RESERVED.join(", ")}`);
    if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(domain)) throw new Error(`${stackPrefix}: Grafana's Cognito domain prefix "${domain}" is not 1-63 lowercase letters, digits and hyphens; allowed: a shorter app id`);
    return domain;
}
