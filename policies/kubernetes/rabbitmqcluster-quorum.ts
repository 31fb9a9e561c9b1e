import { asArray, num } from "../lib/values";
import { finding, label, stackRule } from "../lib/policy";

const CLUSTER = "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster";
const QUEUE = "kubernetes:rabbitmq.com/v1beta1:Queue";

/**
 * Quorum queues replicate over a majority of nodes: in a cluster of fewer than three they do not
 * survive a lost node, and an even node count tolerates no more failures than one node fewer.
 */
export const k8sRabbitmqClusterQuorum = stackRule({
    name: "k8s-rabbitmqcluster-quorum",
    description: "A RabbitmqCluster runs an odd number of nodes, and at least three where a Queue of type quorum is declared on it.",
    tier: "hardening",
    target: "kubernetes",
    remediationSteps: "Set data.rabbitmq.nodes to 3 (or another odd number of at least 3) in the runbook, or declare its quorum queues classic.",
    notApplicable: (resources) => (resources.some((r) => r.type === CLUSTER) ? undefined : "the stack runs no RabbitmqCluster"),
    check: (resources) => {
        const out = [];
        for (const cluster of resources.filter((r) => r.type === CLUSTER)) {
            const name = String(cluster.props.metadata?.name ?? cluster.name);
            const replicas = num(cluster.props.spec?.replicas) ?? 1;
            const quorum = resources.filter((r) => r.type === QUEUE && r.props.spec?.rabbitmqClusterReference?.name === name && r.props.spec?.type === "quorum");
            if (replicas % 2 === 0) out.push(finding(`${label(cluster)}: spec.replicas is ${replicas}; an even cluster tolerates no more lost nodes than ${replicas - 1}, and pause_minority stops both halves of an even split`, { key: "data.rabbitmq.nodes" }));
            if (quorum.length && replicas < 3) {
                const names = quorum.map((q) => String(q.props.spec?.name ?? q.name));
                out.push(finding(`${label(cluster)}: spec.replicas is ${replicas}; quorum queue(s) ${asArray(names).join(", ")} need at least 3 nodes to survive a lost node`, { key: "data.rabbitmq.nodes" }));
            }
        }
        return out;
    },
});
