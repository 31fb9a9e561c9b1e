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
 * Connection string of the root user over every member. `database` names the app's database (for
 * the app); without it the URI covers every database (for the backup's oplog dump).
 */
export function mongoUri(rb: Runbook, n: Names, password: string, database?: string): string {
    const hosts = mongoMembers(rb, n).join(",");
    const query = database ? `authSource=admin&replicaSet=${replicaSetName(n)}` : "authSource=admin";
    return `mongodb://${MONGO_ROOT_USER}:${encodeURIComponent(password)}@${hosts}/${database ?? ""}?${query}`;
}

/** The exporter talks to its own member only (`directConnection`), so each member is watched. */
export function mongoExporterUri(password: string): string {
    return `mongodb://${MONGO_ROOT_USER}:${encodeURIComponent(password)}@127.0.0.1:${MONGO_PORT}/admin?directConnection=true`;
}
