import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { dataImage } from "../../../../capabilities/docker/versions";
import { REDIS_CONF_PATH, localRedisConf, redisHealthcheckCommand, redisPrimary, redisStartScript } from "../../../../capabilities/docker/redis";
import { HOSTS, redisReplicas } from "../../../../capabilities/docker/topology";
import { requireField, type Runbook } from "../../../../runbooks";
import { WRITABLE_PATHS } from "../../../../capabilities/docker/writable";
import { container, upload, volume, withUploadVolumes, type DockerScope } from "../scope";
import { DATA_HEALTHCHECK, type DockerDataService } from "./kind";

export interface RedisArgs {
    /** The Docker target's shared scope: stack, app id, provider, network, pulled images, generated passwords (`redis`). */
    readonly scope: DockerScope;
    /** The runbook's `data.redis`: maxmemory and policy, snapshots (the redis.conf). */
    readonly redis: NonNullable<Runbook["data"]["redis"]>;
    /** The pinned image of `data.redis.version` (`dataImage`). */
    readonly image: string;
    /** The replicas' host names (`redisReplicas`): one for a `replicated` runbook, else none. */
    readonly replicaHosts: readonly string[];
}

/** Redis with the runbook's memory policy and snapshots; a `replicated` runbook also gets a replica. */
export class Redis extends pulumi.ComponentResource {
    public readonly volume: docker.Volume;
    public readonly primary: docker.Container;
    public readonly replicaVolumes: docker.Volume[];
    public readonly replicas: docker.Container[];

    constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:docker:Redis", name, {}, opts);
        const { scope, redis, image: ref } = args;
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
        this.replicas = args.replicaHosts.map((host) => {
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
    create: (name, scope, rb, opts) => new Redis(name, { scope, ...redisArgs(rb) }, opts),
};

/** Redis's Args from the runbook; fails naming `data.redis` when it is absent. */
function redisArgs(rb: Runbook): Omit<RedisArgs, "scope"> {
    const redis = requireField(rb.data.redis, rb.app, "data.redis");
    return { redis, image: dataImage(rb, "redis"), replicaHosts: redisReplicas(rb) };
}
