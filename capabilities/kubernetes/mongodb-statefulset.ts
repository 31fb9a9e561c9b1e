import type * as k8s from "@pulumi/kubernetes";
import type { Runbook } from "../../runbooks";
import { EXPORTERS } from "../alerting/exporters";
import { START_GRACE_SECONDS } from "./apps";
import { PLATFORM_DIR, platformScriptsConfigMap } from "./backups";
import { DATA_SCRATCH, scratchMounts, scratchVolumes, sidecarResources } from "./data-pods";
import { MONGO_DATA, MONGO_EXPORTER_PORT, MONGO_KEYFILE_DIR, MONGO_PORT, MONGO_ROOT_USER, MONGO_USERS_KEYS, mongodCommand, mongoHeadless, mongoMembers, mongoUsersSecret, replicaSetName } from "./mongodb";
import { dataSelector, LABEL, type Names } from "./names";
import { hardened, IMAGE_UID, podSecurity } from "./security";
import { MONGODB, mongoVolume } from "./sizing";
import { dataImage, IMAGES } from "./versions";

/**
 * The objects of the MongoDB replica set on Kubernetes, as specs: the headless Service that gives
 * each member its DNS name, and the StatefulSet (mongod with the runbook's replica set and oplog,
 * the keyfile copied in with the mode mongod demands, pod 0 forming the set once, the Percona
 * exporter beside each member). The component creates them; every number is decided here.
 */

type ServiceSpec = k8s.types.input.core.v1.ServiceSpec;
type StatefulSetSpec = k8s.types.input.apps.v1.StatefulSetSpec;
type EnvVar = k8s.types.input.core.v1.EnvVar;

/** Keys of the members' Secret (`mongoAuthSecret`): the root password and the shared keyfile. The exporter's connection string is the monitoring user's, in `mongoUsersSecret`. */
export const MONGO_AUTH_KEYS = { password: "password", keyfile: "keyfile" } as const;

/** The Secret the members and the exporter read their credentials from. */
export function mongoAuthSecret(n: Names): string {
    return `${n.mongodb}-auth`;
}

/** Labels of the headless Service: the data-service label the NetworkPolicies and the ServiceMonitor select on. */
export function mongoHeadlessLabels(): Record<string, string> {
    return { [LABEL.dataService]: "mongodb" };
}

/** Headless Service: stable DNS per member, published before the members are ready so the set can form. */
export function mongoHeadlessSpec(n: Names): ServiceSpec {
    return {
        clusterIP: "None",
        publishNotReadyAddresses: true,
        selector: dataSelector(n, "mongodb"),
        ports: [
            { name: "mongodb", port: MONGO_PORT, targetPort: "mongodb" },
            { name: "metrics", port: MONGO_EXPORTER_PORT, targetPort: "metrics" },
        ],
    };
}

function fromSecret(n: Names, envName: string, key: string): EnvVar {
    return { name: envName, valueFrom: { secretKeyRef: { name: mongoAuthSecret(n), key } } };
}

/**
 * The StatefulSet: `data.mongodb.replicaSetMembers` members started in parallel by the platform's
 * mongo-start.sh (pod 0 initiates the set and creates the root user once), each with a
 * runbook-sized volume for data and oplog, probed with `ping`, and the Percona exporter beside it
 * talking to its own member only.
 */
export function mongoStatefulSetSpec(rb: Runbook, n: Names, storageClass?: string): StatefulSetSpec {
    const mongo = rb.data.mongodb;
    if (!mongo) throw new Error(`${rb.app}: \`data.mongodb\` is required for MongoDB`);
    const selector = dataSelector(n, "mongodb");
    const secretName = mongoAuthSecret(n);
    const ping = { exec: { command: ["mongosh", "--quiet", "--eval", "db.adminCommand({ ping: 1 }).ok"] }, timeoutSeconds: 10 };
    return {
        serviceName: mongoHeadless(n),
        replicas: mongo.replicaSetMembers,
        podManagementPolicy: "Parallel",
        selector: { matchLabels: selector },
        template: {
            metadata: { labels: { ...selector } },
            spec: {
                securityContext: podSecurity(IMAGE_UID.mongodb),
                automountServiceAccountToken: false,
                // mongod refuses a keyfile others can read: copy it from the Secret with mode 0400.
                initContainers: [
                    hardened({
                        name: "keyfile",
                        image: dataImage(rb, "mongodb"),
                        command: ["sh", "-c", `cp /secret/keyfile ${MONGO_KEYFILE_DIR}/keyfile && chmod 0400 ${MONGO_KEYFILE_DIR}/keyfile`],
                        // It writes only into the keyfile emptyDir.
                        securityContext: { readOnlyRootFilesystem: true },
                        resources: sidecarResources(),
                        volumeMounts: [
                            { name: "auth", mountPath: "/secret", readOnly: true },
                            { name: "keyfile", mountPath: MONGO_KEYFILE_DIR },
                        ],
                    }),
                ],
                containers: [
                    hardened({
                        name: "mongodb",
                        image: dataImage(rb, "mongodb"),
                        command: ["bash", `${PLATFORM_DIR}/mongo-start.sh`, ...mongodCommand(rb, n)],
                        // mongod's socket goes to /tmp; data, diagnostics and mongosh's logs (home) to the data volume.
                        securityContext: { readOnlyRootFilesystem: true },
                        env: [
                            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                            { name: "MONGO_REPLICA_SET", value: replicaSetName(n) },
                            { name: "MONGO_MEMBERS", value: mongoMembers(rb, n).join(" ") },
                            { name: "MONGO_ROOT_USER", value: MONGO_ROOT_USER },
                            fromSecret(n, "MONGO_ROOT_PASSWORD", MONGO_AUTH_KEYS.password),
                        ],
                        ports: [{ name: "mongodb", containerPort: MONGO_PORT }],
                        resources: { requests: { ...MONGODB.requests }, limits: { ...MONGODB.limits } },
                        readinessProbe: { ...ping, periodSeconds: 10 },
                        // mongosh's ping may take its 10 s timeout: liveness restarts a dead mongod within 10 × 3 + 10 = 40 s (mongodb-down's `for` bounds it), the startup probe carries the start grace.
                        livenessProbe: { ...ping, periodSeconds: 10, failureThreshold: 3 },
                        startupProbe: { ...ping, periodSeconds: 10, failureThreshold: START_GRACE_SECONDS / 10 },
                        volumeMounts: [
                            { name: "data", mountPath: MONGO_DATA },
                            { name: "keyfile", mountPath: MONGO_KEYFILE_DIR, readOnly: true },
                            { name: "scripts", mountPath: PLATFORM_DIR, readOnly: true },
                            ...scratchMounts(DATA_SCRATCH.mongod),
                        ],
                    }),
                    hardened({
                        name: "mongodb-exporter",
                        image: IMAGES.mongodbExporter,
                        // An exporter writes nothing: flags and the environment in, metrics out.
                        securityContext: { readOnlyRootFilesystem: true },
                        args: [...EXPORTERS.mongodb.flags, `--web.listen-address=:${MONGO_EXPORTER_PORT}`],
                        // The monitoring user (capabilities/mongodb-users.ts), never root.
                        env: [{ name: "MONGODB_URI", valueFrom: { secretKeyRef: { name: mongoUsersSecret(n), key: MONGO_USERS_KEYS.exporterUri } } }],
                        ports: [{ name: "metrics", containerPort: MONGO_EXPORTER_PORT }],
                        resources: sidecarResources(),
                        readinessProbe: { httpGet: { path: "/", port: "metrics" }, periodSeconds: 20 },
                        livenessProbe: { httpGet: { path: "/", port: "metrics" }, periodSeconds: 20 },
                    }),
                ],
                volumes: [
                    { name: "auth", secret: { secretName, items: [{ key: MONGO_AUTH_KEYS.keyfile, path: "keyfile" }], defaultMode: 0o440 } },
                    { name: "keyfile", emptyDir: { medium: "Memory" } },
                    { name: "scripts", configMap: { name: platformScriptsConfigMap(n), defaultMode: 0o555 } },
                    ...scratchVolumes(DATA_SCRATCH.mongod),
                ],
            },
        },
        volumeClaimTemplates: [
            {
                metadata: { name: "data" },
                spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: mongoVolume(rb) } }, ...(storageClass ? { storageClassName: storageClass } : {}) },
            },
        ],
    };
}
