import test from "ava";
import { postgresRoles } from "../../capabilities/postgres-roles";
import { APP_IDS, getRunbook } from "../../runbooks";
import { find, type Fake } from "./helpers";
import { compliantAndBroken, planPasses, SECURITY_RULES } from "./security-helpers";

/**
 * Issue 15, "RDS, Secrets Manager: no IAM database auth; no rotation": the managed, rotated master
 * secrets and IAM authentication, each policy from a compliant fixture broken one field at a time,
 * then over the real production plans. Names come from the runbooks, never typed here.
 */

const KEY = "arn:aws:kms:us-east-1:123456789012:key/data";
const MANAGED = (kind: "db" | "cluster", name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!${kind}-${name}-AbCdEf`;
const RDS = "aws:rds/instance:Instance";
const DOCDB = "aws:docdb/cluster:Cluster";

const rds = (): Fake[] => [
    { type: RDS, name: "primary", props: { identifier: "shop-postgres", iamDatabaseAuthenticationEnabled: true, manageMasterUserPassword: true, masterUserSecretKmsKeyId: KEY, username: "shop" } },
    { type: RDS, name: "replica", props: { identifier: "shop-postgres-replica-1", replicateSourceDb: "shop-postgres", iamDatabaseAuthenticationEnabled: true } },
];

test("aws-rds-instance-managed-credentials: IAM auth on every instance, an RDS-managed master under a customer key on the primary, no password passed", async (t) => {
    await compliantAndBroken(t, "aws-rds-instance-managed-credentials", "bunty-production", rds, {
        "IAM auth off on the primary": { edit: (r) => (find(r, "primary").props.iamDatabaseAuthenticationEnabled = false), expect: /"primary": iamDatabaseAuthenticationEnabled is false.*FSBP RDS\.10/ },
        "IAM auth unset on a replica": { edit: (r) => delete find(r, "replica").props.iamDatabaseAuthenticationEnabled, expect: /"replica": iamDatabaseAuthenticationEnabled is not set/ },
        "a password instead (the old way)": {
            edit: (r) => {
                const p = find(r, "primary").props;
                delete p.manageMasterUserPassword;
                p.password = "generated-postgres-0123456789";
            },
            expect: /"primary": sets password/,
        },
        "managed but a password too": { edit: (r) => (find(r, "primary").props.password = "x"), expect: /sets password/ },
        "a write-only password": { edit: (r) => (find(r, "primary").props.passwordWo = "x"), expect: /sets passwordWo/ },
        "a password on a replica": { edit: (r) => (find(r, "replica").props.password = "x"), expect: /"replica": sets password/ },
        "not managed": { edit: (r) => (find(r, "primary").props.manageMasterUserPassword = false), expect: /manageMasterUserPassword is false/ },
        "the secret under aws/secretsmanager": { edit: (r) => delete find(r, "primary").props.masterUserSecretKmsKeyId, expect: /masterUserSecretKmsKeyId is not set \(aws\/secretsmanager\)/ },
        "the secret under an aws/ alias": { edit: (r) => (find(r, "primary").props.masterUserSecretKmsKeyId = "alias/aws/secretsmanager"), expect: /customer-managed data key/ },
    });
});

test("aws-docdb-cluster-managed-credentials: a DocumentDB-managed master, no password passed", async (t) => {
    const fixture = (): Fake[] => [{ type: DOCDB, name: "docdb", props: { clusterIdentifier: "shop-documentdb", masterUsername: "shop_admin", manageMasterUserPassword: true, storageEncrypted: true } }];
    await compliantAndBroken(t, "aws-docdb-cluster-managed-credentials", "gravitypm-production", fixture, {
        "not managed": { edit: (r) => delete find(r, "docdb").props.manageMasterUserPassword, expect: /manageMasterUserPassword is not set/ },
        "a master password (the old way)": {
            edit: (r) => {
                const p = find(r, "docdb").props;
                p.manageMasterUserPassword = false;
                p.masterPassword = "generated-mongodb-0123456789";
            },
            expect: /sets masterPassword/,
        },
        "a write-only master password": { edit: (r) => (find(r, "docdb").props.masterPasswordWo = "x"), expect: /sets masterPasswordWo/ },
    });
});

test("aws-ecs-taskdefinition-no-master-credentials: a service's task may not read the secret RDS or DocumentDB manages; the roles task may", async (t) => {
    const rb = getRunbook("bunty");
    const pg = rb.data.postgres!;
    const roles = postgresRoles(rb.app, pg);
    const APP = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf";
    const taskDef = (name: string, user: string, valueFrom: string): Fake => ({
        type: "aws:ecs/taskDefinition:TaskDefinition",
        name,
        props: { family: name, containerDefinitions: JSON.stringify([{ name, image: "x:1", environment: [{ name: "PGUSER", value: user }], secrets: [{ name: "PGPASSWORD", valueFrom }] }]) },
    });
    const fixture = (): Fake[] => [
        { type: RDS, name: "primary", props: { username: pg.user, manageMasterUserPassword: true, masterUserSecrets: [{ secretArn: MANAGED("db", "primary"), kmsKeyId: KEY, secretStatus: "active" }] } },
        taskDef("backend", roles.app, `${APP}:password::`),
        taskDef("roles", pg.user, `${MANAGED("db", "primary")}:password::`),
        { type: "aws:ecs/service:Service", name: "backend-service", props: {}, dependsOn: ["backend"] },
    ];
    const readsFrom = (r: Fake[], valueFrom: string) => {
        const d = JSON.parse(find(r, "backend").props.containerDefinitions);
        d[0].secrets[0].valueFrom = valueFrom;
        find(r, "backend").props.containerDefinitions = JSON.stringify(d);
    };
    await compliantAndBroken(t, "aws-ecs-taskdefinition-no-master-credentials", "bunty-production", fixture, {
        "the app reads the managed master's ARN (as the engine reports it)": { edit: (r) => readsFrom(r, `${MANAGED("db", "primary")}:password::`), expect: /container backend: PGPASSWORD reads a database master's secret/ },
        "the app reads a managed master the plan does not show": { edit: (r) => readsFrom(r, `${MANAGED("cluster", "other")}:password::`), expect: /PGPASSWORD reads a database master's secret/ },
    });
});

test("the production plans pass the managed-credential policies where they have the database", async (t) => {
    const rule = (name: string) => SECURITY_RULES.filter((r) => r.name === name);
    for (const app of APP_IDS) {
        const data = getRunbook(app).data;
        const stack = [`${app}-production`];
        if (data.postgres) await planPasses(t, stack, rule("aws-rds-instance-managed-credentials"));
        if (data.mongodb) await planPasses(t, stack, rule("aws-docdb-cluster-managed-credentials"));
        if (data.postgres || data.mongodb) await planPasses(t, stack, rule("aws-ecs-taskdefinition-no-master-credentials"));
    }
});
