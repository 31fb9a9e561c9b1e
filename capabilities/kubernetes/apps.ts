import { objectStorageAppUser, usesDataServices } from "../datastores";
import type * as k8s from "@pulumi/kubernetes";
import type { Runbook, Service } from "../../runbooks";
import { kubernetesResources } from "../sizing";
import { kafkaBootstrap } from "./kafka";
import { minioEndpoint } from "./minio";
import { mongoUri } from "./mongodb";
import { k8sMongoUsers } from "./mongodb-users";
import { kafkaAppEnv, kafkaTriggerAuthentication } from "./kafka-users";
import { postgresHosts } from "./postgres";
import { redisUrl } from "./redis";
import { DATA_ACCESS_LABELS, LABEL, serviceSelector, type Names } from "./names";
import { APP_UID, hardened, podSecurity } from "./security";
import { APP_SCRATCH, APP_SCRATCH_MIB } from "../hardening";
import { imagePinProblem } from "../images";
import { rabbitmqEnv, scaledOnQueueDepth } from "../rabbitmq";
import { rabbitmqEndpoint, rabbitmqTriggers } from "./rabbitmq";
import { chunk, QUOTAS } from "../quotas";
import { scaleInRule } from "../../runbooks/language/scale-in";

type DeploymentSpec = k8s.types.input.apps.v1.DeploymentSpec;
type HpaSpec = k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec;
type PdbSpec = k8s.types.input.policy.v1.PodDisruptionBudgetSpec;
type IngressSpec = k8s.types.input.networking.v1.IngressSpec;
type ServiceSpec = k8s.types.input.core.v1.ServiceSpec;

/**
 * The app's runbook services as Deployments with probes on the runbook's health path and the
 * runbook's requests and limits, a ClusterIP Service, an Ingress with TLS where the service has a
 * public host, and autoscaling: an HPA on CPU and memory, or for a Kafka consumer a KEDA
 * ScaledObject on consumer lag (then KEDA owns the replica count and there is no HPA).
 */

/** The Secret every app container reads its connection settings from (envFrom). */
export function appEnvSecret(n: Names): string {
    return `${n.app}-app-env`;
}

export interface DataPasswords {
    readonly postgres?: string;
    readonly redis?: string;
    readonly mongodb?: string;
    readonly mongodbApp?: string;
    readonly kafkaApp?: string;
    readonly objectStorage?: string;
    readonly objectStorageApp?: string;
    readonly rabbitmq?: string;
}

type DataKinds = Runbook["data"];

interface ConnectionContext {
    readonly rb: Runbook;
    readonly n: Names;
    /** A generated password; throws naming the runbook field when it was not generated. */
    password(key: keyof DataPasswords, field: keyof DataKinds): string;
}

/**
 * The app's connection variables per data kind, in the order they are written: one entry per
 * kind of the runbook schema (the type requires each), so a new kind is a line here, not a branch.
 */
const CONNECTION_ENV: { readonly [K in keyof DataKinds]-?: (spec: NonNullable<DataKinds[K]>, c: ConnectionContext) => Record<string, string> } = {
    postgres: (postgres, c) => {
        const pw = encodeURIComponent(c.password("postgres", "postgres"));
        const url = (host: string) => `postgresql://${postgres.user}:${pw}@${host}:5432/${postgres.database}?sslmode=require`;
        return { DATABASE_URL: url(postgresHosts(c.n).rw), ...(postgres.readReplicas > 0 ? { DATABASE_READ_URL: url(postgresHosts(c.n).ro) } : {}) };
    },
    redis: (redis, c) => ({ REDIS_URL: redisUrl(c.n, c.password("redis", "redis")), ...(redis.mode === "cluster" ? { REDIS_CLUSTER: "true" } : {}) }),
    // The app's own user, readWrite on its database only (capabilities/mongodb-users.ts).
    mongodb: (mongodb, c) => ({ MONGODB_URI: mongoUri(c.rb, c.n, c.password("mongodbApp", "mongodb"), mongodb.database, k8sMongoUsers(c.rb).app) }),
    // The app's own SCRAM login, limited by its KafkaUser's ACLs (capabilities/kubernetes/kafka-users.ts).
    kafka: (_kafka, c) => kafkaAppEnv(c.rb, c.n, c.password("kafkaApp", "kafka")),
    rabbitmq: (_mq, c) => rabbitmqEnv(c.rb, rabbitmqEndpoint(c.n), c.password("rabbitmq", "rabbitmq")),
    objectStorage: (objectStorage, c) => ({
        S3_ENDPOINT: minioEndpoint(c.n),
        // The app's own MinIO user, limited to its buckets (never the root user).
        S3_ACCESS_KEY_ID: objectStorageAppUser(c.rb.app),
        S3_SECRET_ACCESS_KEY: c.password("objectStorageApp", "objectStorage"),
        S3_BUCKETS: objectStorage.buckets.join(","),
    }),
};

/**
 * The connection settings every app container gets from its Secret: one variable per data service
 * the runbook has (URLs with the generated passwords in them), Kafka's brokers, topics and group.
 */
export function appConnectionEnv(rb: Runbook, n: Names, p: DataPasswords): Record<string, string> {
    const c: ConnectionContext = {
        rb,
        n,
        password: (key, field) => {
            const value = p[key];
            if (value === undefined) throw new Error(`${rb.app}: the ${field} password is required: \`data.${field}\` is in the runbook`);
            return value;
        },
    };
    const env: Record<string, string> = {};
    for (const kind of Object.keys(CONNECTION_ENV) as (keyof DataKinds)[]) {
        const spec = rb.data[kind];
        if (spec !== undefined) Object.assign(env, (CONNECTION_ENV[kind] as (s: typeof spec, c: ConnectionContext) => Record<string, string>)(spec, c));
    }
    return env;
}

/**
 * The time a container gets to start before liveness counts: a minute (the start period ECS gives
 * a task, capabilities/aws/containers.ts). The startup probe carries it, so liveness needs no
 * initial delay and a container that hangs after starting is restarted at liveness' own pace.
 */
export const START_GRACE_SECONDS = 60;

/**
 * Probe timings. Startup: the start grace, as Kubernetes counts it (failureThreshold × periodSeconds).
 * Liveness, from the moment startup passes: three misses ten seconds apart, the last after its
 * timeout, restart a dead container within 10 × 3 + 5 = 35 s, inside the ServiceDown `for` of every
 * runbook (k8s-workload-probes-resources holds each app to its own). Readiness takes a failing pod
 * out of service as fast.
 */
export const PROBE_TIMINGS = {
    readiness: { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    liveness: { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    startup: { periodSeconds: 5, timeoutSeconds: 5, failureThreshold: START_GRACE_SECONDS / 5 },
} as const;

export function deploymentSpec(rb: Runbook, n: Names, svc: Service, image: string): DeploymentSpec {
    const unpinned = imagePinProblem(image);
    if (unpinned) throw new Error(`${rb.app}: \`images.${svc.name}\` = "${image}": ${unpinned}`);
    const selector = serviceSelector(n, svc.name);
    const probe = { httpGet: { path: svc.healthPath, port: "http" } };
    const ready = { httpGet: { path: svc.readinessPath ?? svc.healthPath, port: "http" } };
    return {
        replicas: svc.scaling.desired,
        selector: { matchLabels: selector },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
            // Only services that use the data services may reach them (NetworkPolicies) and read their credentials.
            metadata: { labels: { ...selector, [LABEL.component]: "app", ...(usesDataServices(svc) ? DATA_ACCESS_LABELS : {}) } },
            spec: {
                securityContext: podSecurity(APP_UID),
                automountServiceAccountToken: false,
                // The root filesystem is read-only: the one writable path is a scratch directory on the node, bounded.
                volumes: [{ name: "scratch", emptyDir: { sizeLimit: `${APP_SCRATCH_MIB}Mi` } }],
                containers: [
                    hardened({
                        // The container is named after the service: cAdvisor's `container` label becomes the alert's `component`.
                        name: svc.name,
                        image,
                        ports: [{ name: "http", containerPort: svc.port, protocol: "TCP" }],
                        env: [{ name: "PORT", value: `${svc.port}` }],
                        ...(usesDataServices(svc) ? { envFrom: [{ secretRef: { name: appEnvSecret(n) } }] } : {}),
                        resources: kubernetesResources(svc.resources),
                        readinessProbe: { ...ready, ...PROBE_TIMINGS.readiness },
                        livenessProbe: { ...probe, ...PROBE_TIMINGS.liveness },
                        startupProbe: { ...probe, ...PROBE_TIMINGS.startup },
                        volumeMounts: [{ name: "scratch", mountPath: APP_SCRATCH }],
                        securityContext: { readOnlyRootFilesystem: true },
                    }),
                ],
            },
        },
    };
}

export function serviceSpec(n: Names, svc: Service): ServiceSpec {
    return { type: "ClusterIP", selector: serviceSelector(n, svc.name), ports: [{ name: "http", port: svc.port, targetPort: "http", protocol: "TCP" }] };
}

/** The HPA's own scale-down stabilization window when `behavior` is absent (Kubernetes' default). */
export const HPA_DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS = 300;

/**
 * `behavior.scaleDown` from the service's scale-in rule: the stabilization window is its cooldown,
 * `selectPolicy: Disabled` where the runbook disables scale-in. Undefined where the rule is what the
 * HPA does anyway (a 300 s window), so the object stays as Kubernetes writes it by default.
 */
export function scaleDownBehavior(svc: Service): { scaleDown: { stabilizationWindowSeconds?: number; selectPolicy?: "Disabled" } } | undefined {
    const rule = scaleInRule(svc.scaling);
    if (!rule.enabled) return { scaleDown: { selectPolicy: "Disabled" } };
    if (rule.cooldownSeconds === HPA_DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS) return undefined;
    return { scaleDown: { stabilizationWindowSeconds: rule.cooldownSeconds } };
}

export function hpaSpec(n: Names, svc: Service): HpaSpec {
    const utilization = (name: "cpu" | "memory", averageUtilization: number) => ({ type: "Resource", resource: { name, target: { type: "Utilization", averageUtilization } } });
    const behavior = scaleDownBehavior(svc);
    return {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: n.service(svc.name) },
        minReplicas: svc.scaling.min,
        maxReplicas: svc.scaling.max,
        metrics: [utilization("cpu", svc.scaling.cpuTargetPercent), utilization("memory", svc.scaling.memoryTargetPercent)],
        ...(behavior ? { behavior } : {}),
    };
}

/** Pods of a service a voluntary disruption (a node drain) may take at once. */
export const PDB_MAX_UNAVAILABLE = 1;

/** One pod may be evicted at a time: with the runbook's minimum of two or more, one always serves. */
export function pdbSpec(n: Names, svc: Service): PdbSpec {
    return { maxUnavailable: PDB_MAX_UNAVAILABLE, selector: { matchLabels: serviceSelector(n, svc.name) } };
}

/**
 * KEDA's Kafka trigger asks for ceil(total lag / lagThreshold) consumers, so the first consumer
 * beyond the minimum comes once lag passes min × lagThreshold. For that to happen before the
 * runbook's lag warning (total lag per group and topic, the same sum KEDA reads), the threshold is
 * the warning divided by min + 1: with a warning at 1000 and two consumers, a third joins at 667.
 */
export function kafkaLagThreshold(rb: Runbook, minReplicas: number): number {
    const alert = rb.alerts.find((a) => a.signal === "kafka_consumer_lag");
    const warning = alert?.levels.find((l) => l.severity === "warning");
    if (!warning) throw new Error(`${rb.app}: KEDA scales on Kafka lag, but \`alerts\` has no kafka_consumer_lag alert with a warning level`);
    return Math.max(1, Math.floor(warning.threshold / (minReplicas + 1)));
}

/** Workers of an app with Kafka are Kafka consumers, and a worker that consumes RabbitMQ queues scales on their depth: KEDA scales both. */
export function scaledByKeda(rb: Runbook, svc: Service): boolean {
    return svc.role === "worker" && (rb.data.kafka !== undefined || scaledOnQueueDepth(rb, svc));
}

/** KEDA ScaledObject spec (keda.sh/v1alpha1; no kubernetes-models schema exists for it). */
export interface ScaledObjectSpec {
    readonly scaleTargetRef: { readonly apiVersion: string; readonly kind: string; readonly name: string };
    readonly minReplicaCount: number;
    readonly maxReplicaCount: number;
    readonly pollingInterval: number;
    readonly cooldownPeriod: number;
    /** The HPA KEDA creates, where the runbook's scale-in rule differs from its default. */
    readonly advanced?: { readonly horizontalPodAutoscalerConfig: { readonly behavior: NonNullable<ReturnType<typeof scaleDownBehavior>> } };
    readonly triggers: readonly (
        | {
              readonly type: "kafka";
              readonly metadata: { readonly bootstrapServers: string; readonly consumerGroup: string; readonly topic: string; readonly lagThreshold: string; readonly offsetResetPolicy: "latest" | "earliest" };
              readonly authenticationRef: { readonly name: string };
          }
        | ReturnType<typeof rabbitmqTriggers>[number]
    )[];
}

export function scaledObjectSpec(rb: Runbook, n: Names, svc: Service): ScaledObjectSpec {
    const queues = scaledOnQueueDepth(rb, svc) ? rabbitmqTriggers(rb, n, svc) : [];
    const kafka = rb.data.kafka;
    const behavior = scaleDownBehavior(svc);
    if (!kafka && queues.length === 0) throw new Error(`${rb.app}: service ${svc.name} scales on Kafka lag or queue depth, but neither \`data.kafka\` nor a \`data.rabbitmq.queues\` consumer names it`);
    return {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: n.service(svc.name) },
        minReplicaCount: svc.scaling.min,
        maxReplicaCount: svc.scaling.max,
        pollingInterval: 30,
        cooldownPeriod: 300,
        ...(behavior ? { advanced: { horizontalPodAutoscalerConfig: { behavior } } } : {}),
        triggers: [...(kafka ? kafkaTriggers(rb, n, svc, kafka) : []), ...queues],
    };
}

function kafkaTriggers(rb: Runbook, n: Names, svc: Service, kafka: NonNullable<Runbook["data"]["kafka"]>): ScaledObjectSpec["triggers"] {
    const [group] = kafka.consumerGroups;
    if (!group || kafka.topics.length === 0) throw new Error(`${rb.app}: \`data.kafka.consumerGroups\` and \`data.kafka.topics\` are required for KEDA's Kafka trigger`);
    const lagThreshold = `${kafkaLagThreshold(rb, svc.scaling.min)}`;
    // KEDA logs in as its own KafkaUser (Describe only), through the TriggerAuthentication.
    return kafka.topics.map((t) => ({
        type: "kafka" as const,
        metadata: { bootstrapServers: kafkaBootstrap(n), consumerGroup: group, topic: t.name, lagThreshold, offsetResetPolicy: "latest" as const },
        authenticationRef: { name: kafkaTriggerAuthentication(n) },
    }));
}

export interface IngressSettings {
    readonly ingressClass?: string;
    readonly clusterIssuer?: string;
}

/** The issuer a public host's certificate needs; throws naming the setting when the stack has none. */
function requireIssuer(rb: Runbook, settings: IngressSettings, hosts: Readonly<Record<string, string>>): string {
    if (!settings.clusterIssuer) {
        throw new Error(`${rb.app}: \`kubernetes.clusterIssuer\` is required: services ${Object.keys(hosts).join(", ")} have public hosts, served over TLS with a cert-manager certificate`);
    }
    return settings.clusterIssuer;
}

/**
 * TLS from the namespace's shared certificate (`namespaceCertificates`), not cert-manager's
 * ingress annotation: the annotation orders one certificate per Ingress, and Let's Encrypt issues
 * 50 per registered domain per week (capabilities/quotas.ts), so 51 services could not all get one.
 */
export function ingressAnnotations(rb: Runbook, settings: IngressSettings, hosts: Readonly<Record<string, string>>): Record<string, string> {
    requireIssuer(rb, settings, hosts);
    return { "nginx.ingress.kubernetes.io/ssl-redirect": "true" };
}

export interface NamespaceCertificate {
    /** The Certificate's name, also its Secret's. */
    readonly name: string;
    readonly dnsNames: string[];
}

/**
 * The app's certificates: one per namespace for all its public hosts, split only past the 100
 * names a Let's Encrypt certificate holds. Adding a service reissues that one certificate (one
 * order) instead of ordering a new one per Ingress; hosts keep their certificate as others are added.
 */
export function namespaceCertificates(n: Names, hosts: Readonly<Record<string, string>>): NamespaceCertificate[] {
    const groups = chunk([...new Set(Object.values(hosts))], QUOTAS["letsencrypt-names-per-certificate"].limit);
    return groups.map((dnsNames, i) => ({ name: i === 0 ? `${n.namespace}-tls` : `${n.namespace}-tls-${i + 1}`, dnsNames }));
}

/** A namespace certificate's cert-manager spec, issued by the stack's ClusterIssuer. */
export function certificateSpec(rb: Runbook, settings: IngressSettings, hosts: Readonly<Record<string, string>>, c: NamespaceCertificate): Record<string, unknown> {
    return { secretName: c.name, dnsNames: c.dnsNames, issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: requireIssuer(rb, settings, hosts) }, privateKey: { rotationPolicy: "Always" } };
}

/** The namespace certificate that holds `host`. */
export function certificateFor(certificates: readonly NamespaceCertificate[], host: string): NamespaceCertificate {
    const c = certificates.find((x) => x.dnsNames.includes(host));
    if (!c) throw new Error(`host ${host}: no namespace certificate holds it (have ${certificates.map((x) => x.name).join(", ") || "none"})`);
    return c;
}

export function ingressSpec(n: Names, svc: Service, host: string, settings: IngressSettings, tlsSecretName: string): IngressSpec {
    return {
        ...(settings.ingressClass ? { ingressClassName: settings.ingressClass } : {}),
        tls: [{ hosts: [host], secretName: tlsSecretName }],
        rules: [{ host, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: n.service(svc.name), port: { name: "http" } } } }] } }],
    };
}
