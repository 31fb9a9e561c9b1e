import type { Runbook } from "../runbooks";

/**
 * Who logs in to the app's MongoDB, on every target. The administrator (the image's root user on
 * Docker and Kubernetes, the DocumentDB master user on AWS) is used only by the members, the users
 * step and the backups. The app logs in as its own user with `readWrite` on its database and
 * nothing else; the exporters as a monitoring user with `clusterMonitor` (server, replica set and
 * oplog statistics) and, on MongoDB, `read` on `local` (the oplog window), which reads none of the
 * app's data. DocumentDB has no `local` database: there the monitoring user has `clusterMonitor`
 * only (DocumentDB's built-in roles include `clusterMonitor`, `read` and `readWrite`).
 */

type Mongo = NonNullable<Runbook["data"]["mongodb"]>;

export interface MongoUsers {
    /** The administrator: root on Docker and Kubernetes, the DocumentDB master user on AWS. */
    readonly admin: string;
    /** The app's login: `readWrite` on `data.mongodb.database`. */
    readonly app: string;
    /** The exporters' login: `clusterMonitor` (and `read` on `local` on MongoDB). */
    readonly monitor: string;
}

/** Databases MongoDB keeps for itself: a `readWrite` there is administration, not the app's data. */
const SYSTEM_DATABASES = ["admin", "local", "config"];
/** DocumentDB's limit on a user name (and a sane one for MongoDB, whose own limit is larger). */
const MAX_USER = 63;

/**
 * The three logins of the app's MongoDB. `admin` is the target's administrator. The app's and the
 * monitoring user's names come from the app id (letters, digits and `_`, which every client puts in
 * a URI unescaped and DocumentDB accepts).
 */
export function mongoUsers(app: string, mongo: Pick<Mongo, "database">, admin: string): MongoUsers {
    if (SYSTEM_DATABASES.includes(mongo.database)) {
        throw new Error(`${app}: data.mongodb.database = ${JSON.stringify(mongo.database)} is one of MongoDB's own databases (${SYSTEM_DATABASES.join(", ")}); the app needs a database of its own`);
    }
    const base = app.replace(/[^A-Za-z0-9]+/g, "_");
    const users = { admin, app: `${base}_app`, monitor: `${base}_monitor` };
    for (const which of ["app", "monitor"] as const) {
        const name = users[which];
        if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name) || name.length > MAX_USER) {
            throw new Error(`${app}: the app id gives the MongoDB ${which} user ${JSON.stringify(name)}; a user name must start with a letter, use letters, digits and _, at most ${MAX_USER} characters`);
        }
        if (name === admin) throw new Error(`${app}: the MongoDB ${which} user ${JSON.stringify(name)} is the administrator's name; the app and the exporters need logins of their own`);
    }
    return users;
}

/** Environment variables the users script reads the credentials from (never part of the script text). */
export const MONGO_USER_ENV = {
    adminUser: "MONGO_ADMIN_USERNAME",
    adminPassword: "MONGO_ADMIN_PASSWORD",
    app: "MONGO_APP_PASSWORD",
    monitor: "MONGO_MONITOR_PASSWORD",
} as const;

export interface MongoRole {
    readonly role: string;
    readonly db: string;
}

/** The roles each user is given, exactly (the script replaces whatever roles a user had). */
export function mongoUserRoles(mongo: Pick<Mongo, "database">, engine: "mongodb" | "documentdb"): { app: MongoRole[]; monitor: MongoRole[] } {
    return {
        app: [{ role: "readWrite", db: mongo.database }],
        monitor: [{ role: "clusterMonitor", db: "admin" }, ...(engine === "mongodb" ? [{ role: "read", db: "local" }] : [])],
    };
}

/**
 * The mongosh script that creates or updates both users, connected to the replica set's primary
 * (or DocumentDB's cluster endpoint). It logs in as the administrator from `MONGO_USER_ENV`, then
 * for each user: `createUser` when absent, otherwise `updateUser` with the password and exactly
 * these roles, so a role granted by hand is taken away again. It is idempotent and runs on every
 * deploy that changes a password; it throws (mongosh exits non-zero) on a missing password or a
 * failed command.
 */
export function mongoUsersScript(users: MongoUsers, mongo: Pick<Mongo, "database">, engine: "mongodb" | "documentdb"): string {
    const roles = mongoUserRoles(mongo, engine);
    const spec = [
        { user: users.app, passwordEnv: MONGO_USER_ENV.app, roles: roles.app },
        { user: users.monitor, passwordEnv: MONGO_USER_ENV.monitor, roles: roles.monitor },
    ];
    return [
        "// Rendered by capabilities/mongodb-users.ts.",
        "const env = (name) => {",
        "  const value = process.env[name];",
        '  if (!value) throw new Error(name + " is required");',
        "  return value;",
        "};",
        'const admin = db.getSiblingDB("admin");',
        `const login = admin.auth(env(${JSON.stringify(MONGO_USER_ENV.adminUser)}), env(${JSON.stringify(MONGO_USER_ENV.adminPassword)}));`,
        'if (login !== true && !(login && login.ok === 1)) throw new Error("the administrator could not log in: " + JSON.stringify(login));',
        `const users = ${JSON.stringify(spec)};`,
        "for (const u of users) {",
        "  const pwd = env(u.passwordEnv);",
        "  if (admin.getUser(u.user)) {",
        "    admin.updateUser(u.user, { pwd, roles: u.roles });",
        '    print("updated " + u.user);',
        "  } else {",
        "    admin.createUser({ user: u.user, pwd, roles: u.roles });",
        '    print("created " + u.user);',
        "  }",
        "}",
        "",
    ].join("\n");
}
