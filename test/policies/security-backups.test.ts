import test from "ava";
import { awsBackupVaultLockCompliance } from "../../policies/aws/backup-vault-lock-compliance";
import { awsBackupVaultPolicyDenyDelete } from "../../policies/aws/backup-vault-policy-deny-delete";
import { getRunbook } from "../../runbooks";
import { allStacks } from "../../stacks/settings";
import { find, type Fake } from "./helpers";
import { compliantAndBroken, planPasses } from "./security-helpers";

/**
 * Backups that survive a compromised account (issue 15): compliance-mode vault locks at the
 * runbook's retention and a deny-delete vault policy, held by two security-tier policies.
 */

const bunty = getRunbook("bunty");
const postgres = bunty.backups.find((b) => b.dataset === "postgres")!;
const DENY = { Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"], Resource: "*" }] };

const fixture = (): Fake[] => [
    { type: "aws:backup/vault:Vault", name: "vault", props: { name: "bunty-production-postgres", kmsKeyArn: "arn:aws:kms:us-east-1:1:key/k" } },
    { type: "aws:backup/vaultLockConfiguration:VaultLockConfiguration", name: "lock", props: { backupVaultName: "bunty-production-postgres", minRetentionDays: postgres.retentionDays, changeableForDays: 3 } },
    { type: "aws:backup/vaultPolicy:VaultPolicy", name: "deny", props: { backupVaultName: "bunty-production-postgres", policy: JSON.stringify(DENY) } },
];

test("aws-backup-vault-lock-compliance: compliance mode at the runbook's retention; governance mode, no lock, a short minimum, an out-of-range cooling-off are reported", async (t) => {
    await compliantAndBroken(t, "aws-backup-vault-lock-compliance", "bunty-production", fixture, {
        "governance mode (the old lock)": { edit: (r) => delete find(r, "lock").props.changeableForDays, expect: /governance mode/ },
        "no lock": { edit: (r) => (find(r, "lock").props.backupVaultName = "another-vault"), expect: /has no vault lock/ },
        "a minimum below the runbook's retention": { edit: (r) => (find(r, "lock").props.minRetentionDays = postgres.retentionDays - 1), expect: new RegExp(`below the bunty runbook's ${postgres.retentionDays} days for postgres`) },
        "a cooling-off AWS refuses": { edit: (r) => (find(r, "lock").props.changeableForDays = 1), expect: /changeableForDays = 1; AWS allows 3-36500/ },
    });
});

test("aws-backup-vault-policy-deny-delete: a policy denying deletion to everyone; missing, allow, conditional or partial policies are reported", async (t) => {
    const edit = (f: (doc: any) => void) => (r: Fake[]) => {
        const doc = structuredClone(DENY);
        f(doc);
        find(r, "deny").props.policy = JSON.stringify(doc);
    };
    await compliantAndBroken(t, "aws-backup-vault-policy-deny-delete", "bunty-production", fixture, {
        "no policy": { edit: (r) => (find(r, "deny").props.backupVaultName = "another-vault"), expect: /no vault access policy denies backup:DeleteRecoveryPoint, backup:UpdateRecoveryPointLifecycle/ },
        "Allow instead of Deny": { edit: edit((d) => (d.Statement[0].Effect = "Allow")), expect: /denies backup:DeleteRecoveryPoint/ },
        "only one principal": { edit: edit((d) => (d.Statement[0].Principal = { AWS: "arn:aws:iam::1:role/x" })), expect: /to every principal/ },
        "a condition that lets someone through": { edit: edit((d) => (d.Statement[0].Condition = { StringNotEquals: { "aws:PrincipalArn": "arn:aws:iam::1:role/admin" } })), expect: /DeleteRecoveryPoint/ },
        "lifecycle not denied": { edit: edit((d) => (d.Statement[0].Action = ["backup:DeleteRecoveryPoint"])), expect: /denies backup:UpdateRecoveryPointLifecycle to every/ },
        "not JSON": { edit: (r) => (find(r, "deny").props.policy = "{"), expect: /no vault access policy/ },
    });
});

test("every production stack's vaults are locked in compliance mode and deny deletion", async (t) => {
    t.timeout(10 * 60_000);
    await planPasses(t, allStacks().filter((s) => s.endsWith("-production")), [awsBackupVaultLockCompliance, awsBackupVaultPolicyDenyDelete]);
});
