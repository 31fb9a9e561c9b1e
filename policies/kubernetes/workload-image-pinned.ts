import { finding, label, resourceRule } from "../lib/policy";
import { containers, POD_OWNERS } from "../lib/kubernetes";
import { imagePinned } from "../lib/workloads";

/** Every container the stack schedules runs a pinned image. */
export const k8sWorkloadImagePinned = resourceRule({
    name: "k8s-workload-image-pinned",
    description: "Every container and init container of a Kubernetes workload runs an image pinned to a version tag or digest, never latest.",
    tier: "security",
    target: "kubernetes",
    types: POD_OWNERS,
    remediationSteps: "Use the stack's pinned app images and exact version tags for third-party images.",
    check: (s) =>
        containers(s, true).flatMap((c) => {
            const image = typeof c.image === "string" ? c.image : "";
            const pin = imagePinned(image);
            return pin.ok ? [] : [finding(`${label(s)} container "${c.name}": image "${image}" ${pin.why}; deployments must be reproducible`)];
        }),
});
