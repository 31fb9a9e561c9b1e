import { createHash } from "crypto";
import type * as k8s from "@pulumi/kubernetes";
import type { Runbook } from "../../runbooks";
import { PROBE_TIMINGS } from "./apps";
import { backupSecrets, PLATFORM_DIR, platformScriptsConfigMap } from "./backups";
import { DATA_SCRATCH, scratchMounts, scratchVolumes, sidecarResources } from "./data-pods";
import { DATA_ACCESS_LABELS, dataSelector, LABEL, serviceHost, type Names } from "./names";
import { REDIS_AUTH_DIR, REDIS_AUTH_FILE, REDIS_EXPORTER_PORT, REDIS_PORT, redisConfig, redisHeadless, redisPodHost, redisTopology } from "./redis";
import { hardened, IMAGE_UID, podSecurity } from "./security";
import { redisResources, redisVolume } from "./sizing";
import { dataImage, IMAGES } from "./versions";

/**
 * The objects of Redis on Kubernetes that the platform writes itself, as specs: the headless
 * Service that gives each pod its DNS name, the client Service, the StatefulSet (redis-server with
 * the runbook's redis.conf and redis_exporter beside it, a volume per pod) and, in cluster mode,
 * the Job that forms the cluster once. The component creates them; every number is decided here.
 */

type ServiceSpec = k8s.types.input.core.v1.ServiceSpec;
type StatefulSetSpec = k8s.types.input.apps.v1.StatefulSetSpec;
type JobSpec = k8s.types.input.batch.v1.JobSpec;
type EnvVar = k8s.types.input.core.v1.EnvVar;

/** Key of the password in the Redis auth Secret (`backupSecrets(n).redis`); the backup jobs read it too. */
export const REDIS_PASSWORD_KEY = "password";
/** Pod annotation holding the sha256 of redis.conf: a changed config rolls the pods. */
export const REDIS_CONFIG_ANNOTATION = "platform.runbooks/config-sha256";

/** Labels of the headless Service: the data-service label the NetworkPolicies and the ServiceMonitor select on. */
export function redisHeadlessLabels(): Record<string, string> {
    return { [LABEL.dataService]: "redis" };
}

/** Headless Service: stable DNS per pod, published before the pods are ready so the cluster can form. */
export function redisHeadlessSpec(n: Names): ServiceSpec {
    return {
        clusterIP: "None",
        publishNotReadyAddresses: true,
        selector: dataSelector(n, "redis"),
        ports: [
            { name: "redis", port: REDIS_PORT, targetPort: "redis" },
            { name: "metrics", port: REDIS_EXPORTER_PORT, targetPort: "metrics" },
        ],
    };
}

/** The Service clients connect to: pod 0, the primary, unless the cluster tells clients where each shard is. */
export function redisClientSpec(rb: Runbook, n: Names): ServiceSpec {
    const selector = dataSelector(n, "redis");
    const clientSelector = redisTopology(rb).mode === "cluster" ? selector : { ...selector, "statefulset.kubernetes.io/pod-name": `${n.redis}-0` };
    return { type: "ClusterIP", selector: clientSelector, ports: [{ name: "redis", port: REDIS_PORT, targetPort: "redis" }] };
}

/** An environment variable holding the generated password, from the auth Secret. */
function passwordEnv(n: Names, envName: string): EnvVar {
    return { name: envName, valueFrom: { secretKeyRef: { name: backupSecrets(n).redis, key: REDIS_PASSWORD_KEY } } };
}

/**
 * The StatefulSet: `redisTopology` pods started in parallel by the platform's redis-start.sh with
 * the runbook's redis.conf, its password included from the auth Secret (never on a command line),
 * the runbook-sized requests and volume, and redis_exporter beside each server.
 */
export function redisStatefulSetSpec(rb: Runbook, n: Names, storageClass?: string): StatefulSetSpec {
    const topo = redisTopology(rb);
    const selector = dataSelector(n, "redis");
    const res = redisResources(rb);
    return {
        serviceName: redisHeadless(n),
        replicas: topo.replicas,
        podManagementPolicy: "Parallel",
        selector: { matchLabels: selector },
        template: {
            metadata: { labels: { ...selector }, annotations: { [REDIS_CONFIG_ANNOTATION]: createHash("sha256").update(redisConfig(rb)).digest("hex") } },
            spec: {
                securityContext: podSecurity(IMAGE_UID.redis),
                automountServiceAccountToken: false,
                containers: [
                    hardened({
                        name: "redis",
                        image: dataImage(rb, "redis"),
                        command: ["bash", `${PLATFORM_DIR}/redis-start.sh`],
                        // redis-server writes only its `dir`, the /data volume (data-pods.ts, DATA_SCRATCH).
                        securityContext: { readOnlyRootFilesystem: true },
                        env: [
                            { name: "REDIS_MODE", value: topo.mode },
                            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                            { name: "REDIS_PRIMARY_HOST", value: redisPodHost(n, 0) },
                            { name: "HEADLESS_DOMAIN", value: serviceHost(redisHeadless(n), n.namespace) },
                            passwordEnv(n, "REDISCLI_AUTH"),
                        ],
                        ports: [{ name: "redis", containerPort: REDIS_PORT }],
                        resources: { requests: { ...res.requests }, limits: { ...res.limits } },
                        readinessProbe: { exec: { command: ["sh", "-c", "redis-cli ping | grep -q PONG"] }, periodSeconds: 10, timeoutSeconds: 5 },
                        // Redis listens while it loads its data: the startup probe carries the start grace, liveness restarts a dead server within redis-down's `for`.
                        livenessProbe: { tcpSocket: { port: "redis" }, ...PROBE_TIMINGS.liveness },
                        startupProbe: { tcpSocket: { port: "redis" }, ...PROBE_TIMINGS.startup },
                        volumeMounts: [
                            { name: "data", mountPath: "/data" },
                            { name: "config", mountPath: "/etc/redis", readOnly: true },
                            { name: "auth", mountPath: REDIS_AUTH_DIR, readOnly: true },
                            { name: "scripts", mountPath: PLATFORM_DIR, readOnly: true },
                        ],
                    }),
                    hardened({
                        name: "redis-exporter",
                        image: IMAGES.redisExporter,
                        // An exporter writes nothing: flags and the environment in, metrics out.
                        securityContext: { readOnlyRootFilesystem: true },
                        env: [{ name: "REDIS_ADDR", value: `redis://127.0.0.1:${REDIS_PORT}` }, passwordEnv(n, "REDIS_PASSWORD")],
                        ports: [{ name: "metrics", containerPort: REDIS_EXPORTER_PORT }],
                        resources: sidecarResources(),
                        readinessProbe: { httpGet: { path: "/health", port: "metrics" }, periodSeconds: 20 },
                        livenessProbe: { httpGet: { path: "/health", port: "metrics" }, periodSeconds: 20 },
                    }),
                ],
                volumes: [
                    { name: "config", configMap: { name: redisConfigMap(n) } },
                    { name: "auth", secret: { secretName: backupSecrets(n).redis, items: [{ key: REDIS_AUTH_FILE, path: REDIS_AUTH_FILE }], defaultMode: 0o440 } },
                    { name: "scripts", configMap: { name: platformScriptsConfigMap(n), defaultMode: 0o555 } },
                ],
            },
        },
        volumeClaimTemplates: [
            {
                metadata: { name: "data" },
                spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: redisVolume(rb) } }, ...(storageClass ? { storageClassName: storageClass } : {}) },
            },
        ],
    };
}

/** The ConfigMap holding redis.conf. */
export function redisConfigMap(n: Names): string {
    return `${n.redis}-config`;
}

/** Name of the Job that forms the cluster. */
export function redisClusterInit(n: Names): string {
    return `${n.redis}-cluster-init`;
}

/**
 * Cluster mode only: a Job that joins every pod into `shards` primaries with a replica each, once
 * (redis-cluster-init.sh does nothing when the cluster already exists). Undefined for the other modes.
 */
export function redisClusterInitSpec(rb: Runbook, n: Names): JobSpec | undefined {
    const topo = redisTopology(rb);
    if (topo.mode !== "cluster") return undefined;
    return {
        backoffLimit: 6,
        template: {
            metadata: { labels: { [LABEL.partOf]: n.app, [LABEL.name]: redisClusterInit(n), ...DATA_ACCESS_LABELS } },
            spec: {
                restartPolicy: "OnFailure",
                securityContext: podSecurity(IMAGE_UID.redis),
                automountServiceAccountToken: false,
                containers: [
                    hardened({
                        name: "cluster-init",
                        image: dataImage(rb, "redis"),
                        command: ["bash", `${PLATFORM_DIR}/redis-cluster-init.sh`],
                        securityContext: { readOnlyRootFilesystem: true },
                        env: [
                            { name: "REDIS_NODES", value: Array.from({ length: topo.replicas }, (_, i) => redisPodHost(n, i)).join(" ") },
                            { name: "REDIS_SHARDS", value: `${topo.shards}` },
                            passwordEnv(n, "REDISCLI_AUTH"),
                        ],
                        resources: sidecarResources(),
                        volumeMounts: [{ name: "scripts", mountPath: PLATFORM_DIR, readOnly: true }, ...scratchMounts(DATA_SCRATCH.redisClusterJob)],
                    }),
                ],
                volumes: [{ name: "scripts", configMap: { name: platformScriptsConfigMap(n), defaultMode: 0o555 } }, ...scratchVolumes(DATA_SCRATCH.redisClusterJob)],
            },
        },
    };
}
