import * as aws from "@pulumi/aws";
import { finding, inputsOf, label, resourceRule } from "../lib/policy";

/**
 * Issue 15 ("RDS, Secrets Manager: no rotation"): a DocumentDB cluster's master password is
 * DocumentDB's to generate, keep in Secrets Manager and rotate (`manageMasterUserPassword`), never a
 * password the program passes, which would sit in state and never rotate. (DocumentDB has no IAM
 * database authentication flag on the cluster, and provider 7.x no input for the secret's key.)
 */
export const awsDocdbClusterManagedCredentials = resourceRule({
    name: "aws-docdb-cluster-managed-credentials",
    description: "DocumentDB clusters' master password is managed and rotated by DocumentDB in Secrets Manager, never passed in.",
    tier: "security",
    target: "aws",
    types: ["aws:docdb/cluster:Cluster"],
    remediationSteps: "Set manageMasterUserPassword: true, remove masterPassword/masterPasswordWo, and read the master from masterUserSecrets[0].secretArn (components/targets/aws/documentdb.ts).",
    check: (s) => {
        const p = inputsOf(s, aws.docdb.Cluster);
        if (!p) return [];
        const why = "(issue 15: a managed, rotated master secret)";
        const out = [];
        for (const field of ["masterPassword", "masterPasswordWo"] as const) {
            if (p[field] !== undefined && p[field] !== null && p[field] !== "") out.push(finding(`${label(s)}: sets ${field}; the master password must be DocumentDB's (manageMasterUserPassword), not one the program passes ${why}`));
        }
        if (p.manageMasterUserPassword !== true) out.push(finding(`${label(s)}: manageMasterUserPassword is ${p.manageMasterUserPassword ?? "not set"}; DocumentDB must generate, store and rotate the master password ${why}`));
        return out;
    },
});
