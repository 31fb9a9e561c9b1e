import * as aws from "@pulumi/aws";
import { finding, inputsOf, label, resourceRule } from "../lib/policy";

/** Production databases cannot be deleted by accident and leave a final snapshot when they are deleted on purpose. */
export const awsRdsInstanceDeletionProtection = resourceRule({
    name: "aws-rds-instance-deletion-protection",
    description: "RDS primary instances have deletion protection on and take a final snapshot (skipFinalSnapshot false).",
    tier: "hardening",
    target: "aws",
    types: ["aws:rds/instance:Instance"],
    remediationSteps: "Set deletionProtection: true, skipFinalSnapshot: false and a finalSnapshotIdentifier.",
    check: (s) => {
        const p = inputsOf(s, aws.rds.Instance);
        if (!p || p.replicateSourceDb) return [];
        const out = [];
        if (p.deletionProtection !== true) out.push(finding(`${label(s)}: deletionProtection is ${p.deletionProtection ?? "not set (off)"}; production state must not be deletable by one API call`, { key: "protect" }));
        if (p.skipFinalSnapshot === true) out.push(finding(`${label(s)}: skipFinalSnapshot is true; deleting it would lose the data without a final snapshot`, { key: "protect" }));
        return out;
    },
});
