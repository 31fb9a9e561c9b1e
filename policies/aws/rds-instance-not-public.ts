import * as aws from "@pulumi/aws";
import { finding, inputsOf, label, resourceRule } from "../lib/policy";

/** No database answers on a public address. */
export const awsRdsInstanceNotPublic = resourceRule({
    name: "aws-rds-instance-not-public",
    description: "RDS instances are not publicly accessible.",
    tier: "security",
    target: "aws",
    types: ["aws:rds/instance:Instance"],
    remediationSteps: "Set publiclyAccessible: false and reach the database from the app's private subnets.",
    check: (s) => {
        const p = inputsOf(s, aws.rds.Instance);
        return p?.publiclyAccessible === true ? [finding(`${label(s)}: publiclyAccessible is true; data services must not be reachable from the internet`)] : [];
    },
});
