import test from "ava";
import { documentDbUsers } from "../../capabilities/aws/documentdb-users";
import { dockerMongoUsers, MONGO_ROOT_USER } from "../../capabilities/docker/mongodb";
import { k8sMongoUsers } from "../../capabilities/kubernetes/mongodb-users";
import { mongoLoginsIn } from "../../policies/lib/security";
import { getRunbook } from "../../runbooks";
import { find, type Fake } from "./helpers";
import { compliantAndBroken } from "./security-helpers";

/**
 * The no-master-credentials policies for MongoDB (issue 15): only the database's own containers,
 * the users step and the backups log in as root (DocumentDB's master); apps and exporters use their
 * own users. gravitypm has MongoDB and no PostgreSQL, so the rules must apply for MongoDB alone.
 * User names come from capabilities/mongodb-users.ts, never typed here.
 */

const rb = getRunbook("gravitypm");
const mongo = rb.data.mongodb!;
const local = dockerMongoUsers(rb);

const container = (name: string, component: string, envs: string[]): Fake => ({
    type: "docker:index/container:Container",
    name,
    props: { name, image: "x:1", envs, labels: [{ label: "app", value: rb.app }, { label: "component", value: component }] },
});
const uri = (user: string, db = "") => `mongodb://${user}:pw@mongo-1:27017,mongo-2:27017/${db}?replicaSet=rs&authSource=admin`;

test("docker-container-no-master-credentials: the members, the users step and backups may be root; the app and the exporter are reported", async (t) => {
    const fixture = (): Fake[] => [
        container("mongo-1", "mongodb", [`MONGO_INITDB_ROOT_USERNAME=${MONGO_ROOT_USER}`]),
        container("mongo-users", "mongodb", [`MONGO_ADMIN_USERNAME=${MONGO_ROOT_USER}`]),
        container("backups-mongodb", "backups", [`MONGO_URI=${uri(MONGO_ROOT_USER)}`]),
        container("backend", "backend", [`MONGODB_URI=${uri(local.app, mongo.database)}`]),
        container("mongodb-exporter-1", "mongodb-exporter", [`MONGODB_URI=mongodb://${local.monitor}:pw@mongo-1:27017/admin?directConnection=true`]),
    ];
    await compliantAndBroken(t, "docker-container-no-master-credentials", "gravitypm-local", fixture, {
        "the app as root": { edit: (r) => (find(r, "backend").props.envs[0] = `MONGODB_URI=${uri(MONGO_ROOT_USER, mongo.database)}`), expect: /MONGODB_URI logs in to MongoDB as the administrator root/ },
        "the exporter as root": {
            edit: (r) => (find(r, "mongodb-exporter-1").props.envs[0] = `MONGODB_URI=mongodb://${MONGO_ROOT_USER}:pw@mongo-1:27017/admin`),
            expect: /component mongodb-exporter.*MongoDB as the administrator/,
        },
        "a root user variable in the app": { edit: (r) => find(r, "backend").props.envs.push(`MONGO_USERNAME=${MONGO_ROOT_USER}`), expect: /MONGO_USERNAME logs in to MongoDB/ },
    });
});

const secret = (name: string, component: string, stringData: Record<string, string>): Fake => ({
    type: "kubernetes:core/v1:Secret",
    name,
    props: { metadata: { name, namespace: rb.app, labels: { "app.kubernetes.io/component": component } }, stringData },
});
const deployment = (name: string, component: string, env: unknown[]): Fake => ({
    type: "kubernetes:apps/v1:Deployment",
    name,
    props: { metadata: { name, namespace: rb.app, labels: { "app.kubernetes.io/component": component } }, spec: { template: { spec: { containers: [{ name, image: "x:1", env }] } } } },
});

test("k8s-workload-no-master-credentials: a root MongoDB URI in the app's or the exporter's Secret, or in a workload, is reported; the backup's may", async (t) => {
    const k = k8sMongoUsers(rb);
    const fixture = (): Fake[] => [
        secret("app-env", "app", { MONGODB_URI: uri(k.app, mongo.database) }),
        secret("mongodb-users", "mongodb", { exporterUri: `mongodb://${k.monitor}:pw@127.0.0.1:27017/admin?directConnection=true` }),
        secret("backup-mongodb", "backup", { uri: uri(MONGO_ROOT_USER) }),
        deployment("mongodb-users", "mongodb", [{ name: "MONGO_ADMIN_USERNAME", value: MONGO_ROOT_USER }]),
        deployment("backend", "app", [{ name: "MONGODB_URI", valueFrom: { secretKeyRef: { name: "app-env", key: "MONGODB_URI" } } }]),
    ];
    await compliantAndBroken(t, "k8s-workload-no-master-credentials", "gravitypm-staging", fixture, {
        "the app's URI as root": { edit: (r) => (find(r, "app-env").props.stringData.MONGODB_URI = uri(MONGO_ROOT_USER, mongo.database)), expect: /key MONGODB_URI is a MongoDB connection string as root/ },
        "the exporter's URI as root, base64 in data": {
            edit: (r) => {
                const s = find(r, "mongodb-users").props;
                s.data = { exporterUri: Buffer.from(`mongodb://${MONGO_ROOT_USER}:pw@127.0.0.1:27017/admin`).toString("base64") };
                delete s.stringData;
            },
            expect: /component mongodb\): key exporterUri/,
        },
        "a literal root URI in the app": { edit: (r) => (find(r, "backend").props.spec.template.spec.containers[0].env = [{ name: "MONGODB_URI", value: uri(MONGO_ROOT_USER) }]), expect: /container backend: MONGODB_URI logs in to MongoDB as root/ },
    });
});

const SECRET = "aws:secretsmanager/secret:Secret";
const VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const ARN = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;
const taskDef = (name: string, env: Record<string, string>, secrets: Record<string, string>, dependsOn: string[]): Fake => ({
    type: "aws:ecs/taskDefinition:TaskDefinition",
    name,
    props: {
        family: name,
        containerDefinitions: JSON.stringify([{ name, image: "x:1", environment: Object.entries(env).map(([n, value]) => ({ name: n, value })), secrets: Object.entries(secrets).map(([n, valueFrom]) => ({ name: n, valueFrom })) }]),
    },
    dependsOn,
});

test("aws-ecs-taskdefinition-no-master-credentials applies with DocumentDB alone: a service's task may not use the DocumentDB master; the users task may", async (t) => {
    const d = documentDbUsers(rb);
    const fixture = (): Fake[] => [
        { type: "aws:docdb/cluster:Cluster", name: "documentdb", props: { masterUsername: d.admin } },
        { type: SECRET, name: "master", props: { arn: ARN("master") } },
        { type: VERSION, name: "master-v", props: { secretId: "m", secretString: JSON.stringify({ username: d.admin, password: "pw" }) }, dependsOn: ["master"] },
        { type: SECRET, name: "app", props: { arn: ARN("app") } },
        { type: VERSION, name: "app-v", props: { secretId: "a", secretString: JSON.stringify({ username: d.app, password: "pw" }) }, dependsOn: ["app"] },
        taskDef("backend", {}, { MONGO_URI: `${ARN("app")}:url::` }, ["app"]),
        taskDef("users", { MONGO_ADMIN_USERNAME: d.admin }, { MONGO_ADMIN_PASSWORD: `${ARN("master")}:password::` }, ["master", "app"]),
        { type: "aws:ecs/service:Service", name: "backend-service", props: {}, dependsOn: ["backend"] },
    ];
    const backend = (r: Fake[]) => find(r, "backend");
    const edit = (r: Fake[], f: (c: any) => void) => {
        const defs = JSON.parse(backend(r).props.containerDefinitions);
        f(defs[0]);
        backend(r).props.containerDefinitions = JSON.stringify(defs);
    };
    await compliantAndBroken(t, "aws-ecs-taskdefinition-no-master-credentials", "gravitypm-production", fixture, {
        "the app reads the master's URL": { edit: (r) => edit(r, (c) => (c.secrets[0].valueFrom = `${ARN("master")}:url::`)), expect: /MONGO_URI reads a database master's secret/ },
        "the app logs in as the master": { edit: (r) => edit(r, (c) => c.environment.push({ name: "MONGO_USERNAME", value: d.admin })), expect: new RegExp(`MONGO_USERNAME logs in to DocumentDB as the master user ${d.admin}`) },
        "a service runs the users task": { edit: (r) => r.push({ type: "aws:ecs/service:Service", name: "users-service", props: {}, dependsOn: ["users"] }), expect: /"users" is run by a service/ },
    });
});

test("mongoLoginsIn reads user variables and the user of mongodb URLs, not passwords or other schemes", (t) => {
    t.deepEqual(mongoLoginsIn({ MONGO_USERNAME: "a", MONGODB_URI: "mongodb://b%5Fx:p%40ss@h1:27017,h2:27017/d?replicaSet=r", SRV: "mongodb+srv://c@cluster/d", PG: "postgresql://d:pw@h/x", N: 1 }), [
        { variable: "MONGO_USERNAME", login: "a" },
        { variable: "MONGODB_URI", login: "b_x" },
        { variable: "SRV", login: "c" },
    ]);
});
