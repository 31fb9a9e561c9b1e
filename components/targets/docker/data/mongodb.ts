import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { dataImage } from "../../../../capabilities/docker/versions";
import {
    MONGO_DATA,
    MONGO_INIT_SCRIPT_PATH,
    MONGO_KEYFILE_PATH,
    MONGO_ROOT_USER,
    MONGO_UID,
    MONGO_USERS_SCRIPT_PATH,
    checkMongo,
    dockerMongoUsers,
    mongoHealthcheckCommand,
    mongodCommand,
    mongoUsersCommand,
    replicaSetInitCommand,
    replicaSetInitScript,
} from "../../../../capabilities/docker/mongodb";
import { MONGO_USER_ENV, mongoUsersScript } from "../../../../capabilities/mongodb-users";
import { mongoMembers } from "../../../../capabilities/docker/topology";
import type { Runbook } from "../../../../runbooks";
import { WRITABLE_PATHS } from "../../../../capabilities/docker/writable";
import { container, upload, volume, withUploadVolumes, type DockerScope } from "../scope";
import { DATA_HEALTHCHECK, type DockerDataService } from "./kind";

export interface MongoReplicaSetArgs {
    /** The Docker target's shared scope: stack, app id, provider, network, pulled images, generated passwords (`mongodb`, `mongodbApp`, `mongodbMonitor`). */
    readonly scope: DockerScope;
    /** The pinned image of `data.mongodb.version` (`dataImage`). */
    readonly image: string;
    /** The members' host names, one per `data.mongodb.replicaSetMembers` (`mongoMembers`). */
    readonly members: readonly string[];
    /** Every member's mongod command line: replica set name, key file, `data.mongodb.oplogSizeMB` (`mongodCommand`). */
    readonly mongodCommand: readonly string[];
    /** The one-shot job initiating the set: its command and script (`replicaSetInitCommand`, `replicaSetInitScript`). */
    readonly init: { readonly command: readonly string[]; readonly script: string };
    /** The one-shot job creating the app's and the exporters' users as root: the admin user name, its command and script (`dockerMongoUsers`, `mongoUsersCommand`, `mongoUsersScript`). */
    readonly users: { readonly admin: string; readonly command: readonly string[]; readonly script: string };
}

/**
 * A MongoDB replica set of `data.mongodb.replicaSetMembers` members that authenticate to each
 * other with a generated key file; member 1 creates the root user on its first start, a
 * one-shot job initiates the set once all members answer, and a second one creates or updates the
 * app's and the exporters' users (`capabilities/mongodb-users.ts`) as root. It runs again whenever
 * their passwords change (its environment does), and only it, the members and the backups use root.
 */
export class MongoReplicaSet extends pulumi.ComponentResource {
    /** The members' shared key file content (base64 alphabet, as mongod requires). */
    public readonly keyFile: random.RandomPassword;
    public readonly volumes: docker.Volume[];
    public readonly members: docker.Container[];
    public readonly init: docker.Container;
    /** The one-shot step that creates the app's and the monitoring user. */
    public readonly users: docker.Container;

    constructor(name: string, args: MongoReplicaSetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:docker:MongoReplicaSet", name, {}, opts);
        const { scope, image: ref } = args;
        this.keyFile = new random.RandomPassword(`${name}-keyfile`, { length: 756, special: false }, { parent: this });
        const keyFile = upload(MONGO_KEYFILE_PATH, pulumi.secret(this.keyFile.result), { owner: MONGO_UID, permissions: "0400" });
        this.volumes = [];
        this.members = args.members.map((host, i) => {
            const data = volume(this, `${name}-${host}-data`, scope, `${host}-data`, "mongodb");
            this.volumes.push(data);
            // Only member 1 creates the root user: a member that already holds data cannot join a set.
            const first = i === 0;
            // Read-only root: the key file on a volume of its own, tmpfs where mongod and mongosh write (capabilities/docker/writable.ts).
            return container(this, `${name}-${host}`, scope, withUploadVolumes(this, `${name}-${host}`, scope, {
                part: host,
                component: "mongodb",
                image: ref,
                aliases: [host],
                env: first ? { MONGO_INITDB_ROOT_USERNAME: MONGO_ROOT_USER } : {},
                secretEnv: first ? { MONGO_INITDB_ROOT_PASSWORD: { secret: "mongodb", value: (p) => p } } : {},
                command: args.mongodCommand,
                uploads: [keyFile],
                secretUploads: true,
                volumes: [{ volume: data, path: MONGO_DATA }],
                healthcheck: { tests: mongoHealthcheckCommand(), ...DATA_HEALTHCHECK },
                waitHealthy: true,
                readOnlyRoot: { tmpfs: WRITABLE_PATHS.mongodb },
            }));
        });
        // The one-shot steps' mongosh (as root) writes ~/.mongodb: read-only roots like the members'.
        this.init = container(
            this,
            `${name}-init`,
            scope,
            withUploadVolumes(this, `${name}-init`, scope, {
                part: "mongo-rs-init",
                component: "mongodb",
                image: ref,
                aliases: ["mongo-rs-init"],
                env: { MONGO_ROOT_USERNAME: MONGO_ROOT_USER },
                secretEnv: { MONGO_ROOT_PASSWORD: { secret: "mongodb", value: (p) => p } },
                command: args.init.command,
                uploads: [upload(MONGO_INIT_SCRIPT_PATH, args.init.script)],
                oneShot: true,
                readOnlyRoot: { tmpfs: WRITABLE_PATHS.mongodb },
            }),
            this.members,
        );
        const { users } = args;
        this.users = container(
            this,
            `${name}-users`,
            scope,
            withUploadVolumes(this, `${name}-users`, scope, {
                part: "mongo-users",
                component: "mongodb",
                image: ref,
                aliases: ["mongo-users"],
                env: { [MONGO_USER_ENV.adminUser]: users.admin },
                secretEnv: {
                    [MONGO_USER_ENV.adminPassword]: { secret: "mongodb", value: (p) => p },
                    [MONGO_USER_ENV.app]: { secret: "mongodbApp", value: (p) => p },
                    [MONGO_USER_ENV.monitor]: { secret: "mongodbMonitor", value: (p) => p },
                },
                command: users.command,
                uploads: [upload(MONGO_USERS_SCRIPT_PATH, users.script)],
                oneShot: true,
                readOnlyRoot: { tmpfs: WRITABLE_PATHS.mongodb },
            }),
            [this.init],
        );
        this.registerOutputs({});
    }
}

export const mongodb: DockerDataService = {
    kind: "mongodb",
    part: "mongodb",
    create: (name, scope, rb, opts) => new MongoReplicaSet(name, { scope, ...mongoArgs(rb) }, opts),
};

/** The replica set's Args from the runbook; checks `data.mongodb` first (`checkMongo`). */
function mongoArgs(rb: Runbook): Omit<MongoReplicaSetArgs, "scope"> {
    const mongo = checkMongo(rb);
    const users = dockerMongoUsers(rb);
    return {
        image: dataImage(rb, "mongodb"),
        members: mongoMembers(rb),
        mongodCommand: mongodCommand(rb),
        init: { command: replicaSetInitCommand(rb), script: replicaSetInitScript(rb) },
        users: { admin: users.admin, command: mongoUsersCommand(rb), script: mongoUsersScript(users, mongo, "mongodb") },
    };
}
