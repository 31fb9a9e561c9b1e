import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { MC_HOST_KEY, MONGO_URI_KEY, backupSecrets, platformScriptsConfigMap, PLATFORM_DIR } from "../../../capabilities/kubernetes/backups";
import { KAFKA_ANNOTATIONS, clusterLabel, kafkaSpec, nodePoolSpec, topicSpecs } from "../../../capabilities/kubernetes/kafka";
import { mcHost, minioAppUserSecret, MINIO_ROOT_USER, minioValues, OBJECT_STORE_KEYS } from "../../../capabilities/kubernetes/minio";
import { kafkaExporterMonitorSpec, serviceMonitorSpec } from "../../../capabilities/kubernetes/monitoring";
import { MONGO_DATA, MONGO_EXPORTER_PORT, MONGO_KEYFILE_DIR, MONGO_PORT, MONGO_ROOT_USER, mongodCommand, mongoExporterUri, mongoHeadless, mongoMembers, mongoUri, replicaSetName } from "../../../capabilities/kubernetes/mongodb";
import { DATA_ACCESS_LABELS, dataSelector, LABEL, serviceHost } from "../../../capabilities/kubernetes/names";
import { clusterSpec, postgresAppSecret, postgresExporterEnv, scheduledBackupSpec } from "../../../capabilities/kubernetes/postgres";
import { REDIS_AUTH_DIR, REDIS_AUTH_FILE, REDIS_EXPORTER_PORT, REDIS_PORT, redisAuthConf, redisConfig, redisHeadless, redisPodHost, redisTopology } from "../../../capabilities/kubernetes/redis";
import { hardened, IMAGE_UID, podSecurity } from "../../../capabilities/kubernetes/security";
import { MONGODB, SIDECAR, mongoVolume, redisResources, redisVolume } from "../../../capabilities/kubernetes/sizing";
import { CHARTS, dataImage, IMAGES } from "../../../capabilities/kubernetes/versions";
import { EXPORTERS } from "../../../capabilities/alerting/exporters";
import { checksum, childOptions, meta, password, release, secretData, statefulOptions, type KubernetesScope } from "./scope";
import { requireField } from "../../../runbooks";

/** Every data-service component takes the target's scope and the releases its objects need. */
export interface DataServiceArgs {
    readonly scope: KubernetesScope;
    /** The Prometheus operator's release (ServiceMonitor and PodMonitor CRDs). */
    readonly monitoringCrds: pulumi.Resource;
    /** The operator that owns this data service's custom resources, where it has one. */
    readonly operator?: pulumi.Resource;
    /** Objects that must exist first (the platform scripts ConfigMap, the object store). */
    readonly dependsOn?: pulumi.Resource[];
}


const sidecarResources = () => ({ requests: { ...SIDECAR.requests }, limits: { ...SIDECAR.limits } });

/** A ServiceMonitor in the app's namespace; needs the Prometheus operator's CRDs. */
function serviceMonitor(parent: pulumi.Resource, scope: KubernetesScope, name: string, objectName: string, spec: unknown, crds: pulumi.Resource): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
        name,
        { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: meta(scope, objectName, "metrics"), spec },
        childOptions(parent, scope, { dependsOn: [crds] }),
    );
}

/** MinIO's access key is half of a user's credential pair: kept a Pulumi secret, like the key. */
function withSecretAccessKeys(values: Record<string, unknown>): Record<string, unknown> {
    const users = values.users as { accessKey: string }[] | undefined;
    return users ? { ...values, users: users.map((u) => ({ ...u, accessKey: pulumi.secret(u.accessKey) })) } : values;
}

/**
 * MinIO: the app's buckets and the platform's backup bucket. Its root password is the generated
 * object-storage secret; an app whose runbook has no object storage still needs MinIO for backups,
 * so one is generated here for it.
 */
export class ObjectStorage extends pulumi.ComponentResource {
    public readonly rootPassword?: random.RandomPassword;
    public readonly credentials: k8s.core.v1.Secret;
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: DataServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:ObjectStorage", name, {}, opts);
        const { scope } = args;
        const { names: n } = scope;
        const rb = scope.context.runbook;
        let root: pulumi.Output<string>;
        if (scope.secrets.objectStorage) {
            root = password(scope, "objectStorage");
        } else {
            this.rootPassword = new random.RandomPassword(`${name}-root`, { length: 40, special: false }, { parent: this });
            root = pulumi.secret(this.rootPassword.result);
        }
        this.credentials = new k8s.core.v1.Secret(
            `${name}-credentials`,
            {
                metadata: meta(scope, backupSecrets(n).objectStore, "minio"),
                type: "Opaque",
                stringData: secretData({
                    [OBJECT_STORE_KEYS.user]: MINIO_ROOT_USER,
                    [OBJECT_STORE_KEYS.password]: root,
                    [MC_HOST_KEY]: pulumi.secret(root.apply((p) => mcHost(n, p))),
                }),
            },
            childOptions(this, scope, { dependsOn: [scope.namespace] }),
        );
        // The app's own user (runbook object storage only): its key in a Secret the chart's user job reads.
        const appUser = rb.data.objectStorage
            ? new k8s.core.v1.Secret(
                  `${name}-app-user`,
                  { metadata: meta(scope, minioAppUserSecret(n).name, "minio"), type: "Opaque", stringData: secretData({ [minioAppUserSecret(n).key]: password(scope, "objectStorageApp") }) },
                  childOptions(this, scope, { dependsOn: [scope.namespace] }),
              )
            : undefined;
        this.release = release(
            this,
            scope,
            `${name}-minio`,
            { chart: CHARTS.minio, releaseName: n.minio, namespace: n.namespace, values: withSecretAccessKeys(minioValues(rb, n, scope.storageClass)) },
            { dependsOn: [scope.namespace, this.credentials, ...(appUser ? [appUser] : [])], protect: scope.context.protect },
        );
        this.registerOutputs({});
    }
}

/**
 * PostgreSQL on CloudNativePG: the owner's credentials, the Cluster (runbook tuning, WAL archiving
 * and base backups to MinIO kept for the runbook's retention), its ScheduledBackup on the runbook's
 * schedule, and postgres_exporter for the metrics the alert rules read (CloudNativePG's own
 * exporter names them cnpg_*, the contract reads postgres_exporter's pg_*).
 */
export class Postgres extends pulumi.ComponentResource {
    public readonly credentials: k8s.core.v1.Secret;
    public readonly cluster: k8s.apiextensions.CustomResource;
    public readonly scheduledBackup: k8s.apiextensions.CustomResource;
    public readonly exporter: k8s.apps.v1.Deployment;
    public readonly exporterService: k8s.core.v1.Service;
    public readonly serviceMonitor: k8s.apiextensions.CustomResource;

    constructor(name: string, args: DataServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:Postgres", name, {}, opts);
        const { scope, monitoringCrds } = args;
        const { names: n, context } = scope;
        const rb = context.runbook;
        const pg = requireField(rb.data.postgres, rb.app, "data.postgres");
        const operator = requireField(args.operator, rb.app, "the CloudNativePG operator release");
        this.credentials = new k8s.core.v1.Secret(
            `${name}-credentials`,
            { metadata: meta(scope, postgresAppSecret(n), "postgres"), type: "kubernetes.io/basic-auth", stringData: secretData({ username: pg.user, password: password(scope, "postgres") }) },
            childOptions(this, scope, { dependsOn: [scope.namespace] }),
        );
        this.cluster = new k8s.apiextensions.CustomResource(
            `${name}-cluster`,
            { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: meta(scope, n.postgres, "postgres"), spec: clusterSpec(rb, context.env, n, scope.storageClass) },
            statefulOptions(this, scope, { dependsOn: [operator, monitoringCrds, this.credentials, ...(args.dependsOn ?? [])] }),
        );
        this.scheduledBackup = new k8s.apiextensions.CustomResource(
            `${name}-scheduled-backup`,
            { apiVersion: "postgresql.cnpg.io/v1", kind: "ScheduledBackup", metadata: meta(scope, `${n.postgres}-daily`, "backup"), spec: scheduledBackupSpec(rb, n) },
            childOptions(this, scope, { dependsOn: [this.cluster] }),
        );

        const exporterName = `${n.postgres}-exporter`;
        const selector = { [LABEL.partOf]: n.app, [LABEL.name]: exporterName };
        const metricsProbe = { httpGet: { path: "/", port: "metrics" }, periodSeconds: 20, timeoutSeconds: 5 };
        this.exporter = new k8s.apps.v1.Deployment(
            `${name}-exporter`,
            {
                metadata: meta(scope, exporterName, "metrics"),
                spec: {
                    replicas: 1,
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels: { ...selector, ...DATA_ACCESS_LABELS } },
                        spec: {
                            securityContext: podSecurity(65534),
                            automountServiceAccountToken: false,
                            containers: [
                                hardened({
                                    name: "postgres-exporter",
                                    image: IMAGES.postgresExporter,
                                    args: [...EXPORTERS.postgres.flags],
                                    env: [
                                        ...Object.entries(postgresExporterEnv(rb, n)).map(([k, value]) => ({ name: k, value })),
                                        { name: "DATA_SOURCE_PASS", valueFrom: { secretKeyRef: { name: postgresAppSecret(n), key: "password" } } },
                                    ],
                                    ports: [{ name: "metrics", containerPort: 9187 }],
                                    resources: sidecarResources(),
                                    readinessProbe: metricsProbe,
                                    livenessProbe: metricsProbe,
                                }),
                            ],
                        },
                    },
                },
            },
            childOptions(this, scope, { dependsOn: [this.cluster] }),
        );
        this.exporterService = new k8s.core.v1.Service(
            `${name}-exporter`,
            { metadata: meta(scope, exporterName, "metrics", n.namespace, { [LABEL.name]: exporterName }), spec: { selector, ports: [{ name: "metrics", port: 9187, targetPort: "metrics" }] } },
            childOptions(this, scope, { dependsOn: [scope.namespace] }),
        );
        this.serviceMonitor = serviceMonitor(this, scope, `${name}-exporter-monitor`, exporterName, serviceMonitorSpec(rb, n, { [LABEL.name]: exporterName }, "metrics", "postgres"), monitoringCrds);
        this.registerOutputs({});
    }
}

/**
 * Redis as a StatefulSet: the runbook's redis.conf, the password from a Secret (included by the
 * config, never on a command line), a volume per pod, redis_exporter beside each server, and for
 * cluster mode a Job that forms the cluster once.
 */
export class Redis extends pulumi.ComponentResource {
    public readonly config: k8s.core.v1.ConfigMap;
    public readonly auth: k8s.core.v1.Secret;
    public readonly headless: k8s.core.v1.Service;
    public readonly service: k8s.core.v1.Service;
    public readonly statefulSet: k8s.apps.v1.StatefulSet;
    public readonly serviceMonitor: k8s.apiextensions.CustomResource;
    public readonly clusterInit?: k8s.batch.v1.Job;

    constructor(name: string, args: DataServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:Redis", name, {}, opts);
        const { scope, monitoringCrds } = args;
        const { names: n, context } = scope;
        const rb = context.runbook;
        requireField(rb.data.redis, rb.app, "data.redis");
        const topo = redisTopology(rb);
        const selector = dataSelector(n, "redis");
        const pw = password(scope, "redis");
        const inNs = childOptions(this, scope, { dependsOn: [scope.namespace] });

        this.config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta(scope, `${n.redis}-config`, "redis"), data: { "redis.conf": redisConfig(rb) } }, inNs);
        this.auth = new k8s.core.v1.Secret(
            `${name}-auth`,
            { metadata: meta(scope, backupSecrets(n).redis, "redis"), type: "Opaque", stringData: secretData({ password: pw, [REDIS_AUTH_FILE]: pulumi.secret(pw.apply(redisAuthConf)) }) },
            inNs,
        );
        this.headless = new k8s.core.v1.Service(
            `${name}-headless`,
            {
                metadata: meta(scope, redisHeadless(n), "redis", n.namespace, { [LABEL.dataService]: "redis" }),
                spec: {
                    clusterIP: "None",
                    publishNotReadyAddresses: true,
                    selector,
                    ports: [
                        { name: "redis", port: REDIS_PORT, targetPort: "redis" },
                        { name: "metrics", port: REDIS_EXPORTER_PORT, targetPort: "metrics" },
                    ],
                },
            },
            inNs,
        );
        // Clients reach the primary (pod 0) unless the cluster tells them where each shard is.
        const clientSelector = topo.mode === "cluster" ? selector : { ...selector, "statefulset.kubernetes.io/pod-name": `${n.redis}-0` };
        this.service = new k8s.core.v1.Service(
            `${name}-service`,
            { metadata: meta(scope, n.redis, "redis"), spec: { type: "ClusterIP", selector: clientSelector, ports: [{ name: "redis", port: REDIS_PORT, targetPort: "redis" }] } },
            inNs,
        );
        const passwordEnv = (envName: string) => ({ name: envName, valueFrom: { secretKeyRef: { name: backupSecrets(n).redis, key: "password" } } });
        const res = redisResources(rb);
        this.statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-statefulset`,
            {
                metadata: meta(scope, n.redis, "redis"),
                spec: {
                    serviceName: redisHeadless(n),
                    replicas: topo.replicas,
                    podManagementPolicy: "Parallel",
                    selector: { matchLabels: selector },
                    template: {
                        // A changed redis.conf rolls the pods.
                        metadata: { labels: { ...selector }, annotations: { "platform.runbooks/config-sha256": checksum(redisConfig(rb)) } },
                        spec: {
                            securityContext: podSecurity(IMAGE_UID.redis),
                            automountServiceAccountToken: false,
                            containers: [
                                hardened({
                                    name: "redis",
                                    image: dataImage(rb, "redis"),
                                    command: ["bash", `${PLATFORM_DIR}/redis-start.sh`],
                                    env: [
                                        { name: "REDIS_MODE", value: topo.mode },
                                        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                                        { name: "REDIS_PRIMARY_HOST", value: redisPodHost(n, 0) },
                                        { name: "HEADLESS_DOMAIN", value: serviceHost(redisHeadless(n), n.namespace) },
                                        passwordEnv("REDISCLI_AUTH"),
                                    ],
                                    ports: [{ name: "redis", containerPort: REDIS_PORT }],
                                    resources: { requests: { ...res.requests }, limits: { ...res.limits } },
                                    readinessProbe: { exec: { command: ["sh", "-c", "redis-cli ping | grep -q PONG"] }, periodSeconds: 10, timeoutSeconds: 5 },
                                    livenessProbe: { tcpSocket: { port: "redis" }, initialDelaySeconds: 30, periodSeconds: 20 },
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
                                    env: [{ name: "REDIS_ADDR", value: `redis://127.0.0.1:${REDIS_PORT}` }, passwordEnv("REDIS_PASSWORD")],
                                    ports: [{ name: "metrics", containerPort: REDIS_EXPORTER_PORT }],
                                    resources: sidecarResources(),
                                    readinessProbe: { httpGet: { path: "/health", port: "metrics" }, periodSeconds: 20 },
                                    livenessProbe: { httpGet: { path: "/health", port: "metrics" }, periodSeconds: 20 },
                                }),
                            ],
                            volumes: [
                                { name: "config", configMap: { name: `${n.redis}-config` } },
                                { name: "auth", secret: { secretName: backupSecrets(n).redis, items: [{ key: REDIS_AUTH_FILE, path: REDIS_AUTH_FILE }], defaultMode: 0o440 } },
                                { name: "scripts", configMap: { name: platformScriptsConfigMap(n), defaultMode: 0o555 } },
                            ],
                        },
                    },
                    volumeClaimTemplates: [
                        {
                            metadata: { name: "data" },
                            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: redisVolume(rb) } }, ...(scope.storageClass ? { storageClassName: scope.storageClass } : {}) },
                        },
                    ],
                },
            },
            statefulOptions(this, scope, { dependsOn: [this.config, this.auth, this.headless, ...(args.dependsOn ?? [])] }),
        );
        if (topo.mode === "cluster") {
            this.clusterInit = new k8s.batch.v1.Job(
                `${name}-cluster-init`,
                {
                    metadata: meta(scope, `${n.redis}-cluster-init`, "redis"),
                    spec: {
                        backoffLimit: 6,
                        template: {
                            metadata: { labels: { [LABEL.partOf]: n.app, [LABEL.name]: `${n.redis}-cluster-init`, ...DATA_ACCESS_LABELS } },
                            spec: {
                                restartPolicy: "OnFailure",
                                securityContext: podSecurity(IMAGE_UID.redis),
                                automountServiceAccountToken: false,
                                containers: [
                                    hardened({
                                        name: "cluster-init",
                                        image: dataImage(rb, "redis"),
                                        command: ["bash", `${PLATFORM_DIR}/redis-cluster-init.sh`],
                                        env: [
                                            { name: "REDIS_NODES", value: Array.from({ length: topo.replicas }, (_, i) => redisPodHost(n, i)).join(" ") },
                                            { name: "REDIS_SHARDS", value: `${topo.shards}` },
                                            passwordEnv("REDISCLI_AUTH"),
                                        ],
                                        resources: sidecarResources(),
                                        volumeMounts: [{ name: "scripts", mountPath: PLATFORM_DIR, readOnly: true }],
                                    }),
                                ],
                                volumes: [{ name: "scripts", configMap: { name: platformScriptsConfigMap(n), defaultMode: 0o555 } }],
                            },
                        },
                    },
                },
                childOptions(this, scope, { dependsOn: [this.statefulSet] }),
            );
        }
        this.serviceMonitor = serviceMonitor(this, scope, `${name}-monitor`, n.redis, serviceMonitorSpec(rb, n, { [LABEL.dataService]: "redis", [LABEL.partOf]: n.app }, "metrics", "redis"), monitoringCrds);
        this.registerOutputs({});
    }
}

/**
 * MongoDB replica set as a StatefulSet: `replicaSetMembers` members with the runbook's oplog size,
 * auth with a generated root password and keyfile (Secrets), pod 0 forming the set once, and the
 * Percona exporter beside each member.
 */
export class MongoDb extends pulumi.ComponentResource {
    public readonly keyFile: random.RandomPassword;
    public readonly credentials: k8s.core.v1.Secret;
    public readonly backupCredentials: k8s.core.v1.Secret;
    public readonly headless: k8s.core.v1.Service;
    public readonly statefulSet: k8s.apps.v1.StatefulSet;
    public readonly serviceMonitor: k8s.apiextensions.CustomResource;

    constructor(name: string, args: DataServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:MongoDb", name, {}, opts);
        const { scope, monitoringCrds } = args;
        const { names: n, context } = scope;
        const rb = context.runbook;
        const mongo = requireField(rb.data.mongodb, rb.app, "data.mongodb");
        const pw = password(scope, "mongodb");
        const selector = dataSelector(n, "mongodb");
        const inNs = childOptions(this, scope, { dependsOn: [scope.namespace] });
        const secretName = `${n.mongodb}-auth`;

        // Replica set members authenticate to each other with it; base64 characters only, as mongod requires.
        this.keyFile = new random.RandomPassword(`${name}-keyfile`, { length: 756, special: false }, { parent: this });
        this.credentials = new k8s.core.v1.Secret(
            `${name}-credentials`,
            {
                metadata: meta(scope, secretName, "mongodb"),
                type: "Opaque",
                stringData: secretData({ password: pw, keyfile: pulumi.secret(this.keyFile.result), exporterUri: pulumi.secret(pw.apply(mongoExporterUri)) }),
            },
            inNs,
        );
        this.backupCredentials = new k8s.core.v1.Secret(
            `${name}-backup-credentials`,
            { metadata: meta(scope, backupSecrets(n).mongodb, "backup"), type: "Opaque", stringData: secretData({ [MONGO_URI_KEY]: pulumi.secret(pw.apply((p) => mongoUri(rb, n, p))) }) },
            inNs,
        );
        this.headless = new k8s.core.v1.Service(
            `${name}-headless`,
            {
                metadata: meta(scope, mongoHeadless(n), "mongodb", n.namespace, { [LABEL.dataService]: "mongodb" }),
                spec: {
                    clusterIP: "None",
                    publishNotReadyAddresses: true,
                    selector,
                    ports: [
                        { name: "mongodb", port: MONGO_PORT, targetPort: "mongodb" },
                        { name: "metrics", port: MONGO_EXPORTER_PORT, targetPort: "metrics" },
                    ],
                },
            },
            inNs,
        );
        const fromSecret = (envName: string, key: string) => ({ name: envName, valueFrom: { secretKeyRef: { name: secretName, key } } });
        const ping = { exec: { command: ["mongosh", "--quiet", "--eval", "db.adminCommand({ ping: 1 }).ok"] }, timeoutSeconds: 10 };
        this.statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-statefulset`,
            {
                metadata: meta(scope, n.mongodb, "mongodb"),
                spec: {
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
                                    env: [
                                        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                                        { name: "MONGO_REPLICA_SET", value: replicaSetName(n) },
                                        { name: "MONGO_MEMBERS", value: mongoMembers(rb, n).join(" ") },
                                        { name: "MONGO_ROOT_USER", value: MONGO_ROOT_USER },
                                        fromSecret("MONGO_ROOT_PASSWORD", "password"),
                                    ],
                                    ports: [{ name: "mongodb", containerPort: MONGO_PORT }],
                                    resources: { requests: { ...MONGODB.requests }, limits: { ...MONGODB.limits } },
                                    readinessProbe: { ...ping, periodSeconds: 10 },
                                    livenessProbe: { ...ping, initialDelaySeconds: 60, periodSeconds: 20 },
                                    volumeMounts: [
                                        { name: "data", mountPath: MONGO_DATA },
                                        { name: "keyfile", mountPath: MONGO_KEYFILE_DIR, readOnly: true },
                                        { name: "scripts", mountPath: PLATFORM_DIR, readOnly: true },
                                    ],
                                }),
                                hardened({
                                    name: "mongodb-exporter",
                                    image: IMAGES.mongodbExporter,
                                    args: [...EXPORTERS.mongodb.flags, `--web.listen-address=:${MONGO_EXPORTER_PORT}`],
                                    env: [fromSecret("MONGODB_URI", "exporterUri")],
                                    ports: [{ name: "metrics", containerPort: MONGO_EXPORTER_PORT }],
                                    resources: sidecarResources(),
                                    readinessProbe: { httpGet: { path: "/", port: "metrics" }, periodSeconds: 20 },
                                    livenessProbe: { httpGet: { path: "/", port: "metrics" }, periodSeconds: 20 },
                                }),
                            ],
                            volumes: [
                                { name: "auth", secret: { secretName, items: [{ key: "keyfile", path: "keyfile" }], defaultMode: 0o440 } },
                                { name: "keyfile", emptyDir: { medium: "Memory" } },
                                { name: "scripts", configMap: { name: platformScriptsConfigMap(n), defaultMode: 0o555 } },
                            ],
                        },
                    },
                    volumeClaimTemplates: [
                        {
                            metadata: { name: "data" },
                            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: mongoVolume(rb) } }, ...(scope.storageClass ? { storageClassName: scope.storageClass } : {}) },
                        },
                    ],
                },
            },
            statefulOptions(this, scope, { dependsOn: [this.credentials, this.headless, ...(args.dependsOn ?? [])] }),
        );
        this.serviceMonitor = serviceMonitor(this, scope, `${name}-monitor`, n.mongodb, serviceMonitorSpec(rb, n, { [LABEL.dataService]: "mongodb", [LABEL.partOf]: n.app }, "metrics", "mongodb"), monitoringCrds);
        this.registerOutputs({});
    }
}

/**
 * Kafka on Strimzi: the Kafka (KRaft, the shared broker settings, Kafka Exporter), its node pool,
 * a KafkaTopic per runbook topic, and a PodMonitor on the exporter for consumer lag.
 */
export class Kafka extends pulumi.ComponentResource {
    public readonly kafka: k8s.apiextensions.CustomResource;
    public readonly nodePool: k8s.apiextensions.CustomResource;
    public readonly topics: k8s.apiextensions.CustomResource[];
    public readonly podMonitor: k8s.apiextensions.CustomResource;

    constructor(name: string, args: DataServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:Kafka", name, {}, opts);
        const { scope, monitoringCrds } = args;
        const { names: n, context } = scope;
        const rb = context.runbook;
        requireField(rb.data.kafka, rb.app, "data.kafka");
        const operator = requireField(args.operator, rb.app, "the Strimzi operator release");
        const strimzi = "kafka.strimzi.io/v1beta2";
        this.nodePool = new k8s.apiextensions.CustomResource(
            `${name}-node-pool`,
            { apiVersion: strimzi, kind: "KafkaNodePool", metadata: meta(scope, "dual-role", "kafka", n.namespace, clusterLabel(n)), spec: nodePoolSpec(rb, scope.storageClass) },
            statefulOptions(this, scope, { dependsOn: [operator] }),
        );
        this.kafka = new k8s.apiextensions.CustomResource(
            `${name}-cluster`,
            { apiVersion: strimzi, kind: "Kafka", metadata: { ...meta(scope, n.kafka, "kafka"), annotations: { ...KAFKA_ANNOTATIONS } }, spec: kafkaSpec(rb, n) },
            statefulOptions(this, scope, { dependsOn: [operator, this.nodePool] }),
        );
        this.topics = topicSpecs(rb).map(
            (t) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-topic-${t.objectName}`,
                    { apiVersion: strimzi, kind: "KafkaTopic", metadata: meta(scope, t.objectName, "kafka", n.namespace, clusterLabel(n)), spec: t.spec },
                    childOptions(this, scope, { dependsOn: [this.kafka] }),
                ),
        );
        this.podMonitor = new k8s.apiextensions.CustomResource(
            `${name}-exporter-monitor`,
            { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: meta(scope, `${n.kafka}-exporter`, "metrics"), spec: kafkaExporterMonitorSpec(rb, n) },
            childOptions(this, scope, { dependsOn: [monitoringCrds] }),
        );
        this.registerOutputs({});
    }
}
