import { finding, label, resourceRule } from "../lib/policy";

const EXACT_SEMVER = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** Operators and charts the platform installs are pinned to an exact chart version. */
export const k8sHelmReleaseVersionPinned = resourceRule({
    name: "k8s-helm-release-version-pinned",
    description: "Helm releases pin an exact chart version (no range, no missing version).",
    tier: "security",
    target: "kubernetes",
    types: ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Chart"],
    remediationSteps: "Set version to an exact chart version, e.g. 65.1.1.",
    check: (s) => {
        const v = s.props.version;
        return typeof v === "string" && EXACT_SEMVER.test(v) ? [] : [finding(`${label(s)}: chart ${s.props.chart ?? "?"} version is ${v === undefined ? "not set (latest)" : JSON.stringify(v)}; charts must be pinned to an exact version`)];
    },
});
