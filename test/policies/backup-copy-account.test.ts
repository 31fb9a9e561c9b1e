import test from "ava";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { planStack, type PlannedResource } from "../../cli/harness/runtime";
import { readStackConfig, STACKS_DIR } from "../../cli/harness/stack-files";
import { runPolicies } from "../../policies/offline";
import { toPolicy } from "../../policies/lib/policy";
import { awsBackupPlanCopyAccount } from "../../policies/aws/backup-plan-copy-account";
import { awsBackupPlanCopyRegion } from "../../policies/aws/backup-plan-copy-region";
import { awsBackupVaultLockCompliance } from "../../policies/aws/backup-vault-lock-compliance";
import { awsBackupVaultPolicyDenyDelete } from "../../policies/aws/backup-vault-policy-deny-delete";
import { awsStatefulResourceProtect } from "../../policies/aws/stateful-resource-protect";
import { backupRules } from "../../capabilities/aws/backups";
import { getRunbook } from "../../runbooks";
import { ConfigError, PROJECT, resolveStack } from "../../stacks/settings";
import { fakePlan, find, type Fake } from "./helpers";
import { compliantAndBroken } from "./security-helpers";
import { UNKNOWN_STRING } from "../../policies/lib/inputs";

/**
 * Issue 15's "copy to another account", per stack: `aws.backupCopy.account` with the role the
 * deploy assumes there. Refused with the key, the value and what is allowed when it is
 * inconsistent; held by `aws-backup-plan-copy-account` from a compliant fixture broken one field
 * at a time; and one production stack planned with it (and a region copy beside it).
 */

const APP = "bunty";
const STACK = `${APP}-production`;
const COPY_ACCOUNT = "210987654321";
const ROLE = `arn:aws:iam::${COPY_ACCOUNT}:role/backup-copy-deployer`;
const postgres = getRunbook(APP).backups.find((b) => b.dataset === "postgres")!;

/** The committed stack file with `runbook-platform:aws.backupCopy` (and any other config) set. */
const withCopy = (copy: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) => {
    const doc = YAML.parse(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${STACK}.yaml`), "utf8")) as { config: Record<string, unknown> };
    return YAML.stringify({ config: { ...doc.config, ...extra, [`${PROJECT}:aws`]: copy ? { backupCopy: copy } : {} } });
};

test("aws.backupCopy.account is refused with the key, the value and what is allowed: no role, a role alone, a role in another account, not an account id, not a role ARN, the stack's own account, a copy of nothing", (t) => {
    const refused = (text: string, expect: RegExp) => {
        const err = t.throws(() => resolveStack(STACK, readStackConfig(STACK, text).config), { instanceOf: ConfigError });
        t.regex(err!.message, expect);
        t.regex(err!.message, new RegExp(STACK), "the error names the stack");
    };
    refused(withCopy({ account: COPY_ACCOUNT }), new RegExp(`${PROJECT}:aws.backupCopy.roleArn = \\(missing\\): aws.backupCopy.account ${COPY_ACCOUNT} is set; allowed: the ARN of a role in account ${COPY_ACCOUNT}`));
    refused(withCopy({ roleArn: ROLE }), new RegExp(`${PROJECT}:aws.backupCopy.account = \\(missing\\): aws.backupCopy.roleArn is set; allowed: the 12-digit id`));
    refused(withCopy({ account: "111122223333", roleArn: ROLE }), new RegExp(`aws.backupCopy.roleArn = "${ROLE}": a role in account ${COPY_ACCOUNT}, not in aws.backupCopy.account 111122223333; allowed: a role in account 111122223333`));
    refused(withCopy({ account: "2109876543", roleArn: ROLE }), /backupCopy.account.*not an AWS account id \(allowed: 12 digits/);
    refused(withCopy({ account: COPY_ACCOUNT, roleArn: `arn:aws:iam::${COPY_ACCOUNT}:user/someone` }), /backupCopy.roleArn.*not an IAM role ARN \(allowed: e.g. arn:aws:iam::210987654321:role\//);
    refused(withCopy({ account: COPY_ACCOUNT, roleArn: ROLE }, { "aws:allowedAccountIds": [COPY_ACCOUNT] }), new RegExp(`aws.backupCopy.account = "${COPY_ACCOUNT}": the stack's own account \\(aws:allowedAccountIds\\); allowed: another account`));
    refused(withCopy({}), /aws.backupCopy = \{\}: names no copy; allowed: region .*account with roleArn/);
    t.notThrows(() => resolveStack(STACK, readStackConfig(STACK, withCopy({ account: COPY_ACCOUNT, roleArn: ROLE })).config));
    t.notThrows(() => resolveStack(STACK, readStackConfig(STACK, withCopy({ region: "us-west-2", account: COPY_ACCOUNT, roleArn: ROLE }, { "aws:allowedAccountIds": ["123456789012"] })).config));
});

const vaultArn = (account: string, region = "us-east-1") => `arn:aws:backup:${region}:${account}:backup-vault:${APP}-production-postgres`;
const copyFixture = (): Fake[] => [
    {
        type: "aws:backup/plan:Plan",
        name: "plan",
        props: {
            name: `${APP}-production-postgres`,
            rules: [
                {
                    ruleName: "postgres",
                    targetVaultName: `${APP}-production-postgres`,
                    lifecycle: { deleteAfter: postgres.retentionDays },
                    copyActions: [{ destinationVaultArn: vaultArn(COPY_ACCOUNT), lifecycle: { deleteAfter: postgres.retentionDays } }],
                },
            ],
        },
    },
];
const copyRule = (r: Fake[]) => find(r, "plan").props.rules[0];
/** The account the stack's own resources are in (the mocks' aws.getCallerIdentity). */
const OWN = "123456789012";
const keyArn = (account: string) => `arn:aws:kms:us-east-1:${account}:key/backup`;
const keyPolicy = (account: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "AccountAdmin", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" }] });
/** The copy fixture with the rule's own vault, its key in account `own`. */
const withSource = (own: string) => (): Fake[] => [...copyFixture(), { type: "aws:backup/vault:Vault", name: "vault", props: { name: `${APP}-production-postgres`, kmsKeyArn: keyArn(own) } }];

test("aws-backup-plan-copy-account: with aws.backupCopy.account set, a rule copying there for as long passes; no copy, a copy in the stack's own account, a shorter copy are reported; without the setting it is not applicable", async (t) => {
    const text = withCopy({ account: COPY_ACCOUNT, roleArn: ROLE });
    // prettier-ignore
    await compliantAndBroken(t, "aws-backup-plan-copy-account", STACK, copyFixture, {
        "no copy": { edit: (r) => delete copyRule(r).copyActions, expect: new RegExp(`rule "postgres" copies nothing; the stack's aws.backupCopy.account is ${COPY_ACCOUNT}`) },
        "a copy in the stack's own account (another region)": { edit: (r) => (copyRule(r).copyActions[0].destinationVaultArn = vaultArn("123456789012", "us-west-2")), expect: new RegExp(`copies only to account 123456789012; the stack's aws.backupCopy.account is ${COPY_ACCOUNT}`) },
        "a copy kept shorter": {
            edit: (r) => (copyRule(r).copyActions[0].lifecycle.deleteAfter = postgres.retentionDays - 1),
            expect: new RegExp(`copy in account ${COPY_ACCOUNT} is deleted after ${postgres.retentionDays - 1} days, before the original's ${postgres.retentionDays}`),
        },
    }, text);
    // The copy account is the one the rule's own vault is in: read from its key's ARN, or from its key's policy before the first deploy.
    // prettier-ignore
    await compliantAndBroken(t, "aws-backup-plan-copy-account", STACK, withSource(OWN), {
        "the copy account is the source vault's (its key's ARN)": {
            edit: (r) => (find(r, "vault").props.kmsKeyArn = keyArn(COPY_ACCOUNT)),
            expect: new RegExp(`copies to account ${COPY_ACCOUNT}, the account its own backups are in \\(aws:backup/vault:Vault "vault"\\)`),
        },
        "the copy account is the source vault's (its key's policy, the ARN not known yet)": {
            edit: (r) => {
                const vault = find(r, "vault");
                vault.props.kmsKeyArn = UNKNOWN_STRING;
                r.splice(r.indexOf(vault), 1, { ...vault, dependsOn: ["backup-key"] }, { type: "aws:kms/key:Key", name: "backup-key", props: { policy: keyPolicy(COPY_ACCOUNT) } });
            },
            expect: new RegExp(`copies to account ${COPY_ACCOUNT}, the account its own backups are in`),
        },
    }, text);
    // The reviewer's edit: aws.backupCopy.account set to the stack's own account, no aws:allowedAccountIds to refuse it in config.
    const ownText = withCopy({ account: OWN, roleArn: `arn:aws:iam::${OWN}:role/backup-copy-deployer` });
    const ownPlan = withSource(OWN)();
    copyRule(ownPlan).copyActions[0].destinationVaultArn = vaultArn(OWN);
    const own = (await runPolicies(fakePlan(STACK, ownPlan), { policies: [toPolicy(awsBackupPlanCopyAccount)], exceptions: [], stackFileText: ownText })).outcomes[0];
    t.regex(own.violations.map((v) => v.message).join("\n"), new RegExp(`copies to account ${OWN}, the account its own backups are in .*allowed: a copy in another account`));
    t.is(own.level, "mandatory");
    const off = (await runPolicies(fakePlan(STACK, copyFixture()), { policies: [toPolicy(awsBackupPlanCopyAccount)], exceptions: [], stackFileText: withCopy({ region: "us-west-2" }) })).outcomes[0];
    t.is(off.status, "not-applicable");
});

test("aws-backup-plan-copy-account before the first deploy: a destination vault ARN not known yet is read from the vault the plan depends on, in the account its provider's role is in", async (t) => {
    const text = withCopy({ account: COPY_ACCOUNT, roleArn: ROLE });
    const run = async (roleAccount: string) => {
        const plan = fakePlan(STACK, [...copyFixture(), { type: "aws:backup/vault:Vault", name: "copy-vault", props: { name: `${APP}-production-postgres` } }, { type: "pulumi:providers:aws", name: "copy", props: { region: "us-east-1", assumeRoles: JSON.stringify([{ roleArn: `arn:aws:iam::${roleAccount}:role/r` }]) } }]);
        const provider = plan.resources.find((r) => r.name === "copy")!;
        const vault = plan.resources.find((r) => r.name === "copy-vault")!;
        const planned = plan.resources.map((r) => {
            if (r === vault) return { ...r, options: { ...r.options, provider: `${provider.urn}::copy-id` } };
            if (r.type !== "aws:backup/plan:Plan") return r;
            const props = structuredClone(r.props) as any;
            props.rules[0].copyActions[0].destinationVaultArn = UNKNOWN_STRING;
            return { ...r, props, inputs: props, options: { ...r.options, dependsOn: [vault.urn] } };
        });
        return (await runPolicies({ ...plan, resources: planned }, { policies: [toPolicy(awsBackupPlanCopyAccount)], exceptions: [], stackFileText: text })).outcomes[0];
    };
    const ok = await run(COPY_ACCOUNT);
    t.deepEqual(ok.violations.map((v) => v.message), []);
    t.is(ok.status, "pass");
    const other = await run("111122223333");
    t.regex(other.violations.map((v) => v.message).join("\n"), new RegExp(`copies only to account 111122223333; the stack's aws.backupCopy.account is ${COPY_ACCOUNT}`));
});

test(`${STACK} planned with aws.backupCopy.account and .region: a locked, deny-delete vault per rule and a key in the copy account through the assumed role, every rule copying to both, the stack's keys open to that account`, async (t) => {
    t.timeout(5 * 60_000);
    const text = withCopy({ region: "us-west-2", account: COPY_ACCOUNT, roleArn: ROLE });
    const plan = await planStack(STACK, { stackFileText: text });
    const rules = [awsBackupPlanCopyAccount, awsBackupPlanCopyRegion, awsBackupVaultLockCompliance, awsBackupVaultPolicyDenyDelete, awsStatefulResourceProtect];
    const report = await runPolicies(plan, { policies: rules.map(toPolicy), exceptions: [], stackFileText: text });
    for (const o of report.outcomes) t.is(o.status, "pass", `${o.name}: ${o.notApplicable ?? ""} ${o.violations.map((v) => v.message).join("; ")}`);

    const provider = plan.resources.find((r) => r.type === "pulumi:providers:aws" && String(r.props.assumeRoles ?? "").includes(ROLE));
    t.truthy(provider, "a provider that assumes the copy account's role");
    t.is(provider!.props.region, readStackConfig(STACK).config["aws:region"], "in the stack's own region");
    t.deepEqual(JSON.parse(String(provider!.props.allowedAccountIds)), [COPY_ACCOUNT], "and only in that account");
    const there = (type: string) => plan.resources.filter((r: PlannedResource) => r.type === type && r.options.provider?.startsWith(`${provider!.urn}::`));
    const ruleNames = backupRules(getRunbook(APP)).map((r) => r.name);
    const vaults = there("aws:backup/vault:Vault");
    t.is(vaults.length, ruleNames.length, "one vault per backup rule in the copy account");
    for (const v of vaults) t.true(v.options.protect && v.options.retainOnDelete, `${v.name} protected and retained`);
    t.is(there("aws:backup/vaultLockConfiguration:VaultLockConfiguration").length, ruleNames.length, "each locked");
    const key = there("aws:kms/key:Key");
    t.true(key.length === 1 && key[0].options.protect && key[0].options.retainOnDelete, "one protected, retained key there");
    for (const p of there("aws:backup/vaultPolicy:VaultPolicy")) {
        const statements = JSON.parse(String(p.props.policy)).Statement as any[];
        t.true(statements.some((s) => s.Effect === "Deny" && s.Principal === "*"), `${p.name} denies deletion`);
        t.deepEqual(
            statements.filter((s) => s.Effect === "Allow"),
            [{ Sid: "AllowCopyFromSourceAccount", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "backup:CopyIntoBackupVault", Resource: "*" }],
            `${p.name}: the stack's account (the mocks' caller) may copy in, nothing else`,
        );
    }
    for (const p of plan.resources.filter((r) => r.type === "aws:backup/plan:Plan")) {
        for (const rule of p.props.rules as any[]) {
            const accounts = (rule.copyActions as any[]).map((c) => /^arn:aws:backup:([^:]+):(\d+):/.exec(String(c.destinationVaultArn))!.slice(1).join("/"));
            t.deepEqual(accounts.sort(), [`us-east-1/${COPY_ACCOUNT}`, "us-west-2/123456789012"], `${p.name}: copies to the other account (stack region) and to the other region (own account)`);
        }
    }
    for (const k of plan.resources.filter((r) => r.type === "aws:kms/key:Key" && !r.options.provider?.startsWith(`${provider!.urn}::`) && /-keys-(data|backup)$/.test(r.name))) {
        const statements = JSON.parse(String(k.props.policy)).Statement as any[];
        const forCopy = statements.filter((s) => s.Principal?.AWS === `arn:aws:iam::${COPY_ACCOUNT}:root`);
        t.deepEqual(forCopy.map((s) => s.Sid).sort(), ["BackupCopyAccountGrant", "BackupCopyAccountUse"], `${k.name}: the copy account may read what is copied`);
        t.true(statements.some((s) => s.Sid === "AccountAdmin"), `${k.name}: the stack's account still administers it`);
    }
});
