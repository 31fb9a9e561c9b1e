import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { dataImage, PLATFORM_IMAGES } from "../../../capabilities/docker/versions";
import { KAFKA_DATA, KAFKA_TOPICS_SCRIPT_PATH, checkKafka, kafkaEnv, kafkaServerProperties, kafkaTopicsScript } from "../../../capabilities/docker/kafka";
import { MC_HOST_ENV, MINIO_APP_POLICY_PATH, MINIO_APP_SECRET_ENV, MINIO_BUCKETS_SCRIPT_PATH, MINIO_DATA, appPolicyJson, bucketsScript, checkObjectStorage, mcHost, minioRootUser } from "../../../capabilities/docker/minio";
import {
    MONGO_DATA,
    MONGO_INIT_SCRIPT_PATH,
    MONGO_KEYFILE_PATH,
    MONGO_ROOT_USER,
    MONGO_UID,
    checkMongo,
    mongoHealthcheckCommand,
    mongodCommand,
    replicaSetInitCommand,
    replicaSetInitScript,
} from "../../../capabilities/docker/mongodb";
import {
    PG_CONF_PATH,
    PG_DATA,
    PG_HBA_PATH,
    PG_INIT_PATH,
    PG_REPLICA_SCRIPT_PATH,
    localPostgresConf,
    pgHbaConf,
    postgresCommand,
    postgresInitScript,
    postgresReplicaScript,
} from "../../../capabilities/docker/postgres";
import { REDIS_CONF_PATH, localRedisConf, redisHealthcheckCommand, redisPrimary, redisStartScript } from "../../../capabilities/docker/redis";
import { HOSTS, INTERNAL_PORTS, kafkaBrokers, mongoMembers, postgresReplicas, publishedPort, redisReplicas } from "../../../capabilities/docker/topology";
import { container, upload, volume, type DockerScope } from "./scope";
import { requireField } from "../../../runbooks";

/** Every data-service component takes the Docker target's shared scope and nothing else: its numbers come from `scope.context.runbook`. */
export interface DataServiceArgs {
    /** The stack, provider, network, pulled images and generated secrets of the Docker target. */
    readonly scope: DockerScope;
}

/** Data services check their own healthcheck this often; a first start gets a minute before failures count. */
const DATA_HEALTHCHECK = { interval: "10s", timeout: "5s", retries: 5, startPeriod: "60s" } as const;


/** PostgreSQL primary with the runbook's tuning, and `data.postgres.readReplicas` streaming replicas. */
export class Postgres extends pulumi.ComponentResource {
    public readonly volume: docker.Volume;
    public readonly primary: docker.Container;
    /** Generated for the replication role; only where the runbook has read replicas. */
    public readonly replicationPassword?: random.RandomPassword;
    public readonly replicaVolumes: docker.Volume[];
    public readonly replicas: docker.Container[];

    constructor(name: string, args: DataServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:docker:Postgres", name, {}, opts);
        const { scope } = args;
        const rb = scope.context.runbook;
        const pg = requireField(rb.data.postgres, rb.app, "data.postgres");
        const ref = dataImage(rb, "postgres");
        const configFiles = [upload(PG_CONF_PATH, localPostgresConf(pg)), upload(PG_HBA_PATH, pgHbaConf())];
        const replicaHosts = postgresReplicas(rb);
        if (replicaHosts.length) {
            this.replicationPassword = new random.RandomPassword(`${name}-replication`, { length: 40, special: false }, { parent: this });
        }
        const replication = this.replicationPassword ? { REPLICATION_PASSWORD: this.replicationPassword.result } : undefined;
        const health = (extra: string) => ({ tests: ["CMD-SHELL", `pg_isready -q -h 127.0.0.1 -p ${INTERNAL_PORTS.postgres}${extra}`], ...DATA_HEALTHCHECK });

        this.volume = volume(this, `${name}-data`, scope, "postgres-data", "postgres");
        this.primary = container(this, `${name}-primary`, scope, {
            part: "postgres",
            component: "postgres",
            image: ref,
            aliases: [HOSTS.postgres],
            env: { POSTGRES_USER: pg.user, POSTGRES_DB: pg.database, PGDATA: PG_DATA },
            secretEnv: { POSTGRES_PASSWORD: { secret: "postgres", value: (p) => p } },
            secretValues: replication,
            command: postgresCommand(),
            uploads: [...configFiles, upload(PG_INIT_PATH, postgresInitScript(rb), { executable: true })],
            volumes: [{ volume: this.volume, path: PG_DATA }],
            healthcheck: health(' -U "$POSTGRES_USER" -d "$POSTGRES_DB"'),
            waitHealthy: true,
        });

        this.replicaVolumes = [];
        this.replicas = replicaHosts.map((host) => {
            const data = volume(this, `${name}-${host}-data`, scope, `${host}-data`, "postgres");
            this.replicaVolumes.push(data);
            return container(
                this,
                `${name}-${host}`,
                scope,
                {
                    part: host,
                    component: "postgres",
                    image: ref,
                    aliases: [host],
                    env: { PGDATA: PG_DATA },
                    secretValues: { PGPASSWORD: requireField(this.replicationPassword, rb.app, "data.postgres.readReplicas").result },
                    // Runs as the image's postgres user: pg_basebackup must write the data directory as its owner.
                    user: "postgres",
                    command: ["bash", PG_REPLICA_SCRIPT_PATH],
                    uploads: [...configFiles, upload(PG_REPLICA_SCRIPT_PATH, postgresReplicaScript(host), { executable: true })],
                    volumes: [{ volume: data, path: PG_DATA }],
                    healthcheck: health(""),
                    waitHealthy: true,
                },
                [this.primary],
            );
        });
        this.registerOutputs({});
    }
}

/** Redis with the runbook's memory policy and snapshots; a `replicated` runbook also gets a replica. */
export class Redis extends pulumi.ComponentResource {
    public readonly volume: docker.Volume;
    public readonly primary: docker.Container;
    public readonly replicaVolumes: docker.Volume[];
    public readonly replicas: docker.Container[];

    constructor(name: string, args: DataServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:docker:Redis", name, {}, opts);
        const { scope } = args;
        const rb = scope.context.runbook;
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
        });
        this.volume = volume(this, `${name}-data`, scope, "redis-data", "redis");
        this.primary = container(this, `${name}-primary`, scope, node("redis", HOSTS.redis, this.volume));
        this.replicaVolumes = [];
        this.replicas = redisReplicas(rb).map((host) => {
            const data = volume(this, `${name}-${host}-data`, scope, `${host}-data`, "redis");
            this.replicaVolumes.push(data);
            return container(this, `${name}-${host}`, scope, node(host, host, data, redisPrimary()), [this.primary]);
        });
        this.registerOutputs({});
    }
}

/** Kafka in KRaft mode: `data.kafka.brokers` combined broker/controller nodes, and a one-shot job creating the runbook's topics. */
export class Kafka extends pulumi.ComponentResource {
    /** KRaft cluster id: 16 random bytes, URL-safe base64, as `kafka-storage.sh random-uuid` makes. */
    public readonly clusterId: random.RandomId;
    public readonly volumes: docker.Volume[];
    public readonly brokers: docker.Container[];
    public readonly topics: docker.Container;

    constructor(name: string, args: DataServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:docker:Kafka", name, {}, opts);
        const { scope } = args;
        const rb = scope.context.runbook;
        checkKafka(rb);
        const ref = dataImage(rb, "kafka");
        this.clusterId = new random.RandomId(`${name}-cluster-id`, { byteLength: 16 }, { parent: this });
        this.volumes = [];
        this.brokers = kafkaBrokers(rb).map((host, i) => {
            const external = requireField(publishedPort(rb, host), rb.app, `published port of ${host}`).external;
            const data = volume(this, `${name}-${host}-data`, scope, `${host}-data`, "kafka");
            this.volumes.push(data);
            return container(this, `${name}-${host}`, scope, {
                part: host,
                component: "kafka",
                image: ref,
                aliases: [host],
                env: kafkaEnv(kafkaServerProperties(rb, i + 1, external)),
                computedEnv: { CLUSTER_ID: this.clusterId.b64Url },
                volumes: [{ volume: data, path: KAFKA_DATA }],
                // The broker's client port answers once it has joined the quorum; bash's /dev/tcp costs no JVM start.
                healthcheck: { tests: ["CMD", "bash", "-c", `</dev/tcp/127.0.0.1/${INTERNAL_PORTS.kafka}`], interval: "10s", timeout: "5s", retries: 12, startPeriod: "60s" },
                waitHealthy: true,
            });
        });
        this.topics = container(
            this,
            `${name}-topics`,
            scope,
            {
                part: "kafka-topics",
                component: "kafka",
                image: ref,
                aliases: ["kafka-topics"],
                command: ["bash", KAFKA_TOPICS_SCRIPT_PATH],
                uploads: [upload(KAFKA_TOPICS_SCRIPT_PATH, kafkaTopicsScript(rb), { executable: true })],
                oneShot: true,
            },
            this.brokers,
        );
        this.registerOutputs({});
    }
}

/**
 * A MongoDB replica set of `data.mongodb.replicaSetMembers` members that authenticate to each
 * other with a generated key file; member 1 creates the root user on its first start, and a
 * one-shot job initiates the set once all members answer.
 */
export class MongoReplicaSet extends pulumi.ComponentResource {
    /** The members' shared key file content (base64 alphabet, as mongod requires). */
    public readonly keyFile: random.RandomPassword;
    public readonly volumes: docker.Volume[];
    public readonly members: docker.Container[];
    public readonly init: docker.Container;

    constructor(name: string, args: DataServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:docker:MongoReplicaSet", name, {}, opts);
        const { scope } = args;
        const rb = scope.context.runbook;
        checkMongo(rb);
        const ref = dataImage(rb, "mongodb");
        this.keyFile = new random.RandomPassword(`${name}-keyfile`, { length: 756, special: false }, { parent: this });
        const keyFile = upload(MONGO_KEYFILE_PATH, pulumi.secret(this.keyFile.result), { owner: MONGO_UID, permissions: "0400" });
        this.volumes = [];
        this.members = mongoMembers(rb).map((host, i) => {
            const data = volume(this, `${name}-${host}-data`, scope, `${host}-data`, "mongodb");
            this.volumes.push(data);
            // Only member 1 creates the root user: a member that already holds data cannot join a set.
            const first = i === 0;
            return container(this, `${name}-${host}`, scope, {
                part: host,
                component: "mongodb",
                image: ref,
                aliases: [host],
                env: first ? { MONGO_INITDB_ROOT_USERNAME: MONGO_ROOT_USER } : {},
                secretEnv: first ? { MONGO_INITDB_ROOT_PASSWORD: { secret: "mongodb", value: (p) => p } } : {},
                command: mongodCommand(rb),
                uploads: [keyFile],
                secretUploads: true,
                volumes: [{ volume: data, path: MONGO_DATA }],
                healthcheck: { tests: mongoHealthcheckCommand(), ...DATA_HEALTHCHECK },
                waitHealthy: true,
            });
        });
        this.init = container(
            this,
            `${name}-init`,
            scope,
            {
                part: "mongo-rs-init",
                component: "mongodb",
                image: ref,
                aliases: ["mongo-rs-init"],
                env: { MONGO_ROOT_USERNAME: MONGO_ROOT_USER },
                secretEnv: { MONGO_ROOT_PASSWORD: { secret: "mongodb", value: (p) => p } },
                command: replicaSetInitCommand(rb),
                uploads: [upload(MONGO_INIT_SCRIPT_PATH, replicaSetInitScript(rb))],
                oneShot: true,
            },
            this.members,
        );
        this.registerOutputs({});
    }
}

/** MinIO for the runbook's object storage, and a one-shot `mc` job creating its buckets. */
export class ObjectStorage extends pulumi.ComponentResource {
    public readonly volume: docker.Volume;
    public readonly server: docker.Container;
    public readonly buckets: docker.Container;

    constructor(name: string, args: DataServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:docker:ObjectStorage", name, {}, opts);
        const { scope } = args;
        const rb = scope.context.runbook;
        checkObjectStorage(rb);
        this.volume = volume(this, `${name}-data`, scope, "minio-data", "objectStorage");
        this.server = container(this, `${name}-server`, scope, {
            part: "minio",
            component: "objectStorage",
            image: PLATFORM_IMAGES.minio,
            aliases: [HOSTS.minio],
            env: { MINIO_ROOT_USER: minioRootUser(rb) },
            secretEnv: { MINIO_ROOT_PASSWORD: { secret: "objectStorage", value: (p) => p } },
            command: ["server", MINIO_DATA, "--address", `:${INTERNAL_PORTS.minio}`, "--console-address", `:${INTERNAL_PORTS.minioConsole}`],
            volumes: [{ volume: this.volume, path: MINIO_DATA }],
            healthcheck: { tests: ["CMD", "mc", "ready", "local"], ...DATA_HEALTHCHECK },
            waitHealthy: true,
        });
        this.buckets = container(
            this,
            `${name}-buckets`,
            scope,
            {
                part: "minio-buckets",
                component: "objectStorage",
                image: PLATFORM_IMAGES.mc,
                aliases: ["minio-buckets"],
                secretEnv: {
                    [MC_HOST_ENV]: { secret: "objectStorage", value: (p) => mcHost(rb, p) },
                    [MINIO_APP_SECRET_ENV]: { secret: "objectStorageApp", value: (p) => p },
                },
                entrypoint: ["sh"],
                command: [MINIO_BUCKETS_SCRIPT_PATH],
                uploads: [upload(MINIO_BUCKETS_SCRIPT_PATH, bucketsScript(rb), { executable: true }), upload(MINIO_APP_POLICY_PATH, appPolicyJson(rb))],
                oneShot: true,
            },
            [this.server],
        );
        this.registerOutputs({});
    }
}
