import test from "ava";
import vm from "node:vm";
import { documentDbUsers, documentDbUsersContainers, DOCUMENTDB_USERS_CONTAINER } from "../../capabilities/aws/documentdb-users";
import { dockerMongoUsers, mongoUsersCommand } from "../../capabilities/docker/mongodb";
import { k8sMongoUsers, mongoUsersJobSpec } from "../../capabilities/kubernetes/mongodb-users";
import { MONGO_USER_ENV, mongoUserRoles, mongoUsers, mongoUsersScript, type MongoRole } from "../../capabilities/mongodb-users";
import { getRunbook } from "../../runbooks";
import { names } from "../../capabilities/kubernetes/names";

/**
 * The MongoDB users step (issue 15). No mongod or mongosh can be installed here (Debian packages
 * neither, and no npm installs are allowed), so the generated mongosh JavaScript is tested at the
 * nearest boundary: compiled by V8 and run against a stand-in of the three shell calls it makes
 * (`auth`, `getUser`, `createUser`/`updateUser` on the admin database), which keeps users and their
 * roles and refuses what mongod refuses (user commands before login, creating a user twice). What
 * the stand-in cannot show: mongod's own role checks and DocumentDB's dialect.
 */

const rb = getRunbook("personal-finance-hub");
const mongo = rb.data.mongodb!;

interface User {
    pwd: string;
    roles: MongoRole[];
}

/** The admin database as mongosh shows it, with root able to log in. */
function standIn(root: { user: string; pwd: string }) {
    const users = new Map<string, User>([[root.user, { pwd: root.pwd, roles: [{ role: "root", db: "admin" }] }]]);
    let authed = false;
    const printed: string[] = [];
    const needAuth = () => {
        if (!authed) throw new Error("command requires authentication");
    };
    const admin = {
        auth(user: string, pwd: string) {
            if (users.get(user)?.pwd !== pwd) throw new Error("Authentication failed.");
            authed = true;
            return { ok: 1 };
        },
        getUser(name: string) {
            needAuth();
            const u = users.get(name);
            return u ? { user: name, db: "admin", roles: u.roles.map((r) => ({ ...r })) } : null;
        },
        createUser(spec: { user: string; pwd: string; roles: MongoRole[] }) {
            needAuth();
            if (users.has(spec.user)) throw new Error(`User "${spec.user}@admin" already exists`);
            users.set(spec.user, { pwd: spec.pwd, roles: spec.roles.map((r) => ({ ...r })) });
        },
        updateUser(name: string, update: { pwd?: string; roles?: MongoRole[] }) {
            needAuth();
            const u = users.get(name);
            if (!u) throw new Error(`Could not find user "${name}@admin"`);
            if (update.pwd) u.pwd = update.pwd;
            if (update.roles) u.roles = update.roles.map((r) => ({ ...r }));
        },
    };
    const db = { getSiblingDB: (name: string) => (name === "admin" ? admin : assertNever(name)) };
    return { users, printed, run: (script: string, env: Record<string, string>) => vm.runInNewContext(script, { db, process: { env }, print: (s: string) => printed.push(s), JSON }) };
}

function assertNever(name: string): never {
    throw new Error(`the script used database ${name}; users live in admin`);
}

const ROOT = { user: "root", pwd: "root-pw" };
const env = (over: Record<string, string> = {}) => ({
    [MONGO_USER_ENV.adminUser]: ROOT.user,
    [MONGO_USER_ENV.adminPassword]: ROOT.pwd,
    [MONGO_USER_ENV.app]: "app-pw-1",
    [MONGO_USER_ENV.monitor]: "monitor-pw-1",
    ...over,
});

test("the script creates both users with exactly their roles, then converges on a second run: new passwords, a hand-granted role taken away", (t) => {
    const users = dockerMongoUsers(rb);
    const script = mongoUsersScript(users, mongo, "mongodb");
    const s = standIn(ROOT);
    s.run(script, env());
    const roles = mongoUserRoles(mongo, "mongodb");
    t.deepEqual(s.users.get(users.app), { pwd: "app-pw-1", roles: roles.app });
    t.deepEqual(s.users.get(users.monitor), { pwd: "monitor-pw-1", roles: roles.monitor });
    t.deepEqual(roles.app, [{ role: "readWrite", db: mongo.database }]);
    t.deepEqual(roles.monitor, [{ role: "clusterMonitor", db: "admin" }, { role: "read", db: "local" }]);
    t.deepEqual(s.printed, [`created ${users.app}`, `created ${users.monitor}`]);

    s.users.get(users.app)!.roles.push({ role: "dbAdminAnyDatabase", db: "admin" });
    s.run(script, env({ [MONGO_USER_ENV.app]: "app-pw-2" }));
    t.deepEqual(s.users.get(users.app), { pwd: "app-pw-2", roles: roles.app });
    t.deepEqual(s.users.get(users.monitor), { pwd: "monitor-pw-1", roles: roles.monitor });
    t.deepEqual(s.printed.slice(2), [`updated ${users.app}`, `updated ${users.monitor}`]);
    t.is(s.users.get(ROOT.user)!.pwd, ROOT.pwd, "root is left as it is");
});

test("the script fails, before any change, without a password or with a wrong administrator password; no password is in its text", (t) => {
    const users = dockerMongoUsers(rb);
    const script = mongoUsersScript(users, mongo, "mongodb");
    for (const v of [MONGO_USER_ENV.adminPassword, MONGO_USER_ENV.app, MONGO_USER_ENV.monitor]) {
        const s = standIn(ROOT);
        const e = env();
        delete e[v];
        t.throws(() => s.run(script, e), { message: new RegExp(`${v} is required`) }, v);
        if (v !== MONGO_USER_ENV.monitor) t.is(s.users.size, 1, `nothing created without ${v}`);
    }
    const s = standIn(ROOT);
    t.throws(() => s.run(script, env({ [MONGO_USER_ENV.adminPassword]: "wrong" })), { message: /Authentication failed/ });
    t.is(s.users.size, 1);
    t.false(/pw-1|root-pw/.test(script));
});

test("DocumentDB's monitoring user has clusterMonitor only (DocumentDB has no local database); its admin is the cluster's master user", (t) => {
    const users = documentDbUsers(rb);
    const s = standIn({ user: users.admin, pwd: ROOT.pwd });
    s.run(mongoUsersScript(users, mongo, "documentdb"), env({ [MONGO_USER_ENV.adminUser]: users.admin }));
    t.deepEqual(s.users.get(users.monitor)!.roles, [{ role: "clusterMonitor", db: "admin" }]);
    t.deepEqual(s.users.get(users.app)!.roles, [{ role: "readWrite", db: mongo.database }]);
});

test("each target runs the same script: the Docker step's command, the Kubernetes Job's and the ECS task's mongosh --eval", (t) => {
    t.deepEqual(mongoUsersCommand(rb).slice(0, 2), ["mongosh", "--quiet"]);
    t.true(mongoUsersCommand(rb)[2].includes(`/admin?replicaSet=`), "the Docker step connects to the set, so it writes on the primary");

    const job = mongoUsersJobSpec(rb, names(rb.app, rb.app), "digest");
    const c = (job.template as any).spec.containers[0];
    t.is(c.command[0], "mongosh");
    t.is(c.command[c.command.length - 2], "--eval");
    const kjs = standIn(ROOT);
    kjs.run(c.command[c.command.length - 1], env());
    t.deepEqual([...kjs.users.keys()].sort(), [ROOT.user, k8sMongoUsers(rb).app, k8sMongoUsers(rb).monitor].sort());
    t.deepEqual(
        c.env.map((e: any) => e.name).filter((n: string) => n.startsWith("MONGO_")),
        Object.values(MONGO_USER_ENV),
        "the Job gives the script every variable it reads",
    );

    const defs = documentDbUsersContainers(rb, { image: "mongo:7", logGroup: "g", region: "us-east-1", host: "docdb.example", port: 27017, admin: "arn:admin", app: "arn:app", monitor: "arn:monitor" });
    const task = defs.find((d) => d.name === DOCUMENTDB_USERS_CONTAINER)!;
    const users = documentDbUsers(rb);
    const ecs = standIn({ user: users.admin, pwd: ROOT.pwd });
    ecs.run(task.command![task.command!.length - 1], env({ [MONGO_USER_ENV.adminUser]: users.admin }));
    t.deepEqual(ecs.users.get(users.monitor)!.roles, [{ role: "clusterMonitor", db: "admin" }]);
    t.true(task.command![2].includes("tls=true") && task.command![2].includes("retryWrites=false"));
    t.deepEqual(task.secrets!.map((x) => x.valueFrom), ["arn:admin:password::", "arn:app:password::", "arn:monitor:password::"]);
});

test("user names: from the app id, never the administrator's; a system database is refused, naming the field", (t) => {
    t.deepEqual(mongoUsers("personal-finance-hub", mongo, "root"), { admin: "root", app: "personal_finance_hub_app", monitor: "personal_finance_hub_monitor" });
    t.throws(() => mongoUsers("shop", { database: "admin" }, "root"), { message: /shop: data\.mongodb\.database = "admin" is one of MongoDB's own databases/ });
    t.throws(() => mongoUsers("shop", { database: "shop" }, "shop_app"), { message: /app user "shop_app" is the administrator's name/ });
    t.throws(() => mongoUsers("9shop", { database: "shop" }, "root"), { message: /must start with a letter/ });
});
