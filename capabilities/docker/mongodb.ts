import type { Runbook } from "../../runbooks";
import { mongodArgs } from "../datastores";
import { mongoUsers, type MongoUsers } from "../mongodb-users";
import { INTERNAL_PORTS, mongoMembers, replicaSetName } from "./topology";

/**
 * A MongoDB replica set in containers: `replicaSetMembers` mongod containers started with the
 * shared `mongodArgs` (auth on, members authenticate with a generated key file), the root user
 * created by the image on member 1 only (a member that already has data cannot be added to a
 * set), and a one-shot container that runs `rs.initiate` once every member answers.
 */

type Mongo = NonNullable<Runbook["data"]["mongodb"]>;

/** Where `mongodArgs` expects the key file. */
export const MONGO_KEYFILE_PATH = "/etc/mongo/keyfile";
export const MONGO_INIT_SCRIPT_PATH = "/opt/platform/rs-init.js";
export const MONGO_USERS_SCRIPT_PATH = "/opt/platform/users.js";
export const MONGO_DATA = "/data/db";
/** The official image's `mongodb` user and group. */
export const MONGO_UID = "999";
export const MONGO_ROOT_USER = "root";

export function checkMongo(runbook: Runbook): Mongo {
    const mongo = runbook.data.mongodb;
    if (!mongo) throw new Error(`${runbook.app}: \`data.mongodb\` is required for MongoDB`);
    return mongo;
}

export function mongodCommand(runbook: Runbook): string[] {
    return ["mongod", ...mongodArgs(checkMongo(runbook), replicaSetName(runbook))];
}

/** The replica set configuration: member 1 is preferred as primary, so the port published for it usually reaches the primary. */
export function replicaSetConfig(runbook: Runbook): { _id: string; members: { _id: number; host: string; priority: number }[] } {
    checkMongo(runbook);
    return {
        _id: replicaSetName(runbook),
        members: mongoMembers(runbook).map((host, i) => ({ _id: i, host: `${host}:${INTERNAL_PORTS.mongodb}`, priority: i === 0 ? 2 : 1 })),
    };
}

/**
 * mongosh script of the init container (connected to member 1 without credentials): logs in as
 * root with the password from the environment, initiates the set unless it already is, and waits
 * for a primary. It exits non-zero on any failure, so the container's restart policy retries it
 * until every member is up.
 */
export function replicaSetInitScript(runbook: Runbook): string {
    const config = JSON.stringify(replicaSetConfig(runbook));
    return [
        "// Rendered by capabilities/docker/mongodb.ts.",
        'const admin = db.getSiblingDB("admin");',
        "admin.auth(process.env.MONGO_ROOT_USERNAME, process.env.MONGO_ROOT_PASSWORD);",
        "let initiated = true;",
        "try {",
        "  rs.status();",
        "} catch (e) {",
        '  if (e.codeName !== "NotYetInitialized") throw e;',
        "  initiated = false;",
        "}",
        `if (!initiated) {`,
        `  const result = rs.initiate(${config});`,
        '  if (result.ok !== 1) throw new Error("rs.initiate failed: " + JSON.stringify(result));',
        "}",
        "for (let i = 0; i < 60; i++) {",
        "  if (admin.runCommand({ hello: 1 }).isWritablePrimary || rs.status().members.some((m) => m.stateStr === \"PRIMARY\")) {",
        `    print("replica set ${replicaSetName(runbook)} has a primary");`,
        "    quit(0);",
        "  }",
        "  sleep(2000);",
        "}",
        'throw new Error("no primary elected within two minutes");',
        "",
    ].join("\n");
}

/** The init container's command: a URI without credentials (they come from the environment inside the script). */
export function replicaSetInitCommand(runbook: Runbook): string[] {
    const first = mongoMembers(runbook)[0];
    return ["mongosh", "--quiet", `mongodb://${first}:${INTERNAL_PORTS.mongodb}/admin?directConnection=true`, "--file", MONGO_INIT_SCRIPT_PATH];
}

export function mongoHealthcheckCommand(): string[] {
    return ["CMD-SHELL", `mongosh --quiet --port ${INTERNAL_PORTS.mongodb} --eval "db.adminCommand('ping').ok" | grep -q 1`];
}

/** The app's, the exporters' and the administrator's (root) MongoDB logins on Docker. */
export function dockerMongoUsers(runbook: Runbook): MongoUsers {
    return mongoUsers(runbook.app, checkMongo(runbook), MONGO_ROOT_USER);
}

/** The users step's command: the whole set (it writes on the primary); the credentials come from the environment inside the script. */
export function mongoUsersCommand(runbook: Runbook): string[] {
    const hosts = mongoMembers(runbook)
        .map((h) => `${h}:${INTERNAL_PORTS.mongodb}`)
        .join(",");
    return ["mongosh", "--quiet", `mongodb://${hosts}/admin?replicaSet=${replicaSetName(runbook)}`, "--file", MONGO_USERS_SCRIPT_PATH];
}

/**
 * The replica set URI: `database` in the path, authentication against admin. The app uses it with
 * its own user (`dockerMongoUsers(...).app`); the backup job with root, for every database.
 */
export function mongoUri(runbook: Runbook, password: string, options: { database?: string; user?: string } = {}): string {
    const hosts = mongoMembers(runbook)
        .map((h) => `${h}:${INTERNAL_PORTS.mongodb}`)
        .join(",");
    const db = options.database ?? "";
    return `mongodb://${options.user ?? MONGO_ROOT_USER}:${encodeURIComponent(password)}@${hosts}/${db}?replicaSet=${replicaSetName(runbook)}&authSource=admin`;
}

/** One member, directly, as the monitoring user (exporters watch members one by one). */
export function mongoMemberUri(runbook: Runbook, member: string, password: string): string {
    return `mongodb://${dockerMongoUsers(runbook).monitor}:${encodeURIComponent(password)}@${member}:${INTERNAL_PORTS.mongodb}/admin?directConnection=true`;
}
