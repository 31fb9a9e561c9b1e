import * as aws from "@pulumi/aws";
import { finding, inputsOf, label, resourceRule } from "../lib/policy";

/** The cache fails over to a replica in another zone by itself. */
export const awsElastiCacheReplicationGroupFailover = resourceRule({
    name: "aws-elasticache-replicationgroup-failover",
    description: "ElastiCache replication groups have automatic failover and Multi-AZ on.",
    tier: "hardening",
    target: "aws",
    types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
    remediationSteps: "Set automaticFailoverEnabled and multiAzEnabled to true with at least one replica.",
    check: (s) => {
        const p = inputsOf(s, aws.elasticache.ReplicationGroup);
        if (!p) return [];
        const out = [];
        if (p.automaticFailoverEnabled !== true) out.push(finding(`${label(s)}: automaticFailoverEnabled is ${p.automaticFailoverEnabled ?? "not set (off)"}; a failed primary must be replaced without a person`));
        if (p.multiAzEnabled !== true) out.push(finding(`${label(s)}: multiAzEnabled is ${p.multiAzEnabled ?? "not set (off)"}; replicas must sit in another availability zone`));
        return out;
    },
});
