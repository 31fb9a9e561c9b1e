import * as aws from "@pulumi/aws";
import { finding, inputsOf, label, resourceRule } from "../lib/policy";

/** The cache is encrypted on disk and on the wire, and asks clients for the generated AUTH token. */
export const awsElastiCacheReplicationGroupEncryption = resourceRule({
    name: "aws-elasticache-replicationgroup-encryption",
    description: "ElastiCache replication groups encrypt at rest and in transit and require an AUTH token.",
    tier: "security",
    target: "aws",
    types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
    remediationSteps: "Set atRestEncryptionEnabled and transitEncryptionEnabled to true and authToken from the generated Redis password.",
    check: (s) => {
        const p = inputsOf(s, aws.elasticache.ReplicationGroup);
        if (!p) return [];
        const out = [];
        if (p.atRestEncryptionEnabled !== true) out.push(finding(`${label(s)}: atRestEncryptionEnabled is ${p.atRestEncryptionEnabled ?? "not set (off)"}; cache data must be encrypted at rest`));
        if (p.transitEncryptionEnabled !== true) out.push(finding(`${label(s)}: transitEncryptionEnabled is ${p.transitEncryptionEnabled ?? "not set (off)"}; clients must connect over TLS`));
        if (!p.authToken && !(p.userGroupIds && p.userGroupIds.length)) out.push(finding(`${label(s)}: no authToken (nor user groups); Redis must not accept unauthenticated clients`));
        return out;
    },
});
