import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Service } from "../../../runbooks";
import { HEALTHCHECK, healthcheckCommand, serviceEnv } from "../../../capabilities/docker/services";
import { dockerResources } from "../../../capabilities/sizing";
import { serviceReplicas } from "../../../capabilities/docker/topology";
import { APP_SCRATCH, APP_SCRATCH_MIB, APP_UID } from "../../../capabilities/hardening";
import { container, type DockerScope } from "./scope";

export interface AppServiceArgs {
    /** The Docker target's shared scope: stack, provider, network, pulled images, generated passwords and the runbook. */
    readonly scope: DockerScope;
    /** The runbook service (one of `scope.runbook.services`, where the stack's overrides are applied). */
    readonly service: Service;
    /** The pinned image the stack gives the service (`images.<service>`). */
    readonly image: string;
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
        const { runbook } = scope;
        if (!runbook.services.includes(service)) {
            throw new Error(`${runbook.app}: \`service\` ${service.name} must be one of \`scope.runbook.services\` (the stack's overrides are applied there)`);
        }
        if (!ref) throw new Error(`${runbook.app}: \`images.${service.name}\` is not set in the stack config`);
        const { env, secretEnv } = serviceEnv(runbook, service);
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
