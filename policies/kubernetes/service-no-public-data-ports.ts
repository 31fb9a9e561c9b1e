import { finding, label, resourceRule } from "../lib/policy";
import { DATA_PORTS } from "../lib/workloads";
import { asArray, isRecord, num } from "../lib/values";

/** No data service is exposed outside the cluster through a LoadBalancer or NodePort. */
export const k8sServiceNoPublicDataPorts = resourceRule({
    name: "k8s-service-no-public-data-ports",
    description: "Kubernetes Services of type LoadBalancer or NodePort do not expose data-service ports (PostgreSQL, Redis, MongoDB, Kafka, MinIO).",
    tier: "security",
    target: "kubernetes",
    types: ["kubernetes:core/v1:Service"],
    remediationSteps: "Use a ClusterIP Service for data services; NetworkPolicies admit only the app and monitoring.",
    check: (s) => {
        const type = s.props.spec?.type;
        if (type !== "LoadBalancer" && type !== "NodePort") return [];
        return asArray(s.props.spec?.ports)
            .filter(isRecord)
            .filter((p) => DATA_PORTS[num(p.port) ?? -1] || DATA_PORTS[num(p.targetPort) ?? -1])
            .map((p) => finding(`${label(s)}: type ${type} exposes ${DATA_PORTS[num(p.port) ?? -1] ?? DATA_PORTS[num(p.targetPort) ?? -1]} port ${p.port} outside the cluster; data services must stay internal`));
    },
});
