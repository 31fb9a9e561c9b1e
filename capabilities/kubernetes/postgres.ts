import type { ICluster } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster" with { "resolution-mode": "import" };
import type { IScheduledBackup } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/ScheduledBackup" with { "resolution-mode": "import" };
import type { Env, Runbook } from "../../runbooks";
import { postgresSettings } from "../datastores";
import { postgresRoles } from "../postgres-roles";
import { datasetPlan } from "../backups/plan";
import { cnpgSchedule } from "./cron";
import { minioEndpoint, OBJECT_STORE_KEYS } from "./minio";
import { LABEL, serviceHost, type Names } from "./names";
import { POSTGRES, VOLUMES } from "./sizing";
import { dataImage } from "./versions";

/**
 * PostgreSQL on CloudNativePG: the Cluster (instances, tuning, storage, WAL archiving to MinIO,
 * monitoring) and its ScheduledBackup on the runbook's schedule.
 */

type Postgres = NonNullable<Runbook["data"]["postgres"]>;
export type ClusterSpec = ICluster["spec"];
export type ScheduledBackupSpec = IScheduledBackup["spec"];

/** Instances never drop below this outside a laptop: one can fail over to the other. */
/** PostgreSQL's port on CloudNativePG's instances and Services. */
export const POSTGRES_PORT = 5432;
/** CloudNativePG's instance manager: the operator reads each instance's status over HTTP on this port (its networkpolicy-example.yaml admits the operator on it and on POSTGRES_PORT). */
export const CNPG_INSTANCE_MANAGER_PORT = 8000;

export const MIN_INSTANCES_FOR_FAILOVER = 2;

/**
 * Primary plus the runbook's read replicas, and at least two outside `local`: staging rehearses
 * production's failover, so a runbook with no replicas still gets a standby here.
 */
export function postgresInstances(pg: Postgres, env: Env): number {
    return Math.max(1 + pg.readReplicas, env === "local" ? 1 : MIN_INSTANCES_FOR_FAILOVER);
}

function requirePostgres(rb: Runbook): Postgres {
    if (!rb.data.postgres) throw new Error(`${rb.app}: \`data.postgres\` is required for the PostgreSQL cluster`);
    return rb.data.postgres;
}

/** Secret (kubernetes.io/basic-auth) of the application owner. */
export function postgresAppSecret(n: Names): string {
    return `${n.postgres}-app`;
}

/** Secret (kubernetes.io/basic-auth) of the exporters' read-only role. */
export function postgresMonitorSecret(n: Names): string {
    return `${n.postgres}-monitor`;
}

/**
 * Who logs in here: the app as the database owner CloudNativePG creates (`data.postgres.user`,
 * no superuser: CloudNativePG keeps `postgres` for itself with superuser access disabled), the
 * exporters as the monitoring role of `capabilities/postgres-roles.ts`.
 */
export function postgresLogins(rb: Runbook): { app: string; monitor: string } {
    const pg = requirePostgres(rb);
    return { app: pg.user, monitor: postgresRoles(rb.app, pg).monitor };
}

type ManagedRole = NonNullable<NonNullable<NonNullable<ClusterSpec>["managed"]>["roles"]>[number];

/**
 * The roles CloudNativePG keeps as declared on every reconcile: the owner pinned to no superuser,
 * CREATEROLE, CREATEDB, replication or RLS bypass, and the monitoring role with only `pg_monitor`.
 */
export function managedRoles(rb: Runbook, n: Names): ManagedRole[] {
    const logins = postgresLogins(rb);
    const leastPrivilege = { ensure: "present", login: true, superuser: false, createrole: false, createdb: false, replication: false, bypassrls: false, inherit: true } as const;
    return [
        { name: logins.app, ...leastPrivilege, passwordSecret: { name: postgresAppSecret(n) } },
        { name: logins.monitor, ...leastPrivilege, inRoles: ["pg_monitor"], passwordSecret: { name: postgresMonitorSecret(n) } },
    ];
}

/** The read-write Service CloudNativePG creates for the primary, and the read-only one for the replicas. */
export function postgresHosts(n: Names): { rw: string; ro: string } {
    return { rw: serviceHost(`${n.postgres}-rw`, n.namespace), ro: serviceHost(`${n.postgres}-ro`, n.namespace) };
}

/** `30d`: how long CloudNativePG keeps base backups and WAL, the runbook's PostgreSQL retention. */
export function retentionPolicy(rb: Runbook): string {
    const planned = datasetPlan(rb, "postgres");
    if (!planned) throw new Error(`${rb.app}: \`backups\` has no postgres entry; CloudNativePG needs its retention`);
    return `${planned.retentionDays}d`;
}

/** The Cluster spec. `shared_preload_libraries` is CloudNativePG's own field, not a parameter. */
export function clusterSpec(rb: Runbook, env: Env, n: Names, storageClass?: string): ClusterSpec {
    const pg = requirePostgres(rb);
    const { shared_preload_libraries: _preload, ...parameters } = postgresSettings(pg);
    const pgStatStatements = pg.preloadLibraries.includes("pg_stat_statements");
    return {
        instances: postgresInstances(pg, env),
        imageName: dataImage(rb, "cnpg"),
        primaryUpdateStrategy: "unsupervised",
        inheritedMetadata: { labels: { [LABEL.partOf]: n.app, [LABEL.dataService]: "postgres" } },
        postgresql: { parameters, shared_preload_libraries: [...pg.preloadLibraries] },
        managed: { roles: managedRoles(rb, n) },
        bootstrap: {
            initdb: {
                database: pg.database,
                owner: pg.user,
                secret: { name: postgresAppSecret(n) },
                ...(pgStatStatements ? { postInitApplicationSQL: ["CREATE EXTENSION IF NOT EXISTS pg_stat_statements"] } : {}),
            },
        },
        storage: { size: VOLUMES.postgres, ...(storageClass ? { storageClass } : {}) },
        resources: { requests: { ...POSTGRES.requests }, limits: { ...POSTGRES.limits } },
        monitoring: { enablePodMonitor: true },
        backup: {
            retentionPolicy: retentionPolicy(rb),
            barmanObjectStore: {
                destinationPath: `s3://${n.backupBucket}/cnpg`,
                endpointURL: minioEndpoint(n),
                s3Credentials: {
                    accessKeyId: { name: n.minio, key: OBJECT_STORE_KEYS.user },
                    secretAccessKey: { name: n.minio, key: OBJECT_STORE_KEYS.password },
                },
                wal: { compression: "gzip" },
                data: { compression: "gzip" },
            },
        },
    };
}

/** The runbook's PostgreSQL backup as a ScheduledBackup: same times, seconds field first. */
export function scheduledBackupSpec(rb: Runbook, n: Names): ScheduledBackupSpec {
    const planned = datasetPlan(rb, "postgres");
    if (!planned) throw new Error(`${rb.app}: \`backups\` has no postgres entry to schedule`);
    return { schedule: cnpgSchedule(planned.cron), cluster: { name: n.postgres }, backupOwnerReference: "self", method: "barmanObjectStore", immediate: true };
}

/**
 * postgres_exporter's connection: the app database, TLS as CloudNativePG serves it, as the
 * monitoring role; on the primary (`rw`) or on the read replicas' Service (`ro`), where replay lag is read.
 */
export function postgresExporterEnv(rb: Runbook, n: Names, role: "rw" | "ro" = "rw"): Record<string, string> {
    const pg = requirePostgres(rb);
    return { DATA_SOURCE_URI: `${postgresHosts(n)[role]}:${POSTGRES_PORT}/${pg.database}?sslmode=require`, DATA_SOURCE_USER: postgresLogins(rb).monitor };
}
