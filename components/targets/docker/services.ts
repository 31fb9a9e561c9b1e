import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Service } from "../../../runbooks";
import { HEALTHCHECK, healthcheckCommand, serviceEnv } from "../../../capabilities/docker/services";
import { dockerResources } from "../../../capabilities/sizing";
import { serviceReplicas } from "../../../capabilities/docker/topology";
import { container, type DockerScope } from "./scope";

export interface AppServiceArgs {
    /** The stack, provider, network, pulled images and generated secrets of the Docker target. */
    readonly scope: DockerScope;
    /** The runbook service (from `scope.context.runbook.services`). */
    readonly service: Service;
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
        const { scope, service } = args;
        const { context } = scope;
        if (!context.runbook.services.includes(service)) {
            throw new Error(`${context.app}: \`service\` ${service.name} must be one of \`context.runbook.services\` (the stack's overrides are applied there)`);
        }
        const ref = context.settings.images[service.name];
        if (!ref) throw new Error(`${context.app}: \`images.${service.name}\` is not set in the stack config`);
        const { env, secretEnv } = serviceEnv(context.runbook, service);
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
                },
                [...(args.after ?? [])],
            ),
        );
        this.registerOutputs({});
    }
}
