import type { Runbook } from "../../runbooks";
import { mongodArgs } from "../datastores";
import { serviceHost, type Names } from "./names";

/**
 * MongoDB as a StatefulSet replica set: `data.mongodb.replicaSetMembers` pods running mongod with
 * the shared flags (replica set, the runbook's oplog size, auth, keyfile).
 */

type Mongo = NonNullable<Runbook["data"]["mongodb"]>;

export const MONGO_PORT = 27017;
export const MONGO_EXPORTER_PORT = 9216;
export const MONGO_ROOT_USER = "root";
/** mongodArgs reads the keyfile here; an init container copies it from the Secret with mode 0400. */
export const MONGO_KEYFILE_DIR = "/etc/mongo";
export const MONGO_DATA = "/data/db";

function requireMongo(rb: Runbook): Mongo {
    if (!rb.data.mongodb) throw new Error(`${rb.app}: \`data.mongodb\` is required for MongoDB`);
    return rb.data.mongodb;
}

export function replicaSetName(n: Names): string {
    return n.mongodb;
}

export function mongoHeadless(n: Names): string {
    return `${n.mongodb}-headless`;
}

/** `host:port` of every member, in ordinal order. */
export function mongoMembers(rb: Runbook, n: Names): string[] {
    const mongo = requireMongo(rb);
    return Array.from({ length: mongo.replicaSetMembers }, (_, i) => `${n.mongodb}-${i}.${serviceHost(mongoHeadless(n), n.namespace)}:${MONGO_PORT}`);
}

/** mongod's command line: the shared flags for the runbook's replica set. */
export function mongodCommand(rb: Runbook, n: Names): string[] {
    return mongodArgs(requireMongo(rb), replicaSetName(n));
}

/**
 * Connection string over every member. With `database` it is the app's (its own user, given by
 * the caller, readWrite on that database); without, root's over every database (the backup's
 * oplog dump).
 */
export function mongoUri(rb: Runbook, n: Names, password: string, database?: string, user: string = MONGO_ROOT_USER): string {
    const hosts = mongoMembers(rb, n).join(",");
    const query = database ? `authSource=admin&replicaSet=${replicaSetName(n)}` : "authSource=admin";
    return `mongodb://${user}:${encodeURIComponent(password)}@${hosts}/${database ?? ""}?${query}`;
}

/** The Secret of the app's and the monitoring user's passwords (read by the users Job) and the exporter's URI (read by the exporter sidecar). */
export function mongoUsersSecret(n: Names): string {
    return `${n.mongodb}-users`;
}

export const MONGO_USERS_KEYS = { app: "appPassword", monitor: "monitorPassword", exporterUri: "exporterUri" } as const;
