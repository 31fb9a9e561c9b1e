import { createHash } from "node:crypto";
import type { Runbook, Service } from "../runbooks";

/**
 * RabbitMQ decisions every target shares: ports, the app's user, connection settings, which
 * worker consumes which queue (what KEDA and Application Auto Scaling scale on), the broker's
 * definitions (vhost, user, permissions, queues) and the metrics its built-in Prometheus plugin
 * exports. Pure functions: the targets' modules only wire them.
 */

export type RabbitMq = NonNullable<Runbook["data"]["rabbitmq"]>;
export type Queue = RabbitMq["queues"][number];

/** The broker's ports: AMQP, AMQP over TLS (Amazon MQ takes only this), the management API and the Prometheus plugin. */
export const RABBITMQ_PORTS = { amqp: 5672, amqps: 5671, management: 15672, prometheus: 15692 } as const;

/**
 * Where the Prometheus plugin is scraped. With `prometheus.return_per_object_metrics = true`
 * (RABBITMQ_PROMETHEUS_CONF, set on every broker the platform runs) `/metrics` serves one series per
 * queue (`vhost` and `queue` labels) beside the node's memory and disk alarms; without it `/metrics`
 * aggregates the queues away, and `/metrics/per-object` keeps them but serves no memory or disk
 * alarm (both checked against a RabbitMQ 3.10 server: test/alerting/fixtures/rabbitmq-metrics.prom).
 */
export const RABBITMQ_METRICS_PATH = "/metrics";

/** The plugin's settings on every broker the platform runs (Docker's rabbitmq.conf, the operator's additionalConfig). */
export const RABBITMQ_PROMETHEUS_CONF = [`prometheus.tcp.port = ${RABBITMQ_PORTS.prometheus}`, "prometheus.return_per_object_metrics = true"] as const;

/** The plugin's per-queue metrics the platform reads: depth (messages ready for delivery) and consumers. */
export const RABBITMQ_METRICS = {
    messagesReady: "rabbitmq_queue_messages_ready",
    consumers: "rabbitmq_queue_consumers",
    /** 1 while the node's memory use is above its high watermark: publishers are blocked. */
    memoryAlarm: "rabbitmq_alarms_memory_used_watermark",
    /** 1 while the node's free disk is below its limit: publishers are blocked. */
    diskAlarm: "rabbitmq_alarms_free_disk_space_watermark",
} as const;

/**
 * The platform's administrator on a broker it runs itself (Docker): the definitions backup exports
 * every vhost's definitions, which only an administrator may. Its password is generated
 * (`PlatformSecrets` `rabbitmqAdmin`); the app never gets it. The Kubernetes operator makes its own
 * default administrator, and Amazon MQ's one user is the administrator.
 */
export const RABBITMQ_PLATFORM_ADMIN = "platform-admin";

/** The app's RabbitMQ user: its vhost and nothing else. The broker's admin stays with the platform. */
export function rabbitmqAppUser(app: string): string {
    return `${app}-app`;
}

export function requireRabbitMq(rb: Runbook): RabbitMq {
    const mq = rb.data.rabbitmq;
    if (!mq) throw new Error(`${rb.app}: \`data.rabbitmq\` is not in the runbook`);
    return mq;
}

/**
 * Each queue with its consumer service; fails naming the field and the allowed services when a
 * queue names a service the runbook does not run as a worker.
 */
export function queueConsumers(rb: Runbook): { queue: Queue; consumer: Service }[] {
    const mq = requireRabbitMq(rb);
    const workers = rb.services.filter((s) => s.role === "worker");
    return mq.queues.map((queue, i) => {
        const consumer = workers.find((s) => s.name === queue.consumer);
        if (!consumer) {
            throw new Error(`${rb.app}: \`data.rabbitmq.queues[${i}].consumer\` = "${queue.consumer}": not a worker service of the runbook; allowed: ${workers.map((w) => w.name).join(", ") || "(no worker service)"}`);
        }
        return { queue, consumer };
    });
}

/** The queues a service consumes (none for a service that consumes none). */
export function consumedQueues(rb: Runbook, svc: Pick<Service, "name">): Queue[] {
    if (!rb.data.rabbitmq) return [];
    return queueConsumers(rb)
        .filter((c) => c.consumer.name === svc.name)
        .map((c) => c.queue);
}

/** A worker that consumes RabbitMQ queues scales on their depth, not on CPU. */
export function scaledOnQueueDepth(rb: Runbook, svc: Service): boolean {
    return svc.role === "worker" && consumedQueues(rb, svc).length > 0;
}

export interface AmqpEndpoint {
    readonly scheme: "amqp" | "amqps";
    readonly host: string;
    readonly port: number;
}

/** `amqp://user:password@host:5672/vhost`, the password and vhost URL-encoded (a vhost `/` is `%2F`). */
export function amqpUrl(endpoint: AmqpEndpoint, user: string, password: string, vhost: string): string {
    return `${endpoint.scheme}://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${endpoint.host}:${endpoint.port}/${encodeURIComponent(vhost)}`;
}

/** The connection settings an app container gets: the URL (secret), the vhost and the queues it declares or consumes. */
export function rabbitmqEnv(rb: Runbook, endpoint: AmqpEndpoint, password: string): Record<string, string> {
    const mq = requireRabbitMq(rb);
    return {
        RABBITMQ_URL: amqpUrl(endpoint, rabbitmqAppUser(rb.app), password, mq.vhost),
        RABBITMQ_VHOST: mq.vhost,
        RABBITMQ_QUEUES: mq.queues.map((q) => q.name).join(","),
    };
}

/** A queue's `x-queue-type` argument as RabbitMQ declares it. */
export function queueArguments(queue: Queue): Record<string, string> {
    return { "x-queue-type": queue.type };
}

/**
 * RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt ‖ SHA-256(salt ‖ password)). The salt
 * is derived from the password, so the same password gives the same definitions (no diff on
 * every `pulumi up`) and a rotated one a new hash.
 */
export function rabbitPasswordHash(password: string): string {
    const salt = createHash("sha256").update(`rabbitmq-salt:${password}`).digest().subarray(0, 4);
    const digest = createHash("sha256").update(Buffer.concat([salt, Buffer.from(password, "utf8")])).digest();
    return Buffer.concat([salt, digest]).toString("base64");
}

/** What the app's user may do in its vhost: everything (configure, write, read every resource). */
export const APP_PERMISSIONS = { configure: ".*", write: ".*", read: ".*" } as const;

/**
 * The definitions a broker the platform runs itself loads at boot (`load_definitions`): the
 * runbook's vhost, the app's user with rights on it only, the platform's administrator (tagged
 * `administrator`, no rights in the app's vhost: it exports definitions, it reads no messages),
 * and the runbook's queues. Loading them at boot keeps the declared topology the runbook's even
 * after a volume is lost.
 */
export function rabbitmqDefinitions(rb: Runbook, password: string, adminPassword: string): Record<string, unknown> {
    const mq = requireRabbitMq(rb);
    const user = rabbitmqAppUser(rb.app);
    return {
        users: [
            { name: user, password_hash: rabbitPasswordHash(password), hashing_algorithm: "rabbit_password_hashing_sha256", tags: [] },
            { name: RABBITMQ_PLATFORM_ADMIN, password_hash: rabbitPasswordHash(adminPassword), hashing_algorithm: "rabbit_password_hashing_sha256", tags: ["administrator"] },
        ],
        vhosts: [{ name: mq.vhost }],
        permissions: [{ user, vhost: mq.vhost, ...APP_PERMISSIONS }],
        queues: mq.queues.map((q) => ({ name: q.name, vhost: mq.vhost, durable: q.durable, auto_delete: false, arguments: queueArguments(q) })),
        exchanges: [],
        bindings: [],
    };
}

/** rabbitmq.conf for a broker the platform runs itself: definitions at boot, per-queue Prometheus series, no guest user. */
export function rabbitmqConf(definitionsPath: string): string {
    return [
        "# Rendered by capabilities/rabbitmq.ts from the runbook's data.rabbitmq.",
        `load_definitions = ${definitionsPath}`,
        "loopback_users.guest = true",
        `listeners.tcp.default = ${RABBITMQ_PORTS.amqp}`,
        `management.tcp.port = ${RABBITMQ_PORTS.management}`,
        ...RABBITMQ_PROMETHEUS_CONF,
        "",
    ].join("\n");
}

/**
 * The messages ready per consumer a worker keeps up with: the smallest of its queues' targets, so
 * the busiest-per-consumer queue decides. KEDA's `QueueLength` and the AWS target-tracking policy
 * both take it.
 */
export function queueDepthTarget(rb: Runbook, svc: Service): number {
    const queues = consumedQueues(rb, svc);
    if (queues.length === 0) throw new Error(`${rb.app}: service ${svc.name} consumes no queue of \`data.rabbitmq.queues\``);
    return Math.min(...queues.map((q) => q.messagesPerConsumer));
}

/**
 * The Prometheus scrape job of the brokers the platform runs itself (Docker): the plugin's
 * per-queue metrics, labelled `app` and `component="rabbitmq"` like every data service's series.
 */
export function rabbitmqScrapeJob(app: string, targets: readonly string[]): { job_name: string; metrics_path: string; static_configs: { targets: string[]; labels: Record<string, string> }[] } {
    return { job_name: "rabbitmq", metrics_path: RABBITMQ_METRICS_PATH, static_configs: [{ targets: [...targets], labels: { app, component: "rabbitmq" } }] };
}

/**
 * What the definitions restore check (operations/backup/verify-latest.sh rabbitmq) requires the
 * newest export to hold, as `VERIFY_RABBITMQ_NAMES`: the runbook's vhost and queues, so an export
 * of an empty or wrong broker fails the check however well-formed it is.
 */
export function rabbitmqVerifyEnv(rb: Runbook): Record<string, string> {
    const mq = requireRabbitMq(rb);
    return { VERIFY_RABBITMQ_NAMES: [mq.vhost, ...mq.queues.map((q) => q.name)].join(" ") };
}

/** The environment the management API scripts read: the API's base URL (`https://host` or `http://host:15672`) and an administrator's login. */
export const MANAGEMENT_ENV = { url: "RABBITMQ_MANAGEMENT_URL", user: "RABBITMQ_ADMIN_USER", password: "RABBITMQ_ADMIN_PASSWORD" } as const;

export interface ManagementRequest {
    readonly method: "PUT";
    /** Below `/api/`, names URL-encoded (a vhost `/` is `%2F`). */
    readonly path: string;
    readonly body: Record<string, unknown>;
}

/**
 * The management API calls that make the runbook's topology on a broker where Pulumi cannot
 * declare it (Amazon MQ): the vhost, the app user's permissions on it, and the runbook's queues.
 * Every one is a PUT, idempotent: run again, it changes nothing; a queue that exists with other
 * arguments fails (RabbitMQ answers 400 for inequivalent arguments) instead of being changed.
 */
export function rabbitmqTopologyRequests(rb: Runbook): ManagementRequest[] {
    const mq = requireRabbitMq(rb);
    const vhost = encodeURIComponent(mq.vhost);
    return [
        { method: "PUT", path: `vhosts/${vhost}`, body: {} },
        { method: "PUT", path: `permissions/${vhost}/${encodeURIComponent(rabbitmqAppUser(rb.app))}`, body: { ...APP_PERMISSIONS } },
        ...mq.queues.map((q): ManagementRequest => ({ method: "PUT", path: `queues/${vhost}/${encodeURIComponent(q.name)}`, body: { durable: q.durable, auto_delete: false, arguments: queueArguments(q) } })),
    ];
}

/** A word for a POSIX shell: single-quoted, a `'` inside closed, escaped and reopened. */
export function shellQuote(s: string): string {
    return `'${s.replace(/'/g, "'\\''")}'`;
}

/**
 * POSIX sh (busybox or dash) with curl: `rabbitmq_api METHOD PATH [JSON]` calls the management API
 * with the administrator's login, sent from a header file (never on a command line), and stops the
 * script naming the request, the HTTP status and the broker's answer unless it is a 2xx.
 */
export const MANAGEMENT_API_SH = [
    `: "\${${MANAGEMENT_ENV.url}:?the management API's base URL is required in ${MANAGEMENT_ENV.url}}"`,
    `: "\${${MANAGEMENT_ENV.user}:?an administrator's user name is required in ${MANAGEMENT_ENV.user}}"`,
    `: "\${${MANAGEMENT_ENV.password}:?the administrator's password is required in ${MANAGEMENT_ENV.password}}"`,
    "umask 077",
    'rabbitmq_auth=$(mktemp); rabbitmq_out=$(mktemp); trap \'rm -f "$rabbitmq_auth" "$rabbitmq_out"\' EXIT',
    `printf 'Authorization: Basic %s\\n' "$(printf '%s:%s' "$${MANAGEMENT_ENV.user}" "$${MANAGEMENT_ENV.password}" | base64 | tr -d '\\n')" > "$rabbitmq_auth"`,
    "rabbitmq_api() {",
    `    code=$(curl -sS --retry 5 --retry-connrefused --retry-delay 2 -o "$rabbitmq_out" -w '%{http_code}' -X "$1" -H @"$rabbitmq_auth" -H 'content-type: application/json' \${3:+--data "$3"} "\${${MANAGEMENT_ENV.url}%/}/api/$2") || { echo "$1 /api/$2: no answer from $${MANAGEMENT_ENV.url}" >&2; exit 1; }`,
    '    case "$code" in 2??) ;; *) echo "$1 /api/$2: HTTP $code: $(cat "$rabbitmq_out")" >&2; exit 1 ;; esac',
    "}",
].join("\n");

/** The script the init task runs: the management API helper, then the topology's requests, each named in the log. */
export function rabbitmqTopologyScript(rb: Runbook): string {
    return [
        "set -eu",
        MANAGEMENT_API_SH,
        ...rabbitmqTopologyRequests(rb).flatMap((r) => [`echo ${shellQuote(`${r.method} /api/${r.path}`)}`, `rabbitmq_api ${r.method} ${shellQuote(r.path)} ${shellQuote(JSON.stringify(r.body))}`]),
        "",
    ].join("\n");
}
