import * as aws from "@pulumi/aws";
import { finding, inputsOf, label, resourceRule } from "../lib/policy";

/** A production RabbitMQ broker survives the loss of an availability zone. */
export const awsMqBrokerClusterDeployment = resourceRule({
    name: "aws-mq-broker-cluster-deployment",
    description: "Production Amazon MQ for RabbitMQ brokers run as a three-node cluster over three availability zones (CLUSTER_MULTI_AZ).",
    tier: "hardening",
    target: "aws",
    types: ["aws:mq/broker:Broker"],
    remediationSteps: "Set data.rabbitmq.nodes to 3 in the runbook (deploymentMode CLUSTER_MULTI_AZ), or declare an exception for a single-instance broker.",
    check: (s, ctx) => {
        const p = inputsOf(s, aws.mq.Broker);
        if (!p || p.engineType?.toLowerCase() !== "rabbitmq" || ctx.env !== "production") return [];
        return p.deploymentMode === "CLUSTER_MULTI_AZ"
            ? []
            : [finding(`${label(s)}: deploymentMode is ${p.deploymentMode ?? "not set (SINGLE_INSTANCE)"}; a production broker must be a CLUSTER_MULTI_AZ cluster`, { key: "data.rabbitmq.nodes" })];
    },
});
