import * as aws from "@pulumi/aws";
import { asArray } from "../lib/values";
import { finding, inputsOf, label, resourceRule } from "../lib/policy";

/** A message broker takes connections only from inside the VPC, through a security group, and logs. */
export const awsMqBrokerNotPublic = resourceRule({
    name: "aws-mq-broker-not-public",
    description: "Amazon MQ brokers are not publicly accessible, sit behind at least one security group, and send their general logs to CloudWatch.",
    tier: "security",
    target: "aws",
    types: ["aws:mq/broker:Broker"],
    remediationSteps: "Set publiclyAccessible: false, securityGroups to the broker's own group, and logs.general: true.",
    check: (s) => {
        const p = inputsOf(s, aws.mq.Broker);
        if (!p) return [];
        const out = [];
        // The provider's default is false: only an explicit true is public.
        if (p.publiclyAccessible === true) out.push(finding(`${label(s)}: publiclyAccessible is true; the broker must be reachable only from inside the VPC`));
        if (asArray(p.securityGroups).length === 0) out.push(finding(`${label(s)}: securityGroups is empty; the broker needs its own group admitting only the app's tasks`));
        if (p.logs?.general !== true) out.push(finding(`${label(s)}: logs.general is ${p.logs?.general ?? "not set"}; the broker's general log must go to CloudWatch`));
        return out;
    },
});
