import type { AppId } from "../../runbooks";

/**
 * Names of everything the Kubernetes target creates in the cluster. Kubernetes objects get
 * explicit names (not Pulumi's random suffixes) because Services, Secrets and operators refer to
 * each other by name; each is prefixed with the app id so the Pulumi names are unique and a
 * reader sees whose it is.
 */

export const LABEL = {
    name: "app.kubernetes.io/name",
    partOf: "app.kubernetes.io/part-of",
    component: "app.kubernetes.io/component",
    managedBy: "app.kubernetes.io/managed-by",
    /** Pods that may open connections to the app's data services (app services, backup jobs, exporters). */
    dataAccess: "platform.runbooks/data-access",
    /** The data service a pod belongs to. */
    dataService: "platform.runbooks/data-service",
} as const;

export type DataService = "postgres" | "redis" | "mongodb" | "kafka" | "rabbitmq" | "minio";

export interface Names {
    readonly app: AppId;
    /** The app's namespace: services, data services, backup jobs. */
    readonly namespace: string;
    /** kube-prometheus-stack, Loki, blackbox exporter, Pushgateway, dashboards. */
    readonly monitoring: string;
    /** CloudNativePG, Strimzi and KEDA operators. */
    readonly operators: string;
    readonly postgres: string;
    readonly redis: string;
    readonly mongodb: string;
    readonly kafka: string;
    /** The RabbitmqCluster; the operator names its client Service and default-user Secret after it. */
    readonly rabbitmq: string;
    readonly minio: string;
    /** The bucket the backups and CloudNativePG's base backups and WAL go to. */
    readonly backupBucket: string;
    /** Helm release names (also their `fullnameOverride`, so Service names are known). */
    readonly releases: {
        readonly kubePrometheusStack: string;
        readonly loki: string;
        readonly promtail: string;
        readonly blackbox: string;
        readonly pushgateway: string;
        readonly cloudnativePg: string;
        readonly strimzi: string;
        readonly keda: string;
        /** The RabbitMQ Cluster Operator and Messaging Topology Operator (one chart). */
        readonly rabbitmqOperator: string;
    };
    /** A runbook service's Deployment, Service, HPA, PDB. */
    service(svc: string): string;
}

export function names(app: AppId, namespace: string): Names {
    return {
        app,
        namespace,
        monitoring: `${namespace}-monitoring`,
        operators: `${namespace}-operators`,
        postgres: `${app}-postgres`,
        redis: `${app}-redis`,
        mongodb: `${app}-mongodb`,
        kafka: `${app}-kafka`,
        rabbitmq: `${app}-rabbitmq`,
        minio: `${app}-minio`,
        backupBucket: `${app}-platform-backups`,
        releases: {
            kubePrometheusStack: "kps",
            loki: "loki",
            promtail: "promtail",
            blackbox: "blackbox-exporter",
            pushgateway: "pushgateway",
            cloudnativePg: "cnpg",
            strimzi: "strimzi",
            keda: "keda",
            rabbitmqOperator: "rabbitmq-operator",
        },
        service: (svc) => `${app}-${svc}`,
    };
}

/** In-cluster DNS name of a Service. */
export function serviceHost(service: string, namespace: string): string {
    return `${service}.${namespace}.svc.cluster.local`;
}

/** Labels every object of the app carries. */
export function appLabels(n: Names, component: string): Record<string, string> {
    return { [LABEL.partOf]: n.app, [LABEL.component]: component, [LABEL.managedBy]: "pulumi" };
}

/** Selector labels of a runbook service's pods. */
export function serviceSelector(n: Names, svc: string): Record<string, string> {
    return { [LABEL.partOf]: n.app, [LABEL.name]: svc };
}

/** Selector labels of a data service's pods the platform schedules itself (Redis, MongoDB, MinIO). */
export function dataSelector(n: Names, service: DataService): Record<string, string> {
    return { [LABEL.partOf]: n.app, [LABEL.dataService]: service };
}

/** The label that lets a pod reach the data services. */
export const DATA_ACCESS_LABELS: Readonly<Record<string, string>> = { [LABEL.dataAccess]: "true" };

/** `personal_finance.transactions.v1` → `personal-finance.transactions.v1`: a Kubernetes object name for a Kafka topic. */
export function topicObjectName(topic: string): string {
    const name = topic.toLowerCase().replace(/[^a-z0-9.-]+/g, "-").replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
    if (!name || name.length > 253) throw new Error(`Kafka topic "${topic}" has no valid Kubernetes object name`);
    return name;
}
