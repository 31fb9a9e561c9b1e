import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { engineName, imageSlug, stackImages } from "../../../capabilities/docker/naming";
import { localEndpoints } from "../../../capabilities/docker/topology";
import { deliveryCredentials } from "../../delivery";
import type { TargetArgs } from "../../platform";
import { Backups } from "./backups";
import { Kafka, MongoReplicaSet, ObjectStorage, Postgres, Redis } from "./data";
import { Monitoring } from "./monitoring";
import type { DockerScope } from "./scope";
import { AppService } from "./services";

/**
 * The app's whole platform on one Docker engine (the `<app>-local` stacks): a private network,
 * the runbook's data services with named volumes, the app's services at the runbook's replica
 * count and limits, monitoring with the rendered rules, routing and dashboards, logs with the
 * runbook's retention, and a backup job per runbook backup. Everything is built from
 * `args.context.runbook`; credentials come from `args.secrets` and `args.receivers` (through `deliveryCredentials`) only.
 */
export class DockerPlatform extends pulumi.ComponentResource {
    /** URL per service and per platform tool, on 127.0.0.1 (see docs/docker.md). */
    public readonly endpoints: pulumi.Output<Record<string, string>>;
    public readonly provider: docker.Provider;
    public readonly network: docker.Network;
    /** One pull per pinned image reference. */
    public readonly images: Record<string, docker.RemoteImage>;
    public readonly postgres?: Postgres;
    public readonly redis?: Redis;
    public readonly kafka?: Kafka;
    public readonly mongodb?: MongoReplicaSet;
    public readonly objectStorage?: ObjectStorage;
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

        const scope: DockerScope = { context, provider: this.provider, network: this.network, images: new Map(Object.entries(this.images)), secrets: args.secrets };
        const child = { parent: this };
        const { data } = rb;
        if (data.postgres) this.postgres = new Postgres(`${name}-postgres`, { scope }, child);
        if (data.redis) this.redis = new Redis(`${name}-redis`, { scope }, child);
        if (data.kafka) this.kafka = new Kafka(`${name}-kafka`, { scope }, child);
        if (data.mongodb) this.mongodb = new MongoReplicaSet(`${name}-mongodb`, { scope }, child);
        if (data.objectStorage) this.objectStorage = new ObjectStorage(`${name}-object-storage`, { scope }, child);

        const dataServices: pulumi.Resource[] = [this.postgres, this.redis, this.kafka, this.mongodb, this.objectStorage].filter((c): c is NonNullable<typeof c> => c !== undefined);

        this.monitoring = new Monitoring(`${name}-monitoring`, { scope, delivery: deliveryCredentials(args), watched: dataServices }, child);

        this.services = {};
        for (const service of rb.services) {
            this.services[service.name] = new AppService(`${name}-${service.name}`, { scope, service, after: dataServices }, child);
        }

        this.backups = new Backups(`${name}-backups`, { scope, after: [...dataServices, this.monitoring] }, child);

        this.endpoints = pulumi.output(localEndpoints(rb));
        this.registerOutputs({ endpoints: this.endpoints });
    }
}
