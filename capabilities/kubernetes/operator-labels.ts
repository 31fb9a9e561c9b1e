import { dataSelector, type DataService, type Names } from "./names";
import { CHARTS } from "./versions";

/**
 * The labels the operators and charts put on the data services' pods, which the plan does not
 * show: what a NetworkPolicy's podSelector is matched against when the pack asks which pods it
 * selects (policies/lib/data-pods.ts), and the keys the generator selects those pods by
 * (security.ts `dataPodSelectors`). Each is read from the operator's or chart's source at the
 * version pinned in versions.ts `CHARTS`; a new operator release is a review of this file too.
 *
 * A label is a key with its possible values: one value, a few (set per pod, such as a primary's
 * or a replica's role), or any (`null`: the pod's own name). `optional` keys may also be missing
 * (set after the pod starts, or only under an operator setting).
 */

export interface PodLabel {
    /** The values the pod may carry; `null`: any value (a pod name, a hash). */
    readonly values: readonly string[] | null;
    /** The key may also be missing from the pod. */
    readonly optional?: boolean;
}
export type PodLabels = Readonly<Record<string, PodLabel>>;

const one = (value: string): PodLabel => ({ values: [value] });
const anyValue: PodLabel = { values: null };

/**
 * CloudNativePG 1.24.1 (chart `cloudnative-pg` 0.22.1), pkg/utils/labels_annotations.go: instance
 * pods get `cnpg.io/cluster`, `cnpg.io/instanceName` and `cnpg.io/podRole: instance`
 * (pkg/specs/pods.go `PodWithExistingStorage`); the instance manager adds `cnpg.io/instanceRole`
 * and the deprecated `role`, `primary` or `replica`, once the pod runs
 * (pkg/reconciler/instance/metadata.go). Its jobs (initdb, join, ...) get `cnpg.io/cluster`,
 * `cnpg.io/instanceName` and `cnpg.io/jobRole` (pkg/specs/jobs.go `createPrimaryJob`). Both get the
 * Cluster's `inheritedMetadata.labels`, and the Cluster's own labels that match the operator's
 * INHERITED_LABELS setting (utils.InheritLabels, internal/controller/cluster_create.go).
 */
export const CNPG_LABEL = {
    cluster: "cnpg.io/cluster",
    instanceName: "cnpg.io/instanceName",
    podRole: "cnpg.io/podRole",
    instanceRole: "cnpg.io/instanceRole",
    deprecatedRole: "role",
    jobRole: "cnpg.io/jobRole",
} as const;
const CNPG_ROLES = ["primary", "replica"];
/** pkg/specs/jobs.go, the jobRole constants at 1.24.1. */
const CNPG_JOB_ROLES = ["import", "initdb", "pgbasebackup", "full-recovery", "join", "snapshot-recovery"];

export function cnpgInstanceLabels(cluster: string): PodLabels {
    return {
        [CNPG_LABEL.cluster]: one(cluster),
        [CNPG_LABEL.instanceName]: anyValue,
        [CNPG_LABEL.podRole]: one("instance"),
        [CNPG_LABEL.instanceRole]: { values: CNPG_ROLES, optional: true },
        [CNPG_LABEL.deprecatedRole]: { values: CNPG_ROLES, optional: true },
    };
}

export function cnpgJobLabels(cluster: string): PodLabels {
    return { [CNPG_LABEL.cluster]: one(cluster), [CNPG_LABEL.instanceName]: anyValue, [CNPG_LABEL.jobRole]: { values: CNPG_JOB_ROLES } };
}

/**
 * Strimzi 0.45.0, operator-common/.../model/Labels.java `generateDefaultLabels` and
 * cluster-operator/.../model/KafkaPool.java: every pod of a Kafka cluster gets `strimzi.io/cluster`,
 * `strimzi.io/kind: Kafka`, `strimzi.io/name` (`<cluster>-kafka` for the brokers of every pool,
 * `<cluster>-entity-operator`, `<cluster>-kafka-exporter`), `strimzi.io/component-type`,
 * `app.kubernetes.io/name` (the component type), `app.kubernetes.io/instance` (the cluster),
 * `app.kubernetes.io/part-of: strimzi-<cluster>` and `app.kubernetes.io/managed-by:
 * strimzi-cluster-operator`. The brokers also get `strimzi.io/pool-name`, `strimzi.io/broker-role`,
 * `strimzi.io/controller-role`, `strimzi.io/pod-name`, `statefulset.kubernetes.io/pod-name` and
 * the StrimziPodSet's `strimzi.io/controller` and `strimzi.io/controller-name: <cluster>-<pool>`
 * (WorkloadUtils.java `createStatefulPod`). Below these the resource's own labels (the pool's for
 * brokers) other than `app.kubernetes.io/*` but `part-of` (Labels.java
 * STRIMZI_LABELS_EXCLUSION_PATTERN); over them the pod template's labels (`withAdditionalLabels`,
 * which refuses `strimzi.io/*` but `strimzi.io/cluster`): the pool's `template.pod` when the pool
 * has a template, else the Kafka's `kafka.template.pod`.
 */
export const STRIMZI_LABEL = {
    cluster: "strimzi.io/cluster",
    kind: "strimzi.io/kind",
    name: "strimzi.io/name",
    componentType: "strimzi.io/component-type",
    poolName: "strimzi.io/pool-name",
    brokerRole: "strimzi.io/broker-role",
    controllerRole: "strimzi.io/controller-role",
    podName: "strimzi.io/pod-name",
    controller: "strimzi.io/controller",
    controllerName: "strimzi.io/controller-name",
} as const;
/** Labels.java STRIMZI_LABELS_EXCLUSION_PATTERN's default: a resource's labels Strimzi does not copy onto its pods. */
export const STRIMZI_EXCLUDED_LABEL = /^app\.kubernetes\.io\/(?!part-of).*|^kustomize\.toolkit\.fluxcd\.io.*/;

export type StrimziComponent = "kafka" | "entity-operator" | "kafka-exporter";

export function strimziPodLabels(cluster: string, component: StrimziComponent, pool?: string): PodLabels {
    const name = component === "kafka" ? `${cluster}-kafka` : `${cluster}-${component}`;
    const common: Record<string, PodLabel> = {
        [STRIMZI_LABEL.cluster]: one(cluster),
        [STRIMZI_LABEL.kind]: one("Kafka"),
        [STRIMZI_LABEL.name]: one(name),
        [STRIMZI_LABEL.componentType]: one(component),
        "app.kubernetes.io/name": one(component),
        "app.kubernetes.io/instance": one(cluster),
        "app.kubernetes.io/part-of": one(`strimzi-${cluster}`),
        "app.kubernetes.io/managed-by": one("strimzi-cluster-operator"),
    };
    if (component !== "kafka") return { ...common, ...CONTROLLER_POD_LABELS.Deployment };
    const flag = { values: ["true", "false"] };
    return {
        ...common,
        ...(pool ? { [STRIMZI_LABEL.poolName]: one(pool), [STRIMZI_LABEL.controllerName]: one(`${cluster}-${pool}`) } : { [STRIMZI_LABEL.controllerName]: anyValue }),
        [STRIMZI_LABEL.brokerRole]: flag,
        [STRIMZI_LABEL.controllerRole]: flag,
        [STRIMZI_LABEL.podName]: anyValue,
        [STRIMZI_LABEL.controller]: one("strimzipodset"),
        "statefulset.kubernetes.io/pod-name": anyValue,
    };
}

/**
 * The RabbitMQ Cluster Operator 2.11.0 (the appVersion of the `rabbitmq-cluster-operator` chart
 * pinned in CHARTS), internal/metadata/label.go `Label`: the server pods get exactly
 * `app.kubernetes.io/name: <cluster>`, `app.kubernetes.io/component: rabbitmq` and
 * `app.kubernetes.io/part-of: rabbitmq` (internal/resource/statefulset.go; the RabbitmqCluster's
 * own labels go to the StatefulSet, not its pods), then the StatefulSet override's pod template
 * labels (`override.statefulSet.spec.template.metadata.labels`, merged over them).
 */
export const RABBITMQ_OPERATOR_COMPONENT = "rabbitmq";
export function rabbitmqPodLabels(cluster: string): PodLabels {
    return {
        "app.kubernetes.io/name": one(cluster),
        "app.kubernetes.io/component": one(RABBITMQ_OPERATOR_COMPONENT),
        "app.kubernetes.io/part-of": one("rabbitmq"),
        ...CONTROLLER_POD_LABELS.StatefulSet,
    };
}

/**
 * The MinIO chart (CHARTS.minio), templates/deployment.yaml and statefulset.yaml: the server pods get
 * `app: <nameOverride or the chart's name>` and `release: <release name>`, then `podLabels`.
 */
export function minioChartPodLabels(release: string, nameOverride?: string): PodLabels {
    return { app: one(nameOverride || CHARTS.minio.chart), release: one(release) };
}

/**
 * What Kubernetes' controllers add to the pods they create: the StatefulSet controller
 * `controller-revision-hash`, `statefulset.kubernetes.io/pod-name` and (1.28+)
 * `apps.kubernetes.io/pod-index`; the ReplicaSet of a Deployment `pod-template-hash`; the Job
 * controller `controller-uid`, `job-name` and their `batch.kubernetes.io/` forms (1.27+), the
 * completion index only for Indexed jobs.
 */
export const CONTROLLER_POD_LABELS = {
    StatefulSet: { "controller-revision-hash": anyValue, "statefulset.kubernetes.io/pod-name": anyValue, "apps.kubernetes.io/pod-index": { values: null, optional: true } },
    Deployment: { "pod-template-hash": anyValue },
    Job: {
        "controller-uid": { values: null, optional: true },
        "job-name": { values: null, optional: true },
        "batch.kubernetes.io/controller-uid": { values: null, optional: true },
        "batch.kubernetes.io/job-name": { values: null, optional: true },
        "batch.kubernetes.io/job-completion-index": { values: null, optional: true },
    },
} as const satisfies Record<string, PodLabels>;

/** Plain labels (a pod template's, the plan's) as pod labels of one value each. */
export function fixedLabels(labels: Readonly<Record<string, unknown>> | undefined, optional = false): PodLabels {
    return Object.fromEntries(Object.entries(labels ?? {}).map(([k, v]) => [k, { values: [String(v)], ...(optional ? { optional } : {}) }]));
}

/**
 * `base` with `over` laid on it. `replace`: `over`'s value wins (a template merged over the
 * operator's labels); otherwise either may (the order is not fixed), so the values are joined.
 */
export function overlay(base: PodLabels, over: PodLabels, replace: boolean): PodLabels {
    const out: Record<string, PodLabel> = { ...base };
    for (const [k, l] of Object.entries(over)) {
        const b = out[k];
        if (!b || replace) out[k] = l;
        else out[k] = { values: b.values === null || l.values === null ? null : [...new Set([...b.values, ...l.values])], ...(b.optional && l.optional ? { optional: true } : {}) };
    }
    return out;
}

/** The labels of one value each: what every pod of the set surely carries. */
export function sureLabels(labels: PodLabels): Record<string, string> {
    return Object.fromEntries(Object.entries(labels).flatMap(([k, l]) => (!l.optional && l.values?.length === 1 ? [[k, l.values[0]]] : [])));
}

/**
 * The labels the generator means every pod of a data service to carry: the operator's or chart's
 * fixed ones and, but on RabbitMQ's and Kafka's (whose operators set their own only on some pods),
 * the platform's `dataSelector` (part-of, data-service), which postgres.ts's `inheritedMetadata`,
 * minio.ts's `podLabels` and the Redis and MongoDB StatefulSets' templates set. What
 * the generator's egress policies select by these is what the data service's pods may reach.
 */
export function intendedDataPodLabels(n: Names, d: DataService): Record<string, string> {
    switch (d) {
        case "postgres":
            return { ...sureLabels(cnpgJobLabels(n.postgres)), ...dataSelector(n, d) };
        case "kafka":
            // Its entity operator's pods carry Strimzi's labels only (kafka.ts gives the brokers and the exporter ours).
            return { [STRIMZI_LABEL.cluster]: n.kafka, [STRIMZI_LABEL.kind]: "Kafka" };
        case "rabbitmq":
            return sureLabels(rabbitmqPodLabels(n.rabbitmq));
        case "minio":
            return { ...sureLabels(minioChartPodLabels(n.minio)), ...dataSelector(n, d) };
        case "redis":
        case "mongodb":
            return dataSelector(n, d);
    }
}
