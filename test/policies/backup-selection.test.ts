import test from "ava";
import { check, compliantAndBroken, find, type Fake } from "./helpers";

/**
 * aws-backup-selection-effective (issue 13, class B: AWS Backup wiring that exists but backs up or
 * restore-tests nothing). The fixture is one dataset's chain as the AWS target builds it.
 */

const ACCOUNT = "123456789012";
const VAULT = "bunty-production-postgres";
const vaultArn = (name: string) => `arn:aws:backup:us-east-1:${ACCOUNT}:backup-vault:${name}`;

function fixture(): Fake[] {
    return [
        { type: "aws:rds/instance:Instance", name: "postgres-primary", props: { engine: "postgres", tags: { app: "bunty", "backup:postgres": "true" } } },
        { type: "aws:iam/role:Role", name: "backups-role", props: { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }] }) } },
        { type: "aws:backup/vault:Vault", name: "postgres-vault", props: { name: VAULT } },
        { type: "aws:backup/vaultLockConfiguration:VaultLockConfiguration", name: "postgres-lock", props: { backupVaultName: VAULT, changeableForDays: 3, minRetentionDays: 30 } },
        {
            type: "aws:backup/plan:Plan",
            name: "postgres-plan",
            props: { name: VAULT, rules: [{ ruleName: "postgres", schedule: "cron(0 1 * * ? *)", targetVaultName: VAULT, lifecycle: { deleteAfter: 30 } }] },
        },
        {
            type: "aws:backup/selection:Selection",
            name: "postgres-selection",
            props: { name: VAULT, planId: "postgres-plan-id", iamRoleArn: `arn:aws:iam::${ACCOUNT}:role/backups-role-1a2b3c4`, selectionTags: [{ key: "backup:postgres", type: "STRINGEQUALS", value: "true" }] },
        },
        {
            type: "aws:backup/restoreTestingPlan:RestoreTestingPlan",
            name: "restore-testing",
            props: { name: "bunty_production", scheduleExpression: "cron(30 5 1 * ? *)", recoveryPointSelection: { algorithm: "LATEST_WITHIN_WINDOW", includeVaults: [vaultArn(VAULT)], recoveryPointTypes: ["SNAPSHOT"], selectionWindowDays: 7 } },
        },
        {
            type: "aws:backup/restoreTestingSelection:RestoreTestingSelection",
            name: "restore-postgres",
            props: { name: "postgres", restoreTestingPlanName: "bunty_production", protectedResourceType: "RDS", protectedResourceConditions: { stringEquals: [{ key: "aws:ResourceTag/backup:postgres", value: "true" }] } },
        },
    ];
}

const sel = (rs: Fake[]) => find(rs, "postgres-selection").props;
const rp = (rs: Fake[]) => find(rs, "restore-testing").props.recoveryPointSelection;

test("aws-backup-selection-effective: the selection backs up the dataset into the locked vault, and restore tests read it", async (t) => {
    await compliantAndBroken(t, "aws-backup-selection-effective", "bunty-production", fixture, {
        "notResources excludes everything": { edit: (rs) => (sel(rs).notResources = ["*"]), expect: /notResources "\*" excludes every resource/ },
        "notResources excludes every RDS database": { edit: (rs) => (sel(rs).notResources = ["arn:aws:rds:*:*:db:*"]), expect: /notResources "arn:aws:rds:\*:\*:db:\*" excludes every resource/ },
        "a condition on a tag nobody carries": {
            edit: (rs) => (sel(rs).conditions = { stringEquals: [{ key: "aws:ResourceTag/nobody", value: "x" }] }),
            expect: /its conditions \(stringEquals nobody=x\) hold for none of the resources its tags select \(postgres-primary\)/,
        },
        "a role that is not the stack's": { edit: (rs) => (sel(rs).iamRoleArn = `arn:aws:iam::${ACCOUNT}:role/someone-else`), expect: /iamRoleArn "\S+someone-else" is not a role of this stack/ },
        "a role AWS Backup may not assume": {
            edit: (rs) => (find(rs, "backups-role").props.assumeRolePolicy = JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] })),
            expect: /which backup\.amazonaws\.com may not assume/,
        },
        "the rule writes to another vault": { edit: (rs) => (find(rs, "postgres-plan").props.rules[0].targetVaultName = "scratch"), expect: /rule "postgres" writes to vault "scratch", not a vault of this stack/ },
        "the vault's lock deleted": { edit: (rs) => rs.splice(rs.indexOf(find(rs, "postgres-lock")), 1), expect: /which has no vault lock/ },
        "the lock's maximum below the rule's retention": { edit: (rs) => (find(rs, "postgres-lock").props.maxRetentionDays = 7), expect: /maxRetentionDays = 7, below the 30 days/ },
        "restore tests exclude the vault": { edit: (rs) => (rp(rs).excludeVaults = [vaultArn(VAULT)]), expect: /excludeVaults .* excludes bunty-production-postgres/ },
        "restore tests read an empty vault": { edit: (rs) => (rp(rs).includeVaults = [vaultArn("empty")]), expect: /leaves out bunty-production-postgres/ },
        "restore tests read continuous points the plans never make": { edit: (rs) => (rp(rs).recoveryPointTypes = ["CONTINUOUS"]), expect: /recoveryPointTypes \["CONTINUOUS"\] match none/ },
        "restore selection of the wrong resource type": { edit: (rs) => (find(rs, "restore-postgres").props.protectedResourceType = "EBS"), expect: /protectedResourceType EBS is not the type of what its conditions select \(RDS/ },
    });
});

test("aws-backup-selection-effective: tightening passes (a condition the database meets, a narrower notResources, a higher lock maximum, a wildcard include)", async (t) => {
    const rs = fixture();
    sel(rs).conditions = { stringEquals: [{ key: "aws:ResourceTag/app", value: "bunty" }] };
    sel(rs).notResources = ["arn:aws:rds:*:*:db:*-scratch"];
    find(rs, "postgres-lock").props.maxRetentionDays = 365;
    rp(rs).includeVaults = ["*"];
    t.deepEqual((await check("aws-backup-selection-effective", "bunty-production", rs)).messages, []);
});
