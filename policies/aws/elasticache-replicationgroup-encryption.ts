import * as aws from "@pulumi/aws";
import { finding, inputsOf, label, resourceRule } from "../lib/policy";

/**
 * The cache is encrypted on disk and on the wire, and asks clients for the generated AUTH token.
 * On the wire means every client: `transitEncryptionMode` "preferred" accepts plain-text
 * connections next to TLS ones (ElastiCache offers it only for migrating clients to TLS); with
 * transit encryption enabled and the mode unset, ElastiCache creates the group "required".
 */
export const awsElastiCacheReplicationGroupEncryption = resourceRule({
    name: "aws-elasticache-replicationgroup-encryption",
    description: "ElastiCache replication groups encrypt at rest and in transit and require an AUTH token.",
    tier: "security",
    target: "aws",
    types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
    remediationSteps: "Set atRestEncryptionEnabled and transitEncryptionEnabled to true (transitEncryptionMode unset or required) and authToken from the generated Redis password.",
    check: (s) => {
        const p = inputsOf(s, aws.elasticache.ReplicationGroup);
        if (!p) return [];
        const out = [];
        if (p.atRestEncryptionEnabled !== true) out.push(finding(`${label(s)}: atRestEncryptionEnabled is ${p.atRestEncryptionEnabled ?? "not set (off)"}; cache data must be encrypted at rest`));
        if (p.transitEncryptionEnabled !== true) out.push(finding(`${label(s)}: transitEncryptionEnabled is ${p.transitEncryptionEnabled ?? "not set (off)"}; clients must connect over TLS`));
        const mode = p.transitEncryptionMode;
        if (mode !== undefined && mode !== "required") {
            out.push(finding(`${label(s)}: transitEncryptionMode is ${String(mode)}; "preferred" also accepts plain-text clients, so a client may skip TLS; allowed: "required", or unset with transitEncryptionEnabled (ElastiCache then requires TLS)`));
        }
        if (!p.authToken && !(p.userGroupIds && p.userGroupIds.length)) out.push(finding(`${label(s)}: no authToken (nor user groups); Redis must not accept unauthenticated clients`));
        return out;
    },
});
