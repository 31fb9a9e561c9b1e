import type * as k8s from "@pulumi/kubernetes";
import { SIDECAR } from "./sizing";

/** What the pods the platform schedules for a data service share, whatever the service. */

type ResourceRequirements = k8s.types.input.core.v1.ResourceRequirements;

/** Requests and limits of an exporter or helper beside a data service (`SIDECAR`), as a fresh object per container. */
export function sidecarResources(): ResourceRequirements {
    return { requests: { ...SIDECAR.requests }, limits: { ...SIDECAR.limits } };
}

type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/**
 * Where a data-store container on a read-only root writes outside its data volume, in MiB each:
 * an emptyDir bounded by `sizeLimit` (docs/security.md, "Read-only roots"). Read from the images'
 * sources; a path not listed here is not written. A kind's own module may keep its entry
 * (the message broker's module keeps its own, beside its override).
 */
export const DATA_SCRATCH = {
    /**
     * The Redis cluster-forming Job (redis-cluster-init.sh): bash writes a here-string (`<<<`) to a
     * temporary file in TMPDIR (before bash 5.1 always, after it when larger than a pipe). The
     * server itself writes only its `dir`, the /data volume (dump, append-only file, cluster nodes.conf).
     */
    redisClusterJob: { "/tmp": 8 },
    /**
     * mongod: its Unix socket /tmp/mongodb-27017.sock (`net.unixDomainSocket.pathPrefix` defaults
     * to /tmp). mongosh (probes, mongo-start.sh) keeps its logs in ~/.mongodb, and the image's
     * mongodb user (UID 999) has /data/db, the data volume, as home.
     */
    mongod: { "/tmp": 16 },
    /**
     * minio server (cmd/common-main.go, as in capabilities/docker/writable.ts): it creates
     * `<certs dir>/CAs` at start, fatal when it cannot; the chart passes `-S` certsPath.
     */
    minioCerts: { "/etc/minio/certs": 1 },
} as const satisfies Record<string, Scratch>;

/** Writable paths of one container, in MiB each. */
export type Scratch = Readonly<Record<string, number>>;

/** `/etc/minio/certs` -> `scratch-etc-minio-certs`. */
function scratchVolumeName(path: string): string {
    return `scratch${path.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`.replace(/-+$/, "");
}

/** The emptyDir volumes of a DATA_SCRATCH entry (disk-backed: memory would count against the container's limit). */
export function scratchVolumes(scratch: Scratch): Volume[] {
    return Object.entries(scratch).map(([path, mib]) => ({ name: scratchVolumeName(path), emptyDir: { sizeLimit: `${mib}Mi` } }));
}

/** The mounts of a DATA_SCRATCH entry, named as `scratchVolumes` names them. */
export function scratchMounts(scratch: Scratch): VolumeMount[] {
    return Object.keys(scratch).map((path) => ({ name: scratchVolumeName(path), mountPath: path }));
}
