import { z } from "zod";

/**
 * `data.rabbitmq`: the runbook's RabbitMQ, the message queue of an app whose workers consume
 * queues instead of Kafka topics. Its own module so a data kind's schema is not an edit inside
 * runbooks/schema.ts; schema.ts registers it in one line, handing in the shared `source` and
 * `defaulted` schemas (this module imports nothing from schema.ts, so there is no import cycle).
 */

/**
 * RabbitMQ's signals, spread into `SIGNALS` (runbooks/schema.ts): what a runbook alert may measure
 * on its broker. Their metrics and PromQL are in capabilities/alerting/rabbitmq.ts.
 */
export const RABBITMQ_SIGNALS = {
    rabbitmq_down: "a RabbitMQ node not answering (value: 1 = down)",
    rabbitmq_resource_alarm: "a RabbitMQ node's memory or disk alarm is blocking publishers (value: 1 = alarm)",
    rabbitmq_queue_depth: "messages ready for delivery in a RabbitMQ queue",
    rabbitmq_queue_no_consumer: "a RabbitMQ queue has messages ready and no consumer (value: 1 = none)",
} as const;

/** A queue name as RabbitMQ and the KEDA/CloudWatch dimensions take it: no spaces, no slashes. */
const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$/;

export function rabbitmqSchema<S extends z.ZodTypeAny, D extends z.ZodTypeAny>(source: S, defaulted: D) {
    return z
        .object({
            /** RabbitMQ server version, major.minor (`3.13`): the image tag, the operator's image and Amazon MQ's engine version. */
            version: z.string().regex(/^\d+\.\d+(\.\d+)?$/, "a version like 3.13 or 3.13.7"),
            /** The virtual host the app's queues live in. */
            vhost: z.string().min(1).regex(/^[^\s]+$/, "a vhost name without spaces"),
            /** Nodes in production (a cluster of 3 tolerates one lost node); Docker runs one. */
            nodes: z.number().int().positive(),
            queues: z
                .array(
                    z
                        .object({
                            name: z.string().regex(QUEUE_NAME, "a queue name of letters, digits and . _ : -"),
                            /** Survives a broker restart (the queue; messages also need to be published persistent). */
                            durable: z.boolean(),
                            /** `quorum`: replicated across nodes (Raft); `classic`: one node's queue. */
                            type: z.enum(["quorum", "classic"]),
                            /** The runbook service (a `worker`) that consumes the queue: KEDA and Application Auto Scaling scale it on the queue's depth. */
                            consumer: z.string().regex(/^[a-z][a-z0-9-]*$/),
                            /** Messages ready per consumer the consumer should keep up with: the scaling target. */
                            messagesPerConsumer: z.number().int().positive(),
                        })
                        .strict(),
                )
                .min(1),
            source,
            defaulted,
        })
        .strict()
        .superRefine((mq, ctx) => {
            const seen = new Set<string>();
            for (const [i, q] of mq.queues.entries()) {
                if (seen.has(q.name)) ctx.addIssue({ code: "custom", path: ["queues", i, "name"], message: `queue ${q.name} appears twice` });
                seen.add(q.name);
                if (q.type === "quorum" && !q.durable) ctx.addIssue({ code: "custom", path: ["queues", i, "durable"], message: `queue ${q.name}: a quorum queue is always durable; allowed: durable true` });
            }
        });
}
