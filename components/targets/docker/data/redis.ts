import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { dataImage } from "../../../../capabilities/docker/versions";
import { REDIS_CONF_PATH, localRedisConf, redisHealthcheckCommand, redisPrimary, redisStartScript } from "../../../../capabilities/docker/redis";
import { HOSTS, redisReplicas } from "../../../../capabilities/docker/topology";
import { requireField } from "../../../../runbooks";
import { WRITABLE_PATHS } from "../../../../capabilities/docker/writable";
import { container, upload, volume, withUploadVolumes, type DockerScope } from "../scope";
import { DATA_HEALTHCHECK, type DockerDataService } from "./kind";

export interface RedisArgs {
    /**
     * The Docker target's shared scope: stack, provider, network, pulled images, generated
     * passwords, and the runbook with the stack's overrides, of which this reads `data.redis`
     * (version, mode, maxmemory and policy, snapshots).
     */
    readonly scope: DockerScope;
}

/** Redis with the runbook's memory policy and snapshots; a `replicated` runbook also gets a replica. */
export class Redis extends pulumi.ComponentResource {
    public readonly volume: docker.Volume;
    public readonly primary: docker.Container;
    public readonly replicaVolumes: docker.Volume[];
    public readonly replicas: docker.Container[];

    constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:docker:Redis", name, {}, opts);
        const { scope } = args;
        const rb = scope.runbook;
        const redis = requireField(rb.data.redis, rb.app, "data.redis");
        const ref = dataImage(rb, "redis");
        const node = (part: string, host: string, data: docker.Volume, replicaOf?: string) => ({
            part,
            component: "redis",
            image: ref,
            aliases: [host],
            secretEnv: { REDIS_PASSWORD: { secret: "redis" as const, value: (p: string) => p } },
            // The image's redis user owns /data; the start script needs no root.
            user: "redis",
            command: ["sh", "-c", redisStartScript({ replicaOf })],
            uploads: [upload(REDIS_CONF_PATH, localRedisConf(redis))],
            volumes: [{ volume: data, path: "/data" }],
            healthcheck: { tests: redisHealthcheckCommand(), ...DATA_HEALTHCHECK },
            waitHealthy: true,
            readOnlyRoot: { tmpfs: WRITABLE_PATHS.redis },
        });
        this.volume = volume(this, `${name}-data`, scope, "redis-data", "redis");
        this.primary = container(this, `${name}-primary`, scope, withUploadVolumes(this, `${name}-primary`, scope, node("redis", HOSTS.redis, this.volume)));
        this.replicaVolumes = [];
        this.replicas = redisReplicas(rb).map((host) => {
            const data = volume(this, `${name}-${host}-data`, scope, `${host}-data`, "redis");
            this.replicaVolumes.push(data);
            return container(this, `${name}-${host}`, scope, withUploadVolumes(this, `${name}-${host}`, scope, node(host, host, data, redisPrimary())), [this.primary]);
        });
        this.registerOutputs({});
    }
}

export const redis: DockerDataService = {
    kind: "redis",
    part: "redis",
    create: (name, scope, opts) => new Redis(name, { scope }, opts),
};
