import type { ExecutionContext } from "ava";
import { planStack } from "../../cli/harness/runtime";
import { runPolicies } from "../../policies/offline";
import { toPolicy, type Rule } from "../../policies/lib/policy";
import { awsBackupVaultLockCompliance } from "../../policies/aws/backup-vault-lock-compliance";
import { awsBackupVaultPolicyDenyDelete } from "../../policies/aws/backup-vault-policy-deny-delete";
import { awsIamRoleTrustConfusedDeputy } from "../../policies/aws/iam-role-trust-confused-deputy";
import { awsLambdaFunctionFailureAlarmed } from "../../policies/aws/lambda-function-failure-alarmed";
import { awsS3BackupBucketNoDelete } from "../../policies/aws/s3-backup-bucket-no-delete";
import { awsS3BucketNameUnique } from "../../policies/aws/s3-bucket-name-unique";
import { awsSecurityGroupEgressRestricted } from "../../policies/aws/securitygroup-egress-restricted";
import { k8sNetworkPolicyDefaultDenyEgress } from "../../policies/kubernetes/networkpolicy-default-deny-egress";
import { awsEcsTaskDefinitionReadonlyRoot } from "../../policies/aws/ecs-taskdefinition-readonly-root";
import { k8sWorkloadReadonlyRoot } from "../../policies/kubernetes/workload-readonly-root";
import { dockerContainerReadonlyRoot } from "../../policies/docker/container-readonly-root";
import { awsEcsTaskDefinitionNoMasterCredentials } from "../../policies/aws/ecs-taskdefinition-no-master-credentials";
import { awsMskClusterClientAuthentication } from "../../policies/aws/msk-cluster-client-authentication";
import { dockerContainerNoMasterCredentials } from "../../policies/docker/container-no-master-credentials";
import { k8sWorkloadNoMasterCredentials } from "../../policies/kubernetes/workload-no-master-credentials";
import { fakePlan, type Fake } from "./helpers";

/**
 * For the security tier's new policy files (issue 15), which are not yet registered in the pack:
 * each runs alone, through the same offline engine emulation as `npm run policy`.
 */

/** The issue-15 rules, by name, until the pack registers them (then pack.test.ts finds these tests by the name in each call). */
export const SECURITY_RULES: readonly Rule[] = [
    awsSecurityGroupEgressRestricted,
    k8sNetworkPolicyDefaultDenyEgress,
    awsBackupVaultLockCompliance,
    awsBackupVaultPolicyDenyDelete,
    awsLambdaFunctionFailureAlarmed,
    awsS3BucketNameUnique,
    awsIamRoleTrustConfusedDeputy,
    awsS3BackupBucketNoDelete,
    awsEcsTaskDefinitionReadonlyRoot,
    k8sWorkloadReadonlyRoot,
    dockerContainerReadonlyRoot,
    dockerContainerNoMasterCredentials,
    k8sWorkloadNoMasterCredentials,
    awsEcsTaskDefinitionNoMasterCredentials,
    awsMskClusterClientAuthentication,
];

function ruleNamed(name: string): Rule {
    const r = SECURITY_RULES.find((x) => x.name === name);
    if (!r) throw new Error(`no issue-15 rule ${name}`);
    return r;
}

export async function runRule(rule: Rule, stack: string, resources: readonly Fake[]) {
    const report = await runPolicies(fakePlan(stack, resources), { policies: [toPolicy(rule)], exceptions: [] });
    return report.outcomes[0];
}

/** The compliant fixture passes and is checked; each one-field break is reported, at the mandatory level. */
export async function compliantAndBroken(t: ExecutionContext, name: string, stack: string, compliant: () => Fake[], breaks: Record<string, { edit: (r: Fake[]) => void; expect: RegExp }>): Promise<void> {
    const rule = ruleNamed(name);
    const ok = await runRule(rule, stack, compliant());
    t.deepEqual(
        ok.violations.map((v) => v.message),
        [],
        `${rule.name}: the compliant fixture passes`,
    );
    t.is(ok.status, "pass", `${rule.name}: the compliant fixture is checked (${ok.notApplicable ?? ""})`);
    for (const [what, b] of Object.entries(breaks)) {
        const resources = compliant();
        b.edit(resources);
        const broken = await runRule(rule, stack, resources);
        t.is(broken.level, "mandatory", `${rule.name}: security tier, mandatory in ${stack}`);
        t.true(
            broken.violations.some((v) => b.expect.test(v.message)),
            `${rule.name}: ${what}: expected ${b.expect}, got:\n${broken.violations.map((v) => v.message).join("\n")}`,
        );
    }
}

/** Runs each rule over the real planned stacks it targets; every one must pass (not be skipped). */
export async function planPasses(t: ExecutionContext, stacks: readonly string[], rules: readonly Rule[]): Promise<void> {
    for (const stack of stacks) {
        const plan = await planStack(stack);
        for (const rule of rules) {
            const report = await runPolicies(plan, { policies: [toPolicy(rule)], exceptions: [] });
            const o = report.outcomes[0];
            t.is(o.status, "pass", `${stack}: ${rule.name} ${o.notApplicable ?? ""} ${o.violations.map((v) => v.message).join("; ")}`);
        }
    }
}
