import test from "ava";
import { postgresLoginsIn } from "../../policies/lib/security";
import { postgresRoles } from "../../capabilities/postgres-roles";
import { getRunbook } from "../../runbooks";
import { find, type Fake } from "./helpers";
import { compliantAndBroken } from "./security-helpers";

/**
 * The security tier's database-credential policies (issue 15): each from a compliant fixture,
 * broken one field at a time, through the offline engine emulation. The admin's name is the
 * runbook's (bunty: `data.postgres.user`), never typed here.
 */

const rb = getRunbook("bunty");
const pg = rb.data.postgres!;
const roles = postgresRoles(rb.app, pg);

const container = (name: string, component: string, envs: string[]): Fake => ({
    type: "docker:index/container:Container",
    name,
    props: { name, image: "x:1", envs, labels: [{ label: "app", value: rb.app }, { label: "component", value: component }] },
});

test("docker-container-no-master-credentials: the server and backups may log in as the administrator; apps and exporters are reported by variable and by URL", async (t) => {
    const fixture = (): Fake[] => [
        container("postgres", "postgres", [`POSTGRES_USER=${pg.user}`, "POSTGRES_PASSWORD=pw"]),
        container("backups-postgres", "backups", [`PGUSER=${pg.user}`]),
        container("backend", "backend", [`PGUSER=${roles.app}`, `DATABASE_URL=postgres://${roles.app}:pw@postgres:5432/${pg.database}`]),
        container("postgres-exporter", "postgres-exporter", [`DATA_SOURCE_USER=${roles.monitor}`]),
    ];
    await compliantAndBroken(t, "docker-container-no-master-credentials", "bunty-local", fixture, {
        "the app's PGUSER": { edit: (r) => (find(r, "backend").props.envs[0] = `PGUSER=${pg.user}`), expect: new RegExp(`PGUSER logs in to PostgreSQL as the administrator ${pg.user}`) },
        "the app's DATABASE_URL": { edit: (r) => (find(r, "backend").props.envs[1] = `DATABASE_URL=postgresql://${pg.user}:pw@postgres:5432/x`), expect: /DATABASE_URL logs in/ },
        "the exporter's user": { edit: (r) => (find(r, "postgres-exporter").props.envs[0] = `DATA_SOURCE_USER=${pg.user}`), expect: /component postgres-exporter.*DATA_SOURCE_USER/ },
        "an unlabelled container": { edit: (r) => r.push({ type: "docker:index/container:Container", name: "stray", props: { name: "stray", envs: [`PGUSER=${pg.user}`] } }), expect: /component unlabelled/ },
    });
});

const deployment = (name: string, env: unknown[]): Fake => ({
    type: "kubernetes:apps/v1:Deployment",
    name,
    props: { metadata: { name, namespace: rb.app }, spec: { template: { spec: { containers: [{ name, image: "x:1", env }] } } } },
});

test("k8s-workload-no-master-credentials: superuser access, administrative managed roles, the superuser's login or Secret in a workload are each reported", async (t) => {
    const fixture = (): Fake[] => [
        {
            type: "kubernetes:postgresql.cnpg.io/v1:Cluster",
            name: "postgres-cluster",
            props: {
                metadata: { name: "bunty-postgres" },
                spec: {
                    managed: {
                        roles: [
                            { name: pg.user, login: true, superuser: false, createrole: false },
                            { name: roles.monitor, login: true, inRoles: ["pg_monitor"] },
                        ],
                    },
                },
            },
        },
        deployment("exporter", [{ name: "DATA_SOURCE_USER", value: roles.monitor }, { name: "DATA_SOURCE_PASS", valueFrom: { secretKeyRef: { name: "bunty-postgres-monitor", key: "password" } } }]),
        deployment("backend", [{ name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "bunty-app-env", key: "DATABASE_URL" } } }]),
    ];
    const cluster = (r: Fake[]) => find(r, "postgres-cluster").props.spec;
    await compliantAndBroken(t, "k8s-workload-no-master-credentials", "bunty-staging", fixture, {
        "superuser access on": { edit: (r) => (cluster(r).enableSuperuserAccess = true), expect: /enableSuperuserAccess is true/ },
        "the owner made superuser": { edit: (r) => (cluster(r).managed.roles[0].superuser = true), expect: new RegExp(`managed role ${pg.user} has superuser`) },
        "the monitor given CREATEROLE": { edit: (r) => (cluster(r).managed.roles[1].createrole = true), expect: /has createrole/ },
        "the exporter as postgres": { edit: (r) => (find(r, "exporter").props.spec.template.spec.containers[0].env[0].value = "postgres"), expect: /DATA_SOURCE_USER logs in to PostgreSQL as the superuser postgres/ },
        "the superuser's Secret": { edit: (r) => (find(r, "exporter").props.spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.name = "bunty-postgres-superuser"), expect: /reads the PostgreSQL superuser's Secret bunty-postgres-superuser/ },
        "envFrom the superuser's Secret": { edit: (r) => (find(r, "backend").props.spec.template.spec.containers[0].envFrom = [{ secretRef: { name: "bunty-postgres-superuser" } }]), expect: /container backend: reads/ },
    });
});

const SECRET = "aws:secretsmanager/secret:Secret";
const VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const TASK = "aws:ecs/taskDefinition:TaskDefinition";
const ARN = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;
const taskDef = (name: string, env: Record<string, string>, secrets: Record<string, string>, dependsOn: string[]): Fake => ({
    type: TASK,
    name,
    props: {
        family: name,
        containerDefinitions: JSON.stringify([{ name, image: "x:1", environment: Object.entries(env).map(([n, value]) => ({ name: n, value })), secrets: Object.entries(secrets).map(([n, valueFrom]) => ({ name: n, valueFrom })) }]),
    },
    dependsOn,
});

test("aws-ecs-taskdefinition-no-master-credentials: a service's task may not depend on, reference or log in as the master; the one-off roles task may", async (t) => {
    const fixture = (): Fake[] => [
        { type: SECRET, name: "master", props: { arn: ARN("master") } },
        { type: VERSION, name: "master-v", props: { secretId: "master-id", secretString: JSON.stringify({ username: pg.user, password: "pw" }) }, dependsOn: ["master"] },
        { type: SECRET, name: "app", props: { arn: ARN("app") } },
        { type: VERSION, name: "app-v", props: { secretId: "app-id", secretString: JSON.stringify({ username: roles.app, password: "pw" }) }, dependsOn: ["app"] },
        taskDef("backend", { PGUSER: roles.app }, { PGPASSWORD: `${ARN("app")}:password::` }, ["app"]),
        taskDef("roles", { PGUSER: pg.user }, { PGPASSWORD: `${ARN("master")}:password::` }, ["master", "app"]),
        { type: "aws:ecs/service:Service", name: "backend-service", props: { taskDefinition: "arn:aws:ecs:us-east-1:123456789012:backend" }, dependsOn: ["backend"] },
    ];
    const backend = (r: Fake[]) => find(r, "backend");
    const defs = (f: Fake) => JSON.parse(f.props.containerDefinitions);
    await compliantAndBroken(t, "aws-ecs-taskdefinition-no-master-credentials", "bunty-production", fixture, {
        "the app depends on the master secret": { edit: (r) => (backend(r) as any).dependsOn.push(`urn:pulumi:bunty-production::runbook-platform::${SECRET}::master`), expect: /backend" is run by a service and references the database master's secret master/ },
        "the app reads the master's ARN": {
            edit: (r) => {
                const d = defs(backend(r));
                d[0].secrets[0].valueFrom = `${ARN("master")}:password::`;
                backend(r).props.containerDefinitions = JSON.stringify(d);
            },
            expect: /PGPASSWORD reads a database master's secret/,
        },
        "the app logs in as the master": {
            edit: (r) => {
                const d = defs(backend(r));
                d[0].environment[0].value = pg.user;
                backend(r).props.containerDefinitions = JSON.stringify(d);
            },
            expect: new RegExp(`PGUSER logs in to PostgreSQL as the master user ${pg.user}`),
        },
        "a service runs the roles task": { edit: (r) => r.push({ type: "aws:ecs/service:Service", name: "roles-service", props: {}, dependsOn: ["roles"] }), expect: /"roles" is run by a service/ },
    });
});

test("postgresLoginsIn reads user variables and the user of postgres URLs, not passwords or other schemes", (t) => {
    t.deepEqual(postgresLoginsIn({ PGUSER: "a", DATABASE_URL: "postgresql://b%5Fx:p%40ss@h:5432/d", DATABASE_READ_URL: "postgres://c@h1,h2/d", REDIS_URL: "rediss://:pw@h", OTHER: 3 }), [
        { variable: "PGUSER", login: "a" },
        { variable: "DATABASE_URL", login: "b_x" },
        { variable: "DATABASE_READ_URL", login: "c" },
    ]);
});

const MSK = "aws:msk/cluster:Cluster";
test("aws-msk-cluster-client-authentication: unauthenticated access, no method, SCRAM without logins, a badly named or AWS-keyed secret are each reported", async (t) => {
    const fixture = (): Fake[] => [
        { type: MSK, name: "kafka", props: { clusterName: "shop-kafka", clientAuthentication: { sasl: { scram: true }, unauthenticated: false } } },
        { type: SECRET, name: "kafka-app", props: { name: "AmazonMSK_shop-kafka-app", kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/data" } },
        { type: "aws:msk/scramSecretAssociation:ScramSecretAssociation", name: "kafka-scram", props: { secretArnLists: [ARN("AmazonMSK_shop-kafka-app")] }, dependsOn: ["kafka", "kafka-app"] },
    ];
    const auth = (r: Fake[]) => find(r, "kafka").props.clientAuthentication;
    await compliantAndBroken(t, "aws-msk-cluster-client-authentication", "personal-finance-hub-production", fixture, {
        "unauthenticated on (the old setting)": { edit: (r) => (find(r, "kafka").props.clientAuthentication = { unauthenticated: true }), expect: /unauthenticated is true/ },
        "clientAuthentication left out": { edit: (r) => delete find(r, "kafka").props.clientAuthentication, expect: /unset \(MSK then allows it\)/ },
        "no method": { edit: (r) => (auth(r).sasl = { scram: false }), expect: /no client authentication method/ },
        "SCRAM without an association": { edit: (r) => r.splice(r.findIndex((x) => x.name === "kafka-scram"), 1), expect: /no ScramSecretAssociation/ },
        "a secret without MSK's prefix": { edit: (r) => (find(r, "kafka-app").props.name = "shop-kafka-app"), expect: /MSK reads SCRAM logins only from secrets named AmazonMSK_/ },
        "a secret under the AWS-managed key": { edit: (r) => delete find(r, "kafka-app").props.kmsKeyId, expect: /customer-managed key/ },
    });
});
