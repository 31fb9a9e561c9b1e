/** What "runs as root" means in each target's user field: UID 0 or the name root, with or without a group. */
export function isRootUser(user: unknown): boolean {
    if (user === undefined || user === null || user === "") return false;
    const who = String(user).split(":")[0].trim();
    return who === "0" || who === "root";
}

/**
 * The platform's own containers on Docker that run on a read-only root filesystem (their
 * writable paths are tmpfs mounts and volumes: capabilities/docker/writable.ts), by component:
 * the data stores with their one-shot setup jobs, the backup jobs (their restore checks run inside
 * them), and the monitoring stack. Their users and capabilities are the images' own where an entrypoint starts as
 * root and steps down (PostgreSQL, MongoDB, MinIO, the backup jobs).
 */
export const DOCKER_READONLY_PLATFORM = ["postgres", "redis", "mongodb", "kafka", "objectStorage", "backups", "prometheus", "alertmanager", "grafana", "loki", "promtail", "jaeger"] as const;

/**
 * The platform's containers on Docker that, besides the read-only root, run as their image's
 * non-root user with every capability dropped (components/targets/docker/monitoring.ts): the
 * monitoring stack but Promtail, which runs as UID 0 without capabilities to read the engine's
 * root-owned log files (docs/security.md, *Local logs without the Docker socket*).
 */
export const DOCKER_CONFINED_PLATFORM = ["prometheus", "alertmanager", "grafana", "loki", "jaeger"] as const;

/** Platform monitoring containers on Docker that run as root (without capabilities, on a read-only root), by component, with the reason. */
export const DOCKER_ROOT_EXCEPTIONS: Readonly<Record<string, string>> = {
    promtail:
        "it reads the engine's json-file logs (/var/lib/docker/containers/*/*-json.log, root's, mode 0640) through a read-only bind instead of the Docker socket; as UID 0 with every capability dropped it reads what root owns and nothing else",
};

/**
 * Kafka listener protocols on Docker that do not encrypt, with the reason: the policy
 * (docker-kafka-client-authentication) requires SASL on every listener, not TLS.
 */
export const DOCKER_KAFKA_PLAINTEXT_EXCEPTIONS: Readonly<Record<string, string>> = {
    SASL_PLAINTEXT:
        "the brokers, the app and the exporter talk over the laptop's private bridge network, and the external listener is published on 127.0.0.1 only; logins and ACLs hold (SCRAM-SHA-512, PLAIN for the administrator), but the traffic is not encrypted: TLS would need a CA and keystores per laptop",
};

/** Platform containers on Docker that still have a writable root, by component, with the reason. */
export const DOCKER_READONLY_EXCEPTIONS: Readonly<Record<string, string>> = {
    rabbitmq:
        "its configuration and definitions are uploaded into /etc/rabbitmq, which would have to become a volume; a volume there hides the management image's /etc/rabbitmq/enabled_plugins and conf.d (the management and Prometheus plugins) unless RABBITMQ_CONFIG_FILE and RABBITMQ_ENABLED_PLUGINS_FILE move first, which no broker here could confirm",
};

/**
 * Exporters that cannot run confined on Docker, by component, with the reason. Every other
 * exporter (`<id>-exporter`) is held like an app container.
 */
export const DOCKER_EXPORTER_EXCEPTIONS: Readonly<Record<string, string>> = {
    "blackbox-exporter":
        "its module file is uploaded into the container's filesystem at creation, and the Docker engine refuses an upload into a read-only root (\"container rootfs is marked read-only\") unless the path is in a volume",
    "cadvisor-exporter": "cAdvisor reads every container's cgroups and the engine's state: its documented run is privileged with the host's /, /sys and /var/lib/docker mounted",
};

/**
 * Kubernetes data-store pods an operator builds with a read-only root of its own accord, with no
 * field in our resource to set it: by Helm chart, the chart versions whose operator source was read
 * and the line that sets it. A chart version not listed here has not been read, and
 * k8s-data-readonly-root flags it until it is.
 */
export const K8S_OPERATOR_READONLY: Readonly<Record<string, { readonly versions: readonly string[]; readonly source: string }>> = {
    "cloudnative-pg": {
        versions: ["0.22.1"],
        source:
            "operator 1.24.1 pkg/specs/containers.go:73 (CreateContainerSecurityContext: ReadOnlyRootFilesystem true), used by the instance pods (pkg/specs/pods.go:255), its jobs (pkg/specs/jobs.go:351) and PgBouncer; PostgreSQL's /run, scratch directory and /dev/shm are its emptyDirs (pkg/specs/volumes.go:226-238)",
    },
};
