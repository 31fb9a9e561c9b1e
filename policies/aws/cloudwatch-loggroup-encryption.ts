import * as aws from "@pulumi/aws";
import { isUnknown } from "../lib/inputs";
import { finding, inputsOf, label, resourceRule } from "../lib/policy";

/**
 * CloudWatch log groups are encrypted with the stack's KMS key (components/targets/aws/scope.ts
 * logGroup): the apps' and data services' logs carry request data, and the key's policy, not only
 * the log group's, decides who reads them. Without kmsKeyId CloudWatch falls back to its own key,
 * which any principal with logs:GetLogEvents on the group can read through.
 */
export const awsCloudwatchLogGroupEncryption = resourceRule({
    name: "aws-cloudwatch-loggroup-encryption",
    description: "CloudWatch log groups are encrypted with a customer-managed KMS key (kmsKeyId set), as the platform creates them.",
    tier: "security",
    target: "aws",
    types: ["aws:cloudwatch/logGroup:LogGroup"],
    remediationSteps: "Pass the stack's data key (kmsKeyArn) to logGroup() in components/targets/aws/scope.ts, as every platform log group does.",
    check: (s) => {
        const p = inputsOf(s, aws.cloudwatch.LogGroup);
        if (!p || isUnknown(p.kmsKeyId)) return [];
        if (typeof p.kmsKeyId === "string" && p.kmsKeyId.length > 0) return [];
        return [finding(`${label(s)}: kmsKeyId is ${p.kmsKeyId === undefined ? "unset" : JSON.stringify(p.kmsKeyId)}, so CloudWatch encrypts it with its own key; allowed: the stack's KMS key ARN, as generated (a platform default: log access is governed by the key's policy too)`)];
    },
});
