import { finding, label, resourceRule } from "../lib/policy";
import { imagePinned } from "../lib/workloads";
import { CONTAINER, REMOTE_IMAGE } from "../lib/docker";

/** Images pulled and run locally are pinned, as in every other environment. */
export const dockerContainerImagePinned = resourceRule({
    name: "docker-container-image-pinned",
    description: "Docker images (RemoteImage names and container images given by reference) are pinned to a version tag or digest, never latest.",
    tier: "security",
    target: "docker",
    types: [CONTAINER, REMOTE_IMAGE],
    remediationSteps: "Pin the image to an exact version tag (e.g. postgres:16.4-alpine) or a digest.",
    check: (s) => {
        const image = s.type === REMOTE_IMAGE ? s.props.name : s.props.image;
        // A container started from a RemoteImage gets its image ID (sha256:...), which is pinned by construction.
        if (typeof image !== "string" || /^sha256:[a-f0-9]{64}$/.test(image)) return [];
        const pin = imagePinned(image);
        return pin.ok ? [] : [finding(`${label(s)}: image "${image}" ${pin.why}; a laptop must run what staging and production run`)];
    },
});
