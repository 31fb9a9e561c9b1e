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
    readonly runbook: Runbook;
    /**
     * Whether the target runs MinIO for the runbook's object storage (Docker, Kubernetes): only then
     * are its root and app passwords generated. On AWS, S3 is reached with IAM roles, no password.
     */
    readonly minio: boolean;
}

/** The generated passwords of the data services, by `PlatformSecrets` field. */
export type DataPassword = "postgres" | "postgresApp" | "postgresMonitor" | "redis" | "mongodb" | "objectStorage" | "objectStorageApp";

/**
 * One generated password per credential the app's data services and monitoring need. They are
 * Pulumi secrets (encrypted in state, `[secret]` in previews) and live as long as the stack, so a
 * `pulumi up` does not rotate them by surprise.
 */
export class PlatformSecrets extends pulumi.ComponentResource {
    /** The PostgreSQL administrator's (`data.postgres.user`): administration and backups only. */
    public readonly postgres?: random.RandomPassword;
    /** The app's own PostgreSQL login and the exporters' read-only one (`capabilities/postgres-roles.ts`). */
    public readonly postgresApp?: random.RandomPassword;
    public readonly postgresMonitor?: random.RandomPassword;
    public readonly redis?: random.RandomPassword;
    public readonly mongodb?: random.RandomPassword;
    public readonly objectStorage?: random.RandomPassword;
    /** The app's own object-storage login (`objectStorageAppUser`); the root password above stays with the platform. */
    public readonly objectStorageApp?: random.RandomPassword;
    /** Every target runs Grafana: Docker and AWS their own, Kubernetes the chart's. */
    public readonly grafanaAdmin: random.RandomPassword;

    constructor(name: string, args: PlatformSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:index:Secrets", name, {}, opts);
        const password = (suffix: string, special = false) =>
            // Data-service clients put passwords in URLs: no specials there, length makes up for it.
            new random.RandomPassword(`${name}-${suffix}`, { length: special ? 32 : 40, special, overrideSpecial: special ? "-_.~" : undefined }, { parent: this });
        const { data } = args.runbook;
        if (data.postgres) {
            this.postgres = password("postgres");
            this.postgresApp = password("postgres-app");
            this.postgresMonitor = password("postgres-monitor");
        }
        if (data.redis) this.redis = password("redis");
        if (data.mongodb) this.mongodb = password("mongodb");
        if (data.objectStorage && args.minio) {
            this.objectStorage = password("object-storage");
            this.objectStorageApp = password("object-storage-app");
        }
        this.grafanaAdmin = password("grafana-admin", true);
        this.registerOutputs({});
    }

    /** The data services' generated passwords by name (every name present, `undefined` where the runbook has no such service). */
    public dataPasswords(): Record<DataPassword, pulumi.Output<string> | undefined> {
        return {
            postgres: this.postgres?.result,
            postgresApp: this.postgresApp?.result,
            postgresMonitor: this.postgresMonitor?.result,
            redis: this.redis?.result,
            mongodb: this.mongodb?.result,
            objectStorage: this.objectStorage?.result,
            objectStorageApp: this.objectStorageApp?.result,
        };
    }
}
