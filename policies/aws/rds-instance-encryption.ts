import * as aws from "@pulumi/aws";
import { finding, inputsOf, label, resourceRule } from "../lib/policy";

/** RDS storage is encrypted at rest (the provider's default is unencrypted). */
export const awsRdsInstanceEncryption = resourceRule({
    name: "aws-rds-instance-encryption",
    description: "RDS instances encrypt their storage at rest (storageEncrypted, or an encrypted source for replicas).",
    tier: "security",
    target: "aws",
    types: ["aws:rds/instance:Instance"],
    remediationSteps: "Set storageEncrypted: true with a KMS key (kmsKeyId).",
    check: (s) => {
        const p = inputsOf(s, aws.rds.Instance);
        if (!p || p.storageEncrypted === true || (p.replicateSourceDb && p.storageEncrypted !== false)) return [];
        return [finding(`${label(s)}: storageEncrypted is ${p.storageEncrypted ?? "not set (unencrypted)"}; database storage must be encrypted at rest`)];
    },
});
