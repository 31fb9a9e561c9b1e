import * as aws from "@pulumi/aws";
import { finding, inputsOf, label, resourceRule } from "../lib/policy";

/** The document database cannot be deleted by accident and leaves a final snapshot. */
export const awsDocdbClusterDeletionProtection = resourceRule({
    name: "aws-docdb-cluster-deletion-protection",
    description: "DocumentDB clusters have deletion protection on and take a final snapshot.",
    tier: "hardening",
    target: "aws",
    types: ["aws:docdb/cluster:Cluster"],
    remediationSteps: "Set deletionProtection: true, skipFinalSnapshot: false and a finalSnapshotIdentifier.",
    check: (s) => {
        const p = inputsOf(s, aws.docdb.Cluster);
        if (!p) return [];
        const out = [];
        if (p.deletionProtection !== true) out.push(finding(`${label(s)}: deletionProtection is ${p.deletionProtection ?? "not set (off)"}; production state must not be deletable by one API call`, { key: "protect" }));
        if (p.skipFinalSnapshot === true) out.push(finding(`${label(s)}: skipFinalSnapshot is true; deleting it would lose the data without a final snapshot`, { key: "protect" }));
        return out;
    },
});
