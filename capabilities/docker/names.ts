import type { Runbook } from "../../runbooks";
import { dataImage, exporterImage, PLATFORM_IMAGES } from "./versions";
import { backupJobs } from "./backups";
import { dockerExporters } from "./exporters";
import { runsAsContainer } from "../alerting/exporters";

/**
 * Names on the Docker engine and the set of images a stack pulls. Engine names carry the stack
 * (`pfm-community-local-postgres`), so two stacks on one engine never share a container, volume
 * or network; inside the app's network, containers answer to short aliases (topology.ts).
 */

export function engineName(stack: string, part: string): string {
    return `${stack}-${part}`;
}

/** A Pulumi-name-safe slug of an image reference: `postgres:16.4-alpine` → `postgres-16-4-alpine`. */
export function imageSlug(reference: string): string {
    return reference
        .toLowerCase()
        .replace(/^[a-z0-9.-]+\.[a-z]{2,}(:[0-9]+)?\//, "")
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "");
}

/**
 * Every image the stack runs, deduplicated: the app's (from the stack's `images`), the data
 * services' at the runbook's versions, the exporters the contract requires, and the platform's.
 */
export function stackImages(runbook: Runbook, appImages: Readonly<Record<string, string>>): string[] {
    const refs: string[] = runbook.services.map((s) => {
        const ref = appImages[s.name];
        if (!ref) throw new Error(`${runbook.app}: no image for service ${s.name} (\`images.${s.name}\` in the stack config)`);
        return ref;
    });
    const { data } = runbook;
    if (data.postgres) refs.push(dataImage(runbook, "postgres"));
    if (data.redis) refs.push(dataImage(runbook, "redis"));
    if (data.kafka) refs.push(dataImage(runbook, "kafka"));
    if (data.mongodb) refs.push(dataImage(runbook, "mongodb"));
    if (data.rabbitmq) refs.push(dataImage(runbook, "rabbitmq"));
    if (data.objectStorage) refs.push(PLATFORM_IMAGES.minio, PLATFORM_IMAGES.mc);
    if (backupJobs(runbook).some((j) => j.image === "mc")) refs.push(PLATFORM_IMAGES.mc);
    if (backupJobs(runbook).some((j) => j.image === "awsCli")) refs.push(PLATFORM_IMAGES.awsCli);
    for (const r of dockerExporters(runbook)) if (runsAsContainer(r.exporter)) refs.push(exporterImage(r.exporter));
    refs.push(PLATFORM_IMAGES.prometheus, PLATFORM_IMAGES.alertmanager, PLATFORM_IMAGES.grafana, PLATFORM_IMAGES.loki, PLATFORM_IMAGES.promtail);
    if (runbook.monitoring.ports.jaeger !== undefined) refs.push(PLATFORM_IMAGES.jaeger);
    return [...new Set(refs)];
}
