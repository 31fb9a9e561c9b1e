import { finding, label, resourceRule, type Subject } from "../lib/policy";

const STATEFUL = [
    "kubernetes:core/v1:PersistentVolumeClaim",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:core/v1:Namespace",
    "kubernetes:postgresql.cnpg.io/v1:Cluster",
    "kubernetes:kafka.strimzi.io/v1beta2:Kafka",
    "kubernetes:kafka.strimzi.io/v1beta2:KafkaNodePool",
    "kubernetes:helm.sh/v3:Release",
];

const DATA_CHARTS = /(^|\/)(postgresql|redis|mongodb|minio|kafka|loki)$/;

function stateful(s: Subject): boolean {
    return s.type !== "kubernetes:helm.sh/v3:Release" || DATA_CHARTS.test(String(s.props.chart ?? ""));
}

/** Deleting the namespace, a volume or a database object would delete data: those are protected in Pulumi. */
export const k8sStatefulResourceProtect = resourceRule({
    name: "k8s-stateful-resource-protect",
    description: "Stateful Kubernetes resources (namespace, PVCs, StatefulSets, CloudNativePG and Strimzi clusters, data charts) have the Pulumi protect option set.",
    tier: "hardening",
    target: "kubernetes",
    types: STATEFUL,
    remediationSteps: "Pass { protect: context.protect } to the resource (set `runbook-platform:protect: true` for a long-lived staging stack).",
    check: (s) => (!stateful(s) || s.opts.protect ? [] : [finding(`${label(s)} is not protected (resource option protect is false); deleting it deletes data`, { key: "protect" })]),
});
