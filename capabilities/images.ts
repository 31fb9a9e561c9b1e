/**
 * The one image rule: the config edge (stacks/settings.ts), the platform's own images
 * (capabilities/docker/versions.ts) and the policy pack (policies/lib/workloads.ts) all ask
 * `imagePinProblem`.
 */

const IMAGE_RE = /^[a-z0-9][a-z0-9._\-/]*(:[0-9]+\/[a-z0-9._\-/]+)?(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/**
 * Tags that name a channel or a branch, not a release: the registry re-points them, so two pulls
 * of the same reference can run different code. Named in the message, also with a variant suffix
 * (`stable-alpine`). A branch name with a version or commit in it (`main-3f2a1b9`) is a release.
 */
export const MOVING_TAGS = [
    "latest", "stable", "main", "master", "edge", "dev", "develop", "development", "nightly", "next", "canary", "beta", "alpha",
    "unstable", "testing", "test", "current", "lts", "rolling", "head", "trunk", "snapshot", "release", "prod", "production", "staging",
] as const;

/**
 * Channels that move whatever else the tag says: `v1-latest`, `stable-2024` and `latest2` are
 * re-pointed like `latest` is (a branch name, by contrast, is pinned by the commit beside it).
 */
const ALWAYS_MOVING = ["latest", "stable", "edge", "nightly", "current", "lts", "rolling", "snapshot", "unstable"] as const;

const PIN_ALLOWED = "allowed: a version tag (e.g. :1.3.2) or a sha256 digest (@sha256:<64 hex digits>)";

/**
 * Why a reference is not pinned, with what is allowed; undefined when it is. Pinned: a sha256
 * digest, or a tag with a version (beyond a bare major version) or a commit id that names no
 * moving channel.
 */
export function imagePinProblem(reference: string): string | undefined {
    const m = IMAGE_RE.exec(reference);
    if (!m) return `not an image reference (registry/name:tag or registry/name@sha256:<digest>, lowercase name); ${PIN_ALLOWED}`;
    const tag = m[2]?.slice(1);
    const name = reference.slice(0, reference.length - (m[2]?.length ?? 0) - (m[3]?.length ?? 0));
    if (name.split("/").pop() === "sha256" && tag && /^[a-f0-9]{64}$/.test(tag)) return `a digest without its image: write name@sha256:<digest>; ${PIN_ALLOWED}`;
    if (m[3]) return undefined;
    if (!tag) return `has no tag, so Docker pulls "latest", which moves; ${PIN_ALLOWED}`;
    const parts = tag.toLowerCase().split(/[-_.+]/);
    if (parts.some((p) => (ALWAYS_MOVING as readonly string[]).includes(p.replace(/[0-9]+$/, "")))) return `the tag "${tag}" moves (it names a channel the registry re-points); ${PIN_ALLOWED}`;
    if (!/[0-9]/.test(tag)) {
        if ((MOVING_TAGS as readonly string[]).includes(parts[0])) return `the tag "${tag}" moves (a channel or branch name the registry re-points); ${PIN_ALLOWED}`;
        return `the tag "${tag}" names no version (no version number or commit id in it), so it can move; ${PIN_ALLOWED}`;
    }
    if (/^v?[0-9]+$/.test(tag)) return `the tag "${tag}" names only a major version, which the registry re-points to each release; ${PIN_ALLOWED}`;
    if (parts.includes("x")) return `the tag "${tag}" is a version range (an "x" part), which moves; ${PIN_ALLOWED}`;
    return undefined;
}
