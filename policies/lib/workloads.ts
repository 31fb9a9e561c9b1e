import type { Runbook, Service } from "../../runbooks";
import type { Subject } from "./policy";
import { imagePinProblem } from "../../capabilities/images";

/** Which runbook service or data service a workload is, read from its names and image. */

/** A name's lowercase words, split once per distinct name (names repeat across resources and policies). */
const tokenCache = new Map<string, readonly string[]>();
function tokens(s: string): readonly string[] {
    let t = tokenCache.get(s);
    if (!t) {
        t = s.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
        if (tokenCache.size > 100_000) tokenCache.clear();
        tokenCache.set(s, t);
    }
    return t;
}

/** Words that mark a helper of a service (its exporter, backup job, migration), not the service itself. */
const HELPER_WORDS = new Set(["exporter", "backup", "restore", "migrate", "migration", "init", "job", "cron", "probe", "metrics", "monitor", "sidecar", "setup", "verify", "check"]);

/** A runbook's services by the run of words of their names, built once per runbook. */
interface ServiceIndex {
    readonly byWords: ReadonlyMap<string, { readonly service: Service; readonly order: number }>;
    /** The most words any service name has. */
    readonly longest: number;
}
const serviceIndexes = new WeakMap<Runbook, ServiceIndex>();

function serviceIndex(rb: Runbook): ServiceIndex {
    let ix = serviceIndexes.get(rb);
    if (!ix) {
        const byWords = new Map<string, { service: Service; order: number }>();
        let longest = 0;
        rb.services.forEach((service, order) => {
            const t = tokens(service.name);
            longest = Math.max(longest, t.length);
            const key = t.join(" ");
            const had = byWords.get(key);
            if (!had || service.name.length > had.service.name.length) byWords.set(key, { service, order });
        });
        ix = { byWords, longest };
        serviceIndexes.set(rb, ix);
    }
    return ix;
}

/**
 * The runbook service a workload runs, by whole words of its names (`bunty-backend-2` → backend,
 * `admin-portal` → admin-portal), the longest service name winning (the first in the runbook
 * among equally long ones); helpers named after a service (`backend-migrate`) are not the service.
 * Each name's runs of words are looked up in the runbook's index: the cost does not grow with the
 * number of services.
 */
export function serviceOf(rb: Runbook, ...names: (string | undefined)[]): Service | undefined {
    const words = names.filter((n): n is string => !!n).map(tokens);
    if (words.some((w) => w.some((t) => HELPER_WORDS.has(t)))) return undefined;
    const { byWords, longest } = serviceIndex(rb);
    let best: { service: Service; order: number } | undefined;
    for (const w of words) {
        for (let i = 0; i < w.length; i++) {
            for (let n = 1; n <= longest && i + n <= w.length; n++) {
                const hit = byWords.get(w.slice(i, i + n).join(" "));
                if (hit && (!best || hit.service.name.length > best.service.name.length || (hit.service.name.length === best.service.name.length && hit.order < best.order))) best = hit;
            }
        }
    }
    return best?.service;
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

/** An IntOrString count of pods (`1`, `"1"`, `"25%"`) out of `replicas`, rounded up as Kubernetes rounds a PDB's percentages; undefined when unreadable. */
function podCount(v: unknown, replicas: number): number | undefined {
    const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(String(v).trim());
    if (v === undefined || v === null || !m) return undefined;
    return m[2] ? Math.ceil((Number(m[1]) * replicas) / 100) : Number(m[1]);
}

/**
 * How many pods a PodDisruptionBudget lets a voluntary disruption (a node drain) evict at once,
 * the most over the replica counts given (a percentage grows with them); undefined when it sets
 * neither bound, or one Kubernetes cannot read.
 */
export function podsEvictable(spec: { maxUnavailable?: unknown; minAvailable?: unknown }, ...replicas: number[]): number | undefined {
    const counts = replicas.map((r) => {
        if (spec.maxUnavailable !== undefined) return podCount(spec.maxUnavailable, r);
        const min = spec.minAvailable === undefined ? undefined : podCount(spec.minAvailable, r);
        return min === undefined ? undefined : Math.max(0, r - min);
    });
    return counts.some((c) => c === undefined) ? undefined : Math.max(...(counts as number[]));
}
