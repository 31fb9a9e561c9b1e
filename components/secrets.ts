import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Runbook } from "../runbooks";

/**
 * Credentials the app and its operators use, generated once per stack; every target reads them from
 * here, never from config or code. Credentials only the platform's own members exchange (a
 * replication password, a MongoDB keyfile, an internal MinIO root) are generated the same way by
 * the target component that needs them, next to their one use.
 */
export interface PlatformSecretsArgs {
    /** The runbook's `data`: a password is generated for each data service it has (`DATA_PASSWORDS`). */
    readonly data: Runbook["data"];
    /**
     * Whether the target runs MinIO for the runbook's object storage (Docker, Kubernetes): only then
     * are its root and app passwords generated. On AWS, S3 is reached with IAM roles, no password.
     */
    readonly minio: boolean;
    /** The stack's target: a password marked for some targets only is generated only there. */
    readonly target: "docker" | "kubernetes" | "aws";
}

/**
 * The generated passwords of the data services, one entry per credential: the runbook's
 * `data.<kind>` that needs it and the suffix of its Pulumi name. The one place a data kind
 * registers its credentials; the order is the order they are created in.
 */
export const DATA_PASSWORDS = {
    /** The PostgreSQL administrator's (`data.postgres.user`): administration and backups only. RDS manages and rotates its own (`manageMasterUserPassword`). */
    postgres: { kind: "postgres", suffix: "postgres", targets: ["docker", "kubernetes"] },
    /** The app's own PostgreSQL login and the exporters' read-only one (`capabilities/postgres-roles.ts`). */
    postgresApp: { kind: "postgres", suffix: "postgres-app" },
    postgresMonitor: { kind: "postgres", suffix: "postgres-monitor" },
    redis: { kind: "redis", suffix: "redis" },
    /** The MongoDB administrator's (root): the members, the users step and backups only. DocumentDB manages and rotates its master's (`manageMasterUserPassword`). */
    mongodb: { kind: "mongodb", suffix: "mongodb", targets: ["docker", "kubernetes"] },
    /** The app's own MongoDB user and the exporters' monitoring one (`capabilities/mongodb-users.ts`). */
    mongodbApp: { kind: "mongodb", suffix: "mongodb-app" },
    mongodbMonitor: { kind: "mongodb", suffix: "mongodb-monitor" },
    /** Strimzi's SCRAM logins of the app and of KEDA's scaler (`capabilities/kubernetes/kafka-users.ts`); MSK's are made by AwsKafka. */
    kafkaApp: { kind: "kafka", suffix: "kafka-app", targets: ["kubernetes", "docker"] },
    kafkaScaler: { kind: "kafka", suffix: "kafka-scaler", targets: ["kubernetes"] },
    /** Docker's Kafka administrator (PLAIN, the brokers and the topics job) and the exporter's SCRAM login (`capabilities/docker/kafka.ts`). */
    kafkaAdmin: { kind: "kafka", suffix: "kafka-admin", targets: ["docker"] },
    kafkaMonitor: { kind: "kafka", suffix: "kafka-monitor", targets: ["docker"] },
    /** MinIO's root: only where the target runs MinIO. */
    objectStorage: { kind: "objectStorage", suffix: "object-storage", minioOnly: true },
    /** The app's own object-storage login (`objectStorageAppUser`); the root password above stays with the platform. */
    objectStorageApp: { kind: "objectStorage", suffix: "object-storage-app", minioOnly: true },
    /** The app's RabbitMQ user (Docker, Kubernetes, Amazon MQ). */
    rabbitmq: { kind: "rabbitmq", suffix: "rabbitmq" },
    /** The platform's RabbitMQ administrator on Docker (`RABBITMQ_PLATFORM_ADMIN`), whose definitions backup needs one; the operator and Amazon MQ make their own. */
    rabbitmqAdmin: { kind: "rabbitmq", suffix: "rabbitmq-admin", targets: ["docker"] },
} as const satisfies Record<string, { kind: keyof Runbook["data"]; suffix: string; minioOnly?: boolean; targets?: readonly PlatformSecretsArgs["target"][] }>;

export type DataPassword = keyof typeof DATA_PASSWORDS;

/**
 * One generated password per credential the app's data services and monitoring need. They are
 * Pulumi secrets (encrypted in state, `[secret]` in previews) and live as long as the stack, so a
 * `pulumi up` does not rotate them by surprise.
 */
export class PlatformSecrets extends pulumi.ComponentResource {
    /** The data services' passwords the runbook needs, by `DATA_PASSWORDS` entry. */
    public readonly data: Readonly<Partial<Record<DataPassword, random.RandomPassword>>>;
    /** Every target runs Grafana: Docker and AWS their own, Kubernetes the chart's. */
    public readonly grafanaAdmin: random.RandomPassword;

    constructor(name: string, args: PlatformSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:index:Secrets", name, {}, opts);
        const password = (suffix: string, special = false) =>
            // Data-service clients put passwords in URLs: no specials there, length makes up for it.
            new random.RandomPassword(`${name}-${suffix}`, { length: special ? 32 : 40, special, overrideSpecial: special ? "-_.~" : undefined }, { parent: this });
        const { data } = args;
        const made: Partial<Record<DataPassword, random.RandomPassword>> = {};
        for (const [id, entry] of Object.entries(DATA_PASSWORDS) as [DataPassword, (typeof DATA_PASSWORDS)[DataPassword]][]) {
            if (data[entry.kind] === undefined || ("minioOnly" in entry && entry.minioOnly && !args.minio)) continue;
            if ("targets" in entry && !(entry.targets as readonly string[]).includes(args.target)) continue;
            made[id] = password(entry.suffix);
        }
        this.data = made;
        this.grafanaAdmin = password("grafana-admin", true);
        this.registerOutputs({});
    }

    public get postgres(): random.RandomPassword | undefined {
        return this.data.postgres;
    }
    public get postgresApp(): random.RandomPassword | undefined {
        return this.data.postgresApp;
    }
    public get postgresMonitor(): random.RandomPassword | undefined {
        return this.data.postgresMonitor;
    }
    public get redis(): random.RandomPassword | undefined {
        return this.data.redis;
    }
    public get mongodb(): random.RandomPassword | undefined {
        return this.data.mongodb;
    }
    /** MinIO's root password. */
    public get objectStorage(): random.RandomPassword | undefined {
        return this.data.objectStorage;
    }
    /** The app's own object-storage login (`objectStorageAppUser`). */
    public get objectStorageApp(): random.RandomPassword | undefined {
        return this.data.objectStorageApp;
    }

    /** The data services' generated passwords by name (every name present, `undefined` where the runbook has no such service). */
    public dataPasswords(): Record<DataPassword, pulumi.Output<string> | undefined> {
        return Object.fromEntries(Object.keys(DATA_PASSWORDS).map((id) => [id, this.data[id as DataPassword]?.result])) as Record<DataPassword, pulumi.Output<string> | undefined>;
    }
}
