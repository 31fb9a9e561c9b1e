import test from "ava";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { planStack } from "../../cli/harness/runtime";
import { readStackConfig, STACKS_DIR } from "../../cli/harness/stack-files";
import { getRunbook, ENVS } from "../../runbooks";
import { imagePinned } from "../../policies/lib/workloads";
import { allStacks, ConfigError, imagePinProblem, MOVING_TAGS, parseStackName, PROJECT, resolveStack } from "../../stacks/settings";

/**
 * One image rule, at the config edge: a version tag or a digest. Every moving tag is refused by
 * name on every target, with the config key `runbook-platform:images.<service>`, before any
 * resource; the same references pass or fail whatever the target.
 */

const DIGEST = `@sha256:${"0123456789abcdef".repeat(4)}`;

function withImage(stack: string, service: string, reference: string): string {
    const doc = YAML.parse(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, Record<string, string>> };
    const images = { ...doc.config[`${PROJECT}:images`], [service]: reference };
    return YAML.stringify({ config: { ...doc.config, [`${PROJECT}:images`]: images } });
}

// One stack per environment, so every target (docker, kubernetes, aws) is covered.
const STACKS = ENVS.map((env) => allStacks().find((s) => s.startsWith("gravitypm-") && parseStackName(s).env === env)!);

test("every moving tag, bare or with a variant suffix, is refused by name on every target, naming the key", (t) => {
    for (const stack of STACKS) {
        const service = getRunbook(parseStackName(stack).app).services[0].name;
        for (const tag of [...MOVING_TAGS, ...MOVING_TAGS.map((m) => `${m}-alpine`), "LATEST", "Main"]) {
            const reference = `ghcr.io/gravitypm/api:${tag}`;
            const err = t.throws(() => resolveStack(stack, readStackConfig(stack, withImage(stack, service, reference)).config), { instanceOf: ConfigError }, `${stack} ${tag}`);
            t.true(err!.message.includes(`${PROJECT}:images.${service} = "${reference}": the tag "${tag}" moves`), err!.message);
        }
    }
});

test("version tags, commit tags and digests are pinned; no tag or a versionless tag is not", (t) => {
    const pinned = ["ghcr.io/gravitypm/api:1.3.2", "postgres:16.4-alpine", "ghcr.io/x/api:v2.1", "ghcr.io/x/api:main-3f2a1b9", "ghcr.io/x/api:sha-3f2a1b9", `ghcr.io/x/api${DIGEST}`, `ghcr.io/x/api:latest${DIGEST}`, `registry.local:5000/x/y:1.0`, `registry.local:5000/x/y${DIGEST}`];
    for (const r of pinned) t.is(imagePinProblem(r), undefined, r);
    const unpinned: [string, RegExp][] = [
        ["ghcr.io/x/api", /has no tag, so Docker pulls "latest"/],
        ["registry.local:5000/x/y", /has no tag/],
        ["ghcr.io/x/api:alpine", /the tag "alpine" names no version/],
        ["ghcr.io/x/api:latest", /the tag "latest" moves/],
        ["ghcr.io/x/api@sha256:abc", /not an image reference/],
        ["GHCR.io/x/api:1.0", /not an image reference/],
        ["ghcr.io/x/api:v1-latest", /the tag "v1-latest" moves/],
        ["ghcr.io/x/api:stable-2024", /the tag "stable-2024" moves/],
        ["ghcr.io/x/api:latest2", /the tag "latest2" moves/],
        ["node:20", /names only a major version/],
        ["ghcr.io/x/api:v2", /names only a major version/],
        ["ghcr.io/x/api:3.x", /a version range/],
        [`sha256:${"4f".repeat(32)}`, /a digest without its image/],
    ];
    for (const [r, why] of unpinned) t.regex(imagePinProblem(r) ?? "(pinned)", why, r);
    for (const [r] of unpinned) t.regex(imagePinProblem(r)!, /allowed: a version tag \(e\.g\. :1\.3\.2\) or a sha256 digest/);
});

test("the Docker target has no rule of its own: a moving tag stops the plan at the config edge, with the key", async (t) => {
    const stack = STACKS.find((s) => parseStackName(s).env === "local")!;
    const service = getRunbook(parseStackName(stack).app).services[0].name;
    const err = await t.throwsAsync(planStack(stack, { stackFileText: withImage(stack, service, "ghcr.io/gravitypm/api:edge") }), { instanceOf: ConfigError });
    t.true(err!.message.includes(`${PROJECT}:images.${service} = "ghcr.io/gravitypm/api:edge": the tag "edge" moves`));
    const source = fs.readFileSync(path.join(__dirname, "..", "..", "components", "targets", "docker", "index.ts"), "utf8");
    t.notRegex(source, /isPinned\(|imagePinProblem\(|is not pinned/, "the Docker target checks images again");
});

test("the policy pack holds images to the same rule as the config edge, reference by reference", (t) => {
    const references = [
        ...MOVING_TAGS.flatMap((m) => [`ghcr.io/x/api:${m}`, `ghcr.io/x/api:${m}-alpine`, `ghcr.io/x/api:1.2-${m}`]),
        "ghcr.io/x/api:1.3.2", "ghcr.io/x/api:main-3f2a1b9", "node:20", "ghcr.io/x/api:3.x", `ghcr.io/x/api${DIGEST}`, "ghcr.io/x/api", `sha256:${"4f".repeat(32)}`,
    ];
    for (const r of references) t.is(imagePinned(r).ok, imagePinProblem(r) === undefined, r);
});
