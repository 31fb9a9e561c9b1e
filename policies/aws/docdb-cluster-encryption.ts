import * as aws from "@pulumi/aws";
import { finding, inputsOf, label, resourceRule } from "../lib/policy";

/** DocumentDB storage is encrypted at rest (the provider's default is unencrypted). */
export const awsDocdbClusterEncryption = resourceRule({
    name: "aws-docdb-cluster-encryption",
    description: "DocumentDB clusters encrypt their storage at rest.",
    tier: "security",
    target: "aws",
    types: ["aws:docdb/cluster:Cluster"],
    remediationSteps: "Set storageEncrypted: true with a KMS key.",
    check: (s) => {
        const p = inputsOf(s, aws.docdb.Cluster);
        return p && p.storageEncrypted !== true ? [finding(`${label(s)}: storageEncrypted is ${p.storageEncrypted ?? "not set (unencrypted)"}; database storage must be encrypted at rest`)] : [];
    },
});
