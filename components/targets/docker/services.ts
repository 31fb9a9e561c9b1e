import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Service } from "../../../runbooks";
import type { SecretEnv } from "../../../capabilities/docker/backups";
import { HEALTHCHECK, healthcheckCommand } from "../../../capabilities/docker/services";
import { dockerResources } from "../../../capabilities/sizing";
import { serviceReplicas } from "../../../capabilities/docker/topology";
import { APP_SCRATCH, APP_SCRATCH_MIB, APP_UID } from "../../../capabilities/hardening";
import { container, type DockerScope } from "./scope";

export interface AppServiceArgs {
    /** The Docker target's shared scope: stack, app id, provider, network, pulled images, generated passwords. */
    readonly scope: DockerScope;
    /** The runbook service, with the stack's overrides applied: name, port, health path, replicas (`scaling.desired`), limits. */
    readonly service: Service;
    /** The pinned image the stack gives the service (`images.<service>`). */
    readonly image: string;
    /** The service's environment from the runbook (`serviceEnv`): port, environment, the data services' addresses, and the generated credentials it uses, kept secret. */
    readonly environment: { readonly env: Readonly<Record<string, string>>; readonly secretEnv: Readonly<Record<string, SecretEnv>> };
    /** Containers to create first (the data services). Defaults to none. */
    readonly after?: readonly pulumi.Resource[];
}

/**
 * One of the app's services: `scaling.desired` containers `<service>-1..N` from the stack's pinned
 * image, each with the runbook's limits and a healthcheck on its health path. All replicas share
 * the network alias `<service>`, so clients on the network reach them by DNS round-robin; the
 * first replica is also published on 127.0.0.1 (only one container can own a host port).
 */
export class AppService extends pulumi.ComponentResource {
    public readonly replicas: docker.Container[];

    constructor(name: string, args: AppServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:docker:Service", name, {}, opts);
        const { scope, service, image: ref } = args;
        if (!ref) throw new Error(`${scope.app}: \`images.${service.name}\` is not set in the stack config`);
        const { env, secretEnv } = args.environment;
        this.replicas = serviceReplicas(service).map((host) =>
            container(
                this,
                `${name}-${host.slice(service.name.length + 1)}`,
                scope,
                {
                    part: host,
                    component: service.name,
                    image: ref,
                    aliases: [host, service.name],
                    env: { ...env, SERVICE_REPLICA: host },
                    secretEnv,
                    healthcheck: { tests: healthcheckCommand(service), ...HEALTHCHECK },
                    resources: dockerResources(service.resources),
                    user: `${APP_UID}`,
                    confined: { scratch: APP_SCRATCH, scratchMiB: APP_SCRATCH_MIB },
                },
                [...(args.after ?? [])],
            ),
        );
        this.registerOutputs({});
    }
}
