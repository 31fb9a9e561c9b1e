import type { Runbook } from "../../runbooks";
import { postgresConf } from "../datastores";
import { postgresRoles, postgresRolesScript } from "../postgres-roles";
import { HOSTS, INTERNAL_PORTS, postgresReplicas } from "./topology";

/**
 * PostgreSQL in containers: the runbook's tuning (the shared `postgresConf`) as an uploaded
 * config file, the host-based access rules, the first-start script of the primary, and the
 * start script of a streaming read replica cloned with `pg_basebackup -R`.
 */

type Postgres = NonNullable<Runbook["data"]["postgres"]>;

export const PG_CONF_PATH = "/etc/postgresql/postgresql.conf";
export const PG_HBA_PATH = "/etc/postgresql/pg_hba.conf";
/** The official image runs every file here once, on the first start of an empty data volume. */
export const PG_INIT_PATH = "/docker-entrypoint-initdb.d/10-platform.sh";
export const PG_REPLICA_SCRIPT_PATH = "/opt/platform/postgres-replica.sh";
export const PG_DATA = "/var/lib/postgresql/data";
export const REPLICATION_USER = "replicator";

/** `postgres -c config_file=...`: the image's entrypoint passes it to the first-start server too. */
export function postgresCommand(): string[] {
    return ["postgres", "-c", `config_file=${PG_CONF_PATH}`];
}

/** postgresql.conf: the runbook's settings, plus where the access rules are. Replication needs no more: PostgreSQL 10+ defaults to `wal_level = replica` and 10 WAL senders. */
export function localPostgresConf(pg: Postgres): string {
    return `${postgresConf(pg)}hba_file = '${PG_HBA_PATH}'\n`;
}

/**
 * Who may connect how. Local socket connections are trusted (they need a shell in the container,
 * and the image's first-start scripts use them); everything over the network needs a password
 * (SCRAM), including the replication user.
 */
export function pgHbaConf(): string {
    return [
        "# Rendered by capabilities/docker/postgres.ts.",
        "# TYPE  DATABASE     USER         ADDRESS  METHOD",
        "local   all          all                   trust",
        `host    replication  ${REPLICATION_USER}   all      scram-sha-256`,
        "host    all          all          all      scram-sha-256",
        "",
    ].join("\n");
}

/** Physical replication slot of replica `n`, so the primary keeps the WAL a stopped replica still needs. */
export function replicationSlot(replicaHost: string): string {
    return replicaHost.replace(/[^a-z0-9]/g, "_");
}

/**
 * First start of the primary (run by the image's entrypoint, connected over the local socket):
 * pg_stat_statements in the app database, the app's and the exporters' roles
 * (`capabilities/postgres-roles.ts`, passwords in `APP_DB_PASSWORD` and `MONITOR_DB_PASSWORD`), and
 * for read replicas the replication role, whose password arrives in `REPLICATION_PASSWORD`, and one
 * slot per replica. psql's `:'pw'` quotes the password as a literal, so it never becomes SQL text.
 */
export function postgresInitScript(runbook: Runbook): string {
    const pg = runbook.data.postgres;
    if (!pg) throw new Error(`${runbook.app}: \`data.postgres\` is required for a PostgreSQL init script`);
    const slots = postgresReplicas(runbook).map(replicationSlot);
    const extensions = pg.preloadLibraries.filter((lib) => lib === "pg_stat_statements");
    const lines = [
        "#!/usr/bin/env bash",
        "# Rendered by capabilities/docker/postgres.ts; runs once, on the first start of an empty volume.",
        "set -euo pipefail",
        'psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB")',
        ...extensions.map((ext) => `"\${psql[@]}" -c 'CREATE EXTENSION IF NOT EXISTS ${ext};'`),
        postgresRolesScript(postgresRoles(runbook.app, pg), pg.database, '"${psql[@]}"'),
    ];
    if (slots.length) {
        lines.push(
            ': "${REPLICATION_PASSWORD:?the read replicas need REPLICATION_PASSWORD}"',
            `"\${psql[@]}" -v pw="$REPLICATION_PASSWORD" <<'SQL'`,
            `CREATE ROLE ${REPLICATION_USER} WITH REPLICATION LOGIN PASSWORD :'pw';`,
            ...slots.map((slot) => `SELECT pg_create_physical_replication_slot('${slot}');`),
            "SQL",
        );
    }
    return [...lines, ""].join("\n");
}

/**
 * Start of a read replica. On an empty volume it waits for the primary, clones it with
 * `pg_basebackup -R` (which writes `standby.signal` and `primary_conninfo`) through the replica's
 * slot, then runs the server with the same config file; afterwards it only starts the server.
 * The replication password is read by libpq from `PGPASSWORD`.
 */
export function postgresReplicaScript(replicaHost: string): string {
    const primary = HOSTS.postgres;
    const port = INTERNAL_PORTS.postgres;
    return [
        "#!/usr/bin/env bash",
        "# Rendered by capabilities/docker/postgres.ts.",
        "set -euo pipefail",
        `: "\${PGPASSWORD:?the replication password is required in PGPASSWORD}"`,
        `if [ ! -s "${PG_DATA}/PG_VERSION" ]; then`,
        `  until pg_isready -q -h ${primary} -p ${port}; do echo "waiting for ${primary}:${port}"; sleep 2; done`,
        `  pg_basebackup --host=${primary} --port=${port} --username=${REPLICATION_USER} --no-password --pgdata="${PG_DATA}" --write-recovery-conf --wal-method=stream --slot=${replicationSlot(replicaHost)} --checkpoint=fast`,
        `  chmod 0700 "${PG_DATA}"`,
        "fi",
        `exec ${postgresCommand().join(" ")}`,
        "",
    ].join("\n");
}

/** The libpq URL of the primary, or of every read replica (`target_session_attrs=standby` picks a standby), for `user`. */
export function postgresUrl(pg: Postgres, user: string, password: string, hosts: readonly string[] = [HOSTS.postgres]): string {
    const where = hosts.map((h) => `${h}:${INTERNAL_PORTS.postgres}`).join(",");
    const query = hosts[0] === HOSTS.postgres ? "" : "?target_session_attrs=standby";
    return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${where}/${encodeURIComponent(pg.database)}${query}`;
}
