/**
 * Where each image the local platform runs on a read-only root writes besides its volumes (issue
 * 15), read from the images' entrypoints and programs; each becomes a bounded tmpfs (memory the
 * container's limit counts). Uploaded files go to volumes instead (components/targets/docker/scope.ts,
 * `withUploadVolumes`): the engine refuses an upload into a read-only root.
 */

export interface Tmpfs {
    readonly mib: number;
    /** A program maps code from it (the JVM's native compression libraries in /tmp). Defaults to noexec. */
    readonly exec?: boolean;
}

export const WRITABLE_PATHS = {
    /**
     * postgres (docker-entrypoint.sh): `mkdir -p /var/run/postgresql`, `chmod 3777` and chown it
     * to postgres (the server's socket and lock file); `mktemp` for nss_wrapper's passwd when the
     * UID has no entry; psql and initdb's temporary files. PGDATA is the data volume.
     */
    postgres: { "/var/run/postgresql": { mib: 8 }, "/tmp": { mib: 64 } },
    /** redis: the start script's `requirepass` include file (`REDIS_AUTH_PATH`); the data is /data's volume. */
    redis: { "/tmp": { mib: 8 } },
    /**
     * mongo (docker-entrypoint.sh and mongod): mongod's Unix socket /tmp/mongodb-27017.sock, the
     * entrypoint's `${TMPDIR:-/tmp}/docker-entrypoint-*.json` and the first start's temporary
     * server's pid file; /data/db is the data volume and /data/configdb the image's own volume.
     * The healthcheck's mongosh (as root) keeps its logs in ~/.mongodb.
     */
    mongodb: { "/tmp": { mib: 64 }, "/root/.mongodb": { mib: 16 } },
    /**
     * apache/kafka (docker/jvm/launch, KafkaDockerWrapper): `path /opt/kafka/config/ writable`,
     * where `setup` writes the final server.properties and log4j files; kafka-run-class.sh's
     * `LOG_DIR` ($base_dir/logs: server.log, the GC log); the JVM's /tmp (hsperfdata, the
     * snappy/zstd/lz4 native libraries it extracts and maps, hence exec).
     */
    kafka: { "/opt/kafka/config": { mib: 8 }, "/opt/kafka/logs": { mib: 128 }, "/tmp": { mib: 64, exec: true } },
    /** The same image running the topic job: the JVM's /tmp and the job's private `mktemp -d`. */
    kafkaJob: { "/tmp": { mib: 64, exec: true } },
    /**
     * minio server (cmd/common-main.go): `mkdirAllIgnorePerm(globalCertsCADir)`, ~/.minio/certs/CAs
     * (root's home), fatal when it cannot; the healthcheck's `mc ready local` keeps its
     * configuration in ~/.mc; /data is the data volume.
     */
    minio: { "/root/.minio": { mib: 1 }, "/root/.mc": { mib: 1 }, "/tmp": { mib: 16 } },
    /** The minio/mc bucket job (as root): mc's configuration in ~/.mc; its script and policy are uploads. */
    mcJob: { "/root/.mc": { mib: 1 }, "/tmp": { mib: 16 } },
    /**
     * The backup and restore-check jobs (postgres, mongo, redis and minio/mc images, as root):
     * root's home, where mc keeps its configuration and mongosh its logs. Their staging and
     * scratch directories (operations/backup/lib.sh, `mktemp -d "${TMPDIR:-/tmp}/..."`: a whole
     * archive, a scratch redis-server) are a disk volume at /tmp, not memory.
     */
    backups: { "/root": { mib: 8 } },
    /** Grafana (GF_LOG_MODE console): its default GF_PATHS_LOGS, created at start; /var/lib/grafana is the data volume. */
    grafana: { "/var/log/grafana": { mib: 8 } },
} as const satisfies Record<string, Readonly<Record<string, Tmpfs>>>;
