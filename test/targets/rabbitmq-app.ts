import { getRunbook, parseRunbook, type Alert, type Runbook } from "../../runbooks";

/**
 * A synthetic sixth app built from bunty's runbook (no committed runbook has RabbitMQ): a worker
 * consuming two queues of a three-node broker. The RabbitMQ tests of the targets, the alerting and
 * the operations scripts read every expected value from this data.
 */
export const WORKER = "mailer";
export const WORKER_IMAGE = "ghcr.io/bunty/mailer:1.4.0";

export interface RabbitMqAppOptions {
    /** The broker's vhost. Defaults to "bunty". */
    readonly vhost?: string;
    /** Whether the bounces queue survives a broker restart. Defaults to true. */
    readonly bouncesDurable?: boolean;
    /** Alerts added to bunty's. Defaults to none. */
    readonly alerts?: readonly Alert[];
}

export function rabbitMqApp(opts: RabbitMqAppOptions = {}): Runbook {
    const base = getRunbook("bunty");
    const api = base.services.find((s) => s.role === "api")!;
    const { host: _host, metricsPath: _metrics, ...plain } = api;
    return parseRunbook({
        ...base,
        services: [...base.services, { ...plain, name: WORKER, role: "worker", scaling: { ...api.scaling, min: 1, desired: 1, max: 6 } }],
        data: {
            ...base.data,
            rabbitmq: {
                version: "3.13",
                vhost: opts.vhost ?? "bunty",
                nodes: 3,
                queues: [
                    { name: "mail.outbound", durable: true, type: "quorum", consumer: WORKER, messagesPerConsumer: 40 },
                    { name: "mail.bounces", durable: opts.bouncesDurable ?? true, type: "classic", consumer: WORKER, messagesPerConsumer: 25 },
                ],
                source: api.source,
            },
        },
        alerts: [...base.alerts, ...(opts.alerts ?? [])],
    });
}
