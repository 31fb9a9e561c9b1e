import type { Runbook, Service } from "../../runbooks";
import type { Subject } from "./policy";
import { imagePinProblem } from "../../capabilities/images";

/** Which runbook service or data service a workload is, read from its names and image. */

const tokens = (s: string) => s.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);

function containsRun(hay: string[], needle: string[]): boolean {
    for (let i = 0; i + needle.length <= hay.length; i++) {
        if (needle.every((t, j) => hay[i + j] === t)) return true;
    }
    return false;
}

/** Words that mark a helper of a service (its exporter, backup job, migration), not the service itself. */
const HELPER_WORDS = ["exporter", "backup", "restore", "migrate", "migration", "init", "job", "cron", "probe", "metrics", "monitor", "sidecar", "setup", "verify", "check"];

/**
 * The runbook service a workload runs, by whole words of its names (`bunty-backend-2` → backend,
 * `admin-portal` → admin-portal), the longest service name winning; helpers named after a
 * service (`backend-migrate`) are not the service.
 */
export function serviceOf(rb: Runbook, ...names: (string | undefined)[]): Service | undefined {
    const words = names.filter((n): n is string => !!n).map(tokens);
    if (words.some((w) => HELPER_WORDS.some((h) => w.includes(h)))) return undefined;
    const hits = rb.services.filter((s) => words.some((w) => containsRun(w, tokens(s.name))));
    return hits.sort((a, b) => b.name.length - a.name.length)[0];
}

export type DataService = "postgres" | "redis" | "mongodb" | "kafka" | "rabbitmq" | "minio";

/** Images of data services the platform runs itself (Docker, Kubernetes). */
export const DATA_IMAGES: readonly [DataService, RegExp][] = [
    ["postgres", /(^|\/)(postgres|postgresql|cloudnative-pg\/postgresql|bitnami\/postgresql)(:|@|$)/],
    ["redis", /(^|\/)(redis|redis-stack-server|bitnami\/redis|valkey)(:|@|$)/],
    ["mongodb", /(^|\/)(mongo|mongodb|bitnami\/mongodb|mongodb-community-server)(:|@|$)/],
    ["kafka", /(^|\/)(kafka|bitnami\/kafka|cp-kafka|apache\/kafka|apache\/kafka-native)(:|@|$)/],
    ["rabbitmq", /(^|\/)(rabbitmq|bitnami\/rabbitmq)(:|@|$)/],
    ["minio", /(^|\/)(minio|minio\/minio|bitnami\/minio)(:|@|$)/],
];

export function dataServiceOfImage(image: unknown): DataService | undefined {
    if (typeof image !== "string") return undefined;
    const img = image.toLowerCase();
    return DATA_IMAGES.find(([, re]) => re.test(img))?.[0];
}

/** Ports data services listen on: PostgreSQL, Redis (+ cluster bus), MongoDB, Kafka (plain, TLS, IAM, ZooKeeper), MinIO. */
export const DATA_PORTS: Readonly<Record<number, string>> = {
    5432: "PostgreSQL",
    6379: "Redis",
    16379: "Redis cluster bus",
    27017: "MongoDB",
    9092: "Kafka",
    9093: "Kafka",
    9094: "Kafka (TLS)",
    9096: "Kafka (SASL/SCRAM)",
    9098: "Kafka (IAM)",
    2181: "ZooKeeper",
    9000: "MinIO",
    5672: "RabbitMQ (AMQP)",
    5671: "RabbitMQ (AMQPS)",
    15672: "RabbitMQ management",
};

/** Stateful data services and the ports they listen on, as far as the runbook has them. */
export function runbookDataServices(rb: Runbook): DataService[] {
    const out: DataService[] = [];
    if (rb.data.postgres) out.push("postgres");
    if (rb.data.redis) out.push("redis");
    if (rb.data.mongodb) out.push("mongodb");
    if (rb.data.kafka) out.push("kafka");
    if (rb.data.rabbitmq) out.push("rabbitmq");
    if (rb.data.objectStorage) out.push("minio");
    return out;
}

/** An image reference whose tag is pinned: a digest, or a tag that is not `latest`/missing. */
export function imagePinned(image: string): { ok: boolean; why?: string } {
    const why = imagePinProblem(image);
    return why ? { ok: false, why } : { ok: true };
}

export function nameOf(s: Subject): string {
    const p = s.props;
    return String(p.name ?? p.metadata?.name ?? s.name);
}
