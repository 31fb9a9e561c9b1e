import { objectStorageAppUser, usesDataServices } from "../datastores";
import { postgresRoles } from "../postgres-roles";
import type { Runbook, Service } from "../../runbooks";
import type { SecretEnv } from "./backups";
import { bootstrapServers } from "./kafka";
import { minioEndpoint } from "./minio";
import { mongoUri } from "./mongodb";
import { postgresUrl } from "./postgres";
import { redisUrl } from "./redis";
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

/** Healthcheck timing: Docker's defaults would wait 30 s between checks; the service-down alert allows a minute. */
export const HEALTHCHECK = { interval: "10s", timeout: "5s", retries: 3, startPeriod: "30s" } as const;

/** `SOLANA_RPC_URL`-style names for the external dependencies (the pfm-community runbook's own variable). */
export function dependencyVariable(name: string): string {
    return `${name.replace(/[^a-zA-Z0-9]+/g, "_").toUpperCase()}_URL`;
}

/**
 * Environment of every app service: where each data service is, with credentials from the
 * generated secrets (not for frontends, which use none). Names follow the usual Node.js conventions (DATABASE_URL, REDIS_URL,
 * MONGODB_URI, KAFKA_BROKERS, S3_ and AWS_ variables), listed in docs/docker.md.
 */
export function serviceEnv(runbook: Runbook, service: Service): { env: Record<string, string>; secretEnv: Record<string, SecretEnv> } {
    const env: Record<string, string> = { PORT: `${service.port}`, APP_ENV: "local" };
    const secretEnv: Record<string, SecretEnv> = {};
    // A frontend gets none of the data services (capabilities/datastores.ts `usesDataServices`).
    const data = usesDataServices(service) ? runbook.data : {};
    const pg = data.postgres;
    if (pg) {
        // The app's own role, never the administrator (capabilities/postgres-roles.ts).
        const user = postgresRoles(runbook.app, pg).app;
        Object.assign(env, { PGHOST: HOSTS.postgres, PGPORT: `${INTERNAL_PORTS.postgres}`, PGDATABASE: pg.database, PGUSER: user });
        secretEnv.PGPASSWORD = { secret: "postgresApp", value: (p) => p };
        secretEnv.DATABASE_URL = { secret: "postgresApp", value: (p) => postgresUrl(pg, user, p) };
        const replicas = postgresReplicas(runbook);
        if (replicas.length) secretEnv.DATABASE_READ_URL = { secret: "postgresApp", value: (p) => postgresUrl(pg, user, p, replicas) };
    }
    if (data.redis) {
        Object.assign(env, { REDIS_HOST: HOSTS.redis, REDIS_PORT: `${INTERNAL_PORTS.redis}` });
        secretEnv.REDIS_PASSWORD = { secret: "redis", value: (p) => p };
        secretEnv.REDIS_URL = { secret: "redis", value: (p) => redisUrl(p) };
    }
    if (data.mongodb) {
        const database = data.mongodb.database;
        secretEnv.MONGODB_URI = { secret: "mongodb", value: (p) => mongoUri(runbook, p, { database }) };
    }
    if (data.kafka) {
        Object.assign(env, { KAFKA_BROKERS: bootstrapServers(runbook) });
        if (data.kafka.consumerGroups.length) env.KAFKA_CONSUMER_GROUP = data.kafka.consumerGroups[0];
        if (data.kafka.topics.length) env.KAFKA_TOPICS = data.kafka.topics.map((t) => t.name).join(",");
    }
    if (data.objectStorage) {
        Object.assign(env, {
            S3_ENDPOINT: minioEndpoint(),
            S3_FORCE_PATH_STYLE: "true",
            S3_BUCKETS: data.objectStorage.buckets.join(","),
            AWS_REGION: runbook.aws.region,
            // The app's own login, limited to its buckets; the root user stays with the platform.
            AWS_ACCESS_KEY_ID: objectStorageAppUser(runbook.app),
        });
        secretEnv.AWS_SECRET_ACCESS_KEY = { secret: "objectStorageApp", value: (p) => p };
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
