import { objectStorageAppUser, usesDataServices } from "../datastores";
import { postgresRoles } from "../postgres-roles";
import type { Runbook, Service } from "../../runbooks";
import type { SecretEnv } from "./backups";
import { dockerKafkaAppEnv } from "./kafka";
import { minioEndpoint } from "./minio";
import { dockerMongoUsers, mongoUri } from "./mongodb";
import { postgresUrl } from "./postgres";
import { redisUrl } from "./redis";
import { rabbitmqEnv } from "../rabbitmq";
import { HOSTS, INTERNAL_PORTS, postgresReplicas } from "./topology";

/**
 * The app's own services on Docker: `scaling.desired` containers per service, the runbook's
 * limits, a healthcheck on the runbook's health path, and the connection settings of the data
 * services the runbook gives the app, as environment variables.
 */

/**
 * `wget` or `curl` against the service's health path on its own port, whichever the image has
 * (busybox images have wget, Debian ones curl): a non-2xx answer or no answer is unhealthy.
 */
export function healthcheckCommand(service: Service): string[] {
    const url = `http://127.0.0.1:${service.port}${service.healthPath}`;
    return ["CMD-SHELL", `wget -q -O /dev/null '${url}' 2>/dev/null || curl -fsS -o /dev/null '${url}'`];
}

/**
 * Healthcheck timing: Docker's defaults would wait 30 s between checks. A hung app is unhealthy
 * after (interval + timeout) × retries = (10 + 5) × 3 = 45 s, within every runbook's ServiceDown
 * `for` (docker-container-healthcheck holds each app to its own).
 */
export const HEALTHCHECK = { interval: "10s", timeout: "5s", retries: 3, startPeriod: "30s" } as const;

/** `SOLANA_RPC_URL`-style names for the external dependencies (the pfm-community runbook's own variable). */
export function dependencyVariable(name: string): string {
    return `${name.replace(/[^a-zA-Z0-9]+/g, "_").toUpperCase()}_URL`;
}

type DataKinds = Runbook["data"];
type Connection = { readonly env?: Record<string, string>; readonly secretEnv?: Record<string, SecretEnv> };

/**
 * Each data kind's connection variables, in the order they are written: one entry per kind of the
 * runbook schema (the type requires each), so a new kind is a line here, not a branch.
 */
const CONNECTIONS: { readonly [K in keyof DataKinds]-?: (spec: NonNullable<DataKinds[K]>, runbook: Runbook) => Connection } = {
    postgres: (pg, runbook) => {
        const replicas = postgresReplicas(runbook);
        // The app's own role, never the administrator (capabilities/postgres-roles.ts).
        const user = postgresRoles(runbook.app, pg).app;
        return {
            env: { PGHOST: HOSTS.postgres, PGPORT: `${INTERNAL_PORTS.postgres}`, PGDATABASE: pg.database, PGUSER: user },
            secretEnv: {
                PGPASSWORD: { secret: "postgresApp", value: (p) => p },
                DATABASE_URL: { secret: "postgresApp", value: (p) => postgresUrl(pg, user, p) },
                ...(replicas.length ? { DATABASE_READ_URL: { secret: "postgresApp" as const, value: (p: string) => postgresUrl(pg, user, p, replicas) } } : {}),
            },
        };
    },
    redis: () => ({
        env: { REDIS_HOST: HOSTS.redis, REDIS_PORT: `${INTERNAL_PORTS.redis}` },
        secretEnv: { REDIS_PASSWORD: { secret: "redis", value: (p) => p }, REDIS_URL: { secret: "redis", value: (p) => redisUrl(p) } },
    }),
    // The app's own user, readWrite on its database only (capabilities/mongodb-users.ts).
    mongodb: ({ database }, runbook) => ({ secretEnv: { MONGODB_URI: { secret: "mongodbApp", value: (p) => mongoUri(runbook, p, { database, user: dockerMongoUsers(runbook).app }) } } }),
    // The app's own SCRAM user with its ACLs (capabilities/docker/kafka.ts), as on Kubernetes.
    kafka: (_kafka, runbook) => ({ env: dockerKafkaAppEnv(runbook), secretEnv: { KAFKA_PASSWORD: { secret: "kafkaApp", value: (p) => p } } }),
    rabbitmq: (_mq, runbook) => {
        const endpoint = { scheme: "amqp" as const, host: HOSTS.rabbitmq, port: INTERNAL_PORTS.rabbitmq };
        const { RABBITMQ_URL: _url, ...plain } = rabbitmqEnv(runbook, endpoint, "");
        return { env: plain, secretEnv: { RABBITMQ_URL: { secret: "rabbitmq", value: (p) => rabbitmqEnv(runbook, endpoint, p).RABBITMQ_URL } } };
    },
    objectStorage: (objectStorage, runbook) => ({
        env: {
            S3_ENDPOINT: minioEndpoint(),
            S3_FORCE_PATH_STYLE: "true",
            S3_BUCKETS: objectStorage.buckets.join(","),
            AWS_REGION: runbook.aws.region,
            // The app's own login, limited to its buckets; the root user stays with the platform.
            AWS_ACCESS_KEY_ID: objectStorageAppUser(runbook.app),
        },
        secretEnv: { AWS_SECRET_ACCESS_KEY: { secret: "objectStorageApp", value: (p) => p } },
    }),
};

/**
 * Environment of every app service: where each data service is, with credentials from the
 * generated secrets (not for frontends, which use none). Names follow the usual Node.js conventions (DATABASE_URL, REDIS_URL,
 * MONGODB_URI, KAFKA_BROKERS, S3_ and AWS_ variables), listed in docs/docker.md.
 */
export function serviceEnv(runbook: Runbook, service: Service): { env: Record<string, string>; secretEnv: Record<string, SecretEnv> } {
    const env: Record<string, string> = { PORT: `${service.port}`, APP_ENV: "local" };
    const secretEnv: Record<string, SecretEnv> = {};
    // A frontend gets none of the data services (capabilities/datastores.ts `usesDataServices`).
    const data: DataKinds = usesDataServices(service) ? runbook.data : {};
    for (const kind of Object.keys(CONNECTIONS) as (keyof DataKinds)[]) {
        const spec = data[kind];
        if (spec === undefined) continue;
        const c = (CONNECTIONS[kind] as (s: typeof spec, rb: Runbook) => Connection)(spec, runbook);
        Object.assign(env, c.env ?? {});
        Object.assign(secretEnv, c.secretEnv ?? {});
    }
    if (runbook.monitoring.ports.jaeger !== undefined) {
        env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://${HOSTS.jaeger}:${INTERNAL_PORTS.jaegerOtlpHttp}`;
        env.OTEL_SERVICE_NAME = `${runbook.app}-${service.name}`;
    }
    for (const dep of runbook.externalDependencies) {
        env[dependencyVariable(dep.name)] = dep.url;
        if (dep.fallbackUrl) env[dependencyVariable(`${dep.name}-fallback`)] = dep.fallbackUrl;
    }
    return { env, secretEnv };
}
