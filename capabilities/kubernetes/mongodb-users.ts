import { createHash } from "crypto";
import type * as k8s from "@pulumi/kubernetes";
import { requireField, type Runbook } from "../../runbooks";
import { MONGO_USER_ENV, mongoUsers, mongoUsersScript, type MongoUsers } from "../mongodb-users";
import { sidecarResources } from "./data-pods";
import { MONGO_PORT, MONGO_ROOT_USER, MONGO_USERS_KEYS, mongoMembers, mongoUsersSecret, replicaSetName } from "./mongodb";
import { MONGO_AUTH_KEYS, mongoAuthSecret } from "./mongodb-statefulset";
import { DATA_ACCESS_LABELS, LABEL, type Names } from "./names";
import { hardened, IMAGE_UID, podSecurity } from "./security";
import { dataImage } from "./versions";

/**
 * The app's and the exporters' MongoDB users on Kubernetes (`capabilities/mongodb-users.ts`): a
 * Secret with their passwords and the exporter's connection string, and a Job that creates or
 * updates both users as root once the replica set has a primary. Only the members, this Job and
 * the backup job read root's password.
 */

type JobSpec = k8s.types.input.batch.v1.JobSpec;

/** The app's, the exporters' and root's logins on Kubernetes. */
export function k8sMongoUsers(rb: Runbook): MongoUsers {
    return mongoUsers(rb.app, requireField(rb.data.mongodb, rb.app, "data.mongodb"), MONGO_ROOT_USER);
}

export function mongoUsersJob(n: Names): string {
    return `${n.mongodb}-users`;
}

/** The exporter talks to its own member only (`directConnection`), as the monitoring user. */
export function mongoMonitorUri(rb: Runbook, password: string): string {
    return `mongodb://${k8sMongoUsers(rb).monitor}:${encodeURIComponent(password)}@127.0.0.1:${MONGO_PORT}/admin?directConnection=true`;
}

/**
 * A digest of the users' passwords for the Job's pod template: a new password changes the
 * template, so the Job is replaced and runs again. SHA-256 of two 40-character random passwords
 * reveals neither.
 */
export function credentialsDigest(app: string, monitor: string): string {
    return createHash("sha256").update(`${app}\n${monitor}`).digest("hex");
}

export const CREDENTIALS_DIGEST_ANNOTATION = "platform.runbook/credentials-digest";

/**
 * The users Job: mongosh against the whole set (it writes on the primary; the driver waits for
 * one), the script inline, root's password from the members' Secret and the users' from theirs.
 * It retries while the set is forming.
 */
export function mongoUsersJobSpec(rb: Runbook, n: Names, digest: string): JobSpec {
    const mongo = requireField(rb.data.mongodb, rb.app, "data.mongodb");
    const users = k8sMongoUsers(rb);
    const uri = `mongodb://${mongoMembers(rb, n).join(",")}/admin?replicaSet=${replicaSetName(n)}`;
    const fromSecret = (name: string, secret: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });
    return {
        backoffLimit: 10,
        template: {
            metadata: { labels: { [LABEL.partOf]: n.app, [LABEL.name]: mongoUsersJob(n), ...DATA_ACCESS_LABELS }, annotations: { [CREDENTIALS_DIGEST_ANNOTATION]: digest } },
            spec: {
                restartPolicy: "OnFailure",
                securityContext: podSecurity(IMAGE_UID.mongodb),
                automountServiceAccountToken: false,
                containers: [
                    hardened({
                        name: "users",
                        image: dataImage(rb, "mongodb"),
                        command: ["mongosh", "--quiet", uri, "--eval", mongoUsersScript(users, mongo, "mongodb")],
                        // It writes only under HOME, the /tmp emptyDir below.
                        securityContext: { readOnlyRootFilesystem: true },
                        env: [
                            { name: MONGO_USER_ENV.adminUser, value: users.admin },
                            fromSecret(MONGO_USER_ENV.adminPassword, mongoAuthSecret(n), MONGO_AUTH_KEYS.password),
                            fromSecret(MONGO_USER_ENV.app, mongoUsersSecret(n), MONGO_USERS_KEYS.app),
                            fromSecret(MONGO_USER_ENV.monitor, mongoUsersSecret(n), MONGO_USERS_KEYS.monitor),
                            // mongosh keeps its history and logs under HOME; the root filesystem is read-only.
                            { name: "HOME", value: "/tmp" },
                        ],
                        resources: sidecarResources(),
                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                    }),
                ],
                volumes: [{ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } }],
            },
        },
    };
}
