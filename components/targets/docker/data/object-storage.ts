import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PLATFORM_IMAGES } from "../../../../capabilities/docker/versions";
import { MC_HOST_ENV, MINIO_APP_POLICY_PATH, MINIO_APP_SECRET_ENV, MINIO_BUCKETS_SCRIPT_PATH, MINIO_DATA, appPolicyJson, bucketsScript, checkObjectStorage, mcHost, minioRootUser } from "../../../../capabilities/docker/minio";
import { HOSTS, INTERNAL_PORTS } from "../../../../capabilities/docker/topology";
import { WRITABLE_PATHS } from "../../../../capabilities/docker/writable";
import { container, upload, volume, withUploadVolumes, type DockerScope } from "../scope";
import { DATA_HEALTHCHECK, type DockerDataService } from "./kind";
import { MINIO_PROMETHEUS_AUTH } from "../../../../capabilities/alerting/minio";
import type { Runbook } from "../../../../runbooks";

export interface ObjectStorageArgs {
    /** The Docker target's shared scope: stack, app id, provider, network, pulled images, generated passwords (`objectStorage`, `objectStorageApp`). */
    readonly scope: DockerScope;
    /** MinIO's root user name (`minioRootUser`). */
    readonly rootUser: string;
    /** The `mc` alias URL with the root credentials (`mcHost`), from the generated root password. */
    mcHost(rootPassword: string): string;
    /** The one-shot script creating `data.objectStorage`'s buckets and the app's user (`bucketsScript`). */
    readonly bucketsScript: string;
    /** The app user's policy over its buckets, as JSON (`appPolicyJson`). */
    readonly appPolicy: string;
}

/** MinIO for the runbook's object storage, and a one-shot `mc` job creating its buckets. */
export class ObjectStorage extends pulumi.ComponentResource {
    public readonly volume: docker.Volume;
    public readonly server: docker.Container;
    public readonly buckets: docker.Container;

    constructor(name: string, args: ObjectStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:docker:ObjectStorage", name, {}, opts);
        const { scope } = args;
        this.volume = volume(this, `${name}-data`, scope, "minio-data", "objectStorage");
        this.server = container(this, `${name}-server`, scope, {
            part: "minio",
            component: "objectStorage",
            image: PLATFORM_IMAGES.minio,
            aliases: [HOSTS.minio],
            // Prometheus reads /minio/v2/metrics/cluster without a token: docs/alerting.md, "Object storage".
            env: { MINIO_ROOT_USER: args.rootUser, ...MINIO_PROMETHEUS_AUTH },
            secretEnv: { MINIO_ROOT_PASSWORD: { secret: "objectStorage", value: (p) => p } },
            command: ["server", MINIO_DATA, "--address", `:${INTERNAL_PORTS.minio}`, "--console-address", `:${INTERNAL_PORTS.minioConsole}`],
            volumes: [{ volume: this.volume, path: MINIO_DATA }],
            healthcheck: { tests: ["CMD", "mc", "ready", "local"], ...DATA_HEALTHCHECK },
            waitHealthy: true,
            // Read-only root: tmpfs where the server and the healthcheck's mc write (capabilities/docker/writable.ts).
            readOnlyRoot: { tmpfs: WRITABLE_PATHS.minio },
        });
        this.buckets = container(
            this,
            `${name}-buckets`,
            scope,
            withUploadVolumes(this, `${name}-buckets`, scope, {
                part: "minio-buckets",
                component: "objectStorage",
                image: PLATFORM_IMAGES.mc,
                aliases: ["minio-buckets"],
                secretEnv: {
                    [MC_HOST_ENV]: { secret: "objectStorage", value: (p) => args.mcHost(p) },
                    [MINIO_APP_SECRET_ENV]: { secret: "objectStorageApp", value: (p) => p },
                },
                entrypoint: ["sh"],
                command: [MINIO_BUCKETS_SCRIPT_PATH],
                uploads: [upload(MINIO_BUCKETS_SCRIPT_PATH, args.bucketsScript, { executable: true }), upload(MINIO_APP_POLICY_PATH, args.appPolicy)],
                oneShot: true,
                readOnlyRoot: { tmpfs: WRITABLE_PATHS.mcJob },
            }),
            [this.server],
        );
        this.registerOutputs({});
    }
}

export const objectStorage: DockerDataService = {
    kind: "objectStorage",
    part: "object-storage",
    create: (name, scope, rb, opts) => new ObjectStorage(name, { scope, ...objectStorageArgs(rb) }, opts),
};

/** MinIO's Args from the runbook; checks `data.objectStorage` first (`checkObjectStorage`). */
function objectStorageArgs(rb: Runbook): Omit<ObjectStorageArgs, "scope"> {
    checkObjectStorage(rb);
    return { rootUser: minioRootUser(rb), mcHost: (p) => mcHost(rb, p), bucketsScript: bucketsScript(rb), appPolicy: appPolicyJson(rb) };
}
