import { finding, label, resourceRule } from "../lib/policy";

/**
 * The RabbitMQ Cluster Operator creates the broker's client Service from `spec.service`: a
 * LoadBalancer or NodePort there publishes AMQP and the management API outside the cluster, in a
 * Service the plan never shows (the operator writes it), so the Service policies cannot see it.
 */
export const k8sRabbitmqClusterNotPublic = resourceRule({
    name: "k8s-rabbitmqcluster-not-public",
    description: "A RabbitmqCluster's client Service stays ClusterIP: no LoadBalancer or NodePort publishes AMQP or the management API.",
    tier: "security",
    target: "kubernetes",
    types: ["kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster"],
    remediationSteps: "Leave spec.service.type unset (ClusterIP); reach the broker from inside the cluster.",
    check: (s) => {
        const type = s.props.spec?.service?.type;
        return type === undefined || type === "ClusterIP" ? [] : [finding(`${label(s)}: spec.service.type is ${type}; the broker's AMQP and management ports must stay inside the cluster`)];
    },
});
