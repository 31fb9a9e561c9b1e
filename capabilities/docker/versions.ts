import type { Runbook } from "../../runbooks";
import { EXPORTERS, type ContainerExporterId } from "../alerting/exporters";
import { GRAFANA_IMAGE } from "../dashboards";
import { imagePinProblem } from "../images";

/**
 * Every third-party image the local platform runs, pinned to an exact tag. The runbook names a
 * major (or major.minor) version of each data service; the table maps it to the exact release
 * this platform was written against, so a new release is a reviewed change here, not a surprise
 * pull. Exporter repositories are the metrics contract's (capabilities/alerting/signals.ts).
 */

/** Data-service images by the version the runbook states. Alpine or Debian variants are chosen for the shell tools the backup jobs need (bash, coreutils). */
export const DATA_IMAGES = {
    postgres: { "15": "postgres:15.8-alpine", "16": "postgres:16.4-alpine", "17": "postgres:17.0-alpine" },
    // Debian rather than Alpine: the backup job runs bash scripts in this image.
    redis: { "7.2": "redis:7.2.5-bookworm", "7.4": "redis:7.4.1-bookworm" },
    mongodb: { "6.0": "mongo:6.0.18-jammy", "7.0": "mongo:7.0.14-jammy" },
    kafka: { "3.7.0": "apache/kafka:3.7.1", "3.8.0": "apache/kafka:3.8.0" },
    // The official image's management variant: the management API (definitions export) and the Prometheus plugin.
    rabbitmq: { "3.13": "rabbitmq:3.13.7-management", "4.0": "rabbitmq:4.0.5-management" },
} as const satisfies Record<string, Record<string, string>>;

/** Tags of the exporter images the contract names, by exporter id; `app` is the app's own image. */
export const EXPORTER_TAGS: Readonly<Record<ContainerExporterId, string>> = {
    blackbox: "v0.25.0",
    postgres: "v0.15.0",
    redis: "v1.62.0",
    kafka: "v1.8.0",
    mongodb: "0.40.0",
    cadvisor: "v0.49.1",
    node: "v1.8.2",
    pushgateway: "v1.10.0",
};

/** The rest of the platform's images. */
export const PLATFORM_IMAGES = {
    minio: "minio/minio:RELEASE.2024-12-18T13-15-44Z",
    mc: "minio/mc:RELEASE.2024-11-21T17-21-54Z",
    prometheus: "prom/prometheus:v2.54.1",
    alertmanager: "prom/alertmanager:v0.27.0",
    grafana: GRAFANA_IMAGE,
    loki: "grafana/loki:3.2.0",
    promtail: "grafana/promtail:3.2.0",
    jaeger: "jaegertracing/all-in-one:1.62.0",
    // bash, curl and coreutils for the backup jobs that call an HTTP API (RabbitMQ's definitions export); the same pin as Kubernetes' and AWS's.
    awsCli: "amazon/aws-cli:2.18.0",
} as const;
export type PlatformImage = keyof typeof PLATFORM_IMAGES;

type DataService = keyof typeof DATA_IMAGES;

/** The pinned image of a data service at the runbook's version; an unknown version fails with the field and the versions known. */
export function dataImage(runbook: Runbook, service: DataService): string {
    const spec = runbook.data[service];
    if (!spec) throw new Error(`${runbook.app}: \`data.${service}\` is not in the runbook, so it has no image`);
    const table: Readonly<Record<string, string>> = DATA_IMAGES[service];
    const image = table[spec.version];
    if (!image) {
        throw new Error(`${runbook.app}: \`data.${service}.version\` = "${spec.version}" has no pinned image; allowed: ${Object.keys(table).join(", ")} (add one to capabilities/docker/versions.ts)`);
    }
    return image;
}

export function exporterImage(id: ContainerExporterId): string {
    return `${EXPORTERS[id].image}:${EXPORTER_TAGS[id]}`;
}

/** `repo:tag` → repo, also for registries with a port (`host:5000/repo:tag`). */
export function imageRepository(reference: string): string {
    const at = reference.indexOf("@");
    const withoutDigest = at >= 0 ? reference.slice(0, at) : reference;
    const colon = withoutDigest.lastIndexOf(":");
    return colon > withoutDigest.lastIndexOf("/") ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** True for a reference the one image rule calls pinned (capabilities/images.ts). */
export function isPinned(reference: string): boolean {
    return imagePinProblem(reference) === undefined;
}
