import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { dataImage } from "../../../../capabilities/docker/versions";
import { HOSTS } from "../../../../capabilities/docker/topology";
import { queueConsumers, rabbitmqConf, rabbitmqDefinitions } from "../../../../capabilities/rabbitmq";
import type { Runbook } from "../../../../runbooks";
import { container, password, upload, volume, type DockerScope } from "../scope";
import { DATA_HEALTHCHECK, type DockerDataService } from "./kind";

export interface RabbitMqArgs {
    /** The Docker target's shared scope: stack, app id, provider, network, pulled images, generated passwords (`rabbitmq`: the app user's; `rabbitmqAdmin`: the platform's administrator's, which the definitions backup logs in with). */
    readonly scope: DockerScope;
    /** The pinned image of `data.rabbitmq.version` (`dataImage`). */
    readonly image: string;
    /** The boot definitions: `data.rabbitmq`'s vhost and queues, the app's user and the platform's administrator (`RABBITMQ_PLATFORM_ADMIN`) with these passwords, stored hashed (`rabbitmqDefinitions`). */
    definitions(appPassword: string, adminPassword: string): Record<string, unknown>;
}

/** Where the broker reads its configuration and boot definitions. */
export const RABBITMQ_CONF_PATH = "/etc/rabbitmq/conf.d/20-platform.conf";
export const RABBITMQ_DEFINITIONS_PATH = "/etc/rabbitmq/definitions.json";

/**
 * One RabbitMQ node, whatever `data.rabbitmq.nodes` says (a laptop runs one, as it runs one Redis
 * node for a Redis cluster; quorum queues work on one node), from the official image's management variant (management API and the
 * Prometheus plugin on 15692 are built in), loading the runbook's vhost, the app's user and the
 * runbook's queues at boot. The app user's password, and the platform administrator's the
 * definitions backup logs in with, are the generated ones, stored hashed in the definitions; the definitions upload is kept secret in state.
 */
export class RabbitMq extends pulumi.ComponentResource {
    public readonly volume: docker.Volume;
    public readonly broker: docker.Container;

    constructor(name: string, args: RabbitMqArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:docker:RabbitMq", name, {}, opts);
        const { scope } = args;
        const definitions = pulumi.secret(pulumi.all([password(scope, "rabbitmq"), password(scope, "rabbitmqAdmin")]).apply(([p, admin]) => JSON.stringify(args.definitions(p, admin), null, 2)));
        this.volume = volume(this, `${name}-data`, scope, "rabbitmq-data", "rabbitmq");
        this.broker = container(this, `${name}-broker`, scope, {
            part: "rabbitmq",
            component: "rabbitmq",
            image: args.image,
            aliases: [HOSTS.rabbitmq],
            // The image's rabbitmq user owns /var/lib/rabbitmq; nothing needs root.
            user: "rabbitmq",
            // The node name is fixed so a recreated container finds its data in the volume.
            env: { RABBITMQ_NODENAME: `rabbit@${HOSTS.rabbitmq}` },
            uploads: [upload(RABBITMQ_CONF_PATH, rabbitmqConf(RABBITMQ_DEFINITIONS_PATH), { owner: "rabbitmq" }), upload(RABBITMQ_DEFINITIONS_PATH, definitions, { owner: "rabbitmq", permissions: "0600" })],
            secretUploads: true,
            volumes: [{ volume: this.volume, path: "/var/lib/rabbitmq" }],
            healthcheck: { tests: ["CMD", "rabbitmq-diagnostics", "-q", "check_port_connectivity"], ...DATA_HEALTHCHECK },
            waitHealthy: true,
        });
        this.registerOutputs({});
    }
}

export const rabbitmq: DockerDataService = {
    kind: "rabbitmq",
    part: "rabbitmq",
    create: (name, scope, rb, opts) => new RabbitMq(name, { scope, ...rabbitMqArgs(rb) }, opts),
};

/** The broker's Args from the runbook. */
function rabbitMqArgs(rb: Runbook): Omit<RabbitMqArgs, "scope"> {
    // Fails naming the field when a queue names a service that is not one of the runbook's workers.
    queueConsumers(rb);
    return { image: dataImage(rb, "rabbitmq"), definitions: (p, admin) => rabbitmqDefinitions(rb, p, admin) };
}
