import { requireField, type Runbook } from "../../runbooks";
import { MONGO_USER_ENV, mongoUsers, mongoUsersScript, type MongoUsers } from "../mongodb-users";
import { awslogs, CA_CONTAINER, CA_DIR, CA_FILE, CA_VOLUME, caBundleContainer, secretKey, type ContainerDefinition, type DataUsersTaskArgs } from "./containers";
import { documentDbUser } from "./documentdb";

/**
 * The one-off ECS task that creates or updates the app's and the exporters' DocumentDB users
 * (`capabilities/mongodb-users.ts`) as the master user, over TLS verified against the RDS CA. It
 * is idempotent. With the PostgreSQL roles task it is the only task that references the master's
 * secret; no service runs it.
 */

/** The DocumentDB master user and the app's and the monitoring user. */
export function documentDbUsers(rb: Runbook): MongoUsers {
    const mongo = requireField(rb.data.mongodb, rb.app, "data.mongodb");
    return mongoUsers(rb.app, mongo, documentDbUser(rb.app));
}

export type DocumentDbUsersTaskArgs = DataUsersTaskArgs;

export const DOCUMENTDB_USERS_CONTAINER = "documentdb-users";

/** The users container after the CA bundle: mongosh with TLS (DocumentDB requires it), no retryable writes (DocumentDB has none). */
export function documentDbUsersContainers(rb: Runbook, a: DocumentDbUsersTaskArgs): ContainerDefinition[] {
    const mongo = requireField(rb.data.mongodb, rb.app, "data.mongodb");
    const users = documentDbUsers(rb);
    const uri = `mongodb://${a.host}:${a.port}/admin?tls=true&tlsCAFile=${CA_FILE}&replicaSet=rs0&retryWrites=false`;
    return [
        caBundleContainer(a.logGroup, a.region),
        {
            name: DOCUMENTDB_USERS_CONTAINER,
            image: a.image,
            essential: true,
            command: ["mongosh", "--quiet", uri, "--eval", mongoUsersScript(users, mongo, "documentdb")],
            environment: [{ name: MONGO_USER_ENV.adminUser, value: users.admin }],
            secrets: [
                { name: MONGO_USER_ENV.adminPassword, valueFrom: secretKey(a.admin, "password") },
                { name: MONGO_USER_ENV.app, valueFrom: secretKey(a.app, "password") },
                { name: MONGO_USER_ENV.monitor, valueFrom: secretKey(a.monitor, "password") },
            ],
            mountPoints: [{ sourceVolume: CA_VOLUME, containerPath: CA_DIR, readOnly: true }],
            dependsOn: [{ containerName: CA_CONTAINER, condition: "SUCCESS" }],
            logConfiguration: awslogs(a.logGroup, a.region, DOCUMENTDB_USERS_CONTAINER),
        },
    ];
}
