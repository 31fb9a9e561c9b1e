import * as aws from "@pulumi/aws";
import { finding, inputsOf, label, resourceRule } from "../lib/policy";

/**
 * Production databases cannot be deleted by accident and leave a final snapshot, and their
 * automated backups (point-in-time recovery), when they are deleted on purpose. RDS deletes the
 * automated backups with the instance unless `deleteAutomatedBackups` is false (the provider's
 * default is true).
 */
export const awsRdsInstanceDeletionProtection = resourceRule({
    name: "aws-rds-instance-deletion-protection",
    description: "RDS primary instances have deletion protection on and take a final snapshot and keep their automated backups when deleted (skipFinalSnapshot and deleteAutomatedBackups false).",
    tier: "hardening",
    target: "aws",
    types: ["aws:rds/instance:Instance"],
    remediationSteps: "Set deletionProtection: true, skipFinalSnapshot: false, a finalSnapshotIdentifier and deleteAutomatedBackups: false.",
    check: (s) => {
        const p = inputsOf(s, aws.rds.Instance);
        if (!p || p.replicateSourceDb) return [];
        const out = [];
        if (p.deletionProtection !== true) out.push(finding(`${label(s)}: deletionProtection is ${p.deletionProtection ?? "not set (off)"}; production state must not be deletable by one API call`, { key: "protect" }));
        if (p.skipFinalSnapshot === true) out.push(finding(`${label(s)}: skipFinalSnapshot is true; deleting it would lose the data without a final snapshot`, { key: "protect" }));
        if (p.deleteAutomatedBackups !== false) {
            out.push(finding(`${label(s)}: deleteAutomatedBackups is ${p.deleteAutomatedBackups ?? "not set (true: RDS deletes them with the instance)"}; deleting the instance would drop its automated backups and point-in-time recovery with it; allowed: false`, { key: "protect" }));
        }
        return out;
    },
});
