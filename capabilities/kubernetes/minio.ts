import type { Runbook } from "../../runbooks";
import { requiredExporters } from "../alerting/exporters";
import { MINIO_METRICS_PATH, OBJECT_STORAGE_COMPONENT } from "../alerting/minio";
import { objectStorageAppPolicy, objectStorageAppUser } from "../datastores";
import { serviceMonitorSpec, type ServiceMonitorSpec } from "./monitoring";
import { LABEL, serviceHost, type Names } from "./names";
import { DATA_SCRATCH, scratchMounts, scratchVolumes } from "./data-pods";
import { containerSecurity, IMAGE_UID, podSecurity } from "./security";
import { JOB, MINIO, VOLUMES } from "./sizing";

/**
 * MinIO (the official chart, standalone) for the app's buckets and as the backup destination:
 * CloudNativePG's WAL and base backups, the dump jobs' archives and the bucket copies all go to
 * the platform's backup bucket.
 */

export const MINIO_PORT = 9000;
/** Keys of the credentials Secret, as the chart's `existingSecret` reads them. */
export const OBJECT_STORE_KEYS = { user: "rootUser", password: "rootPassword" } as const;
/** The root user's name; its password is generated (`secrets.objectStorage`). */
export const MINIO_ROOT_USER = "platform-admin";

export function minioEndpoint(n: Names): string {
    return `http://${serviceHost(n.minio, n.namespace)}:${MINIO_PORT}`;
}

/** The Secret (and its key) holding the app user's generated password, as the chart's `users[].existingSecret` reads it. */
export function minioAppUserSecret(n: Names): { name: string; key: "secretKey" } {
    return { name: `${n.minio}-app-user`, key: "secretKey" };
}

/** The runbook's buckets and the platform's backup bucket. */
export function buckets(rb: Runbook, n: Names): string[] {
    return [...new Set([...(rb.data.objectStorage?.buckets ?? []), n.backupBucket])];
}

/** Values for the minio chart. The root credentials come from the Secret named like the release. */
export function minioValues(rb: Runbook, n: Names, storageClass?: string): Record<string, unknown> {
    return {
        fullnameOverride: n.minio,
        mode: "standalone",
        replicas: 1,
        existingSecret: n.minio,
        rootUser: "",
        rootPassword: "",
        buckets: buckets(rb, n).map((name) => ({ name, policy: "none", purge: false, versioning: name === n.backupBucket })),
        // The app's own user, limited to the runbook's buckets; the root user stays with the platform.
        // Without object storage in the runbook there is no app user: `users` must still be set, or
        // the chart creates its default `console` / `console123` account with `consoleAdmin`.
        ...(rb.data.objectStorage
            ? {
                  policies: [
                      {
                          name: objectStorageAppUser(rb.app),
                          statements: objectStorageAppPolicy(rb.data.objectStorage.buckets).Statement.map((s) => ({ effect: s.Effect, resources: s.Resource, actions: s.Action })),
                      },
                  ],
                  users: [{ accessKey: objectStorageAppUser(rb.app), existingSecret: minioAppUserSecret(n).name, existingSecretKey: minioAppUserSecret(n).key, policy: objectStorageAppUser(rb.app) }],
              }
            : { policies: [], users: [] }),
        svcaccts: [],
        persistence: { enabled: true, size: VOLUMES.minio, ...(storageClass ? { storageClass } : {}) },
        resources: { requests: { ...MINIO.requests }, limits: { ...MINIO.limits } },
        podLabels: { [LABEL.partOf]: n.app, [LABEL.dataService]: "minio" },
        securityContext: { enabled: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, fsGroupChangePolicy: "OnRootMismatch" },
        // Read by the chart from 5.3.0 (CHARTS.minio), and only while securityContext.enabled and persistence.enabled.
        // The server writes the data volume and its certs directory (DATA_SCRATCH.minioCerts), nothing else.
        containerSecurityContext: { ...containerSecurity(), readOnlyRootFilesystem: true },
        certsPath: `${Object.keys(DATA_SCRATCH.minioCerts)[0]}/`,
        extraVolumes: scratchVolumes(DATA_SCRATCH.minioCerts),
        extraVolumeMounts: scratchMounts(DATA_SCRATCH.minioCerts),
        // The post-install job that creates the buckets, policies and users runs mc: hardened and sized like our jobs.
        postJob: { securityContext: { enabled: true, ...podSecurity(IMAGE_UID.mc) } },
        ...Object.fromEntries(
            (["makeBucketJob", "makePolicyJob", "makeUserJob"] as const).map((job) => [
                job,
                {
                    securityContext: { enabled: true },
                    // mc keeps its configuration in configPathmc and its temporary files in /tmp, both the job's emptyDirs (templates/post-job.yaml).
                    containerSecurityContext: { ...containerSecurity(), runAsUser: IMAGE_UID.mc, runAsGroup: IMAGE_UID.mc, readOnlyRootFilesystem: true },
                    resources: { requests: { ...JOB.requests }, limits: { ...JOB.limits } },
                },
            ]),
        ),
        service: { type: "ClusterIP", port: MINIO_PORT },
        consoleService: { type: "ClusterIP" },
        // `public` (the chart's default, pinned): the chart sets MINIO_PROMETHEUS_AUTH_TYPE=public, so
        // Prometheus reads the cluster metrics without a token (docs/alerting.md, "Object storage").
        // The chart's own ServiceMonitor stays off: it lands in the monitoring namespace without the
        // `app`/`component` labels the rules select on; minioMonitorSpec is the one that scrapes.
        metrics: { serviceMonitor: { enabled: false, public: true } },
    };
}

/** The chart's S3 Service: its labels (the console's Service has no `monitoring` label) and its port's name. */
export function minioServiceSelector(n: Names): Record<string, string> {
    return { app: "minio", release: n.minio, monitoring: "true" };
}
export const MINIO_SERVICE_PORT_NAME = "http";

/**
 * The ServiceMonitor of MinIO's cluster metrics (on its S3 port, without a token), stamping `app` and
 * `component=objectStorage`, where the metrics contract's alerts read them (object storage's baseline
 * health); undefined where none does. The monitoring namespace already reaches MinIO: every data
 * service's NetworkPolicy admits it (security.ts `networkPolicies`).
 */
export function minioMonitorSpec(rb: Runbook, n: Names): ServiceMonitorSpec | undefined {
    if (!requiredExporters(rb, "kubernetes").some((r) => r.exporter === "minio")) return undefined;
    return serviceMonitorSpec(rb, n, minioServiceSelector(n), MINIO_SERVICE_PORT_NAME, OBJECT_STORAGE_COMPONENT, MINIO_METRICS_PATH);
}

/** `MC_HOST_minio` for the mc client: the endpoint with the credentials in it. */
export function mcHost(n: Names, password: string): string {
    const url = new URL(minioEndpoint(n));
    url.username = MINIO_ROOT_USER;
    url.password = password;
    return url.toString().replace(/\/$/, "");
}
