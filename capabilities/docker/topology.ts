import type { Runbook, Service } from "../../runbooks";
import { GRAFANA_PORT } from "../dashboards";

/**
 * Where everything sits on the app's private Docker network: host names (network aliases), the
 * containers' own ports, and what is published on the developer's loopback interface. Every
 * other docker capability reads addresses from here, so a name is decided once.
 */

/** Ports the platform's own containers listen on inside the network (the upstream defaults). */
export const INTERNAL_PORTS = {
    postgres: 5432,
    redis: 6379,
    mongodb: 27017,
    kafka: 9092,
    kafkaController: 9093,
    /** The listener advertised to clients on the developer's machine. */
    kafkaExternal: 29092,
    minio: 9000,
    minioConsole: 9001,
    prometheus: 9090,
    alertmanager: 9093,
    grafana: GRAFANA_PORT,
    loki: 3100,
    promtail: 9080,
    jaegerUi: 16686,
    jaegerOtlpHttp: 4318,
    jaegerOtlpGrpc: 4317,
    blackbox: 9115,
    postgresExporter: 9187,
    redisExporter: 9121,
    kafkaExporter: 9308,
    mongodbExporter: 9216,
    cadvisor: 8080,
    nodeExporter: 9100,
    pushgateway: 9091,
    rabbitmq: 5672,
    rabbitmqManagement: 15672,
    rabbitmqPrometheus: 15692,
} as const;

/** Host names on the network. Replicas are `<name>-<n>`, counted from 1. */
export const HOSTS = {
    postgres: "postgres",
    postgresReplica: (n: number) => `postgres-replica-${n}`,
    redis: "redis",
    redisReplica: (n: number) => `redis-replica-${n}`,
    kafkaBroker: (n: number) => `kafka-${n}`,
    mongoMember: (n: number) => `mongo-${n}`,
    minio: "minio",
    prometheus: "prometheus",
    alertmanager: "alertmanager",
    grafana: "grafana",
    loki: "loki",
    promtail: "promtail",
    jaeger: "jaeger",
    blackbox: "blackbox-exporter",
    postgresExporter: (node: string) => `${node}-exporter`,
    redisExporter: (node: string) => `${node}-exporter`,
    mongodbExporter: (member: string) => `${member}-exporter`,
    kafkaExporter: "kafka-exporter",
    cadvisor: "cadvisor",
    nodeExporter: "node-exporter",
    pushgateway: "pushgateway",
    rabbitmq: "rabbitmq",
} as const;

function count(n: number): number[] {
    return Array.from({ length: n }, (_, i) => i + 1);
}

/** The `scaling.desired` replicas of a service, `<service>-1..N`; all of them also answer to `<service>` (DNS round-robin). */
export function serviceReplicas(service: Service): string[] {
    return count(service.scaling.desired).map((n) => `${service.name}-${n}`);
}

export function postgresReplicas(runbook: Runbook): string[] {
    return count(runbook.data.postgres?.readReplicas ?? 0).map(HOSTS.postgresReplica);
}

/** A `replicated` Redis gets one replica following the primary; `standalone` and `cluster` run one node locally (see docs/docker.md). */
export function redisReplicas(runbook: Runbook): string[] {
    return runbook.data.redis?.mode === "replicated" ? [HOSTS.redisReplica(1)] : [];
}

export function kafkaBrokers(runbook: Runbook): string[] {
    return count(runbook.data.kafka?.brokers ?? 0).map(HOSTS.kafkaBroker);
}

export function mongoMembers(runbook: Runbook): string[] {
    return count(runbook.data.mongodb?.replicaSetMembers ?? 0).map(HOSTS.mongoMember);
}

/** The replica set's name: the app id, which the backup scripts' MONGO_REPLICA_SET accepts. */
export function replicaSetName(runbook: Runbook): string {
    return `${runbook.app}-rs`;
}

/** A port published on the developer's machine. */
export interface PublishedPort {
    /** What it is: a service name, `grafana`, `postgres`, `kafka-2`, `minio-console`... */
    readonly name: string;
    /** The host name (network alias) of the container that gets the port. */
    readonly host: string;
    readonly internal: number;
    /** The port on 127.0.0.1. */
    readonly external: number;
    /** The URL scheme a client uses: `http` for what a browser or curl opens, else the database protocol. */
    readonly scheme: "http" | "postgres" | "redis" | "mongodb" | "kafka" | "amqp";
    /** True where the number is the runbook's own (monitoring.ports). */
    readonly fromRunbook: boolean;
}

/** Everything bound to loopback: only one container can own a host port, so each name gets one. */
export const LOOPBACK = "127.0.0.1";

/**
 * Host ports, decided in one place. The runbook's monitoring ports are taken as they are (two of
 * them equal is an error in the runbook data). Everything else asks for its usual port and moves
 * up to the next free one on a clash, so e.g. a backend on 3000 next to a Grafana the runbook puts
 * on 3000 is published on 3001. App services publish their first replica; workers publish nothing.
 */
export function publishedPorts(runbook: Runbook): PublishedPort[] {
    const taken = new Map<number, string>();
    const out: PublishedPort[] = [];
    const fixed = (name: string, host: string, internal: number, external: number) => {
        const clash = taken.get(external);
        if (clash) throw new Error(`${runbook.app}: \`monitoring.ports\` puts ${name} and ${clash} both on port ${external}; allowed: distinct ports`);
        taken.set(external, name);
        out.push({ name, host, internal, external, scheme: "http", fromRunbook: true });
    };
    const ports = runbook.monitoring.ports;
    fixed("grafana", HOSTS.grafana, INTERNAL_PORTS.grafana, ports.grafana);
    fixed("prometheus", HOSTS.prometheus, INTERNAL_PORTS.prometheus, ports.prometheus);
    fixed("alertmanager", HOSTS.alertmanager, INTERNAL_PORTS.alertmanager, ports.alertmanager);
    fixed("loki", HOSTS.loki, INTERNAL_PORTS.loki, ports.loki);
    if (ports.jaeger !== undefined) fixed("jaeger", HOSTS.jaeger, INTERNAL_PORTS.jaegerUi, ports.jaeger);

    const next = (name: string, host: string, internal: number, wanted: number, scheme: PublishedPort["scheme"]) => {
        let external = wanted;
        while (taken.has(external)) external++;
        if (external > 65535) throw new Error(`${runbook.app}: no free host port at or above ${wanted} for ${name}`);
        taken.set(external, name);
        out.push({ name, host, internal, external, scheme, fromRunbook: false });
    };
    const { data } = runbook;
    if (data.postgres) {
        next("postgres", HOSTS.postgres, INTERNAL_PORTS.postgres, INTERNAL_PORTS.postgres, "postgres");
        postgresReplicas(runbook).forEach((host) => next(host, host, INTERNAL_PORTS.postgres, INTERNAL_PORTS.postgres + 1, "postgres"));
    }
    if (data.redis) next("redis", HOSTS.redis, INTERNAL_PORTS.redis, INTERNAL_PORTS.redis, "redis");
    if (data.mongodb) next("mongodb", mongoMembers(runbook)[0], INTERNAL_PORTS.mongodb, INTERNAL_PORTS.mongodb, "mongodb");
    kafkaBrokers(runbook).forEach((host) => next(host, host, INTERNAL_PORTS.kafkaExternal, INTERNAL_PORTS.kafkaExternal, "kafka"));
    if (data.rabbitmq) {
        next("rabbitmq", HOSTS.rabbitmq, INTERNAL_PORTS.rabbitmq, INTERNAL_PORTS.rabbitmq, "amqp");
        next("rabbitmq-management", HOSTS.rabbitmq, INTERNAL_PORTS.rabbitmqManagement, INTERNAL_PORTS.rabbitmqManagement, "http");
    }
    if (data.objectStorage) {
        next("minio", HOSTS.minio, INTERNAL_PORTS.minio, INTERNAL_PORTS.minio, "http");
        next("minio-console", HOSTS.minio, INTERNAL_PORTS.minioConsole, INTERNAL_PORTS.minioConsole, "http");
    }
    for (const service of runbook.services) {
        if (service.role === "worker") continue;
        next(service.name, serviceReplicas(service)[0], service.port, service.port, "http");
    }
    return out;
}

export function publishedPort(runbook: Runbook, name: string): PublishedPort | undefined {
    return publishedPorts(runbook).find((p) => p.name === name);
}

/** What a developer opens, by name: `http://127.0.0.1:3003`, `postgres://127.0.0.1:5432`... */
export function localEndpoints(runbook: Runbook): Record<string, string> {
    return Object.fromEntries(publishedPorts(runbook).map((p) => [p.name, `${p.scheme}://${LOOPBACK}:${p.external}`]));
}
