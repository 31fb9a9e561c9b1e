import type { Runbook } from "../../runbooks";
import { MANAGEMENT_ENV, rabbitmqTopologyScript, requireRabbitMq } from "../rabbitmq";
import { IMAGES } from "./collector";
import { awslogs, secretKey, type ContainerDefinition } from "./containers";

/**
 * The one-off task that makes the runbook's topology on Amazon MQ: Pulumi cannot declare a vhost,
 * permissions or queues there (the broker resource takes only its one user), and the app's URL and
 * its workers' scaling metric name the runbook's vhost. The task calls the broker's management API
 * (HTTPS, the console endpoint) as the broker's user, which Amazon MQ makes an administrator:
 * `PUT /api/vhosts/<vhost>`, the user's permissions on it and the runbook's queues, every call
 * idempotent (capabilities/rabbitmq.ts `rabbitmqTopologyRequests`).
 */

/** The management API (and console) of an Amazon MQ for RabbitMQ broker answers on HTTPS. */
export const AMAZON_MQ_MANAGEMENT_PORT = 443;
export const RABBITMQ_TOPOLOGY_CONTAINER = "rabbitmq-topology";
/** curl and a POSIX shell are all the task needs. */
export const RABBITMQ_TOPOLOGY_IMAGE = IMAGES.caBundle;

export interface RabbitMqTopologyTaskArgs {
    readonly logGroup: string;
    readonly region: string;
    /** The broker's console URL (`https://b-….mq.<region>.amazonaws.com`), its management API's base. */
    readonly managementUrl: string;
    /** ARN of the Secrets Manager secret with the broker user's `username` and `password`. */
    readonly credentials: string;
}

export function rabbitmqTopologyContainers(rb: Runbook, a: RabbitMqTopologyTaskArgs): ContainerDefinition[] {
    requireRabbitMq(rb);
    if (!a.managementUrl.startsWith("https://")) throw new Error(`${rb.app}: the Amazon MQ management URL must be HTTPS; got ${a.managementUrl}`);
    return [
        {
            name: RABBITMQ_TOPOLOGY_CONTAINER,
            image: RABBITMQ_TOPOLOGY_IMAGE,
            essential: true,
            entryPoint: ["/bin/sh", "-c"],
            command: [rabbitmqTopologyScript(rb)],
            environment: [{ name: MANAGEMENT_ENV.url, value: a.managementUrl }],
            secrets: [
                { name: MANAGEMENT_ENV.user, valueFrom: secretKey(a.credentials, "username") },
                { name: MANAGEMENT_ENV.password, valueFrom: secretKey(a.credentials, "password") },
            ],
            logConfiguration: awslogs(a.logGroup, a.region, RABBITMQ_TOPOLOGY_CONTAINER),
        },
    ];
}
