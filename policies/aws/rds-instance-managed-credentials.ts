import * as aws from "@pulumi/aws";
import { finding, inputsOf, label, resourceRule } from "../lib/policy";

/** A key RDS would take for AWS's own: unset, or an `aws/…` alias (AWS-managed, its policy not the stack's). */
function awsManagedKey(key: unknown): boolean {
    return typeof key !== "string" || key === "" || /(^|:)alias\/aws\//.test(key);
}

/**
 * Issue 15 ("RDS, Secrets Manager: no IAM database auth; no rotation"): every PostgreSQL instance
 * accepts IAM authentication (FSBP RDS.10), and a primary's master password is RDS's to generate,
 * keep under the stack's data key and rotate (`manageMasterUserPassword`), never a password the
 * program passes, which would sit in state and never rotate. A read replica has its primary's master.
 */
export const awsRdsInstanceManagedCredentials = resourceRule({
    name: "aws-rds-instance-managed-credentials",
    description: "RDS instances have IAM database authentication on; a primary's master password is managed and rotated by RDS under a customer-managed key, never passed in.",
    tier: "security",
    target: "aws",
    types: ["aws:rds/instance:Instance"],
    remediationSteps:
        "Set iamDatabaseAuthenticationEnabled: true; on a primary set manageMasterUserPassword: true and masterUserSecretKmsKeyId to the stack's data key, remove password/passwordWo, and read the master from masterUserSecrets[0].secretArn (components/targets/aws/postgres.ts).",
    check: (s) => {
        const p = inputsOf(s, aws.rds.Instance);
        if (!p) return [];
        const why = "(issue 15: IAM database auth, FSBP RDS.10; RDS-managed, rotated master secret)";
        const out = [];
        if (p.iamDatabaseAuthenticationEnabled !== true) out.push(finding(`${label(s)}: iamDatabaseAuthenticationEnabled is ${p.iamDatabaseAuthenticationEnabled ?? "not set (off)"}; it must be true ${why}`));
        for (const field of ["password", "passwordWo"] as const) {
            if (p[field] !== undefined && p[field] !== null && p[field] !== "") out.push(finding(`${label(s)}: sets ${field}; the master password must be RDS's (manageMasterUserPassword), not one the program passes ${why}`));
        }
        if (typeof p.replicateSourceDb === "string" && p.replicateSourceDb !== "") return out;
        if (p.manageMasterUserPassword !== true) out.push(finding(`${label(s)}: manageMasterUserPassword is ${p.manageMasterUserPassword ?? "not set"}; RDS must generate, store and rotate the master password ${why}`));
        else if (awsManagedKey(p.masterUserSecretKmsKeyId))
            out.push(finding(`${label(s)}: masterUserSecretKmsKeyId is ${p.masterUserSecretKmsKeyId ?? "not set (aws/secretsmanager)"}; the master's secret must be under the stack's customer-managed data key ${why}`));
        return out;
    },
});
