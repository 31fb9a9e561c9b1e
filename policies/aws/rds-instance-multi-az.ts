import * as aws from "@pulumi/aws";
import { finding, inputsOf, label, resourceRule } from "../lib/policy";

/** A primary database survives the loss of an availability zone. */
export const awsRdsInstanceMultiAz = resourceRule({
    name: "aws-rds-instance-multi-az",
    description: "RDS primary instances run Multi-AZ, with a standby in a second availability zone.",
    tier: "hardening",
    target: "aws",
    types: ["aws:rds/instance:Instance"],
    remediationSteps: "Set multiAz: true on the primary.",
    check: (s) => {
        const p = inputsOf(s, aws.rds.Instance);
        if (!p || p.replicateSourceDb || p.multiAz === true) return [];
        return [finding(`${label(s)}: multiAz is ${p.multiAz ?? "not set (single-AZ)"}; the primary must fail over to another availability zone`)];
    },
});
