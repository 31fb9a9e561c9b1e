import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { dataImage } from "../../../../capabilities/docker/versions";
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
} from "../../../../capabilities/docker/postgres";
import { HOSTS, INTERNAL_PORTS, postgresReplicas } from "../../../../capabilities/docker/topology";
import { ROLE_PASSWORD_ENV } from "../../../../capabilities/postgres-roles";
import { requireField, type Runbook } from "../../../../runbooks";
import { WRITABLE_PATHS } from "../../../../capabilities/docker/writable";
import { container, upload, volume, withUploadVolumes, type DockerScope } from "../scope";
import { DATA_HEALTHCHECK, type DockerDataService } from "./kind";

export interface PostgresArgs {
    /** The Docker target's shared scope: stack, app id, provider, network, pulled images, generated passwords (`postgres`, `postgresApp`, `postgresMonitor`). */
    readonly scope: DockerScope;
    /** The runbook's `data.postgres`: database, owner and tuning. */
    readonly postgres: NonNullable<Runbook["data"]["postgres"]>;
    /** The pinned image of `data.postgres.version` (`dataImage`). */
    readonly image: string;
    /** The read replicas' host names, one per `data.postgres.readReplicas` (`postgresReplicas`); none makes no replication password. */
    readonly replicaHosts: readonly string[];
    /** The primary's first-start script: roles and grants (`postgresInitScript`). */
    readonly initScript: string;
}

/** PostgreSQL primary with the runbook's tuning, and `data.postgres.readReplicas` streaming replicas. */
export class Postgres extends pulumi.ComponentResource {
    public readonly volume: docker.Volume;
    public readonly primary: docker.Container;
    /** Generated for the replication role; only where the runbook has read replicas. */
    public readonly replicationPassword?: random.RandomPassword;
    public readonly replicaVolumes: docker.Volume[];
    public readonly replicas: docker.Container[];

    constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:docker:Postgres", name, {}, opts);
        const { scope, postgres: pg, image: ref, replicaHosts } = args;
        const configFiles = [upload(PG_CONF_PATH, localPostgresConf(pg)), upload(PG_HBA_PATH, pgHbaConf())];
        if (replicaHosts.length) {
            this.replicationPassword = new random.RandomPassword(`${name}-replication`, { length: 40, special: false }, { parent: this });
        }
        const replication = this.replicationPassword ? { REPLICATION_PASSWORD: this.replicationPassword.result } : undefined;
        const health = (extra: string) => ({ tests: ["CMD-SHELL", `pg_isready -q -h 127.0.0.1 -p ${INTERNAL_PORTS.postgres}${extra}`], ...DATA_HEALTHCHECK });

        this.volume = volume(this, `${name}-data`, scope, "postgres-data", "postgres");
        // Read-only roots: the uploads on volumes of their own, tmpfs where the image writes (capabilities/docker/writable.ts).
        this.primary = container(this, `${name}-primary`, scope, withUploadVolumes(this, `${name}-primary`, scope, {
            part: "postgres",
            component: "postgres",
            image: ref,
            aliases: [HOSTS.postgres],
            env: { POSTGRES_USER: pg.user, POSTGRES_DB: pg.database, PGDATA: PG_DATA },
            secretEnv: {
                POSTGRES_PASSWORD: { secret: "postgres", value: (p) => p },
                [ROLE_PASSWORD_ENV.app]: { secret: "postgresApp", value: (p) => p },
                [ROLE_PASSWORD_ENV.monitor]: { secret: "postgresMonitor", value: (p) => p },
            },
            secretValues: replication,
            command: postgresCommand(),
            uploads: [...configFiles, upload(PG_INIT_PATH, args.initScript, { executable: true })],
            volumes: [{ volume: this.volume, path: PG_DATA }],
            healthcheck: health(' -U "$POSTGRES_USER" -d "$POSTGRES_DB"'),
            waitHealthy: true,
            readOnlyRoot: { tmpfs: WRITABLE_PATHS.postgres },
        }));

        this.replicaVolumes = [];
        this.replicas = replicaHosts.map((host) => {
            const data = volume(this, `${name}-${host}-data`, scope, `${host}-data`, "postgres");
            this.replicaVolumes.push(data);
            return container(
                this,
                `${name}-${host}`,
                scope,
                withUploadVolumes(this, `${name}-${host}`, scope, {
                    part: host,
                    component: "postgres",
                    image: ref,
                    aliases: [host],
                    env: { PGDATA: PG_DATA },
                    secretValues: { PGPASSWORD: requireField(this.replicationPassword, scope.app, "data.postgres.readReplicas").result },
                    // Runs as the image's postgres user: pg_basebackup must write the data directory as its owner.
                    user: "postgres",
                    command: ["bash", PG_REPLICA_SCRIPT_PATH],
                    uploads: [...configFiles, upload(PG_REPLICA_SCRIPT_PATH, postgresReplicaScript(host), { executable: true })],
                    volumes: [{ volume: data, path: PG_DATA }],
                    healthcheck: health(""),
                    waitHealthy: true,
                    readOnlyRoot: { tmpfs: WRITABLE_PATHS.postgres },
                }),
                [this.primary],
            );
        });
        this.registerOutputs({});
    }
}

export const postgres: DockerDataService = {
    kind: "postgres",
    part: "postgres",
    create: (name, scope, rb, opts) => new Postgres(name, { scope, ...postgresArgs(rb) }, opts),
};

/** PostgreSQL's Args from the runbook; fails naming `data.postgres` when it is absent. */
function postgresArgs(rb: Runbook): Omit<PostgresArgs, "scope"> {
    const postgres = requireField(rb.data.postgres, rb.app, "data.postgres");
    return { postgres, image: dataImage(rb, "postgres"), replicaHosts: postgresReplicas(rb), initScript: postgresInitScript(rb) };
}
