import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { dataImage } from "../../../../capabilities/docker/versions";
import { HOSTS } from "../../../../capabilities/docker/topology";
import { queueConsumers, rabbitmqConf, rabbitmqDefinitions } from "../../../../capabilities/rabbitmq";
import { container, password, upload, volume, type DockerScope } from "../scope";
import { DATA_HEALTHCHECK, type DockerDataService } from "./kind";

export interface RabbitMqArgs {
    /**
     * The Docker target's shared scope: stack, provider, network, pulled images, generated
     * passwords (`rabbitmq`: the app user's; `rabbitmqAdmin`: the platform's administrator's), and the runbook with the stack's overrides, of which
     * this reads `data.rabbitmq` (version, vhost, queues).
     */
    readonly scope: DockerScope;
}

/** Where the broker reads its configuration and boot definitions. */
export const RABBITMQ_CONF_PATH = "/etc/rabbitmq/conf.d/20-platform.conf";
export const RABBITMQ_DEFINITIONS_PATH = "/etc/rabbitmq/definitions.json";

/**
 * One RabbitMQ node, whatever `data.rabbitmq.nodes` says (a laptop runs one, as it runs one Redis
 * node for a Redis cluster; quorum queues work on one node), from the official image's management variant (management API and the
 * Prometheus plugin on 15692 are built in), loading the runbook's vhost, the app's user and the
 * runbook's queues at boot. The app user's password is the generated one, stored hashed in the
 * definitions; the definitions upload is kept secret in state.
 */
export class RabbitMq extends pulumi.ComponentResource {
    public readonly volume: docker.Volume;
    public readonly broker: docker.Container;

    constructor(name: string, args: RabbitMqArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:docker:RabbitMq", name, {}, opts);
        const { scope } = args;
        const rb = scope.runbook;
        // Fails naming the field when a queue names a service that is not one of the runbook's workers.
        queueConsumers(rb);
        const definitions = pulumi.secret(pulumi.all([password(scope, "rabbitmq"), password(scope, "rabbitmqAdmin")]).apply(([p, admin]) => JSON.stringify(rabbitmqDefinitions(rb, p, admin), null, 2)));
        this.volume = volume(this, `${name}-data`, scope, "rabbitmq-data", "rabbitmq");
        this.broker = container(this, `${name}-broker`, scope, {
            part: "rabbitmq",
            component: "rabbitmq",
            image: dataImage(rb, "rabbitmq"),
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
    create: (name, scope, opts) => new RabbitMq(name, { scope }, opts),
};
