import { usesDataServices } from "../datastores";
import type { Env, Runbook, Service } from "../../runbooks";
import { RDS_CA_BUNDLE_URL } from "./documentdb";
import { IMAGES } from "./collector";
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
    readonly linuxParameters?: { initProcessEnabled: boolean };
    readonly stopTimeout?: number;
}

/** Where the RDS/DocumentDB CA bundle is mounted in every container that verifies TLS to them. */
export const CA_VOLUME = "rds-ca";
export const CA_DIR = "/certs";
export const CA_FILE = `${CA_DIR}/global-bundle.pem`;
export const CA_CONTAINER = "rds-ca-bundle";

/** Container health check: the runbook's health path, with whichever HTTP client the image has. */
export const HEALTH_CHECK = { interval: 30, timeout: 5, retries: 3, startPeriod: 60 } as const;
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
}

/** A JSON key of a Secrets Manager secret, as ECS references it. */
export const secretKey = (arn: string, key: string) => `${arn}:${key}::`;

const envVar = (name: string) => name.toUpperCase().replace(/[^A-Z0-9]+/g, "_");

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
    const { postgres, redis, kafka, mongodb } = usesDataServices(svc) ? rb.data : {};
    if (postgres && at.postgres && creds.postgres) {
        environment.push(
            { name: "PGHOST", value: at.postgres.host },
            { name: "PGPORT", value: String(at.postgres.port) },
            { name: "PGDATABASE", value: postgres.database },
            // The app's own role; the master user stays with the roles task (postgresRolesContainers).
            { name: "PGUSER", value: postgresRoles(rb.app, postgres).app },
            { name: "PGSSLMODE", value: "verify-full" },
            { name: "PGSSLROOTCERT", value: CA_FILE },
        );
        if (at.postgres.readHosts.length) environment.push({ name: "PGHOST_READ", value: at.postgres.readHosts.join(",") });
        secrets.push({ name: "PGPASSWORD", valueFrom: secretKey(creds.postgres, "password") }, { name: "DATABASE_URL", valueFrom: secretKey(creds.postgres, "url") });
    }
    if (redis && at.redis && creds.redis) {
        environment.push(
            { name: "REDIS_HOST", value: at.redis.host },
            { name: "REDIS_PORT", value: String(at.redis.port) },
            { name: "REDIS_TLS", value: "true" },
            { name: "REDIS_CLUSTER", value: String(redis.mode === "cluster") },
        );
        secrets.push({ name: "REDIS_PASSWORD", valueFrom: secretKey(creds.redis, "password") }, { name: "REDIS_URL", valueFrom: secretKey(creds.redis, "url") });
    }
    if (kafka && at.kafka) {
        environment.push(
            { name: "KAFKA_BROKERS", value: at.kafka.bootstrapServers },
            { name: "KAFKA_SSL", value: "true" },
            { name: "KAFKA_TOPICS", value: kafka.topics.map((t) => t.name).join(",") },
            { name: "KAFKA_CONSUMER_GROUPS", value: kafka.consumerGroups.join(",") },
        );
        if (creds.kafka) {
            environment.push({ name: "KAFKA_SASL_MECHANISM", value: "SCRAM-SHA-512" });
            secrets.push({ name: "KAFKA_USERNAME", valueFrom: secretKey(creds.kafka, "username") }, { name: "KAFKA_PASSWORD", valueFrom: secretKey(creds.kafka, "password") });
        }
    }
    if (mongodb && at.mongodb && creds.mongodb) {
        environment.push(
            { name: "MONGO_HOST", value: at.mongodb.host },
            { name: "MONGO_DATABASE", value: mongodb.database },
            { name: "MONGO_TLS_CA_FILE", value: CA_FILE },
        );
        secrets.push({ name: "MONGO_PASSWORD", valueFrom: secretKey(creds.mongodb, "password") }, { name: "MONGO_URI", valueFrom: secretKey(creds.mongodb, "url") });
    }
    if (usesDataServices(svc)) for (const [bucket, physical] of Object.entries(at.buckets)) environment.push({ name: `S3_BUCKET_${envVar(bucket)}`, value: physical });
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

/** The init container that fetches the CA bundle into the task's shared volume. */
export function caBundleContainer(logGroup: string, region: string): ContainerDefinition {
    return {
        name: CA_CONTAINER,
        image: IMAGES.caBundle,
        essential: false,
        // The volume is root-owned; the image's default user could not write to it.
        user: "0",
        command: ["-fsSL", "--retry", "5", "-o", CA_FILE, RDS_CA_BUNDLE_URL],
        environment: [],
        secrets: [],
        mountPoints: [{ sourceVolume: CA_VOLUME, containerPath: CA_DIR, readOnly: false }],
        logConfiguration: awslogs(logGroup, region, CA_CONTAINER),
    };
}

export interface AppContainerArgs {
    readonly image: string;
    readonly logGroup: string;
    readonly region: string;
    readonly environment: KeyValue[];
    readonly secrets: SecretRef[];
    readonly caBundle: boolean;
}

/** The app container: the runbook's limits (hard) and reservation (soft), port, health check and logs. */
export function appContainer(svc: Service, a: AppContainerArgs): ContainerDefinition {
    return {
        name: svc.name,
        image: a.image,
        essential: true,
        cpu: Math.round(svc.resources.limits.cpu * 1024),
        memory: svc.resources.limits.memoryMiB,
        memoryReservation: svc.resources.reservations.memoryMiB,
        portMappings: [{ containerPort: svc.port, protocol: "tcp", name: `${svc.name}-http` }],
        environment: a.environment,
        secrets: a.secrets,
        healthCheck: { command: healthCommand(svc), ...HEALTH_CHECK },
        logConfiguration: awslogs(a.logGroup, a.region, svc.name),
        linuxParameters: { initProcessEnabled: true },
        stopTimeout: 30,
        ...(a.caBundle
            ? {
                  mountPoints: [{ sourceVolume: CA_VOLUME, containerPath: CA_DIR, readOnly: true }],
                  dependsOn: [{ containerName: CA_CONTAINER, condition: "SUCCESS" as const }],
              }
            : {}),
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

export interface PostgresRolesTaskArgs {
    /** A PostgreSQL image of the runbook's major version, for its psql. */
    readonly image: string;
    readonly logGroup: string;
    readonly region: string;
    /** The primary's address and port. */
    readonly host: string;
    readonly port: number;
    /** Secrets Manager ARNs (JSON secrets with `password`): the master's, the app role's, the monitoring role's. */
    readonly admin: string;
    readonly app: string;
    readonly monitor: string;
}

/** Name of the container that creates the roles. */
export const POSTGRES_ROLES_CONTAINER = "postgres-roles";

/**
 * The one-off task that creates or updates the app's and the exporters' PostgreSQL roles
 * (`capabilities/postgres-roles.ts`) as the master user, over TLS verified against the RDS CA. It
 * is idempotent: run it after each `pulumi up` that changes the database or the role passwords.
 * The only containers that reference the master secret are this task's.
 */
export function postgresRolesContainers(rb: Runbook, a: PostgresRolesTaskArgs): ContainerDefinition[] {
    const pg = rb.data.postgres;
    if (!pg) throw new Error(`${rb.app}: \`data.postgres\` is required for the PostgreSQL roles task`);
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
