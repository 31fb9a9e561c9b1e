import { usesDataServices } from "../datastores";
import { requireField, type Env, type Runbook, type Service } from "../../runbooks";
import { RDS_CA_BUNDLE_URL } from "./documentdb";
import { IMAGES } from "./collector";
import { APP_SCRATCH, APP_UID } from "../hardening";
import { postgresRoles, postgresRolesScript, ROLE_PASSWORD_ENV } from "../postgres-roles";

/**
 * ECS container definitions as plain data. Connection details arrive resolved (the component
 * passes outputs through `pulumi.all`); credentials are never values here, only Secrets Manager
 * references (`valueFrom`), so a task definition never holds a password.
 */

export interface KeyValue {
    readonly name: string;
    readonly value: string;
}
export interface SecretRef {
    readonly name: string;
    readonly valueFrom: string;
}

export interface ContainerDefinition {
    readonly name: string;
    readonly image: string;
    readonly essential: boolean;
    readonly cpu?: number;
    readonly memory?: number;
    readonly memoryReservation?: number;
    readonly portMappings?: { containerPort: number; protocol: "tcp"; name?: string }[];
    readonly command?: string[];
    readonly entryPoint?: string[];
    readonly user?: string;
    readonly environment: KeyValue[];
    readonly secrets: SecretRef[];
    readonly healthCheck?: { command: string[]; interval: number; timeout: number; retries: number; startPeriod: number };
    readonly logConfiguration: { logDriver: "awslogs"; options: Record<string, string> };
    readonly mountPoints?: { sourceVolume: string; containerPath: string; readOnly: boolean }[];
    readonly dependsOn?: { containerName: string; condition: "START" | "COMPLETE" | "SUCCESS" | "HEALTHY" }[];
    readonly linuxParameters?: { initProcessEnabled?: boolean; capabilities?: { drop: readonly string[] } };
    readonly readonlyRootFilesystem?: boolean;
    readonly stopTimeout?: number;
}

/** Where the RDS/DocumentDB CA bundle is mounted in every container that verifies TLS to them. */
export const CA_VOLUME = "rds-ca";
export const CA_DIR = "/certs";
export const CA_FILE = `${CA_DIR}/global-bundle.pem`;
export const CA_CONTAINER = "rds-ca-bundle";

/**
 * Container health check: the runbook's health path, with whichever HTTP client the image has.
 * ECS calls a container unhealthy after `retries` consecutive failures, one every `interval`, the
 * last taking up to `timeout`: a task that dies right after a passing check is replaced within
 * interval × retries + timeout (10 × 3 + 5 = 35 s), inside the ServiceDown `for` of every
 * runbook (aws-ecs-health-timing holds each app to its own), so the platform replaces a dead task
 * before the outage pages. The start period gives
 * a new task a minute to start before failures count (ECS allows interval 5-300 s, timeout 2-60 s,
 * retries 1-10, startPeriod 0-300 s).
 */
export const HEALTH_CHECK = { interval: 10, timeout: 5, retries: 3, startPeriod: 60 } as const;
/** Seconds the load balancer ignores a new task's failing health checks: the container's own start period. */
export const HEALTH_CHECK_GRACE_SECONDS = HEALTH_CHECK.startPeriod;

export function healthCommand(svc: Pick<Service, "port" | "healthPath">): string[] {
    const url = `http://127.0.0.1:${svc.port}${svc.healthPath}`;
    return ["CMD-SHELL", `wget -q -O /dev/null ${url} || curl -fsS -o /dev/null ${url} || exit 1`];
}

export interface DataEndpoints {
    readonly postgres?: { readonly host: string; readonly port: number; readonly readHosts: readonly string[] };
    readonly redis?: { readonly host: string; readonly port: number };
    readonly kafka?: { readonly bootstrapServers: string };
    readonly mongodb?: { readonly host: string; readonly port: number };
    /** Runbook bucket name → the bucket's physical name. */
    readonly buckets: Readonly<Record<string, string>>;
}

/** Secrets Manager ARNs of each data service's credentials (a JSON secret with `password` and `url`). */
export interface CredentialArns {
    readonly postgres?: string;
    readonly redis?: string;
    readonly mongodb?: string;
    /** The app's SASL/SCRAM login to MSK (`username`, `password`). */
    readonly kafka?: string;
    readonly rabbitmq?: string;
}

/** A JSON key of a Secrets Manager secret, as ECS references it. */
export const secretKey = (arn: string, key: string) => `${arn}:${key}::`;

const envVar = (name: string) => name.toUpperCase().replace(/[^A-Z0-9]+/g, "_");

type DataKinds = Runbook["data"];
type Connection = { readonly environment?: KeyValue[]; readonly secrets?: SecretRef[] };

/**
 * Each data kind's environment and secret references, in the order they are written: one entry
 * per kind of the runbook schema (the type requires each), so a new kind is a line here, not a
 * branch. An entry gives nothing where the platform built no endpoint or credentials for it.
 */
const CONNECTIONS: { readonly [K in keyof DataKinds]-?: (spec: NonNullable<DataKinds[K]>, at: DataEndpoints, creds: CredentialArns, app: string) => Connection } = {
    postgres: (postgres, at, creds, app) =>
        at.postgres && creds.postgres
            ? {
                  environment: [
                      { name: "PGHOST", value: at.postgres.host },
                      { name: "PGPORT", value: String(at.postgres.port) },
                      { name: "PGDATABASE", value: postgres.database },
                      // The app's own role; the master user stays with the roles task (postgresRolesContainers).
                      { name: "PGUSER", value: postgresRoles(app, postgres).app },
                      { name: "PGSSLMODE", value: "verify-full" },
                      { name: "PGSSLROOTCERT", value: CA_FILE },
                      ...(at.postgres.readHosts.length ? [{ name: "PGHOST_READ", value: at.postgres.readHosts.join(",") }] : []),
                  ],
                  secrets: [
                      { name: "PGPASSWORD", valueFrom: secretKey(creds.postgres, "password") },
                      { name: "DATABASE_URL", valueFrom: secretKey(creds.postgres, "url") },
                  ],
              }
            : {},
    redis: (redis, at, creds) =>
        at.redis && creds.redis
            ? {
                  environment: [
                      { name: "REDIS_HOST", value: at.redis.host },
                      { name: "REDIS_PORT", value: String(at.redis.port) },
                      { name: "REDIS_TLS", value: "true" },
                      { name: "REDIS_CLUSTER", value: String(redis.mode === "cluster") },
                  ],
                  secrets: [
                      { name: "REDIS_PASSWORD", valueFrom: secretKey(creds.redis, "password") },
                      { name: "REDIS_URL", valueFrom: secretKey(creds.redis, "url") },
                  ],
              }
            : {},
    kafka: (kafka, at, creds) =>
        at.kafka
            ? {
                  environment: [
                      { name: "KAFKA_BROKERS", value: at.kafka.bootstrapServers },
                      { name: "KAFKA_SSL", value: "true" },
                      { name: "KAFKA_TOPICS", value: kafka.topics.map((t) => t.name).join(",") },
                      { name: "KAFKA_CONSUMER_GROUPS", value: kafka.consumerGroups.join(",") },
                      ...(creds.kafka ? [{ name: "KAFKA_SASL_MECHANISM", value: "SCRAM-SHA-512" }] : []),
                  ],
                  ...(creds.kafka
                      ? { secrets: [{ name: "KAFKA_USERNAME", valueFrom: secretKey(creds.kafka, "username") }, { name: "KAFKA_PASSWORD", valueFrom: secretKey(creds.kafka, "password") }] }
                      : {}),
              }
            : {},
    mongodb: (mongodb, at, creds) =>
        at.mongodb && creds.mongodb
            ? {
                  environment: [
                      { name: "MONGO_HOST", value: at.mongodb.host },
                      { name: "MONGO_DATABASE", value: mongodb.database },
                      { name: "MONGO_TLS_CA_FILE", value: CA_FILE },
                  ],
                  secrets: [
                      { name: "MONGO_PASSWORD", valueFrom: secretKey(creds.mongodb, "password") },
                      { name: "MONGO_URI", valueFrom: secretKey(creds.mongodb, "url") },
                  ],
              }
            : {},
    rabbitmq: (rabbitmq, _at, creds) =>
        creds.rabbitmq
            ? {
                  environment: [
                      { name: "RABBITMQ_VHOST", value: rabbitmq.vhost },
                      { name: "RABBITMQ_QUEUES", value: rabbitmq.queues.map((q) => q.name).join(",") },
                  ],
                  secrets: [{ name: "RABBITMQ_URL", valueFrom: secretKey(creds.rabbitmq, "url") }],
              }
            : {},
    // The physical name of each runbook bucket; the task role grants the access (no credentials).
    objectStorage: (_store, at) => ({ environment: Object.entries(at.buckets).map(([bucket, physical]) => ({ name: `S3_BUCKET_${envVar(bucket)}`, value: physical })) }),
};

/** Environment and secret references an app service gets for the runbook's data services. */
export function appEnvironment(rb: Runbook, env: Env, region: string, svc: Service, at: DataEndpoints, creds: CredentialArns): { environment: KeyValue[]; secrets: SecretRef[] } {
    const environment: KeyValue[] = [
        { name: "NODE_ENV", value: "production" },
        { name: "APP_ENV", value: env },
        { name: "PORT", value: String(svc.port) },
        { name: "AWS_REGION", value: region },
    ];
    const secrets: SecretRef[] = [];
    // A frontend gets no data credentials or endpoints (capabilities/datastores.ts `usesDataServices`).
    const data: DataKinds = usesDataServices(svc) ? rb.data : {};
    for (const kind of Object.keys(CONNECTIONS) as (keyof DataKinds)[]) {
        const spec = data[kind];
        if (spec === undefined) continue;
        const c = (CONNECTIONS[kind] as (s: typeof spec, at: DataEndpoints, creds: CredentialArns, app: string) => Connection)(spec, at, creds, rb.app);
        environment.push(...(c.environment ?? []));
        secrets.push(...(c.secrets ?? []));
    }
    return { environment, secrets };
}

/** Connection URLs kept in Secrets Manager next to each password. */
export const connectionUrl = {
    postgres: (user: string, password: string, host: string, port: number, database: string) =>
        `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${database}?sslmode=verify-full&sslrootcert=${CA_FILE}`,
    redis: (password: string, host: string, port: number) => `rediss://:${encodeURIComponent(password)}@${host}:${port}`,
    mongodb: (user: string, password: string, host: string, port: number, database: string) =>
        `mongodb://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${database}?tls=true&tlsCAFile=${CA_FILE}&replicaSet=rs0&readPreference=secondaryPreferred&retryWrites=false`,
};

/** Whether a task needs the RDS CA bundle: it talks TLS to RDS or DocumentDB. */
export function needsCaBundle(rb: Runbook): boolean {
    return !!(rb.data.postgres || rb.data.mongodb);
}

/** A container's log configuration: the awslogs driver into `group`, streams prefixed with the container's name. */
export const awslogs = (group: string, region: string, prefix: string) => ({ logDriver: "awslogs" as const, options: { "awslogs-group": group, "awslogs-region": region, "awslogs-stream-prefix": prefix } });

/**
 * Fargate creates a task's volumes owned by root, mode 0755, and has no fsGroup: only root can
 * write to them. The containers that must (the init containers below) run as UID 0 with every
 * capability dropped, so they can write only where root owns the files (the fresh volumes), on a
 * read-only root filesystem, hold no secret, and exit before the app starts.
 */
export const ROOT_WITHOUT_CAPABILITIES = { user: "0", readonlyRootFilesystem: true, linuxParameters: { capabilities: { drop: ["ALL"] } } } as const;

/** The init container that fetches the CA bundle into the task's shared volume. */
export function caBundleContainer(logGroup: string, region: string): ContainerDefinition {
    return {
        name: CA_CONTAINER,
        image: IMAGES.caBundle,
        essential: false,
        ...ROOT_WITHOUT_CAPABILITIES,
        command: ["-fsSL", "--retry", "5", "-o", CA_FILE, RDS_CA_BUNDLE_URL],
        environment: [],
        secrets: [],
        mountPoints: [{ sourceVolume: CA_VOLUME, containerPath: CA_DIR, readOnly: false }],
        logConfiguration: awslogs(logGroup, region, CA_CONTAINER),
    };
}

/** The app task's scratch volume (Fargate ephemeral storage), mounted at APP_SCRATCH in the app container. */
export const SCRATCH_VOLUME = "scratch";
/** Where the init container sees the scratch volume. */
const SCRATCH_INIT_DIR = "/scratch";
/** The app task's init container. */
export const APP_INIT_CONTAINER = "task-init";

/**
 * The app task's init container: opens the scratch volume to the app's unprivileged user (sticky,
 * like /tmp) and, where the app talks TLS to RDS or DocumentDB, fetches the CA bundle.
 */
export function appInitContainer(logGroup: string, region: string, caBundle: boolean): ContainerDefinition {
    const steps = [`chmod 1777 ${SCRATCH_INIT_DIR}`, ...(caBundle ? [`curl -fsSL --retry 5 -o ${CA_FILE} ${RDS_CA_BUNDLE_URL}`] : [])];
    return {
        name: APP_INIT_CONTAINER,
        image: IMAGES.caBundle,
        essential: false,
        ...ROOT_WITHOUT_CAPABILITIES,
        entryPoint: ["/bin/sh", "-c"],
        command: [steps.join(" && ")],
        environment: [],
        secrets: [],
        mountPoints: [{ sourceVolume: SCRATCH_VOLUME, containerPath: SCRATCH_INIT_DIR, readOnly: false }, ...(caBundle ? [{ sourceVolume: CA_VOLUME, containerPath: CA_DIR, readOnly: false }] : [])],
        logConfiguration: awslogs(logGroup, region, APP_INIT_CONTAINER),
    };
}

/** The app task's volumes: the scratch volume, and the CA bundle's where the app needs it. */
export function appTaskVolumes(caBundle: boolean): { name: string }[] {
    return [{ name: SCRATCH_VOLUME }, ...(caBundle ? [{ name: CA_VOLUME }] : [])];
}

export interface AppContainerArgs {
    readonly image: string;
    readonly logGroup: string;
    readonly region: string;
    readonly environment: KeyValue[];
    readonly secrets: SecretRef[];
    readonly caBundle: boolean;
}

/**
 * The app container: the runbook's limits (hard) and reservation (soft), port, health check and
 * logs; as the unprivileged APP_UID on a read-only root filesystem, writing only to APP_SCRATCH
 * (capabilities/hardening.ts), once the init container has prepared the task's volumes.
 */
export function appContainer(svc: Service, a: AppContainerArgs): ContainerDefinition {
    return {
        name: svc.name,
        image: a.image,
        essential: true,
        user: `${APP_UID}`,
        readonlyRootFilesystem: true,
        cpu: Math.round(svc.resources.limits.cpu * 1024),
        memory: svc.resources.limits.memoryMiB,
        memoryReservation: svc.resources.reservations.memoryMiB,
        portMappings: [{ containerPort: svc.port, protocol: "tcp", name: `${svc.name}-http` }],
        environment: a.environment,
        secrets: a.secrets,
        healthCheck: { command: healthCommand(svc), ...HEALTH_CHECK },
        logConfiguration: awslogs(a.logGroup, a.region, svc.name),
        linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
        stopTimeout: 30,
        mountPoints: [{ sourceVolume: SCRATCH_VOLUME, containerPath: APP_SCRATCH, readOnly: false }, ...(a.caBundle ? [{ sourceVolume: CA_VOLUME, containerPath: CA_DIR, readOnly: true }] : [])],
        dependsOn: [{ containerName: APP_INIT_CONTAINER, condition: "SUCCESS" as const }],
    };
}

/**
 * How the app's tasks may use each of the runbook's buckets: the backup copy (`backupSync.to`, which
 * S3 replication fills) read-only, so a compromised task can neither delete nor overwrite the backup;
 * every other bucket read-write.
 */
export function bucketAccess(rb: Pick<Runbook, "data">): Record<string, "read-write" | "read-only"> {
    const store = rb.data.objectStorage;
    if (!store) return {};
    return Object.fromEntries(store.buckets.map((b) => [b, b === store.backupSync?.to ? "read-only" : "read-write"]));
}

/** A one-off task that logs in as the master user and creates the app's and the monitoring user (PostgreSQL roles, DocumentDB users). */
export interface DataUsersTaskArgs {
    /** An image of the engine's version, for its client (psql, mongosh). */
    readonly image: string;
    readonly logGroup: string;
    readonly region: string;
    /** The primary's (cluster's) address and port. */
    readonly host: string;
    readonly port: number;
    /** Secrets Manager ARNs (JSON secrets with `password`): the master's, the app user's, the monitoring user's. */
    readonly admin: string;
    readonly app: string;
    readonly monitor: string;
}

export type PostgresRolesTaskArgs = DataUsersTaskArgs;

/** Name of the container that creates the roles. */
export const POSTGRES_ROLES_CONTAINER = "postgres-roles";

/**
 * The one-off task that creates or updates the app's and the exporters' PostgreSQL roles
 * (`capabilities/postgres-roles.ts`) as the master user, over TLS verified against the RDS CA. It
 * is idempotent: run it after each `pulumi up` that changes the database or the role passwords.
 * The only containers that reference the master secret are this task's.
 */
export function postgresRolesContainers(rb: Runbook, a: PostgresRolesTaskArgs): ContainerDefinition[] {
    const pg = requireField(rb.data.postgres, rb.app, "data.postgres");
    const roles = postgresRoles(rb.app, pg);
    return [
        caBundleContainer(a.logGroup, a.region),
        {
            name: POSTGRES_ROLES_CONTAINER,
            image: a.image,
            essential: true,
            entryPoint: ["/bin/sh", "-c"],
            command: [`set -eu\n${postgresRolesScript(roles, pg.database)}`],
            environment: [
                { name: "PGHOST", value: a.host },
                { name: "PGPORT", value: String(a.port) },
                { name: "PGDATABASE", value: pg.database },
                { name: "PGUSER", value: roles.admin },
                { name: "PGSSLMODE", value: "verify-full" },
                { name: "PGSSLROOTCERT", value: CA_FILE },
            ],
            secrets: [
                { name: "PGPASSWORD", valueFrom: secretKey(a.admin, "password") },
                { name: ROLE_PASSWORD_ENV.app, valueFrom: secretKey(a.app, "password") },
                { name: ROLE_PASSWORD_ENV.monitor, valueFrom: secretKey(a.monitor, "password") },
            ],
            mountPoints: [{ sourceVolume: CA_VOLUME, containerPath: CA_DIR, readOnly: true }],
            dependsOn: [{ containerName: CA_CONTAINER, condition: "SUCCESS" }],
            logConfiguration: awslogs(a.logGroup, a.region, POSTGRES_ROLES_CONTAINER),
        },
    ];
}
