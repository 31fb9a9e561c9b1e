import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { engineName, imageSlug, stackImages } from "../../../capabilities/docker/names";
import { localEndpoints } from "../../../capabilities/docker/topology";
import { deliveryCredentials } from "../../delivery";
import type { Runbook } from "../../../runbooks";
import type { TargetArgs } from "../../platform";
import { backupsArgs, dockerScope, monitoringArgs, serviceArgs } from "./args";
import { Backups } from "./backups";
import { DATA_SERVICES } from "./data";
import { Monitoring } from "./monitoring";
import { AppService } from "./services";

/**
 * The app's whole platform on one Docker engine (the `<app>-local` stacks): a private network,
 * the runbook's data services with named volumes, the app's services at the runbook's replica
 * count and limits, monitoring with the rendered rules, routing and dashboards, logs with the
 * runbook's retention, and a backup job per runbook backup. This is the one place the stack
 * (`args.context`) and the credentials (`args.secrets`, `args.receivers` through
 * `deliveryCredentials`) become the children's Args (with args.ts, and the data kinds'
 * registrations for theirs); every number comes from `context.runbook`, and no child reads it.
 */
export class DockerPlatform extends pulumi.ComponentResource {
    /** URL per service and per platform tool, on 127.0.0.1 (see docs/docker.md). */
    public readonly endpoints: pulumi.Output<Record<string, string>>;
    public readonly provider: docker.Provider;
    public readonly network: docker.Network;
    /** One pull per pinned image reference. */
    public readonly images: Record<string, docker.RemoteImage>;
    /** The runbook's data services (`DATA_SERVICES`), by runbook data key. */
    public readonly dataServices: Readonly<Partial<Record<keyof Runbook["data"], pulumi.ComponentResource>>>;
    public readonly services: Record<string, AppService>;
    public readonly monitoring: Monitoring;
    public readonly backups: Backups;

    constructor(name: string, args: TargetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:docker:Platform", name, {}, opts);
        const { context } = args;
        const rb = context.runbook;
        if (context.target !== "docker") throw new Error(`${context.stack}: DockerPlatform built for target ${context.target}; allowed: docker`);

        // The engine to deploy to: the stack's `docker.host`, else the Docker CLI's own default (DOCKER_HOST, the current context).
        this.provider = new docker.Provider(`${name}-docker`, { host: context.settings.docker?.host }, { parent: this });
        const custom = { parent: this, provider: this.provider };

        this.network = new docker.Network(
            `${name}-network`,
            {
                name: engineName(context.stack, "network"),
                driver: "bridge",
                labels: [
                    { label: "app", value: context.app },
                    { label: "platform.stack", value: context.stack },
                ],
            },
            custom,
        );

        this.images = {};
        // The stack's images were checked at the config edge (stacks/settings.ts imagePinProblem).
        for (const reference of stackImages(rb, context.settings.images)) {
            // Shared with other stacks on the engine: `pulumi destroy` leaves the image in place.
            this.images[reference] = new docker.RemoteImage(`${name}-image-${imageSlug(reference)}`, { name: reference, keepLocally: true }, custom);
        }

        const { secrets } = args;
        const scope = dockerScope(rb, context, {
            provider: this.provider,
            network: this.network,
            images: new Map(Object.entries(this.images)),
            passwords: secrets.dataPasswords(),
        });
        const child = { parent: this };
        const built: Partial<Record<keyof Runbook["data"], pulumi.ComponentResource>> = {};
        for (const kind of DATA_SERVICES) {
            if (rb.data[kind.kind] !== undefined) built[kind.kind] = kind.create(`${name}-${kind.part}`, scope, rb, child);
        }
        this.dataServices = built;
        const dataServices: pulumi.Resource[] = Object.values(built);

        this.monitoring = new Monitoring(`${name}-monitoring`, { scope, ...monitoringArgs(rb, context.env), grafanaAdminPassword: secrets.grafanaAdmin.result, delivery: deliveryCredentials(args), watched: dataServices }, child);

        this.services = {};
        for (const service of rb.services) {
            this.services[service.name] = new AppService(`${name}-${service.name}`, { scope, ...serviceArgs(rb, service), image: context.settings.images[service.name], after: dataServices }, child);
        }

        this.backups = new Backups(`${name}-backups`, { scope, ...backupsArgs(rb), after: [...dataServices, this.monitoring] }, child);

        this.endpoints = pulumi.output(localEndpoints(rb));
        this.registerOutputs({ endpoints: this.endpoints });
    }
}
