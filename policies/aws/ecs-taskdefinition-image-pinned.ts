import { finding, label, resourceRule } from "../lib/policy";
import { imagePinned } from "../lib/workloads";
import { containerDefinitions, TASK_DEFINITION } from "../lib/ecs";

/** Every ECS container runs a pinned image. */
export const awsEcsTaskDefinitionImagePinned = resourceRule({
    name: "aws-ecs-taskdefinition-image-pinned",
    description: "Every container of an ECS task definition runs an image pinned to a version tag or digest (no latest, no missing tag).",
    tier: "security",
    target: "aws",
    types: [TASK_DEFINITION],
    remediationSteps: "Use the pinned image from the stack's images config, or a third-party image with an exact version tag.",
    check: (s) =>
        containerDefinitions(s.props).flatMap((c) => {
            const image = typeof c.image === "string" ? c.image : "";
            const pin = imagePinned(image);
            return pin.ok ? [] : [finding(`${label(s)} container "${c.name}": image "${image}" ${pin.why}; deployments must be reproducible`)];
        }),
});
