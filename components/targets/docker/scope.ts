import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { SecretEnv } from "../../../capabilities/docker/backups";
import { engineName } from "../../../capabilities/docker/names";
import { LOOPBACK, type PublishedPort } from "../../../capabilities/docker/topology";
import type { DockerLimits, DockerResources } from "../../../capabilities/sizing";
import type { Env } from "../../../runbooks";

/**
 * What every child component of the Docker target shares: the stack's name, environment,
 * protection and app id, what every container takes from the runbook (its published ports, log
 * options and the platform's limits), the target's provider, the app's network, the pulled images
 * and the generated passwords by name; and the one function that turns a container description
 * into `docker.Container` arguments, so labels, network aliases, restart policy, log options and
 * loopback-only ports are the same everywhere. It holds no runbook: each component's Args name the
 * runbook data and derived settings it uses, and the platform (index.ts, args.ts) builds the scope
 * and the Args from the stack in one place; it holds no stack setting a child does not read.
 */

export interface DockerScope {
    /** The stack's name: the prefix of every engine name and the `platform.stack` label. */
    readonly stack: string;
    /** The stack's environment: the `env` label. */
    readonly env: Env;
    /** Protect volumes and keep them if Pulumi lets go of them. The stack's `protect` (off on a laptop unless the stack turns it on). */
    readonly protect: boolean;
    /** The app id (the runbook's `app`): the `app` label, and the subject of error messages. */
    readonly app: string;
    /** Every host port the stack publishes on 127.0.0.1 (`publishedPorts` of the runbook); a container publishes those of its first alias. */
    readonly ports: readonly PublishedPort[];
    /** Every container's json-file log options (`dockerLogOptions` of the runbook: labels, tag, the runbook's size rotation). */
    readonly logOptions: Readonly<Record<string, string>>;
    /** The limits of a platform container by its `component` label (`platformLimits` of the runbook: Redis's from `data.redis.maxmemoryMB`); throws for an unknown component. */
    platformLimits(component: string): DockerLimits;
    /** The target's provider: every container, volume and image is created with it. */
    readonly provider: docker.Provider;
    /** The app's private bridge network: every container joins it. */
    readonly network: docker.Network;
    /** One pulled image per pinned reference, by reference. */
    readonly images: ReadonlyMap<string, docker.RemoteImage>;
    /** The generated passwords (`PlatformSecrets`) by name, for containers' `secretEnv`; absent where the runbook has no such data service. */
    readonly passwords: Readonly<Partial<Record<SecretName, pulumi.Output<string>>>>;
}

export type SecretName = SecretEnv["secret"];

/** A generated password; fails early, naming the runbook field, when the runbook has no such data service. */
export function password(scope: DockerScope, secret: SecretName): pulumi.Output<string> {
    const generated = scope.passwords[secret];
    if (!generated) throw new Error(`${scope.app}: the ${secret} password is generated only when \`data.${secret}\` is in the runbook`);
    return generated;
}

/** Environment values built from a secret, kept secret. */
export function secretEnvs(scope: DockerScope, secretEnv: Readonly<Record<string, SecretEnv>>): pulumi.Output<string>[] {
    return Object.entries(secretEnv).map(([key, s]) => pulumi.secret(password(scope, s.secret).apply((p) => `${key}=${s.value(p)}`)));
}

export function plainEnvs(env: Readonly<Record<string, string>>): string[] {
    return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

export function image(scope: DockerScope, reference: string): docker.RemoteImage {
    const pulled = scope.images.get(reference);
    if (!pulled) throw new Error(`${scope.app}: image ${reference} was not pulled; add it to stackImages (capabilities/docker/names.ts)`);
    return pulled;
}

export interface ContainerSpec {
    /** Part of the engine and Pulumi names: `postgres`, `backend-2`. */
    readonly part: string;
    /** `component` label: the service or data service the container belongs to. */
    readonly component: string;
    /** The pinned image reference; it must be one the platform pulled (`stackImages`). */
    readonly image: string;
    /** Host names on the network; the first is also the container's hostname. */
    readonly aliases: readonly string[];
    /** Plain environment. Defaults to none. */
    readonly env?: Readonly<Record<string, string>>;
    /** Environment built from the generated passwords, kept secret. Defaults to none. */
    readonly secretEnv?: Readonly<Record<string, SecretEnv>>;
    /** Secret values that are not the platform's generated passwords (a replication password made here). */
    readonly secretValues?: Readonly<Record<string, pulumi.Output<string>>>;
    /** Plain values known only after another resource is created (a generated cluster id). */
    readonly computedEnv?: Readonly<Record<string, pulumi.Output<string>>>;
    /** Defaults to the image's command. */
    readonly command?: readonly string[];
    /** Defaults to the image's entrypoint. */
    readonly entrypoint?: readonly string[];
    /** Defaults to the image's user. */
    readonly user?: string;
    /** Files written into the container before it starts. Defaults to none. */
    readonly uploads?: readonly docker.types.input.ContainerUpload[];
    /** Some upload holds a secret (a key file, a config with credentials): keep `uploads` secret in state. */
    readonly secretUploads?: boolean;
    /** Named volumes and where they are mounted. Defaults to none. */
    readonly volumes?: readonly { volume: docker.Volume; path: string; readOnly?: boolean }[];
    /** Host paths bound in (the Docker socket, /sys for cAdvisor). Defaults to none. */
    readonly binds?: readonly { hostPath: string; path: string; readOnly?: boolean }[];
    /** Defaults to the image's healthcheck, if any. */
    readonly healthcheck?: docker.types.input.ContainerHealthcheck;
    /** Wait for the healthcheck to pass before dependants are created. Defaults to false. */
    readonly waitHealthy?: boolean;
    /** A one-shot job: restarted on failure until it exits 0, then left stopped. Defaults to false (a service: `unless-stopped`). */
    readonly oneShot?: boolean;
    /** Limits in the provider's units (MiB, CPUs): the runbook's, for app services (`dockerResources`). Defaults to the platform's limits for the component (capabilities/docker/sizing.ts); one-shot jobs get none. */
    readonly resources?: DockerResources;
    /** Full access to the host's devices; only cAdvisor needs it. Defaults to false. */
    readonly privileged?: boolean;
    /**
     * Run confined: read-only root filesystem with a tmpfs at `scratch` (bounded, no exec), every
     * capability dropped, no privilege escalation. Defaults to none (the image's own settings).
     */
    readonly confined?: { readonly scratch: string; readonly scratchMiB: number };
    /**
     * Run on a read-only root filesystem, keeping the image's user and capabilities (data stores
     * whose entrypoints start as root, prepare their directories and step down): a tmpfs at each
     * path the image writes besides its volumes, bounded in MiB, `exec` where a program loads code
     * from it (the JVM's native libraries). Uploads must go to writable volumes (`withUploadVolumes`).
     * Defaults to none.
     */
    readonly readOnlyRoot?: { readonly tmpfs: Readonly<Record<string, { readonly mib: number; readonly exec?: boolean }>> };
}

/** How long `pulumi up` waits for a data service to turn healthy (a first start initialises the volume). */
const HEALTHY_WITHIN_SECONDS = 180;
/** Attempts of a one-shot job; Docker backs off between them, so this spans several minutes. */
const ONE_SHOT_ATTEMPTS = 30;

/**
 * The engine writes uploads through its archive API, which refuses a path on a read-only root that
 * no writable volume or bind holds (moby daemon/archive.go: "container rootfs is marked
 * read-only"): the plan would pass and `pulumi up` fail on the first start.
 */
function assertUploadsWritable(scope: DockerScope, spec: ContainerSpec): void {
    if (!spec.confined && !spec.readOnlyRoot) return;
    const mounts = [...(spec.volumes ?? []), ...(spec.binds ?? [])].filter((m) => !m.readOnly).map((m) => m.path.replace(/\/+$/, ""));
    const files = (spec.uploads ?? []).map((u) => u.file).filter((f): f is string => typeof f === "string");
    const refused = files.filter((file) => !mounts.some((m) => file.startsWith(`${m}/`)));
    if (refused.length) {
        throw new Error(`${scope.stack}: container ${spec.part} runs on a read-only root and uploads ${refused.join(", ")}, which no writable volume holds; the Docker engine refuses that upload. Allowed: uploads under one of ${mounts.join(", ") || "(no writable volume)"}, or mount a volume at the file's folder`);
    }
}

/** The tmpfs mounts of a read-only container: bounded, nosuid, noexec unless asked. */
function tmpfsMounts(spec: ContainerSpec): Record<string, string> {
    const mounts: Record<string, string> = {};
    for (const [path, t] of Object.entries(spec.readOnlyRoot?.tmpfs ?? {})) mounts[path] = `rw,${t.exec ? "exec" : "noexec"},nosuid,size=${t.mib}m`;
    if (spec.confined) mounts[spec.confined.scratch] = `rw,noexec,nosuid,size=${spec.confined.scratchMiB}m`;
    return mounts;
}

export function containerArgs(scope: DockerScope, spec: ContainerSpec): docker.ContainerArgs {
    assertUploadsWritable(scope, spec);
    const pulled = image(scope, spec.image);
    const host = spec.aliases[0];
    const ports = scope.ports
        .filter((p) => p.host === host)
        .map((p) => ({ internal: p.internal, external: p.external, ip: LOOPBACK }));
    const envs: pulumi.Input<string>[] = [
        ...plainEnvs(spec.env ?? {}),
        ...Object.entries(spec.computedEnv ?? {}).map(([key, value]) => pulumi.interpolate`${key}=${value}`),
        ...secretEnvs(scope, spec.secretEnv ?? {}),
        ...Object.entries(spec.secretValues ?? {}).map(([key, value]) => pulumi.secret(pulumi.interpolate`${key}=${value}`)),
    ];
    const logOpts = { ...scope.logOptions };
    const volumes = [
        ...(spec.volumes ?? []).map((v) => ({ volumeName: v.volume.name, containerPath: v.path, readOnly: v.readOnly })),
        ...(spec.binds ?? []).map((b) => ({ hostPath: b.hostPath, containerPath: b.path, readOnly: b.readOnly })),
    ];
    return {
        name: engineName(scope.stack, spec.part),
        // The image ID, not the tag: the container follows the pulled image (a name would be a
        // perpetual diff). The pinned reference is in the `platform.image` label.
        image: pulled.imageId,
        hostname: host,
        networksAdvanced: [{ name: scope.network.name, aliases: [...spec.aliases] }],
        labels: [
            { label: "app", value: scope.app },
            { label: "component", value: spec.component },
            { label: "env", value: scope.env },
            { label: "platform.image", value: spec.image },
            { label: "platform.stack", value: scope.stack },
        ],
        envs,
        command: spec.command?.length ? [...spec.command] : undefined,
        entrypoints: spec.entrypoint ? [...spec.entrypoint] : undefined,
        user: spec.user,
        uploads: spec.uploads ? [...spec.uploads] : undefined,
        volumes: volumes.length ? volumes : undefined,
        ports: ports.length ? ports : undefined,
        healthcheck: spec.healthcheck,
        wait: spec.waitHealthy && spec.healthcheck ? true : undefined,
        waitTimeout: spec.waitHealthy && spec.healthcheck ? HEALTHY_WITHIN_SECONDS : undefined,
        restart: spec.oneShot ? "on-failure" : "unless-stopped",
        maxRetryCount: spec.oneShot ? ONE_SHOT_ATTEMPTS : undefined,
        // A finished job is left alone; a service that stopped is started again by `pulumi up`.
        mustRun: spec.oneShot ? false : true,
        logDriver: "json-file",
        logOpts,
        privileged: spec.privileged,
        ...(spec.readOnlyRoot || spec.confined ? { readOnly: true, tmpfs: tmpfsMounts(spec) } : {}),
        ...(spec.confined ? { capabilities: { drops: ["ALL"] }, securityOpts: ["no-new-privileges:true"] } : {}),
        ...(spec.resources ?? (spec.oneShot ? {} : scope.platformLimits(spec.component))),
    };
}

/** Options of a container: parent, the target's provider, the image it runs, and its env/uploads kept secret in state. */
export function containerOptions(parent: pulumi.Resource, scope: DockerScope, spec: ContainerSpec, dependsOn: pulumi.Input<pulumi.Resource>[] = []): pulumi.CustomResourceOptions {
    const hasSecretEnv = Object.keys(spec.secretEnv ?? {}).length + Object.keys(spec.secretValues ?? {}).length > 0;
    const secretOutputs = [...(hasSecretEnv ? ["envs"] : []), ...(spec.secretUploads ? ["uploads"] : [])];
    return {
        parent,
        provider: scope.provider,
        dependsOn: [image(scope, spec.image), ...dependsOn],
        additionalSecretOutputs: secretOutputs.length ? secretOutputs : undefined,
        deleteBeforeReplace: true,
    };
}

export function container(parent: pulumi.Resource, name: string, scope: DockerScope, spec: ContainerSpec, dependsOn: pulumi.Input<pulumi.Resource>[] = []): docker.Container {
    return new docker.Container(name, containerArgs(scope, spec), containerOptions(parent, scope, spec, dependsOn));
}

/** A named volume for a stateful container, protected like the stack's other state. */
export function volume(parent: pulumi.Resource, name: string, scope: DockerScope, part: string, component: string): docker.Volume {
    return new docker.Volume(
        name,
        {
            name: engineName(scope.stack, part),
            labels: [
                { label: "app", value: scope.app },
                { label: "component", value: component },
                { label: "platform.stack", value: scope.stack },
            ],
        },
        { parent, provider: scope.provider, protect: scope.protect, retainOnDelete: scope.protect },
    );
}

/**
 * An uploaded file: plain text, or a secret (kept secret in state). Executables get mode 0755, not
 * the provider's 0744: images drop to their own user, which must be able to run them.
 */
export function upload(file: string, content: pulumi.Input<string>, options: { executable?: boolean; owner?: string; permissions?: string } = {}): docker.types.input.ContainerUpload {
    const permissions = options.permissions ?? (options.executable ? "0755" : undefined);
    return { file, content, ...(permissions ? { permissions } : {}), ...(options.owner ? { owner: options.owner, group: options.owner } : {}) };
}

/**
 * The spec with a named volume at each folder its uploads go to that no writable volume or bind
 * already holds (the shallowest folder where several nest), for a container on a read-only root:
 * the engine writes uploads only into volumes there. The volume holds just the uploads (the image's
 * files at that path are not relied on); a file no longer uploaded stays until the volume is removed.
 */
export function withUploadVolumes(parent: pulumi.Resource, name: string, scope: DockerScope, spec: ContainerSpec): ContainerSpec {
    const held = [...(spec.volumes ?? []), ...(spec.binds ?? [])].filter((m) => !m.readOnly).map((m) => m.path.replace(/\/+$/, ""));
    const under = (file: string, dirs: readonly string[]) => dirs.some((d) => file.startsWith(`${d}/`));
    const folders = [...new Set((spec.uploads ?? []).map((u) => u.file).filter((f): f is string => typeof f === "string" && !under(f, held)).map((f) => f.slice(0, f.lastIndexOf("/"))))]
        .sort((a, b) => a.length - b.length || a.localeCompare(b))
        .reduce<string[]>((kept, dir) => (under(`${dir}/`, kept) || kept.includes(dir) ? kept : [...kept, dir]), []);
    if (!folders.length) return spec;
    const added = folders.map((dir) => {
        const slug = dir.replace(/^\/+/, "").replace(/[^a-zA-Z0-9]+/g, "-");
        return { volume: volume(parent, `${name}-${slug}`, scope, `${spec.part}-${slug}`, spec.component), path: dir };
    });
    return { ...spec, volumes: [...(spec.volumes ?? []), ...added] };
}
