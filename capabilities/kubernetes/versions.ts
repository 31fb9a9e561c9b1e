import type { Runbook } from "../../runbooks";

/**
 * Every chart and third-party image the Kubernetes target installs, pinned to an exact version.
 * A new release is a reviewed change of this file, never a surprise pull. The runbook names a
 * major (or major.minor) version of each data service; the tables map it to the exact release
 * this platform was written against.
 */

export interface ChartRef {
    readonly chart: string;
    /** Exact chart version (semver, no range). */
    readonly version: string;
    /** Helm repository URL (`repositoryOpts.repo`). */
    readonly repo: string;
}

const PROMETHEUS_COMMUNITY = "https://prometheus-community.github.io/helm-charts";
const GRAFANA = "https://grafana.github.io/helm-charts";

export const CHARTS = {
    /** Prometheus operator, Prometheus, Alertmanager, Grafana, kube-state-metrics, node-exporter. */
    kubePrometheusStack: { chart: "kube-prometheus-stack", version: "65.1.1", repo: PROMETHEUS_COMMUNITY },
    blackboxExporter: { chart: "prometheus-blackbox-exporter", version: "9.0.1", repo: PROMETHEUS_COMMUNITY },
    pushgateway: { chart: "prometheus-pushgateway", version: "2.14.0", repo: PROMETHEUS_COMMUNITY },
    loki: { chart: "loki", version: "6.16.0", repo: GRAFANA },
    promtail: { chart: "promtail", version: "6.16.6", repo: GRAFANA },
    /** CloudNativePG operator 1.24.1. */
    cloudnativePg: { chart: "cloudnative-pg", version: "0.22.1", repo: "https://cloudnative-pg.github.io/charts" },
    /** Strimzi 0.45.0: the last line that runs Kafka 3.8 (KRaft with node pools). */
    strimzi: { chart: "strimzi-kafka-operator", version: "0.45.0", repo: "https://strimzi.io/charts/" },
    keda: { chart: "keda", version: "2.15.1", repo: "https://kedacore.github.io/charts" },
    /** Bitnami's chart of the RabbitMQ Cluster Operator and the Messaging Topology Operator (queues, users, vhosts as objects). */
    rabbitmqClusterOperator: { chart: "rabbitmq-cluster-operator", version: "4.4.0", repo: "https://charts.bitnami.com/bitnami" },
    /** 5.3.0: the first that reads `containerSecurityContext`; the same MinIO release (RELEASE.2024-04-18T19-09-19Z) as 5.2.0. */
    minio: { chart: "minio", version: "5.3.0", repo: "https://charts.min.io/" },
} as const satisfies Record<string, ChartRef>;
export type ChartId = keyof typeof CHARTS;

/** Kafka versions Strimzi 0.45 runs. */
export const STRIMZI_KAFKA_VERSIONS = ["3.8.0", "3.8.1", "3.9.0"] as const;

/**
 * Data-service images by the version the runbook states. PostgreSQL servers run CloudNativePG's
 * operand image; backup and restore jobs run the Debian variant of the official image for its
 * client tools and bash (the operations scripts are bash).
 */
export const DATA_IMAGES = {
    cnpg: { "15": "ghcr.io/cloudnative-pg/postgresql:15.8", "16": "ghcr.io/cloudnative-pg/postgresql:16.4", "17": "ghcr.io/cloudnative-pg/postgresql:17.0" },
    postgresTools: { "15": "postgres:15.8-bookworm", "16": "postgres:16.4-bookworm", "17": "postgres:17.0-bookworm" },
    redis: { "7.2": "redis:7.2.5-bookworm", "7.4": "redis:7.4.1-bookworm" },
    mongodb: { "6.0": "mongo:6.0.18-jammy", "7.0": "mongo:7.0.14-jammy" },
    /** The image the RabbitmqCluster runs (the operator's default is its own release's; the runbook's version decides here). */
    rabbitmq: { "3.13": "rabbitmq:3.13.7-management", "4.0": "rabbitmq:4.0.5-management" },
} as const satisfies Record<string, Record<string, string>>;

/** The rest of the images the target schedules itself (charts pin their own). */
export const IMAGES = {
    redisExporter: "oliver006/redis_exporter:v1.62.0",
    mongodbExporter: "percona/mongodb_exporter:0.40.0",
    postgresExporter: "quay.io/prometheuscommunity/postgres-exporter:v0.15.0",
    /** Its self-contained CLI is copied into the data-service images by an init container (glibc images only). */
    awsCli: "amazon/aws-cli:2.18.0",
    mc: "minio/mc:RELEASE.2024-11-21T17-21-54Z",
} as const;

type Versioned = keyof typeof DATA_IMAGES;
const RUNBOOK_FIELD: Record<Versioned, "postgres" | "redis" | "mongodb" | "rabbitmq"> = { cnpg: "postgres", postgresTools: "postgres", redis: "redis", mongodb: "mongodb", rabbitmq: "rabbitmq" };

/** The pinned image of a data service at the runbook's version; an unknown version fails naming the field and the versions known. */
export function dataImage(runbook: Runbook, which: Versioned): string {
    const field = RUNBOOK_FIELD[which];
    const spec = runbook.data[field];
    if (!spec) throw new Error(`${runbook.app}: \`data.${field}\` is not in the runbook, so it has no image`);
    const table: Readonly<Record<string, string>> = DATA_IMAGES[which];
    const image = table[spec.version];
    if (!image) {
        throw new Error(`${runbook.app}: \`data.${field}.version\` = "${spec.version}" has no pinned image; allowed: ${Object.keys(table).join(", ")} (add one to capabilities/kubernetes/versions.ts)`);
    }
    return image;
}

/** The Kafka version the runbook runs, if Strimzi can run it. */
export function strimziKafkaVersion(runbook: Runbook): string {
    const kafka = runbook.data.kafka;
    if (!kafka) throw new Error(`${runbook.app}: \`data.kafka\` is not in the runbook`);
    if (!(STRIMZI_KAFKA_VERSIONS as readonly string[]).includes(kafka.version)) {
        throw new Error(`${runbook.app}: \`data.kafka.version\` = "${kafka.version}" is not run by Strimzi ${CHARTS.strimzi.version}; allowed: ${STRIMZI_KAFKA_VERSIONS.join(", ")}`);
    }
    return kafka.version;
}
